/** Runs the whole CLI as a child process and measures wall time and peak memory. */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The project folder (dist/bench/ is two levels below it). */
export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = join(PROJECT_ROOT, "bin", "flaskwarden.js");
const WRAPPER = fileURLToPath(new URL("./rss-wrapper.js", import.meta.url));
const GNU_TIME = "/usr/bin/time";

export interface ScanSummary {
  files: number;
  lines: number;
  findings: number;
  elapsedMs?: number;
}

export interface CliRun {
  wallMs: number;
  /** Peak resident set size of the CLI process in bytes, or null if it could not be read. */
  peakRss: number | null;
  exitCode: number;
  summary: ScanSummary;
}

export type RssMethod = "gnu-time" | "in-process-maxRSS";

let method: RssMethod | null = null;

/** GNU time's -v report when it works here, else a wrapper that reads process.resourceUsage(). */
export function rssMethod(): RssMethod {
  if (method) return method;
  method = "in-process-maxRSS";
  if (existsSync(GNU_TIME)) {
    const dir = mkdtempSync(join(tmpdir(), "fw-bench-probe-"));
    try {
      const out = join(dir, "time.txt");
      const r = spawnSync(GNU_TIME, ["-v", "-o", out, process.execPath, "-e", ""], { stdio: "ignore" });
      if (r.status === 0 && existsSync(out) && parseGnuTime(readFileSync(out, "utf8")) !== null) method = "gnu-time";
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return method;
}

function parseGnuTime(text: string): number | null {
  const m = /Maximum resident set size \(kbytes\):\s*(\d+)/.exec(text);
  return m ? Number(m[1]) * 1024 : null;
}

export interface CliOptions {
  jobs?: number;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
}

/** One CLI scan of `dir`. Exit codes 0 and 1 (findings) are both success. */
export async function runCli(dir: string, opts: CliOptions = {}): Promise<CliRun> {
  const work = mkdtempSync(join(tmpdir(), "fw-bench-run-"));
  try {
    const report = join(work, "report.json");
    const rssFile = join(work, "rss.txt");
    const scanArgs = ["scan", dir, "--format", "json", "-o", `json=${report}`, "--no-config"];
    if (opts.jobs !== undefined) scanArgs.push("--jobs", String(opts.jobs));
    const node = [...(opts.nodeFlags ?? [])];
    const how = rssMethod();
    const [cmd, args] =
      how === "gnu-time"
        ? [GNU_TIME, ["-v", "-o", rssFile, process.execPath, ...node, CLI, ...scanArgs]]
        : [process.execPath, [...node, WRAPPER, rssFile, ...scanArgs]];
    const t0 = performance.now();
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve, reject) => {
      const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"], cwd: work });
      let err = "";
      child.stderr.on("data", (d: Buffer) => {
        err = (err + d.toString("utf8")).slice(-8000);
      });
      child.on("error", reject);
      child.on("close", (c) => resolve({ code: c ?? -1, stderr: err }));
    });
    const wallMs = performance.now() - t0;
    if (code !== 0 && code !== 1) throw new Error(`the CLI exited with code ${code} on ${dir}:\n${stderr}`);
    let peakRss: number | null = null;
    if (existsSync(rssFile)) {
      const text = readFileSync(rssFile, "utf8");
      peakRss = how === "gnu-time" ? parseGnuTime(text) : Number(text.trim()) * 1024 || null;
    }
    const json = JSON.parse(readFileSync(report, "utf8")) as { summary: ScanSummary };
    return { wallMs, peakRss, exitCode: code, summary: json.summary };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
