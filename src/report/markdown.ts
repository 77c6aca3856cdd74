import { compareFindings, SEVERITIES, severityRank } from "../core/types.js";
import type { Diagnostic, Finding, Posture, PostureVerdict, ScanResult, Severity } from "../core/types.js";
import { evidenceLocation, fencedCode, location, neutraliseControls, plural, postureLine, summaryLine, visibleFindings } from "./common.js";
import type { ReportOptions } from "./common.js";

/**
 * Makes untrusted text inert in Markdown outside code: HTML metacharacters become entities and
 * every other ASCII punctuation mark is backslash-escaped. Escaping ':' '.' '@' and '/' as well as
 * the brackets breaks GitHub's bare-URL and e-mail autolinks, not only [text](url) links.
 * Line breaks become spaces so a value cannot end a table row or start a new block.
 * Control characters are shown as \\xNN, as in the text report.
 */
export function escapeMarkdown(text: string): string {
  let out = "";
  for (const ch of neutraliseControls(text)) {
    if (ch === "&") out += "&amp;";
    else if (ch === "<") out += "&lt;";
    else if (ch === ">") out += "&gt;";
    else if (/[!-/:-@[-`{-~]/.test(ch)) out += `\\${ch}`;
    else if (/[\r\n\u2028\u2029]/.test(ch)) out += " ";
    else out += ch;
  }
  return out;
}

/**
 * Escapes text placed inside raw HTML (the <summary> line), where Markdown escapes are not
 * processed and would show as stray backslashes. Markdown punctuation becomes numeric entities
 * too, so a renderer that does parse Markdown inside HTML still finds no link or emphasis.
 */
export function escapeHtml(text: string): string {
  let out = "";
  for (const ch of neutraliseControls(text)) {
    if (/[\r\n\u2028\u2029]/.test(ch)) out += " ";
    else if (ch === "&") out += "&amp;";
    else if (ch === "<") out += "&lt;";
    else if (ch === ">") out += "&gt;";
    else if (/["'`[\]()*_|~!\\:@.]/.test(ch)) out += `&#${ch.charCodeAt(0)};`;
    else out += ch;
  }
  return out;
}

/**
 * Our own sentences (messages, impact, fix, trace steps) use `code spans` for names and snippets: those
 * stay code spans (their content is literal in Markdown, so nothing in it can form a link or HTML),
 * and everything outside them is escaped like untrusted text. A `|` is escaped inside spans too, since
 * GitHub splits table cells on it even there.
 */
export function escapeProse(text: string): string {
  const parts = neutraliseControls(text).split(/(`[^`\r\n]+`)/);
  return parts.map((p, i) => (i % 2 === 1 ? p.replace(/\|/g, "\\|") : escapeMarkdown(p))).join("");
}

const LABEL: Record<Severity, string> = { critical: "Critical", high: "High", medium: "Medium", low: "Low" };

/** Rule ids are ours, but only a plain id goes into a code span; anything else is escaped. */
function ruleCell(id: string): string {
  return /^[A-Za-z0-9._-]+$/.test(id) ? `\`${id}\`` : escapeMarkdown(id);
}

function where(f: Finding): string {
  return location(f.file, f.range.start.line, f.range.start.column);
}

/** The posture to show: none for a project where no mitigation applies (no Flask app). */
function shownPosture(result: ScanResult): Posture | undefined {
  return result.posture && result.posture.grade !== "N/A" ? result.posture : undefined;
}

function summaryTable(result: ScanResult): string[] {
  const p = shownPosture(result);
  return [
    "| Severity | Count |",
    "| --- | ---: |",
    ...SEVERITIES.map((s) => `| ${LABEL[s]} | ${result.summary.bySeverity[s] ?? 0} |`),
    ...(p ? [`| **Posture grade** | **${escapeMarkdown(p.grade)}** (${p.score}/100) |`] : []),
  ];
}

/** How many findings the "Top findings" list shows: a lead reads these, the details hold the rest. */
const TOP_FINDINGS = 5;

/** The most severe unsuppressed findings, one line each (severity, then confidence, then position). */
function topFindings(findings: Finding[]): string[] {
  const conf = { high: 3, medium: 2, low: 1 } as const;
  const top = findings
    .filter((f) => !f.suppressed)
    .sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || conf[b.confidence] - conf[a.confidence] || compareFindings(a, b))
    .slice(0, TOP_FINDINGS);
  if (top.length === 0) return [];
  const out = ["### Top findings", ""];
  for (const f of top) out.push(`- **${LABEL[f.severity]}** ${ruleCell(f.ruleId)} ${escapeMarkdown(where(f))}: ${escapeProse(f.message)}`);
  out.push("");
  return out;
}

const VERDICT_LABEL: Record<PostureVerdict, string> = {
  implemented: "✅ implemented",
  partial: "🟡 partial",
  missing: "❌ missing",
  "not-applicable": "➖ not applicable",
};

/** Evidence shown in a posture table cell; the JSON and text reports carry all of it. */
const EVIDENCE_PER_CELL = 2;

/** The posture table: one row per mitigation with its verdict, the first evidence and the next step. */
export function postureTable(p: Posture): string[] {
  const rows = p.items.map((it) => {
    // A gap explains a partial or missing verdict better than a control does, and the other way round.
    const wantControl = it.verdict === "implemented" || it.verdict === "not-applicable";
    const ordered = [...it.evidence.filter((e) => e.control === wantControl), ...it.evidence.filter((e) => e.control !== wantControl)];
    const ev = ordered.slice(0, EVIDENCE_PER_CELL).map((e) => {
      const at = evidenceLocation(e);
      return `${at ? `${escapeMarkdown(at)} ` : ""}${escapeProse(e.note)}`;
    });
    if (it.evidence.length > EVIDENCE_PER_CELL) ev.push(`\\(${it.evidence.length - EVIDENCE_PER_CELL} more\\)`);
    return `| ${escapeProse(it.title)} | ${VERDICT_LABEL[it.verdict]} | ${ev.join("; ") || "\\-"} | ${escapeProse(it.nextStep) || "\\-"} |`;
  });
  return ["| Mitigation | Verdict | Evidence | Next step |", "| --- | --- | --- | --- |", ...rows];
}

function postureSection(p: Posture): string[] {
  return [`### Mitigation posture: ${escapeMarkdown(postureLine(p))}`, "", ...postureTable(p), "", `_${escapeProse(`${p.formula}.`)}_`, ""];
}

/** `flaskwarden posture --format markdown`: the posture section alone. */
export function formatPostureMarkdown(p: Posture): string {
  const out = ["## flaskwarden mitigation posture", "", ...postureSection(p).slice(2)];
  out.splice(2, 0, `**${escapeMarkdown(postureLine(p))}**`, "");
  return `${out.join("\n").replace(/\n+$/, "")}\n`;
}

function findingsTable(findings: Finding[]): string[] {
  const rows = findings.map((f) => {
    const sev = f.suppressed ? `${LABEL[f.severity]} (suppressed)` : LABEL[f.severity];
    return `| ${sev} | ${ruleCell(f.ruleId)} | ${escapeMarkdown(where(f))} | ${escapeProse(f.message)} |`;
  });
  return ["| Severity | Rule | Location | Message |", "| --- | --- | --- | --- |", ...rows];
}

function paragraph(label: string, value: string): string[] {
  return value.trim() === "" ? [] : [`**${label}:** ${escapeProse(value)}`, ""];
}

function details(f: Finding): string[] {
  const head = `${LABEL[f.severity]} ${escapeHtml(f.ruleId)}: ${escapeHtml(f.title)} (${escapeHtml(where(f))})${f.suppressed ? " (suppressed)" : ""}`;
  // The blank line after <summary> ends the HTML block so the body below is parsed as Markdown.
  const out = [`<details><summary>${head}</summary>`, ""];
  out.push(...paragraph("Message", f.message));
  out.push("**Evidence:**", "", fencedCode(neutraliseControls(f.evidence)), "");
  out.push(...paragraph("Impact", f.impact));
  out.push(...paragraph("Fix", f.fix));
  out.push(...paragraph("Mitigation", f.mitigation));
  if (f.context.length > 0) out.push(...paragraph("Context", f.context.join("; ")));
  if (f.suppressed) out.push(...paragraph("Suppressed", f.suppressed.reason || "no reason given"));
  if (f.trace && f.trace.length > 0) {
    out.push("**Trace:**", "");
    f.trace.forEach((s, i) => {
      const at = location(s.file, s.range.start.line, s.range.start.column);
      out.push(`${i + 1}. ${escapeMarkdown(at)} ${escapeProse(s.message)}`);
    });
    out.push("");
  }
  out.push("</details>", "");
  return out;
}

function diagnosticsSection(diags: Diagnostic[]): string[] {
  if (diags.length === 0) return [];
  const out = [`<details><summary>Diagnostics (${diags.length})</summary>`, ""];
  for (const d of diags) {
    const file = d.file ? `${escapeMarkdown(d.file)}: ` : "";
    out.push(`- ${file}${d.severity} ${escapeMarkdown(d.code)}: ${escapeMarkdown(d.message)}`);
  }
  out.push("", "</details>", "");
  return out;
}

/** Markdown for a pull-request comment; everything taken from the scanned repo is escaped. */
export function formatMarkdown(result: ScanResult, opts: ReportOptions): string {
  const shown = visibleFindings(result.findings, opts.showSuppressed);
  // Read top-down: the counts and grade, the few findings to fix first, where the project stands per
  // mitigation, then every finding in a table with its details folded away.
  const out = ["## flaskwarden security report", "", summaryLine(result.summary), ""];
  out.push(...summaryTable(result), "");
  out.push(...topFindings(shown));
  const posture = shownPosture(result);
  if (posture) out.push(...postureSection(posture));
  if (shown.length === 0) {
    out.push("No findings.", "");
  } else {
    out.push(`### ${plural(shown.length, "finding")}`, "", ...findingsTable(shown), "");
    for (const f of shown) out.push(...details(f));
  }
  out.push(...diagnosticsSection(result.diagnostics));
  return `${out.join("\n").replace(/\n+$/, "")}\n`;
}
