/**
 * The HTML report in a real browser: Debian's Chromium driven by playwright-core (never playwright's
 * own browser download). Finds the executable through FLASKWARDEN_CHROMIUM, then `chromium` or
 * `chromium-browser` on PATH; without one every test here is skipped with the reason.
 * Screenshots go to test-output/ (git-ignored). One browser for the whole file.
 */
import { after, before, test } from "node:test";
import type { TestContext } from "node:test";
import assert from "node:assert/strict";
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import type { Browser, Page } from "playwright-core";
import { SEVERITIES } from "../src/core/types.js";
import type { Finding, ScanResult, Severity } from "../src/core/types.js";
import { formatReport } from "../src/report/index.js";
import type { ReportOptions } from "../src/report/index.js";
import { RULES } from "../src/rules/index.js";
import { scanDir } from "./support/scan.js";
import { IMG_PAYLOAD, LINK_PAYLOAD, REPO_ROOT, SCRIPT_PAYLOAD, hostileProject } from "./support/hostile.js";

const OUT = join(REPO_ROOT, "test-output");

function findChromium(): { path: string | null; reason: string } {
  const fromEnv = process.env["FLASKWARDEN_CHROMIUM"];
  if (fromEnv) {
    try {
      accessSync(fromEnv, constants.X_OK);
      return { path: fromEnv, reason: "" };
    } catch {
      return { path: null, reason: `FLASKWARDEN_CHROMIUM=${fromEnv} is not an executable file` };
    }
  }
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    for (const name of ["chromium", "chromium-browser"]) {
      const p = join(dir, name);
      try {
        accessSync(p, constants.X_OK);
        if (statSync(p).isFile()) return { path: p, reason: "" };
      } catch {
        // not here
      }
    }
  }
  return { path: null, reason: "no Chromium found (set FLASKWARDEN_CHROMIUM or install Debian's chromium: bash scripts/install-live-deps.sh)" };
}

const found = findChromium();
let browser: Browser | undefined;
let launchError = "";
let work = "";

before(async () => {
  if (!found.path) return;
  work = mkdtempSync(join(tmpdir(), "flaskwarden-browser-"));
  mkdirSync(OUT, { recursive: true });
  try {
    browser = await chromium.launch({ executablePath: found.path, args: ["--disable-gpu"] });
  } catch (err) {
    launchError = `Chromium at ${found.path} did not start: ${(err as Error).message.split("\n")[0]}`;
  }
});

