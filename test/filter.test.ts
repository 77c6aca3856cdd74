import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Finding, Severity } from "../src/core/types.js";
import { ConfigError, defaultConfig, type Config } from "../src/config/types.js";
import { applyOverrides, ruleEnabled } from "../src/filter/overrides.js";
import { applySuppressions, parseSuppressionComment, scanLineComments, type SuppressionComment } from "../src/filter/suppress.js";
import { applyBaseline, buildBaseline, readBaseline, writeBaseline, type BaselineFile } from "../src/filter/baseline.js";

const fixture = (rel: string) => fileURLToPath(new URL(`../../test/fixtures/config/${rel}`, import.meta.url));

/** A finding with only the fields these filters look at filled in meaningfully. */
function finding(ruleId: string, file: string, line: number, extra: Partial<Finding> = {}): Finding {
  return {
    ruleId,
    title: "t",
    severity: "high",
    confidence: "high",
    file,
    range: { start: { line, column: 1 }, end: { line, column: 10 } },
    evidence: "x",
    message: "m",
    impact: "",
    fix: "",
    mitigation: "",
    falsePositiveNotes: "",
    cwe: [],
    owasp: "",
    scope: "",
    fingerprint: `fp-${ruleId}-${line}`,
    context: [],
    excerpt: { startLine: line, lines: [] },
    ...extra,
  };
}

function config(over: Partial<Config>): Config {
  return { ...defaultConfig("/repo"), ...over };
}

const summary = (fs: Finding[]) => fs.map((f) => `${f.file}:${f.range.start.line} ${f.ruleId} ${f.severity}`);

// ---- rule selection -------------------------------------------------------

test("ruleEnabled: prefix matching on whole segments", () => {
  const c = config({ select: ["FLASK-DEPLOY"] });
  assert.equal(ruleEnabled("FLASK-DEPLOY-001", c), true);
  assert.equal(ruleEnabled("FLASK-DEPLOY", c), true);
  assert.equal(ruleEnabled("FLASK-DEPLOYX-1", c), false);
  assert.equal(ruleEnabled("FLASK-CONFIG-001", c), false);
});

test("ruleEnabled: ignore by prefix and exact ID; select null means all", () => {
  const c = config({ ignore: ["FLASK-CONFIG", "FLASK-DEPLOY-002"] });
  assert.equal(ruleEnabled("FLASK-CONFIG-007", c), false);
  assert.equal(ruleEnabled("FLASK-DEPLOY-002", c), false);
  assert.equal(ruleEnabled("FLASK-DEPLOY-003", c), true);
  assert.equal(ruleEnabled("FLASK-CONFIGX-1", c), true);
});

test("ruleEnabled: the more specific of select and ignore wins; a tie goes to ignore", () => {
  const c = config({ select: ["FLASK-DEPLOY-002"], ignore: ["FLASK-DEPLOY"] });
  assert.equal(ruleEnabled("FLASK-DEPLOY-002", c), true);
  assert.equal(ruleEnabled("FLASK-DEPLOY-003", c), false);
  const c2 = config({ select: ["FLASK-DEPLOY"], ignore: ["FLASK-DEPLOY-002"] });
  assert.equal(ruleEnabled("FLASK-DEPLOY-002", c2), false);
  assert.equal(ruleEnabled("FLASK-DEPLOY-003", c2), true);
  const c3 = config({ select: ["FLASK-DEPLOY"], ignore: ["FLASK-DEPLOY"] });
  assert.equal(ruleEnabled("FLASK-DEPLOY-003", c3), false);
  assert.equal(ruleEnabled("FLASK-DEPLOY-003", config({ select: [] })), false);
});

// ---- overrides ------------------------------------------------------------

