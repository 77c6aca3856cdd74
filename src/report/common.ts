import { compareFindings, SEVERITIES } from "../core/types.js";
import type { Finding, Posture, PostureVerdict, Severity, Summary } from "../core/types.js";
import type { RuleMeta } from "../rules/define.js";

/** Options every formatter receives; the caller decides colour and what is shown. */
export interface ReportOptions {
  color: boolean;
  toolVersion: string;
  rules: RuleMeta[];
  showSuppressed: boolean;
  /** Base URI of the scan root, used by SARIF for %SRCROOT%. */
  rootUri?: string;
}

/** Returns a sorted copy so callers' arrays are never reordered behind their back. */
export function sortedFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}

/** Findings a human-facing report should list, in compareFindings order. */
export function visibleFindings(findings: readonly Finding[], showSuppressed: boolean): Finding[] {
  return sortedFindings(showSuppressed ? findings : findings.filter((f) => !f.suppressed));
}

/** Groups findings by severity, most severe first; each group keeps compareFindings order. */
export function groupBySeverity(findings: readonly Finding[]): { severity: Severity; findings: Finding[] }[] {
  const sorted = sortedFindings(findings);
  return SEVERITIES.map((severity) => ({ severity, findings: sorted.filter((f) => f.severity === severity) })).filter(
    (g) => g.findings.length > 0,
  );
}

/** "1 finding" / "2 findings". */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}

/** The one-line summary shared by the text and markdown reports. */
export function summaryLine(s: Summary): string {
  const counts = SEVERITIES.map((sev) => `${s.bySeverity[sev] ?? 0} ${sev}`).join(", ");
  const seconds = (s.elapsedMs / 1000).toFixed(2);
  return (
    `${plural(s.findings, "finding")} (${counts}) in ${plural(s.files, "file")}, ${plural(s.lines, "line")}; ` +
    `${s.suppressed} suppressed, ${s.baselined} in baseline; ${seconds} s`
  );
}

/** "Debug mode enabled in production" -> "DebugModeEnabledInProduction". */
export function pascalCase(title: string): string {
  return title
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
}

/** "file:line:col" for a 1-based position. */
export function location(file: string, line: number, column: number): string {
  return `${file}:${line}:${column}`;
}

/**
 * Shows control characters (except tab and newline) and bidi overrides as visible escapes.
 * Scanned files are untrusted: a raw ESC could drive the user's terminal, a lone CR could
 * overwrite a line, and bidi overrides could make shown code differ from the real code.
 */
export function neutraliseControls(text: string): string {
  return text
    .replace(/\r\n/g, "\n")
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`)
    .replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** Longest run of consecutive backticks in `text`. */
export function longestBacktickRun(text: string): number {
  let best = 0;
  for (const m of text.matchAll(/`+/g)) best = Math.max(best, m[0].length);
  return best;
}

/** A fenced code block whose fence is longer than any backtick run inside, so content cannot close it. */
export function fencedCode(content: string, lang = ""): string {
  const fence = "`".repeat(Math.max(3, longestBacktickRun(content) + 1));
  // A fence's info string may not contain backticks, so a bad language tag is dropped rather than trusted.
  const info = /^[A-Za-z0-9_+-]*$/.test(lang) ? lang : "";
  const body = content.replace(/\r\n?/g, "\n").replace(/\n$/, "");
  return `${fence}${info}\n${body}\n${fence}`;
}

export const VERDICTS: readonly PostureVerdict[] = ["implemented", "partial", "missing", "not-applicable"];

/** How many mitigations have each verdict. */
export function verdictCounts(p: Posture): Record<PostureVerdict, number> {
  const out = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<PostureVerdict, number>;
  for (const it of p.items) out[it.verdict]++;
  return out;
}

/** "grade B (84/100): 9 implemented, 3 partial, 1 missing, 1 not applicable". */
export function postureLine(p: Posture): string {
  const n = verdictCounts(p);
  const score = p.grade === "N/A" ? "no applicable mitigation" : `${p.score}/100`;
  return `grade ${p.grade} (${score}): ${n.implemented} implemented, ${n.partial} partial, ${n.missing} missing, ${n["not-applicable"]} not applicable`;
}

/** "file:line" of a piece of posture evidence, "" when it names no file. */
export function evidenceLocation(e: { file: string; line?: number }): string {
  if (!e.file) return "";
  return e.line !== undefined ? `${e.file}:${e.line}` : e.file;
}
