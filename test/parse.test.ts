import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { decodeResult } from "../src/index/wire.js";
import { blankCommentRuns, processFile } from "../src/parse/file.js";
import { parseAll, prewarm } from "../src/parse/pool.js";
import { pythonParser } from "../src/parse/treesitter.js";
import type { SourceFile } from "../src/core/types.js";

test("long runs of comment-only lines are blanked with every position kept", () => {
  const run = Array.from({ length: 20 }, (_, i) => `    # note ${i}`).join("\n");
  const src = `x = 1\n${run}\n    # flaskwarden: ignore[FLASK-DEPLOY-002] kept\ny = 2  # trailing\n`;
  const out = blankCommentRuns(src);
  assert.equal(out.length, src.length);
  assert.deepEqual(out.split("\n").map((l) => l.length), src.split("\n").map((l) => l.length));
  assert.ok(!out.includes("# note"));
  assert.ok(out.includes("# flaskwarden: ignore[FLASK-DEPLOY-002] kept"));
  assert.ok(out.includes("y = 2  # trailing"));
  // Short runs (a licence header, a commented block) are left alone.
  const short = "# a\n# b\nx = 1\n";
  assert.equal(blankCommentRuns(short), short);
});

test("a file with tens of thousands of comment lines is indexed, and a suppression among them still applies", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fw-parse-"));
  try {
    const comments = Array.from({ length: 30_000 }, (_, i) => `# generated comment line ${i}`).join("\n");
    const src = `from flask import Flask\napp = Flask(__name__)\n${comments}\n# flaskwarden: ignore[FLASK-DEPLOY-002] demo\napp.run(debug=True)\n`;
    const path = join(dir, "big.py");
    writeFileSync(path, src);
    const parser = await pythonParser();
    const r = decodeResult(processFile(parser, { path: "big.py", absPath: path, kind: "python", size: src.length }));
    assert.deepEqual(r.diagnostics, []);
    const run = r.python!.calls.find((c) => c.call.fn.k === "attr" && c.call.fn.name === "run");
    assert.equal(run?.call.r, "30004:1:30004:20");
    assert.deepEqual(
      r.suppressions.map((s) => [s.line, s.fromLine, s.toLine, s.ruleIds]),
      [[30003, 30004, 30004, ["FLASK-DEPLOY-002"]]],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("workers started early give the same results as in-process parsing, and unused ones are stopped", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fw-pool-"));
  try {
    const files: SourceFile[] = [];
    for (let i = 0; i < 6; i++) {
      const text = `from flask import Flask\napp${i} = Flask(__name__)\napp${i}.config["DEBUG"] = ${i % 2 === 0 ? "True" : "False"}\n`;
      writeFileSync(join(dir, `m${i}.py`), text);
      files.push({ path: `m${i}.py`, absPath: join(dir, `m${i}.py`), kind: "python", size: text.length });
    }
    const strip = <T extends { parseMs: number }>(r: T): T => ({ ...r, parseMs: 0 });
    const inProcess = (await parseAll(files, { jobs: 0 })).map(strip);
    prewarm(2);
    const viaWorkers = (await parseAll(files, { jobs: 2 })).map(strip);
    assert.deepEqual(viaWorkers, inProcess);
    assert.equal(viaWorkers[2]!.python!.assigns.length, 2);
    // Started but then not needed: parseAll in-process stops them, so the test process can exit.
    prewarm(2);
    assert.deepEqual((await parseAll(files, { jobs: 0 })).map(strip), inProcess);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
