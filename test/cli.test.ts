/**
 * End-to-end tests of the built command line: each test runs bin/flaskwarden.js as a real process
 * (so argument parsing, exit codes, stdout/stderr separation and file output are all real) against
 * the example apps and the small projects in test/fixtures/cli.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type * as Sarif from "sarif";
import { RULES } from "../src/rules/index.js";
import { sarifValidatorMissing, validateSarif } from "./support/sarif.js";

// Compiled to dist/test/, so the repository root is two levels up.
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(REPO, "bin/flaskwarden.js");
const VULNERABLE = join(REPO, "examples/vulnerable-app");
const HARDENED = join(REPO, "examples/hardened-app");
const FIXTURES = join(REPO, "test/fixtures/cli");
const BASIC = join(FIXTURES, "basic");
const VERSION = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;
const ESC = "\x1b[";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI. NO_COLOR is set unless `env` overrides it; FORCE_COLOR from the caller's shell is
 * removed so a developer's terminal settings cannot change the results. An `undefined` value deletes a variable.
 */
function cli(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env.FORCE_COLOR;
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  // Asynchronous, so the tests of a group run side by side; each run is still a separate process.
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? REPO, env, encoding: "utf8", timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : null;
      if (code === null) reject(err);
      else resolve({ code, stdout, stderr });
    });
  });
}

const memo = new Map<string, Promise<Run>>();

/** `cli` for read-only runs that several tests share: each distinct command runs once. */
function cached(args: string[]): Promise<Run> {
  const key = JSON.stringify(args);
  let run = memo.get(key);
  if (!run) memo.set(key, (run = cli(args)));
  return run;
}

interface JsonReport {
  version: number;
  tool: { name: string; version: string };
  root: string;
  findings: { ruleId: string; file: string; range: { start: { line: number; column: number } }; severity: string; suppressed?: { reason: string; line: number }; context: string[] }[];
  diagnostics: { file: string; severity: string; code: string; message: string }[];
  summary: { files: number; findings: number; suppressed: number; baselined: number; bySeverity: Record<string, number>; elapsedMs: number };
}

/** Runs a scan with JSON on stdout and parses it; fails the test with the CLI's stderr when stdout is not JSON. */
async function scanJson(args: string[], opts?: Parameters<typeof cli>[1]): Promise<{ run: Run; report: JsonReport }> {
  const argv = ["scan", ...args, "-f", "json"];
  const run = await (opts ? cli(argv, opts) : cached(argv));
  let report: JsonReport;
  try {
    report = JSON.parse(run.stdout) as JsonReport;
  } catch {
    assert.fail(`stdout is not JSON (exit ${run.code}); stderr:\n${run.stderr}\nstdout:\n${run.stdout.slice(0, 2000)}`);
  }
  return { run, report };
}

/** "RULE file:line:col severity" for each unsuppressed finding, in report order. */
function brief(report: JsonReport): string[] {
  return report.findings
    .filter((f) => !f.suppressed)
    .map((f) => `${f.ruleId} ${f.file}:${f.range.start.line}:${f.range.start.column} ${f.severity}`);
}

/** The JSON report's text with the one field that legitimately changes between runs blanked. */
function withoutElapsed(json: string): string {
  assert.match(json, /"elapsedMs": \d+/);
  return json.replace(/"elapsedMs": \d+/, '"elapsedMs": 0');
}

/** A scratch directory; a `.git` entry stops the config search from walking up into /tmp. */
function scratch(t: { after: (fn: () => void) => void }, from?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "flaskwarden-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  if (from) cpSync(from, dir, { recursive: true });
  mkdirSync(join(dir, ".git"), { recursive: true });
  return dir;
}

const SHARED = mkdtempSync(join(tmpdir(), "flaskwarden-cli-shared-"));
after(() => rmSync(SHARED, { recursive: true, force: true }));
const both = new Map<string, Promise<{ run: Run; json: string; report: JsonReport }>>();

