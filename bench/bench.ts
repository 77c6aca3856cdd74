/**
 * flaskwarden benchmark: prints figures, asserts nothing. See bench/README.md.
 *
 *   npm run bench
 *   npm run bench -- --runs 3 --sizes 50,400 --json
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config/load.js";
import { discover } from "../src/discover/walk.js";
import { runBaseline, type BaselineRun } from "./baseline.js";
import { PROJECT_ROOT, rssMethod, runCli, type CliRun } from "./cli-run.js";
import { generateProject } from "./generate.js";
import { findStdlib } from "./stdlib.js";
import { group, ms, round, spread, type Spread } from "./stats.js";

const TARGET_RATIO = 1.5;

interface Options {
  runs: number;
  jobs: number;
  jobsGiven: boolean;
  sizes: number[];
  stdlib: string | null;
  skipStdlib: boolean;
  skipGenerated: boolean;
  json: boolean;
}

function usage(): string {
  return `usage: node dist/bench/bench.js [options]
  --runs N          timed runs per measurement (default 5)
  --jobs N          parsing threads for both: N workers for the baseline, the main thread and N - 1 workers for the scan (default min(cores, 8))
  --sizes A,B,...   Python file counts of the generated projects (default 50,200,800,3200)
  --stdlib DIR      scan this folder as corpus A instead of asking dpkg
  --skip-stdlib     leave out corpus A
  --skip-generated  leave out corpus B
  --json            print the figures as JSON instead of tables
`;
}

function positiveInt(name: string, text: string, min = 1): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number >= ${min}, got \`${text}\``);
  return n;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: "string" },
      jobs: { type: "string" },
      sizes: { type: "string" },
      stdlib: { type: "string" },
      "skip-stdlib": { type: "boolean", default: false },
      "skip-generated": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(usage());
    process.exit(0);
  }
  const sizes = (values.sizes ?? "50,200,800,3200")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => positiveInt("--sizes", s, 8));
  return {
    runs: values.runs === undefined ? 5 : positiveInt("--runs", values.runs),
    jobs: values.jobs === undefined ? Math.min(availableParallelism(), 8) : positiveInt("--jobs", values.jobs),
    jobsGiven: values.jobs !== undefined,
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    stdlib: values.stdlib ?? null,
    skipStdlib: values["skip-stdlib"],
    skipGenerated: values["skip-generated"],
    json: values.json,
  };
}

function progress(text: string): void {
  process.stderr.write(`[bench] ${text}\n`);
}

function mb(bytes: number | null): number | null {
  return bytes === null ? null : round(bytes / (1024 * 1024), 1);
}

function maxOf(values: Array<number | null>): number | null {
  const v = values.filter((x): x is number => x !== null);
  return v.length === 0 ? null : Math.max(...v);
}

function spreadJson(s: Spread) {
  return { min: round(s.min), median: round(s.median), max: round(s.max), samples: s.samples.map((x) => round(x)) };
}

// ---------------------------------------------------------------------------------------------
// Corpus A: the standard library
// ---------------------------------------------------------------------------------------------

interface StdlibResult {
  dir: string;
  source: "dpkg" | "--stdlib";
  files: number;
  lines: number;
  baselineFiles: number;
  baselineNodes: number;
  baselineErrors: number;
  findings: number;
  baseline: Spread;
  scan: Spread;
  ratio: number;
  ratioMin: number;
  filesPerSec: number;
  linesPerSec: number;
  peakRssMb: number | null;
  peakRssMedianMb: number | null;
  stages: Record<string, number>;
}

type Skipped = { skipped: string };

async function benchStdlib(opts: Options): Promise<StdlibResult | Skipped> {
  let dir: string;
  let source: StdlibResult["source"];
  if (opts.stdlib) {
    dir = resolve(opts.stdlib);
    source = "--stdlib";
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`--stdlib ${opts.stdlib}: not a directory`);
  } else {
    const found = findStdlib();
    if (found.dir === null) {
      const msg = `corpus A skipped: ${found.reason}. Install libpython3.11-stdlib or pass --stdlib DIR.`;
      progress(msg);
      return { skipped: msg };
    }
    dir = found.dir;
    source = "dpkg";
  }
  progress(`corpus A: ${dir}`);

  // The scan's own discovery decides which files count, so the baseline parses exactly the Python files the scan parses.
  const found = await discover([dir], loadConfig(null, {}));
  const py = found.files.filter((f) => f.kind === "python").map((f) => ({ absPath: f.absPath, size: f.size }));
  const cliOpts = opts.jobsGiven ? { jobs: opts.jobs } : {};

  progress(`warm-up (baseline on ${py.length} files, ${opts.jobs} workers; then the CLI)`);
  await runBaseline(py, opts.jobs);
  await runCli(dir, cliOpts);

  const base: BaselineRun[] = [];
  const cli: CliRun[] = [];
  for (let i = 0; i < opts.runs; i++) {
    // Alternate which goes first, so neither always runs on a warmer or cooler machine.
    const order = i % 2 === 0 ? ["baseline", "scan"] : ["scan", "baseline"];
    for (const what of order) {
      if (what === "baseline") base.push(await runBaseline(py, opts.jobs));
      else cli.push(await runCli(dir, cliOpts));
    }
    progress(`run ${i + 1}/${opts.runs}: baseline ${ms(base[i]!.wallMs)}, scan ${ms(cli[i]!.wallMs)}`);
  }

  // One extra scan, only to split the time into stages (not part of the figures above).
  const stagesRun = spawnSync(process.execPath, [new URL("./stages.js", import.meta.url).pathname, dir, ...(opts.jobsGiven ? [String(opts.jobs)] : [])], { encoding: "utf8" });
  const stages = JSON.parse(stagesRun.stdout) as Record<string, number>;

  const b = spread(base.map((r) => r.wallMs));
  const s = spread(cli.map((r) => r.wallMs));
  const summary = cli[0]!.summary;
  const rss = cli.map((r) => r.peakRss);
  const rssKnown = rss.filter((x): x is number => x !== null);
  return {
    dir,
    source,
    files: summary.files,
    lines: summary.lines,
    baselineFiles: py.length,
    baselineNodes: base[0]!.nodes,
    baselineErrors: base[0]!.errors.length,
    findings: summary.findings,
    baseline: b,
    scan: s,
    ratio: s.median / b.median,
    ratioMin: s.min / b.min,
    filesPerSec: summary.files / (s.median / 1000),
    linesPerSec: summary.lines / (s.median / 1000),
    peakRssMb: mb(maxOf(rss)),
    peakRssMedianMb: rssKnown.length > 0 ? mb(spread(rssKnown).median) : null,
    stages,
  };
}

// ---------------------------------------------------------------------------------------------
// Corpus B: generated Flask projects
// ---------------------------------------------------------------------------------------------

interface SizeResult {
  size: number;
  files: number;
  lines: number;
  findings: number;
  scan: Spread;
  filesPerSec: number;
  linesPerSec: number;
  peakRssMb: number | null;
  /** (time / previous time) / (size / previous size); null for the first size. */
  growth: number | null;
}

