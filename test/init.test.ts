/**
 * `flaskwarden init`: the generated project scans clean with every rule, the command refuses to
 * overwrite files without --force, and (when scripts/install-live-deps.sh has unpacked Debian's Flask,
 * gunicorn and extensions into .live-deps/) the generated app really serves its security headers and
 * cookie flags under gunicorn on 127.0.0.1. The live part runs only code this project generated.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { initProject } from "../src/cli/init.js";
import { RULES } from "../src/rules/index.js";
import { activeFindings, brokenDiagnostics, listFiles, scanDir } from "./support/scan.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(REPO, "bin/flaskwarden.js");
const LIVE_DEPS = join(REPO, ".live-deps/root/usr/lib/python3/dist-packages");
/** Written by the script only after every package is unpacked, so a broken download counts as missing. */
const LIVE_DEPS_DONE = join(REPO, ".live-deps/complete");

const temps: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "flaskwarden-init-"));
  temps.push(d);
  return d;
}
after(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: "1" } }, (err, stdout, stderr) => {
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("flaskwarden init", () => {
  test("the generated project has the promised pieces and scans clean with every rule", async () => {
    const dir = tempDir();
    const { written } = initProject(dir);
    assert.deepEqual(written, listFiles(dir));
    for (const f of [".env.example", ".gitignore", "wsgi.py", "gunicorn.conf.py", "requirements.txt", "webapp/__init__.py", "webapp/config.py"]) {
      assert.ok(written.includes(f), `${f} not written`);
    }
    const out = await scanDir(dir);
    assert.deepEqual(brokenDiagnostics(out), []);
    assert.ok(RULES.length > 0);
    const findings = activeFindings(out).map((f) => `${f.ruleId} at ${f.file}:${f.range.start.line}: ${f.message}`);
    assert.deepEqual(findings, []);
    assert.equal(out.result.findings.filter((f) => f.suppressed).length, 0, "the skeleton must not need suppressions");
  });

  test("the CLI writes the project, lists the files and the next steps", async () => {
    const dir = join(tempDir(), "new project");
    const r = await cli(["init", dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Wrote \d+ files to /);
    assert.match(r.stdout, /^ {2}wsgi\.py$/m);
    assert.match(r.stdout, /Next steps:/);
    assert.match(r.stdout, /gunicorn -c gunicorn\.conf\.py wsgi:app/);
    assert.ok(existsSync(join(dir, "webapp", "templates", "base.html")));
  });

  test("refuses to overwrite existing files unless --force, and writes nothing then", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "wsgi.py"), "# mine\n");
    const refused = await cli(["init", dir]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /refusing to overwrite existing files \(use --force to replace them\): wsgi\.py/);
    assert.equal(refused.stdout, "");
    assert.equal(readFileSync(join(dir, "wsgi.py"), "utf8"), "# mine\n");
    assert.equal(existsSync(join(dir, "webapp")), false, "nothing may be written when the command refuses");

    const forced = await cli(["init", "--force", dir]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(readFileSync(join(dir, "wsgi.py"), "utf8"), /create_app\(\)/);
  });

  test("a path that is a file is a usage error", async () => {
    const file = join(tempDir(), "f");
    writeFileSync(file, "");
    const r = await cli(["init", file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not a folder/);
  });

  test("is listed in --help and ships its templates with the package", async () => {
    const help = await cli(["--help"]);
    assert.match(help.stdout, /init \[options\] <dir>/);
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { files: string[] };
    assert.ok(pkg.files.includes("templates"), "package.json `files` must include templates/");
  });
});

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function get(port: number, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((res, rej) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, method: opts.method ?? "GET", headers: opts.headers, timeout: 10_000 }, (r) => {
      let body = "";
      r.setEncoding("utf8");
      r.on("data", (c: string) => (body += c));
      r.on("end", () => res({ status: r.statusCode ?? 0, headers: r.headers, body }));
    });
    req.on("error", rej);
    req.on("timeout", () => req.destroy(new Error(`timeout on ${path}`)));
    req.end(opts.body);
  });
}

const hasPython = spawnSync("python3", ["--version"]).status === 0;
const liveSkip = !hasPython
  ? "python3 is not installed"
  : !existsSync(LIVE_DEPS_DONE)
    ? "Flask and gunicorn from Debian are not unpacked; run scripts/install-live-deps.sh to enable this test"
    : false;
