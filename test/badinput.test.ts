/**
 * Hostile and broken input through the real pipeline (the built CLI, JSON report): every bad file
 * gets a diagnostic that names it and says why, and the scan goes on, so the finding in the healthy
 * neighbour (and in the valid part of a broken file) is still reported. Binary, huge, unreadable
 * and linked files are made at test time in the system's temporary folder.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFile, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(REPO, "bin/flaskwarden.js");
const FIXTURES = join(REPO, "test/fixtures/badinput");
const IS_ROOT = typeof process.getuid === "function" && process.getuid() === 0;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Report {
  findings: { ruleId: string; file: string; range: { start: { line: number; column: number } }; evidence: string; excerpt: { lines: string[] } }[];
  diagnostics: { file: string; severity: string; code: string; message: string }[];
  summary: { files: number };
}

function cli(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, NO_COLOR: "1" }, encoding: "utf8", timeout: 120_000, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : null;
      if (code === null) reject(new Error(`flaskwarden did not finish: ${err?.message}\n${stderr}`));
      else resolve({ code, stdout, stderr });
    });
  });
}

async function scanJson(args: string[]): Promise<{ run: Run; report: Report }> {
  const run = await cli(["scan", ...args, "-f", "json"]);
  assert.ok(run.code === 0 || run.code === 1, `exit ${run.code}; stderr:\n${run.stderr}`);
  return { run, report: JSON.parse(run.stdout) as Report };
}

const at = (r: Report, file: string) => r.findings.filter((f) => f.file === file).map((f) => `${f.ruleId} ${f.range.start.line}:${f.range.start.column}`);
const diagnosticsOf = (r: Report, file: string) => r.diagnostics.filter((d) => d.file === file);

/** The finding every healthy Flask module with `app.run(debug=True)` at module level gets. */
const DEBUG_AT = (line: number) => [`FLASK-DEPLOY-001 ${line}:1`, `FLASK-DEPLOY-002 ${line}:9`];
const FLASK_APP = "from flask import Flask\n\napp = Flask(__name__)\napp.run(debug=True)\n";

/**
 * Root reads a mode 000 file through two capabilities; `setpriv` (util-linux) can run the CLI with them
 * dropped, so permission bits apply to it as to any user while the checkout stays readable.
 */
const NO_DAC = ["--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search", "--"];
const SETPRIV = IS_ROOT && spawnSync("setpriv", [...NO_DAC, process.execPath, BIN, "--version"], { cwd: REPO }).status === 0;

test("unreadable file and folder, scanned by root without its read-anything capabilities: a reason for each, the scan goes on", (t) => {
  if (!IS_ROOT) {
    t.skip("covered by the chmod 000 test below when not running as root");
    return;
  }
  if (!SETPRIV) {
    t.skip("running as root without setpriv, so a mode 000 file cannot be made unreadable");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "fw-unreadable-"));
  try {
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, "good.py"), FLASK_APP);
    writeFileSync(join(dir, "secret.py"), FLASK_APP);
    chmodSync(join(dir, "secret.py"), 0o000);
    mkdirSync(join(dir, "locked"));
    writeFileSync(join(dir, "locked", "inner.py"), FLASK_APP);
    chmodSync(join(dir, "locked"), 0o000);
    const run = spawnSync("setpriv", [...NO_DAC, process.execPath, BIN, "scan", dir, "-f", "json", "--no-config"], {
      cwd: REPO,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    assert.equal(run.status, 1, run.stderr);
    const report = JSON.parse(run.stdout) as Report;
    assert.deepEqual(at(report, "good.py"), DEBUG_AT(4));
    assert.deepEqual(
      report.diagnostics.map((d) => [d.file, d.severity, d.code]),
      [
        ["locked", "warning", "unreadable"],
        ["secret.py", "warning", "unreadable"],
      ],
    );
    for (const d of report.diagnostics) assert.match(d.message, /permission denied \(EACCES\)/);
  } finally {
    chmodSync(join(dir, "locked"), 0o755);
    rmSync(dir, { recursive: true, force: true });
  }
});