/** One scan that prints the text report and writes the JSON report, so tests share both views of a single (slower) run. */
function textAndJson(dir: string): Promise<{ run: Run; json: string; report: JsonReport }> {
  let p = both.get(dir);
  if (!p) {
    const file = join(SHARED, `report-${both.size}.json`);
    p = cli(["scan", dir, "-o", "text", "-o", `json=${file}`]).then((run) => {
      const json = readFileSync(file, "utf8");
      return { run, json, report: JSON.parse(json) as JsonReport };
    });
    both.set(dir, p);
  }
  return p;
}

const BASIC_FINDINGS = ["FLASK-CONFIG-001 app.py:5:1 high", "FLASK-DEPLOY-001 app.py:6:1 high", "FLASK-DEPLOY-002 app.py:6:9 critical"];

describe("scan: findings and exit codes", { concurrency: true }, () => {
  test("the vulnerable example exits 1 and reports its debug and secret-key issues", async () => {
    const { run, report } = await textAndJson(VULNERABLE);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^wrote json report to \S+\n$/, "nothing else on stderr");
    assert.match(run.stdout, /^== CRITICAL \(\d+\) ==$/m);
    assert.match(run.stdout, /^CRITICAL FLASK-DEPLOY-002 Debug mode enabled outside development$/m);
    assert.match(run.stdout, /^ {2}--> wsgi\.py:12:36$/m);
    assert.match(run.stdout, /^\d+ findings \(\d+ critical, \d+ high, \d+ medium, \d+ low\) in \d+ files/m);
    const found = brief(report);
    for (const expected of [
      "FLASK-DEPLOY-002 wsgi.py:12:36 critical",
      "FLASK-DEPLOY-001 wsgi.py:12:1 high",
      "FLASK-DEPLOY-002 notesapp/config.py:12:5 critical",
      "FLASK-CONFIG-001 notesapp/config.py:14:5 high",
      "FLASK-DEPLOY-001 Dockerfile:10:5 high",
      "FLASK-DEPLOY-002 Dockerfile:7:5 critical",
    ]) {
      assert.ok(found.includes(expected), `missing ${expected}; found:\n${found.join("\n")}`);
    }
    assert.equal(report.summary.findings, report.findings.length);
  });

  test("the hardened example exits 0 with no findings", async () => {
    const { run, report } = await textAndJson(HARDENED);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^No findings\.$/m);
    assert.deepEqual(brief(report), []);
    assert.equal(report.summary.findings, 0);
  });

  test("a small fixture gives exactly its three findings, sorted by file and position", async () => {
    const { run, report } = await scanJson([BASIC]);
    assert.equal(run.code, 1);
    assert.deepEqual(brief(report), BASIC_FINDINGS);
    assert.deepEqual(report.summary.bySeverity, { critical: 1, high: 2, medium: 0, low: 0 });
  });

  test("scans the working directory when no path is given, and accepts a single file", async () => {
    assert.deepEqual(brief((await scanJson([], { cwd: BASIC })).report), BASIC_FINDINGS);
    const single = await scanJson([join(BASIC, "app.py")]);
    assert.equal(single.run.code, 1);
    assert.deepEqual(brief(single.report), BASIC_FINDINGS);
  });

  test("--fail-on decides the exit code without hiding findings", async () => {
    assert.equal((await cached(["scan", BASIC, "--fail-on", "critical"])).code, 1, "there is a critical finding");
    const highOnly = await cached(["scan", BASIC, "--ignore", "FLASK-DEPLOY-002", "--fail-on", "critical"]);
    assert.equal(highOnly.code, 0, "only high findings are left, below --fail-on critical");
    assert.match(highOnly.stdout, /^HIGH FLASK-CONFIG-001 /m, "the findings are still printed");
    assert.equal((await cached(["scan", BASIC, "--ignore", "FLASK-DEPLOY-002", "--fail-on", "high"])).code, 1);
    assert.equal((await cached(["scan", BASIC, "--fail-on", "LOW"])).code, 1, "severity names are case-insensitive");
  });

  test("--severity hides lower findings, and hidden findings do not fail the run", async () => {
    const all = (await textAndJson(VULNERABLE)).report;
    const { run, report } = await scanJson([VULNERABLE, "--severity", "critical"]);
    assert.equal(run.code, 1);
    assert.ok(report.findings.length > 0);
    assert.deepEqual(brief(report), brief(all).filter((f) => f.endsWith(" critical")));
    const text = (await cached(["scan", BASIC, "--severity", "critical"])).stdout;
    assert.match(text, /^CRITICAL FLASK-DEPLOY-002 /m);
    assert.doesNotMatch(text, /^== HIGH/m);
    assert.doesNotMatch(text, /^HIGH /m);

    const none = await cached(["scan", BASIC, "--severity", "critical", "--ignore", "FLASK-DEPLOY-002"]);
    assert.equal(none.code, 0, "the two high findings are hidden, so nothing is left to fail on");
    assert.match(none.stdout, /^No findings\.$/m);
  });

  test("--select and --ignore take IDs, prefixes, lists and repeats, in any case", async () => {
    const ids = async (args: string[]) => brief((await scanJson([BASIC, ...args])).report).map((f) => f.split(" ")[0]);
    assert.deepEqual(await ids(["--select", "FLASK-DEPLOY"]), ["FLASK-DEPLOY-001", "FLASK-DEPLOY-002"]);
    assert.deepEqual(await ids(["--select", "FLASK-CONFIG-001"]), ["FLASK-CONFIG-001"]);
    assert.deepEqual(await ids(["--select", "flask-config-001,FLASK-DEPLOY-002"]), ["FLASK-CONFIG-001", "FLASK-DEPLOY-002"]);
    assert.deepEqual(await ids(["--select", "FLASK-CONFIG-001", "--select", "FLASK-DEPLOY-001"]), ["FLASK-CONFIG-001", "FLASK-DEPLOY-001"]);
    assert.deepEqual(await ids(["--ignore", "FLASK-DEPLOY-001"]), ["FLASK-CONFIG-001", "FLASK-DEPLOY-002"]);
    assert.deepEqual(await ids(["--ignore", "FLASK-DEPLOY"]), ["FLASK-CONFIG-001"]);
    // The more specific entry wins: a family is selected and one of its rules ignored.
    assert.deepEqual(await ids(["--select", "FLASK-DEPLOY", "--ignore", "FLASK-DEPLOY-002"]), ["FLASK-DEPLOY-001"]);
    assert.deepEqual(await ids(["--select", "FLASK"]), ["FLASK-CONFIG-001", "FLASK-DEPLOY-001", "FLASK-DEPLOY-002"]);
  });
});

