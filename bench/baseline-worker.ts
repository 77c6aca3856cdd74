/**
 * Worker thread for the tree-sitter baseline: reads each file it is sent, parses it with the
 * project's own parser, visits every node with a TreeCursor and reports how many it saw.
 * No indexing, no lowering: this is the floor the real scan is compared against.
 */
import { readFileSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import { pythonParser } from "../src/parse/treesitter.js";

/** Sent once: the worker takes positions in `files` from the shared counter `next` until none are left. */
export interface BaselineJob {
  files: string[];
  next: Int32Array;
}

export interface BaselineReply {
  k: number;
  nodes: number;
  named: number;
  bytes: number;
  error?: string;
}

const port = parentPort!;
const parser = await pythonParser();

function walk(absPath: string): { nodes: number; named: number; bytes: number } {
  const text = readFileSync(absPath, "utf8");
  const tree = parser.parse(text);
  if (!tree) throw new Error("parser returned no tree");
  const cursor = tree.walk();
  let nodes = 0;
  let named = 0;
  try {
    for (;;) {
      nodes++;
      // Look at each node, as any real consumer of the tree would.
      if (cursor.nodeIsNamed) named++;
      if (cursor.gotoFirstChild()) continue;
      for (;;) {
        if (cursor.gotoNextSibling()) break;
        if (!cursor.gotoParent()) return { nodes, named, bytes: Buffer.byteLength(text) };
      }
    }
  } finally {
    cursor.delete();
    tree.delete();
  }
}

port.on("message", (job: BaselineJob) => {
  for (;;) {
    const k = Atomics.add(job.next, 0, 1);
    if (k >= job.files.length) break;
    let reply: BaselineReply;
    try {
      reply = { k, ...walk(job.files[k]!) };
    } catch (err) {
      reply = { k, nodes: 0, named: 0, bytes: 0, error: (err as Error).message };
    }
    port.postMessage(reply);
  }
});
port.postMessage({ ready: true });
