import { SEVERITIES } from "../core/types.js";
import type { Diagnostic, Finding, Posture, PostureEvidence, PostureItem, Range, ScanResult, Summary, TraceStep } from "../core/types.js";
import { sortedFindings } from "./common.js";
import type { ReportOptions } from "./common.js";

// Objects are rebuilt field by field so the key order is fixed by this file, not by whichever
// stage happened to create or spread the object first; diffs between two reports stay readable.

function range(r: Range): Range {
  return { start: { line: r.start.line, column: r.start.column }, end: { line: r.end.line, column: r.end.column } };
}

function step(s: TraceStep): TraceStep {
  return { file: s.file, range: range(s.range), message: s.message };
}

function finding(f: Finding): Finding {
  return {
    ruleId: f.ruleId,
    title: f.title,
    severity: f.severity,
    confidence: f.confidence,
    file: f.file,
    range: range(f.range),
    evidence: f.evidence,
    message: f.message,
    impact: f.impact,
    fix: f.fix,
    mitigation: f.mitigation,
    falsePositiveNotes: f.falsePositiveNotes,
    cwe: [...f.cwe],
    owasp: f.owasp,
    scope: f.scope,
    fingerprint: f.fingerprint,
    context: [...f.context],
    ...(f.trace ? { trace: f.trace.map(step) } : {}),
    excerpt: { startLine: f.excerpt.startLine, lines: [...f.excerpt.lines] },
    ...(f.suppressed ? { suppressed: { reason: f.suppressed.reason, file: f.suppressed.file, line: f.suppressed.line } } : {}),
  };
}

function diagnostic(d: Diagnostic): Diagnostic {
  const out: Diagnostic = { file: d.file, severity: d.severity, code: d.code, message: d.message };
  if (d.range) out.range = range(d.range);
  return out;
}

function summary(s: Summary): Summary {
  const bySeverity = Object.fromEntries(SEVERITIES.map((sev) => [sev, s.bySeverity[sev] ?? 0])) as Summary["bySeverity"];
  return {
    files: s.files,
    lines: s.lines,
    findings: s.findings,
    suppressed: s.suppressed,
    baselined: s.baselined,
    bySeverity,
    elapsedMs: s.elapsedMs,
  };
}

function postureEvidence(e: PostureEvidence): PostureEvidence {
  return { file: e.file, ...(e.line !== undefined ? { line: e.line } : {}), note: e.note, control: e.control };
}

function postureItem(it: PostureItem): PostureItem {
  return { id: it.id, title: it.title, verdict: it.verdict, weight: it.weight, evidence: it.evidence.map(postureEvidence), nextStep: it.nextStep, rules: [...it.rules] };
}

/** The posture with a fixed key order (shared by the JSON report and `flaskwarden posture --format json`). */
export function postureJson(p: Posture): Posture {
  return { score: p.score, grade: p.grade, formula: p.formula, items: p.items.map(postureItem) };
}

/** Machine-readable report: every finding (suppressed ones included), pretty-printed. */
export function formatJson(result: ScanResult, opts: ReportOptions): string {
  const doc = {
    version: 1,
    tool: { name: "flaskwarden", version: opts.toolVersion },
    root: result.root,
    findings: sortedFindings(result.findings).map(finding),
    diagnostics: result.diagnostics.map(diagnostic),
    summary: summary(result.summary),
    ...(result.posture ? { posture: postureJson(result.posture) } : {}),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