test("applyOverrides: per-path ignore with tests/** globs", () => {
  const c = config({ overrides: [{ paths: ["tests/**"], ignore: ["FLASK-CONFIG"], severity: {} }] });
  const out = applyOverrides(
    [
      finding("FLASK-CONFIG-001", "tests/test_app.py", 3),
      finding("FLASK-CONFIG-001", "tests/unit/deep/test_x.py", 3),
      finding("FLASK-DEPLOY-002", "tests/test_app.py", 4),
      finding("FLASK-CONFIG-001", "app.py", 5),
      finding("FLASK-CONFIG-001", "src/tests/test_y.py", 5),
    ],
    c,
  );
  assert.deepEqual(summary(out), ["tests/test_app.py:4 FLASK-DEPLOY-002 high", "app.py:5 FLASK-CONFIG-001 high", "src/tests/test_y.py:5 FLASK-CONFIG-001 high"]);
});

test("applyOverrides: unanchored and negated globs follow gitignore rules", () => {
  const c = config({ overrides: [{ paths: ["test_*.py", "!test_keep.py"], ignore: ["FLASK"], severity: {} }] });
  const out = applyOverrides(
    [finding("FLASK-A-1", "test_a.py", 1), finding("FLASK-A-1", "pkg/test_b.py", 1), finding("FLASK-A-1", "test_keep.py", 1), finding("FLASK-A-1", "./test_c.py", 1)],
    c,
  );
  assert.deepEqual(summary(out), ["test_keep.py:1 FLASK-A-1 high"]);
});

test("applyOverrides: global severity, then overrides in order, with a note", () => {
  const c = config({
    severity: { "FLASK-DEPLOY-002": "medium", "FLASK-CONFIG": "critical" },
    overrides: [
      { paths: ["scripts/**"], ignore: [], severity: { "FLASK-DEPLOY-002": "low" } },
      { paths: ["scripts/prod/**"], ignore: [], severity: { "FLASK-DEPLOY": "critical" } },
    ],
  });
  const input = [
    finding("FLASK-DEPLOY-002", "app.py", 1),
    finding("FLASK-DEPLOY-002", "scripts/run.py", 2),
    finding("FLASK-DEPLOY-002", "scripts/prod/run.py", 3),
    finding("FLASK-CONFIG-009", "app.py", 4, { context: ["in a test file"] }),
    finding("FLASK-OTHER-1", "app.py", 5),
  ];
  const out = applyOverrides(input, c);
  assert.deepEqual(summary(out), [
    "app.py:1 FLASK-DEPLOY-002 medium",
    "scripts/run.py:2 FLASK-DEPLOY-002 low",
    "scripts/prod/run.py:3 FLASK-DEPLOY-002 critical",
    "app.py:4 FLASK-CONFIG-009 critical",
    "app.py:5 FLASK-OTHER-1 high",
  ]);
  assert.deepEqual(
    out.map((f) => f.context),
    [
      ["severity set to medium by config (severity)"],
      ["severity set to low by config (overrides[0])"],
      ["severity set to critical by config (overrides[1])"],
      ["in a test file", "severity set to critical by config (severity)"],
      [],
    ],
  );
  // The input is left as it was.
  assert.equal(input[0]!.severity, "high");
  assert.deepEqual(input[3]!.context, ["in a test file"]);
  assert.equal(out[4], input[4]);
});

test("applyOverrides: a mapping to the same severity adds no note", () => {
  const out = applyOverrides([finding("FLASK-A-1", "a.py", 1)], config({ severity: { "FLASK-A-1": "high" } }));
  assert.deepEqual(out[0]!.context, []);
});

test("applyOverrides: minSeverity drops findings below it, after re-grading", () => {
  const c = config({
    minSeverity: "high",
    severity: { "FLASK-B-1": "low" },
    overrides: [{ paths: ["ops/"], ignore: [], severity: { "FLASK-C-1": "critical" } }],
  });
  const sev = (s: Severity) => ({ severity: s });
  const out = applyOverrides(
    [
      finding("FLASK-A-1", "a.py", 1, sev("medium")),
      finding("FLASK-A-1", "a.py", 2, sev("high")),
      finding("FLASK-A-1", "a.py", 3, sev("critical")),
      finding("FLASK-B-1", "a.py", 4, sev("critical")),
      finding("FLASK-C-1", "ops/deploy.sh", 5, sev("low")),
    ],
    c,
  );
  assert.deepEqual(summary(out), ["a.py:2 FLASK-A-1 high", "a.py:3 FLASK-A-1 critical", "ops/deploy.sh:5 FLASK-C-1 critical"]);
});

