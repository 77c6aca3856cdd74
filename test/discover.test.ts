import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultConfig, type Config } from "../src/config/types.js";
import type { Diagnostic, SourceFile } from "../src/core/types.js";
import { classify } from "../src/discover/classify.js";
import { countLines, firstInvalidUtf8, readSource } from "../src/discover/read.js";
import { discover } from "../src/discover/walk.js";

const SAMPLE = fileURLToPath(new URL("../../test/fixtures/discover/sample", import.meta.url));
const isRoot = process.getuid?.() === 0;
const ROOT_SKIP = "running as root: permission bits do not stop root from reading, so EACCES cannot be produced";

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix = "fw-discover-"): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  made.push(dir);
  return dir;
}

/** Builds a throwaway tree from a path → content map; a path ending in "/" makes an empty directory. */
function tree(files: Record<string, string | Buffer>, root = tempDir()): string {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, rel);
    if (rel.endsWith("/")) {
      mkdirSync(p, { recursive: true });
    } else {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
    }
  }
  return root;
}

function config(overrides: Partial<Config> = {}): Config {
  return { ...defaultConfig(process.cwd()), ...overrides };
}

const paths = (files: SourceFile[]): string[] => files.map((f) => f.path);
const codes = (diags: Diagnostic[]): Array<[string, string]> => diags.map((d) => [d.file, d.code]);

