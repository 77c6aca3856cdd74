import { toRange } from "../../index/ir.js";
import { defineRule } from "../define.js";
import { runCallReach, runsFlaskDevServer } from "../support.js";
import { bindScope, devServerCall, productionCommands, startedReason } from "./entrypoints.js";

export default defineRule({
  id: "FLASK-DEPLOY-001",
  title: "Development server used as the production entrypoint",
  family: "deploy",
  severity: "high",
  confidence: "high",
  cwe: [16, 1188],
  owasp: "A05:2021",
  tags: ["deployment", "dev-server"],
  impact:
    "Werkzeug's development server is built for one developer on a laptop: it is not hardened against slow or malformed requests, handles load poorly, and is easy to run with the debugger on. In production it invites denial of service and makes a later debug misconfiguration fatal.",
  fix: "Serve the app with a production WSGI server, for example `gunicorn 'wsgi:app'` or `uwsgi --module wsgi:app`, and keep `app.run()` inside `if __name__ == \"__main__\":` for local use only.",
  mitigation:
    "If the change must wait, bind the development server to 127.0.0.1 behind a reverse proxy that limits request size and rate, and make sure debug mode stays off.",
  docs: {
    what:
      "Finds Flask's built-in development server started on a path that production takes: `app.run(...)` executed when the module is imported (outside an `if __name__ == \"__main__\":` block), `app.run(...)` in a `__main__` block of a file that a Procfile, Dockerfile or compose file runs directly with `python`, Werkzeug's `run_simple(host, port, app)` on the same paths, and `flask run` as the command of a Dockerfile `CMD`/`ENTRYPOINT`, a Procfile process, a compose service, a systemd unit, or a shell script that one of those starts (`ENTRYPOINT [\"./docker-entrypoint.sh\"]`). The finding says whether the server listens on every interface or on loopback only, and whether the reloader is on.",
    why:
      "The development server is single-process by default, has no protection against slow clients, and is documented by Flask as unsuitable for production. Deployments that use it tend to fall over under load and are one flag away from exposing the interactive debugger.",
    bad: '# wsgi.py\nfrom app import app\napp.run(host="0.0.0.0", port=8000)\n\n# Procfile\nweb: flask run --host=0.0.0.0',
    good: '# wsgi.py\nfrom app import app\n\nif __name__ == "__main__":\n    app.run()   # local development only\n\n# Procfile\nweb: gunicorn wsgi:app',
    detection:
      "The receiver of `run` must resolve to a Flask application. A call inside a function is reported only when the function is called from production code (module level, outside tests and `__main__` blocks). Shell scripts count only when a production command starts them (by relative or absolute path, also through `sh script.sh` and from one script to the next), and then only their lines outside `if`/`case` blocks; other scripts and Makefiles are developer tools. Deployment files named for development (`Dockerfile.dev`, `docker-compose.override.yml`) are skipped. Test files are skipped.",
    falsePositives:
      "A Procfile or Dockerfile may exist only for local development without saying so in its name. If so, rename it (for example `Dockerfile.dev`) or suppress the finding with a reason.",
    references: ["https://flask.palletsprojects.com/en/stable/deploying/", "https://flask.palletsprojects.com/en/stable/api/#flask.Flask.run"],
  },
  check({ project, report }) {
    // Modules that start the development server when run, with the line of the first such call.
    const serving = new Map<string, number>();
    for (const mod of project.pythonModules()) {
      for (const c of mod.index.calls) {
        if (!c.statement) continue;
        const server = devServerCall(project, mod, c);
        if (!server) continue;
        const reach = runCallReach(project, mod, c);
        if (!reach) continue;
        const launch = reach.launch;
        const call = server.via === "run" ? "`run()`" : "`run_simple()`";
        let message: string;
        if (launch) message = `A deployment file runs this file directly (\`${launch.text}\`), so this \`__main__\` block starts the development server in production.`;
        else if (c.scope) message = `\`${c.scope}\` starts the development server and is called from production code.`;
        else message = `${call} executes whenever this module is imported, including under a WSGI server or in production, so the development server becomes the entrypoint.`;
        const context = [...reach.reasons];
        const bind = bindScope(project, mod, c.scope, server.host);
        if (bind === "all") context.push("it may listen on every network interface, so clients reach the development server directly");
        if (bind === "loopback") context.push("it listens on the loopback interface only, so only the host itself or a local reverse proxy can reach it");
        const reloader = server.option("use_reloader");
        if (reloader && project.truthy(mod, c.scope, reloader.value) === true) context.push("`use_reloader` restarts the server whenever a source file changes, a development convenience");
        report({ file: mod.path, range: toRange(c.call.r), message, scope: c.scope, context });
        if (!serving.has(mod.path)) serving.set(mod.path, toRange(c.call.r).start.line);
      }
    }
    // `python wsgi.py` in a Procfile, Dockerfile or compose file is the entrypoint decision itself.
    for (const { file, cmd, mod } of project.launches) {
      const line = serving.get(mod.path);
      if (line === undefined) continue;
      report({ file: file.path, range: cmd.range, message: `\`${cmd.text}\` runs ${mod.path} directly, and that file starts the development server (line ${line}).` });
    }
    // Shell scripts and Makefiles are developer tools, unless a production command starts the script.
    for (const { file, cmd, startedBy } of productionCommands(project)) {
      if (!runsFlaskDevServer(cmd.argv)) continue;
      const what = startedBy
        ? `this script (which production starts with \`${startedBy.text}\`)`
        : cmd.source === "procfile"
          ? `the \`${cmd.process ?? "web"}\` process`
          : cmd.source === "compose"
            ? `compose service \`${cmd.process ?? "?"}\``
            : file.subkind === "systemd"
              ? "the systemd service"
              : "the container";
      report({ file: file.path, range: cmd.range, message: `${what} runs \`flask run\`, Flask's development server.`, context: startedReason(file, startedBy) });
    }
  },
});