test("applyOverrides: findings of disabled rules are dropped", () => {
  const out = applyOverrides([finding("FLASK-A-1", "a.py", 1), finding("FLASK-B-1", "a.py", 2)], config({ select: ["FLASK-A"] }));
  assert.deepEqual(summary(out), ["a.py:1 FLASK-A-1 high"]);
});

// ---- suppression comments -------------------------------------------------

test("parseSuppressionComment: accepted forms", () => {
  assert.deepEqual(parseSuppressionComment("# flaskwarden: ignore[FLASK-DEPLOY-002] debug only in dev"), {
    ruleIds: ["FLASK-DEPLOY-002"],
    reason: "debug only in dev",
  });
  assert.deepEqual(parseSuppressionComment("#flaskwarden:ignore[X]"), { ruleIds: ["X"], reason: "" });
  assert.deepEqual(parseSuppressionComment("# flaskwarden: ignore[ X ]"), { ruleIds: ["X"], reason: "" });
  assert.deepEqual(parseSuppressionComment("#  flaskwarden :  ignore [FLASK-A-001, FLASK-B-002]  -- fixture data"), {
    ruleIds: ["FLASK-A-001", "FLASK-B-002"],
    reason: "fixture data",
  });
  assert.deepEqual(parseSuppressionComment("# flaskwarden: ignore local tooling only"), { ruleIds: null, reason: "local tooling only" });
  assert.deepEqual(parseSuppressionComment("# flaskwarden: ignore"), { ruleIds: null, reason: "" });
  assert.deepEqual(parseSuppressionComment("flaskwarden: ignore[FLASK-X]: reason"), { ruleIds: ["FLASK-X"], reason: "reason" });
  assert.deepEqual(parseSuppressionComment("# type: ignore  # flaskwarden: ignore[FLASK-X] why"), { ruleIds: ["FLASK-X"], reason: "why" });
});

test("parseSuppressionComment: comments that are not ours", () => {
  assert.equal(parseSuppressionComment("# noqa: E501"), null);
  assert.equal(parseSuppressionComment("# flaskwarden: ignored this once"), null);
  assert.equal(parseSuppressionComment("# flaskwarden ignore[X]"), null);
  assert.equal(parseSuppressionComment("# see docs about flaskwarden: ignore[X]"), null);
  assert.equal(parseSuppressionComment("# flaskwarden: ignore[FLASK-X unclosed"), null);
});

test("scanLineComments: own-line and end-of-line comments in a Dockerfile", () => {
  const text = [
    "FROM python:3.12", // 1
    "# flaskwarden: ignore[FLASK-DEPLOY-001] dev image", // 2
    "", // 3
    "ENV FLASK_DEBUG=1", // 4
    "RUN pip install \\", // 5
    "    flask \\", // 6
    "    gunicorn # flaskwarden: ignore pinned elsewhere", // 7
    "# flaskwarden: ignore[FLASK-A-1] first", // 8
    "# flaskwarden: ignore[FLASK-B-1] second", // 9
    "CMD flask run \\", // 10
    "    --host 0.0.0.0", // 11
    'ENV X="a # flaskwarden: ignore inside quotes"', // 12
    "ENV Y=a#flaskwarden:ignore", // 13
  ].join("\n");
  assert.deepEqual(scanLineComments(text, "Dockerfile"), [
    { file: "Dockerfile", line: 2, ruleIds: ["FLASK-DEPLOY-001"], reason: "dev image", fromLine: 4, toLine: 4 },
    { file: "Dockerfile", line: 7, ruleIds: null, reason: "pinned elsewhere", fromLine: 5, toLine: 7 },
    { file: "Dockerfile", line: 8, ruleIds: ["FLASK-A-1"], reason: "first", fromLine: 10, toLine: 11 },
    { file: "Dockerfile", line: 9, ruleIds: ["FLASK-B-1"], reason: "second", fromLine: 10, toLine: 11 },
  ]);
});

