/**
 * The HTML report without a browser: structure, the Content-Security-Policy hashes, the embedded
 * JSON, escaping of everything a scanned repository controls (the hostile fixture), secret masking,
 * the posture and route sections; and the Markdown report on the same hostile project.
 * test/html-browser.test.ts opens the page in Chromium.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import type { Finding, Posture, ScanResult } from "../src/core/types.js";
import { formatReport } from "../src/report/index.js";
import type { ReportOptions } from "../src/report/index.js";
import { escapeHtmlText, jsonForScript } from "../src/report/html.js";
import { inventoryOf } from "../src/inventory/routes.js";
import { RULES } from "../src/rules/index.js";
import { scanDir, writeProject } from "./support/scan.js";
import { scan } from "../src/scan.js";
import { defaultConfig } from "../src/config/types.js";
import type { Rule } from "../src/rules/define.js";
import { HOSTILE_NAMES, IMG_PAYLOAD, LINK_PAYLOAD, REPO_ROOT, SCRIPT_PAYLOAD, hostileProject, hostileSource, markdownProblems } from "./support/hostile.js";

const VULNERABLE = join(REPO_ROOT, "examples/vulnerable-app");

function opts(over: Partial<ReportOptions> = {}): ReportOptions {
  return { color: false, toolVersion: "0.0.0-test", rules: [...RULES], showSuppressed: false, ...over };
}

/** The text of the page's inline elements of one kind (attributes as written). */
function inline(html: string, tag: "script" | "style"): { attrs: string; text: string }[] {
  return [...html.matchAll(new RegExp(`<${tag}([^>]*)>([\\s\\S]*?)</${tag}>`, "g"))].map((m) => ({ attrs: m[1]!, text: m[2]! }));
}

function sha(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

function cspOf(html: string): string {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(m, "the page has a CSP meta tag");
  return m[1]!.replace(/&#39;/g, "'");
}

/** Every start tag of the page's own markup (escaped content holds no '<', so these are all ours). */
function startTags(html: string): string[] {
  const withoutInline = html.replace(/<script type="application\/json"[^>]*>[\s\S]*?<\/script>/, "<script-data>").replace(/<script>[\s\S]*?<\/script>/, "<script-code>").replace(/<style>[\s\S]*?<\/style>/, "<style-code>");
  return [...withoutInline.matchAll(/<[A-Za-z][^>]*>/g)].map((m) => m[0]);
}

function pageData(html: string): { findings: Record<string, unknown>[]; rules: Record<string, Record<string, unknown>> } {
  const m = /<script type="application\/json" id="fw-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, "the page has its data block");
  return JSON.parse(m[1]!);
}

let vulnerable: ScanResult | undefined;
async function vulnerableResult(): Promise<ScanResult> {
  vulnerable ??= (await scanDir(VULNERABLE)).result;
  return vulnerable;
}

test("html: one page whose only script and stylesheet are allowed by hash, nothing else", async () => {
  const html = formatReport("html", await vulnerableResult(), opts());
  assert.ok(html.startsWith("<!DOCTYPE html>\n<html lang=\"en\">"));
  const csp = cspOf(html);
  const scripts = inline(html, "script");
  const styles = inline(html, "style");
  assert.equal(scripts.length, 2, "a data block and our script");
  assert.equal(scripts[0]!.attrs, ' type="application/json" id="fw-data"');
  assert.equal(scripts[1]!.attrs, "");
  assert.equal(styles.length, 1);
  assert.equal(csp, `default-src 'none'; script-src ${sha(scripts[1]!.text)}; style-src ${sha(styles[0]!.text)}; img-src data:; base-uri 'none'; form-action 'none'`);
  // The policy comes before anything it governs.
  assert.ok(html.indexOf("Content-Security-Policy") < html.indexOf("<style>"));
  // Nothing is loaded from anywhere: no src/href to another document, no inline handler or style attribute.
  for (const tag of startTags(html)) {
    assert.ok(!/\son[a-z]+\s*=/i.test(tag), `no inline event handler: ${tag}`);
    assert.ok(!/\sstyle\s*=/i.test(tag), `no style attribute: ${tag}`);
    assert.ok(!/\ssrc\s*=/i.test(tag), `nothing loaded: ${tag}`);
    const href = /\shref="([^"]*)"/.exec(tag);
    if (href) assert.ok(href[1]!.startsWith("#"), `links stay inside the page: ${tag}`);
  }
  assert.ok(!/\binnerHTML\b|\bouterHTML\b|insertAdjacentHTML|document\.write/.test(scripts[1]!.text), "the script never parses strings as markup");
});