after(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The browser, or null after marking the test skipped with the reason. */
function needBrowser(t: TestContext): Browser | null {
  if (browser) return browser;
  t.skip(found.path ? launchError : found.reason);
  return null;
}

function opts(): ReportOptions {
  return { color: false, toolVersion: "0.0.0-test", rules: [...RULES], showSuppressed: false };
}

interface Watched {
  page: Page;
  errors: string[];
  dialogs: string[];
}

/** A page that records console errors, page errors, dialogs and CSP violations. */
async function open(b: Browser, html: string, name: string, scheme: "light" | "dark" = "light"): Promise<Watched & { loadMs: number }> {
  const file = join(work, `${name}.html`);
  writeFileSync(file, html);
  const page = await b.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") errors.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
  page.on("dialog", (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  // Runs before the page's own script (and outside its CSP): records every policy violation.
  await page.addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.emulateMedia({ colorScheme: scheme });
  const t0 = performance.now();
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector("#findings-status:not(:empty)");
  const loadMs = performance.now() - t0;
  return { page, errors, dialogs, loadMs };
}

async function violations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
}

async function visible(page: Page): Promise<{ severity: string; rule: string; file: string }[]> {
  return page.$$eval("#findings-list article.finding", (els) =>
    els.map((e) => ({ severity: e.getAttribute("data-severity") ?? "", rule: e.getAttribute("data-rule") ?? "", file: e.getAttribute("data-file") ?? "" })),
  );
}

let vulnerable: ScanResult | undefined;
async function vulnerableHtml(): Promise<{ html: string; result: ScanResult }> {
  vulnerable ??= (await scanDir(join(REPO_ROOT, "examples/vulnerable-app"))).result;
  return { html: formatReport("html", vulnerable, opts()), result: vulnerable };
}

test("browser: the vulnerable app's report filters by severity, rule and file, and a trace expands", async (t) => {
  const b = needBrowser(t);
  if (!b) return;
  const { html, result } = await vulnerableHtml();
  writeFileSync(join(OUT, "html-report.html"), html);
  const { page, errors, dialogs } = await open(b, html, "vulnerable");
  try {
    const total = result.findings.filter((f) => !f.suppressed).length;
    assert.equal((await visible(page)).length, Math.min(total, 100));
    assert.equal(await page.locator("#findings-more").isVisible(), total > 100, "\"show more\" only while findings are left");
    const order = (await visible(page)).map((f) => SEVERITIES.indexOf(f.severity as Severity));
    assert.deepEqual(order, [...order].sort((a, b) => a - b), "most severe first");
    assert.match((await page.textContent("#findings-status")) ?? "", new RegExp(`of ${total} matching findings`));

    // The controls are reachable and usable from the keyboard alone.
    await page.focus("#filter-severity");
    const tabOrder: string[] = [];
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press("Tab");
      tabOrder.push(await page.evaluate(() => document.activeElement?.id ?? ""));
    }
    assert.deepEqual(tabOrder, ["filter-rule", "filter-file", "filter-text", "filter-reset"]);
    await page.focus("#filter-severity");
    await page.keyboard.press("ArrowDown");
    assert.equal(await page.inputValue("#filter-severity"), "critical");
    assert.ok((await visible(page)).every((f) => f.severity === "critical"), "arrow key on the select filters");
    await page.focus("#filter-file");
    await page.keyboard.type("config");
    assert.ok((await visible(page)).every((f) => f.severity === "critical" && f.file.includes("config")), "typing filters");
    await page.focus("#filter-reset");
    await page.keyboard.press("Enter");

    // Severity: only that severity is listed, and all of it.
    await page.getByLabel("Severity", { exact: true }).selectOption("critical");
    let shown = await visible(page);
    assert.equal(shown.length, result.summary.bySeverity.critical);
    assert.ok(shown.length > 0 && shown.every((f) => f.severity === "critical"));

    // File filter typed into its labelled input, combined with the severity.
    await page.getByLabel("Severity", { exact: true }).selectOption("");
    await page.getByLabel("File contains", { exact: true }).fill("config.py");
    shown = await visible(page);
    const inConfig = result.findings.filter((f) => !f.suppressed && f.file.includes("config.py"));
    assert.equal(shown.length, inConfig.length);
    assert.ok(shown.length > 0 && shown.every((f) => f.file.includes("config.py")));

    // Rule filter, then reset from the keyboard.
    await page.getByLabel("File contains", { exact: true }).fill("");
    const rule = result.findings.find((f) => f.trace && f.trace.length >= 2)!.ruleId;
    await page.getByLabel("Rule", { exact: true }).selectOption(rule);
    shown = await visible(page);
    assert.ok(shown.length > 0 && shown.every((f) => f.rule === rule));
    await page.getByLabel("Text contains", { exact: true }).fill("no finding says this 1f0e");
    assert.equal((await visible(page)).length, 0);
    assert.match((await page.textContent("#findings-status")) ?? "", /No finding matches/);
    await page.focus("#filter-reset");
    await page.keyboard.press("Enter");
    assert.equal((await visible(page)).length, Math.min(total, 100));
    assert.equal(await page.evaluate(() => document.activeElement?.id), "filter-severity", "focus returns to the first filter");

    // A data-flow trace: closed at first, drawn step by step once opened.
    const trace = page.locator("details.trace").filter({ hasText: /Data flow: \d+ steps/ }).first();
    assert.equal(await trace.evaluate((d) => (d as HTMLDetailsElement).open), false);
    assert.equal(await trace.locator("ol.flow li").count(), 0, "built only when opened");
    await trace.locator("summary").click();
    assert.equal(await trace.evaluate((d) => (d as HTMLDetailsElement).open), true);
    const steps = trace.locator("ol.flow li");
    assert.ok((await steps.count()) >= 2);
    assert.equal(await steps.first().getAttribute("class"), "source");
    assert.equal(await steps.last().getAttribute("class"), "sink");
    assert.ok(await steps.last().isVisible());

    // The excerpt marks the finding's range.
    assert.ok((await page.locator("pre.excerpt .line.hit mark").count()) > 0);

    assert.deepEqual(errors, []);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(await violations(page), []);
  } finally {
    await page.close();
  }
});

test("browser: screenshots in light and dark mode", async (t) => {
  const b = needBrowser(t);
  if (!b) return;
  const { html } = await vulnerableHtml();
  for (const scheme of ["light", "dark"] as const) {
    const { page, errors } = await open(b, html, `vulnerable-${scheme}`, scheme);
    try {
      const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      assert.equal(bg, scheme === "dark" ? "rgb(13, 17, 23)" : "rgb(255, 255, 255)", `${scheme} theme follows the system`);
      await page.screenshot({ path: join(OUT, `html-report-${scheme}.png`) });
      const flow = page.locator("details.trace").filter({ hasText: /Data flow: \d+ steps/ }).first();
      await flow.locator("summary").click();
      await flow.evaluate((d) => {
        d.closest("article")!.scrollIntoView();
        window.scrollBy(0, -100);
      });
      await page.screenshot({ path: join(OUT, `html-report-${scheme}-finding.png`) });
      await page.locator("#routes").scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(OUT, `html-report-${scheme}-routes.png`) });
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  }
  // Print layout: controls hidden, every listed finding's details opened.
  const { page } = await open(b, html, "vulnerable-print");
  try {
    await page.emulateMedia({ media: "print" });
    await page.evaluate(() => window.dispatchEvent(new Event("beforeprint")));
    assert.equal(await page.locator(".controls").isVisible(), false);
    assert.equal(await page.locator("details:not([open])").count(), 0);
    await page.screenshot({ path: join(OUT, "html-report-print.png") });
  } finally {
    await page.close();
  }
});

