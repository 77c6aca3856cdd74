import type { Expr } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { CallExpr, Project } from "../../link/project.js";
import { defineRule } from "../define.js";
import { envLookupDefault, envTruthy, isDevDeploymentFile, runCallReach, runsFlaskDevServer, writeContext } from "../support.js";

/** `socketio.run(app, ...)` where `socketio` is a Flask-SocketIO object and `app` a Flask app. */
function isSocketIORun(project: Project, mod: ModuleInfo, scope: string, call: CallExpr): boolean {
  if (call.fn.k !== "attr") return false;
  const receiver = project.resolve(mod, scope, call.fn.obj);
  const isSocketIO = receiver.some((v) => v.t === "inst" && v.of.t === "ext" && /^flask_socketio(\.[a-z_]+)*\.SocketIO$/.test(v.of.path));
  const app = call.args[0] ?? call.kw.find((k) => k.name === "app")?.value;
  return isSocketIO && app !== undefined && project.appsOf(mod, scope, app).isApp;
}

/** `os.environ.get("X", True)` / `os.getenv("X", "1")`: a lookup whose default is a truthy constant. */
function envDefaultTruthy(project: Project, mod: ModuleInfo, scope: string, e: Expr): boolean {
  const d = envLookupDefault(project, mod, scope, e);
  if (!d) return false;
  if (d.k === "str") return envTruthy(d.v);
  return project.truthy(mod, scope, d) === true;
}

