import type { Expr } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { CallExpr, Project } from "../../link/project.js";
import { defineRule } from "../define.js";
import { isTestPath } from "../../link/project.js";
import { envLookupDefault, envTruthy, runCallReach, runsFlaskDevServer, writeContext } from "../support.js";
import type { FixContext, FixProposal } from "../../fix/types.js";
import { configValueNode, osModule, replaceNode } from "../../fix/python.js";
import { debugSetting, devServerCall, gunicornConfigRefs, productionCommands, productionEnv, serverEnvOptions, startedReason, startsWsgiServer, wsgiServerOf } from "./entrypoints.js";

const LEGACY = "FLASK_ENV was removed in Flask 2.3; before that, `development` switched debug mode on";
/** What debug mode does under a production WSGI server, which never wraps the app in Werkzeug's debugger. */
const NO_DEBUGGER = (server: string) =>
  `${server} does not serve Werkzeug's interactive debugger, but debug mode still lets unhandled errors escape the app's handlers and shows missing form keys in error pages`;

/**
 * Python files gunicorn reads as its config: `gunicorn.conf.py` (its default, read from the working
 * directory) and files or `python:` modules that production commands name with `-c`/`--config`.
 */
function gunicornConfigs(project: Project): { mod: ModuleInfo; via: string }[] {
  const out = new Map<string, { mod: ModuleInfo; via: string }>();
  for (const { target, cmd } of gunicornConfigRefs(project)) {
    let mod: ModuleInfo | undefined;
    if (target.startsWith("python:")) mod = project.modules.get(target.slice("python:".length));
    else {
      const parts = target.split("/").filter((p) => p !== "" && p !== ".");
      for (let i = 0; !mod && i < parts.length; i++) {
        const suffix = parts.slice(i).join("/");
        mod = [...project.modules.byPath.values()].find((m) => m.path === suffix || m.path.endsWith(`/${suffix}`));
      }
    }
    if (mod && !out.has(mod.path)) out.set(mod.path, { mod, via: `\`${cmd.text}\` loads this file as its gunicorn config` });
  }
  for (const mod of project.pythonModules()) {
    if (/(^|\/)gunicorn\.conf\.py$/.test(mod.path) && !isTestPath(mod.path) && !out.has(mod.path)) out.set(mod.path, { mod, via: "gunicorn reads gunicorn.conf.py from its working directory by default" });
  }
  return [...out.values()];
}

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

/** The environment switch a fix puts in place of a hard-coded `True`: off unless FLASK_DEBUG=1. */
const ENV_SWITCH = (os: string) => `${os}.environ.get("FLASK_DEBUG") == "1"`;

/**
 * A literal `True` that switches debug on, replaced by the FLASK_DEBUG switch: `debug=True` in `app.run(...)`
 * (and Flask-SocketIO's `run`), `app.debug = True`, `app.config["DEBUG"] = True`, `DEBUG = True` in a config
 * class or settings module, `DEBUG=True` in `config.update(...)` and `"DEBUG": True` in a mapping. Anything
 * else (a variable, an environment default of on, `use_debugger=True`, deployment files) is left for review.
 */
