import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { defaultConfig } from "../src/config/types.js";
import type { Range, SourceFile } from "../src/core/types.js";
import { indexDeployment } from "../src/index/deploy/index.js";
import { shellSplit } from "../src/index/deploy/text.js";
import { readSource } from "../src/discover/read.js";
import { discover } from "../src/discover/walk.js";

const SAMPLE = fileURLToPath(new URL("../../test/fixtures/discover/sample", import.meta.url));

function file(path: string, subkind: string): SourceFile {
  return { path, absPath: `/nowhere/${path}`, kind: "deployment", subkind, size: 0 };
}

/** A range on one line, columns end-exclusive. */
function r(line: number, start: number, end: number, endLine = line): Range {
  return { start: { line, column: start }, end: { line: endLine, column: end } };
}

const lines = (...l: string[]): string => l.join("\n") + "\n";

describe("dotenv", () => {
  test("KEY=VALUE, export, quotes, escapes, inline comments and multi-line values", () => {
    const text = lines(
      "# comment",
      "",
      "FLASK_DEBUG=1",
      "export SECRET_KEY='s3cr3t # not a comment'",
      'DATABASE_URL="postgres://u:p@db/x\\n2"  # trailing',
      "NAME=plain value # comment",
      "HASH=abc#def",
      "  SPACED = padded  ",
      "EMPTY=",
      'MULTI="line one',
      'line two"',
      "BARE",
      'ESC="say \\"hi\\""',
      "URL=${BASE}/x",
    );
    const { facts, diagnostics } = indexDeployment(file(".env", "dotenv"), text);
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(facts.commands, []);
    assert.deepEqual(facts.env, [
      { name: "FLASK_DEBUG", value: "1", range: r(3, 1, 14), source: "dotenv" },
      { name: "SECRET_KEY", value: "s3cr3t # not a comment", range: r(4, 8, 43), source: "dotenv" },
      { name: "DATABASE_URL", value: "postgres://u:p@db/x\n2", range: r(5, 1, 38), source: "dotenv" },
      { name: "NAME", value: "plain value", range: r(6, 1, 17), source: "dotenv" },
      { name: "HASH", value: "abc#def", range: r(7, 1, 13), source: "dotenv" },
      { name: "SPACED", value: "padded", range: r(8, 3, 18), source: "dotenv" },
      { name: "EMPTY", value: "", range: r(9, 1, 7), source: "dotenv" },
      { name: "MULTI", value: "line one\nline two", range: r(10, 1, 10, 11), source: "dotenv" },
      { name: "ESC", value: 'say "hi"', range: r(13, 1, 17), source: "dotenv" },
      { name: "URL", value: "${BASE}/x", range: r(14, 1, 14), source: "dotenv" },
    ]);
  });

  test("CRLF line endings do not leak into values or ranges", () => {
    const { facts } = indexDeployment(file(".flaskenv", "dotenv"), "A=1\r\nB='x'\r\n");
    assert.deepEqual(facts.env, [
      { name: "A", value: "1", range: r(1, 1, 4), source: "dotenv" },
      { name: "B", value: "x", range: r(2, 1, 6), source: "dotenv" },
    ]);
  });

  test("example files are parsed the same way", () => {
    const { facts } = indexDeployment(file(".env.example", "dotenv-example"), "SECRET_KEY=change-me\n");
    assert.deepEqual(facts.env, [{ name: "SECRET_KEY", value: "change-me", range: r(1, 1, 21), source: "dotenv" }]);
  });

  test("malformed lines are reported and skipped; the rest is still read", () => {
    const text = lines("=novalue", "KEY value", 'OPEN="never closed', "OK=1");
    const { facts, diagnostics } = indexDeployment(file(".env", "dotenv"), text);
    assert.deepEqual(diagnostics, [
      { file: ".env", severity: "warning", code: "parse-error", message: "Could not parse line 1 of .env: expected KEY=VALUE. The line was skipped.", range: r(1, 1, 9) },
      { file: ".env", severity: "warning", code: "parse-error", message: 'Could not parse line 2 of .env: expected "=" after KEY. The line was skipped.', range: r(2, 1, 10) },
      {
        file: ".env",
        severity: "warning",
        code: "parse-error",
        message: "Could not parse line 3 of .env: the double quote opened for OPEN is never closed. The line was skipped.",
        range: r(3, 1, 19),
      },
    ]);
    assert.deepEqual(facts.env, [{ name: "OK", value: "1", range: r(4, 1, 5), source: "dotenv" }]);
  });
});

