/**
 * Autofix golden tests. Every directory test/fixtures/fix/<RULE-ID>/<case>/ is a small project; each
 * `NAME.fixed.py` in it is the expected text of `NAME.py` after `--fix` (other files must come out unchanged).
 * The case is copied to a temporary folder (without the `.fixed.py` files), scanned, fixed with the rule's
 * own fix and written; the result must match byte for byte, a re-scan must show no finding of the rule in
 * the fixed files (other than those the fix left for review), and a second fix run must change nothing.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { applyEdits, overlaps, toOffsets, unifiedDiff } from "../src/fix/edits.js";
import { planDiff, planFixes, writeFixes } from "../src/fix/run.js";
import { RULES } from "../src/rules/index.js";
import { activeFindings, listFiles, scanDir } from "./support/scan.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURES = join(REPO, "test/fixtures/fix");
const BIN = join(REPO, "bin/flaskwarden.js");
const temps: string[] = [];
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function copyCase(dir: string): string {
  const tmp = mkdtempSync(join(tmpdir(), "flaskwarden-fix-"));
  temps.push(tmp);
  cpSync(dir, tmp, { recursive: true, filter: (src) => !src.endsWith(".fixed.py") });
  return tmp;
}

async function fixOnce(dir: string, ruleId: string) {
  const rule = RULES.find((r) => r.id === ruleId)!;
  const out = await scanDir(dir);
  const plan = await planFixes(out.project, activeFindings(out), [rule]);
  return { out, plan };
}

const cases: { ruleId: string; name: string; dir: string }[] = [];
if (existsSync(FIXTURES)) {
  for (const ruleId of readdirSync(FIXTURES).sort()) {
    for (const name of readdirSync(join(FIXTURES, ruleId)).sort()) cases.push({ ruleId, name, dir: join(FIXTURES, ruleId, name) });
  }
}

describe("autofix golden cases", () => {
  test("every rule with a fix has golden cases", () => {
    for (const r of RULES.filter((x) => x.autofix)) assert.ok(cases.some((c) => c.ruleId === r.id), `${r.id} declares a fix but has no case under test/fixtures/fix/${r.id}/`);
    for (const c of cases) assert.ok(RULES.find((r) => r.id === c.ruleId)?.autofix, `${c.ruleId}/${c.name}: the rule declares no fix`);
  });

  for (const c of cases) {
    test(`${c.ruleId} ${c.name}`, async () => {
      const files = listFiles(c.dir);
      const expected = new Map(files.filter((f) => f.endsWith(".fixed.py")).map((f) => [f.replace(/\.fixed\.py$/, ".py"), readFileSync(join(c.dir, f), "utf8")]));
      const tmp = copyCase(c.dir);
      const { plan } = await fixOnce(tmp, c.ruleId);
      assert.deepEqual(plan.diagnostics, []);
      // The diff printed by --diff describes the same change that --fix writes.
      const diff = planDiff(plan);
      assert.equal(writeFixes(plan).length, 0);
      for (const f of files.filter((x) => !x.endsWith(".fixed.py"))) {
        const got = readFileSync(join(tmp, f), "utf8");
        const want = expected.get(f) ?? readFileSync(join(c.dir, f), "utf8");
        assert.equal(got, want, `${f} after --fix differs from ${expected.has(f) ? f.replace(/\.py$/, ".fixed.py") : "the original"}`);
        // Byte for byte, too: byte order marks and line endings survive.
        assert.ok(readFileSync(join(tmp, f)).equals(readFileSync(join(c.dir, expected.has(f) ? f.replace(/\.py$/, ".fixed.py") : f))), `${f}: bytes differ`);
        if (expected.has(f)) assert.match(diff, new RegExp(`^\\+\\+\\+ b/${f.replace(/[.]/g, "\\.")}$`, "m"));
      }
      if (expected.size > 0) assert.ok(plan.files.length > 0, "nothing was fixed");
      // Re-scan: the rule reports nothing in the fixed files but what the first run left for review, and a second run changes nothing.
      const again = await fixOnce(tmp, c.ruleId);
      const review = new Set(plan.skipped.map((s) => s.finding.fingerprint));
      const left = activeFindings(again.out).filter((f) => f.ruleId === c.ruleId && expected.has(f.file) && !review.has(f.fingerprint));
      assert.deepEqual(left.map((f) => `${f.file}:${f.range.start.line} ${f.message}`), []);
      assert.deepEqual(again.plan.files.map((f) => f.path), []);
    });
  }
});

describe("edits", () => {
  const text = "a = 1\nb = yaml.load(x)\n";
  test("positions to offsets, application, overlaps", () => {
    const [e1, e2] = toOffsets(text, [
      { range: { start: { line: 2, column: 10 }, end: { line: 2, column: 14 } }, text: "safe_load" },
      { range: { start: { line: 1, column: 5 }, end: { line: 1, column: 6 } }, text: "2" },
    ])!;
    assert.equal(applyEdits(text, [e1!, e2!]), "a = 2\nb = yaml.safe_load(x)\n");
    assert.equal(overlaps(e1!, e2!), false);
    assert.equal(overlaps({ start: 3, end: 3, text: "x" }, { start: 3, end: 3, text: "y" }), true);
    assert.equal(overlaps({ start: 3, end: 5, text: "x" }, { start: 4, end: 4, text: "y" }), true);
    assert.equal(overlaps({ start: 3, end: 5, text: "x" }, { start: 5, end: 5, text: "y" }), false);
    assert.equal(toOffsets(text, [{ range: { start: { line: 9, column: 1 }, end: { line: 9, column: 2 } }, text: "" }]), null);
  });
  test("unified diff", () => {
    const edits = toOffsets(text, [{ range: { start: { line: 2, column: 10 }, end: { line: 2, column: 14 } }, text: "safe_load" }])!;
    assert.equal(unifiedDiff("app.py", text, edits), "--- a/app.py\n+++ b/app.py\n@@ -1,2 +1,2 @@\n a = 1\n-b = yaml.load(x)\n+b = yaml.safe_load(x)\n");
  });
});

function cli(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: "1" } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("scan --fix on the command line", () => {
  const src = join(FIXTURES, "FLASK-DESER-001", "attribute-call");
  test("--fix --diff prints the diff and writes nothing; --fix writes; a second --fix changes nothing", async () => {
    const tmp = copyCase(src);
    const before = readFileSync(join(tmp, "x.py"), "utf8");
    const preview = await cli(["scan", ".", "--fix", "--diff", "--no-config"], tmp);
    assert.equal(preview.code, 1, preview.stderr);
    assert.match(preview.stdout, /^-\s+data = yaml\.load\(request\.data\)$/m);
    assert.match(preview.stdout, /^\+\s+data = yaml\.safe_load\(request\.data\)$/m);
    assert.match(preview.stderr, /Would fix 1 finding in 1 file/);
    assert.equal(readFileSync(join(tmp, "x.py"), "utf8"), before);
    const fixed = await cli(["scan", ".", "--fix", "--no-config", "--select", "FLASK-DESER-001"], tmp);
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
    assert.match(fixed.stderr, /fixed x\.py:\d+ FLASK-DESER-001/);
    assert.equal(readFileSync(join(tmp, "x.py"), "utf8"), readFileSync(join(src, "x.fixed.py"), "utf8"));
    const second = await cli(["scan", ".", "--fix", "--no-config", "--select", "FLASK-DESER-001"], tmp);
    assert.equal(second.code, 0);
    assert.match(second.stderr, /nothing to fix/);
  });
  test("on the vulnerable example: the diff applies with git apply and gives what --fix writes; the report shows what is left", async (t) => {
    const git = await new Promise<boolean>((resolve) => execFile("git", ["--version"], (err) => resolve(!err)));
    if (!git) return t.skip("git is not installed");
    const a = copyCase(join(REPO, "examples/vulnerable-app"));
    const b = copyCase(join(REPO, "examples/vulnerable-app"));
    const preview = await cli(["scan", ".", "--fix", "--diff", "--no-config"], a);
    assert.match(preview.stderr, /Would fix 5 findings in 4 files/);
    writeFileSync(join(b, "fix.diff"), preview.stdout);
    const applied = await new Promise<string | null>((resolve) => execFile("git", ["apply", "fix.diff"], { cwd: b }, (err, _o, e) => resolve(err ? e : null)));
    assert.equal(applied, null);
    rmSync(join(b, "fix.diff"));
    const fixed = await cli(["scan", ".", "--fix", "--no-config", "-f", "json"], a);
    assert.equal(fixed.code, 1, "other findings remain");
    for (const f of listFiles(a)) assert.equal(readFileSync(join(a, f), "utf8"), readFileSync(join(b, f), "utf8"), f);
    const report = JSON.parse(fixed.stdout) as { findings: { ruleId: string; file: string; range: { start: { line: number } } }[] };
    const wsgi = readFileSync(join(a, "wsgi.py"), "utf8").split("\n");
    // Positions come from a scan of the fixed files (wsgi.py gained an import line).
    for (const f of report.findings.filter((x) => x.file === "wsgi.py")) assert.ok(wsgi[f.range.start.line - 1]!.trim().length > 0);
    assert.deepEqual(report.findings.filter((x) => x.ruleId === "FLASK-CSRF-001" || x.ruleId === "FLASK-DEPLOY-002" && x.file.endsWith(".py")).map((x) => `${x.ruleId} ${x.file}`), []);
  });

  test("a file that changed since the scan is not overwritten", async () => {
    const tmp = copyCase(src);
    const { plan } = await fixOnce(tmp, "FLASK-DESER-001");
    writeFileSync(join(tmp, "x.py"), "# edited meanwhile\n");
    const problems = writeFixes(plan);
    assert.equal(problems[0]?.code, "fix-conflict");
    assert.equal(readFileSync(join(tmp, "x.py"), "utf8"), "# edited meanwhile\n");
  });
});

describe("diff of inserted lines", () => {
  test("a line inserted at the start of a line removes nothing", () => {
    const text = "import a\n\nx = 1\n";
    const edits = toOffsets(text, [{ range: { start: { line: 2, column: 1 }, end: { line: 2, column: 1 } }, text: "import os\n" }])!;
    assert.equal(unifiedDiff("m.py", text, edits), "--- a/m.py\n+++ b/m.py\n@@ -1,3 +1,4 @@\n import a\n+import os\n \n x = 1\n");
  });
});

describe("combining fixes in one file", () => {
  const src = join(FIXTURES, "FLASK-DESER-001", "attribute-call");
  async function planWith(edits: (f: import("../src/core/types.js").Finding) => { text: string; whole?: boolean }[]) {
    const tmp = copyCase(src);
    const out = await scanDir(tmp);
    const f = activeFindings(out).find((x) => x.ruleId === "FLASK-DESER-001")!;
    const wanted = edits(f);
    const rules = wanted.map((w, i) => ({ ...RULES[0]!, id: `FAKE-${i}`, autofix: () => ({ description: `fake ${i}`, edits: [{ range: f.range, text: w.text }] }) }));
    return { f, plan: await planFixes(out.project, wanted.map((_, i) => ({ ...f, ruleId: `FAKE-${i}` })), rules) };
  }
  test("an edit that overlaps another fix waits for the next run", async () => {
    const { plan } = await planWith(() => [{ text: "yaml.safe_load(request.data)" }, { text: "json.loads(request.data)" }]);
    assert.deepEqual(plan.files[0]!.fixes.map((x) => x.description), ["fake 0"]);
    assert.match(plan.skipped[0]!.reason, /overlaps another fix/);
  });
  test("the same edit from two findings is made once", async () => {
    const { plan } = await planWith(() => [{ text: "yaml.safe_load(request.data)" }, { text: "yaml.safe_load(request.data)" }]);
    assert.equal(plan.files[0]!.fixes.length, 2);
    assert.equal(plan.files[0]!.edits.length, 1);
  });
  test("fixes that would break the syntax are not made", async () => {
    const { plan } = await planWith(() => [{ text: "yaml.safe_load(request.data" }]);
    assert.deepEqual(plan.files, []);
    assert.equal(plan.diagnostics[0]?.code, "fix-rejected");
  });
});
