/** Runs processFile over many files, in a pool of worker threads or in-process for small inputs. */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { SourceFile } from "../core/types.js";
import type { FileResult } from "../index/ir.js";
import { decodeResult } from "../index/wire.js";
import type { WireFileResult } from "../index/ir.js";
import { processFile } from "./file.js";
import type { IndexDepth } from "../index/python.js";
import { pythonParser } from "./treesitter.js";

export interface PoolOptions {
  /**
   * Number of threads that parse: the main thread and jobs - 1 workers; 0 or 1 = the main thread only.
   * Default: one per core (up to 8), but the main thread alone below IN_PROCESS_BELOW_BYTES of input.
   */
  jobs?: number;
  onProgress?: (done: number, total: number) => void;
  /** How deep Python modules are indexed (see IndexDepth in src/index/python.ts); default "auto". */
  depth?: IndexDepth;
}

/**
 * Below this much input, worker threads cost more than they save: each needs about 0.1 s to load
 * the parser, while one thread parses and indexes roughly 4 MB/s. Measured with bench/bench.ts.
 */
export const IN_PROCESS_BELOW_BYTES = 1_500_000;

/**
 * With no result from any worker for this long, the scan stops with an error naming the files in
 * flight instead of waiting forever (each file's parse is also capped at 10 s of its own).
 */
const STALL_MS = 60_000;

/** The default number of workers for a large input. */
export function defaultJobs(): number {
  return Math.min(availableParallelism(), 8);
}

/** What a worker is sent once per parseAll: it takes positions in `files` from `next` until none are left. */
export interface WorkerJob {
  files: SourceFile[];
  /** Shared counter: the next position in `files` to parse. */
  next: Int32Array;
  depth?: IndexDepth;
}

interface Started {
  worker: Worker;
  /** Settles when the worker has loaded the parser and posted `{ ready: true }`. */
  ready: Promise<void>;
}

let prewarmed: Started[] | null = null;

function startWorker(): Started {
  const worker = new Worker(new URL("./worker.js", import.meta.url));
  // Not referenced until a scan uses it, so an early exit (a usage error) is not held up by it.
  worker.unref();
  const ready = new Promise<void>((resolve, reject) => {
    const onMessage = (msg: { ready?: boolean }) => {
      if (!msg.ready) return;
      worker.off("message", onMessage);
      worker.off("error", reject);
      resolve();
    };
    worker.on("message", onMessage);
    worker.on("error", reject);
  });
  // A worker that fails while still idle reports through parseAll's own handlers; this only avoids an unhandled rejection.
  ready.catch(() => {});
  return { worker, ready };
}

/**
 * Starts `jobs` workers now, while the caller still reads its config and walks the file tree, so
 * that loading the parser in each worker (about 0.1 s) overlaps that work. The next parseAll with
 * the same number of jobs uses them; one that runs in-process stops them.
 */
export function prewarm(jobs: number = defaultJobs()): void {
  if (prewarmed || jobs <= 1) return;
  // The main thread parses too, so `jobs` threads need jobs - 1 workers.
  prewarmed = Array.from({ length: jobs - 1 }, startWorker);
  void pythonParser();
}

/**
 * Stops a worker once it has finished loading the parser. Terminating a thread while it is still
 * compiling the grammar's WebAssembly can leave the process unable to exit (seen under heavy load,
 * when the main thread finished a small project before a worker was ready); unreferenced, a worker
 * that is still loading does not keep the process alive meanwhile.
 */
function stop(s: Started): void {
  s.worker.unref();
  s.ready.then(
    () => void s.worker.terminate(),
    () => void s.worker.terminate(),
  );
}

function takePrewarmed(jobs: number): Started[] {
  const pool = prewarmed ?? [];
  prewarmed = null;
  const kept = pool.slice(0, jobs);
  for (const s of pool.slice(jobs)) stop(s);
  while (kept.length < jobs) kept.push(startWorker());
  return kept;
}

function totalBytes(files: SourceFile[]): number {
  let n = 0;
  for (const f of files) n += f.size;
  return n;
}