describe("Dockerfile", () => {
  test("ENV in both forms, continuations with comments, RUN flags, exec and shell forms", () => {
    const text = lines(
      "# syntax=docker/dockerfile:1",
      "FROM python:3.12-slim AS base",
      "ARG SECRET=abc",
      "ENV FLASK_ENV=production \\",
      '    SECRET_KEY="dev key" PORT=8000',
      "ENV LEGACY_KEY some value here",
      "RUN pip install -r requirements.txt && \\",
      "    # comment inside continuation",
      "    pip install gunicorn",
      "RUN --mount=type=cache,target=/root/.cache pip install flask",
      'CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]',
      "ENTRYPOINT python -m flask run --host=0.0.0.0",
      'cmd [ "broken json"',
    );
    const { facts, diagnostics } = indexDeployment(file("Dockerfile", "dockerfile"), text);
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(facts.env, [
      { name: "FLASK_ENV", value: "production", range: r(4, 5, 25), source: "dockerfile" },
      { name: "SECRET_KEY", value: "dev key", range: r(5, 5, 25), source: "dockerfile" },
      { name: "PORT", value: "8000", range: r(5, 26, 35), source: "dockerfile" },
      { name: "LEGACY_KEY", value: "some value here", range: r(6, 5, 31), source: "dockerfile" },
    ]);
    assert.deepEqual(facts.commands, [
      {
        text: "pip install -r requirements.txt &&     pip install gunicorn",
        argv: ["pip", "install", "-r", "requirements.txt", "&&", "pip", "install", "gunicorn"],
        range: r(7, 5, 25, 9),
        source: "dockerfile-run",
      },
      { text: "pip install flask", argv: ["pip", "install", "flask"], range: r(10, 44, 61), source: "dockerfile-run" },
      {
        text: "gunicorn --bind 0.0.0.0:8000 app:app",
        argv: ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"],
        range: r(11, 5, 54),
        source: "dockerfile-cmd",
      },
      {
        text: "python -m flask run --host=0.0.0.0",
        argv: ["python", "-m", "flask", "run", "--host=0.0.0.0"],
        range: r(12, 12, 46),
        source: "dockerfile-entrypoint",
      },
      // Docker runs an exec form that is not valid JSON as a shell command, and so does the parser.
      { text: '[ "broken json"', argv: ["[", "broken json"], range: r(13, 5, 20), source: "dockerfile-cmd" },
    ]);
  });

  test("an exec form split over continuation lines", () => {
    const text = lines('CMD ["flask", "run", \\', '     "--debug"]');
    const { facts } = indexDeployment(file("Dockerfile", "dockerfile"), text);
    assert.deepEqual(facts.commands, [{ text: "flask run --debug", argv: ["flask", "run", "--debug"], range: r(1, 5, 16, 2), source: "dockerfile-cmd" }]);
  });

  test("heredoc bodies belong to their RUN and are not read as instructions", () => {
    const text = lines("FROM python", "RUN <<EOF", "pip install flask", "ENV NOT_AN_ENV=1", "EOF", "CMD flask run");
    const { facts } = indexDeployment(file("Dockerfile", "dockerfile"), text);
    assert.deepEqual(facts.env, []);
    assert.deepEqual(facts.commands, [
      {
        text: "<<EOF\npip install flask\nENV NOT_AN_ENV=1",
        argv: ["<<EOF", "pip", "install", "flask", "ENV", "NOT_AN_ENV=1"],
        range: r(2, 5, 17, 4),
        source: "dockerfile-run",
      },
      { text: "flask run", argv: ["flask", "run"], range: r(6, 5, 14), source: "dockerfile-cmd" },
    ]);
  });

  test("the escape directive switches the continuation character", () => {
    const text = lines("# escape=`", "FROM mcr.microsoft.com/windows/servercore", "ENV A=1 `", "    B=C:\\app");
    const { facts } = indexDeployment(file("Dockerfile.windows", "dockerfile"), text);
    assert.deepEqual(
      facts.env.map((e) => [e.name, e.value, e.range]),
      [
        ["A", "1", r(3, 5, 8)],
        ["B", "C:\\app", r(4, 5, 13)],
      ],
    );
  });

  test("ENV arguments that are not KEY=VALUE are reported", () => {
    const { facts, diagnostics } = indexDeployment(file("Dockerfile", "dockerfile"), "ENV A=1 =2\n");
    assert.deepEqual(facts.env.map((e) => e.name), ["A"]);
    assert.deepEqual(diagnostics, [
      { file: "Dockerfile", severity: "warning", code: "parse-error", message: 'Dockerfile: ENV argument "=2" is not KEY=VALUE, which Docker rejects; it was skipped.', range: r(1, 9, 11) },
    ]);
  });
});

