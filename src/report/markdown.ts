import { SEVERITIES } from "../core/types.js";
import type { Diagnostic, Finding, ScanResult, Severity } from "../core/types.js";
import { fencedCode, location, neutraliseControls, plural, summaryLine, visibleFindings } from "./common.js";
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

function summaryTable(result: ScanResult): string[] {
  return [
    "| Severity | Count |",
    "| --- | ---: |",
    ...SEVERITIES.map((s) => `| ${LABEL[s]} | ${result.summary.bySeverity[s] ?? 0} |`),
  ];
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
  const out = ["## flaskwarden security report", "", summaryLine(result.summary), ""];
  out.push(...summaryTable(result), "");
  if (shown.length === 0) {
    out.push("No findings.", "");
  } else {
    out.push(`### ${plural(shown.length, "finding")}`, "", ...findingsTable(shown), "");
    for (const f of shown) out.push(...details(f));
  }
  out.push(...diagnosticsSection(result.diagnostics));
  return `${out.join("\n").replace(/\n+$/, "")}\n`;
}
