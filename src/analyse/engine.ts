/** Runs the enabled rules over the linked project and turns their reports into complete findings. */
import { createHash } from "node:crypto";
import type { Diagnostic, Finding, SourceFile } from "../core/types.js";
import { readSource } from "../discover/read.js";
import type { Project } from "../link/project.js";
import type { Rule, RuleReport } from "../rules/define.js";

/** Source text of scanned files, read once and only for files that have findings. */
export class SourceCache {
  private readonly lines = new Map<string, string[]>();
  constructor(private readonly files: Map<string, SourceFile>) {}

  linesOf(path: string): string[] {
    let l = this.lines.get(path);
    if (!l) {
      const f = this.files.get(path);
      const text = f ? readSource(f).text : null;
      l = text === null ? [] : text.split(/\r?\n/);
      this.lines.set(path, l);
    }
    return l;
  }
}

/** Stable identity of a finding: rule, file, normalised evidence and scope; never the line number. */
export function fingerprint(ruleId: string, file: string, evidence: string, scope: string): string {
  const norm = evidence.replace(/\s+/g, " ").trim();
  return createHash("sha256").update(`${ruleId}\0${file}\0${norm}\0${scope}`).digest("hex").slice(0, 20);
}

export function runRules(project: Project, rules: readonly Rule[], sources: SourceCache): { findings: Finding[]; diagnostics: Diagnostic[] } {
  const findings: Finding[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const rule of rules) {
    const report = (r: RuleReport) => findings.push(toFinding(rule, r, sources));
    try {
      rule.check({ project, report });
    } catch (err) {
      // A rule bug must not lose the other rules' findings.
      diagnostics.push({ file: "", severity: "error", code: "rule-crashed", message: `rule ${rule.id} failed: ${(err as Error).stack ?? err}` });
    }
  }
  return { findings: dedupe(findings), diagnostics };
}

/**
 * Replaces each secret (4 characters or longer) with a marker that keeps only its length. In source
 * excerpts the marker is as long as the secret (`*` repeated), so the columns of the finding's range
 * still point at the same text and reporters underline or highlight the right part of the line.
 */
function masker(secrets: string[] | undefined, sameWidth = false): (text: string) => string {
  const list = (secrets ?? []).filter((x) => x.length >= 4).sort((a, b) => b.length - a.length);
  if (list.length === 0) return (t) => t;
  return (t) => list.reduce((acc, x) => acc.split(x).join(sameWidth ? "*".repeat(x.length) : `«secret, ${x.length} characters»`), t);
}

function toFinding(rule: Rule, r: RuleReport, sources: SourceCache): Finding {
  const mask = masker(r.secrets);
  const maskLine = masker(r.secrets, true);
  const lines = sources.linesOf(r.file);
  const from = Math.max(1, r.range.start.line - 1);
  const to = Math.min(lines.length, r.range.end.line + 1);
  const scope = r.scope ?? "";
  const evidence = mask(r.evidence ?? textOf(lines, r.range));
  return {
    ruleId: rule.id,
    title: rule.title,
    severity: r.severity ?? rule.severity,
    confidence: r.confidence ?? rule.confidence,
    file: r.file,
    range: r.range,
    evidence,
    message: mask(r.message),
    impact: r.impact ?? rule.impact,
    fix: r.fix ?? rule.fix,
    mitigation: rule.mitigation,
    falsePositiveNotes: rule.docs.falsePositives,
    cwe: rule.cwe,
    owasp: rule.owasp,
    scope,
    fingerprint: fingerprint(rule.id, r.file, evidence, scope),
    context: (r.context ?? []).map(mask),
    ...(r.trace ? { trace: r.trace.map((s) => ({ ...s, message: mask(s.message) })) } : {}),
    excerpt: { startLine: from, lines: lines.slice(from - 1, to).map((l) => clipLine(maskLine(l))) },
  };
}

const MAX_EVIDENCE = 400;
const MAX_EXCERPT_LINE = 400;

/** Excerpt lines are for reading: a minified line beside a finding must not put megabytes in a report. */
function clipLine(line: string): string {
  return line.length > MAX_EXCERPT_LINE ? `${line.slice(0, MAX_EXCERPT_LINE)}… (${line.length - MAX_EXCERPT_LINE} more characters)` : line;
}

/** The source text a range covers (whole first line when the range is a single point). */
export function textOf(lines: string[], range: Finding["range"]): string {
  const { start, end } = range;
  if (start.line > lines.length) return "";
  let text: string;
  if (start.line === end.line) text = (lines[start.line - 1] ?? "").slice(start.column - 1, end.column - 1);
  else {
    const parts = [(lines[start.line - 1] ?? "").slice(start.column - 1)];
    for (let l = start.line + 1; l < end.line && l <= lines.length; l++) parts.push(lines[l - 1] ?? "");
    parts.push((lines[end.line - 1] ?? "").slice(0, end.column - 1));
    text = parts.join("\n");
  }
  if (text.trim() === "") text = (lines[start.line - 1] ?? "").trim();
  return text.length > MAX_EVIDENCE ? `${text.slice(0, MAX_EVIDENCE)}…` : text;
}

/** The same rule reporting the same range twice (two apps sharing one config class) is one finding. */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = `${f.ruleId}\0${f.file}\0${f.range.start.line}:${f.range.start.column}-${f.range.end.line}:${f.range.end.column}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
