import type { CallFact, Expr } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import { envKindOf, type ConfigWrite, type ExtensionObject, type FlaskObject, type Project } from "../../link/project.js";
import { defineRule } from "../define.js";
import { functionReach, writeContext } from "../support.js";
import { debugSetting, productionEnv } from "./entrypoints.js";

const PROFILERS = new Set(["werkzeug.middleware.profiler.ProfilerMiddleware", "werkzeug.contrib.profiler.ProfilerMiddleware"]);
const DEBUGGERS = new Set(["werkzeug.debug.DebuggedApplication", "werkzeug.DebuggedApplication"]);
const TOOLBAR = /^flask_debugtoolbar(\.[a-z_]+)*\.DebugToolbarExtension$/;
/** Error-handling switches meant for tests and debugging. */
const ERROR_SWITCHES = new Set(["PROPAGATE_EXCEPTIONS", "TRAP_HTTP_EXCEPTIONS"]);

/**
 * Whether a call runs whenever production code runs: not in a test, a `__main__` block, a debug or
 * test branch, a function only development code calls, or behind any other `if` (an opt-in switch).
 * Returns the reasons to show, or null when it does not.
 */
function unconditional(project: Project, mod: ModuleInfo, c: CallFact): string[] | null {
  const ctx = project.contextOf(mod, c);
  if (ctx.test || ctx.devOnly) return null;
  if (c.conds.some((cond) => !/\b__name__\b/.test(cond))) return null;
  if (c.scope) {
    const reach = functionReach(project, mod, c.scope);
    if (reach === "dev-only") return null;
    // A factory nothing in the project calls may still be what the WSGI server loads, unless its name says
    // it is for development (`debug_app`, `create_profiled_app`, `make_test_app`).
    const top = c.scope.split(".")[0]!;
    if (reach === "uncalled" && (envKindOf(top) === "development" || envKindOf(top) === "testing" || /(^|_)profil/i.test(top))) return null;
  }
  const reasons = [...ctx.reasons];
  const launch = c.mainGuard ? project.launchedDirectly.get(mod.path) : undefined;
  if (launch) reasons.push(`the \`__main__\` block is the production entrypoint: a deployment file runs \`${launch.text}\``);
  return reasons;
}

/** Whether a WSGI middleware argument is a Flask app or its `wsgi_app`. */
function wrapsApp(project: Project, mod: ModuleInfo, scope: string, e: Expr | undefined): boolean {
  if (!e) return false;
  if (e.k === "attr" && e.name === "wsgi_app") return project.appsOf(mod, scope, e.obj).isApp;
  return project.appsOf(mod, scope, e).isApp;
}

function arg(call: Extract<Expr, { k: "call" }>, pos: number, name: string): Expr | undefined {
  return call.args[pos] ?? call.kw.find((k) => k.name === name)?.value;
}

/** A truthy config write that reaches production, with the reasons to show; null otherwise. */
function productionWrite(project: Project, w: ConfigWrite): { reasons: string[] } | null {
  if (project.truthy(w.mod, w.where.scope, w.value) !== true) return null;
  const { ctx } = writeContext(project, w);
  if (ctx.test || ctx.devOnly) return null;
  return { reasons: ctx.reasons };
}

/** Whether a write may apply to an app: written to it, or through a config class or proxy that any app may load. */
function appliesTo(w: ConfigWrite, app: FlaskObject | null): boolean {
  return app === null || w.apps.length === 0 || w.apps.includes(app);
}

/**
 * Whether a config write sits in a test set-up: the same class (or a subclass that keeps the value)
 * turns TESTING on, or TESTING is switched on beside it (same call, or same function and branch).
 */
