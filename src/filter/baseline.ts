import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { compareFindings, type Diagnostic, type Finding } from "../core/types.js";
import { ConfigError } from "../config/types.js";

/** Known findings, counted by file → rule ID → fingerprint. */
export interface BaselineFile {
  version: 1;
  tool: "flaskwarden";
  files: Record<string, Record<string, Record<string, number>>>;
}

/** Counts the unsuppressed findings so a later scan can tell known ones from new ones. */
export function buildBaseline(findings: Finding[]): BaselineFile {
  const files: BaselineFile["files"] = {};
  for (const f of findings) {
    if (f.suppressed) continue;
    const rules = (files[f.file] ??= {});
    const prints = (rules[f.ruleId] ??= {});
    prints[f.fingerprint] = (prints[f.fingerprint] ?? 0) + 1;
  }
  return { version: 1, tool: "flaskwarden", files };
}

/** The baseline as committed text: sorted keys, 2-space indent, trailing newline. */
export function formatBaseline(b: BaselineFile): string {
  // The three top-level keys keep the documented order; everything under `files` is sorted.
  return stringifySorted({ version: b.version, tool: b.tool, files: b.files }, "", true) + "\n";
}

/** Writes the baseline file, replacing any existing one in a single step. */
export function writeBaseline(path: string, b: BaselineFile): void {
  mkdirSync(dirname(path), { recursive: true });
  // Renaming over the old file means an interrupted write never leaves half a baseline behind.
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, formatBaseline(b));
  renameSync(tmp, path);
}

/** Reads and checks a baseline file; any problem is a ConfigError naming the file. */
export function readBaseline(path: string): BaselineFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "the file does not exist (create it with --write-baseline)" : (e as Error).message;
    throw new ConfigError(`baseline ${path}: cannot read: ${why}`, path, "baseline");
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`baseline ${path}: not valid JSON: ${(e as Error).message}`, path, "baseline");
  }
  const bad = (where: string, what: string): never => {
    throw new ConfigError(`baseline ${path}: ${where}: ${what}`, path, "baseline");
  };
  if (!isObject(data)) return bad("top level", "expected an object");
  if (data["version"] !== 1) bad("version", `expected 1, found ${JSON.stringify(data["version"]) ?? "nothing"}`);
  if (data["tool"] !== "flaskwarden") bad("tool", `expected "flaskwarden", found ${JSON.stringify(data["tool"]) ?? "nothing"}`);
  const files = data["files"];
  if (!isObject(files)) return bad("files", "expected an object of file paths");
  for (const [file, rules] of Object.entries(files)) {
    const fileAt = `files[${JSON.stringify(file)}]`;
    if (!isObject(rules)) bad(fileAt, "expected an object of rule IDs");
    for (const [rule, prints] of Object.entries(rules as Record<string, unknown>)) {
      const ruleAt = `${fileAt}[${JSON.stringify(rule)}]`;
      if (!isObject(prints)) bad(ruleAt, "expected an object of fingerprints");
      for (const [fp, count] of Object.entries(prints as Record<string, unknown>)) {
        if (typeof count !== "number" || !Number.isSafeInteger(count) || count < 1) {
          bad(`${ruleAt}[${JSON.stringify(fp)}]`, `expected a positive whole count, found ${JSON.stringify(count)}`);
        }
      }
    }
  }
  return data as unknown as BaselineFile;
}

/** Removes findings the baseline already knows about and reports baseline entries that no longer match anything. */
export function applyBaseline(findings: Finding[], b: BaselineFile): { findings: Finding[]; baselined: number; stale: Diagnostic[] } {
  const left = new Map<string, number>();
  for (const [file, rules] of Object.entries(b.files)) {
    for (const [rule, prints] of Object.entries(rules)) {
      for (const [fp, count] of Object.entries(prints)) left.set(key(file, rule, fp), count);
    }
  }
  // Consuming counts in position order makes the later copies the new ones, whatever order the checks ran in.
  const known = new Set<Finding>();
  for (const f of [...findings].sort(compareFindings)) {
    if (f.suppressed) continue;
    const k = key(f.file, f.ruleId, f.fingerprint);
    const n = left.get(k) ?? 0;
    if (n > 0) {
      left.set(k, n - 1);
      known.add(f);
    }
  }

  const stale: Diagnostic[] = [];
  for (const file of Object.keys(b.files).sort(compareText)) {
    const rules = b.files[file]!;
    for (const rule of Object.keys(rules).sort(compareText)) {
      let fixed = 0;
      for (const fp of Object.keys(rules[rule]!)) fixed += left.get(key(file, rule, fp)) ?? 0;
      if (fixed === 0) continue;
      stale.push({
        file,
        severity: "info",
        code: "stale-baseline",
        message: `${fixed} baseline ${fixed === 1 ? "entry" : "entries"} for ${rule} in ${file} no longer ${fixed === 1 ? "matches" : "match"} a finding (fixed or moved); run with --write-baseline to prune ${fixed === 1 ? "it" : "them"}`,
      });
    }
  }
  return { findings: findings.filter((f) => !known.has(f)), baselined: known.size, stale };
}

function key(file: string, rule: string, fp: string): string {
  return `${file}\0${rule}\0${fp}`;
}

// Plain code-unit order, not localeCompare, so the file is byte-identical on every machine.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Hand-rolled because JSON.stringify puts integer-like keys (an all-digit fingerprint) first whatever the order.
function stringifySorted(v: unknown, indent: string, keepTopOrder = false): string {
  if (!isObject(v)) return JSON.stringify(v);
  const keys = keepTopOrder ? Object.keys(v) : Object.keys(v).sort(compareText);
  if (keys.length === 0) return "{}";
  const inner = indent + "  ";
  const body = keys.map((k) => `${inner}${JSON.stringify(k)}: ${stringifySorted(v[k], inner)}`);
  return `{\n${body.join(",\n")}\n${indent}}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