describe("classify", () => {
  const table: Array<[string, ReturnType<typeof classify>]> = [
    // Python
    ["app.py", { kind: "python" }],
    ["pkg/sub/mod.py", { kind: "python" }],
    ["gui.pyw", { kind: "python" }],
    ["setup.py", { kind: "python" }],
    ["gunicorn.conf.py", { kind: "python" }],
    ["gunicorn_config.py", { kind: "python" }],
    ["tests/test_app.py", { kind: "python" }],
    ["templates/macro.py", { kind: "python" }],
    [".env.py", { kind: "python" }],
    ["app.pyc", null],
    ["app.pyi", null],
    // Templates
    ["app/templates/index.html", { kind: "template" }],
    ["templates/index.htm", { kind: "template" }],
    ["app/templates/emails/welcome.jinja2", { kind: "template" }],
    ["templates/feed.xml", { kind: "template" }],
    ["templates/a/b/c/deep.html", { kind: "template" }],
    ["mail/body.jinja", { kind: "template" }],
    ["nginx.conf.j2", { kind: "template" }],
    ["Dockerfile.j2", { kind: "template" }],
    ["page.jinja2", { kind: "template" }],
    // Outside a `templates` folder: a candidate, read only if an app's template_folder holds it.
    ["static/index.html", { kind: "template", subkind: "candidate" }],
    ["index.html", { kind: "template", subkind: "candidate" }],
    ["mytemplates/index.html", { kind: "template", subkind: "candidate" }],
    ["templates.html", { kind: "template", subkind: "candidate" }],
    ["templates/style.css", null],
    ["pom.xml", { kind: "template", subkind: "candidate" }],
    // Manifests
    ["requirements.txt", { kind: "manifest", subkind: "requirements" }],
    ["requirements-dev.txt", { kind: "manifest", subkind: "requirements" }],
    ["requirements_prod.txt", { kind: "manifest", subkind: "requirements" }],
    ["Requirements.txt", { kind: "manifest", subkind: "requirements" }],
    ["requirements/base.txt", { kind: "manifest", subkind: "requirements" }],
    ["deps/requirements/base.txt", { kind: "manifest", subkind: "requirements" }],
    ["constraints.txt", { kind: "manifest", subkind: "requirements" }],
    ["constraints-py312.txt", { kind: "manifest", subkind: "requirements" }],
    ["requirements.in", null],
    ["dev-requirements.txt", { kind: "manifest", subkind: "requirements" }],
    ["test_requirements.txt", { kind: "manifest", subkind: "requirements" }],
    ["my-requirements-notes.txt", null],
    ["notes.txt", null],
    ["pyproject.toml", { kind: "manifest", subkind: "pyproject" }],
    ["svc/pyproject.toml", { kind: "manifest", subkind: "pyproject" }],
    ["poetry.lock", { kind: "manifest", subkind: "poetry-lock" }],
    ["Pipfile", { kind: "manifest", subkind: "pipfile" }],
    ["Pipfile.lock", { kind: "manifest", subkind: "pipfile-lock" }],
    ["uv.lock", { kind: "manifest", subkind: "uv-lock" }],
    ["setup.cfg", { kind: "manifest", subkind: "setup-cfg" }],
    ["ruff.toml", null],
    ["package.json", null],
    // Deployment: containers
    ["Dockerfile", { kind: "deployment", subkind: "dockerfile" }],
    ["docker/Dockerfile.prod", { kind: "deployment", subkind: "dockerfile" }],
    ["dockerfile", { kind: "deployment", subkind: "dockerfile" }],
    ["web.dockerfile", { kind: "deployment", subkind: "dockerfile" }],
    ["Containerfile", { kind: "deployment", subkind: "dockerfile" }],
    ["Dockerfile.dockerignore", null],
    [".dockerignore", null],
    ["Procfile", { kind: "deployment", subkind: "procfile" }],
    ["Procfile.dev", { kind: "deployment", subkind: "procfile" }],
    ["docker-compose.yml", { kind: "deployment", subkind: "compose" }],
    ["docker-compose.prod.yaml", { kind: "deployment", subkind: "compose" }],
    ["docker-compose-dev.yml", { kind: "deployment", subkind: "compose" }],
    ["compose.yaml", { kind: "deployment", subkind: "compose" }],
    ["deploy/compose.override.yml", { kind: "deployment", subkind: "compose" }],
    ["composer.yml", null],
    ["docker-compose.json", null],
    // Deployment: environment files
    [".env", { kind: "deployment", subkind: "dotenv" }],
    [".env.production", { kind: "deployment", subkind: "dotenv" }],
    ["config/.env.local", { kind: "deployment", subkind: "dotenv" }],
    [".flaskenv", { kind: "deployment", subkind: "dotenv" }],
    [".env.example", { kind: "deployment", subkind: "dotenv-example" }],
    [".env.sample", { kind: "deployment", subkind: "dotenv-example" }],
    [".env.template", { kind: "deployment", subkind: "dotenv-example" }],
    [".envrc", null],
    ["prod.env", null],
    // Deployment: servers and scripts
    ["uwsgi.ini", { kind: "deployment", subkind: "uwsgi" }],
    ["deploy/app.uwsgi.ini", { kind: "deployment", subkind: "uwsgi" }],
    ["uwsgi-production.ini", { kind: "deployment", subkind: "uwsgi" }],
    ["deploy/uwsgi/notes.ini", { kind: "deployment", subkind: "uwsgi" }],
    ["uwsgiconf.ini", null],
    ["tox.ini", null],
    ["entrypoint.sh", { kind: "deployment", subkind: "script" }],
    ["scripts/deploy.sh", { kind: "deployment", subkind: "script" }],
    ["Makefile", { kind: "deployment", subkind: "script" }],
    ["flask-app.service", { kind: "deployment", subkind: "systemd" }],
    ["deploy/systemd/app.service", { kind: "deployment", subkind: "systemd" }],
    ["nginx.conf", { kind: "deployment", subkind: "nginx" }],
    ["site.nginx", { kind: "deployment", subkind: "nginx" }],
    ["nginx/site.conf", { kind: "deployment", subkind: "nginx" }],
    ["deploy/nginx/sites/app.conf", { kind: "deployment", subkind: "nginx" }],
    ["etc/conf.d/app.conf", { kind: "deployment", subkind: "nginx" }],
    ["supervisord.conf", null],
    ["nginx/mime.types", null],
    // OpenAPI
    ["openapi.yaml", { kind: "openapi" }],
    ["openapi.json", { kind: "openapi" }],
    ["docs/openapi-v2.yml", { kind: "openapi" }],
    ["swagger.json", { kind: "openapi" }],
    ["spec/swagger.yaml", { kind: "openapi" }],
    ["api.openapi.yaml", { kind: "openapi" }],
    ["users.openapi.json", { kind: "openapi" }],
    ["openapi.txt", null],
    ["api.yaml", null],
    // Other
    ["README.md", null],
    ["static/app.js", null],
    ["", null],
  ];
  for (const [path, expected] of table) {
    test(`${JSON.stringify(path)} → ${expected === null ? "ignored" : `${expected.kind}${expected.subkind ? `/${expected.subkind}` : ""}`}`, () => {
      assert.deepEqual(classify(path), expected);
    });
  }
});

