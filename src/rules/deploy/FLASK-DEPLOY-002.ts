import { toRange } from "../../index/ir.js";
import { defineRule } from "../define.js";
import { envTruthy, functionReach, isDevDeploymentFile, runsFlaskDevServer, writeContext } from "../support.js";

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
      "Finds places where Flask's debug mode is switched on in code or configuration that reaches production: `app.run(debug=True)`, `app.debug = True`, `DEBUG = True` in `app.config` or in a config class that a production config uses, and `FLASK_DEBUG=1` or `flask run --debug` in `.env`, `.flaskenv`, Dockerfiles, compose files and Procfiles.",
    why:
      "Debug mode turns every error page into an interactive Python console (the Werkzeug debugger). It is protected only by a PIN computed from facts an attacker can often learn, so an exposed debugger is effectively remote code execution. Even without the console, debug tracebacks disclose code, file paths and configuration.",
    bad: 'app = Flask(__name__)\napp.config["DEBUG"] = True\n\nclass ProductionConfig(Config):\n    DEBUG = True',
    good:
      'app = Flask(__name__)\napp.config["DEBUG"] = os.environ.get("FLASK_DEBUG") == "1"\n\nclass DevelopmentConfig(Config):\n    DEBUG = True   # never loaded in production',
    detection:
      "The receiver of `run`, `debug` and `config` must resolve to a Flask application (through imports, aliases, factories and `current_app`); a method that merely shares the name is ignored. Config classes are followed through inheritance: a base class's `DEBUG = True` is reported when a production (or unnamed) config inherits it without overriding it. Silent for: code under `if __name__ == \"__main__\":` (unless a Procfile, Dockerfile or compose file starts that file directly, which makes the block the production entrypoint), functions only called from such blocks or from tests, branches guarded by a debug/testing switch, test files, `DevelopmentConfig`/`TestingConfig`-style classes, `.env.example` files and deployment files named for development (`Dockerfile.dev`, `compose.override.yml`). A `.env`/`.flaskenv` setting is reported as high rather than critical, since only the `flask` command reads those files.",
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
        if (!project.appsOf(mod, c.scope, fn.obj).isApp) continue;
        const ctx = project.contextOf(mod, c);
        if (ctx.test || ctx.devOnly) continue;
        const reasons = [...ctx.reasons];
        const launch = c.mainGuard ? project.launchedDirectly.get(mod.path) : undefined;
        if (launch) reasons.push(`the \`__main__\` block is the production entrypoint: a deployment file runs \`${launch.text}\``);
        if (c.scope && functionReach(project, mod, c.scope) !== "production") continue;
        report({
          file: mod.path,
          range: toRange(flag.r),
          message: `\`${flag.name}=\` turns on the interactive debugger for this app's development server${c.scope ? ` (in \`${c.scope}\`)` : " at import time"}.`,
          scope: c.scope,
          context: reasons,
        });
      }
    }
    // DEBUG = True through app.config, app.debug, config classes and loaded config modules.
    for (const w of project.configWrites) {
      if (w.key !== "DEBUG") continue;
      if (project.truthy(w.mod, w.where.scope, w.value) !== true) continue;
      const { ctx, reach } = writeContext(project, w);
      if (ctx.test || ctx.devOnly) continue;
      const inherited = reach?.production.filter((c) => c !== w.configClass).map((c) => `\`${c.def.name}\``) ?? [];
      const where = w.configClass ? `config class \`${w.configClass.def.name}\`` : w.via === "attribute" ? "`app.debug`" : "the app config";
      report({
        file: w.mod.path,
        range: toRange(w.r),
        message: `DEBUG is switched on in ${where}${inherited.length ? `, and ${inherited.join(", ")} inherit${inherited.length === 1 ? "s" : ""} it` : ""}.`,
        scope: w.where.scope,
        context: ctx.reasons,
      });
    }
    // FLASK_DEBUG=1 in deployment files, and `flask run --debug`.
    for (const { file, env } of project.envSettings()) {
      if (env.name !== "FLASK_DEBUG" || !envTruthy(env.value)) continue;
      // Shell scripts and Makefiles are developer tools here, as for `flask run --debug` below.
      if (file.subkind === "script" || file.subkind === "dotenv-example" || isDevDeploymentFile(file)) continue;
      const dotenv = env.source === "dotenv";
      report({
        file: file.path,
        range: env.range,
        message: dotenv
          ? `\`${file.path.replace(/^.*\//, "")}\` sets FLASK_DEBUG=${env.value}; the \`flask\` command loads it, so a server started with \`flask run\` from this checkout runs with the debugger.`
          : `FLASK_DEBUG=${env.value} is set in ${file.path}, so the app starts in debug mode wherever this file is used.`,
        severity: dotenv ? "high" : "critical",
        confidence: dotenv ? "medium" : "high",
        context: dotenv ? ["only the `flask` command reads .env/.flaskenv files (with python-dotenv installed)"] : [],
      });
    }
    for (const { file, cmd } of project.commands()) {
      if (file.subkind === "script" || cmd.source === "dockerfile-run" || isDevDeploymentFile(file)) continue;
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