test("html: summary, charts, filters with labels, findings data and the route inventory of the vulnerable app", async () => {
  const result = await vulnerableResult();
  const html = formatReport("html", result, opts());
  assert.ok(html.includes('<svg viewBox='), "inline SVG chart");
  assert.ok(html.includes("Findings by severity") && html.includes("Findings by rule family"));
  for (const id of ["filter-severity", "filter-rule", "filter-file", "filter-text"]) assert.ok(html.includes(`<label for="${id}">`), `labelled control ${id}`);
  assert.ok(html.includes('<button type="button" id="filter-reset">'));
  assert.ok(html.includes("@media print") && html.includes("prefers-color-scheme: dark"));
  const data = pageData(html);
  assert.equal(data.findings.length, result.findings.filter((f) => !f.suppressed).length);
  assert.ok(data.findings.some((f) => Array.isArray(f["trace"]) && (f["trace"] as unknown[]).length >= 2), "traces travel with their findings");
  for (const id of new Set(result.findings.map((f) => f.ruleId))) assert.ok(data.rules[id]?.["fix"], `rule texts for ${id}`);
  // Routes: one row per inventory route, gaps highlighted.
  assert.ok(result.routes && result.routes.length > 0, "scan fills result.routes");
  const rows = html.slice(html.indexOf('<table class="routes">')).split("</table>")[0]!.match(/<tr>/g)!.length - 1;
  assert.equal(rows, result.routes.length);
  assert.ok(html.includes('<td class="gap">none</td>'), "a route without auth or rate limit is highlighted");
});

test("html: result.routes carries the inventory's cells (same labels as `flaskwarden routes`)", async () => {
  const out = await scanDir(VULNERABLE);
  const inv = inventoryOf(out.project);
  assert.equal(out.result.routes!.length, inv.routes.length);
  const table = spawnSync(process.execPath, [join(REPO_ROOT, "bin/flaskwarden.js"), "routes", VULNERABLE, "--format", "json"], { encoding: "utf8" });
  const json = JSON.parse(table.stdout) as { routes: { path: string; methods: string[]; file: string; line: number }[] };
  assert.deepEqual(
    out.result.routes!.map((r) => [r.methods.join(","), r.path, r.file, r.line]),
    json.routes.map((r) => [r.methods.join(","), r.path, r.file, r.line]),
  );
  const login = out.result.routes!.find((r) => r.auth.length > 0);
  assert.ok(login, "some route has an auth guard");
  assert.ok(out.result.routes!.some((r) => r.csrf === "unprotected"), "the vulnerable app has a state-changing route without CSRF protection");
});

test("html: secrets are masked before they reach the page", async () => {
  const html = formatReport("html", await vulnerableResult(), opts());
  const config = readFileSync(join(VULNERABLE, "notesapp/config.py"), "utf8");
  for (const secret of ["notes-jwt-secret-2019"]) {
    assert.ok(config.includes(secret), "the example app really holds the secret");
    assert.ok(!html.includes(secret), `secret ${secret} is not in the report`);
  }
  assert.ok(html.includes("«secret, 21 characters»"), "the masked value is shown instead");
});

test("html: embedded JSON escapes <, >, &, U+2028 and U+2029 and still parses to the same value", () => {
  const value = { s: `a${SCRIPT_PAYLOAD}&b\u2028c\u2029d<!--` };
  const text = jsonForScript(value);
  assert.ok(!/[<>&\u2028\u2029]/.test(text));
  assert.deepEqual(JSON.parse(text), value);
  assert.equal(escapeHtmlText(`"'<>&`), "&#34;&#39;&#60;&#62;&#38;");
  assert.equal(escapeHtmlText("a\u202eb\x1bc"), "a\\u202eb\\x1bc", "bidi overrides and control characters made visible");
});