test("scanLineComments: .env with CRLF line ends", () => {
  const text = "SECRET_KEY=dev # flaskwarden: ignore[FLASK-CONFIG-001] local only\r\nDEBUG=1\r\n";
  assert.deepEqual(scanLineComments(text, ".env"), [
    { file: ".env", line: 1, ruleIds: ["FLASK-CONFIG-001"], reason: "local only", fromLine: 1, toLine: 1 },
  ]);
});

function comment(over: Partial<SuppressionComment> & { line: number }): SuppressionComment {
  return { file: "app.py", ruleIds: null, reason: "because", fromLine: over.line, toLine: over.line, ...over };
}

test("applySuppressions: multi-line statement coverage", () => {
  // `app.run(\n debug=True,\n host="0.0.0.0")  # flaskwarden: ignore[FLASK-DEPLOY-002] dev server` on lines 10-12.
  const c = comment({ line: 12, ruleIds: ["FLASK-DEPLOY-002"], reason: "dev server", fromLine: 10, toLine: 12 });
  const input = [
    finding("FLASK-DEPLOY-002", "app.py", 11),
    finding("FLASK-DEPLOY-002", "app.py", 13),
    finding("FLASK-DEPLOY-003", "app.py", 10),
    finding("FLASK-DEPLOY-002", "other.py", 11),
  ];
  const { findings, unused } = applySuppressions(input, [c]);
  assert.deepEqual(
    findings.map((f) => f.suppressed ?? null),
    [{ reason: "dev server", file: "app.py", line: 12 }, null, null, null],
  );
  assert.deepEqual(unused, []);
  assert.equal(input[0]!.suppressed, undefined);
});

test("applySuppressions: a bare ignore covers every rule; prefixes in the list work", () => {
  const { findings, unused } = applySuppressions(
    [finding("FLASK-A-1", "app.py", 5), finding("FLASK-B-2", "app.py", 5), finding("FLASK-C-3", "app.py", 8)],
    [comment({ line: 4, fromLine: 5, toLine: 6, reason: "legacy" }), comment({ line: 8, ruleIds: ["FLASK-C"], reason: "ok" })],
  );
  assert.deepEqual(
    findings.map((f) => f.suppressed?.line ?? null),
    [4, 4, 8],
  );
  assert.deepEqual(unused, []);
});

test("applySuppressions: unused comments warn, partly used lists name the idle IDs", () => {
  const { findings, unused } = applySuppressions(
    [finding("FLASK-A-001", "app.py", 3)],
    [
      comment({ line: 3, ruleIds: ["FLASK-A-001", "FLASK-B-002"], reason: "r" }),
      comment({ line: 7, ruleIds: ["FLASK-Z-009"], reason: "r" }),
      comment({ line: 9, reason: "r" }),
    ],
  );
  assert.equal(findings[0]!.suppressed?.line, 3);
  const range = (line: number) => ({ start: { line, column: 1 }, end: { line, column: 1 } });
  assert.deepEqual(unused, [
    {
      file: "app.py",
      severity: "warning",
      code: "unused-suppression",
      message: "suppression at app.py:3 lists FLASK-B-002, which matched no finding there; remove it from the list",
      range: range(3),
    },
    {
      file: "app.py",
      severity: "warning",
      code: "unused-suppression",
      message: "suppression at app.py:7 for FLASK-Z-009 matched no finding; remove it or correct the rule IDs",
      range: range(7),
    },
    {
      file: "app.py",
      severity: "warning",
      code: "unused-suppression",
      message: "suppression at app.py:9 for all rules matched no finding; remove it or correct the rule IDs",
      range: range(9),
    },
  ]);
});