describe("scan: usage errors exit 2 and name the bad value", { concurrency: true }, () => {
  const cases: { args: string[]; names: string; why: string }[] = [
    { args: ["--select", "FLASK-NOPE-001"], names: "FLASK-NOPE-001", why: "well-formed ID of no rule" },
    { args: ["--select", "FLASK-DEPLOY-009"], names: "FLASK-DEPLOY-009", why: "unknown rule in a known family" },
    { args: ["--ignore", "flask-deploy-999"], names: "flask-deploy-999", why: "unknown rule to ignore, as typed" },
    { args: ["--select", "debug"], names: "debug", why: "not an ID at all" },
    { args: ["--select", ","], names: ",", why: "an empty list" },
    { args: ["--severity", "extreme"], names: "extreme", why: "unknown severity" },
    { args: ["--fail-on", "severe"], names: "severe", why: "unknown severity" },
    { args: ["--format", "xml"], names: "xml", why: "unknown format" },
    { args: ["-o", "pdf=report.pdf"], names: "pdf", why: "unknown output format" },
    { args: ["-o", "json="], names: "json=", why: "output without a file name" },
    { args: ["--jobs", "many"], names: "many", why: "non-numeric jobs" },
    { args: ["--max-file-size", "huge"], names: "huge", why: "not a size" },
    { args: ["--config", "no-such-config.toml"], names: "no-such-config.toml", why: "missing config file" },
    { args: ["--baseline", "no-such-baseline.json"], names: "no-such-baseline.json", why: "missing baseline" },
    { args: ["--frobnicate"], names: "--frobnicate", why: "unknown option" },
  ];
  for (const c of cases) {
    test(`${c.args.join(" ")} (${c.why})`, async () => {
      const run = await cached(["scan", BASIC, ...c.args]);
      assert.equal(run.code, 2, `exit code; stderr: ${run.stderr}`);
      assert.ok(run.stderr.includes(c.names), `stderr should name ${c.names}:\n${run.stderr}`);
      assert.equal(run.stdout, "", "nothing on stdout");
      assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
    });
  }

  test("a path that does not exist", async () => {
    const run = await cached(["scan", "no/such/dir"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no\/such\/dir/);
    assert.equal(run.stdout, "");
  });
});

describe("scan: report outputs", { concurrency: true }, () => {
  test("-o sarif=FILE -o json=FILE -o text writes all three", async (t) => {
    const dir = scratch(t);
    const sarifPath = join(dir, "out/report.sarif");
    const jsonPath = join(dir, "out/report.json");
    const run = await cli(["scan", BASIC, "-o", `sarif=${sarifPath}`, "-o", `json=${jsonPath}`, "-o", "text"]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /^CRITICAL FLASK-DEPLOY-002 /m, "the text report goes to stdout");
    assert.equal(run.stderr, `wrote sarif report to ${sarifPath}\nwrote json report to ${jsonPath}\n`);

    const json = JSON.parse(readFileSync(jsonPath, "utf8")) as JsonReport;
    assert.deepEqual(Object.keys(json), ["version", "tool", "root", "findings", "diagnostics", "summary", "posture"]);
    assert.deepEqual(json.tool, { name: "flaskwarden", version: VERSION });
    assert.deepEqual(brief(json), BASIC_FINDINGS);
    assert.deepEqual(json.diagnostics, []);
    assert.equal(json.summary.findings, 3);

    const sarif = JSON.parse(readFileSync(sarifPath, "utf8")) as Sarif.Log;
    assert.equal(sarif.version, "2.1.0");
    assert.equal(sarif.runs.length, 1);
    const results = sarif.runs[0]!.results!;
    assert.deepEqual(
      results.map((r) => `${r.ruleId} ${r.locations![0]!.physicalLocation!.artifactLocation!.uri}:${r.locations![0]!.physicalLocation!.region!.startLine} ${r.level}`),
      ["FLASK-CONFIG-001 app.py:5 error", "FLASK-DEPLOY-001 app.py:6 error", "FLASK-DEPLOY-002 app.py:6 error"],
    );
    assert.deepEqual(sarif.runs[0]!.tool.driver.rules!.map((r) => r.id), RULES.map((r) => r.id));
  });

  test("JSON output is deterministic: two runs, and worker vs in-process parsing, are byte-identical but for elapsedMs", async () => {
    // By default the small vulnerable app is parsed in this thread; --jobs 2 parses it on worker threads.
    const a = (await textAndJson(VULNERABLE)).json;
    const b = (await cli(["scan", VULNERABLE, "-f", "json", "--jobs", "2"])).stdout;
    const inProcess = (await cached(["scan", VULNERABLE, "-f", "json", "--jobs", "0"])).stdout;
    assert.equal(withoutElapsed(b), withoutElapsed(a), "-f json and -o json=FILE, two runs");
    assert.equal(withoutElapsed(inProcess), withoutElapsed(a));
  });

  test("SARIF is deterministic too", async () => {
    const a = (await cached(["scan", VULNERABLE, "-f", "sarif"])).stdout;
    const b = (await cli(["scan", VULNERABLE, "-f", "sarif"])).stdout;
    assert.ok(a.length > 0);
    assert.equal(a, b);
  });

  test("the vulnerable app's SARIF passes Microsoft's SARIF validator", async (t) => {
    const missing = sarifValidatorMissing();
    if (missing) {
      t.skip(`${missing}; SARIF validation not run`);
      return;
    }
    const sarif = (await cached(["scan", VULNERABLE, "-f", "sarif"])).stdout;
    const v = validateSarif(sarif);
    assert.deepEqual(v.errors, []);
    assert.deepEqual(v.toolErrors, []);
    for (const w of v.warnings) t.diagnostic(`validator: ${w}`);
  });

  test("--format markdown prints a Markdown report", async () => {
    const run = await cached(["scan", BASIC, "--format", "markdown"]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^## flaskwarden security report$/m);
    assert.match(run.stdout, /^\| Critical \| 1 \|$/m);
    assert.match(run.stdout, /^\| High \| 2 \|$/m);
    for (const id of ["FLASK-CONFIG-001", "FLASK-DEPLOY-001", "FLASK-DEPLOY-002"]) {
      assert.match(run.stdout, new RegExp(`^\\| \\w+ \\| \`${id}\` \\| app\\\\\\.py`, "m"), `table row for ${id}`);
    }
    assert.equal(run.stdout.match(/<details>/g)?.length, 3, "one collapsible block per finding");
    assert.doesNotMatch(run.stdout, /\x1b\[/);
  });
});

describe("scan: configuration", { concurrency: true }, () => {
  test("an unknown key in a discovered flaskwarden.toml exits 2 naming the key and the file", async () => {
    const dir = join(FIXTURES, "unknown-key");
    const run = await cached(["scan", dir]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, "");
    assert.ok(run.stderr.includes(join(dir, "flaskwarden.toml")), run.stderr);
    assert.match(run.stderr, /unknown key `fail-onn`/);
    assert.match(run.stderr, /did you mean `fail-on`\?/);
    const ignored = await cached(["scan", dir, "--no-config"]);
    assert.equal(ignored.code, 1, "--no-config skips the broken file");
  });

  test("a rule ID in the config that matches no rule exits 2 naming the key, the ID and the file", async () => {
    const dir = join(FIXTURES, "unknown-rule");
    const run = await cached(["scan", dir]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, "");
    assert.ok(run.stderr.includes(join(dir, "flaskwarden.toml")), run.stderr);
    assert.match(run.stderr, /`ignore` names `FLASK-DEPLOY-009`, which matches no rule/);
  });

  test("[tool.flaskwarden] in a pyproject.toml two folders up applies; --no-config turns it off", async () => {
    const target = join(FIXTURES, "pyproject-walk/src/webapp");
    const { run, report } = await scanJson([target]);
    // The config ignores FLASK-DEPLOY and fails only on critical findings.
    assert.deepEqual(brief(report), ["FLASK-CONFIG-001 app.py:5:1 high"]);
    assert.equal(run.code, 0);
    const off = await scanJson([target, "--no-config"]);
    assert.deepEqual(brief(off.report), BASIC_FINDINGS);
    assert.equal(off.run.code, 1);
  });

  test("--config names a file explicitly, and flags override it", async () => {
    const config = join(FIXTURES, "pyproject-walk/pyproject.toml");
    const { run, report } = await scanJson([BASIC, "--config", config]);
    assert.deepEqual(brief(report), ["FLASK-CONFIG-001 app.py:5:1 high"]);
    assert.equal(run.code, 0);
    assert.equal((await cached(["scan", BASIC, "--config", config, "--fail-on", "high"])).code, 1, "--fail-on beats the file's fail-on");
  });

  test("per-path overrides ignore rules under legacy/ and re-grade scripts/, with the reason shown", async () => {
    const dir = join(FIXTURES, "overrides");
    const { run, report } = await scanJson([dir]);
    assert.equal(run.code, 1);
    assert.deepEqual(brief(report), [
      "FLASK-CONFIG-001 app.py:5:1 high",
      "FLASK-DEPLOY-001 app.py:6:1 high",
      "FLASK-DEPLOY-002 app.py:6:9 critical",
      "FLASK-CONFIG-001 legacy/old_app.py:5:1 high",
      "FLASK-DEPLOY-001 scripts/demo.py:5:1 high",
      "FLASK-DEPLOY-002 scripts/demo.py:5:9 low",
    ]);
    assert.deepEqual(report.findings.at(-1)!.context, ["severity set to low by config (overrides[1])"]);
    const text = (await cached(["scan", dir])).stdout;
    assert.match(text, /Context: severity set to low by config \(overrides\[1\]\)/);
    const medium = (await scanJson([dir, "--severity", "medium"])).report;
    assert.ok(!brief(medium).some((f) => f.startsWith("FLASK-DEPLOY-002 scripts/")), "the re-graded finding falls under --severity medium");
  });

  test("override paths are relative to the config file, also when a subfolder is scanned", async () => {
    // The config sits in overrides/; scanning overrides/scripts alone still applies `scripts/*.py`.
    const { report } = await scanJson([join(FIXTURES, "overrides", "scripts")]);
    assert.deepEqual(brief(report).filter((f) => f.startsWith("FLASK-DEPLOY-002")), ["FLASK-DEPLOY-002 demo.py:5:9 low"]);
  });
});

describe("scan: suppressions and baselines", { concurrency: true }, () => {
  const dir = join(FIXTURES, "suppress");

  test("an inline suppression hides its finding; an unused one is reported", async () => {
    const { run, report } = await scanJson([dir]);
    assert.deepEqual(brief(report), ["FLASK-DEPLOY-001 app.py:5:1 high"]);
    const suppressed = report.findings.filter((f) => f.suppressed);
    assert.deepEqual(
      suppressed.map((f) => [f.ruleId, f.suppressed!.reason, f.suppressed!.line]),
      [["FLASK-DEPLOY-002", "demo script, never deployed", 5]],
    );
    assert.equal(report.summary.suppressed, 1);
    assert.equal(report.summary.findings, 1);
    assert.deepEqual(
      report.diagnostics.map((d) => [d.file, d.severity, d.code]),
      [["app.py", "warning", "unused-suppression"]],
    );
    assert.match(report.diagnostics[0]!.message, /app\.py:6 .*FLASK-CONFIG-001/);
    assert.equal(run.code, 1, "the unsuppressed high finding still fails the run");
    assert.equal((await cached(["scan", dir, "--fail-on", "critical"])).code, 0, "the only critical finding is suppressed");

    const text = (await cached(["scan", dir])).stdout;
    assert.doesNotMatch(text, /^CRITICAL /m, "the critical finding is the suppressed one");
    assert.match(text, /^ {2}app\.py: warning unused-suppression: suppression at app\.py:6 /m);
    assert.match(text, /1 suppressed/);
  });

  test("--show-suppressed lists the silenced finding with its reason", async () => {
    const text = (await cached(["scan", dir, "--show-suppressed"])).stdout;
    assert.match(text, /^CRITICAL FLASK-DEPLOY-002 Debug mode enabled outside development \(suppressed\)$/m);
    assert.match(text, /^ {2}Suppressed: demo script, never deployed \(app\.py:5\)$/m);
  });

  test("--write-baseline accepts today's findings; a second copy of a finding fails again", async (t) => {
    const project = scratch(t, BASIC);
    const baseline = join(project, "ci/baseline.json");
    const write = await cli(["scan", ".", "--write-baseline", "ci/baseline.json"], { cwd: project });
    assert.equal(write.code, 0);
    assert.equal(write.stdout, "");
    assert.equal(write.stderr, "wrote 3 findings to baseline ci/baseline.json\n");
    const saved = JSON.parse(readFileSync(baseline, "utf8")) as { version: number; tool: string; files: Record<string, Record<string, Record<string, number>>> };
    assert.equal(saved.version, 1);
    assert.deepEqual(Object.keys(saved.files), ["app.py"]);
    assert.deepEqual(Object.keys(saved.files["app.py"]!), ["FLASK-CONFIG-001", "FLASK-DEPLOY-001", "FLASK-DEPLOY-002"]);

    const clean = await scanJson([".", "--baseline", "ci/baseline.json"], { cwd: project });
    assert.equal(clean.run.code, 0);
    assert.deepEqual(brief(clean.report), []);
    assert.equal(clean.report.summary.baselined, 3);

    // The same statement again: same fingerprints, but one more of each than the baseline counts.
    appendFileSync(join(project, "app.py"), "app.run(debug=True)\n");
    const again = await scanJson([".", "--baseline", "ci/baseline.json"], { cwd: project });
    assert.equal(again.run.code, 1);
    assert.deepEqual(brief(again.report), ["FLASK-DEPLOY-001 app.py:7:1 high", "FLASK-DEPLOY-002 app.py:7:9 critical"]);
    assert.equal(again.report.summary.baselined, 3);
  });
});

describe("commands, help and version", { concurrency: true }, () => {
  test("--help lists the commands, examples and exit codes", async () => {
    const run = await cached(["--help"]);
    assert.equal(run.code, 0);
    assert.equal(run.stderr, "");
    for (const command of ["scan [options] [paths...]", "rules [options]", "explain <rule-id>"]) {
      assert.ok(run.stdout.includes(command), `--help should list ${command}`);
    }
    assert.match(run.stdout, /^Examples:$/m);
    assert.match(run.stdout, /^ {2}flaskwarden scan \. /m);
    assert.match(run.stdout, /^ {2}flaskwarden explain FLASK-DEPLOY-002 /m);
    assert.match(run.stdout, /^Exit codes: 0 .*, 1 findings, 2 usage or configuration error\.$/m);
  });

  test("scan --help documents every flag with a description", async () => {
    const run = await cached(["scan", "--help"]);
    assert.equal(run.code, 0);
    const flags = [
      "-f, --format <format>",
      "-o, --output <format[=file]>",
      "--fail-on <severity>",
      "--severity <severity>",
      "--select <ids>",
      "--ignore <ids>",
      "--config <file>",
      "--no-config",
      "--baseline <file>",
      "--write-baseline <file>",
      "--show-suppressed",
      "-q, --quiet",
      "-j, --jobs <n>",
      "--max-file-size <size>",
      "--no-gitignore",
      "--openapi <file>",
      "--color",
      "--no-color",
      "--progress",
      "--fix",
      "--diff",
      "-h, --help",
    ];
    for (const flag of flags) {
      const line = run.stdout.split("\n").find((l) => l.trimStart().startsWith(`${flag} `));
      assert.ok(line, `scan --help does not list ${flag}`);
      assert.ok(line.slice(line.indexOf(flag) + flag.length).trim().length > 10, `${flag} has no description`);
    }
    // Every option commander shows must be one of the above, so a new flag needs a test too.
    const shown = run.stdout.split("\n").filter((l) => /^ {2}-/.test(l)).map((l) => l.trim().split(/ {2,}/)[0]);
    assert.deepEqual(shown.sort(), [...flags].sort());
    assert.match(run.stdout, /flaskwarden: ignore\[FLASK-DEPLOY-002\]/, "the suppression syntax is shown");
  });

  test("rules lists every rule with its severity", async () => {
    const run = await cached(["rules"]);
    assert.equal(run.code, 0);
    const ids = run.stdout.split("\n").filter((l) => /^FLASK-/.test(l)).map((l) => l.split(/\s+/).slice(0, 2).join(" "));
    assert.deepEqual(ids, RULES.map((r) => `${r.id} ${r.severity}`));
    assert.ok(ids.includes("FLASK-DEPLOY-002 critical"));
    assert.match(run.stdout, new RegExp(`^${RULES.length} rules\\. `, "m"));
    const json = JSON.parse((await cached(["rules", "--format", "json"])).stdout) as { id: string; docs: { what: string } }[];
    assert.deepEqual(json.map((r) => r.id), RULES.map((r) => r.id));
    assert.ok(json.every((r) => r.docs.what.length > 0));
    assert.equal((await cached(["rules", "--format", "xml"])).code, 2);
  });

  test("explain prints a rule's documentation, the same as docs/rules", async () => {
    const run = await cached(["explain", "FLASK-DEPLOY-002"]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^# FLASK-DEPLOY-002: Debug mode enabled outside development\n/);
    for (const section of ["What it finds", "Why it matters", "Example", "Fix", "False positives", "References"]) {
      assert.match(run.stdout, new RegExp(`^## ${section}$`, "m"));
    }
    const page = readFileSync(join(REPO, "docs/rules/FLASK-DEPLOY-002.md"), "utf8");
    assert.equal(run.stdout, page.replace(/^<!--.*-->\n\n/m, ""), "explain shows the committed page without the generator note");
    assert.equal((await cached(["explain", "flask-deploy-002"])).stdout, run.stdout, "IDs are case-insensitive");
  });

  test("explain with an unknown rule exits 2 and names it", async () => {
    const run = await cached(["explain", "NOPE"]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /no rule `NOPE`/);
  });

  test("--version prints the package version", async () => {
    const run = await cached(["--version"]);
    assert.equal(run.code, 0);
    assert.equal(run.stdout, `${VERSION}\n`);
  });
});

describe("terminal behaviour", { concurrency: true }, () => {
  test("no colour with NO_COLOR or when stdout is not a terminal; --color forces it", async () => {
    assert.ok(!(await cached(["scan", BASIC])).stdout.includes(ESC), "NO_COLOR=1");
    assert.ok(!(await cli(["scan", BASIC], { env: { NO_COLOR: undefined } })).stdout.includes(ESC), "a pipe is not a terminal");
    assert.ok(!(await cli(["scan", BASIC, "--no-color"], { env: { NO_COLOR: undefined, FORCE_COLOR: "1" } })).stdout.includes(ESC), "--no-color beats FORCE_COLOR");
    const forced = await cached(["scan", BASIC, "--color"]);
    assert.ok(forced.stdout.includes(ESC), "--color beats NO_COLOR");
    assert.equal(forced.stdout.replace(/\x1b\[[0-9;]*m/g, "").replace(/[\d.]+ s\n$/, ""), (await cached(["scan", BASIC])).stdout.replace(/[\d.]+ s\n$/, ""), "colour changes nothing but the escapes");
    assert.ok((await cli(["scan", BASIC], { env: { NO_COLOR: undefined, FORCE_COLOR: "1" } })).stdout.includes(ESC), "FORCE_COLOR");
    const json = (await cached(["scan", BASIC, "--color", "-f", "json"])).stdout;
    assert.ok(!json.includes(ESC), "machine formats are never coloured");
    JSON.parse(json);
  });

  test("progress goes to stderr only with --progress, as plain lines when stderr is not a terminal", async () => {
    const quietByDefault = await cached(["scan", BASIC, "-f", "json"]);
    assert.equal(quietByDefault.stderr, "");
    const run = await cached(["scan", BASIC, "-f", "json", "--progress"]);
    assert.equal(run.stderr, "parse 1/1 files\n");
    assert.equal(withoutElapsed(run.stdout), withoutElapsed(quietByDefault.stdout), "stdout is the same report");
  });

  test("--quiet drops warnings and file notes but keeps findings", async (t) => {
    const dir = join(FIXTURES, "suppress");
    const normal = await cached(["scan", dir]);
    assert.match(normal.stdout, /^Diagnostics$/m);
    const quiet = await cached(["scan", dir, "--quiet"]);
    assert.equal(quiet.code, 1);
    assert.doesNotMatch(quiet.stdout, /^Diagnostics$/m);
    assert.doesNotMatch(quiet.stdout, /unused-suppression/);
    assert.match(quiet.stdout, /^HIGH FLASK-DEPLOY-001 /m);

    const out = join(scratch(t), "r.json");
    const loud = await cli(["scan", dir, "-o", `json=${out}`]);
    assert.equal(loud.stderr, `wrote json report to ${out}\n`);
    const silent = await cli(["scan", dir, "-q", "-o", `json=${out}`]);
    assert.equal(silent.stderr, "");
    assert.equal(silent.stdout, "");
    assert.equal((JSON.parse(readFileSync(out, "utf8")) as JsonReport).diagnostics.length, 1, "-q does not thin the JSON report");
  });

  test("a reader that goes away (| head) ends the output quietly, without an EPIPE crash", async () => {
    const child = spawn(process.execPath, [BIN, "scan", BASIC], { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    // Closing our end at once makes every write of the child fail with EPIPE.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    assert.equal(stderr, "");
    assert.equal(code, 1, "the exit code still reports the findings");
  });

  test("-o FORMAT=FILE creates missing folders", async (t) => {
    const dir = scratch(t);
    const target = join(dir, "a/b/c/report.md");
    const run = await cli(["scan", BASIC, "-o", `markdown=${target}`]);
    assert.equal(run.code, 1);
    assert.ok(existsSync(target));
    assert.match(readFileSync(target, "utf8"), /^## flaskwarden security report/);
  });
});