function debugFix({ project, mod, finding, node, source, tree }: FixContext): FixProposal | null {
  const value = configValueNode(node, ["DEBUG", "debug"]);
  if (!value || value.type !== "true") return null;
  const os = osModule(project, mod, finding.scope, source, tree);
  if (!os) return null;
  return { description: `debug switched on by FLASK_DEBUG=1 instead of \`True\``, edits: [replaceNode(value, ENV_SWITCH(os.os)), ...os.edits] };
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
  fix: "Drive debug from the environment and default it to off: `DEBUG = os.environ.get(\"FLASK_DEBUG\") == \"1\"` in a development-only config, and never set it in the production config, image or process definition. `flaskwarden scan --fix` makes that change where debug is a literal `True` in Python code (`app.run(debug=True)`, `app.debug = True`, `DEBUG = True`).",
  mitigation:
    "Until the flag is removed: make sure production runs under a WSGI server (gunicorn, uWSGI) rather than `app.run`, keep the app off public interfaces, and block the `/console` path at the reverse proxy.",
  docs: {
    what:
      "Finds places where Flask's debug mode is switched on in code or configuration that reaches production: `app.run(debug=True)` (and Flask-SocketIO's `socketio.run(app, debug=True)`), `app.debug = True`, `DEBUG = True` in `app.config` or in a config class that a production config uses, `DEBUG` read from the environment with a default of on (`os.environ.get(\"DEBUG\", True)`), and `FLASK_DEBUG=1` (or the pre-2.3 `FLASK_ENV=development`) in `.env`, `.flaskenv`, Dockerfiles, compose files, Procfiles, systemd units and uWSGI configs, including as a prefix of a command (`FLASK_DEBUG=1 gunicorn app:app`), as a `${FLASK_DEBUG:-1}` default in compose files, as a gunicorn or uWSGI option (`gunicorn -e FLASK_DEBUG=1`, `uwsgi --env FLASK_DEBUG=1`), in gunicorn's `raw_env` setting, in a shell script that production starts, and as `flask run --debug`. Werkzeug's `run_simple(..., use_debugger=True)` is reported like `app.run(debug=True)`.",
    why:
      "Debug mode turns every error page into an interactive Python console (the Werkzeug debugger). It is protected only by a PIN computed from facts an attacker can often learn, so an exposed debugger is effectively remote code execution. Even without the console, debug tracebacks disclose code, file paths and configuration.",
    bad: 'app = Flask(__name__)\napp.config["DEBUG"] = True\n\nclass ProductionConfig(Config):\n    DEBUG = True',
    good:
      'app = Flask(__name__)\napp.config["DEBUG"] = os.environ.get("FLASK_DEBUG") == "1"\n\nclass DevelopmentConfig(Config):\n    DEBUG = True   # never loaded in production',
    detection:
      "The receiver of `run`, `debug` and `config` must resolve to a Flask application (through imports, aliases, factories and `current_app`); a method that merely shares the name is ignored. Config classes are followed through inheritance: a base class's `DEBUG = True` is reported when a production (or unnamed) config inherits it without overriding it. Silent for: code under `if __name__ == \"__main__\":` (unless a Procfile, Dockerfile or compose file starts that file directly, which makes the block the production entrypoint), functions only called from such blocks or from tests, branches guarded by a debug/testing switch, test files, `DevelopmentConfig`/`TestingConfig`-style classes, `.env.example` files and deployment files named for development (`Dockerfile.dev`, `compose.override.yml`). A gunicorn config is `gunicorn.conf.py` (gunicorn's default) or a file or `python:` module a production command names with `-c`; shell scripts count only when a production command starts them, and then only their lines outside `if`/`case` blocks. `debug=True` with `use_debugger=False` is reported as medium and with `use_evalex=False` as high; debug mode handed to gunicorn or uWSGI (through their options, `raw_env`, a `FLASK_DEBUG=1 gunicorn` prefix, a uWSGI config, or a Dockerfile or systemd unit whose only process is one of them) is high rather than critical, since those servers never serve the interactive debugger. A `.env`/`.flaskenv` setting is reported as high rather than critical, since only the `flask` command reads those files; `FLASK_ENV=development`, an environment default of on and Flask-SocketIO's `run` are reported with medium confidence, since they depend on the Flask version, the environment and the server Flask-SocketIO picks. Debug switched on inside a function that receives the app as a parameter (`def configure(app): ...`) is not seen yet.",
    falsePositives:
      "A value that looks like production may be used only locally (for example a config class loaded only by a developer script). Check which config the production entrypoint loads; if this one never reaches production, rename the class (e.g. `DevelopmentConfig`) or suppress with a reason.",
    references: [
      "https://flask.palletsprojects.com/en/stable/debugging/",
      "https://werkzeug.palletsprojects.com/en/stable/debug/",
      "https://cwe.mitre.org/data/definitions/489.html",
    ],
  },
  check({ project, report }) {
    // app.run(debug=True), app.run(use_debugger=True), werkzeug's run_simple(..., use_debugger=True)
    for (const mod of project.pythonModules()) {
      for (const c of mod.index.calls) {
        const fn = c.call.fn;
        const name = fn.k === "attr" ? fn.name : fn.k === "name" ? fn.id : "";
        if (name !== "run" && name !== "run_simple") continue;
        const server = devServerCall(project, mod, c);
        // Flask-SocketIO's `socketio.run(app, debug=True)` switches the same debug mode on for the app it is given.
        const socketio = !server && name === "run" && isSocketIORun(project, mod, c.scope, c.call);
        if (!server && !socketio) continue;
        const option = (n: string) => (server ? server.option(n) : c.call.kw.find((k) => k.name === n));
        const is = (n: string, v: boolean) => {
          const o = option(n);
          return o !== undefined && project.truthy(mod, c.scope, o.value) === v ? o : undefined;
        };
        const flag = is("debug", true) ?? is("use_debugger", true);
        if (!flag) continue;
        const reach = runCallReach(project, mod, c);
        if (!reach) continue;
        const context = [...reach.reasons];
        let severity: "high" | "medium" | undefined;
        if (flag.name === "debug" && is("use_debugger", false)) {
          severity = "medium";
          context.push("`use_debugger=False` keeps the interactive debugger off; debug mode still lets errors propagate and reloads code");
        } else if (is("use_evalex", false)) {
          severity = "high";
          context.push("`use_evalex=False` turns the debugger's console off, but its traceback pages still show source code and local values");
        }
        if (socketio) context.push("Flask-SocketIO serves with eventlet or gevent when installed, where the interactive debugger is not offered");
        report({
          file: mod.path,
          range: toRange(flag.r),
          message: socketio
            ? `\`${flag.name}=\` in Flask-SocketIO's \`run()\` puts the app in debug mode${c.scope ? ` (in \`${c.scope}\`)` : " at import time"}; under Werkzeug that includes the interactive debugger.`
            : severity === "medium"
              ? `\`${flag.name}=\` runs this app's development server in debug mode${c.scope ? ` (in \`${c.scope}\`)` : " at import time"}, though without the interactive debugger.`
              : `\`${flag.name}=\` turns on the interactive debugger for this app's development server${server?.via === "run_simple" ? " (Werkzeug's `run_simple`)" : ""}${c.scope ? ` (in \`${c.scope}\`)` : " at import time"}.`,
          scope: c.scope,
          context,
          ...(severity ? { severity } : {}),
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
    // FLASK_DEBUG=1 in deployment files (and in shell scripts production starts), and `flask run --debug`.
    for (const { file, env, startedBy } of productionEnv(project)) {
      const setting = debugSetting(env.name, env.value);
      if (!setting) continue;
      const { legacy, fallback } = setting;
      const dotenv = env.source === "dotenv";
      const context = startedReason(file, startedBy);
      if (dotenv) context.push("only the `flask` command reads .env/.flaskenv files (with python-dotenv installed)");
      if (legacy) context.push("FLASK_ENV was removed in Flask 2.3; before that, `development` switched debug mode on");
      if (fallback) context.push(`\`${env.value}\` is a default: it applies wherever ${env.name} is not set in the environment`);
      // Under gunicorn or uWSGI debug mode is on, but nothing serves the interactive debugger.
      const server = dotenv || startedBy ? null : wsgiServerOf(project, file);
      if (server) context.push(NO_DEBUGGER(server));
      const name = file.path.replace(/^.*\//, "");
      report({
        file: file.path,
        range: env.range,
        message: legacy
          ? `FLASK_ENV=development in ${file.path} switches debug mode on under Flask versions before 2.3.`
          : dotenv
            ? `\`${name}\` sets FLASK_DEBUG=${env.value}; the \`flask\` command loads it, so a server started with \`flask run\` from this checkout runs with the debugger.`
            : fallback
              ? `FLASK_DEBUG defaults to ${setting.value} in ${file.path}, so the app starts in debug mode unless the deployment overrides it.`
              : startedBy
                ? `${name} exports FLASK_DEBUG=${env.value} before starting the production process, so the app runs in debug mode.`
                : `FLASK_DEBUG=${env.value} is set in ${file.path}, so the app starts in debug mode wherever this file is used.`,
        severity: dotenv || legacy || server ? "high" : "critical",
        confidence: dotenv || legacy || fallback ? "medium" : "high",
        context,
      });
    }
    for (const { file, cmd, startedBy } of productionCommands(project)) {
      const context = startedReason(file, startedBy);
      // `gunicorn -e FLASK_DEBUG=1 app:app`, `uwsgi --env FLASK_DEBUG=1 ...`: the server hands the variable to the app.
      const option = serverEnvOptions(cmd.argv).find((o) => debugSetting(o.name, o.value));
      if (option) {
        const legacy = debugSetting(option.name, option.value)!.legacy;
        report({
          file: file.path,
          range: cmd.range,
          message: `${option.server} passes ${option.name}=${option.value} to the app (\`${cmd.text}\`), so it runs in debug mode.`,
          context: [...context, NO_DEBUGGER(option.server), ...(legacy ? [LEGACY] : [])],
          severity: "high",
          ...(legacy ? { confidence: "medium" as const } : {}),
        });
        continue;
      }
      // `FLASK_DEBUG=1 gunicorn app:app`: an environment prefix on the command itself.
      const prefix = cmd.argv.find((a) => /^FLASK_DEBUG=/.test(a) && envTruthy(a.slice("FLASK_DEBUG=".length)));
      if (prefix) {
        const server = startsWsgiServer(cmd.argv);
        report({
          file: file.path,
          range: cmd.range,
          message: `\`${prefix}\` on \`${cmd.text}\` starts the app in debug mode.`,
          context: server ? [...context, NO_DEBUGGER(server)] : context,
          ...(server ? { severity: "high" as const } : {}),
        });
        continue;
      }
      const dev = runsFlaskDevServer(cmd.argv);
      if (!dev?.debug) continue;
      report({
        file: file.path,
        range: cmd.range,
        message: `\`${cmd.text}\` starts the development server with the debugger enabled.`,
        context,
      });
    }
    // `raw_env = ["FLASK_DEBUG=1"]` in a gunicorn config file.
    for (const { mod, via } of gunicornConfigs(project)) {
      for (const a of mod.index.assigns) {
        if (a.scope !== "" || !a.targets.some((t) => t.k === "name" && t.id === "raw_env") || a.value.k !== "seq") continue;
        const hit = a.value.elts
          .map((e) => project.constString(mod, "", e))
          .find((kv) => kv !== null && kv.indexOf("=") > 0 && debugSetting(kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)));
        if (!hit) continue;
        const ctx = project.contextOf(mod, a);
        if (ctx.test || ctx.devOnly) continue;
        report({
          file: mod.path,
          range: toRange(a.r),
          message: `This gunicorn config sets \`${hit}\` in the app's environment (\`raw_env\`), so the app runs in debug mode under gunicorn.`,
          context: [...ctx.reasons, via, NO_DEBUGGER("gunicorn"), ...(hit.startsWith("FLASK_ENV") ? [LEGACY] : [])],
          severity: "high",
          ...(hit.startsWith("FLASK_ENV") ? { confidence: "medium" as const } : {}),
        });
      }
    }
  },
  autofix: debugFix,
});