test("browser: the hostile project's report runs nothing and renders no element from its payloads", async (t) => {
  const b = needBrowser(t);
  if (!b) return;
  const dir = hostileProject();
  let result: ScanResult;
  try {
    result = (await scanDir(dir)).result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(result.findings.length > 0);
  const { page, errors, dialogs } = await open(b, formatReport("html", result, opts()), "hostile");
  try {
    // Everything listed and opened, so every payload is in the DOM somewhere.
    // The print path lists every finding and builds and opens every <details>.
    await page.evaluate(() => window.dispatchEvent(new Event("beforeprint")));
    assert.equal(await page.locator("details:not([open])").count(), 0);
    assert.ok((await page.locator("ol.flow li").count()) > 0, "traces built");
    assert.deepEqual(dialogs, [], "no dialog opened");
    assert.equal(await page.locator("img, iframe, object, embed, frame, a[href^='javascript'], base, form").count(), 0, "no element from a payload");
    assert.equal(await page.locator("script").count(), 2, "only the page's own script and data block");
    const handlers = await page.evaluate(() => [...document.querySelectorAll("*")].flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${e.tagName}@${a.name}`)));
    assert.deepEqual(handlers, [], "no inline event handler attribute");
    // The payloads are shown to the reader as text.
    const text = (await page.textContent("body")) ?? "";
    for (const p of [SCRIPT_PAYLOAD, IMG_PAYLOAD, LINK_PAYLOAD]) assert.ok(text.includes(p), `shown as text: ${p}`);
    // The policy is live: a script injected at run time does not execute and is reported.
    const ran = await page.evaluate(() => {
      const s = document.createElement("script");
      s.textContent = "window.__injected = 1";
      document.body.appendChild(s);
      return (window as unknown as { __injected?: number }).__injected ?? 0;
    });
    assert.equal(ran, 0, "the CSP blocks a script that is not ours");
    const v = await violations(page);
    assert.ok(v.some((x) => x.startsWith("script-src")), `the blocked script is reported: ${v.join("; ")}`);
    assert.deepEqual(errors.filter((e) => !e.includes("Content Security Policy")), [], "no other error");
    assert.equal(errors.length, 1, "one CSP report, the one the test provoked");
    await page.locator("#findings-list article[data-file^='<img']").first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(OUT, "html-report-hostile.png") });
    await page.locator("#routes").scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(OUT, "html-report-hostile-routes.png") });
  } finally {
    await page.close();
  }
});

/** `n` realistic findings over several rules, files and severities, with excerpts and traces. */
function generated(n: number): ScanResult {
  const rules = RULES.slice(0, 24);
  const findings: Finding[] = [];
  for (let i = 0; i < n; i++) {
    const rule = rules[i % rules.length]!;
    const severity: Severity = SEVERITIES[i % 4]!;
    const line = 10 + (i % 300);
    const file = `pkg${i % 40}/views_${i % 97}.py`;
    findings.push({
      ruleId: rule.id,
      title: rule.title,
      severity,
      confidence: "high",
      file,
      range: { start: { line, column: 5 }, end: { line, column: 40 } },
      evidence: `cursor.execute("SELECT * FROM t WHERE id = " + q${i})`,
      message: `Request data reaches \`cursor.execute()\` in finding ${i}.`,
      impact: rule.impact,
      fix: rule.fix,
      mitigation: rule.mitigation,
      falsePositiveNotes: rule.docs.falsePositives,
      cwe: rule.cwe,
      owasp: rule.owasp,
      scope: `view_${i}`,
      fingerprint: `fp${i}`,
      context: [],
      excerpt: { startLine: line - 1, lines: [`    q${i} = request.args["id"]`, `    cursor.execute("SELECT * FROM t WHERE id = " + q${i})`, "    return render_template('x.html')"] },
      ...(i % 3 === 0
        ? { trace: [
            { file, range: { start: { line: line - 1, column: 10 }, end: { line: line - 1, column: 30 } }, message: "`request.args` is read here" },
            { file, range: { start: { line: line - 1, column: 5 }, end: { line: line - 1, column: 9 } }, message: `assigned to \`q${i}\`` },
            { file, range: { start: { line, column: 5 }, end: { line, column: 40 } }, message: "reaches `cursor.execute()`" },
          ] }
        : {}),
    });
  }
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length])) as Record<Severity, number>;
  return {
    root: "/generated",
    findings,
    diagnostics: [],
    summary: { files: 3880, lines: 500000, findings: n, suppressed: 0, baselined: 0, bySeverity, elapsedMs: 12000 },
    routes: Array.from({ length: 400 }, (_, i) => ({ app: "app.py:app", methods: i % 2 ? ["POST"] : ["GET"], path: `/items/${i}/<int:id>`, endpoint: `items_${i}`, view: `pkg.views.items_${i}`, file: `pkg${i % 40}/views.py`, line: i + 1, auth: i % 3 ? ["login_required"] : [], rateLimit: i % 5 ? [] : ["5 per minute"], csrf: i % 2 ? "unprotected" : "not-applicable", version: null })),
  };
}

