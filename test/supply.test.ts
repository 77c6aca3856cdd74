/** PEP 440 versions and specifiers, environment markers, manifest parsers, and the advisory table. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { SourceFile } from "../src/core/types.js";
import { indexManifest } from "../src/index/manifest/index.js";
import type { Dependency, ManifestFacts } from "../src/index/manifest/types.js";
import { ADVISORIES } from "../src/rules/supply/advisories.js";
import { markerApplies } from "../src/rules/supply/markers.js";
import {
  compareVersionStrings,
  complement,
  contains,
  floorOf,
  intersect,
  isEmptySet,
  mustParse,
  parsePoetryConstraint,
  parseSpecifierSet,
  parseVersion,
  range,
  singleVersion,
  type VersionSet,
} from "../src/rules/supply/pep440.js";
import { activeFindings, scanDir, scanFiles } from "./support/scan.js";

const lines = (...l: string[]): string => l.join("\n") + "\n";

function allows(set: VersionSet, v: string): boolean {
  return contains(set, mustParse(v));
}

describe("PEP 440 versions", () => {
  test("the ordering example of the specification, in order", () => {
    const ordered = [
      "1.dev0",
      "1.0.dev456",
      "1.0a1",
      "1.0a2.dev456",
      "1.0a12.dev456",
      "1.0a12",
      "1.0b1.dev456",
      "1.0b2",
      "1.0b2.post345.dev456",
      "1.0b2.post345",
      "1.0rc1.dev456",
      "1.0rc1",
      "1.0",
      "1.0+abc.5",
      "1.0+abc.7",
      "1.0+5",
      "1.0.post456.dev34",
      "1.0.post456",
      "1.0.15",
      "1.1.dev1",
    ];
    for (let i = 0; i + 1 < ordered.length; i++) {
      assert.ok(compareVersionStrings(ordered[i]!, ordered[i + 1]!) < 0, `${ordered[i]} < ${ordered[i + 1]}`);
      assert.ok(compareVersionStrings(ordered[i + 1]!, ordered[i]!) > 0, `${ordered[i + 1]} > ${ordered[i]}`);
    }
  });

  test("epochs outrank releases; trailing zeros and spellings normalise", () => {
    assert.ok(compareVersionStrings("1!0.1", "2024.1") > 0);
    assert.equal(compareVersionStrings("1.0.0", "1"), 0);
    assert.equal(compareVersionStrings("1.0-RC1", "1.0rc1"), 0);
    assert.equal(compareVersionStrings("1.0alpha2", "1.0a2"), 0);
    assert.equal(compareVersionStrings("1.0c1", "1.0rc1"), 0);
    assert.equal(compareVersionStrings("1.0-1", "1.0.post1"), 0);
    assert.equal(compareVersionStrings("1.0.post", "1.0.post0"), 0);
    assert.equal(compareVersionStrings("v2.0", "2.0"), 0);
    assert.equal(compareVersionStrings("2.01", "2.1"), 0);
    // Numbers compare numerically at any length, not as text or floats.
    assert.ok(compareVersionStrings("2.10", "2.9") > 0);
    assert.ok(compareVersionStrings("1.12345678901234567890", "1.12345678901234567889") > 0);
  });

  test("invalid versions are rejected", () => {
    for (const bad of ["", "abc", "1.0-foo", "1..0", "==1.0", "1.0+"]) assert.equal(parseVersion(bad), null, bad);
  });
});

describe("PEP 440 specifiers", () => {
  test("comparison clauses and their intersection", () => {
    const s = parseSpecifierSet(">=2.2, <2.3, !=2.2.1");
    assert.ok(allows(s, "2.2.0"));
    assert.ok(!allows(s, "2.2.1"));
    assert.ok(allows(s, "2.2.4"));
    assert.ok(!allows(s, "2.3"));
    assert.ok(!allows(s, "2.1.9"));
    assert.equal(floorOf(s)?.v.text, "2.2");
  });

  test("compatible release and prefix matching", () => {
    const c = parseSpecifierSet("~=2.2.0");
    assert.ok(allows(c, "2.2.0") && allows(c, "2.2.9") && !allows(c, "2.3.0") && !allows(c, "2.1"));
    const c2 = parseSpecifierSet("~=2.2");
    assert.ok(allows(c2, "2.9") && !allows(c2, "3.0"));
    const w = parseSpecifierSet("==2.2.*");
    assert.ok(allows(w, "2.2") && allows(w, "2.2.7") && allows(w, "2.2.0rc1") && !allows(w, "2.3.0") && !allows(w, "2.20"));
    const nw = parseSpecifierSet("!=2.2.*");
    assert.ok(!allows(nw, "2.2.5") && allows(nw, "2.3") && allows(nw, "2.1.9"));
    assert.throws(() => parseSpecifierSet("~=2"));
    assert.throws(() => parseSpecifierSet(">=2.*"));
  });

  test("exact pins are single versions; an empty specifier allows everything", () => {
    assert.equal(singleVersion(parseSpecifierSet("==0.12.2"))?.text, "0.12.2");
    assert.equal(singleVersion(parseSpecifierSet("===1.0"))?.text, "1.0");
    assert.equal(singleVersion(parseSpecifierSet(">=1.0")), null);
    assert.equal(floorOf(parseSpecifierSet("")), null);
    assert.equal(floorOf(parseSpecifierSet("<3")), null);
  });

  test("interval algebra: complement and emptiness", () => {
    const affected = range(null, "2.2.5");
    assert.ok(isEmptySet(intersect(parseSpecifierSet("<2.2"), complement(affected))), "every version below 2.2 is affected");
    assert.ok(!isEmptySet(intersect(parseSpecifierSet(">=2.0"), complement(affected))));
    assert.ok(isEmptySet(intersect(parseSpecifierSet(">=3,<2"), parseSpecifierSet(""))));
    const two = complement(complement(range("2.3.0", "2.3.2")));
    assert.ok(allows(two, "2.3.1") && !allows(two, "2.3.2") && !allows(two, "2.2.9"));
  });

  test("Poetry constraints", () => {
    const caret = parsePoetryConstraint("^2.2.1");
    assert.ok(allows(caret, "2.9") && !allows(caret, "3.0") && !allows(caret, "2.2.0"));
    const caret0 = parsePoetryConstraint("^0.12.2");
    assert.ok(allows(caret0, "0.12.9") && !allows(caret0, "0.13"));
    const tilde = parsePoetryConstraint("~2.2");
    assert.ok(allows(tilde, "2.2.9") && !allows(tilde, "2.3"));
    assert.equal(singleVersion(parsePoetryConstraint("2.2.2"))?.text, "2.2.2");
    const or = parsePoetryConstraint("<1.0 || >=2.0,<2.1");
    assert.ok(allows(or, "0.9") && allows(or, "2.0.5") && !allows(or, "1.5") && !allows(or, "2.1"));
    assert.equal(floorOf(parsePoetryConstraint("*")), null);
  });
});

describe("environment markers", () => {
  test("decided for current Pythons, undecided for platforms", () => {
    assert.equal(markerApplies(null), true);
    assert.equal(markerApplies('python_version < "3"'), false);
    assert.equal(markerApplies("python_version >= '3.6'"), true);
    assert.equal(markerApplies('python_version < "3.0" and sys_platform == "win32"'), false);
    assert.equal(markerApplies('sys_platform == "win32"'), null);
    assert.equal(markerApplies('python_version >= "3.12"'), null);
    assert.equal(markerApplies('python_version == "2.7" or python_version == "3.4"'), false);
    assert.equal(markerApplies('(python_version < "3") or (python_version >= "3.8")'), true);
  });
});

function manifest(path: string, subkind: string, text: string): ManifestFacts {
  const file: SourceFile = { path, absPath: `/nowhere/${path}`, kind: "manifest", subkind, size: text.length };
  const r = indexManifest(file, text);
  assert.deepEqual(r.diagnostics, []);
  assert.ok(r.facts);
  return r.facts;
}

const brief = (d: Dependency) => `${d.name} ${d.spec}${d.group ? ` [${d.group}]` : ""}${d.direct ? " direct" : ""}${d.marker ? ` ; ${d.marker}` : ""} @${d.range.start.line}`;

describe("manifest parsers", () => {
  test("requirements: comments, continuations, includes, options, hashes, extras, markers, URLs", () => {
    const facts = manifest(
      "requirements.txt",
      "requirements",
      lines(
        "# a comment",
        "-r base.txt",
        "--constraint=constraints.txt",
        "-i https://pypi.org/simple",
        "Flask[async]==2.2.2 \\",
        "    --hash=sha256:abc \\",
        "    --hash=sha256:def",
        "Werkzeug >= 2.0 , < 3  # trailing comment",
        'itsdangerous==2.0; python_version >= "3.7"',
        "-e git+https://github.com/x/y.git#egg=flask-login",
        "https://example.com/pkgs/Jinja2-3.1.2.tar.gz",
        "markupsafe @ https://example.com/markupsafe.whl ; python_version >= '3'",
        "./local-package",
        "flask_cors",
      ),
    );
    assert.deepEqual(facts.deps.map(brief), [
      "flask ==2.2.2 @5",
      "werkzeug >= 2.0 , < 3 @8",
      'itsdangerous ==2.0 ; python_version >= "3.7" @9',
      "flask-login  direct @10",
      "markupsafe  direct ; python_version >= '3' @12",
      "flask-cors  @14",
    ]);
    assert.deepEqual(facts.deps[0]!.extras, ["async"]);
    assert.deepEqual(
      facts.includes.map((i) => `${i.constraint ? "-c" : "-r"} ${i.path}`),
      ["-r base.txt", "-c constraints.txt"],
    );
    assert.deepEqual(facts.deps[0]!.range, { start: { line: 5, column: 1 }, end: { line: 5, column: 20 } });
  });

  test("pyproject: PEP 621, optional dependencies, dependency groups, uv and Poetry tables", () => {
    const facts = manifest(
      "pyproject.toml",
      "pyproject",
      lines(
        "[project]",
        'name = "app"',
        "dependencies = [",
        '  "flask>=2.2",',
        "  'Jinja2 ~= 3.1.2',",
        "]",
        "[project.optional-dependencies]",
        'cors = ["flask-cors==4.0.0"]',
        "[dependency-groups]",
        'test = ["pytest", "werkzeug==2.2.2"]',
        "[tool.poetry.dependencies]",
        'python = "^3.9"',
        'flask = "^2.2.2"',
        'flask-login = { version = "0.6.2", extras = ["x"] }',
        'mylib = { git = "https://example.com/mylib.git" }',
        "[tool.poetry.group.dev.dependencies]",
        'werkzeug = "2.2.2"',
      ),
    );
    assert.deepEqual(facts.deps.map(brief), [
      "flask >=2.2 @4",
      "jinja2 ~= 3.1.2 @5",
      "flask-cors ==4.0.0 [extra:cors] @8",
      "pytest  [test] @10",
      "werkzeug ==2.2.2 [test] @10",
      "flask ^2.2.2 @13",
      "flask-login 0.6.2 @14",
      "mylib  direct @15",
      "werkzeug 2.2.2 [dev] @17",
    ]);
  });

  test("poetry.lock and uv.lock: locked versions on their version lines, dependency edges, uv roots", () => {
    const poetry = manifest(
      "poetry.lock",
      "poetry-lock",
      lines(
        "[[package]]",
        'name = "Flask"',
        'version = "2.2.2"',
        'category = "main"',
        "",
        "[package.dependencies]",
        "Werkzeug = \">=2.2.2\"",
        "",
        "[[package]]",
        'name = "pytest"',
        'version = "7.0.0"',
        'category = "dev"',
      ),
    );
    assert.deepEqual(poetry.deps.map(brief), ["flask 2.2.2 @3", "pytest 7.0.0 [dev] @11"]);
    assert.deepEqual(poetry.edges?.flask, ["werkzeug"]);
    const uv = manifest(
      "uv.lock",
      "uv-lock",
      lines(
        "version = 1",
        "[[package]]",
        'name = "app"',
        'version = "0.1.0"',
        'source = { editable = "." }',
        "dependencies = [",
        '    { name = "flask" },',
        "]",
        "[package.dev-dependencies]",
        "dev = [",
        '    { name = "werkzeug" },',
        "]",
        "",
        "[[package]]",
        'name = "flask"',
        'version = "2.3.1"',
        'source = { registry = "https://pypi.org/simple" }',
        "",
        "[[package]]",
        'name = "werkzeug"',
        'version = "2.2.2"',
        'source = { registry = "https://pypi.org/simple" }',
      ),
    );
    assert.deepEqual(uv.deps.map(brief), ["flask 2.3.1 @16", "werkzeug 2.2.2 @21"]);
    assert.deepEqual(uv.roots, { main: ["flask"], dev: ["werkzeug"] });
  });

  test("Pipfile and Pipfile.lock", () => {
    const pipfile = manifest("Pipfile", "pipfile", lines("[packages]", 'flask = "==2.2.2"', 'jinja2 = "*"', "[dev-packages]", 'werkzeug = {version = ">=2.0"}'));
    assert.deepEqual(pipfile.deps.map(brief), ["flask ==2.2.2 @2", "jinja2  @3", "werkzeug >=2.0 [dev] @5"]);
    const lock = manifest(
      "Pipfile.lock",
      "pipfile-lock",
      JSON.stringify({ _meta: { hash: {} }, default: { flask: { hashes: ["sha256:x"], version: "==2.2.2" } }, develop: { flask: { version: "==2.3.3" } } }, null, 4),
    );
    assert.deepEqual(lock.deps.map(brief), ["flask 2.2.2 @10", "flask 2.3.3 [develop] @15"]);
  });

  test("a manifest that does not parse becomes a diagnostic, not an exception", () => {
    const file: SourceFile = { path: "pyproject.toml", absPath: "/nowhere/pyproject.toml", kind: "manifest", subkind: "pyproject", size: 0 };
    const r = indexManifest(file, "[project\ndependencies = [");
    assert.equal(r.facts, undefined);
    assert.equal(r.diagnostics[0]?.code, "manifest-parse-error");
  });
});

describe("advisory table", () => {
  test("every entry has IDs, valid ranges that end in a fix, and a summary", () => {
    for (const a of ADVISORIES) {
      assert.ok(a.ids.length > 0 && a.ids.every((id) => /^(CVE-\d{4}-\d{4,}|GHSA(-[23456789cfghjmpqrvwx]{4}){3})$/.test(id)), `${a.ids}`);
      assert.ok(a.summary.length > 20 && a.summary.endsWith("."), `${a.ids[0]} summary`);
      for (const r of a.affected) {
        const fixed = mustParse(r.fixed);
        if (r.introduced) assert.ok(compareVersionStrings(r.introduced, r.fixed) < 0, `${a.ids[0]}: ${r.introduced} < ${r.fixed}`);
        assert.ok(!contains(range(r.introduced, r.fixed), fixed));
      }
    }
  });

  test("CVE-2023-30861 covers both Flask branches and spares the fixed releases", () => {
    const a = ADVISORIES.find((x) => x.ids.includes("CVE-2023-30861"))!;
    const inRange = (v: string) => a.affected.some((r) => contains(range(r.introduced, r.fixed), mustParse(v)));
    assert.ok(inRange("2.2.4") && inRange("2.3.1") && inRange("1.1.4"));
    assert.ok(!inRange("2.2.5") && !inRange("2.3.2") && !inRange("3.0.0"));
  });
});

describe("FLASK-SUPPLY-001 on JSON lock files (which cannot carry annotations)", () => {
  test("Pipfile.lock: runtime section reported at full severity, develop section lowered", async () => {
    const lock = JSON.stringify(
      {
        _meta: { hash: { sha256: "x" } },
        default: { flask: { version: "==2.2.2" }, "flask-login": { version: "==0.6.3" } },
        develop: { werkzeug: { version: "==2.2.2" } },
      },
      null,
      4,
    );
    const out = await scanFiles({ "Pipfile.lock": lock, "app.py": "from flask import Flask\napp = Flask(__name__)\n" });
    const found = activeFindings(out)
      .filter((f) => f.ruleId === "FLASK-SUPPLY-001")
      .map((f) => `${f.range.start.line} ${f.severity} ${f.evidence}`);
    assert.deepEqual(found, ['9 high "version": "==2.2.2"', '17 low "version": "==2.2.2"']);
  });
});

describe("FLASK-SUPPLY-001 severity and context on the fixtures", () => {
  const FIXTURES = new URL("../../test/fixtures/rules/FLASK-SUPPLY-001/", import.meta.url);
  const findings = async (name: string) => {
    const out = await scanDir(fileURLToPath(new URL(`${name}/`, FIXTURES)));
    return activeFindings(out).filter((f) => f.ruleId === "FLASK-SUPPLY-001");
  };

  test("advisories about APIs the project calls through an alias in another module keep their weight", async () => {
    const [werkzeug, jinja] = await findings("advisory-apis-used-in-other-modules");
    assert.equal(werkzeug?.severity, "high");
    assert.ok(werkzeug?.context.some((c) => c.includes("only affect deployments on Windows")));
    assert.ok(!werkzeug?.context.some((c) => c.includes("never calls")));
    assert.equal(jinja?.severity, "medium");
    assert.deepEqual(jinja?.context, []);
  });

  test("dev-only manifests and dev-only lock entries are lowered and say why; floors are low with medium confidence", async () => {
    const [dev] = await findings("dev-and-test-requirements");
    assert.equal(dev?.severity, "low");
    assert.match(dev?.context[0] ?? "", /requirements-dev\.txt lists development dependencies/);
    const uv = await findings("uv-lock-and-pep621-cap");
    const werkzeug = uv.find((f) => f.file === "uv.lock" && f.evidence.includes("3.0.1"));
    assert.equal(werkzeug?.severity, "low");
    assert.match(werkzeug?.context[0] ?? "", /only a development dependency group/);
    const floor = (await findings("requirements-pins-and-floors")).find((f) => f.evidence.startsWith("Jinja2"));
    assert.equal(floor?.severity, "low");
    assert.equal(floor?.confidence, "medium");
  });
});

describe("FLASK-SUPPLY-001 and Windows-only advisories", () => {
  test("counted at lowered severity through Flask's static route when nothing shows a Linux deployment", async () => {
    const out = await scanDir(fileURLToPath(new URL("../../test/fixtures/rules/FLASK-SUPPLY-001/static-route-uses-safe-join/", import.meta.url)));
    const [f] = activeFindings(out).filter((x) => x.ruleId === "FLASK-SUPPLY-001");
    assert.equal(f?.severity, "low");
    assert.deepEqual(f?.context, ["CVE-2025-66221, CVE-2026-21860, CVE-2026-27199 only affect deployments on Windows"]);
  });
});

describe("setup.cfg", () => {
  test("install_requires, tests_require and extras_require, one requirement per line or comma-separated on the key line", () => {
    const facts = manifest(
      "setup.cfg",
      "setup-cfg",
      lines("[metadata]", "name = x", "[options]", "install_requires =", "    flask>=2.2  # inline", "    werkzeug==2.2.2", "tests_require = pytest, requests==2.19.1", "[options.extras_require]", "cors = flask-cors==4.0.0"),
    );
    assert.deepEqual(facts.deps.map(brief), ["flask >=2.2 @5", "werkzeug ==2.2.2 @6", "pytest  [tests] @7", "requests ==2.19.1 [tests] @7", "flask-cors ==4.0.0 [extra:cors] @9"]);
  });
});