/** Parses and indexes every file; results come back in input order. */
export async function parseAll(files: SourceFile[], opts: PoolOptions = {}): Promise<FileResult[]> {
  const jobs = opts.jobs ?? (totalBytes(files) < IN_PROCESS_BELOW_BYTES ? 0 : defaultJobs());
  if (jobs <= 1 || files.length < 2) {
    for (const s of takePrewarmed(0)) stop(s);
    const parser = await pythonParser();
    const out: FileResult[] = [];
    for (const f of files) {
      out.push(decodeResult(processFile(parser, f, undefined, opts.depth)));
      opts.onProgress?.(out.length, files.length);
    }
    return out;
  }
  const results: FileResult[] = new Array(files.length);
  // Largest first, so one huge file does not finish alone at the end.
  const order = files.map((_, i) => i).sort((a, b) => files[b]!.size - files[a]!.size);
  const queue = order.map((i) => files[i]!);
  // One shared counter hands out the files: every thread takes the next one itself the moment it is free,
  // so a worker never waits for the main thread, which may be busy with a large file of its own.
  const next = new Int32Array(new SharedArrayBuffer(4));
  const take = (): number => Atomics.add(next, 0, 1);
  let done = 0;
  // The main thread is one of the parsing threads. Its own results need no JSON round trip, and one
  // thread fewer competes for the cores (each worker also runs its own JIT compiler and garbage collector).
  const started = takePrewarmed(Math.min(jobs, files.length) - 1);
  const parser = await pythonParser();
  let lastProgress = performance.now();
  let watchdog: ReturnType<typeof setInterval> | undefined;
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const stopAll = () => {
      if (watchdog) clearInterval(watchdog);
      for (const s of started) stop(s);
    };
    // A worker that stops answering (seen once under heavy machine load, never reproduced) must not
    // hang the scan: the files the workers took and did not finish are parsed here instead, and the scan says so.
    let workersGone = false;
    watchdog = setInterval(() => {
      if (settled || performance.now() - lastProgress < STALL_MS) return;
      workersGone = true;
      if (watchdog) clearInterval(watchdog);
      for (const s of started) void s.worker.terminate();
      // Every file a worker took but did not finish.
      const taken = Math.min(Atomics.load(next, 0), queue.length);
      for (let k = 0; k < taken; k++) {
        if (results[order[k]!] !== undefined) continue;
        try {
          const r = decodeResult(processFile(parser, queue[k]!, undefined, opts.depth));
          r.diagnostics.push({ file: queue[k]!.path, severity: "warning", code: "worker-stalled", message: `a parser worker stopped answering for ${STALL_MS / 1000} s while it had this file; it was parsed in the main thread instead` });
          results[order[k]!] = r;
        } catch (err) {
          fail(err as Error);
          return;
        }
        finishOne();
      }
      if (!settled) setImmediate(mainStep);
    }, 5_000);
    watchdog.unref();
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      stopAll();
      reject(err);
    };
    const finishOne = () => {
      done++;
      opts.onProgress?.(done, files.length);
      if (done === files.length && !settled) {
        settled = true;
        stopAll();
        resolve();
      }
    };
    function mainStep(): void {
      if (settled) return;
      const k = take();
      if (k >= queue.length) return;
      lastProgress = performance.now();
      try {
        results[order[k]!] = decodeResult(processFile(parser, queue[k]!, undefined, opts.depth));
      } catch (err) {
        fail(err as Error);
        return;
      }
      finishOne();
      // Let the workers' results in before taking the next file.
      setImmediate(mainStep);
    }
    setImmediate(mainStep);
    for (const { worker: w, ready } of started) {
      w.ref();
      w.on("message", (msg: { ready?: boolean; k: number; json: string }) => {
        if (msg.ready || workersGone) return;
        const id = order[msg.k]!;
        if (results[id] !== undefined) return;
        lastProgress = performance.now();
        try {
          results[id] = decodeResult(JSON.parse(msg.json) as WireFileResult);
        } catch (err) {
          fail(new Error(`could not read the worker's result for ${queue[msg.k]?.path}: ${(err as Error).message}`));
          return;
        }
        finishOne();
      });
      w.on("error", fail);
      // A worker that dies without an error event (out of memory, process.exit) must not leave the scan waiting.
      w.on("exit", (code) => {
        if (!settled && !workersGone) fail(new Error(`a parser worker stopped unexpectedly (exit code ${code})`));
      });
      ready.then(
        () => {
          const job: WorkerJob = { files: queue, next, depth: opts.depth };
          w.postMessage(job);
        },
        (err: Error) => fail(err),
      );
    }
  });
  return results;
}