test("browser: 5,000 findings stay usable (size and timings reported, not asserted)", async (t) => {
  const b = needBrowser(t);
  if (!b) return;
  const result = generated(5000);
  const html = formatReport("html", result, opts());
  writeFileSync(join(OUT, "html-report-5000.html"), html);
  const { page, errors, loadMs } = await open(b, html, "five-thousand");
  try {
    assert.equal((await visible(page)).length, 100, "the first page of findings");
    assert.ok(await page.locator("#show-more").isVisible());
    let t0 = performance.now();
    await page.getByLabel("Severity", { exact: true }).selectOption("high");
    const filterMs = performance.now() - t0;
    assert.match((await page.textContent("#findings-status")) ?? "", /Showing 100 of 1250 matching findings \(5000 in total\)/);
    await page.getByLabel("Severity", { exact: true }).selectOption("");
    t0 = performance.now();
    await page.click("#show-all");
    await page.waitForFunction(() => document.querySelectorAll("#findings-list article").length === 5000);
    const allMs = performance.now() - t0;
    assert.equal(await page.locator("#findings-more").isVisible(), false, "nothing left to show");
    // No layout break: nothing wider than the window, even with every finding rendered.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the window`);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(OUT, "html-report-5000.png") });
    // Far down the list, cards are drawn once scrolled to (content-visibility must not leave them blank).
    await page.locator("#findings-list article").nth(2500).scrollIntoViewIfNeeded();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.ok(await page.locator("#findings-list article").nth(2500).locator("pre.excerpt").isVisible());
    await page.screenshot({ path: join(OUT, "html-report-5000-middle.png") });
    assert.deepEqual(errors, []);
    t.diagnostic(`5,000 findings: ${(Buffer.byteLength(html) / 1024 / 1024).toFixed(2)} MB of HTML; load to first 100 listed ${Math.round(loadMs)} ms; severity filter ${Math.round(filterMs)} ms; "Show all" (5,000 cards) ${Math.round(allMs)} ms`);
  } finally {
    await page.close();
  }
});
