import type { Expr, R } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { Project } from "../../link/project.js";
import { inventoryOf } from "../../inventory/routes.js";
import type { Severity } from "../../core/types.js";
import { defineRule } from "../define.js";
import { pathSegments, pathWords, routeContext } from "./routes-context.js";

/** Path words that name leftover diagnostics or internal tooling. */
const SHADOW_WORDS = new Set(["debug", "debugger", "internal", "internals", "dev", "devel", "phpinfo", "console", "dump", "dumps", "shell", "eval", "exec", "test", "sandbox", "backdoor", "environ", "env", "sysinfo", "diagnostics", "diag", "profiler", "traceback"]);

/** Module-level objects whose whole content is environment, configuration or process detail. */
const WHOLE_OBJECTS: Record<string, string> = {
  "os.environ": "every environment variable",
  "flask.current_app.config": "the whole Flask config",
  "sys.path": "the module search path",
  "sys.modules": "the loaded modules",
  "sys.version": "the Python version",
};
const PROCESS_CALLS: Record<string, string> = {
  "os.getpid": "the process id",
  "os.uname": "the host's kernel and name",
  "os.getcwd": "the working directory",
  "os.listdir": "directory listings",
  "platform.platform": "the platform string",
  "platform.uname": "the host's kernel and name",
  "platform.node": "the host name",
  "socket.gethostname": "the host name",
  "psutil.Process": "process details",
  "psutil.virtual_memory": "memory details",
  "resource.getrusage": "process resource usage",
  "traceback.format_stack": "the call stack",
  "subprocess.check_output": "command output",
};

interface Exposure {
  what: string;
  r: R | null;
}

/** What environment, config or process detail a view hands back: whole-object references in its returns and in the values it builds. */
function exposures(project: Project, mod: ModuleInfo, scope: string): Exposure[] {
  const out: Exposure[] = [];
  const inside = (s: string) => s === scope || s.startsWith(`${scope}.`);
  const visit = (e: Expr, s: string, asReceiver: boolean) => {
    switch (e.k) {
      case "attr":
      case "name": {
        if (!asReceiver) {
          for (const v of project.resolve(mod, s, e)) {
            if (v.t === "ext" && WHOLE_OBJECTS[v.path]) out.push({ what: WHOLE_OBJECTS[v.path]!, r: null });
          }
          // app.config of a Flask app (not the current_app proxy, handled above).
          if (e.k === "attr" && e.name === "config" && project.appsOf(mod, s, e.obj).isApp && !out.some((x) => x.what === WHOLE_OBJECTS["flask.current_app.config"])) {
            out.push({ what: "the whole Flask config", r: null });
          }
        }
        if (e.k === "attr") visit(e.obj, s, true);
        return;
      }
      case "call": {
        for (const p of project.extPaths(mod, s, e.fn)) if (PROCESS_CALLS[p]) out.push({ what: PROCESS_CALLS[p]!, r: e.r });
        visit(e.fn, s, true);
        for (const a of e.args) visit(a, s, false);
        for (const k of e.kw) visit(k.value, s, false);
        return;
      }
      case "sub":
        visit(e.obj, s, true);
        visit(e.key, s, false);
        return;
      case "seq":
        for (const x of e.elts) visit(x, s, false);
        return;
      case "dict":
        for (const it of e.items) {
          if (it.key) visit(it.key, s, false);
          visit(it.value, s, false);
        }
        return;
      case "cond":
        visit(e.body, s, false);
        visit(e.orelse, s, false);
        return;
      case "other":
        for (const x of e.parts) visit(x, s, false);
        return;
      default:
        return;
    }
  };
  for (const r of mod.index.returns) if (inside(r.scope) && r.value) visit(r.value, r.scope, false);
  for (const a of mod.index.assigns) if (inside(a.scope)) visit(a.value, a.scope, false);
  return out;
}