test("html: the posture section renders grade, verdicts, evidence and next steps", async () => {
  const posture: Posture = {
    score: 62,
    grade: "C",
    formula: "Weighted share of `implemented` (1) and `partial` (0.5) mitigations.",
    items: [
      { id: "debug-off", title: "Debug mode off in production", verdict: "missing", weight: 3, rules: ["FLASK-DEPLOY-001"], nextStep: "Read `DEBUG` from the environment.", evidence: [{ file: "app.py", line: 4, note: `app.run(debug=True) ${IMG_PAYLOAD}`, control: false }] },
      { id: "csrf", title: "CSRF protection", verdict: "implemented", weight: 2, rules: [], nextStep: "", evidence: [{ file: "ext.py", line: 2, note: "CSRFProtect(app)", control: true }] },
      { id: "uploads", title: "Upload handling", verdict: "not-applicable", weight: 0, rules: [], nextStep: "", evidence: [] },
    ],
  };
  const result: ScanResult = { ...(await vulnerableResult()), posture };
  const html = formatReport("html", result, opts());
  assert.ok(html.includes('<span class="num">C</span>posture grade (score 62/100)'));
  assert.ok(html.includes("Mitigation posture: grade C, score 62/100"));
  assert.ok(html.includes("Weighted share of <code>implemented</code> (1)"));
  assert.ok(html.includes('<tr data-posture="debug-off"><td>Debug mode off in production</td><td><span class="verdict missing">Missing</span></td>'));
  assert.ok(html.includes('<li class="gap"><span class="mono">app.py:4</span> app.run(debug=True) &#60;img src=x onerror=alert(1)&#62;</li>'));
  assert.ok(html.includes('<li class="control"><span class="mono">ext.py:2</span> CSRFProtect(app)</li>'));
  assert.ok(html.includes('<span class="verdict not-applicable">Not applicable</span>'));
  assert.ok(html.includes("Read <code>DEBUG</code> from the environment."));
  assert.ok(html.includes('<a href="#posture">Posture</a>'));
  assert.ok(!formatReport("html", { ...result, posture: undefined }, opts()).includes('id="posture"'), "no posture, no section");
});