describe("bad input in one project", { concurrency: true }, () => {
  let root: string;
  let project: string;
  let workers: Promise<{ run: Run; report: Report }>;
  let inProcess: Promise<{ run: Run; report: Report }>;

  before(() => {
    root = mkdtempSync(join(tmpdir(), "flaskwarden-bad-"));
    project = join(root, "project");
    cpSync(join(FIXTURES, "project"), project, { recursive: true });
    // Stops the config search at the project instead of walking up into the temporary folder.
    mkdirSync(join(project, ".git"));
    const write = (rel: string, data: string | Buffer) => {
      mkdirSync(join(project, rel, ".."), { recursive: true });
      writeFileSync(join(project, rel), data);
    };

    // Latin-1 bytes (é = 0xE9) and no coding cookie; the app in it must still be seen.
    write("latin1.py", Buffer.from("# caf\xe9 au lait\n" + FLASK_APP.replace("app.run(debug=True)", "app.run(debug=True)  # d\xe9mo"), "latin1"));
    write("nul_bytes.py", Buffer.concat([Buffer.from(FLASK_APP), Buffer.from([0, 1, 2, 0xff, 0])]));
    write("unreadable.py", FLASK_APP);
    chmodSync(join(project, "unreadable.py"), 0o000);

    // Links: back up to an ancestor, to itself, and out of the scanned tree (to a folder and to a file).
    const outside = join(root, "outside");
    mkdirSync(outside);
    writeFileSync(join(outside, "app.py"), FLASK_APP);
    mkdirSync(join(project, "loop"));
    symlinkSync("..", join(project, "loop/again"));
    symlinkSync("self_link.py", join(project, "self_link.py"));
    symlinkSync(outside, join(project, "escape"));
    symlinkSync(join(outside, "app.py"), join(project, "escape_file.py"));

    // A virtualenv under a name discovery does not know: recognised by its pyvenv.cfg.
    write("environment/pyvenv.cfg", "home = /usr/bin\nversion = 3.12.0\n");
    write("environment/lib/python3.12/site-packages/vendored/app.py", FLASK_APP);
    write("environment/bin/run.py", FLASK_APP);

    // Deep trees: a recursive walk over these would overflow the stack.
    write("deep_parens.py", `x = ${"(".repeat(5000)}1${")".repeat(5000)}\n`);
    write("deep_calls.py", `x = ${"f(".repeat(5000)}${")".repeat(5000)}\n`);
    write("deep_lists.py", `x = ${"[".repeat(5000)}${"]".repeat(5000)}\n`);
    write("big_list.py", `x = [${Array.from({ length: 50_000 }, (_, i) => i).join(", ")}]\n`);
    write("long_chain.py", `x = ${Array.from({ length: 50_000 }, () => "1").join(" + ")}\n`);
    write("long_boolop.py", `x = ${Array.from({ length: 20_000 }, (_, i) => `a${i}`).join(" and ")}\n`);
    // A 1 MB line (minified data) with the app after it.
    write("long_lines.py", `BLOB = "${"ab".repeat(500_000)}"\n${FLASK_APP}`);
    // The same, but the long line sits right above the finding, inside its excerpt.
    write("long_line_near_finding.py", `from flask import Flask\n\napp = Flask(__name__)\nBLOB = "${"ab".repeat(500_000)}"\napp.run(debug=True)\n`);

    workers = scanJson([project, "--jobs", "2"]);
    inProcess = scanJson([project, "--jobs", "0"]);
  });

  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test("the healthy file's finding survives everything beside it; nothing crashes", async () => {
    const { run, report } = await workers;
    assert.equal(run.code, 1);
    assert.deepEqual(at(report, "good.py"), DEBUG_AT(5));
    const crashes = report.diagnostics.filter((d) => ["internal-error", "parse-failed", "rule-crashed"].includes(d.code));
    assert.deepEqual(crashes, []);
    assert.doesNotMatch(run.stderr, /RangeError|Maximum call stack|internal error/);
  });

  test("worker threads and in-process parsing give the same report", async () => {
    const a = (await workers).run.stdout.replace(/"elapsedMs": \d+/, "");
    const b = (await inProcess).run.stdout.replace(/"elapsedMs": \d+/, "");
    assert.equal(a, b);
  });

  test("a syntax error: diagnostic with its line, and the valid part of the file is still analysed", async () => {
    const { report } = await workers;
    const d = diagnosticsOf(report, "syntax_error.py");
    assert.deepEqual(d.map((x) => [x.severity, x.code]), [["warning", "syntax-error"]]);
    assert.match(d[0]!.message, /line 8\b/);
    assert.deepEqual(at(report, "syntax_error.py"), DEBUG_AT(5));
  });

  test("an empty file: no diagnostic, no finding", async () => {
    const { report } = await workers;
    assert.deepEqual(diagnosticsOf(report, "empty.py"), []);
    assert.deepEqual(at(report, "empty.py"), []);
  });

  test("Latin-1 bytes without a coding cookie: a non-UTF-8 warning with the byte's place, and the file is still analysed", async () => {
    const { report } = await workers;
    const d = diagnosticsOf(report, "latin1.py");
    assert.deepEqual(d.map((x) => [x.severity, x.code]), [["warning", "non-utf8"]]);
    assert.match(d[0]!.message, /^latin1\.py is not valid UTF-8: byte 0xE9 at byte offset 5 \(line 1\)/);
    assert.deepEqual(at(report, "latin1.py"), DEBUG_AT(5));
  });

  test("NUL bytes: skipped as binary, with a diagnostic", async () => {
    const { report } = await workers;
    const d = diagnosticsOf(report, "nul_bytes.py");
    assert.deepEqual(d.map((x) => [x.severity, x.code]), [["warning", "binary"]]);
    assert.match(d[0]!.message, /nul_bytes\.py contains NUL bytes/);
    assert.deepEqual(at(report, "nul_bytes.py"), []);
  });

  test("an unreadable file (chmod 000) is skipped with a reason", async (t) => {
    if (IS_ROOT) {
      t.skip("running as root, which can read a file with mode 000, so there is nothing to skip");
      return;
    }
    const { report } = await workers;
    const d = diagnosticsOf(report, "unreadable.py");
    assert.deepEqual(d.map((x) => [x.severity, x.code]), [["warning", "unreadable"]]);
    assert.match(d[0]!.message, /permission denied \(EACCES\)/);
    assert.deepEqual(at(report, "unreadable.py"), []);
  });

  test("Python 2 code gets a python2 diagnostic, whether or not it also has syntax errors", async () => {
    const { report } = await workers;
    for (const file of ["python2.py", "print_only_py2.py"]) {
      const d = diagnosticsOf(report, file);
      assert.deepEqual(d.map((x) => [x.severity, x.code]), [["warning", "python2"]], file);
      assert.match(d[0]!.message, /Python 2/);
    }
  });

  test("symbolic links: loops are not followed, and nothing outside the root is read", async () => {
    const { report } = await workers;
    const codes = (file: string) => diagnosticsOf(report, file).map((x) => x.code);
    assert.deepEqual(codes("loop/again"), ["symlink-loop"]);
    assert.deepEqual(codes("self_link.py"), ["symlink-loop"]);
    assert.deepEqual(codes("escape"), ["symlink-outside-root"]);
    assert.deepEqual(codes("escape_file.py"), ["symlink-outside-root"]);
    assert.match(diagnosticsOf(report, "escape")[0]!.message, /outside the scanned folder/);
    assert.ok(!report.findings.some((f) => f.file.startsWith("escape") || f.file.startsWith("loop/")), "no finding through a link");
  });

  test("a folder with pyvenv.cfg is a virtualenv and is skipped, whatever its name", async () => {
    const { report } = await workers;
    assert.ok(!report.findings.some((f) => f.file.startsWith("environment/")));
    assert.ok(!report.diagnostics.some((d) => d.file.startsWith("environment/")));
  });

  test("deeply nested and very large expressions are analysed without a stack overflow", async () => {
    const { report } = await workers;
    for (const file of ["deep_parens.py", "deep_calls.py", "deep_lists.py", "big_list.py", "long_chain.py", "long_boolop.py"]) {
      assert.deepEqual(diagnosticsOf(report, file), [], file);
    }
  });

  test("a 1 MB line does not hide the finding below it, and the evidence stays short", async () => {
    const { report } = await workers;
    assert.deepEqual(diagnosticsOf(report, "long_lines.py"), []);
    assert.deepEqual(at(report, "long_lines.py"), DEBUG_AT(5));
    for (const f of report.findings.filter((x) => x.file === "long_lines.py")) assert.ok(f.evidence.length < 500);
  });

  test(
    "a 1 MB line next to a finding is clipped in the finding's excerpt",
    async () => {
      const { report } = await workers;
      assert.deepEqual(at(report, "long_line_near_finding.py"), DEBUG_AT(5));
      for (const f of report.findings.filter((x) => x.file === "long_line_near_finding.py")) {
        assert.ok(f.excerpt.lines.every((l) => l.length <= 1000), `excerpt line of ${Math.max(...f.excerpt.lines.map((l) => l.length))} characters`);
      }
    },
  );

  test("the JSON report lists every diagnostic, one per bad file, sorted by file", async () => {
    const { report } = await workers;
    const expected = [
      ["escape", "symlink-outside-root"],
      ["escape_file.py", "symlink-outside-root"],
      ["latin1.py", "non-utf8"],
      ["loop/again", "symlink-loop"],
      ["nul_bytes.py", "binary"],
      ["print_only_py2.py", "python2"],
      ["python2.py", "python2"],
      ["self_link.py", "symlink-loop"],
      ["syntax_error.py", "syntax-error"],
      ...(IS_ROOT ? [] : [["unreadable.py", "unreadable"]]),
    ];
    assert.deepEqual(report.diagnostics.map((d) => [d.file, d.code]), expected);
    // Each names its file in `file` (the text report prints it first) and says why in `message`.
    for (const d of report.diagnostics) assert.ok(d.file !== "" && d.message.length > 20, JSON.stringify(d));
  });
});