function testSetup(project: Project, w: ConfigWrite): boolean {
  const on = (x: ConfigWrite) => x.key === "TESTING" && project.truthy(x.mod, x.where.scope, x.value) === true;
  if (w.configClass) {
    const reach = writeContext(project, w).reach;
    const classes = reach?.production.length ? reach.production : [w.configClass];
    return classes.every((c) => {
      const t = project.configAttr(c, "TESTING");
      return t !== null && project.truthy(t.owner.mod, t.owner.def.qualname, t.assign.value) === true;
    });
  }
  const sameBlock = (x: ConfigWrite) =>
    x.mod === w.mod && x.where.scope === w.where.scope && x.where.conds.join("\n") === w.where.conds.join("\n") && (w.via !== "module-constant" || x.via === "module-constant");
  return project.configWrites.some((x) => on(x) && sameBlock(x));
}

/** Sites where a toolbar extension object is bound to an app: its constructor with an app, or `init_app(app)`. */
function toolbarBindings(project: Project, ext: ExtensionObject): { mod: ModuleInfo; call: CallFact; apps: FlaskObject[] }[] {
  const out: { mod: ModuleInfo; call: CallFact; apps: FlaskObject[] }[] = [];
  const ctor = ext.mod.index.calls.find((c) => c.call === ext.call);
  const ctorApp = arg(ext.call, 0, "app");
  if (ctor && ctorApp) {
    const a = project.appsOf(ext.mod, ctor.scope, ctorApp);
    if (a.isApp) out.push({ mod: ext.mod, call: ctor, apps: a.apps });
  }
  for (const mod of project.flaskModules()) {
    for (const c of mod.index.calls) {
      const fn = c.call.fn;
      if (fn.k !== "attr" || fn.name !== "init_app") continue;
      if (!project.resolve(mod, c.scope, fn.obj).some((v) => v.t === "inst" && v.site === ext.site)) continue;
      const a = project.appsOf(mod, c.scope, arg(c.call, 0, "app") ?? { k: "none" });
      if (a.isApp) out.push({ mod, call: c, apps: a.apps });
    }
  }
  return out;
}