describe("Procfile", () => {
  test("one command per process; bad lines are reported", () => {
    const text = lines("web: gunicorn app:app --bind 0.0.0.0:$PORT", "# comment", "worker:   celery -A app.celery worker   ", "release: flask db upgrade", "not a process line");
    const { facts, diagnostics } = indexDeployment(file("Procfile", "procfile"), text);
    assert.deepEqual(facts.env, []);
    assert.deepEqual(facts.commands, [
      { text: "gunicorn app:app --bind 0.0.0.0:$PORT", argv: ["gunicorn", "app:app", "--bind", "0.0.0.0:$PORT"], range: r(1, 6, 43), source: "procfile", process: "web" },
      { text: "celery -A app.celery worker", argv: ["celery", "-A", "app.celery", "worker"], range: r(3, 11, 38), source: "procfile", process: "worker" },
      { text: "flask db upgrade", argv: ["flask", "db", "upgrade"], range: r(4, 10, 26), source: "procfile", process: "release" },
    ]);
    assert.deepEqual(diagnostics, [
      { file: "Procfile", severity: "warning", code: "parse-error", message: 'Could not parse line 5 of Procfile: expected "process: command". The line was skipped.', range: r(5, 1, 19) },
    ]);
  });
});

describe("compose", () => {
  test("environment as a map and as a list; command and entrypoint as a string and as a list", () => {
    const text = lines(
      "services:",
      "  web:",
      "    image: app",
      "    environment:",
      '      FLASK_DEBUG: "1"',
      "      SECRET_KEY: dev",
      "      WORKERS: 4",
      "      PASSTHROUGH:",
      '    command: gunicorn -b 0.0.0.0:8000 "app:create_app()"',
      "  worker:",
      "    environment:",
      "      - FLASK_ENV=development",
      '      - "SECRET_KEY=abc def"',
      "      - HOST_ONLY",
      '    entrypoint: ["celery", "-A", "app"]',
      "    command:",
      "      - worker",
      "      - --loglevel=debug",
    );
    const { facts, diagnostics } = indexDeployment(file("docker-compose.yml", "compose"), text);
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(facts.env, [
      { name: "FLASK_DEBUG", value: "1", range: r(5, 7, 23), source: "compose" },
      { name: "SECRET_KEY", value: "dev", range: r(6, 7, 22), source: "compose" },
      { name: "WORKERS", value: "4", range: r(7, 7, 17), source: "compose" },
      { name: "FLASK_ENV", value: "development", range: r(12, 9, 30), source: "compose" },
      { name: "SECRET_KEY", value: "abc def", range: r(13, 9, 29), source: "compose" },
    ]);
    assert.deepEqual(facts.commands, [
      {
        text: 'gunicorn -b 0.0.0.0:8000 "app:create_app()"',
        argv: ["gunicorn", "-b", "0.0.0.0:8000", "app:create_app()"],
        range: r(9, 14, 57),
        source: "compose",
        process: "web",
      },
      { text: "celery -A app", argv: ["celery", "-A", "app"], range: r(15, 17, 40), source: "compose", process: "worker" },
      { text: "worker --loglevel=debug", argv: ["worker", "--loglevel=debug"], range: r(17, 7, 25, 18), source: "compose", process: "worker" },
    ]);
  });

  test("anchors and merge keys are followed, and numbers keep their spelling", () => {
    const text = lines("x-env: &env", "  SECRET_KEY: dev", "  RATIO: 1.0", "services:", "  web:", "    environment:", "      <<: *env", "      RATIO: 2.50");
    const { facts } = indexDeployment(file("compose.yaml", "compose"), text);
    assert.deepEqual(facts.env, [
      { name: "RATIO", value: "2.50", range: r(8, 7, 18), source: "compose" },
      { name: "SECRET_KEY", value: "dev", range: r(2, 3, 18), source: "compose" },
    ]);
  });

  test("the old format without a services key", () => {
    const text = lines("web:", "  image: app", "  environment:", "    - DEBUG=1", "  command: flask run");
    const { facts } = indexDeployment(file("docker-compose.yml", "compose"), text);
    assert.deepEqual(facts.env.map((e) => [e.name, e.value]), [["DEBUG", "1"]]);
    assert.deepEqual(facts.commands.map((c) => [c.process, c.text]), [["web", "flask run"]]);
  });

  test("malformed YAML gives a parse-error naming the file and line, and empty facts", () => {
    const text = lines("services:", "  web:", "    environment: [A=1", "    command: x");
    const { facts, diagnostics } = indexDeployment(file("deploy/docker-compose.yml", "compose"), text);
    assert.deepEqual(facts, { env: [], commands: [] });
    assert.equal(diagnostics.length, 1);
    const d = diagnostics[0]!;
    assert.equal(d.code, "parse-error");
    assert.equal(d.severity, "warning");
    assert.equal(d.file, "deploy/docker-compose.yml");
    assert.match(d.message, /^Could not parse deploy\/docker-compose\.yml as YAML \(line 4, column \d+\): .+\. Its services were not checked\.$/);
    assert.equal(d.range?.start.line, 4);
  });

  test("a file that is not a mapping has no facts and no diagnostics", () => {
    assert.deepEqual(indexDeployment(file("compose.yml", "compose"), "- a\n- b\n"), { facts: { env: [], commands: [] }, diagnostics: [] });
    assert.deepEqual(indexDeployment(file("compose.yml", "compose"), ""), { facts: { env: [], commands: [] }, diagnostics: [] });
  });
});

