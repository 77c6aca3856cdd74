/** Shared value types that cross pipeline stages. All are plain, serialisable data. */

export type Severity = "critical" | "high" | "medium" | "low";
export const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low"];
export type Confidence = "high" | "medium" | "low";

/** 1-based line, 1-based column (columns count UTF-16 code units of the line). */
export interface Position {
  line: number;
  column: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type FileKind = "python" | "template" | "manifest" | "deployment" | "openapi";

/** A file found by discovery. `path` is relative to the scan root, with forward slashes. */
export interface SourceFile {
  path: string;
  absPath: string;
  kind: FileKind;
  /** Finer classification, e.g. "dockerfile", "procfile", "compose", "dotenv", "requirements". */
  subkind?: string;
  size: number;
  /** The file's contents when they come from memory (an editor's unsaved buffer), not from disk. */
  text?: string;
}

/** A problem with the input or the tool that is not a finding: the scan goes on. */
export interface Diagnostic {
  /** Relative path, or "" for a global diagnostic. */
  file: string;
  severity: "error" | "warning" | "info";
  /** Short stable code, e.g. "syntax-error", "non-utf8", "too-large", "unused-suppression". */
  code: string;
  message: string;
  range?: Range;
}

/** One step of a data-flow trace (source -> steps -> sink). */
export interface TraceStep {
  file: string;
  range: Range;
  message: string;
}

/** Why the severity of a finding differs from the rule's default, shown to the user. */
export interface ContextNote {
  reason: string;
}

export interface Finding {
  ruleId: string;
  title: string;
  severity: Severity;
  confidence: Confidence;
  file: string;
  range: Range;
  /** The exact source text the finding is about (secrets masked by the reporter, not here). */
  evidence: string;
  /** One-sentence statement of what is wrong here. */
  message: string;
  impact: string;
  fix: string;
  mitigation: string;
  falsePositiveNotes: string;
  cwe: number[];
  owasp: string;
  /** Name of the enclosing function/class ("" at module level); part of the fingerprint. */
  scope: string;
  fingerprint: string;
  /** Reasons that changed the severity or confidence (dev-only block, test file ...). */
  context: string[];
  trace?: TraceStep[];
  /** Source lines around the finding (one line of context each side), for excerpts. */
  excerpt: { startLine: number; lines: string[] };
  /** Set by the filter stage when an inline suppression covers this finding. */
  suppressed?: { reason: string; file: string; line: number };
}

export interface Summary {
  files: number;
  lines: number;
  findings: number;
  suppressed: number;
  baselined: number;
  bySeverity: Record<Severity, number>;
  elapsedMs: number;
}

/** Verdict on one mitigation of the posture (see `src/posture/`). */
export type PostureVerdict = "implemented" | "partial" | "missing" | "not-applicable";

/** A place in the scanned project that shows a control or a gap. */
export interface PostureEvidence {
  file: string;
  /** 1-based line, when the evidence is a line rather than a whole file. */
  line?: number;
  /** What is there (or missing), in a few words: "SESSION_COOKIE_SECURE = True". */
  note: string;
  /** Whether this piece of evidence shows the control (true) or a gap (false). */
  control: boolean;
}

/** One mitigation of the reference list with its verdict. */
export interface PostureItem {
  /** Stable identifier, e.g. "debug-off", "secret-key", "rate-limiting". */
  id: string;
  title: string;
  verdict: PostureVerdict;
  evidence: PostureEvidence[];
  /** What to do next; empty when implemented. */
  nextStep: string;
  /** Rule IDs whose findings bear on this mitigation. */
  rules: string[];
  /** Weight in the score (see the formula). */
  weight: number;
}

export interface Posture {
  items: PostureItem[];
  /** 0-100, computed by the documented formula. */
  score: number;
  /** Letter grade from the score. */
  grade: string;
  /** The formula in one sentence, shown beside the score. */
  formula: string;
}

/** One route of the inventory as plain data, for reports. */
export interface RouteRecord {
  app: string;
  methods: string[];
  path: string;
  endpoint: string | null;
  view: string | null;
  file: string;
  line: number;
  /** Auth guards by name; empty when the route has none. */
  auth: string[];
  /** Rate limits ("5 per minute", "default 100/hour", "exempt"); empty when none. */
  rateLimit: string[];
  csrf: "protected" | "exempt" | "not-applicable" | "unprotected";
  version: string | null;
}

export interface ScanResult {
  root: string;
  findings: Finding[];
  diagnostics: Diagnostic[];
  summary: Summary;
  /** The mitigation posture, when computed for this scan. */
  posture?: Posture;
  /** The route inventory, when computed for this scan. */
  routes?: RouteRecord[];
}

export function compareRange(a: Range, b: Range): number {
  return a.start.line - b.start.line || a.start.column - b.start.column || a.end.line - b.end.line || a.end.column - b.end.column;
}

/** Deterministic finding order: file, position, rule. */
export function compareFindings(a: Finding, b: Finding): number {
  return (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || compareRange(a.range, b.range) || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0) || (a.evidence < b.evidence ? -1 : a.evidence > b.evidence ? 1 : 0);
}

export function severityRank(s: Severity): number {
  return SEVERITIES.length - SEVERITIES.indexOf(s);
}
