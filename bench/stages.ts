/**
 * Child process for bench.ts: one scan of a folder in-process, with the CLI's engine settings, printing
 * the time of each stage as JSON. Run separately so the settings do not touch the benchmark's own
 * process, where the tree-sitter baseline runs.
 */
import { tuneEngine } from "../src/cli/engine.js";

tuneEngine();
const { scan } = await import("../src/scan.js");
const { loadConfig } = await import("../src/config/load.js");
const [dir, jobs] = process.argv.slice(2);
const out = await scan({ targets: [dir!], config: loadConfig(null, {}), jobs: jobs ? Number(jobs) : undefined });
process.stdout.write(JSON.stringify(out.timings));
