/**
 * Worker thread entry. For each job (see WorkerJob in pool.ts) it takes files from the shared counter
 * until there are none left, and posts one message per file.
 */
import { parentPort } from "node:worker_threads";
import { processFile } from "./file.js";
import type { WorkerJob } from "./pool.js";
import { pythonParser } from "./treesitter.js";

const port = parentPort!;
const parser = await pythonParser();
port.on("message", (job: WorkerJob) => {
  for (;;) {
    const k = Atomics.add(job.next, 0, 1);
    if (k >= job.files.length) break;
    // A JSON string crosses the thread boundary as one flat copy; structured clone of the same object
    // graph costs the receiving (main) thread several times more, and the main thread is the bottleneck.
    port.postMessage({ k, json: JSON.stringify(processFile(parser, job.files[k]!, undefined, job.depth)) });
  }
});
port.postMessage({ ready: true });
