/** Runs processFile over many files, in a pool of worker threads or in-process for small inputs. */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { SourceFile } from "../core/types.js";
import type { FileResult } from "../index/ir.js";
import { decodeResult } from "../index/wire.js";
import type { WireFileResult } from "../index/ir.js";
import { processFile } from "./file.js";
import { pythonParser } from "./treesitter.js";

export interface PoolOptions {
  /** Number of worker threads; 0 = in-process. Default: cores, but in-process below 16 files. */
  jobs?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Parses and indexes every file; results come back in input order. */
export async function parseAll(files: SourceFile[], opts: PoolOptions = {}): Promise<FileResult[]> {
  const jobs = opts.jobs ?? (files.length < 16 ? 0 : Math.min(availableParallelism(), 8));
  if (jobs <= 0) {
    const parser = await pythonParser();
    const out: FileResult[] = [];
    for (const f of files) {
      out.push(decodeResult(processFile(parser, f)));
      opts.onProgress?.(out.length, files.length);
    }
    return out;
  }
  const results: FileResult[] = new Array(files.length);
  // Largest first, so one huge file does not finish alone at the end.
  const order = files.map((_, i) => i).sort((a, b) => files[b]!.size - files[a]!.size);
  let next = 0;
  let done = 0;
  const workerCount = Math.min(jobs, files.length);
  const url = new URL("./worker.js", import.meta.url);
  await new Promise<void>((resolve, reject) => {
    const workers: Worker[] = [];
    let settled = false;
    const finish = () => {
      settled = true;
      for (const w of workers) void w.terminate();
      resolve();
    };
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      for (const x of workers) void x.terminate();
      reject(err);
    };
    for (let i = 0; i < workerCount; i++) {
      const w = new Worker(url);
      workers.push(w);
      const feed = () => {
        if (next < order.length) {
          const id = order[next++]!;
          w.postMessage({ id, file: files[id] });
        }
      };
      w.on("message", (msg: { ready?: boolean; id: number; json: string }) => {
        if (msg.ready) {
          // Two files in flight per worker hide the message round trip.
          feed();
          feed();
          return;
        }
        // Hand the worker its next file before decoding this one, so it never waits on the main thread.
        feed();
        try {
          results[msg.id] = decodeResult(JSON.parse(msg.json) as WireFileResult);
        } catch (err) {
          fail(new Error(`could not read the worker's result for ${files[msg.id]?.path}: ${(err as Error).message}`));
          return;
        }
        done++;
        opts.onProgress?.(done, files.length);
        if (done === files.length) finish();
      });
      w.on("error", fail);
      // A worker that dies without an error event (out of memory, process.exit) must not leave the scan waiting.
      w.on("exit", (code) => {
        if (!settled) fail(new Error(`a parser worker stopped unexpectedly (exit code ${code})`));
      });
    }
  });
  return results;
}