export default defineRule({
  id: "FLASK-API-001",
  title: "Shadow, debug or internal route served by the app",
  family: "api",
  severity: "medium",
  confidence: "medium",
  cwe: [489, 215, 497],
  owasp: "A05:2021",
  tags: ["routes", "api-inventory", "debug", "information-disclosure"],
  impact:
    "A diagnostics or internal endpoint left on the production route map is an entrance nobody watches: it is rarely covered by the access rules the rest of the API got, and when it reports environment variables, configuration or process details it hands out database credentials, signing keys and the layout of the host.",
  fix: "Remove the route, or register it only in development (behind `if app.debug:` or in a blueprint the development entrypoint registers). If operators need it in production, require an admin login on it and return only what they need.",
  mitigation:
    "Block the path at the reverse proxy, and keep an inventory of the routes each release serves (`flaskwarden routes`) so a forgotten one is noticed.",
  docs: {
    what:
      "Reports routes whose URL names a debugging, testing or internal purpose (`/debug`, `/internal/...`, `/dev/...`, `/test`, `/console`, `/dump`, `/phpinfo`, path segments starting with `_`) and routes whose view returns environment variables, the whole Flask config or process details (host name, pid, module paths), when the route is served by a production app.",
    why:
      "Shadow endpoints are the part of an API that inventories miss: a handler added while chasing a bug, an internal hook for a cron job, a test page. They outlive their reason, skip the review the public routes get, and are found by anyone who tries common paths. One that dumps `os.environ` or `app.config` gives away every secret the process holds.",
    bad: '@app.route("/debug/env")\ndef debug_env():\n    return jsonify(dict(os.environ))',
    good: 'if app.debug:\n    @app.route("/debug/env")\n    def debug_env():\n        return jsonify(dict(os.environ))\n\n# or, for operators in production:\n@app.route("/internal/health")\n@login_required\n@admin_required\ndef health():\n    return jsonify(status="ok")',
    detection:
      "Works on the route inventory: every route of every app with its full URL (blueprint prefixes and registrations included) and the authentication that applies to it (decorators resolved through imports, custom decorators that refuse the request, `before_request` guards, `MethodView.decorators`). A route matches when a static segment of its URL is one of the shadow words (split on `-`, `_` and `.`) or starts with `_`, or when its view returns or builds from `os.environ`, `current_app.config`/`app.config` as a whole, `sys.path`/`sys.modules`/`sys.version`, or process and host calls (`os.getpid`, `platform.node`, `socket.gethostname`, ...). Reading one key (`os.environ[\"X\"]`, `config.get(\"X\")`) is not an exposure. Severity: high when the view exposes such details without authentication, medium when it exposes them behind a login or when a shadow-named route is unauthenticated, low for an authenticated shadow-named route. Routes in test files, on apps built for tests, or defined or registered only inside dev-only blocks (`if app.debug:`, `__main__`) are not reported. `/admin` paths without authentication are left to FLASK-AUTH-001.",
    falsePositives:
      "A product whose domain uses one of the words (a `/test` page in an exam app, a `/console` that is the product) matches by name; the finding is then low or medium and can be suppressed with a comment saying so. A health endpoint that reports the host name on purpose is reported too.",
    references: [
      "https://owasp.org/API-Security/editions/2023/en/0xa9-improper-inventory-management/",
      "https://cwe.mitre.org/data/definitions/489.html",
      "https://cwe.mitre.org/data/definitions/215.html",
      "https://flask.palletsprojects.com/en/stable/config/",
    ],
  },
  check({ project, report }) {
    const inv = inventoryOf(project);
    const seen = new Set<string>();
    for (const r of inv.routes) {
      const key = `${r.file}:${r.route.r}`;
      if (seen.has(key)) continue;
      const ctx = routeContext(project, r);
      if (ctx.test || ctx.devOnly) continue;
      const words = pathWords(r.path).filter((w) => SHADOW_WORDS.has(w));
      const underscored = pathSegments(r.path).filter((s) => /^_[a-z]/.test(s) && s !== "_static");
      const exposed = r.viewDef && r.viewMod ? exposures(project, r.viewMod, r.viewDef.qualname) : [];
      if (words.length === 0 && underscored.length === 0 && exposed.length === 0) continue;
      seen.add(key);
      const authed = r.auth.length > 0 && !r.auth.every((a) => a.optional);
      let severity: Severity;
      if (exposed.length > 0) severity = authed ? "medium" : "high";
      else severity = authed ? "low" : "medium";
      const named = [...new Set([...words.map((w) => `\`${w}\``), ...underscored.map((s) => `\`${s}\``)])];
      const whats = [...new Set(exposed.map((x) => x.what))];
      const parts: string[] = [];
      if (named.length > 0) parts.push(`its URL names ${named.join(", ")}`);
      if (whats.length > 0) parts.push(`its view returns ${whats.join(", ")}`);
      const authText = authed ? `it is behind ${r.auth.map((a) => `\`${a.name.replace(/\(\)/g, "")}\``).join(", ")}` : "no authentication applies to it";
      report({
        file: r.file,
        range: toRange(r.route.r),
        message: `\`${r.methods.join(",")} ${r.path}\` looks like a leftover debug or internal route: ${parts.join(" and ")}; ${authText}.`,
        severity,
        confidence: exposed.length > 0 ? "high" : "medium",
        context: authed ? [`authenticated by ${r.auth[0]!.name} (${r.auth[0]!.via}, ${r.auth[0]!.file}:${r.auth[0]!.line})`] : [],
        scope: r.viewDef?.qualname ?? "",
      });
    }
  },
});
