import pc from "picocolors";
import type { Diagnostic, Finding, Posture, PostureVerdict, ScanResult, Severity } from "../core/types.js";
import { evidenceLocation, groupBySeverity, location, neutraliseControls as clean, postureLine, summaryLine, visibleFindings } from "./common.js";
import type { ReportOptions } from "./common.js";

type Colors = ReturnType<typeof pc.createColors>;

const INDENT = "  ";

function severityPaint(c: Colors, severity: Severity): (s: string) => string {
  switch (severity) {
    case "critical":
      return (s) => c.bold(c.red(s));
    case "high":
      return c.red;
    case "medium":
      return c.yellow;
    case "low":
      return c.blue;
  }
}

/**
 * Source lines with a gutter; lines inside the finding's range get a ">" marker, and a
 * single-line finding gets carets under its columns (end column is exclusive, as in SARIF).
 */
function excerptLines(f: Finding, c: Colors): string[] {
  const { startLine, lines } = f.excerpt;
  if (lines.length === 0) return [];
  const width = String(startLine + lines.length - 1).length;
  const { start, end } = f.range;
  const out: string[] = [];
  lines.forEach((raw, i) => {
    const n = startLine + i;
    const hit = n >= start.line && n <= end.line;
    const text = clean(raw);
    const marker = hit ? c.red(">") : " ";
    const gutter = `${String(n).padStart(width)} |`;
    out.push(`${INDENT}${marker} ${c.dim(gutter)}${text ? ` ${text}` : ""}`);
    if (hit && start.line === end.line) {
      const from = Math.max(1, start.column);
      const to = Math.max(from + 1, end.column);
      // Tabs in the prefix are kept so the carets line up however the terminal expands them.
      const pad = clean(raw.slice(0, from - 1)).replace(/[^\t]/g, " ");
      const carets = "^".repeat(Math.max(1, Math.min(to, raw.length + 1) - from));
      out.push(`${INDENT}  ${c.dim(`${" ".repeat(width)} |`)} ${pad}${c.red(carets)}`);
    }
  });
  return out;
}

/** A labelled field; continuation lines are indented under the label so multi-line text stays readable. */
function field(c: Colors, label: string, value: string): string[] {
  if (value.trim() === "") return [];
  const [first, ...rest] = clean(value).split(/\r?\n/);
  const head = `${INDENT}${c.bold(`${label}:`)} ${first}`;
  return [head, ...rest.map((l) => `${INDENT}${" ".repeat(label.length + 2)}${l}`)];
}

function findingBlock(f: Finding, c: Colors): string[] {
  const paint = severityPaint(c, f.severity);
  const head = `${paint(f.severity.toUpperCase())} ${c.bold(f.ruleId)} ${clean(f.title)}`;
  const out = [f.suppressed ? `${head} ${c.dim("(suppressed)")}` : head];
  out.push(`${INDENT}${c.dim("-->")} ${c.cyan(clean(location(f.file, f.range.start.line, f.range.start.column)))}`);
  out.push(`${INDENT}${clean(f.message)}`);
  const excerpt = excerptLines(f, c);
  if (excerpt.length > 0) out.push("", ...excerpt, "");
  out.push(...field(c, "Evidence", f.evidence));
  out.push(...field(c, "Impact", f.impact));
  out.push(...field(c, "Fix", f.fix));
  out.push(...field(c, "Mitigation", f.mitigation));
  out.push(...field(c, "False positives", f.falsePositiveNotes));
  out.push(...field(c, "Context", f.context.join("; ")));
  const refs = [f.cwe.map((n) => `CWE-${n}`).join(", "), f.owasp ? `OWASP ${f.owasp}` : ""].filter(Boolean).join("  ");
  out.push(...field(c, "CWE/OWASP", refs));
  out.push(...field(c, "Confidence", f.confidence));
  if (f.suppressed) {
    const where = location(f.suppressed.file, f.suppressed.line, 1).replace(/:1$/, "");
    out.push(...field(c, "Suppressed", `${f.suppressed.reason || "no reason given"} (${where})`));
  }
  if (f.trace && f.trace.length > 0) {
    out.push(`${INDENT}${c.bold("Trace:")}`);
    f.trace.forEach((step, i) => {
      const at = location(step.file, step.range.start.line, step.range.start.column);
      out.push(`${INDENT}${INDENT}${i + 1}. ${c.cyan(clean(at))} ${clean(step.message)}`);
    });
  }
  return out;
}

function diagnosticLine(d: Diagnostic, c: Colors): string {
  const sev = d.severity === "error" ? c.red(d.severity) : d.severity === "warning" ? c.yellow(d.severity) : c.dim(d.severity);
  const prefix = d.file ? `${c.cyan(clean(d.file))}: ` : "";
  return `${INDENT}${prefix}${sev} ${d.code}: ${clean(d.message)}`;
}

/** Human-readable report for a terminal, grouped by severity. */
export function formatText(result: ScanResult, opts: ReportOptions): string {
  const c = pc.createColors(opts.color);
  const out: string[] = [];
  const shown = visibleFindings(result.findings, opts.showSuppressed);
  if (shown.length === 0) {
    out.push(c.green("No findings."), "");
  }
  for (const group of groupBySeverity(shown)) {
    const paint = severityPaint(c, group.severity);
    out.push(paint(`== ${group.severity.toUpperCase()} (${group.findings.length}) ==`), "");
    for (const f of group.findings) out.push(...findingBlock(f, c), "");
  }
  if (result.diagnostics.length > 0) {
    out.push(c.bold("Diagnostics"));
    for (const d of result.diagnostics) out.push(diagnosticLine(d, c));
    out.push("");
  }
  // A project with no Flask app has no applicable mitigation: the line would say nothing.
  if (result.posture && result.posture.grade !== "N/A") out.push(`Posture: ${postureLine(result.posture)} (\`flaskwarden posture\` for details)`);
  out.push(c.bold(summaryLine(result.summary)));
  return `${out.join("\n")}\n`;
}

function verdictPaint(c: Colors, v: PostureVerdict): (s: string) => string {
  switch (v) {
    case "implemented":
      return c.green;
    case "partial":
      return c.yellow;
    case "missing":
      return (s) => c.bold(c.red(s));
    case "not-applicable":
      return c.dim;
  }
}

/** The posture as a terminal table: one row per mitigation, its evidence and next step beneath. */
export function formatPostureText(p: Posture, opts: { color: boolean }): string {
  const c = pc.createColors(opts.color);
  const out = [c.bold(`Mitigation posture: ${postureLine(p)}`), ""];
  const vw = Math.max(...p.items.map((it) => it.verdict.length));
  for (const it of p.items) {
    out.push(`${verdictPaint(c, it.verdict)(it.verdict.padEnd(vw))}  ${c.bold(clean(it.title))} ${c.dim(`[${it.id}, weight ${it.weight}]`)}`);
    for (const e of it.evidence) {
      const where = evidenceLocation(e);
      const mark = e.control ? c.green("+") : c.red("-");
      out.push(`${" ".repeat(vw + 2)}${mark} ${where ? `${c.cyan(clean(where))} ` : ""}${clean(e.note)}`);
    }
    if (it.nextStep) out.push(`${" ".repeat(vw + 2)}${c.bold("next:")} ${clean(it.nextStep)}`);
    if (it.rules.length > 0) out.push(`${" ".repeat(vw + 2)}${c.dim(`rules: ${it.rules.join(", ")}`)}`);
    out.push("");
  }
  out.push(c.dim(`${p.formula}.`));
  return `${out.join("\n")}\n`;
}
