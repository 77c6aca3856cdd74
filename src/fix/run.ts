/**
 * `scan --fix`: asks the rules that declare a `fix` for edits to their findings, combines them per file
 * (an edit that overlaps another fix's edit waits for the next run), checks that the result still parses,
 * and writes each file atomically (a temporary file beside it, then a rename).
 */
import { chmodSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import type { Diagnostic, Finding } from "../core/types.js";
import { pythonParser } from "../parse/treesitter.js";
import type { Project } from "../link/project.js";
import type { Rule } from "../rules/define.js";
import { applyEdits, overlaps, toOffsets, unifiedDiff, type OffsetEdit } from "./edits.js";
import { nodeAtRange } from "./python.js";

export interface AppliedFix {
  finding: Finding;
  description: string;
}

export interface FileFix {
  /** Path relative to the scan root. */
  path: string;
  absPath: string;
  before: string;
  after: string;
  edits: OffsetEdit[];
  fixes: AppliedFix[];
  /** BOM to restore when writing. */
  bom: boolean;
}

export interface FixPlan {
  files: FileFix[];
  /** Findings of rules with a fix whose fix could not be applied this time, with the reason. */
  skipped: { finding: Finding; reason: string }[];
  diagnostics: Diagnostic[];
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Reads a file for fixing: only UTF-8 text (with or without a BOM) is rewritten, so no bytes change by accident. */
function readForFix(absPath: string): { text: string; bom: boolean } | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(absPath);
  } catch {
    return null;
  }
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  try {
    return { text: UTF8.decode(bom ? bytes.subarray(3) : bytes), bom };
  } catch {
    return null;
  }
}

/** Works out every fix for the active findings of a scan, without writing anything. */
export async function planFixes(project: Project, findings: readonly Finding[], rules: readonly Rule[]): Promise<FixPlan> {
  const byId = new Map(rules.filter((r) => r.autofix).map((r) => [r.id, r]));
  const plan: FixPlan = { files: [], skipped: [], diagnostics: [] };
  const byFile = new Map<string, Finding[]>();
  for (const f of findings) {
    if (f.suppressed || !byId.has(f.ruleId)) continue;
    const list = byFile.get(f.file);
    if (list) list.push(f);
    else byFile.set(f.file, [f]);
  }
  if (byFile.size === 0) return plan;
  const parser = await pythonParser();
  const byPath = new Map(project.files.map((f) => [f.path, f]));
  for (const [path, list] of [...byFile].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const mod = project.modules.byPath.get(path);
    const file = byPath.get(path);
    const abs = file?.absPath;
    // An editor's unsaved buffer (the language server) is fixed as it is, not the file on disk.
    const read = file?.text !== undefined ? { text: file.text, bom: false } : abs ? readForFix(abs) : null;
    if (!mod || !abs || !read) {
      for (const finding of list) plan.skipped.push({ finding, reason: mod ? "the file is not UTF-8 text, so it is left as it is" : "only Python files are fixed" });
      continue;
    }
    const source = read.text;
    const tree = parser.parse(source);
    if (!tree) continue;
    const accepted: OffsetEdit[] = [];
    const fixes: AppliedFix[] = [];
    try {
      for (const finding of list) {
        const rule = byId.get(finding.ruleId)!;
        const node = nodeAtRange(tree, finding.range);
        if (!node) continue;
        let proposal;
        try {
          proposal = rule.autofix!({ finding, project, mod, source, tree, node });
        } catch (err) {
          plan.diagnostics.push({ file: path, severity: "error", code: "fix-crashed", message: `the fix of ${rule.id} failed: ${(err as Error).stack ?? err}`, range: finding.range });
          continue;
        }
        if (!proposal) {
          plan.skipped.push({ finding, reason: "this case needs judgement; see the finding's fix advice" });
          continue;
        }
        const edits = toOffsets(source, proposal.edits);
        if (!edits || edits.length === 0) continue;
        // The same edit proposed twice (two fixes adding one `import os`) is made once.
        const fresh = edits.filter((e) => !accepted.some((a) => a.start === e.start && a.end === e.end && a.text === e.text));
        if (fresh.some((e) => accepted.some((a) => overlaps(a, e)) || fresh.some((o) => o !== e && overlaps(o, e)))) {
          plan.skipped.push({ finding, reason: "its edit overlaps another fix in the same place; run --fix again" });
          continue;
        }
        accepted.push(...fresh);
        fixes.push({ finding, description: proposal.description });
      }
      if (accepted.length === 0) continue;
      const after = applyEdits(source, accepted);
      // A fix must never leave the file broken: if the result parses worse than the original, none of its fixes are made.
      const check = parser.parse(after);
      const broke = check ? check.rootNode.hasError && !tree.rootNode.hasError : true;
      check?.delete();
      if (broke) {
        plan.diagnostics.push({ file: path, severity: "error", code: "fix-rejected", message: `the fixes for ${path} would leave it with a syntax error, so none were made; please report this` });
        for (const f of fixes) plan.skipped.push({ finding: f.finding, reason: "the fixed file would not parse" });
        continue;
      }
      plan.files.push({ path, absPath: abs, before: source, after, edits: accepted, fixes, bom: read.bom });
    } finally {
      tree.delete();
    }
  }
  return plan;
}

/** The unified diff of every planned change. */
export function planDiff(plan: FixPlan): string {
  return plan.files.map((f) => unifiedDiff(f.path, f.before, f.edits)).join("");
}

/**
 * Writes each fixed file through a temporary file in the same folder and a rename, so a reader never sees a
 * half-written file. A file that changed on disk since it was scanned is left alone. Returns the problems.
 */
export function writeFixes(plan: FixPlan): Diagnostic[] {
  const problems: Diagnostic[] = [];
  for (const f of plan.files) {
    const current = readForFix(f.absPath);
    if (!current || current.text !== f.before) {
      problems.push({ file: f.path, severity: "error", code: "fix-conflict", message: `${f.path} changed while it was being scanned; it was not fixed` });
      continue;
    }
    const tmp = `${f.absPath}.flaskwarden-fix-${process.pid}.tmp`;
    try {
      const mode = statSync(f.absPath).mode;
      writeFileSync(tmp, (f.bom ? "\ufeff" : "") + f.after);
      chmodSync(tmp, mode & 0o7777);
      renameSync(tmp, f.absPath);
    } catch (err) {
      try {
        unlinkSync(tmp);
      } catch {
        // Nothing was written.
      }
      problems.push({ file: f.path, severity: "error", code: "fix-write-failed", message: `could not write ${f.path}: ${(err as Error).message}` });
    }
  }
  return problems;
}

/** One line per fixed finding and a total, for standard error. */
export function fixSummary(plan: FixPlan, written: boolean): string {
  const n = plan.files.reduce((k, f) => k + f.fixes.length, 0);
  if (n === 0 && plan.skipped.length === 0) return "flaskwarden: nothing to fix\n";
  let out = "";
  for (const f of plan.files) for (const x of f.fixes) out += `${written ? "fixed" : "would fix"} ${f.path}:${x.finding.range.start.line} ${x.finding.ruleId}: ${x.description}\n`;
  for (const s of plan.skipped) out += `not fixed ${s.finding.file}:${s.finding.range.start.line} ${s.finding.ruleId}: ${s.reason}\n`;
  const files = plan.files.length;
  out += `${written ? "Fixed" : "Would fix"} ${n} finding${n === 1 ? "" : "s"} in ${files} file${files === 1 ? "" : "s"}`;
  out += plan.skipped.length ? `; ${plan.skipped.length} left for review.\n` : ".\n";
  return out;
}