describe("discover", () => {
  test("finds and classifies every known file of a small project, sorted by path", async () => {
    const r = await discover([SAMPLE], config());
    assert.equal(r.root, realpathSync(SAMPLE));
    assert.deepEqual(
      r.files.map((f) => [f.path, f.kind, f.subkind ?? null]),
      [
        [".env.example", "deployment", "dotenv-example"],
        [".flaskenv", "deployment", "dotenv"],
        ["Dockerfile", "deployment", "dockerfile"],
        ["Procfile", "deployment", "procfile"],
        ["app/__init__.py", "python", null],
        ["app/static.html", "template", "candidate"],
        ["app/templates/index.html", "template", null],
        ["app/templates/partials/body.htm", "template", null],
        ["app/views.py", "python", null],
        ["deploy/nginx/site.conf", "deployment", "nginx"],
        ["deploy/start.sh", "deployment", "script"],
        ["docker-compose.yml", "deployment", "compose"],
        ["openapi.yaml", "openapi", null],
        ["pyproject.toml", "manifest", "pyproject"],
        ["requirements.txt", "manifest", "requirements"],
        ["requirements/dev.txt", "manifest", "requirements"],
      ],
    );
    assert.deepEqual(r.diagnostics, []);
    const views = r.files.find((f) => f.path === "app/views.py")!;
    assert.equal(views.absPath, join(realpathSync(SAMPLE), "app", "views.py"));
    assert.equal(views.size, 70);
    assert.equal("subkind" in views, false);
  });

  test("gives the same result twice", async () => {
    const a = await discover([SAMPLE], config());
    const b = await discover([SAMPLE], config());
    assert.deepEqual(a, b);
  });

  test("skips tool, cache, build and package folders, and virtualenvs under any name", async () => {
    const skipped = [
      ".git",
      ".hg",
      ".svn",
      "node_modules",
      "__pycache__",
      "site-packages",
      "dist-packages",
      ".tox",
      ".nox",
      ".mypy_cache",
      ".pytest_cache",
      ".ruff_cache",
      "build",
      "dist",
      "flaskwarden_demo.egg-info",
      ".eggs",
      ".venv",
      "venv",
      "app/node_modules",
      "app/__pycache__",
    ];
    const files: Record<string, string> = { "app/main.py": "", "build.py": "", "dist.sh": "", "tools/venv_helper.py": "" };
    for (const d of skipped) files[`${d}/x.py`] = "";
    // A virtualenv named neither venv nor .venv is recognised by its pyvenv.cfg.
    files["envs/py312/pyvenv.cfg"] = "home = /usr/bin\n";
    files["envs/py312/lib/python3.12/flask/app.py"] = "";
    files["envs/py312/bin/activate.sh"] = "";
    files["envs/other.py"] = "";
    const root = tree(files);
    const r = await discover([root], config());
    assert.deepEqual(paths(r.files), ["app/main.py", "build.py", "dist.sh", "envs/other.py", "tools/venv_helper.py"]);
    assert.deepEqual(r.diagnostics, []);
  });

  test("walks a skipped folder that is named as the target itself", async () => {
    const root = tree({ "build/gen.py": "", "build/node_modules/x.py": "" });
    const r = await discover([join(root, "build")], config());
    assert.equal(r.root, join(root, "build"));
    assert.deepEqual(paths(r.files), ["gen.py"]);
  });

  test("honours root and nested .gitignore files, negation and directory-only patterns", async () => {
    const root = tree({
      ".gitignore": "# generated code\ngenerated/\n*.pyc\nlocal_settings.py\n/top_only.py\ndeploy.sh/\n",
      "generated/models.py": "",
      "pkg/generated/models.py": "",
      "local_settings.py": "",
      "top_only.py": "",
      "pkg/top_only.py": "",
      "deploy.sh": "",
      "tools/deploy.sh/run.py": "",
      "app/.gitignore": "*.py\n!keep.py\n!local_settings.py\n",
      "app/keep.py": "",
      "app/drop.py": "",
      "app/local_settings.py": "",
      "app/sub/deeper.py": "",
      "app/sub/keep.py": "",
      "app/templates/base.html": "",
      "app/sub/.gitignore": "!deeper.py\n",
    });
    const r = await discover([root], config());
    assert.deepEqual(paths(r.files), [
      "app/keep.py",
      "app/local_settings.py",
      "app/sub/deeper.py",
      "app/sub/keep.py",
      "app/templates/base.html",
      "deploy.sh",
      "pkg/top_only.py",
    ]);

    const all = await discover([root], config({ respectGitignore: false }));
    assert.equal(all.files.length, 13);
  });

  test("applies .gitignore files above a target folder when several targets share a root", async () => {
    const root = tree({ ".gitignore": "secret_*.py\n", "a/secret_x.py": "", "a/ok.py": "", "b/ok.py": "" });
    const r = await discover([join(root, "a"), join(root, "b")], config());
    assert.equal(r.root, root);
    assert.deepEqual(paths(r.files), ["a/ok.py", "b/ok.py"]);
  });

  test("drops files matching exclude globs, with gitignore negation", async () => {
    const root = tree({
      "app/main.py": "",
      "tests/test_main.py": "",
      "tests/conftest.py": "",
      "migrations/env.py": "",
      "app/migrations/0001.py": "",
      "docs/conf.py": "",
      "docs/keep.py": "",
    });
    const r = await discover([root], config({ exclude: ["tests/", "/migrations", "app/**/0*.py", "docs/*.py", "!docs/keep.py"] }));
    assert.deepEqual(paths(r.files), ["app/main.py", "docs/keep.py"]);
  });

  test("keeps only files matching include globs but still walks every folder", async () => {
    const root = tree({
      "app/main.py": "",
      "app/templates/a.html": "",
      "deep/down/api/views.py": "",
      "Dockerfile": "",
      "requirements.txt": "",
      "other/tool.py": "",
    });
    const r = await discover([root], config({ include: ["app/", "**/api/*.py", "Dockerfile"] }));
    assert.deepEqual(paths(r.files), ["Dockerfile", "app/main.py", "app/templates/a.html", "deep/down/api/views.py"]);
  });

  test("exclude wins over include", async () => {
    const root = tree({ "app/main.py": "", "app/debug.py": "" });
    const r = await discover([root], config({ include: ["app/"], exclude: ["debug.py"] }));
    assert.deepEqual(paths(r.files), ["app/main.py"]);
  });

  test("does not follow symbolic links that leave the root", async () => {
    const outside = tree({ "lib/evil.py": "", "x.py": "", "notes.txt": "" });
    const root = tree({ "app/main.py": "" });
    symlinkSync(join(outside, "lib"), join(root, "app", "vendored"));
    symlinkSync(join(outside, "x.py"), join(root, "outside.py"));
    // Links to files flaskwarden would not scan anyway stay silent.
    symlinkSync(join(outside, "notes.txt"), join(root, "notes.txt"));
    const r = await discover([root], config());
    assert.deepEqual(paths(r.files), ["app/main.py"]);
    assert.deepEqual(codes(r.diagnostics), [
      ["app/vendored", "symlink-outside-root"],
      ["outside.py", "symlink-outside-root"],
    ]);
    assert.equal(r.diagnostics[0]!.severity, "info");
    assert.match(r.diagnostics[0]!.message, /^app\/vendored is a symbolic link to .*lib, outside the scanned folder/);
  });

  test("terminates on symbolic link loops and reports them", async () => {
    const root = tree({ "app/main.py": "", "app/sub/x.py": "" });
    symlinkSync("..", join(root, "app", "sub", "up"));
    symlinkSync(".", join(root, "app", "self"));
    symlinkSync(root, join(root, "app", "sub", "root"));
    // Two links pointing at each other never resolve (ELOOP).
    symlinkSync("b.py", join(root, "a.py"));
    symlinkSync("a.py", join(root, "b.py"));
    const r = await discover([root], config());
    assert.deepEqual(paths(r.files), ["app/main.py", "app/sub/x.py"]);
    assert.deepEqual(codes(r.diagnostics), [
      ["a.py", "symlink-loop"],
      ["app/self", "symlink-loop"],
      ["app/sub/root", "symlink-loop"],
      ["app/sub/up", "symlink-loop"],
      ["b.py", "symlink-loop"],
    ]);
    assert.ok(r.diagnostics.every((d) => d.severity === "info"));
  });

  test("follows a symbolic link to a folder inside the root once", async () => {
    const root = tree({ "shared/util.py": "", "app/main.py": "" });
    symlinkSync(join(root, "shared"), join(root, "app", "shared"));
    symlinkSync("../shared", join(root, "app", "shared2"));
    // The real folder is excluded, so the files are found only through the first link (in path order).
    const r = await discover([root], config({ exclude: ["/shared/"] }));
    assert.deepEqual(paths(r.files), ["app/main.py", "app/shared/util.py"]);
    assert.equal(r.files[1]!.absPath, join(root, "app", "shared", "util.py"));
    assert.deepEqual(codes(r.diagnostics), [["app/shared2", "symlink-duplicate"]]);

    // Without the exclusion, the real path wins over the link.
    const plain = await discover([root], config());
    assert.deepEqual(paths(plain.files), ["app/main.py", "shared/util.py"]);
    assert.deepEqual(codes(plain.diagnostics), [
      ["app/shared", "symlink-duplicate"],
      ["app/shared2", "symlink-duplicate"],
    ]);
  });

  test("keeps a file link to an unscanned file but not a duplicate of a scanned one", async () => {
    const root = tree({ "config/prod.env": "A=1\n", "deploy/docker-compose.yml": "services: {}\n" });
    symlinkSync("config/prod.env", join(root, ".env"));
    symlinkSync("deploy/docker-compose.yml", join(root, "docker-compose.yml"));
    const r = await discover([root], config());
    assert.deepEqual(
      r.files.map((f) => [f.path, f.subkind]),
      [
        [".env", "dotenv"],
        ["deploy/docker-compose.yml", "compose"],
      ],
    );
    assert.deepEqual(codes(r.diagnostics), [["docker-compose.yml", "symlink-duplicate"]]);
  });

  test("warns about broken symbolic links", async () => {
    const root = tree({ "app/main.py": "" });
    symlinkSync("missing.py", join(root, "app", "gone.py"));
    const r = await discover([root], config());
    assert.deepEqual(paths(r.files), ["app/main.py"]);
    assert.deepEqual(r.diagnostics, [
      {
        file: "app/gone.py",
        severity: "warning",
        code: "broken-symlink",
        message: "app/gone.py is a symbolic link to missing.py, which does not exist; it was skipped.",
      },
    ]);
  });

  test("stays silent about broken links that .gitignore drops", async () => {
    const root = tree({ ".gitignore": "gone.py\n", "main.py": "" });
    symlinkSync("missing.py", join(root, "gone.py"));
    const r = await discover([root], config());
    assert.deepEqual(r.diagnostics, []);
  });

  test("warns about an unreadable file and goes on", { skip: isRoot ? ROOT_SKIP : false }, async () => {
    const root = tree({ "a.py": "", "secret.py": "x = 1\n", "z.py": "" });
    chmodSync(join(root, "secret.py"), 0o000);
    try {
      const r = await discover([root], config());
      assert.deepEqual(paths(r.files), ["a.py", "z.py"]);
      assert.deepEqual(r.diagnostics, [
        { file: "secret.py", severity: "warning", code: "unreadable", message: "Could not read secret.py: permission denied (EACCES). It was skipped." },
      ]);
    } finally {
      chmodSync(join(root, "secret.py"), 0o644);
    }
  });

  test("warns about an unreadable folder and goes on", { skip: isRoot ? ROOT_SKIP : false }, async () => {
    const root = tree({ "a.py": "", "locked/inner.py": "", "z/b.py": "" });
    chmodSync(join(root, "locked"), 0o000);
    try {
      const r = await discover([root], config());
      assert.deepEqual(paths(r.files), ["a.py", "z/b.py"]);
      assert.deepEqual(r.diagnostics, [
        {
          file: "locked",
          severity: "warning",
          code: "unreadable",
          message: "Could not read the folder locked: permission denied (EACCES). Files inside it were not scanned.",
        },
      ]);
    } finally {
      chmodSync(join(root, "locked"), 0o755);
    }
  });

  test("skips files over max-file-size with a diagnostic that says how to raise it", async () => {
    const root = tree({ "big.py": Buffer.alloc(2 * 1024 * 1024, 0x20), "small.py": "x = 1\n", "big.md": Buffer.alloc(2 * 1024 * 1024, 0x20) });
    const r = await discover([root], config({ maxFileSize: 1024 * 1024 }));
    assert.deepEqual(paths(r.files), ["small.py"]);
    assert.deepEqual(r.diagnostics, [
      {
        file: "big.py",
        severity: "warning",
        code: "too-large",
        message: "big.py is 2.0 MB (2097152 bytes), larger than the limit of 1.0 MB (1048576 bytes), so it was skipped. Raise max-file-size in the configuration to scan it.",
      },
    ]);
    const raised = await discover([root], config({ maxFileSize: 2 * 1024 * 1024 }));
    assert.deepEqual(paths(raised.files), ["big.py", "small.py"]);
  });

  test("a single file target is scanned from its parent folder, ignore rules notwithstanding", async () => {
    const root = tree({ "app/.gitignore": "*.py\n", "app/templates/page.html": "", "app/views.py": "print(1)\n" });
    const r = await discover([join(root, "app", "views.py")], config());
    assert.equal(r.root, join(root, "app"));
    assert.deepEqual(r.files, [{ path: "views.py", absPath: join(root, "app", "views.py"), kind: "python", size: 9 }]);
    assert.deepEqual(r.diagnostics, []);
  });

  test("a file given directly keeps its template kind when its folder is the root", async () => {
    const root = tree({ "app/templates/page.html": "" });
    const r = await discover([join(root, "app", "templates", "page.html")], config());
    assert.deepEqual(paths(r.files), ["page.html"]);
    assert.equal(r.files[0]!.kind, "template");
  });

  test("says so when a file given directly is of no known kind", async () => {
    const root = tree({ "notes.txt": "hi" });
    const r = await discover([join(root, "notes.txt")], config());
    assert.deepEqual(r.files, []);
    assert.deepEqual(codes(r.diagnostics), [["notes.txt", "unsupported-file"]]);
  });

  test("several targets share their common parent as root, without duplicates", async () => {
    const root = tree({ "svc/api/app.py": "", "svc/api/lib/x.py": "", "svc/web/Dockerfile": "", "svc/web/wsgi.py": "", "other/y.py": "" });
    const r = await discover([join(root, "svc", "api"), join(root, "svc", "web", "Dockerfile"), join(root, "svc", "api", "lib")], config());
    assert.equal(r.root, join(root, "svc"));
    assert.deepEqual(paths(r.files), ["api/app.py", "api/lib/x.py", "web/Dockerfile"]);
    assert.equal(r.files[2]!.absPath, join(root, "svc", "web", "Dockerfile"));
  });

  test("relative targets are resolved against the working directory", async () => {
    const r = await discover([relative(process.cwd(), join(SAMPLE, "app"))], config());
    assert.equal(r.root, join(realpathSync(SAMPLE), "app"));
    assert.deepEqual(paths(r.files), ["__init__.py", "static.html", "templates/index.html", "templates/partials/body.htm", "views.py"]);
  });

  test("throws a clear error for a target that does not exist", async () => {
    const root = tempDir();
    const missing = join(root, "nope");
    await assert.rejects(discover([missing], config()), { message: `Target ${missing} does not exist.` });
    symlinkSync("nowhere", join(root, "dangling"));
    await assert.rejects(discover([join(root, "dangling")], config()), { message: `Target ${join(root, "dangling")} is a symbolic link whose destination does not exist.` });
  });

  test("handles thousands of files quickly", async () => {
    const files: Record<string, string> = {};
    for (let d = 0; d < 50; d++) for (let f = 0; f < 60; f++) files[`pkg${d}/mod${f}.py`] = "";
    const root = tree(files);
    const started = Date.now();
    const r = await discover([root], config());
    assert.equal(r.files.length, 3000);
    assert.equal(r.files[0]!.path, "pkg0/mod0.py");
    assert.equal(r.files[1]!.path, "pkg0/mod1.py");
    assert.ok(Date.now() - started < 5000, "discovery of 3000 files took more than 5 s");
  });
});