const tempDirs = new Set<string>();

function cleanTemp(): void {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

async function benchGenerated(opts: Options): Promise<SizeResult[]> {
  const out: SizeResult[] = [];
  const cliOpts = opts.jobsGiven ? { jobs: opts.jobs } : {};
  for (const size of opts.sizes) {
    const root = mkdtempSync(join(tmpdir(), `fw-bench-gen-${size}-`));
    tempDirs.add(root);
    try {
      const gen = generateProject(join(root, "project"), size);
      progress(`corpus B: ${size} Python files, ${group(gen.lines)} lines generated; warm-up`);
      await runCli(gen.root, cliOpts);
      const runs: CliRun[] = [];
      for (let i = 0; i < opts.runs; i++) runs.push(await runCli(gen.root, cliOpts));
      const s = spread(runs.map((r) => r.wallMs));
      const summary = runs[0]!.summary;
      const prev = out[out.length - 1];
      out.push({
        size,
        files: summary.files,
        lines: summary.lines,
        findings: summary.findings,
        scan: s,
        filesPerSec: summary.files / (s.median / 1000),
        linesPerSec: summary.lines / (s.median / 1000),
        peakRssMb: mb(maxOf(runs.map((r) => r.peakRss))),
        growth: prev ? s.median / prev.scan.median / (size / prev.size) : null,
      });
      progress(`corpus B: ${size} files: scan median ${ms(s.median)}`);
    } finally {
      rmSync(root, { recursive: true, force: true });
      tempDirs.delete(root);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

function table(rows: string[][], alignRight: boolean[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) => r.map((cell, c) => (alignRight[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ").trimEnd())
    .join("\n");
}

function printText(opts: Options, a: StdlibResult | Skipped | null, bRes: SizeResult[] | null, method: string): void {
  const lines: string[] = [];
  lines.push("flaskwarden benchmark");
  lines.push(`  node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? "unknown"}), workers ${opts.jobs}, ${opts.runs} timed runs per figure (+1 warm-up), peak RSS via ${method}`);
  lines.push("");
  if (a !== null) {
    lines.push("Corpus A: Python 3.11 standard library");
    if ("skipped" in a) {
      lines.push(`  ${a.skipped}`);
    } else {
      const rows: string[][] = [
        ["figure", "median", "min", "max"],
        ["baseline: tree-sitter parse + cursor walk (ms)", group(a.baseline.median), group(a.baseline.min), group(a.baseline.max)],
        ["scan: whole CLI process (ms)", group(a.scan.median), group(a.scan.min), group(a.scan.max)],
      ];
      lines.push(`  folder: ${a.dir} (from ${a.source})`);
      lines.push(`  files: ${group(a.files)} scanned (${group(a.baselineFiles)} Python files parsed by the baseline, ${group(a.baselineNodes)} nodes${a.baselineErrors ? `, ${a.baselineErrors} unreadable` : ""})`);
      lines.push(`  lines: ${group(a.lines)}    findings: ${a.findings}`);
      lines.push("");
      lines.push(table(rows, [false, true, true, true]).replace(/^/gm, "  "));
      lines.push("");
      const verdict = a.ratio <= TARGET_RATIO ? "within target" : "ABOVE target";
      lines.push(`  ratio scan/baseline: ${a.ratio.toFixed(2)} (medians; ${a.ratioMin.toFixed(2)} on minimums)   target <= ${TARGET_RATIO}: ${verdict}`);
      lines.push(`  throughput: ${group(a.filesPerSec)} files/s, ${group(a.linesPerSec)} lines/s (scan median)`);
      lines.push(`  peak RSS: ${a.peakRssMb ?? "n/a"} MB (max over runs; median ${a.peakRssMedianMb ?? "n/a"} MB)`);
      const stages = Object.entries(a.stages)
        .map(([k, v]) => `${k} ${Math.round(v)}`)
        .join(", ");
      lines.push(`  stages of one extra scan (ms): ${stages}`);
    }
    lines.push("");
  }
  if (bRes !== null) {
    lines.push("Corpus B: generated Flask projects");
    const rows: string[][] = [["py files", "files", "lines", "findings", "scan median ms", "min", "max", "files/s", "lines/s", "peak RSS MB", "growth"]];
    for (const r of bRes) {
      rows.push([
        group(r.size),
        group(r.files),
        group(r.lines),
        String(r.findings),
        group(r.scan.median),
        group(r.scan.min),
        group(r.scan.max),
        group(r.filesPerSec),
        group(r.linesPerSec),
        r.peakRssMb === null ? "n/a" : r.peakRssMb.toFixed(1),
        r.growth === null ? "-" : r.growth.toFixed(2),
      ]);
    }
    lines.push(table(rows, rows[0]!.map(() => true)).replace(/^/gm, "  "));
    lines.push("  growth = (scan time / previous size's time) / (size / previous size); 1.00 is linear, below 1 means fixed start-up cost is still being spread out.");
    lines.push("");
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

function toJson(opts: Options, a: StdlibResult | Skipped | null, bRes: SizeResult[] | null, method: string) {
  return {
    node: process.version,
    cpus: cpus().length,
    workers: opts.jobs,
    runs: opts.runs,
    rssMethod: method,
    targetRatio: TARGET_RATIO,
    stdlib:
      a === null
        ? null
        : "skipped" in a
          ? a
          : {
              dir: a.dir,
              source: a.source,
              files: a.files,
              lines: a.lines,
              findings: a.findings,
              baselineFiles: a.baselineFiles,
              baselineNodes: a.baselineNodes,
              baselineMs: spreadJson(a.baseline),
              scanMs: spreadJson(a.scan),
              ratio: round(a.ratio, 3),
              ratioOfMinimums: round(a.ratioMin, 3),
              withinTarget: a.ratio <= TARGET_RATIO,
              filesPerSec: round(a.filesPerSec),
              linesPerSec: round(a.linesPerSec),
              peakRssMb: a.peakRssMb,
              peakRssMedianMb: a.peakRssMedianMb,
              stagesMs: Object.fromEntries(Object.entries(a.stages).map(([k, v]) => [k, round(v)])),
            },
    generated:
      bRes === null
        ? null
        : bRes.map((r) => ({
            size: r.size,
            files: r.files,
            lines: r.lines,
            findings: r.findings,
            scanMs: spreadJson(r.scan),
            filesPerSec: round(r.filesPerSec),
            linesPerSec: round(r.linesPerSec),
            peakRssMb: r.peakRssMb,
            growth: r.growth === null ? null : round(r.growth, 3),
          })),
  };
}

async function run(): Promise<number> {
  let opts: Options;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n${usage()}`);
    return 2;
  }
  if (!existsSync(join(PROJECT_ROOT, "dist", "src", "cli", "main.js"))) {
    process.stderr.write("bench: dist/ is missing; build first with `npx tsc -p .` (or use `npm run bench`)\n");
    return 2;
  }
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.on(sig, () => {
      cleanTemp();
      process.exit(130);
    });
  }
  const method = rssMethod() === "gnu-time" ? "/usr/bin/time -v" : "process.resourceUsage().maxRSS";
  try {
    const a = opts.skipStdlib ? null : await benchStdlib(opts);
    const b = opts.skipGenerated ? null : await benchGenerated(opts);
    if (opts.json) process.stdout.write(`${JSON.stringify(toJson(opts, a, b, method), null, 2)}\n`);
    else printText(opts, a, b, method);
    return 0;
  } finally {
    cleanTemp();
  }
}

process.exitCode = await run();