describe("shell scripts and Makefiles", () => {
  test("commands, export lines, assignment prefixes, continuations, heredocs and comments", () => {
    const text = lines(
      "#!/bin/sh",
      "set -e",
      'export FLASK_ENV=production SECRET_KEY="abc"',
      "# comment",
      'FLASK_DEBUG=1 GUNICORN_CMD_ARGS="--reload" exec gunicorn \\',
      "    --bind 0.0.0.0:8000 \\",
      "    app:app",
      "cat <<EOF > /tmp/conf",
      "DEBUG=true",
      "EOF",
      "LOCAL=1",
      "python manage.py migrate  # trailing comment",
    );
    const { facts, diagnostics } = indexDeployment(file("docker-entrypoint.sh", "script"), text);
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(facts.env, [
      { name: "FLASK_ENV", value: "production", range: r(3, 8, 28), source: "script" },
      { name: "SECRET_KEY", value: "abc", range: r(3, 29, 45), source: "script" },
      { name: "FLASK_DEBUG", value: "1", range: r(5, 1, 14), source: "script" },
      { name: "GUNICORN_CMD_ARGS", value: "--reload", range: r(5, 15, 43), source: "script" },
    ]);
    assert.deepEqual(facts.commands, [
      { text: "set -e", argv: ["set", "-e"], range: r(2, 1, 7), source: "script" },
      {
        text: "exec gunicorn     --bind 0.0.0.0:8000     app:app",
        argv: ["exec", "gunicorn", "--bind", "0.0.0.0:8000", "app:app"],
        range: r(5, 44, 12, 7),
        source: "script",
      },
      { text: "cat <<EOF > /tmp/conf", argv: ["cat", "<<EOF", ">", "/tmp/conf"], range: r(8, 1, 22), source: "script" },
      { text: "python manage.py migrate", argv: ["python", "manage.py", "migrate"], range: r(12, 1, 25), source: "script" },
    ]);
  });

  test("Makefile: recipe lines are commands, exported variables are environment", () => {
    const text = lines(
      "export FLASK_APP = app.py",
      "PORT ?= 5000",
      "",
      ".PHONY: run",
      "run:",
      "\t@FLASK_DEBUG=1 flask run --host 0.0.0.0 --port $(PORT)",
      "\t-gunicorn app:app \\",
      "\t  --reload",
      "\t# recipe comment",
      "define HELP",
      "\techo not a recipe",
      "endef",
    );
    const { facts } = indexDeployment(file("Makefile", "script"), text);
    assert.deepEqual(facts.env, [
      { name: "FLASK_APP", value: "app.py", range: r(1, 8, 26), source: "script" },
      { name: "FLASK_DEBUG", value: "1", range: r(6, 3, 16), source: "script" },
    ]);
    assert.deepEqual(facts.commands, [
      { text: "flask run --host 0.0.0.0 --port $(PORT)", argv: ["flask", "run", "--host", "0.0.0.0", "--port", "$(PORT)"], range: r(6, 17, 56), source: "script" },
      { text: "gunicorn app:app \t  --reload", argv: ["gunicorn", "app:app", "--reload"], range: r(7, 3, 12, 8), source: "script" },
    ]);
  });
});

