import { test } from "node:test";
import assert from "node:assert/strict";
import { accessSync, chmodSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type * as Sarif from "sarif";
import { compareFindings } from "../src/core/types.js";
import type { Finding, ScanResult } from "../src/core/types.js";
import type { RuleMeta } from "../src/rules/define.js";
import { formatReport } from "../src/report/index.js";
import type { ReportOptions } from "../src/report/index.js";
import { escapeMarkdown, escapeProse } from "../src/report/markdown.js";

// Compiled to dist/test/, so the repository root is two levels up.
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

const debugRule: RuleMeta = {
  id: "FW-DEPLOY-001",
  title: "Debug mode enabled in production",
  family: "deploy",
  severity: "critical",
  confidence: "high",
  cwe: [489, 215],
  owasp: "A05:2021 Security Misconfiguration",
  tags: ["flask", "deploy"],
  impact: "The Werkzeug debugger lets anyone who reaches it run code.",
  fix: "Turn debug off outside development.",
  mitigation: "Bind the dev server to localhost.",
  docs: {
    what: "Finds app.run(debug=True) and DEBUG = True in production code.",
    why: "The interactive debugger executes Python sent by the browser.",
    bad: "app.run(debug=True)",
    good: "app.run(debug=os.environ.get(\"FLASK_DEBUG\") == \"1\")",
    detection: "Looks at app.run calls and config assignments.",
    falsePositives: "Scripts only used in development.",
    references: ["https://flask.palletsprojects.com/en/latest/debugging/"],
  },
};

const sqlRule: RuleMeta = {
  id: "FW-INJ-002",
  title: "SQL built from request data",
  family: "injection",
  severity: "high",
  confidence: "medium",
  cwe: [89],
  owasp: "A03:2021 Injection",
  tags: ["sql"],
  impact: "An attacker can read or change the database.",
  fix: "Use bound parameters.",
  mitigation: "Run the app with a least-privilege database user.",
  docs: {
    what: "Finds SQL strings built from request values.",
    why: "String-built SQL lets the request rewrite the query.",
    bad: "db.execute(f\"SELECT * FROM t WHERE id = {request.args['id']}\")",
    good: "db.execute(\"SELECT * FROM t WHERE id = ?\", (request.args['id'],))",
    detection: "Follows request values into execute() calls.",
    falsePositives: "Values checked by an allow-list the tool cannot see.",
    references: [],
  },
};

function base(over: Partial<Finding>): Finding {
  return {
    ruleId: debugRule.id,
    title: debugRule.title,
    severity: "critical",
    confidence: "high",
    file: "app.py",
    range: { start: { line: 12, column: 5 }, end: { line: 12, column: 24 } },
    evidence: "app.run(debug=True)",
    message: "The app starts with the debugger on.",
    impact: debugRule.impact,
    fix: debugRule.fix,
    mitigation: debugRule.mitigation,
    falsePositiveNotes: debugRule.docs.falsePositives,
    cwe: debugRule.cwe,
    owasp: debugRule.owasp,
    scope: "",
    fingerprint: "fp-debug",
    context: [],
    excerpt: { startLine: 11, lines: ["if __name__ == \"__main__\":", "    app.run(debug=True)", ""] },
    ...over,
  };
}

const critical = base({});

const traced = base({
  ruleId: sqlRule.id,
  title: sqlRule.title,
  severity: "high",
  confidence: "medium",
  file: "views.py",
  range: { start: { line: 8, column: 5 }, end: { line: 8, column: 20 } },
  evidence: "db.execute(sql)",
  message: "Request data reaches a SQL query.",
  impact: sqlRule.impact,
  fix: sqlRule.fix,
  mitigation: sqlRule.mitigation,
  cwe: sqlRule.cwe,
  owasp: sqlRule.owasp,
  scope: "search",
  fingerprint: "fp-sql",
  excerpt: { startLine: 7, lines: ["    sql = \"SELECT \" + q", "    db.execute(sql)", "    return 'ok'"] },
  trace: [
    { file: "views.py", range: { start: { line: 5, column: 9 }, end: { line: 5, column: 29 } }, message: "request.args['q'] is read" },
    { file: "views.py", range: { start: { line: 7, column: 5 }, end: { line: 7, column: 25 } }, message: "concatenated into sql" },
    { file: "views.py", range: { start: { line: 8, column: 5 }, end: { line: 8, column: 20 } }, message: "executed" },
  ],
});

const suppressedOne = base({
  severity: "medium",
  file: "dev.py",
  range: { start: { line: 3, column: 1 }, end: { line: 3, column: 11 } },
  evidence: "DEBUG=True",
  message: "DEBUG is set in a development module.",
  fingerprint: "fp-dev",
  context: ["module looks development-only"],
  excerpt: { startLine: 2, lines: ["import os", "DEBUG=True  # flaskwarden: ignore FW-DEPLOY-001", "PORT=5000"] },
  suppressed: { reason: "local dev only", file: "dev.py", line: 3 },
});

// Everything a hostile repository controls: file name, evidence, excerpt text.
const NASTY_FILE = "weird|[x](http://e).py";
const NASTY_EVIDENCE = "x = '```'\n</details><script>alert(1)</script>\x1b[31m";
const nasty = base({
  ruleId: sqlRule.id,
  title: sqlRule.title,
  severity: "low",
  confidence: "low",
  file: NASTY_FILE,
  range: { start: { line: 1, column: 1 }, end: { line: 2, column: 10 } },
  evidence: NASTY_EVIDENCE,
  message: "See [here](http://evil.example) <b>now</b> | www.evil.example",
  cwe: sqlRule.cwe,
  owasp: sqlRule.owasp,
  fingerprint: "fp-nasty",
  excerpt: { startLine: 1, lines: ["x = '```'", "</details><script>alert(1)</script>\x1b[31m"] },
});

const result: ScanResult = {
  root: "/srv/project",
  // Deliberately out of order: formatters must sort.
  findings: [nasty, suppressedOne, traced, critical],
  diagnostics: [
    { file: "broken.py", severity: "error", code: "syntax-error", message: "Could not parse line 4.", range: { start: { line: 4, column: 1 }, end: { line: 4, column: 6 } } },
    { file: "", severity: "warning", code: "config", message: "No config file found; using defaults." },
    { file: "big.py", severity: "info", code: "too-large", message: "Skipped: over 2 MB." },
  ],
  summary: {
    files: 12,
    lines: 340,
    findings: 3,
    suppressed: 1,
    baselined: 0,
    bySeverity: { critical: 1, high: 1, medium: 0, low: 1 },
    elapsedMs: 420,
  },
};

function opts(over: Partial<ReportOptions> = {}): ReportOptions {
  return { color: false, toolVersion: "0.1.0", rules: [sqlRule, debugRule], showSuppressed: false, rootUri: "file:///srv/project/", ...over };
}

// ---------------------------------------------------------------- text

test("text: groups by severity, most severe first", () => {
  const out = formatReport("text", result, opts({ showSuppressed: true }));
  const idx = ["== CRITICAL", "== HIGH", "== MEDIUM", "== LOW"].map((h) => out.indexOf(h));
  for (const i of idx) assert.ok(i >= 0, out);
  assert.deepEqual([...idx].sort((a, b) => a - b), idx);
  assert.ok(out.indexOf("CRITICAL FW-DEPLOY-001 Debug mode enabled in production") > idx[0]!);
  assert.ok(out.includes("  --> app.py:12:5"));
  assert.ok(out.includes("  --> views.py:8:5"));
});

test("text: within a group findings follow compareFindings order", () => {
  const a = base({ severity: "high", file: "b.py", fingerprint: "b" });
  const b = base({ severity: "high", file: "a.py", fingerprint: "a", range: { start: { line: 20, column: 1 }, end: { line: 20, column: 2 } } });
  const c = base({ severity: "high", file: "a.py", fingerprint: "a2", range: { start: { line: 3, column: 1 }, end: { line: 3, column: 2 } } });
  const out = formatReport("text", { ...result, findings: [a, b, c], diagnostics: [] }, opts());
  const order = ["a.py:3:1", "a.py:20:1", "b.py:12:5"].map((l) => out.indexOf(`--> ${l}`));
  assert.ok(order.every((i) => i >= 0));
  assert.deepEqual([...order].sort((x, y) => x - y), order);
});

test("text: excerpt marks the finding line and puts carets under its columns", () => {
  const out = formatReport("text", { ...result, findings: [critical] }, opts());
  const lines = out.split("\n");
  const i = lines.findIndex((l) => l.includes("12 |"));
  assert.equal(lines[i], "  > 12 |     app.run(debug=True)");
  assert.equal(lines[i - 1], "    11 | if __name__ == \"__main__\":");
  assert.equal(lines[i + 1], "       |     ^^^^^^^^^^^^^^^^^^^");
  assert.equal(lines[i + 2], "    13 |");
  // Carets start exactly under column 5 of the source line and cover columns 5..23.
  const codeStart = lines[i]!.indexOf("|") + 2;
  assert.equal(lines[i + 1]!.indexOf("^"), codeStart + 4);
  assert.equal(lines[i + 1]!.lastIndexOf("^"), codeStart + 22);
});

test("text: multi-line findings mark every line without carets", () => {
  const out = formatReport("text", { ...result, findings: [nasty] }, opts());
  assert.match(out, /^ {2}> 1 \| x = '```'$/m);
  assert.match(out, /^ {2}> 2 \| <\/details>/m);
  assert.ok(!out.includes("^"));
});

test("text: labelled fields, trace steps and diagnostics", () => {
  const out = formatReport("text", result, opts({ showSuppressed: true }));
  for (const label of ["Evidence: app.run(debug=True)", "Impact: ", "Fix: Use bound parameters.", "Mitigation: ", "False positives: ", "Confidence: medium"]) {
    assert.ok(out.includes(label), label);
  }
  assert.ok(out.includes("CWE/OWASP: CWE-489, CWE-215  OWASP A05:2021 Security Misconfiguration"));
  assert.ok(out.includes("Context: module looks development-only"));
  assert.ok(!out.includes("fp-debug"), "fingerprint is left out");
  assert.ok(out.includes("    1. views.py:5:9 request.args['q'] is read"));
  assert.ok(out.includes("    3. views.py:8:5 executed"));
  assert.ok(out.includes("Diagnostics\n  broken.py: error syntax-error: Could not parse line 4.\n  warning config: No config"));
  assert.ok(out.includes("  big.py: info too-large: Skipped: over 2 MB."));
});

test("text: suppressed findings only appear when asked for", () => {
  const hidden = formatReport("text", result, opts());
  assert.ok(!hidden.includes("dev.py"));
  assert.ok(!hidden.includes("== MEDIUM"));
  const shown = formatReport("text", result, opts({ showSuppressed: true }));
  assert.ok(shown.includes("MEDIUM FW-DEPLOY-001 Debug mode enabled in production (suppressed)"));
  assert.ok(shown.includes("Suppressed: local dev only (dev.py:3)"));
});

test("text: colour codes only when the caller asks", () => {
  const plain = formatReport("text", result, opts({ color: false }));
  const coloured = formatReport("text", result, opts({ color: true }));
  assert.ok(!plain.includes("\x1b["), "no ANSI escapes without colour");
  assert.ok(coloured.includes("\x1b[31m"));
  assert.ok(coloured.includes("\x1b[1m"));
});

test("text: control characters and bidi overrides from scanned files are made visible", () => {
  const out = formatReport("text", result, opts());
  assert.ok(!out.includes("\x1b"));
  assert.ok(out.includes("\\x1b[31m"));
  const tricky = base({ evidence: "ok\rEVIL", message: "admin\u202e gnp.exe" });
  const shown = formatReport("text", { ...result, findings: [tricky], diagnostics: [] }, opts());
  assert.ok(shown.includes("Evidence: ok\\x0dEVIL"));
  assert.ok(shown.includes("admin\\u202e gnp.exe"));
  assert.ok(!/[\r\u202e]/.test(shown));
});

test("text: summary line wording, plural and singular", () => {
  const out = formatReport("text", result, opts());
  assert.ok(out.endsWith("3 findings (1 critical, 1 high, 0 medium, 1 low) in 12 files, 340 lines; 1 suppressed, 0 in baseline; 0.42 s\n"));
  const one: ScanResult = {
    ...result,
    findings: [critical],
    diagnostics: [],
    summary: { files: 1, lines: 1, findings: 1, suppressed: 0, baselined: 2, bySeverity: { critical: 1, high: 0, medium: 0, low: 0 }, elapsedMs: 5 },
  };
  assert.ok(formatReport("text", one, opts()).endsWith("1 finding (1 critical, 0 high, 0 medium, 0 low) in 1 file, 1 line; 0 suppressed, 2 in baseline; 0.01 s\n"));
});

test("text: says so plainly when there is nothing to report", () => {
  const empty: ScanResult = {
    ...result,
    findings: [suppressedOne],
    diagnostics: [],
    summary: { ...result.summary, findings: 0, bySeverity: { critical: 0, high: 0, medium: 0, low: 0 } },
  };
  const out = formatReport("text", empty, opts());
  assert.ok(out.startsWith("No findings.\n"));
  assert.ok(!out.includes("Diagnostics"));
  assert.ok(out.includes("0 findings (0 critical"));
});

// ---------------------------------------------------------------- json

test("json: round-trips every finding in order, with diagnostics and summary", () => {
  const out = formatReport("json", result, opts());
  assert.ok(out.endsWith("}\n"));
  assert.ok(out.includes('\n  "version": 1,'), "two-space indent");
  const doc = JSON.parse(out) as Record<string, unknown> & { findings: Finding[] };
  assert.deepEqual(Object.keys(doc), ["version", "tool", "root", "findings", "diagnostics", "summary"]);
  assert.deepEqual(doc.tool, { name: "flaskwarden", version: "0.1.0" });
  assert.equal(doc.root, "/srv/project");
  assert.deepEqual(doc.findings, [...result.findings].sort(compareFindings));
  assert.deepEqual(doc.diagnostics, result.diagnostics);
  assert.deepEqual(doc.summary, result.summary);
  const sup = doc.findings.find((f) => f.fingerprint === "fp-dev");
  assert.deepEqual(sup?.suppressed, { reason: "local dev only", file: "dev.py", line: 3 });
});

test("json: key order follows the Finding type", () => {
  // Build the input with scrambled keys so the order cannot come from the input.
  const scrambled = Object.fromEntries(Object.entries(traced).reverse()) as unknown as Finding;
  const doc = JSON.parse(formatReport("json", { ...result, findings: [scrambled] }, opts())) as { findings: object[] };
  assert.deepEqual(Object.keys(doc.findings[0]!), [
    "ruleId", "title", "severity", "confidence", "file", "range", "evidence", "message", "impact", "fix", "mitigation",
    "falsePositiveNotes", "cwe", "owasp", "scope", "fingerprint", "context", "trace", "excerpt",
  ]);
});

// ---------------------------------------------------------------- markdown

/** Splits markdown into the parts outside fenced code blocks, following CommonMark's closing rule. */
function outsideFences(md: string): { prose: string; blocks: string[] } {
  const prose: string[] = [];
  const blocks: string[] = [];
  let fence = "";
  let body: string[] = [];
  for (const line of md.split("\n")) {
    if (fence === "") {
      const open = /^(`{3,})[^`]*$/.exec(line);
      if (open) {
        fence = open[1]!;
        body = [];
      } else prose.push(line);
    } else if (new RegExp(`^\`{${fence.length},}\\s*$`).test(line)) {
      blocks.push(body.join("\n"));
      fence = "";
    } else body.push(line);
  }
  assert.equal(fence, "", "every fence is closed");
  return { prose: prose.join("\n"), blocks };
}

test("markdown: summary table, findings table and details blocks", () => {
  const md = formatReport("markdown", result, opts());
  assert.ok(md.startsWith("## flaskwarden security report\n"));
  assert.ok(md.includes("| Critical | 1 |\n| High | 1 |\n| Medium | 0 |\n| Low | 1 |"));
  assert.ok(md.includes("| Severity | Rule | Location | Message |"));
  assert.ok(md.includes("<details><summary>Critical FW-DEPLOY-001: Debug mode enabled in production (app&#46;py&#58;12&#58;5)</summary>"));
  assert.ok(md.includes("| Critical | `FW-DEPLOY-001` | app\\.py\\:12\\:5 | The app starts with the debugger on\\. |"));
  assert.ok(md.includes("1. views\\.py\\:5\\:9 request\\.args\\[\\'q\\'\\] is read\n"));
  assert.ok(!md.includes("dev.py"), "suppressed finding hidden by default");
  assert.ok(formatReport("markdown", result, opts({ showSuppressed: true })).includes("Medium (suppressed)"));
  const { blocks } = outsideFences(md);
  assert.ok(blocks.includes("app.run(debug=True)"));
  assert.ok(md.trimEnd().endsWith("</details>"), "diagnostics close the comment");
  assert.ok(md.includes("<details><summary>Diagnostics (3)</summary>"));
});

test("markdown: content from the scanned repo stays inert", () => {
  const md = formatReport("markdown", result, opts());
  const { prose, blocks } = outsideFences(md);
  // The evidence survives, but only inside a code block (with the raw ESC made visible).
  assert.ok(blocks.includes(NASTY_EVIDENCE.replace("\x1b", "\\x1b")), "evidence kept inside its fence");
  assert.ok(!prose.includes("<script"), "no live script tag");
  assert.ok(!/<\/?b>/.test(prose), "no live HTML from messages");
  assert.ok(!prose.includes("](http"), "no link syntax");
  const bare = prose.replace(/https:\/\/github\.com\/flaskwarden/g, "");
  assert.ok(!/(https?:\/\/|www\.)/.test(bare), "no bare URL left for autolinking");
  assert.ok(!prose.includes("\x1b"), "no raw control characters");
  // <details> tags outside code balance, so evidence cannot close the block it sits in.
  assert.equal(prose.match(/<details>/g)?.length, 4);
  assert.equal(prose.match(/<\/details>/g)?.length, 4);
  // Each findings-table row has exactly four cells: an escaped '|' does not split a cell.
  const lines = prose.split("\n");
  const header = lines.indexOf("| Severity | Rule | Location | Message |");
  const end = lines.indexOf("", header);
  const rows = lines.slice(header + 2, end);
  assert.equal(rows.length, 3);
  for (const row of rows) assert.equal(row.split(/(?<!\\)\|/).length, 6, row);
  const nastyRow = rows.find((l) => l.includes("weird"));
  assert.ok(nastyRow, "row for the hostile file");
  assert.ok(nastyRow.includes("| weird\\|\\[x\\]\\(http\\:\\/\\/e\\)\\.py\\:1\\:1 |"));
  assert.ok(nastyRow.includes("&lt;b&gt;now&lt;\\/b&gt;"));
  // In the raw-HTML <summary> line the name is entity-encoded; Markdown escapes would show as backslashes.
  assert.ok(md.includes("(weird&#124;&#91;x&#93;&#40;http&#58;//e&#41;&#46;py&#58;1&#58;1)</summary>"));
});

test("markdown: fence is longer than any backtick run in the evidence", () => {
  const evidence = "a ```` b ``````` c";
  const md = formatReport("markdown", { ...result, findings: [base({ evidence })] }, opts());
  assert.ok(md.includes("````````\na ```` b ``````` c\n````````\n"));
});

test("markdown: escaper neutralises backslashes before escaped characters", () => {
  // A trailing backslash in the data must not swallow the escape of the next character.
  assert.equal(escapeMarkdown("a\\|b"), "a\\\\\\|b");
  assert.equal(escapeMarkdown("1\n2"), "1 2");
});

test("markdown: no findings", () => {
  const md = formatReport("markdown", { ...result, findings: [], diagnostics: [] }, opts());
  assert.ok(md.includes("\nNo findings.\n"));
  assert.ok(!md.includes("<details>"));
});

// ---------------------------------------------------------------- sarif

function sarifOf(r: ScanResult, o: ReportOptions = opts()): Sarif.Log {
  return JSON.parse(formatReport("sarif", r, o)) as Sarif.Log;
}

test("sarif: driver and rule descriptors", () => {
  const log = sarifOf(result);
  assert.equal(log.version, "2.1.0");
  assert.equal(log.runs.length, 1);
  const driver = log.runs[0]!.tool.driver;
  assert.equal(driver.name, "flaskwarden");
  assert.equal(driver.semanticVersion, "0.1.0");
  assert.equal(driver.informationUri, "https://github.com/flaskwarden/flaskwarden");
  const rules = driver.rules!;
  assert.deepEqual(rules.map((r) => r.id), ["FW-DEPLOY-001", "FW-INJ-002"], "sorted by id");
  const d = rules[0]!;
  assert.equal(d.name, "DebugModeEnabledInProduction");
  assert.equal(d.shortDescription?.text, "Debug mode enabled in production");
  assert.equal(d.fullDescription?.text, debugRule.docs.what);
  assert.equal(d.helpUri, "https://github.com/flaskwarden/flaskwarden/blob/main/docs/rules/FW-DEPLOY-001.md");
  assert.ok(d.help?.markdown?.includes("```\napp.run(debug=True)\n```"));
  assert.ok(d.help?.text.includes("Turn debug off outside development."));
  assert.equal(d.defaultConfiguration?.level, "error");
  assert.deepEqual(d.properties?.tags, ["security", "flask", "deploy", "external/cwe/cwe-489", "external/cwe/cwe-215"]);
  assert.equal(d.properties?.["security-severity"], "9.5");
  assert.equal(d.properties?.precision, "high");
  assert.equal(d.properties?.["problem.severity"], "error");
  assert.equal(rules[1]!.properties?.precision, "medium");
  assert.equal(rules[1]!.properties?.["security-severity"], "8.0");
  assert.deepEqual(log.runs[0]!.originalUriBaseIds, { "%SRCROOT%": { uri: "file:///srv/project/" } });
  assert.deepEqual(sarifOf(result, opts({ rootUri: "file:///x" })).runs[0]!.originalUriBaseIds, { "%SRCROOT%": { uri: "file:///x/" } });
  assert.equal(sarifOf(result, opts({ rootUri: undefined })).runs[0]!.originalUriBaseIds, undefined);
});

test("sarif: results carry levels, locations, fingerprints, flows and suppressions", () => {
  const run = sarifOf(result).runs[0]!;
  const results = run.results!;
  assert.equal(results.length, 4, "suppressed findings are always present");
  assert.deepEqual(results.map((r) => r.partialFingerprints?.["flaskwarden/v1"]), ["fp-debug", "fp-dev", "fp-sql", "fp-nasty"]);
  for (const r of results) assert.equal(run.tool.driver.rules![r.ruleIndex!]!.id, r.ruleId);
  assert.deepEqual(results.map((r) => r.level), ["error", "warning", "error", "note"]);
  assert.deepEqual(results.map((r) => r.properties?.["security-severity"]), ["9.5", "5.5", "8.0", "3.0"]);

  const first = results[0]!.locations![0]!.physicalLocation!;
  assert.deepEqual(first.artifactLocation, { uri: "app.py", uriBaseId: "%SRCROOT%" });
  assert.deepEqual(first.region, { startLine: 12, startColumn: 5, endLine: 12, endColumn: 24, snippet: { text: "app.run(debug=True)" } });
  assert.deepEqual(first.contextRegion, { startLine: 11, endLine: 13, snippet: { text: critical.excerpt.lines.join("\n") } });
  assert.equal(results[0]!.properties?.fix, debugRule.fix);

  const flows = results[2]!.codeFlows!;
  assert.equal(flows.length, 1);
  const steps = flows[0]!.threadFlows[0]!.locations;
  assert.deepEqual(steps.map((s) => s.location?.message?.text), ["request.args['q'] is read", "concatenated into sql", "executed"]);
  assert.deepEqual(steps[0]!.location?.physicalLocation?.region, { startLine: 5, startColumn: 9, endLine: 5, endColumn: 29 });
  assert.equal(results[0]!.codeFlows, undefined);

  assert.deepEqual(results[1]!.suppressions?.map((s) => [s.kind, s.justification]), [["inSource", "local dev only"]]);
  assert.equal(results[0]!.suppressions, undefined);
  assert.deepEqual(results[1]!.properties?.context, ["module looks development-only"]);

  assert.equal(results[3]!.locations![0]!.physicalLocation!.artifactLocation!.uri, "weird%7C%5Bx%5D(http%3A//e).py");

  const notes = run.invocations![0]!.toolExecutionNotifications!;
  assert.equal(run.invocations![0]!.executionSuccessful, true);
  assert.deepEqual(notes.map((n) => [n.level, n.descriptor?.id]), [["error", "syntax-error"], ["warning", "config"], ["note", "too-large"]]);
  assert.equal(notes[0]!.locations![0]!.physicalLocation!.region!.startLine, 4);
  assert.equal(notes[1]!.locations, undefined, "global diagnostic has no location");
});

test("sarif: a finding for an unknown rule gets no ruleIndex", () => {
  const log = sarifOf({ ...result, findings: [base({ ruleId: "FW-OTHER-9" })] });
  assert.equal(log.runs[0]!.results![0]!.ruleIndex, undefined);
});

test("sarif: validates with Microsoft's SARIF multitool", (t) => {
  const bin = join(REPO_ROOT, "node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
  if (!existsSync(bin)) {
    t.skip("SARIF multitool for linux is not installed on this platform; SARIF validation not run");
    return;
  }
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    // npm 11 skips the package's postinstall, which is what would normally make it executable.
    chmodSync(bin, statSync(bin).mode | 0o755);
  }
  const dir = mkdtempSync(join(tmpdir(), "fw-sarif-"));
  try {
    const sarif = formatReport("sarif", result, opts());
    const input = join(dir, "report.sarif");
    // The validator silently skips a file it cannot deserialise (e.g. an unknown enum value), which
    // would look like a pass. The canary is the same log with one known defect: if the validator
    // reports that defect, it really read our content, so silence on the real file means "valid".
    const canary = join(dir, "canary.sarif");
    const broken = JSON.parse(sarif) as Sarif.Log;
    broken.runs[0]!.results![0]!.locations![0]!.physicalLocation!.region!.startLine = 0;
    writeFileSync(input, sarif);
    writeFileSync(canary, JSON.stringify(broken, null, 2));
    const output = join(dir, "validation.sarif");
    const run = spawnSync(bin, ["validate", input, canary, "--output", output, "--log", "ForceOverwrite", "--rule-kind", "Sarif;Gh"], {
      encoding: "utf8",
      env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: "1" },
      timeout: 60_000,
    });
    assert.ok(existsSync(output), `validator wrote no output: ${run.error?.message ?? ""}\n${run.stdout}\n${run.stderr}`);
    const report = JSON.parse(readFileSync(output, "utf8")) as Sarif.Log;
    const results = report.runs[0]?.results ?? [];
    const about = (file: string) => results.filter((r) => r.locations?.[0]?.physicalLocation?.artifactLocation?.uri?.endsWith(file));
    const describe = (r: Sarif.Result) => `${r.ruleId}: ${JSON.stringify(r.message.arguments ?? r.message.text ?? "")}`;
    assert.ok(about("/canary.sarif").some((r) => r.ruleId === "JSON1008"), `canary defect not reported; validator output:\n${run.stdout}`);
    const ours = about("/report.sarif");
    assert.deepEqual(ours.filter((r) => (r.level ?? "warning") === "error").map(describe), []);
    const toolErrors = (report.runs[0]?.invocations ?? []).flatMap((i) => i.toolExecutionNotifications ?? []).filter((n) => n.level === "error");
    assert.deepEqual(toolErrors.map((n) => n.message.text), []);
    // Warnings are not failures, but they should be seen.
    for (const r of ours) t.diagnostic(`validator ${r.level ?? "warning"}: ${describe(r)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("markdown: our code spans stay code spans, everything around them is escaped", () => {
  assert.equal(escapeProse("Data from `request.args` reaches `db.execute()`."), "Data from `request.args` reaches `db.execute()`\\.");
  // A link outside a span cannot form; inside a span it is literal text anyway.
  assert.equal(escapeProse("see [x](https://evil.example) and `[y](z)`"), "see \\[x\\]\\(https\\:\\/\\/evil\\.example\\) and `[y](z)`");
  // GitHub splits table cells on | even inside code spans.
  assert.equal(escapeProse("`a | b`"), "`a \\| b`");
  // An unmatched backtick is escaped like any other punctuation.
  assert.equal(escapeProse("it's `open"), "it\\'s \\`open");
});