test("applySuppressions: no reason still suppresses but adds an info diagnostic", () => {
  const { findings, unused } = applySuppressions([finding("FLASK-A-1", "app.py", 2)], [comment({ line: 2, ruleIds: ["FLASK-A-1"], reason: "" })]);
  assert.deepEqual(findings[0]!.suppressed, { reason: "", file: "app.py", line: 2 });
  assert.deepEqual(unused, [
    {
      file: "app.py",
      severity: "info",
      code: "suppression-without-reason",
      message: 'suppression at app.py:2 gives no reason; add one after the comment, e.g. "# flaskwarden: ignore[FLASK-A-1] only used in local development"',
      range: { start: { line: 2, column: 1 }, end: { line: 2, column: 1 } },
    },
  ]);
});

test("applySuppressions: scanLineComments output plugs straight in", () => {
  const text = "web: flask run --debug  # flaskwarden: ignore[FLASK-DEPLOY-002] local Procfile\n";
  const { findings, unused } = applySuppressions([finding("FLASK-DEPLOY-002", "Procfile", 1)], scanLineComments(text, "Procfile"));
  assert.deepEqual(findings[0]!.suppressed, { reason: "local Procfile", file: "Procfile", line: 1 });
  assert.deepEqual(unused, []);
});

// ---- baseline -------------------------------------------------------------

test("baseline: build counts by file, rule and fingerprint, skipping suppressed findings", () => {
  const b = buildBaseline([
    finding("FLASK-B-1", "b.py", 1, { fingerprint: "f1" }),
    finding("FLASK-B-1", "b.py", 9, { fingerprint: "f1" }),
    finding("FLASK-A-1", "b.py", 2, { fingerprint: "f2" }),
    finding("FLASK-A-1", "a.py", 2, { fingerprint: "f3" }),
    finding("FLASK-A-1", "a.py", 4, { fingerprint: "f4", suppressed: { reason: "r", file: "a.py", line: 4 } }),
  ]);
  assert.deepEqual(b, {
    version: 1,
    tool: "flaskwarden",
    files: { "b.py": { "FLASK-B-1": { f1: 2 }, "FLASK-A-1": { f2: 1 } }, "a.py": { "FLASK-A-1": { f3: 1 } } },
  });
});

