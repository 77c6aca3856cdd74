import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { findConfigFile, loadConfig, parseSize } from "../src/config/load.js";
import { ConfigError, defaultConfig, type Config } from "../src/config/types.js";

const fixture = (rel: string) => fileURLToPath(new URL(`../../test/fixtures/config/${rel}`, import.meta.url));

/** Builds a throwaway directory tree from a path → content map; "" content with a trailing slash makes a directory. */
function tree(files: Record<string, string>): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "fw-config-")));
  for (const [rel, text] of Object.entries(files)) {
    const p = join(root, rel);
    if (rel.endsWith("/")) {
      mkdirSync(p, { recursive: true });
    } else {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
    }
  }
  return root;
}

/** Asserts that loading `file` throws a ConfigError whose message contains every fragment. */
function assertConfigError(file: string, fragments: string[], key: string | null): ConfigError {
  let caught: unknown;
  try {
    loadConfig(file, {});
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ConfigError, `expected ConfigError, got ${String(caught)}`);
  for (const f of fragments) assert.ok(caught.message.includes(f), `message ${JSON.stringify(caught.message)} lacks ${JSON.stringify(f)}`);
  assert.equal(caught.file, file);
  assert.equal(caught.key, key);
  return caught;
}

test("discovery: nearest flaskwarden.toml walking up", () => {
  const root = tree({ ".git/": "", "flaskwarden.toml": "", "src/app/views.py": "" });
  try {
    assert.equal(findConfigFile(join(root, "src/app")), join(root, "flaskwarden.toml"));
    assert.equal(findConfigFile(join(root, "src/app/views.py")), join(root, "flaskwarden.toml"));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("discovery: .flaskwarden.toml is found too", () => {
  const root = tree({ ".git/": "", ".flaskwarden.toml": "", "pkg/": "" });
  try {
    assert.equal(findConfigFile(join(root, "pkg")), join(root, ".flaskwarden.toml"));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("discovery: a pyproject without [tool.flaskwarden] is skipped and the walk goes on", () => {
  const root = tree({
    ".git/": "",
    "pyproject.toml": '[tool.flaskwarden]\nfail-on = "high"\n',
    "svc/pyproject.toml": '[project]\nname = "svc"\n[tool.black]\nline-length = 100\n',
    "svc/app/": "",
  });
  try {
    assert.equal(findConfigFile(join(root, "svc/app")), join(root, "pyproject.toml"));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("discovery: a pyproject with only [[tool.flaskwarden.overrides]] counts", () => {
  const root = tree({ ".git/": "", "pyproject.toml": '[[tool.flaskwarden.overrides]]\npaths = ["x"]\n' });
  try {
    assert.equal(findConfigFile(root), join(root, "pyproject.toml"));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("discovery: a broken pyproject that mentions [tool.flaskwarden] is returned so the error is reported", () => {
  const root = tree({ ".git/": "", "pyproject.toml": '[tool.flaskwarden]\nfail-on = "high\n' });
  try {
    assert.equal(findConfigFile(root), join(root, "pyproject.toml"));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("discovery: flaskwarden.toml wins over pyproject.toml in the same directory", () => {
  const root = tree({ ".git/": "", "flaskwarden.toml": "", "pyproject.toml": "[tool.flaskwarden]\n" });
  try {
    assert.equal(findConfigFile(root), join(root, "flaskwarden.toml"));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("discovery: the walk stops at the directory holding .git, after checking it", () => {
  const root = tree({ "flaskwarden.toml": "", "repo/.git/": "", "repo/src/": "" });
  try {
    assert.equal(findConfigFile(join(root, "repo/src")), null);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const root2 = tree({ "repo/.git": "gitdir: elsewhere\n", "repo/flaskwarden.toml": "", "repo/src/": "" });
  try {
    assert.equal(findConfigFile(join(root2, "repo/src")), join(root2, "repo/flaskwarden.toml"));
  } finally {
    rmSync(root2, { recursive: true, force: true });
  }
});

test("no config file: defaults with baseDir = cwd", () => {
  assert.deepEqual(loadConfig(null, {}), defaultConfig(process.cwd()));
});

test("every key is read from flaskwarden.toml", () => {
  const file = fixture("full/flaskwarden.toml");
  const expected: Config = {
    source: file,
    baseDir: dirname(file),
    include: ["app/**", "wsgi.py"],
    exclude: ["migrations/", "*.generated.py"],
    select: ["FLASK-DEPLOY", "FLASK-CONFIG-001"],
    ignore: ["FLASK-DEPLOY-004"],
    severity: { "FLASK-CONFIG-001": "critical" },
    overrides: [
      { paths: ["tests/**"], ignore: ["FLASK-CONFIG"], severity: {} },
      { paths: ["scripts/*.py", "!scripts/deploy.py"], ignore: [], severity: { "FLASK-DEPLOY-002": "low" } },
    ],
    maxFileSize: 512 * 1024,
    failOn: "high",
    minSeverity: "medium",
    baseline: ".flaskwarden-baseline.json",
    respectGitignore: false,
    dataflow: { sources: ["myapp.web.current_query"], sanitizers: { "myapp.db.quote_ident": ["sql"], "myapp.util.clean": ["all"] } },
    authDecorators: ["require_staff", "myapp.security.partner_only"],
  };
  assert.deepEqual(loadConfig(file, {}), expected);
});

test("pyproject.toml: [tool.flaskwarden] and its sub-tables", () => {
  const file = fixture("pyproject/pyproject.toml");
  const c = loadConfig(file, {});
  assert.equal(c.failOn, "critical");
  assert.equal(c.maxFileSize, 1048576);
  assert.deepEqual(c.overrides, [{ paths: ["tests/**"], ignore: ["FLASK-DEPLOY"], severity: { "FLASK-CONFIG-003": "low" } }]);
  assert.equal(c.minSeverity, "low");
  assert.equal(c.source, file);
  assert.equal(c.baseDir, dirname(file));
});

test("a pyproject with no [tool.flaskwarden] gives defaults", () => {
  const root = tree({ "pyproject.toml": '[project]\nname = "x"\n' });
  try {
    const file = join(root, "pyproject.toml");
    assert.deepEqual(loadConfig(file, {}), { ...defaultConfig(root), source: file });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("CLI overrides win over the file, undefined ones are ignored", () => {
  const file = fixture("full/flaskwarden.toml");
  const c = loadConfig(file, { failOn: "low", select: null, ignore: ["FLASK-X"], minSeverity: undefined });
  assert.equal(c.failOn, "low");
  assert.equal(c.select, null);
  assert.deepEqual(c.ignore, ["FLASK-X"]);
  assert.equal(c.minSeverity, "medium");
  assert.equal(c.maxFileSize, 512 * 1024);
  const none = loadConfig(null, { maxFileSize: 10, baseline: "b.json" });
  assert.equal(none.maxFileSize, 10);
  assert.equal(none.baseline, "b.json");
});

test("size strings", () => {
  assert.equal(parseSize("5MB"), 5 * 1024 * 1024);
  assert.equal(parseSize("512KB"), 512 * 1024);
  assert.equal(parseSize("1.5 MiB"), 1572864);
  assert.equal(parseSize("2k"), 2048);
  assert.equal(parseSize("1GB"), 1024 ** 3);
  assert.equal(parseSize("100"), 100);
  assert.equal(parseSize("100 B"), 100);
  assert.equal(parseSize("5 parsecs"), null);
  assert.equal(parseSize("MB"), null);
  assert.equal(parseSize("0"), null);
  assert.equal(parseSize("-1MB"), null);
});

test("error: unknown key suggests the closest valid one", () => {
  const file = fixture("errors/unknown-key.toml");
  const e = assertConfigError(file, [file, "unknown key `fail_on`", "did you mean `fail-on`?"], "fail_on");
  assert.equal(e.message, `${file}: unknown key \`fail_on\` (did you mean \`fail-on\`?)`);
});

test("error: unknown key far from every valid one lists the valid keys", () => {
  const root = tree({ "flaskwarden.toml": "[[overrides]]\npaths = ['a']\nwhatever = 1\n" });
  try {
    const file = join(root, "flaskwarden.toml");
    const e = assertConfigError(file, [], "overrides[0].whatever");
    assert.equal(e.message, `${file}: unknown key \`overrides[0].whatever\` (valid keys here: paths, ignore, severity)`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("error: unknown key in pyproject carries the tool.flaskwarden prefix", () => {
  const root = tree({ "pyproject.toml": "[tool.flaskwarden]\nexlude = []\n" });
  try {
    const file = join(root, "pyproject.toml");
    assertConfigError(file, [file, "`tool.flaskwarden.exlude`", "did you mean `exclude`?"], "tool.flaskwarden.exlude");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("error: wrong type names key, expectation and what was found", () => {
  const file = fixture("errors/wrong-type.toml");
  const e = assertConfigError(file, [], "respect-gitignore");
  assert.equal(e.message, `${file}: \`respect-gitignore\`: expected true or false, found string "yes"`);
});

test("error: data-flow sanitizers name a sink kind that exists", () => {
  const dir = mkdtempSync(join(tmpdir(), "fw-cfg-"));
  try {
    const file = join(dir, "flaskwarden.toml");
    writeFileSync(file, '[dataflow]\nsanitizers = { "app.clean" = ["sqli"] }\n');
    const e = assertConfigError(file, [file, "`dataflow.sanitizers.\"app.clean\"[0]`", '"sql"', '"sqli"'], 'dataflow.sanitizers."app.clean"[0]');
    assert.match(e.message, /expected one of/);
    writeFileSync(file, '[dataflow]\nsources = ["not a path"]\n');
    assertConfigError(file, [file, "`dataflow.sources[0]`", "dotted function path"], "dataflow.sources[0]");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("error: wrong type inside an array element", () => {
  const root = tree({ "flaskwarden.toml": 'include = ["a", 3]\n' });
  try {
    const file = join(root, "flaskwarden.toml");
    const e = assertConfigError(file, [], "include[1]");
    assert.equal(e.message, `${file}: \`include[1]\`: expected a string, found integer 3`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("error: bad severity value", () => {
  const file = fixture("errors/bad-severity.toml");
  const e = assertConfigError(file, [], "severity-threshold");
  assert.equal(e.message, `${file}: \`severity-threshold\`: expected one of "critical", "high", "medium", "low", found string "severe"`);
});

test("error: bad severity deep in a pyproject override names the full dotted path", () => {
  const file = fixture("pyproject-bad/pyproject.toml");
  const e = assertConfigError(file, [], "tool.flaskwarden.overrides[0].severity.FLASK-X");
  assert.equal(
    e.message,
    `${file}: \`tool.flaskwarden.overrides[0].severity.FLASK-X\`: expected one of "critical", "high", "medium", "low", found string "severe"`,
  );
});

test("error: bad rule ID", () => {
  const file = fixture("errors/bad-rule-id.toml");
  const e = assertConfigError(file, [], "select[1]");
  assert.equal(e.message, `${file}: \`select[1]\`: expected a rule ID or prefix such as FLASK-DEPLOY-002 or FLASK-DEPLOY, found string "flask-config"`);
});

test("error: bad rule ID as a severity key", () => {
  const root = tree({ "flaskwarden.toml": '[severity]\n"FLASK_DEPLOY" = "low"\n' });
  try {
    const file = join(root, "flaskwarden.toml");
    const e = assertConfigError(file, [], "severity.FLASK_DEPLOY");
    assert.equal(e.message, `${file}: \`severity.FLASK_DEPLOY\`: expected a rule ID or prefix such as FLASK-DEPLOY-002 as the key, found "FLASK_DEPLOY"`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("error: bad size string", () => {
  const file = fixture("errors/bad-size.toml");
  const e = assertConfigError(file, [], "max-file-size");
  assert.equal(e.message, `${file}: \`max-file-size\`: expected a size such as 5242880, "5MB", "512KB" or "1.5 MiB", found string "5 parsecs"`);
});

test("error: override without paths", () => {
  const root = tree({ "flaskwarden.toml": '[[overrides]]\nignore = ["FLASK-DEPLOY"]\n' });
  try {
    const file = join(root, "flaskwarden.toml");
    const e = assertConfigError(file, [], "overrides[0].paths");
    assert.equal(e.message, `${file}: \`overrides[0].paths\`: expected an array of path globs, found nothing (the key is required)`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("error: overrides given as a plain table", () => {
  const root = tree({ "flaskwarden.toml": "[overrides]\npaths = ['a']\n" });
  try {
    const file = join(root, "flaskwarden.toml");
    const e = assertConfigError(file, [], "overrides");
    assert.equal(e.message, `${file}: \`overrides\`: expected an array of tables ([[overrides]]), found a table`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("error: TOML syntax error carries file, line and column", () => {
  const file = fixture("errors/syntax-error.toml");
  const e = assertConfigError(file, [], null);
  assert.equal(e.message, `${file}:2:25: TOML syntax error: control characters are not allowed in strings`);
});

test("error: missing config file", () => {
  const file = fixture("errors/does-not-exist.toml");
  assertConfigError(file, [file, "cannot read config file"], null);
});
