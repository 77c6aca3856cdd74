/**
 * The route inventory and the `routes` command: exact table output on the vulnerable example app and on a
 * flask-restful style fixture app (test/fixtures/routes/), the other formats, and the `[routes]` config table.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(REPO, "bin/flaskwarden.js");
const VULNERABLE = join(REPO, "examples/vulnerable-app");
const RESTFUL = join(REPO, "test/fixtures/routes/restful-app");
const RESTX_SMOREST = join(REPO, "test/fixtures/routes/restx-smorest-app");
const EXPECTED = join(REPO, "test/fixtures/routes/expected");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO, env, encoding: "utf8", timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : null;
      if (code === null) reject(err);
      else resolve({ code, stdout, stderr });
    });
  });
}

/** A throwaway project; `.git` stops the config search from walking up. */
function project(t: { after: (fn: () => void) => void }, files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "fw-routes-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, ".git"));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

describe("flaskwarden routes", () => {
  test("table for examples/vulnerable-app is exactly the expected inventory", async () => {
    const run = await cli(["routes", VULNERABLE]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, readFileSync(join(EXPECTED, "vulnerable-app.txt"), "utf8"));
  });

  test("table for the flask-restful style app: nested blueprints, registration prefixes, subdomain, resources, MethodView, limits, CSRF", async () => {
    const run = await cli(["routes", RESTFUL]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, readFileSync(join(EXPECTED, "restful-app.txt"), "utf8"));
  });

  test("table for flask-restx namespaces and flask-smorest blueprints routed by class decorators", async () => {
    const run = await cli(["routes", RESTX_SMOREST]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, readFileSync(join(EXPECTED, "restx-smorest-app.txt"), "utf8"));
  });

  test("json lists each control with its source", async () => {
    const run = await cli(["routes", RESTFUL, "-f", "json"]);
    assert.equal(run.code, 0, run.stderr);
    const data = JSON.parse(run.stdout) as { routes: { path: string; subdomain: string | null; auth: { name: string; via: string; file: string; optional: boolean }[]; misorderedAuth: { name: string }[]; rateLimit: { kind: string; via: string }[]; csrf: { state: string }; version: string | null }[] };
    const byPath = (p: string) => data.routes.find((r) => r.path === p)!;
    assert.deepEqual(byPath("/api/v2/search").auth.map((a) => [a.name, a.via, a.optional]), [["flask_jwt_extended.jwt_required", "Search.decorators", true]]);
    assert.equal(byPath("/backoffice/purge").subdomain, "ops");
    assert.deepEqual(byPath("/backoffice/purge").misorderedAuth.map((a) => a.name), ["inventory.admin.staff_required"]);
    assert.deepEqual(byPath("/backoffice/settings").auth.map((a) => a.via), ["Settings.decorators"]);
    assert.deepEqual(byPath("/login").auth.map((a) => [a.via, a.file]), [["blueprint before_request", "inventory/web.py"]]);
    assert.deepEqual(byPath("/api/v2/users/<int:user_id>").rateLimit.map((r) => r.via), ["blueprint limit"]);
    assert.deepEqual(byPath("/hooks/stripe").rateLimit.map((r) => r.kind), ["exempt"]);
    assert.equal(byPath("/hooks/stripe").csrf.state, "exempt");
    assert.equal(byPath("/api/v1/users").version, "v1");
  });

  test("openapi is an OpenAPI 3.1 skeleton with typed path parameters and unique operation ids", async () => {
    const run = await cli(["routes", VULNERABLE, "-f", "openapi"]);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as { openapi: string; paths: Record<string, Record<string, { operationId: string; parameters?: { name: string; schema: { type: string } }[]; security: unknown[] }>> };
    assert.equal(doc.openapi, "3.1.0");
    const op = doc.paths["/admin/users/{user_id}"]!["get"]!;
    assert.deepEqual(op.parameters!.map((p) => [p.name, p.schema.type]), [["user_id", "integer"]]);
    assert.deepEqual(op.security, []);
    assert.ok(doc.paths["/notes/{note_id}"]!["get"]!.security.length > 0);
    const ids = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(Object.keys(doc.paths), [...Object.keys(doc.paths)].sort());
  });

  test("markdown has one table per app", async () => {
    const run = await cli(["routes", RESTFUL, "-f", "markdown"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^# Route inventory\n\n## App inventory\/__init__\.py:8 \(create_app\)\n\n\| Methods \| Path \|/);
    assert.equal(run.stdout.split("\n").filter((l) => l.startsWith("| ")).length, 9);
  });

  test("--help documents the formats", async () => {
    const run = await cli(["routes", "--help"]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /"table", "json", "markdown",\s+"openapi"/);
    assert.match(run.stdout, /auth-decorators/);
  });

  test("[routes] auth-decorators names guards the scanner cannot recognise", async (t) => {
    const app = 'from flask import Flask\nfrom partner_sso import sso_protected\n\napp = Flask(__name__)\n\n\n@app.route("/admin/users/<int:user_id>")\n@sso_protected\ndef user(user_id):\n    return "x"\n';
    const without = project(t, { "app.py": app });
    const withConfig = project(t, { "app.py": app, "pyproject.toml": '[tool.flaskwarden.routes]\nauth-decorators = ["sso_protected"]\n' });
    const a = await cli(["routes", without]);
    assert.match(a.stdout, /\/admin\/users\/<int:user_id>\s+user\s+none\s/);
    const b = await cli(["routes", withConfig]);
    assert.match(b.stdout, /\/admin\/users\/<int:user_id>\s+user\s+sso_protected\s/);
    const scan = await cli(["scan", withConfig, "--select", "FLASK-AUTH-001", "-f", "json"]);
    assert.equal((JSON.parse(scan.stdout) as { findings: unknown[] }).findings.length, 0);
    const scanWithout = await cli(["scan", without, "--select", "FLASK-AUTH-001", "-f", "json"]);
    assert.equal((JSON.parse(scanWithout.stdout) as { findings: unknown[] }).findings.length, 1);
  });

  test("bad [routes] values stop with exit 2 and name the key", async (t) => {
    const wrongType = project(t, { "app.py": "", "flaskwarden.toml": '[routes]\nauth-decorators = "sso_protected"\n' });
    const r1 = await cli(["routes", wrongType]);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /`routes\.auth-decorators`: expected an array of strings/);
    const notName = project(t, { "app.py": "", "flaskwarden.toml": '[routes]\nauth-decorators = ["@sso"]\n' });
    const r2 = await cli(["scan", notName]);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /`routes\.auth-decorators\[0\]`: expected a Python name/);
    const typo = project(t, { "app.py": "", "flaskwarden.toml": '[routes]\nauth-decorator = ["x"]\n' });
    const r3 = await cli(["routes", typo]);
    assert.equal(r3.code, 2);
    assert.match(r3.stderr, /unknown key `routes\.auth-decorator` \(did you mean `auth-decorators`\?\)/);
  });
});
