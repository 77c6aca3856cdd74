/**
 * The rule pages in docs/rules are generated from the rule files; these tests fail when the committed
 * pages are stale, when a rule's documentation is incomplete, and when docs/cli.md misses a flag.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { generatedDocs } from "../src/rules/docs.js";
import { RULES } from "../src/rules/index.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const RULE_DOCS = join(REPO, "docs/rules");
const STALE = "docs/rules is out of date with the rule files: run `npm run docs` and commit the result";

test("docs/rules holds exactly the generated pages, byte for byte", () => {
  const want = generatedDocs(RULES);
  const have = existsSync(RULE_DOCS) ? readdirSync(RULE_DOCS).filter((n) => n.endsWith(".md")).sort() : [];
  assert.deepEqual(have, [...want.keys()].sort(), `${STALE} (pages missing or left over)`);
  for (const [name, content] of want) {
    const committed = readFileSync(join(RULE_DOCS, name), "utf8");
    // Comparing lines first makes the failure point at the first differing line rather than dump two pages.
    const a = committed.split("\n");
    const b = content.split("\n");
    const line = a.findIndex((l, i) => l !== b[i]);
    assert.ok(committed === content, `${STALE}: docs/rules/${name} differs at line ${(line < 0 ? Math.min(a.length, b.length) : line) + 1}`);
  }
});

test("every rule is fully documented, with at least one reference", () => {
  for (const r of RULES) {
    const fields: Record<string, string> = {
      title: r.title,
      owasp: r.owasp,
      impact: r.impact,
      fix: r.fix,
      mitigation: r.mitigation,
      "docs.what": r.docs.what,
      "docs.why": r.docs.why,
      "docs.bad": r.docs.bad,
      "docs.good": r.docs.good,
      "docs.detection": r.docs.detection,
      "docs.falsePositives": r.docs.falsePositives,
    };
    for (const [name, value] of Object.entries(fields)) {
      assert.ok(typeof value === "string" && value.trim().length > 0, `${r.id}: ${name} is empty`);
    }
    assert.notEqual(r.docs.bad.trim(), r.docs.good.trim(), `${r.id}: the secure example is the insecure one`);
    assert.ok(r.docs.references.length > 0, `${r.id}: no references`);
    for (const u of r.docs.references) assert.match(u, /^https:\/\/[^\s<>]+$/, `${r.id}: reference is not an https URL`);
    assert.equal(new Set(r.docs.references).size, r.docs.references.length, `${r.id}: duplicate reference`);
    assert.ok(r.cwe.length > 0 && r.cwe.every((c) => Number.isInteger(c) && c > 0), `${r.id}: CWE list`);
    assert.match(r.owasp, /^A(0[1-9]|10):2021\b/, `${r.id}: OWASP Top 10 2021 category`);
    assert.ok(r.tags.length > 0, `${r.id}: no tags`);
  }
});

test("rule IDs are unique, well formed and match their file names", () => {
  assert.equal(new Set(RULES.map((r) => r.id)).size, RULES.length);
  for (const r of RULES) {
    assert.match(r.id, /^FLASK-[A-Z]+-\d{3}$/);
    const file = join(REPO, "src/rules", r.family, `${r.id}.ts`);
    assert.ok(existsSync(file), `${r.id} should live in src/rules/${r.family}/${r.id}.ts`);
  }
});

test("the catalogue links every rule page", () => {
  const catalogue = readFileSync(join(RULE_DOCS, "README.md"), "utf8");
  for (const r of RULES) assert.ok(catalogue.includes(`[${r.id}](${r.id}.md)`), `README.md does not link ${r.id}`);
});

test("docs/cli.md describes every flag of `flaskwarden scan`", () => {
  const help = spawnSync(process.execPath, [join(REPO, "bin/flaskwarden.js"), "scan", "--help"], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  assert.equal(help.status, 0, help.stderr);
  const flags = [...help.stdout.matchAll(/^ {2}(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]!).filter((f) => f !== "--help");
  assert.ok(flags.length > 10, "could not read the flags from scan --help");
  const page = readFileSync(join(REPO, "docs/cli.md"), "utf8");
  const missing = flags.filter((f) => !new RegExp(`\`${f}\\b`).test(page));
  assert.deepEqual(missing, [], "flags that docs/cli.md does not describe");
});
