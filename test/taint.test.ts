/**
 * The data-flow engine end to end: traces, config-declared sources and sanitisers, recursion, and the
 * SARIF code flow. Per-rule behaviour lives in the annotated corpus under test/fixtures/rules/.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../src/config/load.js";
import { formatReport } from "../src/report/index.js";
import { RULES } from "../src/rules/index.js";
import { scan } from "../src/scan.js";
import { activeFindings, lines, scanFiles, writeProject } from "./support/scan.js";

const HELPERS = lines(
  "import subprocess",
  "",
  "def run(cmd):",
  "    return subprocess.check_output(cmd, shell=True)",
  "",
  "def again(n, cmd):",
  "    if n <= 0:",
  "        return run(cmd)",
  "    return again(n - 1, cmd)",
);

const VIEWS = lines(
  "import os",
  "from flask import Flask, request",
  "from .helpers import run, again",
  "from .web import current_query, quote_ident",
  "",
  "app = Flask(__name__)",
  "",
  '@app.route("/ping")',
  "def ping():",
  '    host = request.args["host"]',
  '    return run("ping -c 1 " + host)',
  "",
  '@app.route("/loop")',
  "def loop():",
  '    return again(3, request.form["cmd"])',
  "",
  '@app.route("/declared")',
  "def declared():",
  "    return os.popen(current_query()).read()",
  "",
  '@app.route("/cleaned")',
  "def cleaned():",
  '    return os.system(quote_ident(request.args["x"]))',
);

const WEB = lines("def current_query():", "    return ''", "", "def quote_ident(x):", "    return x");

test("a flow through a helper in another module carries every step from the request to the sink", async () => {
  const out = await scanFiles({ "app/__init__.py": "", "app/helpers.py": HELPERS, "app/views.py": VIEWS, "app/web.py": WEB });
  const f = activeFindings(out).filter((x) => x.ruleId === "FLASK-INJECT-002");
  // Two views reach the helper's sink: one finding there, naming both sources, with the shortest trace.
  const ping = f.find((x) => x.file === "app/helpers.py");
  assert.ok(ping, "the helper's sink is reported");
  assert.equal(ping.range.start.line, 4);
  assert.deepEqual(
    ping.trace!.map((s) => `${s.file}:${s.range.start.line}`),
    ["app/views.py:10", "app/views.py:10", "app/views.py:11", "app/helpers.py:3", "app/helpers.py:4"],
  );
  assert.match(ping.trace![0]!.message, /request\.args/);
  assert.match(ping.trace![2]!.message, /passed to `run` as `cmd`/);
  // The recursive helper terminates and its flow (from request.form) is the second source.
  assert.match(ping.message, /and 1 other source: `request\.form`/);
  // Without config, the declared source and sanitiser are ordinary functions.
  assert.ok(!f.some((x) => x.file === "app/views.py" && x.range.start.line === 19), "current_query() is not a source unless declared");
  assert.ok(f.some((x) => x.file === "app/views.py" && x.range.start.line === 23), "quote_ident is not a sanitiser unless declared");
});

test("sources and sanitisers declared in the config are honoured", async () => {
  const dir = writeProject({ "app/__init__.py": "", "app/helpers.py": HELPERS, "app/views.py": VIEWS, "app/web.py": WEB });
  try {
    const file = join(dir, "flaskwarden.toml");
    writeFileSync(file, lines("[dataflow]", 'sources = ["app.web.current_query"]', 'sanitizers = { "app.web.quote_ident" = ["cmd"] }'));
    const out = await scan({ targets: [dir], config: loadConfig(file, {}), jobs: 0 });
    const f = activeFindings(out).filter((x) => x.ruleId === "FLASK-INJECT-002");
    const declared = f.find((x) => x.file === "app/views.py" && x.range.start.line === 19);
    assert.ok(declared, "current_query() is a source");
    assert.match(declared.message, /declared in the config/);
    assert.ok(!f.some((x) => x.file === "app/views.py" && x.range.start.line === 23), "quote_ident clears command injection");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("SARIF carries a data-flow trace as a code flow", async () => {
  const out = await scanFiles({ "app/__init__.py": "", "app/helpers.py": HELPERS, "app/views.py": VIEWS, "app/web.py": WEB });
  const sarif = JSON.parse(formatReport("sarif", out.result, { color: false, toolVersion: "0.0.0", rules: [...RULES], showSuppressed: false })) as { runs: { results: { ruleId: string; codeFlows?: { threadFlows: { locations: unknown[] }[] }[] }[] }[] };
  const r = sarif.runs[0]!.results.find((x) => x.ruleId === "FLASK-INJECT-002");
  assert.ok(r?.codeFlows?.[0]?.threadFlows[0]!.locations.length! >= 3);
});

test("a project without Flask costs the engine nothing and reports nothing", async () => {
  const out = await scanFiles({ "lib.py": lines("import os", "def f(x):", "    os.system(x)") });
  assert.deepEqual(activeFindings(out), []);
});