test("html: a secret a rule names is masked in message, evidence, excerpt and trace alike", async () => {
  const secret = "s3cr3t-Value-kept-in-code";
  const dir = writeProject({ "app.py": `from flask import Flask\napp = Flask(__name__)\napp.secret_key = "${secret}"\n` });
  try {
    const rule = {
      ...RULES[0]!,
      id: "TEST-SECRET-001",
      check: ({ report }: Parameters<Rule["check"]>[0]) =>
        report({
          file: "app.py",
          range: { start: { line: 3, column: 1 }, end: { line: 3, column: 44 } },
          message: `the key ${secret} is in the source`,
          secrets: [secret],
          trace: [{ file: "app.py", range: { start: { line: 3, column: 18 }, end: { line: 3, column: 44 } }, message: `\`"${secret}"\` is assigned here` }],
        }),
    } as Rule;
    const out = await scan({ targets: [dir], config: defaultConfig(dir), jobs: 0, rules: [rule] });
    const html = formatReport("html", out.result, opts());
    assert.ok(html.includes("TEST-SECRET-001"));
    assert.ok(!html.includes(secret), "the secret appears nowhere in the page");
    assert.equal(pageData(html).findings[0]!["trace"] !== undefined, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

let hostile: { dir: string; result: ScanResult } | undefined;
async function hostileResult(): Promise<ScanResult> {
  if (!hostile) {
    const dir = hostileProject();
    try {
      hostile = { dir, result: (await scanDir(dir)).result };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return hostile.result;
}

test("hostile fixture: the payloads reach the findings, file names and routes (so the report tests mean something)", async () => {
  const src = hostileSource();
  for (const p of [SCRIPT_PAYLOAD, IMG_PAYLOAD, LINK_PAYLOAD, "```"]) assert.ok(src.includes(p), `fixture carries ${p}`);
  const result = await hostileResult();
  const files = new Set(result.findings.map((f) => f.file));
  for (const name of HOSTILE_NAMES) assert.ok(files.has(name), `a finding in the file named ${name}`);
  const all = (f: Finding) => [f.evidence, f.message, f.file, ...f.excerpt.lines, ...(f.trace ?? []).map((s) => s.message)].join("\n");
  const text = result.findings.map(all).join("\n");
  for (const p of [SCRIPT_PAYLOAD, IMG_PAYLOAD, LINK_PAYLOAD, "```"]) assert.ok(text.includes(p), `a finding carries ${p}`);
  assert.ok(result.routes!.some((r) => r.path.includes(SCRIPT_PAYLOAD)), "a route path carries the script payload");
});

test("hostile fixture: the HTML report holds the payloads only as inert text", async () => {
  const html = formatReport("html", await hostileResult(), opts());
  // The page's own markup: exactly our two scripts, no element or attribute from a payload.
  assert.equal(html.match(/<script/gi)?.length, 2);
  assert.equal(html.match(/<\/script/gi)?.length, 2);
  assert.ok(!/<img/i.test(html), "no <img> anywhere in the markup");
  assert.ok(!/<(?!\/?(?:html|head|meta|title|style|body|header|h1|h2|h3|p|nav|a|main|section|div|span|svg|desc|line|text|rect|figure|figcaption|table|thead|tbody|tr|th|td|ul|li|code|details|summary|label|select|option|input|button|noscript|script)[\s>])[A-Za-z/]/.test(html.replace(/<!DOCTYPE html>/, "")), "only our own element names");
  for (const tag of startTags(html)) assert.ok(!/\son[a-z]+\s*=/i.test(tag) && !/javascript:/i.test(tag), `no handler or script URL in ${tag}`);
  // The payloads are still there for the reader, escaped: as entities in markup, as \u escapes in the data.
  assert.ok(html.includes("&#60;/script&#62;&#60;script&#62;alert(1)&#60;/script&#62;"), "route path shown as text");
  const data = JSON.stringify(pageData(html));
  for (const p of [SCRIPT_PAYLOAD, IMG_PAYLOAD, LINK_PAYLOAD]) assert.ok(data.includes(JSON.stringify(p).slice(1, -1)), `data keeps ${p}`);
});

test("hostile fixture: the Markdown report cannot break its fences, inject HTML or links", async () => {
  const md = formatReport("markdown", await hostileResult(), opts());
  assert.deepEqual(markdownProblems(md), []);
  // The checker does find each kind of problem it looks for.
  assert.ok(markdownProblems(`a ${IMG_PAYLOAD}`).some((p) => p.includes("<img")));
  assert.ok(markdownProblems(`see ${LINK_PAYLOAD}`).some((p) => p.includes("](")));
  assert.ok(markdownProblems("```\ncode\n").some((p) => p.includes("never closed")));
  assert.ok(markdownProblems("<details>\n```\n</details>\n```\n").some((p) => p.includes("<details> opened 1 times and closed 0")));
  assert.deepEqual(markdownProblems(`\`${IMG_PAYLOAD}\` and \`\`${LINK_PAYLOAD} \` \`\``), [], "code spans are literal");
});

test("cli: -o html=FILE writes the page and --format html prints it", () => {
  const dir = mkdtempSync(join(tmpdir(), "flaskwarden-html-"));
  try {
    const file = join(dir, "report.html");
    const r = spawnSync(process.execPath, [join(REPO_ROOT, "bin/flaskwarden.js"), "scan", VULNERABLE, "-o", `html=${file}`, "-q"], { encoding: "utf8" });
    assert.equal(r.status, 1, r.stderr);
    assert.ok(readFileSync(file, "utf8").startsWith("<!DOCTYPE html>"));
    const s = spawnSync(process.execPath, [join(REPO_ROOT, "bin/flaskwarden.js"), "scan", join(REPO_ROOT, "examples/hardened-app"), "--format", "html"], { encoding: "utf8" });
    assert.equal(s.status, 0, s.stderr);
    assert.ok(s.stdout.startsWith("<!DOCTYPE html>") && s.stdout.includes("Findings (0)"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