describe("file size limit", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "flaskwarden-big-"));
    mkdirSync(join(dir, ".git"));
    writeFileSync(join(dir, "good.py"), FLASK_APP);
    // 20 MB of real code: the app, then long string constants (the parser's cost grows with them linearly).
    const line = (i: number) => `S${i} = "${"x".repeat(1000)}"\n`;
    const parts = [FLASK_APP];
    let size = FLASK_APP.length;
    for (let i = 0; size < 20 * 1024 * 1024; i++) {
      const l = line(i);
      parts.push(l);
      size += l.length;
    }
    writeFileSync(join(dir, "generated.py"), parts.join(""));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("a 20 MB file is skipped past the default limit with a diagnostic naming max-file-size", async () => {
    const { run, report } = await scanJson([dir]);
    assert.equal(run.code, 1);
    assert.deepEqual(at(report, "good.py"), DEBUG_AT(4));
    assert.deepEqual(at(report, "generated.py"), []);
    const d = diagnosticsOf(report, "generated.py");
    assert.deepEqual(d.map((x) => [x.severity, x.code]), [["warning", "too-large"]]);
    assert.match(d[0]!.message, /max-file-size/);
    assert.match(d[0]!.message, /5242880 bytes/);
  });

  test("--max-file-size 30MB scans it", async () => {
    const { report } = await scanJson([dir, "--max-file-size", "30MB"]);
    assert.deepEqual(report.diagnostics, []);
    assert.deepEqual(at(report, "generated.py"), DEBUG_AT(4));
    assert.deepEqual(at(report, "good.py"), DEBUG_AT(4));
  });
});

describe("broken configuration", () => {
  test("a TOML syntax error exits 2 naming the file and the line", async () => {
    const dir = join(FIXTURES, "broken-config");
    const run = await cli(["scan", dir]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, "");
    assert.ok(run.stderr.includes(`${join(dir, "flaskwarden.toml")}:3:`), run.stderr);
    assert.match(run.stderr, /TOML syntax error/);
  });
});