test("baseline: write gives stable sorted text and reads back the same", () => {
  const dir = mkdtempSync(join(tmpdir(), "fw-baseline-"));
  try {
    const path = join(dir, "nested", "baseline.json");
    const b: BaselineFile = {
      version: 1,
      tool: "flaskwarden",
      files: { "b.py": { "FLASK-B-1": { zz: 2, "10": 1, aa: 1 } }, "a.py": { "FLASK-A-1": { f3: 1 } } },
    };
    writeBaseline(path, b);
    assert.equal(
      readFileSync(path, "utf8"),
      `{
  "version": 1,
  "tool": "flaskwarden",
  "files": {
    "a.py": {
      "FLASK-A-1": {
        "f3": 1
      }
    },
    "b.py": {
      "FLASK-B-1": {
        "10": 1,
        "aa": 1,
        "zz": 2
      }
    }
  }
}
`,
    );
    assert.deepEqual(readBaseline(path), b);
    writeBaseline(path, buildBaseline([]));
    assert.equal(readFileSync(path, "utf8"), '{\n  "version": 1,\n  "tool": "flaskwarden",\n  "files": {}\n}\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("baseline: known findings are removed; a copy beyond the count is new (the later one)", () => {
  const base = buildBaseline([finding("FLASK-A-1", "app.py", 3, { fingerprint: "fp" })]);
  const later = finding("FLASK-A-1", "app.py", 20, { fingerprint: "fp" });
  const earlier = finding("FLASK-A-1", "app.py", 5, { fingerprint: "fp" });
  const other = finding("FLASK-B-1", "app.py", 1, { fingerprint: "fp" });
  const r = applyBaseline([later, other, earlier], base);
  assert.deepEqual(r.findings, [later, other]);
  assert.equal(r.baselined, 1);
  assert.deepEqual(r.stale, []);
});

test("baseline: a count of 2 absorbs two copies, the third stays", () => {
  const b: BaselineFile = { version: 1, tool: "flaskwarden", files: { "app.py": { "FLASK-A-1": { fp: 2 } } } };
  const copies = [7, 3, 5].map((line) => finding("FLASK-A-1", "app.py", line, { fingerprint: "fp" }));
  const r = applyBaseline(copies, b);
  assert.deepEqual(summary(r.findings), ["app.py:7 FLASK-A-1 high"]);
  assert.equal(r.baselined, 2);
});

test("baseline: suppressed findings neither use up counts nor disappear", () => {
  const b: BaselineFile = { version: 1, tool: "flaskwarden", files: { "app.py": { "FLASK-A-1": { fp: 1 } } } };
  const sup = finding("FLASK-A-1", "app.py", 1, { fingerprint: "fp", suppressed: { reason: "r", file: "app.py", line: 1 } });
  const plain = finding("FLASK-A-1", "app.py", 2, { fingerprint: "fp" });
  const r = applyBaseline([sup, plain], b);
  assert.deepEqual(r.findings, [sup]);
  assert.equal(r.baselined, 1);
});

test("baseline: unused entries are reported once per file and rule", () => {
  const b: BaselineFile = {
    version: 1,
    tool: "flaskwarden",
    files: {
      "z.py": { "FLASK-A-1": { gone: 1 } },
      "app.py": { "FLASK-A-1": { fp: 3, old: 2 }, "FLASK-B-1": { x: 1 } },
    },
  };
  const r = applyBaseline([finding("FLASK-A-1", "app.py", 1, { fingerprint: "fp" }), finding("FLASK-B-1", "app.py", 2, { fingerprint: "x" })], b);
  assert.deepEqual(r.findings, []);
  assert.equal(r.baselined, 2);
  assert.deepEqual(r.stale, [
    {
      file: "app.py",
      severity: "info",
      code: "stale-baseline",
      message: "4 baseline entries for FLASK-A-1 in app.py no longer match a finding (fixed or moved); run with --write-baseline to prune them",
    },
    {
      file: "z.py",
      severity: "info",
      code: "stale-baseline",
      message: "1 baseline entry for FLASK-A-1 in z.py no longer matches a finding (fixed or moved); run with --write-baseline to prune it",
    },
  ]);
});

function assertBaselineError(path: string, message: string): void {
  assert.throws(
    () => readBaseline(path),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, message);
      assert.equal(e.file, path);
      return true;
    },
  );
}

test("baseline: malformed files are ConfigErrors naming the file and the problem", () => {
  const bad = fixture("baseline-malformed.json");
  assertBaselineError(bad, `baseline ${bad}: files["app.py"]["FLASK-DEPLOY-002"]["abc"]: expected a positive whole count, found "two"`);
  const dir = mkdtempSync(join(tmpdir(), "fw-baseline-"));
  try {
    const missing = join(dir, "none.json");
    assertBaselineError(missing, `baseline ${missing}: cannot read: the file does not exist (create it with --write-baseline)`);
    const p = join(dir, "b.json");
    writeFileSync(p, "{ not json");
    assert.throws(() => readBaseline(p), (e: unknown) => e instanceof ConfigError && e.message.startsWith(`baseline ${p}: not valid JSON: `));
    writeFileSync(p, JSON.stringify({ version: 2, tool: "flaskwarden", files: {} }));
    assertBaselineError(p, `baseline ${p}: version: expected 1, found 2`);
    writeFileSync(p, JSON.stringify({ version: 1, tool: "other", files: {} }));
    assertBaselineError(p, `baseline ${p}: tool: expected "flaskwarden", found "other"`);
    writeFileSync(p, JSON.stringify({ version: 1, tool: "flaskwarden", files: [] }));
    assertBaselineError(p, `baseline ${p}: files: expected an object of file paths`);
    writeFileSync(p, "[]");
    assertBaselineError(p, `baseline ${p}: top level: expected an object`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
