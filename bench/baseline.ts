/** Runs the tree-sitter-only baseline over a list of files in a pool of worker threads. */
import { Worker } from "node:worker_threads";
import type { BaselineJob, BaselineReply } from "./baseline-worker.js";

export interface BaselineFile {
  absPath: string;
  size: number;
}

export interface BaselineRun {
  /** From spawning the first worker to the last file's reply. */
  wallMs: number;
  files: number;
  nodes: number;
  named: number;
  bytes: number;
  errors: string[];
}

/**
 * Same scheduling as the scan's own pool: files largest first, taken by each worker from one shared
 * counter. Fresh workers every run, so start-up cost is included, as it is for the scan.
 */
export async function runBaseline(files: BaselineFile[], jobs: number): Promise<BaselineRun> {
  const url = new URL("./baseline-worker.js", import.meta.url);
  const order = files.map((_, i) => i).sort((a, b) => files[b]!.size - files[a]!.size);
  const t0 = performance.now();
  const run: BaselineRun = { wallMs: 0, files: files.length, nodes: 0, named: 0, bytes: 0, errors: [] };
  if (files.length === 0) return run;
  const job: BaselineJob = { files: order.map((i) => files[i]!.absPath), next: new Int32Array(new SharedArrayBuffer(4)) };
  let done = 0;
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const count = Math.max(1, Math.min(jobs, files.length));
      for (let i = 0; i < count; i++) {
        const w = new Worker(url);
        workers.push(w);
        w.on("message", (msg: BaselineReply | { ready: true }) => {
          if ("ready" in msg) {
            w.postMessage(job);
            return;
          }
          run.nodes += msg.nodes;
          run.named += msg.named;
          run.bytes += msg.bytes;
          if (msg.error) run.errors.push(`${job.files[msg.k]}: ${msg.error}`);
          done++;
          if (done === files.length) {
            run.wallMs = performance.now() - t0;
            resolve();
          }
        });
        w.on("error", reject);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return run;
}
