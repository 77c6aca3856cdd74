/** Scanning helpers shared by the rule, example and link tests. */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { defaultConfig } from "../../src/config/types.js";
import type { Diagnostic, Finding } from "../../src/core/types.js";
import { scan, type ScanOutput } from "../../src/scan.js";

/** Scans a directory as a whole project with the default configuration, in this thread. */
export function scanDir(dir: string): Promise<ScanOutput> {
  return scan({ targets: [dir], config: defaultConfig(dir), jobs: 0 });
}

/** Findings no inline suppression covers. */
export function activeFindings(out: ScanOutput): Finding[] {
  return out.result.findings.filter((f) => !f.suppressed);
}

/** Diagnostics that mean a fixture was not read the way its author meant (broken syntax, crashed rule). */
const BROKEN = new Set(["syntax-error", "parse-error", "parse-failed", "rule-crashed", "internal-error", "non-utf8", "python2"]);

export function brokenDiagnostics(out: ScanOutput): Diagnostic[] {
  return out.result.diagnostics.filter((d) => BROKEN.has(d.code));
}

/** Every regular file under `dir`, as sorted forward-slash paths relative to it. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(relative(dir, p).split(sep).join("/"));
    }
  };
  walk(dir);
  return out.sort();
}

/** Writes `files` (relative path -> text) into a fresh temporary directory and returns its path. */
export function writeProject(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "flaskwarden-test-"));
  for (const [path, text] of Object.entries(files)) {
    const abs = join(dir, ...path.split("/"));
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, text);
  }
  return dir;
}

/** Scans an in-memory project written to a temporary directory, then removes the directory. */
export async function scanFiles(files: Record<string, string>): Promise<ScanOutput> {
  const dir = writeProject(files);
  try {
    return await scanDir(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Joins lines into file text with a trailing newline (keeps Python snippets readable in tests). */
export const lines = (...l: string[]): string => l.join("\n") + "\n";