function sourceFile(root: string, rel: string, kind: SourceFile["kind"] = "python"): SourceFile {
  return { path: rel, absPath: join(root, rel), kind, size: 0 };
}

describe("readSource", () => {
  test("an empty file is empty text with no diagnostic", () => {
    const root = tree({ "empty.py": "" });
    assert.deepEqual(readSource(sourceFile(root, "empty.py")), { text: "", diagnostics: [], lines: 0 });
  });

  test("counts lines with and without a final newline, keeping CRLF", () => {
    const root = tree({ "a.py": "x = 1\r\ny = 2\r\n", "b.py": "x = 1\ny = 2", "c.py": "\n" });
    assert.deepEqual(readSource(sourceFile(root, "a.py")), { text: "x = 1\r\ny = 2\r\n", diagnostics: [], lines: 2 });
    assert.equal(readSource(sourceFile(root, "b.py")).lines, 2);
    assert.equal(readSource(sourceFile(root, "c.py")).lines, 1);
    assert.equal(countLines("a\n\nb"), 3);
  });

  test("a file with NUL bytes is skipped as binary", () => {
    const root = tree({ "blob.py": Buffer.from([0x61, 0x3d, 0x31, 0x0a, 0x00, 0x01]) });
    assert.deepEqual(readSource(sourceFile(root, "blob.py")), {
      text: null,
      lines: 0,
      diagnostics: [{ file: "blob.py", severity: "warning", code: "binary", message: "blob.py contains NUL bytes; looks binary, skipped." }],
    });
  });

  test("a NUL byte far past the first 8 KiB still counts", () => {
    const bytes = Buffer.alloc(100_000, 0x61);
    bytes[90_000] = 0;
    const root = tree({ "late.py": bytes });
    assert.equal(readSource(sourceFile(root, "late.py")).diagnostics[0]?.code, "binary");
  });

  test("a UTF-8 BOM is stripped", () => {
    const root = tree({ "bom.py": Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("name = 'café'\n")]) });
    assert.deepEqual(readSource(sourceFile(root, "bom.py")), { text: "name = 'café'\n", diagnostics: [], lines: 1 });
  });

  test("a UTF-16 file with a BOM (as PowerShell writes requirements.txt) is decoded, not called binary", () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("flask==3.0\r\n", "utf16le")]);
    const root = tree({ "requirements.txt": utf16 });
    assert.deepEqual(readSource(sourceFile(root, "requirements.txt", "manifest")), { text: "flask==3.0\r\n", diagnostics: [], lines: 1 });
  });

  test("Latin-1 Python with a coding cookie is decoded with that encoding, silently", () => {
    const root = tree({
      "cookie1.py": Buffer.concat([Buffer.from("# -*- coding: latin-1 -*-\nname = '"), Buffer.from([0xe9]), Buffer.from("'\n")]),
      "cookie2.py": Buffer.concat([Buffer.from("#!/usr/bin/env python\n# vim: set fileencoding=iso-8859-15 :\ns = '"), Buffer.from([0xa4]), Buffer.from("'\n")]),
      "cookie3.py": Buffer.concat([Buffer.from("# coding=cp1252\ns = '"), Buffer.from([0x80]), Buffer.from("'\n")]),
    });
    assert.deepEqual(readSource(sourceFile(root, "cookie1.py")), { text: "# -*- coding: latin-1 -*-\nname = 'é'\n", diagnostics: [], lines: 2 });
    // ISO-8859-15 has the euro sign where Latin-1 has the currency sign.
    assert.deepEqual(readSource(sourceFile(root, "cookie2.py")), { text: "#!/usr/bin/env python\n# vim: set fileencoding=iso-8859-15 :\ns = '€'\n", diagnostics: [], lines: 3 });
    assert.equal(readSource(sourceFile(root, "cookie3.py")).text, "# coding=cp1252\ns = '€'\n");
  });

  test("non-UTF-8 without a usable cookie is read as Latin-1 with a warning naming offset and line", () => {
    const bytes = Buffer.concat([Buffer.from("a = 1\nname = 'caf"), Buffer.from([0xe9]), Buffer.from("'\n")]);
    const root = tree({
      "plain.py": bytes,
      // A cookie on line 2 only counts when line 1 is a comment.
      "late_cookie.py": Buffer.concat([Buffer.from("x = 1\n# coding: latin-1\ny = '"), Buffer.from([0xe9]), Buffer.from("'\n")]),
      "unknown_codec.py": Buffer.concat([Buffer.from("# coding: klingon\ny = '"), Buffer.from([0xe9]), Buffer.from("'\n")]),
      "page.html": Buffer.concat([Buffer.from("# coding: latin-1\n<p>"), Buffer.from([0xe9]), Buffer.from("</p>\n")]),
    });
    assert.deepEqual(readSource(sourceFile(root, "plain.py")), {
      text: "a = 1\nname = 'café'\n",
      lines: 2,
      diagnostics: [
        {
          file: "plain.py",
          severity: "warning",
          code: "non-utf8",
          message:
            "plain.py is not valid UTF-8: byte 0xE9 at byte offset 17 (line 2) cannot be decoded. The file was read as Latin-1 instead, " +
            "so positions of non-ASCII characters may be off. Save it as UTF-8 or declare its encoding with a coding comment (PEP 263) on line 1 or 2.",
          range: { start: { line: 2, column: 12 }, end: { line: 2, column: 13 } },
        },
      ],
    });
    assert.equal(readSource(sourceFile(root, "late_cookie.py")).diagnostics[0]?.code, "non-utf8");
    assert.equal(readSource(sourceFile(root, "unknown_codec.py")).diagnostics[0]?.code, "non-utf8");
    // Coding cookies are a Python feature; other files fall back to Latin-1 with the warning.
    const html = readSource(sourceFile(root, "page.html", "template"));
    assert.equal(html.text, "# coding: latin-1\n<p>é</p>\n");
    assert.deepEqual(html.diagnostics.map((d) => [d.code, d.range]), [["non-utf8", { start: { line: 2, column: 4 }, end: { line: 2, column: 5 } }]]);
  });

  test("the bad-byte offset counts the BOM and rejects overlong and truncated sequences", () => {
    const root = tree({ "bom_bad.py": Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("ok\n"), Buffer.from([0xff])]) });
    assert.match(readSource(sourceFile(root, "bom_bad.py")).diagnostics[0]!.message, /byte 0xFF at byte offset 6 \(line 2\)/);
    const first = tree({ "bom_first.py": Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("ab"), Buffer.from([0xff])]) });
    const d = readSource(sourceFile(first, "bom_first.py")).diagnostics[0]!;
    assert.match(d.message, /byte offset 5 \(line 1\)/);
    // The BOM is not part of the decoded text, so the column points at the byte right after "ab".
    assert.deepEqual(d.range, { start: { line: 1, column: 3 }, end: { line: 1, column: 4 } });
    assert.equal(firstInvalidUtf8(Buffer.from("héllo ✓ 😀")), -1);
    assert.equal(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0xaf])), 1);
    assert.equal(firstInvalidUtf8(Buffer.from([0x61, 0x62, 0xe2, 0x82])), 2);
    assert.equal(firstInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80])), 0);
  });

  test("read errors give text null and an unreadable warning with the reason", () => {
    const root = tree({ "pkg.py/": "" });
    assert.deepEqual(readSource(sourceFile(root, "pkg.py")), {
      text: null,
      lines: 0,
      diagnostics: [{ file: "pkg.py", severity: "warning", code: "unreadable", message: "Could not read pkg.py: it is a directory (EISDIR). The file was skipped." }],
    });
    assert.deepEqual(readSource(sourceFile(root, "gone.py")).diagnostics.map((d) => d.message), ["Could not read gone.py: it no longer exists (ENOENT). The file was skipped."]);
  });

  test("a file without read permission gives an unreadable warning", { skip: isRoot ? ROOT_SKIP : false }, () => {
    const root = tree({ "locked.py": "x = 1\n" });
    chmodSync(join(root, "locked.py"), 0o000);
    try {
      assert.deepEqual(readSource(sourceFile(root, "locked.py")).diagnostics.map((d) => d.message), [
        "Could not read locked.py: permission denied (EACCES). The file was skipped.",
      ]);
    } finally {
      chmodSync(join(root, "locked.py"), 0o644);
    }
  });
});