export default defineRule({
  id: "FLASK-DEPLOY-003",
  title: "Development tooling switched on in production",
  family: "deploy",
  severity: "high",
  confidence: "high",
  cwe: [489, 215, 209],
  owasp: "A05:2021",
  tags: ["debug", "deployment", "information-disclosure", "rce"],
  impact:
    "Development aids wired into the production app hand internals to whoever sends requests: the Werkzeug debugger's console runs Python code, its traceback pages and the debug toolbar show source, SQL, configuration and secrets, and the profiler slows every request and writes call statistics to logs or disk.",
  fix: "Install development tooling only on development paths: inside `if __name__ == \"__main__\":`, in a development config or behind an explicit switch that production never sets. Leave PROPAGATE_EXCEPTIONS and TRAP_HTTP_EXCEPTIONS at their defaults outside tests.",
  mitigation:
    "Until the code changes, make sure the tool is inert in production (debug off, DEBUG_TB_ENABLED = False, no `evalex`), and block `/console` and `/_debug_toolbar` at the reverse proxy.",
  docs: {
    what:
      "Finds development tooling that production code switches on without any condition: Werkzeug's `DebuggedApplication` wrapped around the app (with or without the `evalex` console), Werkzeug's `ProfilerMiddleware` wrapped around the app, Flask-DebugToolbar bound to an app whose production configuration enables it (`DEBUG_TB_ENABLED = True`, or debug mode on), and `PROPAGATE_EXCEPTIONS` or `TRAP_HTTP_EXCEPTIONS` turned on outside a test configuration where they hand errors to such a debugger.",
    why:
      "These tools exist to show a developer everything about a failing request, and they do not ask who is looking. The debugger's console is remote code execution guarded by a PIN; traceback pages and the toolbar's panels disclose source code, queries, request data and configuration values such as the secret key; the profiler multiplies the cost of each request and leaks call paths into logs. The error-handling switches are what feed a wrapped debugger: with them on, errors leave Flask's own handling and reach the traceback pages.",
    bad: 'from werkzeug.debug import DebuggedApplication\nfrom werkzeug.middleware.profiler import ProfilerMiddleware\n\napp = create_app()\napp.wsgi_app = ProfilerMiddleware(app.wsgi_app)\napplication = DebuggedApplication(app, evalex=True)\n\nclass ProductionConfig(Config):\n    PROPAGATE_EXCEPTIONS = True',
    good: 'app = create_app()\n\nif __name__ == "__main__":\n    app.wsgi_app = ProfilerMiddleware(app.wsgi_app)   # local profiling only\n    app.run(debug=True)\n\nclass TestingConfig(Config):\n    TESTING = True\n    PROPAGATE_EXCEPTIONS = True',
    detection:
      "Classes are identified by resolving the constructor through imports and aliases (`werkzeug.debug.DebuggedApplication`, `werkzeug.middleware.profiler.ProfilerMiddleware`, `flask_debugtoolbar.DebugToolbarExtension`), and the wrapped object must resolve to a Flask app or its `wsgi_app`. The toolbar is followed from where it is created to every `init_app(app)` in any module; since it enables itself only when debug mode is on, it is reported only when a production configuration turns on `DEBUG_TB_ENABLED` or `DEBUG`, or a production deployment file sets `FLASK_DEBUG=1` that no production `DEBUG = False` overrides (an explicit `DEBUG_TB_ENABLED = False` silences it). Silent for: test files, `__main__` blocks (unless a deployment file starts that file directly), functions only called from those, uncalled factories named for development or profiling (`create_debug_app`; an uncalled `create_app` counts as production, since a WSGI server may load it), code under any `if` (a debug, test or opt-in switch decides), `DevelopmentConfig`/`TestingConfig`-style classes, and config classes or set-ups that also turn `TESTING` on. `PROPAGATE_EXCEPTIONS` and `TRAP_HTTP_EXCEPTIONS` are reported only when a production `DebuggedApplication` wraps the app they apply to: under gunicorn or uWSGI alone a propagated error ends as the server's plain 500 page, and some projects propagate on purpose so that outer middleware handles errors. A `DebuggedApplication` without `evalex` is reported as medium unless debug mode or PROPAGATE_EXCEPTIONS feeds it errors, then as high.",
    falsePositives:
      "Code that is only imported by a developer tool without looking like one (a `profile_app.py` run by hand) may be reported; rename it, move the wrapping under `if __name__ == \"__main__\":`, or suppress with a reason.",
    references: [
      "https://werkzeug.palletsprojects.com/en/stable/debug/",
      "https://werkzeug.palletsprojects.com/en/stable/middleware/profiler/",
      "https://flask-debugtoolbar.readthedocs.io/en/latest/",
      "https://flask.palletsprojects.com/en/stable/config/#PROPAGATE_EXCEPTIONS",
    ],
  },
  check({ project, report }) {
    // Errors reach a WSGI wrapper only when the app propagates them: debug mode or PROPAGATE_EXCEPTIONS on in production.
    const switches = project.configWrites.filter((w) => (w.key === "DEBUG" || ERROR_SWITCHES.has(w.key)) && productionWrite(project, w) !== null && !testSetup(project, w));
    const propagating = switches.filter((w) => w.key !== "TRAP_HTTP_EXCEPTIONS");
    const debuggers: { mod: ModuleInfo; c: CallFact; apps: FlaskObject[] }[] = [];
    for (const mod of project.flaskModules()) {
      for (const c of mod.index.calls) {
        const fn = c.call.fn;
        const name = fn.k === "name" ? fn.id : fn.k === "attr" ? fn.name : "";
        // Constructors only (capitalised), under any alias: `from werkzeug.debug import DebuggedApplication as D`.
        if (!/^[A-Z]/.test(name)) continue;
        const paths = project.extPaths(mod, c.scope, fn);
        const profiler = paths.some((p) => PROFILERS.has(p));
        const debugger_ = paths.some((p) => DEBUGGERS.has(p));
        if (!profiler && !debugger_) continue;
        const wrapped = arg(c.call, 0, "app");
        if (!wrapsApp(project, mod, c.scope, wrapped)) continue;
        const reasons = unconditional(project, mod, c);
        if (!reasons) continue;
        const range = toRange(c.call.r);
        if (profiler) {
          const dir = arg(c.call, 4, "profile_dir");
          const output = dir && dir.k !== "none" ? "writes the statistics to files on disk" : "prints the statistics to the process output";
          report({
            file: mod.path,
            range,
            message: `Werkzeug's ProfilerMiddleware wraps the app unconditionally: it profiles every request and ${output}, which slows each request and exposes internal call paths.`,
            severity: "medium",
            scope: c.scope,
            context: reasons,
          });
          continue;
        }
        const target = wrapped!.k === "attr" && wrapped!.name === "wsgi_app" ? wrapped!.obj : wrapped!;
        const apps = project.appsOf(mod, c.scope, target).apps;
        debuggers.push({ mod, c, apps });
        const evalex = arg(c.call, 1, "evalex");
        const console = evalex !== undefined && project.truthy(mod, c.scope, evalex) === true;
        const pin = c.call.kw.find((k) => k.name === "pin_security");
        const noPin = pin !== undefined && project.truthy(mod, c.scope, pin.value) === false;
        const write = propagating.find((w) => appliesToAny(w, apps));
        const debugOff = project.configWrites.some((w) => w.key === "DEBUG" && appliesToAny(w, apps) && project.truthy(w.mod, w.where.scope, w.value) === false && !writeContext(project, w).ctx.devOnly && !writeContext(project, w).ctx.test);
        const cause = write ? `${write.key} is on at ${write.mod.path}:${toRange(write.r).start.line}` : debugOff ? null : debugEnv(project);
        const context = [...reasons];
        if (noPin) context.push("`pin_security` is off, so the console does not even ask for the PIN");
        if (cause) context.push(`${cause}, so unhandled errors reach the debugger`);
        else if (!console) context.push("Flask handles errors itself while debug mode and PROPAGATE_EXCEPTIONS are off, so tracebacks reach the debugger only when one of them is switched on");
        report({
          file: mod.path,
          range,
          message: console
            ? `Werkzeug's DebuggedApplication wraps the app with \`evalex\` on: its \`/console\` and traceback frames run Python code sent by any client${noPin ? " without a PIN" : " that knows or guesses the PIN"}.`
            : "Werkzeug's DebuggedApplication wraps the app: unhandled errors are answered with tracebacks that show source code and local values.",
          severity: console ? "critical" : cause ? "high" : "medium",
          scope: c.scope,
          context,
        });
      }
    }
    reportToolbars(project, report);
    // The error-handling switches matter where they hand errors to a debugger in production; under a
    // WSGI server alone the server answers with a plain 500, so they are not reported on their own.
    for (const w of switches) {
      if (!ERROR_SWITCHES.has(w.key)) continue;
      const d = debuggers.find((x) => appliesToAny(w, x.apps));
      if (!d) continue;
      // Trapped HTTP errors reach the debugger only when the app also propagates errors.
      if (w.key === "TRAP_HTTP_EXCEPTIONS" && !propagating.some((p) => appliesToAny(p, d.apps))) continue;
      const at = `${d.mod.path}:${toRange(d.c.call.r).start.line}`;
      const { ctx } = writeContext(project, w);
      report({
        file: w.mod.path,
        range: toRange(w.r),
        message:
          w.key === "PROPAGATE_EXCEPTIONS"
            ? `PROPAGATE_EXCEPTIONS is on${w.configClass ? ` in \`${w.configClass.def.name}\`` : ""}, so unhandled errors bypass the app's error handling and reach the Werkzeug debugger wrapped around the app (${at}), which answers them with tracebacks.`
            : `TRAP_HTTP_EXCEPTIONS is on${w.configClass ? ` in \`${w.configClass.def.name}\`` : ""}, so HTTP errors without their own handler (404, 405) also become exceptions that the Werkzeug debugger (${at}) shows with tracebacks.`,
        severity: w.key === "PROPAGATE_EXCEPTIONS" ? "medium" : "low",
        scope: w.where.scope,
        context: ctx.reasons,
      });
    }
  },
});

/** A production deployment setting that switches debug mode on (`ENV FLASK_DEBUG=1`), as a reason to show. */
function debugEnv(project: Project): string | null {
  for (const { file, env } of productionEnv(project)) {
    // .env files reach only the `flask` command; the pre-2.3 FLASK_ENV depends on the Flask version.
    if (env.source === "dotenv") continue;
    const s = debugSetting(env.name, env.value);
    if (s && !s.legacy) return `${env.name}=${env.value} is set in ${file.path}:${env.range.start.line}`;
  }
  return null;
}

/** Whether a config write may apply to one of the apps (or to any app, when either side is unknown). */
function appliesToAny(w: ConfigWrite, apps: FlaskObject[]): boolean {
  return apps.length === 0 || w.apps.length === 0 || apps.some((a) => w.apps.includes(a));
}

type Report = Parameters<Parameters<typeof defineRule>[0]["check"]>[0]["report"];

function reportToolbars(project: Project, report: Report): void {
  for (const ext of project.extensions) {
    if (!TOOLBAR.test(ext.cls)) continue;
    for (const b of toolbarBindings(project, ext)) {
      const reasons = unconditional(project, b.mod, b.call);
      if (!reasons) continue;
      const apps: (FlaskObject | null)[] = b.apps.length > 0 ? b.apps : [null];
      const writes = (key: string) => project.configWrites.filter((w) => w.key === key && apps.some((a) => appliesTo(w, a)));
      // An explicit DEBUG_TB_ENABLED = False in production is the protection the extension offers.
      const disabled = writes("DEBUG_TB_ENABLED").some((w) => project.truthy(w.mod, w.where.scope, w.value) === false && !writeContext(project, w).ctx.devOnly && !writeContext(project, w).ctx.test);
      if (disabled) continue;
      const enabled = writes("DEBUG_TB_ENABLED").find((w) => productionWrite(project, w));
      const debug = enabled ? undefined : writes("DEBUG").find((w) => productionWrite(project, w));
      // FLASK_DEBUG from the deployment sets the app's default; a production DEBUG = False overrides it.
      const debugOff = writes("DEBUG").some((w) => project.truthy(w.mod, w.where.scope, w.value) === false && !writeContext(project, w).ctx.devOnly && !writeContext(project, w).ctx.test);
      const env = enabled || debug || debugOff ? null : debugEnv(project);
      const cause = enabled || debug ? `${(enabled ?? debug)!.key} is switched on at ${(enabled ?? debug)!.mod.path}:${toRange((enabled ?? debug)!.r).start.line}` : env;
      if (!cause) continue;
      const context = [...reasons, cause];
      const hosts = writes("DEBUG_TB_HOSTS").find((w) => !writeContext(project, w).ctx.devOnly);
      if (hosts) context.push(`DEBUG_TB_HOSTS (${hosts.mod.path}:${toRange(hosts.r).start.line}) limits the client addresses that see the toolbar`);
      report({
        file: b.mod.path,
        range: toRange(b.call.call.r),
        message: `Flask-DebugToolbar is installed here and ${enabled ? "DEBUG_TB_ENABLED" : "debug mode"} is on in production, so every HTML page carries a panel with configuration values (the secret key among them), SQL queries, templates and request data.`,
        severity: hosts ? "medium" : "high",
        scope: b.call.scope,
        context,
      });
    }
  }
}
