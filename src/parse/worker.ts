/** Worker thread entry: parses and indexes the files it is sent, one message per file. */
import { parentPort } from "node:worker_threads";
import type { SourceFile } from "../core/types.js";
import { processFile } from "./file.js";
import { pythonParser } from "./treesitter.js";

const port = parentPort!;
const parser = await pythonParser();
port.on("message", (msg: { id: number; file: SourceFile }) => {
  // A JSON string crosses the thread boundary as one flat copy; structured clone of the same object
  // graph costs the receiving (main) thread several times more, and the main thread is the bottleneck.
  port.postMessage({ id: msg.id, json: JSON.stringify(processFile(parser, msg.file)) });
});
port.postMessage({ ready: true });