describe("extension-less scripts", () => {
  test("a file with a Python shebang and no extension is scanned as Python; other extension-less files are not opened as Python", async () => {
    const root = tree({
      "bin/serve": "#!/usr/bin/env python3\nfrom app import app\napp.run()\n",
      "bin/manage": "#! /usr/bin/python3.11 -u\nprint('x')\n",
      "bin/deploy": "#!/bin/sh\nexec gunicorn app:app\n",
      "bin/notes": "python is mentioned, but not as a shebang\n",
      "bin/tool.sh": "#!/usr/bin/env python3\n",
      "LICENSE": "MIT\n",
    });
    const res = await discover([root], config());
    assert.deepEqual(
      res.files.filter((f) => f.kind === "python").map((f) => f.path),
      ["bin/manage", "bin/serve"],
    );
    // A shell script keeps its shell classification even with a python shebang: its name says what it is.
    assert.equal(res.files.find((f) => f.path === "bin/tool.sh")?.kind, "deployment");
    assert.deepEqual(res.diagnostics, []);
  });

  test("an ignored extension-less script is not read", async () => {
    const root = tree({ ".gitignore": "bin/\n", "bin/serve": "#!/usr/bin/env python3\n" });
    const res = await discover([root], config());
    assert.deepEqual(paths(res.files), []);
  });
});
