/**
 * The HTML report: one self-contained page (no network, works from file://) with a summary, the
 * posture, the findings list with filters, and the route inventory.
 *
 * Security model, since the scanned repository may be hostile and its text lands here:
 * - every string from the scan that is written as markup goes through `esc` (text and quoted
 *   attributes alike), after control and bidi characters are made visible;
 * - the findings travel as JSON in a <script type="application/json"> block with `<`, `>`, `&`,
 *   U+2028 and U+2029 written as \u escapes, so no value can close the block or start a tag;
 * - the page's script and stylesheet are constants, and a Content-Security-Policy meta tag allows
 *   exactly those two by SHA-256 hash and nothing else (no other script, style, connection, frame,
 *   form target or base URL; images only as data: URIs, of which the page has none);
 * - the script builds the list with createElement and textContent only, and there are no inline
 *   event handlers or style attributes (both would need 'unsafe-inline' or 'unsafe-hashes').
 * Secrets are masked before findings reach any reporter (`src/analyse/engine.ts`).
 */
import { createHash } from "node:crypto";
import { SEVERITIES } from "../core/types.js";
import type { Diagnostic, Finding, Posture, RouteRecord, ScanResult, Severity } from "../core/types.js";
import { neutraliseControls, plural, visibleFindings } from "./common.js";
import type { ReportOptions } from "./common.js";
import { HTML_SCRIPT } from "./html-script.js";
import { HTML_STYLE } from "./html-style.js";

const LABEL: Record<Severity, string> = { critical: "Critical", high: "High", medium: "Medium", low: "Low" };

