/**
 * Exceptions as a data-flow source (FLASK-ERROR-001) and authorisation-state sinks (FLASK-TRUST-001):
 * the trace of an exception flow, the separation between request data and exception details, and the
 * session keys that count as authorisation state. Per-rule behaviour lives in test/fixtures/rules/.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { authorisationKey } from "../src/taint/errors.js";
import { activeFindings, lines, scanFiles } from "./support/scan.js";

test("an exception caught in a view and formatted by a helper is traced from the except clause to the response", async () => {
  const out = await scanFiles({
    "app.py": lines(
      "from flask import Flask, jsonify, request",
      "from helpers import describe",
      "",
      "app = Flask(__name__)",
      "",
      "@app.errorhandler(500)",
      "def on_500(e):",
      '    return "internal error", 500',
      "",
      '@app.route("/run")',
      "def run():",
      "    try:",
      '        return str(int(request.args["n"]) * 2)',
      "    except Exception as exc:",
      "        payload = describe(exc)",
      "        return jsonify(payload), 500",
      "",
      '@app.route("/echo")',
      "def echo():",
      '    return jsonify(q=request.args.get("q"))',
    ),
    "helpers.py": lines("def describe(err):", '    return {"detail": repr(err)}'),
  });
  const f = activeFindings(out).filter((x) => x.ruleId === "FLASK-ERROR-001");
  // Request data returned by /echo is not an exception detail: one finding only.
  assert.deepEqual(f.map((x) => `${x.file}:${x.range.start.line}`), ["app.py:16"]);
  const trace = f[0]!.trace!;
  assert.equal(trace[0]!.range.start.line, 14, "the trace starts at the except clause");
  assert.ok(trace.some((s) => s.file === "helpers.py"), "the trace goes through the helper");
  assert.match(f[0]!.message, /exception caught as `Exception`/);
});

test("exception details never reach the sinks of request-data rules", async () => {
  const out = await scanFiles({
    "app.py": lines(
      "import os",
      "from flask import Flask, redirect",
      "",
      "app = Flask(__name__)",
      "",
      '@app.route("/x")',
      "def x():",
      "    try:",
      '        open("/srv/data.txt").read()',
      "    except OSError as e:",
      '        os.system("logger " + str(e))',
      "        return redirect(str(e))",
      '    return "ok"',
    ),
  });
  const ids = activeFindings(out).map((f) => f.ruleId);
  assert.ok(!ids.includes("FLASK-INJECT-002"));
  assert.ok(!ids.includes("FLASK-REDIRECT-001"));
});

test("authorisation-state keys: identity and rights count, interface state does not", () => {
  for (const k of ["user_id", "_user_id", "uid", "role", "is_admin", "isAdmin", "can_publish", "account_id", "tenant", "permissions", "impersonating"]) {
    assert.equal(authorisationKey(k), true, k);
  }
  for (const k of ["lang", "theme", "next", "cart", "email", "group_by", "level", "user_sort", "login_next", "last_user_search", "page"]) {
    assert.equal(authorisationKey(k), false, k);
  }
});