describe("systemd and uWSGI", () => {
  test("systemd ExecStart and Environment, with continuation and prefixes", () => {
    const text = lines(
      "[Unit]",
      "Description=Flask app",
      "",
      "[Service]",
      'Environment=FLASK_ENV=production "SECRET_KEY=a b"',
      'Environment="DEBUG=1"',
      "ExecStartPre=-/usr/bin/flask db upgrade",
      "ExecStart=/srv/venv/bin/gunicorn --workers 3 \\",
      "  --bind 0.0.0.0:8000 app:app",
      "; comment",
      "# ExecStart=/bin/false",
    );
    const { facts } = indexDeployment(file("deploy/app.service", "systemd"), text);
    assert.deepEqual(facts.env, [
      { name: "FLASK_ENV", value: "production", range: r(5, 13, 33), source: "script" },
      { name: "SECRET_KEY", value: "a b", range: r(5, 34, 50), source: "script" },
      { name: "DEBUG", value: "1", range: r(6, 13, 22), source: "script" },
    ]);
    assert.deepEqual(facts.commands, [
      { text: "/usr/bin/flask db upgrade", argv: ["/usr/bin/flask", "db", "upgrade"], range: r(7, 15, 40), source: "script" },
      {
        text: "/srv/venv/bin/gunicorn --workers 3    --bind 0.0.0.0:8000 app:app",
        argv: ["/srv/venv/bin/gunicorn", "--workers", "3", "--bind", "0.0.0.0:8000", "app:app"],
        range: r(8, 11, 30, 9),
        source: "script",
      },
    ]);
  });

  test("uWSGI env lines become environment settings; other keys are ignored", () => {
    const text = lines("[uwsgi]", "module = app:app", "env = FLASK_ENV=production", "env=SECRET_KEY=abc", "; env = COMMENTED=1", "http = 0.0.0.0:8000");
    const { facts } = indexDeployment(file("uwsgi.ini", "uwsgi"), text);
    assert.deepEqual(facts, {
      env: [
        { name: "FLASK_ENV", value: "production", range: r(3, 7, 27), source: "script" },
        { name: "SECRET_KEY", value: "abc", range: r(4, 5, 19), source: "script" },
      ],
      commands: [],
    });
  });

  test("an nginx config without headers or upstreams gives empty facts", () => {
    assert.deepEqual(indexDeployment(file("nginx.conf", "nginx"), "server { listen 80; }\n"), { facts: { env: [], commands: [] }, diagnostics: [] });
  });
});

describe("shellSplit", () => {
  test("quotes, escapes and comments", () => {
    assert.deepEqual(shellSplit(`a 'b c' "d \\"e\\" $F" g\\ h i#j # comment`), ["a", "b c", 'd "e" $F', "g h", "i#j"]);
    assert.deepEqual(shellSplit("  "), []);
    assert.deepEqual(shellSplit("x 'unterminated"), ["x", "unterminated"]);
  });
});

describe("end to end on the sample project", () => {
  test("discover, read and index its deployment files", async () => {
    const found = await discover([SAMPLE], defaultConfig(SAMPLE));
    const byPath = new Map(found.files.map((f) => [f.path, f]));
    const facts = (path: string) => {
      const f = byPath.get(path)!;
      const read = readSource(f);
      assert.deepEqual(read.diagnostics, []);
      return indexDeployment(f, read.text!).facts;
    };
    assert.deepEqual(facts("Dockerfile"), {
      env: [{ name: "FLASK_APP", value: "app", range: r(2, 5, 18), source: "dockerfile" }],
      commands: [{ text: "gunicorn -b 0.0.0.0:8000 app:app", argv: ["gunicorn", "-b", "0.0.0.0:8000", "app:app"], range: r(3, 5, 50), source: "dockerfile-cmd" }],
    });
    assert.deepEqual(facts("docker-compose.yml").env, [{ name: "FLASK_DEBUG", value: "1", range: r(5, 9, 22), source: "compose" }]);
    assert.deepEqual(facts("Procfile").commands.map((c) => c.argv), [["gunicorn", "app:app"]]);
    assert.deepEqual(facts(".flaskenv").env.map((e) => [e.name, e.value]), [["FLASK_APP", "app"]]);
    assert.deepEqual(facts("deploy/start.sh").commands.map((c) => c.text), ["exec gunicorn app:app"]);
  });
});