export default defineRule({
  id: "FLASK-DEPLOY-002",
  title: "Debug mode enabled outside development",
  family: "deploy",
  severity: "critical",
  confidence: "high",
  cwe: [489, 215],
  owasp: "A05:2021",
  tags: ["debug", "configuration", "rce"],
  impact:
    "With debug mode on, any unhandled error shows the Werkzeug debugger, whose console runs Python typed into the browser. Anyone who can reach the app and trigger an error (or guess the PIN, which is derived from guessable machine facts) can run code on the server; tracebacks also reveal source, paths and settings.",
  fix: "Drive debug from the environment and default it to off: `DEBUG = os.environ.get(\"FLASK_DEBUG\") == \"1\"` in a development-only config, and never set it in the production config, image or process definition.",
  mitigation:
    "Until the flag is removed: make sure production runs under a WSGI server (gunicorn, uWSGI) rather than `app.run`, keep the app off public interfaces, and block the `/console` path at the reverse proxy.",
  docs: {
    what:
      "Finds places where Flask's debug mode is switched on in code or configuration that reaches production: `app.run(debug=True)` (and Flask-SocketIO's `socketio.run(app, debug=True)`), `app.debug = True`, `DEBUG = True` in `app.config` or in a config class that a production config uses, `DEBUG` read from the environment with a default of on (`os.environ.get(\"DEBUG\", True)`), and `FLASK_DEBUG=1` (or the pre-2.3 `FLASK_ENV=development`) in `.env`, `.flaskenv`, Dockerfiles, compose files, Procfiles, systemd units and uWSGI configs, including as a prefix of a command (`FLASK_DEBUG=1 gunicorn app:app`) and as `flask run --debug`.",
    why:
      "Debug mode turns every error page into an interactive Python console (the Werkzeug debugger). It is protected only by a PIN computed from facts an attacker can often learn, so an exposed debugger is effectively remote code execution. Even without the console, debug tracebacks disclose code, file paths and configuration.",
    bad: 'app = Flask(__name__)\napp.config["DEBUG"] = True\n\nclass ProductionConfig(Config):\n    DEBUG = True',
    good:
      'app = Flask(__name__)\napp.config["DEBUG"] = os.environ.get("FLASK_DEBUG") == "1"\n\nclass DevelopmentConfig(Config):\n    DEBUG = True   # never loaded in production',
    detection:
      "The receiver of `run`, `debug` and `config` must resolve to a Flask application (through imports, aliases, factories and `current_app`); a method that merely shares the name is ignored. Config classes are followed through inheritance: a base class's `DEBUG = True` is reported when a production (or unnamed) config inherits it without overriding it. Silent for: code under `if __name__ == \"__main__\":` (unless a Procfile, Dockerfile or compose file starts that file directly, which makes the block the production entrypoint), functions only called from such blocks or from tests, branches guarded by a debug/testing switch, test files, `DevelopmentConfig`/`TestingConfig`-style classes, `.env.example` files and deployment files named for development (`Dockerfile.dev`, `compose.override.yml`). A `.env`/`.flaskenv` setting is reported as high rather than critical, since only the `flask` command reads those files; `FLASK_ENV=development`, an environment default of on and Flask-SocketIO's `run` are reported with medium confidence, since they depend on the Flask version, the environment and the server Flask-SocketIO picks. Debug switched on inside a function that receives the app as a parameter (`def configure(app): ...`) is not seen yet.",
    falsePositives:
      "A value that looks like production may be used only locally (for example a config class loaded only by a developer script). Check which config the production entrypoint loads; if this one never reaches production, rename the class (e.g. `DevelopmentConfig`) or suppress with a reason.",
    references: [
      "https://flask.palletsprojects.com/en/stable/debugging/",
      "https://werkzeug.palletsprojects.com/en/stable/debug/",
      "https://cwe.mitre.org/data/definitions/489.html",
    ],
  },
  check({ project, report }) {
    // app.run(debug=True) and app.run(use_debugger=True)
    for (const mod of project.pythonModules()) {
      for (const c of mod.index.calls) {
        const fn = c.call.fn;
        if (fn.k !== "attr" || fn.name !== "run") continue;
        const flag = c.call.kw.find((k) => (k.name === "debug" || k.name === "use_debugger") && project.truthy(mod, c.scope, k.value) === true);
        if (!flag) continue;
        // Flask-SocketIO's `socketio.run(app, debug=True)` switches the same debug mode on for the app it is given.
        const socketio = !project.appsOf(mod, c.scope, fn.obj).isApp;
        if (socketio && !isSocketIORun(project, mod, c.scope, c.call)) continue;
        const reach = runCallReach(project, mod, c);
        if (!reach) continue;
        const reasons = reach.reasons;
        report({
          file: mod.path,
          range: toRange(flag.r),
          message: socketio
            ? `\`${flag.name}=\` in Flask-SocketIO's \`run()\` puts the app in debug mode${c.scope ? ` (in \`${c.scope}\`)` : " at import time"}; under Werkzeug that includes the interactive debugger.`
            : `\`${flag.name}=\` turns on the interactive debugger for this app's development server${c.scope ? ` (in \`${c.scope}\`)` : " at import time"}.`,
          scope: c.scope,
          context: socketio ? [...reasons, "Flask-SocketIO serves with eventlet or gevent when installed, where the interactive debugger is not offered"] : reasons,
          ...(socketio ? { confidence: "medium" as const } : {}),
        });
      }
    }
    // DEBUG = True through app.config, app.debug, config classes and loaded config modules.
    for (const w of project.configWrites) {
      if (w.key !== "DEBUG") continue;
      // `os.environ.get("DEBUG", True)` is on wherever the variable is not set.
      const fallback = project.truthy(w.mod, w.where.scope, w.value) !== true && envDefaultTruthy(project, w.mod, w.where.scope, w.value);
      if (!fallback && project.truthy(w.mod, w.where.scope, w.value) !== true) continue;
      const { ctx, reach } = writeContext(project, w);
      if (ctx.test || ctx.devOnly) continue;
      const inherited = reach?.production.filter((c) => c !== w.configClass).map((c) => `\`${c.def.name}\``) ?? [];
      const where = w.configClass ? `config class \`${w.configClass.def.name}\`` : w.via === "attribute" ? "`app.debug`" : "the app config";
      report({
        file: w.mod.path,
        range: toRange(w.r),
        message: fallback
          ? `DEBUG in ${where} is read from the environment with a default of on, so debug mode is on wherever the variable is not set.`
          : `DEBUG is switched on in ${where}${inherited.length ? `, and ${inherited.join(", ")} inherit${inherited.length === 1 ? "s" : ""} it` : ""}.`,
        scope: w.where.scope,
        context: ctx.reasons,
        ...(fallback ? { confidence: "medium" as const } : {}),
      });
    }
    // FLASK_DEBUG=1 in deployment files, and `flask run --debug`.
    for (const { file, env } of project.envSettings()) {
      const legacy = env.name === "FLASK_ENV" && env.value.trim().toLowerCase() === "development";
      if (!legacy && (env.name !== "FLASK_DEBUG" || !envTruthy(env.value))) continue;
      // Shell scripts and Makefiles are developer tools here, as for `flask run --debug` below.
      if (file.subkind === "script" || file.subkind === "dotenv-example" || isDevDeploymentFile(file)) continue;
      const dotenv = env.source === "dotenv";
      const context: string[] = [];
      if (dotenv) context.push("only the `flask` command reads .env/.flaskenv files (with python-dotenv installed)");
      if (legacy) context.push("FLASK_ENV was removed in Flask 2.3; before that, `development` switched debug mode on");
      report({
        file: file.path,
        range: env.range,
        message: legacy
          ? `FLASK_ENV=development in ${file.path} switches debug mode on under Flask versions before 2.3.`
          : dotenv
            ? `\`${file.path.replace(/^.*\//, "")}\` sets FLASK_DEBUG=${env.value}; the \`flask\` command loads it, so a server started with \`flask run\` from this checkout runs with the debugger.`
            : `FLASK_DEBUG=${env.value} is set in ${file.path}, so the app starts in debug mode wherever this file is used.`,
        severity: dotenv || legacy ? "high" : "critical",
        confidence: dotenv || legacy ? "medium" : "high",
        context,
      });
    }
    for (const { file, cmd } of project.commands()) {
      if (file.subkind === "script" || cmd.source === "dockerfile-run" || isDevDeploymentFile(file)) continue;
      // `FLASK_DEBUG=1 gunicorn app:app`: an environment prefix on the command itself.
      const prefix = cmd.argv.find((a) => /^FLASK_DEBUG=/.test(a) && envTruthy(a.slice("FLASK_DEBUG=".length)));
      if (prefix) {
        report({ file: file.path, range: cmd.range, message: `\`${prefix}\` on \`${cmd.text}\` starts the app in debug mode.` });
        continue;
      }
      const dev = runsFlaskDevServer(cmd.argv);
      if (!dev?.debug) continue;
      report({
        file: file.path,
        range: cmd.range,
        message: `\`${cmd.text}\` starts the development server with the debugger enabled.`,
      });
    }
  },
});
