/** Worker thread entry: parses and indexes the files it is sent, one message per file. */
import { parentPort } from "node:worker_threads";
import type { SourceFile } from "../core/types.js";
import { processFile } from "./file.js";
import { pythonParser } from "./treesitter.js";

const port = parentPort!;
const parser = await pythonParser();
port.on("message", (msg: { id: number; file: SourceFile }) => {
  port.postMessage({ id: msg.id, result: processFile(parser, msg.file) });
});
port.postMessage({ ready: true });