/** Escapes untrusted text for HTML text and double- or single-quoted attribute values. */
export function escapeHtmlText(text: string): string {
  return neutraliseControls(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
const esc = escapeHtmlText;

/** JSON for a <script type="application/json"> block: nothing in it can end the block or open a tag. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The CSP source expression for an inline element's exact text. */
export function cspHash(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

/** The page's policy: only our own script and stylesheet, nothing loaded, nothing sent. */
export function contentSecurityPolicy(script: string, style: string): string {
  return `default-src 'none'; script-src ${cspHash(script)}; style-src ${cspHash(style)}; img-src data:; base-uri 'none'; form-action 'none'`;
}

/** Our sentences mark code with backticks: those parts become <code>, all of it escaped. */
function prose(text: string): string {
  return neutraliseControls(text)
    .split(/(`[^`\r\n]+`)/)
    .map((p, i) => (i % 2 === 1 ? `<code>${esc(p.slice(1, -1))}</code>` : esc(p)))
    .join("");
}

function familyOf(ruleId: string, opts: ReportOptions): string {
  return opts.rules.find((r) => r.id === ruleId)?.family ?? ruleId.split("-")[1]?.toLowerCase() ?? "other";
}

/** A horizontal bar chart as inline SVG; colours come from classes in the stylesheet. */
function barChart(id: string, title: string, bars: { label: string; value: number; cls: string }[]): string {
  const rowH = 24;
  const labelW = 120;
  const barMax = 300;
  const width = labelW + barMax + 60;
  const height = Math.max(1, bars.length) * rowH + 8;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const rows = bars.map((b, i) => {
    const y = 4 + i * rowH;
    const w = b.value === 0 ? 0 : Math.max(2, Math.round((b.value / max) * barMax));
    return (
      `<text x="${labelW - 8}" y="${y + 16}" text-anchor="end">${esc(b.label)}</text>` +
      `<rect class="bar ${esc(b.cls)}" x="${labelW}" y="${y + 3}" width="${w}" height="${rowH - 8}" rx="2"></rect>` +
      `<text x="${labelW + w + 6}" y="${y + 16}">${b.value}</text>`
    );
  });
  const desc = bars.map((b) => `${b.label}: ${b.value}`).join(", ");
  return (
    `<figure class="chart"><figcaption id="${id}-cap">${esc(title)}</figcaption>` +
    `<svg viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-cap ${id}-desc" xmlns="http://www.w3.org/2000/svg">` +
    `<desc id="${id}-desc">${esc(desc)}</desc>` +
    `<line class="axis" x1="${labelW}" y1="0" x2="${labelW}" y2="${height}"></line>${rows.join("")}</svg></figure>`
  );
}

function summarySection(result: ScanResult, shown: Finding[], opts: ReportOptions): string {
  const s = result.summary;
  const cards: string[] = [];
  if (result.posture) {
    cards.push(`<div class="card grade"><span class="num">${esc(result.posture.grade)}</span>posture grade (score ${result.posture.score}/100)</div>`);
  }
  cards.push(`<div class="card"><span class="num">${s.findings}</span>${s.findings === 1 ? "finding" : "findings"}</div>`);
  for (const sev of SEVERITIES) cards.push(`<div class="card"><span class="num">${s.bySeverity[sev] ?? 0}</span>${LABEL[sev]}</div>`);
  cards.push(`<div class="card"><span class="num">${s.files}</span>${s.files === 1 ? "file" : "files"} (${plural(s.lines, "line")})</div>`);
  if (result.routes) cards.push(`<div class="card"><span class="num">${result.routes.length}</span>${result.routes.length === 1 ? "route" : "routes"}</div>`);
  const active = shown.filter((f) => !f.suppressed);
  const families = new Map<string, number>();
  for (const f of active) families.set(familyOf(f.ruleId, opts), (families.get(familyOf(f.ruleId, opts)) ?? 0) + 1);
  const famBars = [...families].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([label, value]) => ({ label, value, cls: "family" }));
  const sevBars = SEVERITIES.map((sev) => ({ label: LABEL[sev], value: s.bySeverity[sev] ?? 0, cls: sev }));
  const notes = `<p class="muted">${s.suppressed} suppressed, ${s.baselined} in the baseline; scanned in ${(s.elapsedMs / 1000).toFixed(2)} s.</p>`;
  const charts = active.length > 0 ? `<div class="charts">${barChart("chart-sev", "Findings by severity", sevBars)}${barChart("chart-family", "Findings by rule family", famBars)}</div>` : "";
  return `<section id="summary" aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2><div class="cards">${cards.join("")}</div>${notes}${charts}</section>`;
}

const VERDICT: Record<string, string> = { implemented: "Implemented", partial: "Partial", missing: "Missing", "not-applicable": "Not applicable" };

function postureSection(p: Posture): string {
  const rows = p.items.map((it) => {
    const ev = it.evidence.map((e) => {
      const where = e.line !== undefined ? `${e.file}:${e.line}` : e.file;
      return `<li class="${e.control ? "control" : "gap"}"><span class="mono">${esc(where)}</span> ${prose(e.note)}</li>`;
    });
    const rules = it.rules.length > 0 ? `<div class="muted">Rules: ${it.rules.map((r) => `<code>${esc(r)}</code>`).join(", ")}</div>` : "";
    const verdict = VERDICT[it.verdict] ?? it.verdict;
    return (
      `<tr data-posture="${esc(it.id)}"><td>${esc(it.title)}</td><td><span class="verdict ${esc(it.verdict)}">${esc(verdict)}</span></td>` +
      `<td>${ev.length > 0 ? `<ul class="evidence">${ev.join("")}</ul>` : '<span class="muted">none</span>'}</td><td>${prose(it.nextStep)}${rules}</td></tr>`
    );
  });
  return (
    `<section id="posture" aria-labelledby="posture-h"><h2 id="posture-h">Mitigation posture: grade ${esc(p.grade)}, score ${p.score}/100</h2>` +
    `<p class="muted">${prose(p.formula)}</p>` +
    `<table><thead><tr><th scope="col">Mitigation</th><th scope="col">Verdict</th><th scope="col">Evidence</th><th scope="col">Next step</th></tr></thead><tbody>${rows.join("")}</tbody></table></section>`
  );
}

function routesSection(routes: RouteRecord[]): string {
  if (routes.length === 0) return `<section id="routes" aria-labelledby="routes-h"><h2 id="routes-h">Routes</h2><p>No Flask routes found.</p></section>`;
  const manyApps = new Set(routes.map((r) => r.app)).size > 1;
  const gaps = { auth: 0, rate: 0, csrf: 0 };
  const rows = routes.map((r) => {
    const auth = r.auth.length > 0 ? `<td>${esc(r.auth.join(", "))}</td>` : (gaps.auth++, '<td class="gap">none</td>');
    const rate =
      r.rateLimit.length === 0 ? (gaps.rate++, '<td class="gap">none</td>') : r.rateLimit.includes("exempt") ? '<td class="warn">exempt</td>' : `<td>${esc(r.rateLimit.join(", "))}</td>`;
    const csrf = r.csrf === "unprotected" ? (gaps.csrf++, '<td class="gap nowrap">unprotected</td>') : r.csrf === "exempt" ? '<td class="warn nowrap">exempt</td>' : `<td class="nowrap">${esc(r.csrf)}</td>`;
    return (
      `<tr>${manyApps ? `<td class="mono">${esc(r.app)}</td>` : ""}<td class="mono nowrap">${esc(r.methods.join(", "))}</td><td class="mono">${esc(r.path)}</td>` +
      `<td class="mono">${esc(r.endpoint ?? "?")}</td>${auth}${rate}${csrf}<td class="mono">${esc(`${r.file}:${r.line}`)}</td></tr>`
    );
  });
  const head = `${manyApps ? '<th scope="col">App</th>' : ""}<th scope="col">Methods</th><th scope="col">Path</th><th scope="col">Endpoint</th><th scope="col">Auth</th><th scope="col">Rate limit</th><th scope="col">CSRF</th><th scope="col">Defined at</th>`;
  return (
    `<section id="routes" aria-labelledby="routes-h"><h2 id="routes-h">Routes (${routes.length})</h2>` +
    `<p class="muted">Highlighted cells are missing controls: ${gaps.auth} without authentication, ${gaps.rate} without a rate limit, ${gaps.csrf} state-changing without CSRF protection. Public pages may need none of them; review each.</p>` +
    `<table class="routes"><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table></section>`
  );
}

function diagnosticsSection(diags: Diagnostic[]): string {
  if (diags.length === 0) return "";
  const items = diags.map((d) => `<li>${d.file ? `<span class="mono">${esc(d.file)}</span>: ` : ""}${esc(d.severity)} <code>${esc(d.code)}</code>: ${esc(d.message)}</li>`);
  return `<section id="diagnostics" aria-labelledby="diag-h"><h2 id="diag-h">Diagnostics</h2><details><summary>${plural(diags.length, "diagnostic")} (problems with the input, not findings)</summary><ul>${items.join("")}</ul></details></section>`;
}

interface RuleData {
  title: string;
  impact: string;
  fix: string;
  mitigation: string;
  falsePositives: string;
  cwe: number[];
  owasp: string;
}

/** The data the page's script renders. Rule texts are stored once per rule; a finding keeps its own only where it differs. */
function pageData(shown: Finding[]): { findings: unknown[]; rules: Record<string, RuleData> } {
  const rules: Record<string, RuleData> = {};
  const n = neutraliseControls;
  for (const f of shown) {
    rules[f.ruleId] ??= { title: f.title, impact: f.impact, fix: f.fix, mitigation: f.mitigation, falsePositives: f.falsePositiveNotes, cwe: f.cwe, owasp: f.owasp };
  }
  const findings = shown.map((f) => {
    const r = rules[f.ruleId]!;
    return {
      rule: f.ruleId,
      severity: f.severity,
      confidence: f.confidence,
      file: n(f.file),
      range: [f.range.start.line, f.range.start.column, f.range.end.line, f.range.end.column],
      message: n(f.message),
      evidence: n(f.evidence),
      excerpt: { start: f.excerpt.startLine, lines: f.excerpt.lines.map(n) },
      ...(f.impact !== r.impact ? { impact: f.impact } : {}),
      ...(f.fix !== r.fix ? { fix: f.fix } : {}),
      ...(f.context.length > 0 ? { context: f.context.map(n) } : {}),
      ...(f.trace && f.trace.length > 0
        ? { trace: f.trace.map((s) => ({ file: n(s.file), range: [s.range.start.line, s.range.start.column], message: n(s.message) })) }
        : {}),
      ...(f.suppressed ? { suppressed: { reason: n(f.suppressed.reason), file: n(f.suppressed.file), line: f.suppressed.line } } : {}),
    };
  });
  return { findings, rules };
}

function findingsSection(shown: Finding[]): string {
  const bySev = new Map<Severity, number>();
  const byRule = new Map<string, number>();
  for (const f of shown) {
    bySev.set(f.severity, (bySev.get(f.severity) ?? 0) + 1);
    byRule.set(f.ruleId, (byRule.get(f.ruleId) ?? 0) + 1);
  }
  const sevOptions = SEVERITIES.filter((s) => bySev.has(s)).map((s) => `<option value="${s}">${LABEL[s]} (${bySev.get(s)})</option>`);
  const ruleOptions = [...byRule].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([id, c]) => `<option value="${esc(id)}">${esc(id)} (${c})</option>`);
  // The controls start hidden and the script reveals them, so without a script nothing dead is shown.
  return (
    `<section id="findings" aria-labelledby="findings-h"><h2 id="findings-h">Findings (${shown.length})</h2>` +
    `<div class="controls" id="findings-controls" role="search" aria-label="Filter findings" hidden>` +
    `<div class="field"><label for="filter-severity">Severity</label><select id="filter-severity"><option value="">All severities</option>${sevOptions.join("")}</select></div>` +
    `<div class="field"><label for="filter-rule">Rule</label><select id="filter-rule"><option value="">All rules</option>${ruleOptions.join("")}</select></div>` +
    `<div class="field"><label for="filter-file">File contains</label><input id="filter-file" type="search" autocomplete="off" spellcheck="false"></div>` +
    `<div class="field"><label for="filter-text">Text contains</label><input id="filter-text" type="search" autocomplete="off" spellcheck="false"></div>` +
    `<button type="button" id="filter-reset">Reset filters</button></div>` +
    `<p id="findings-status" role="status" aria-live="polite"></p>` +
    `<noscript><p>The findings list is built by the page's own script, which is blocked here. The JSON report (<code>--format json</code>) holds the same findings.</p></noscript>` +
    `<div id="findings-list"></div>` +
    `<div class="more" id="findings-more" hidden><button type="button" id="show-more">Show more</button><button type="button" id="show-all">Show all</button></div></section>`
  );
}

/** One self-contained HTML page; nothing in it loads from the network. */
export function formatHtml(result: ScanResult, opts: ReportOptions): string {
  // Most severe first, then file, position and rule: a reader starts at the top.
  const shown = visibleFindings(result.findings, opts.showSuppressed).sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
  const name = result.root.replace(/[\\/]+$/, "").replace(/^.*[\\/]/, "") || "project";
  const csp = contentSecurityPolicy(HTML_SCRIPT, HTML_STYLE);
  const toc = [
    '<a href="#summary">Summary</a>',
    result.posture ? '<a href="#posture">Posture</a>' : "",
    '<a href="#findings">Findings</a>',
    result.routes ? '<a href="#routes">Routes</a>' : "",
    result.diagnostics.length > 0 ? '<a href="#diagnostics">Diagnostics</a>' : "",
  ].filter((x) => x !== "");
  const body = [
    `<header><h1>flaskwarden security report: ${esc(name)}</h1>`,
    `<p class="muted">flaskwarden ${esc(opts.toolVersion)}. Static analysis: nothing in the project was run.</p>`,
    `<nav class="toc" aria-label="Sections">${toc.join("")}</nav></header><main>`,
    summarySection(result, shown, opts),
    result.posture ? postureSection(result.posture) : "",
    findingsSection(shown),
    result.routes ? routesSection(result.routes) : "",
    diagnosticsSection(result.diagnostics),
    "</main>",
  ];
  return (
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n` +
    `<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">\n` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">\n` +
    `<meta name="referrer" content="no-referrer">\n` +
    `<title>flaskwarden report: ${esc(name)}</title>\n` +
    `<style>${HTML_STYLE}</style>\n</head>\n<body>\n${body.join("\n")}\n` +
    `<script type="application/json" id="fw-data">${jsonForScript(pageData(shown))}</script>\n` +
    `<script>${HTML_SCRIPT}</script>\n</body>\n</html>\n`
  );
}