if (liveSkip) process.stderr.write(`init live test skipped: ${liveSkip}\n`);

describe("flaskwarden init: the generated app under gunicorn", { skip: liveSkip }, () => {
  let dir = "";
  let port = 0;
  let server: ChildProcess | undefined;
  let log = "";
  const env = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    PYTHONPATH: LIVE_DEPS,
    PYTHONDONTWRITEBYTECODE: "1",
    APP_ENV: "production",
    ...extra,
  });

  before(async () => {
    dir = tempDir();
    initProject(dir);
    port = await freePort();
    server = spawn("python3", ["-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], {
      cwd: dir,
      env: env({
        SECRET_KEY: randomBytes(32).toString("hex"),
        TRUSTED_HOSTS: "127.0.0.1",
        RATELIMIT_STORAGE_URI: "memory://",
        GUNICORN_BIND: `127.0.0.1:${port}`,
        GUNICORN_WORKERS: "1",
      }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    server.stdout!.on("data", (c: Buffer) => (log += c.toString()));
    server.stderr!.on("data", (c: Buffer) => (log += c.toString()));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`gunicorn exited with ${server.exitCode}:\n${log}`);
      try {
        await get(port, "/");
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`gunicorn did not answer on 127.0.0.1:${port} within 30 s:\n${log}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  });

  after(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once("exit", r));
      server.kill("SIGTERM");
      await exited;
    }
  });

  test("pages carry the security headers", async () => {
    const r = await get(port, "/");
    assert.equal(r.status, 200, log);
    const csp = String(r.headers["content-security-policy"]);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(r.headers["x-content-type-options"], "nosniff");
    assert.equal(r.headers["x-frame-options"], "DENY");
    assert.equal(r.headers["referrer-policy"], "strict-origin-when-cross-origin");
    assert.match(String(r.headers["strict-transport-security"]), /max-age=\d+/);
  });

  test("the session cookie is Secure, HttpOnly and SameSite=Lax", async () => {
    const r = await get(port, "/auth/login");
    assert.equal(r.status, 200);
    const cookies = r.headers["set-cookie"] ?? [];
    const session = cookies.find((c) => c.startsWith("session="));
    assert.ok(session, `no session cookie in ${JSON.stringify(cookies)}`);
    const attrs = session.split(";").map((a) => a.trim().toLowerCase());
    assert.ok(attrs.includes("secure"), session);
    assert.ok(attrs.includes("httponly"), session);
    assert.ok(attrs.includes("samesite=lax"), session);
  });

  test("a POST without a CSRF token is refused, and errors show no internals", async () => {
    const r = await get(port, "/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "username=a&password=b",
    });
    assert.equal(r.status, 400);
    assert.doesNotMatch(r.body, /Traceback|CSRF|csrf_token|werkzeug/i);
    assert.equal(r.headers["x-frame-options"], "DENY", "error pages carry the headers too");
    const missing = await get(port, "/no-such-page");
    assert.equal(missing.status, 404);
    assert.doesNotMatch(missing.body, /Traceback|werkzeug/i);
  });

  test("a Host outside TRUSTED_HOSTS is refused", async () => {
    const r = await get(port, "/", { headers: { Host: "attacker.example" } });
    assert.equal(r.status, 400);
  });

  test("login attempts are rate limited", async () => {
    const page = await get(port, "/auth/login");
    const token = /name="csrf_token" value="([^"]+)"/.exec(page.body)?.[1];
    assert.ok(token, "the login form has no CSRF token");
    const cookie = (page.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]).join("; ");
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await get(port, "/auth/login", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie },
        body: `csrf_token=${encodeURIComponent(token)}&username=admin&password=wrong`,
      });
      statuses.push(r.status);
    }
    // Five wrong passwords get the form again; the sixth within a minute is refused.
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429], log);
  });

  test("the generated project's own pytest suite passes", () => {
    const r = spawnSync("python3", ["-m", "pytest", "-q", "-p", "no:cacheprovider"], { cwd: dir, env: env({}), encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /\d+ passed/);
  });

  test("production refuses to start without SECRET_KEY, TRUSTED_HOSTS and RATELIMIT_STORAGE_URI", () => {
    const r = spawnSync("python3", ["-c", "import wsgi"], { cwd: dir, env: env({}), encoding: "utf8", timeout: 30_000 });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /missing required environment variables: SECRET_KEY, TRUSTED_HOSTS, RATELIMIT_STORAGE_URI/);
  });
});
