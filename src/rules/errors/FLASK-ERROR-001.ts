import { toRange } from "../../index/ir.js";
import type { DefFact } from "../../index/ir.js";
import type { Step } from "../../index/body.js";
import type { ModuleInfo } from "../../link/modules.js";
import { isTestPath, type FlaskObject, type Project } from "../../link/project.js";
import { bodyOf } from "../auth/bodies.js";
import { inventoryOf } from "../../inventory/routes.js";
import { errorHandlers } from "../../taint/errors.js";
import { productionApps } from "../config/sources.js";
import { hitsBySink } from "../dataflow.js";
import { defineRule } from "../define.js";

/** Whether a view is wrapped by a project decorator whose code catches `Exception` (or `BaseException`). */
function catchAllDecorator(project: Project, mod: ModuleInfo, view: DefFact): boolean {
  for (const d of view.decorators) {
    const fn = d.k === "call" ? d.fn : d;
    for (const v of project.resolve(mod, view.scope, fn)) {
      if (v.t !== "def" || v.def.kind !== "function") continue;
      const defs = v.mod.index.defs.filter((x) => x.kind === "function" && (x === v.def || x.qualname.startsWith(`${v.def.qualname}.`)));
      if (defs.some((x) => catchesAll(project, v.mod, x.qualname, bodyOf(v.mod, x) ?? []))) return true;
    }
  }
  return false;
}

function catchesAll(project: Project, mod: ModuleInfo, scope: string, steps: Step[]): boolean {
  for (const st of steps) {
    if (st.s === "try") {
      for (const h of st.handlers) {
        const first = h[0];
        // `except T as e:` lowers to an assignment of an "exception" value, `except T:` to a "caught" statement.
        const caught = first?.s === "assign" ? first.value : first?.s === "expr" ? first.e : null;
        const type = caught?.k === "other" && (caught.type === "exception" || caught.type === "caught") ? caught.parts[0] : undefined;
        if (type && project.extPaths(mod, scope, type).some((p) => p === "builtins.Exception" || p === "builtins.BaseException")) return true;
      }
      if ([st.body, ...st.handlers, st.orelse, st.final].some((b) => catchesAll(project, mod, scope, b))) return true;
    } else if (st.s === "if" || st.s === "loop") {
      if (catchesAll(project, mod, scope, st.body) || catchesAll(project, mod, scope, st.orelse)) return true;
    } else if (st.s === "with" && catchesAll(project, mod, scope, st.body)) return true;
  }
  return false;
}

/** The engine's origin of exception details, as the subject of a sentence. */
function describe(origin: string): string {
  const caught = /^exception caught as (`[^`]+`)$/.exec(origin);
  if (caught) return `The text of an exception caught as ${caught[1]}`;
  const handled = /^exception `[^`]+` handled by (`[^`]+`)$/.exec(origin);
  if (handled) return `The text of the exception ${handled[1]} handles`;
  if (origin === "exception `original_exception`") return "The text of the unhandled exception (`original_exception`)";
  const detail = /^exception details from (`[^`]+`)$/.exec(origin);
  if (detail) return `The traceback text from ${detail[1]}`;
  return "Exception details";
}

export default defineRule({
  id: "FLASK-ERROR-001",
  title: "Exception details sent to the client",
  family: "errors",
  severity: "medium",
  confidence: "high",
  cwe: [209, 497],
  owasp: "A05:2021",
  tags: ["information-disclosure", "error-handling", "data-flow"],
  impact:
    "An error message written for developers tells an attacker what runs behind the app: SQL statements and table names, file paths, host names of internal services, library versions, sometimes credentials embedded in a connection string. It also tells them which input broke what, which guides the next attempt.",
  fix: "Log the exception on the server (`current_app.logger.exception(...)`) and send the client a fixed message, optionally with an id it can quote to support. Keep `str(e)`, `repr(e)`, `e.args` and tracebacks out of responses, templates and `abort()` descriptions.",
  mitigation: "Register a handler for `Exception` (or 500) that returns a generic page or JSON body, so an error path the code forgot still ends there, and keep `DEBUG` off in production.",
  docs: {
    what:
      "Reports the text of a caught exception reaching what the client receives: returned from a view or error handler (directly, through `jsonify`, `make_response`, a response object or `render_template` arguments), or given to `abort()` as its description or response. The text counts whether it is taken with `str(e)`, `repr(e)`, `e.args`, an f-string or `%` formatting, or comes from `traceback.format_exc()`/`format_exception()`/`sys.exc_info()`, and whether it passes through helper functions on the way. Also reports error handlers registered for `Exception` (or a library's error class) that return the exception's text, and, once per app, a production app that registers no handler for 500, `InternalServerError`, `HTTPException` or `Exception` at all (low severity).",
    why:
      "Exceptions from databases, file systems, templates and HTTP clients describe the server's internals in detail. Sent to the client, they hand an attacker a map of the back end for free, and error-based probing (SQL injection in particular) becomes much easier when each failure comes back with the database's own message.",
    bad: 'try:\n    rows = db.session.execute(query).all()\nexcept Exception as e:\n    return jsonify(error=str(e)), 500',
    good: 'try:\n    rows = db.session.execute(query).all()\nexcept Exception:\n    current_app.logger.exception("report query failed")\n    return jsonify(error="internal error"), 500',
    detection:
      "Uses the data-flow engine with the caught exception as the source: `except T as e:` makes `e` a source when T is `Exception`, `BaseException`, an `OSError`-style built-in error or a library's error class (SQLAlchemy, database drivers, `requests`, `subprocess`), and so does the first parameter of a handler registered for such a type; `.original_exception` (what Werkzeug's `InternalServerError` wraps) and `traceback.format_exc()`-style calls are sources wherever they appear. The sinks are the return values of views (routes, class-based views, Flask-RESTful resources) and error handlers, and `abort()`'s description. Not reported: exceptions that exist to talk to the client (Werkzeug's `HTTPException` and its subclasses, whose `description`, `code` and `name` are written for clients; validation errors such as marshmallow's or WTForms'; `ValueError`, `KeyError` and `IndexError`, whose text describes the client's own input; the project's own exception classes, whose messages the app wrote), handlers for 4xx codes or `HTTPException`, exceptions that are only logged, and views in test files. Messages shown with `flash()` are not followed (they are usually written for the user; a raw `flash(str(e))` is a gap of this rule). A handler for 500 receives the `InternalServerError` whose text is Flask's generic message, so only its `original_exception` counts. The app-wide finding is reported at the app's construction when no handler covers unhandled errors, for apps that serve routes (directly or through registered blueprints) outside tests and development-only code; an app whose views go through a decorator of the project that catches `Exception`, or a project that overrides or assigns `handle_exception`, is left alone.",
    falsePositives:
      "A library exception whose text is safe to show (a payment provider's decline reason) is reported; catch its specific type, or map it to a message of your own. The app-wide finding is advice: Flask's own 500 page reveals nothing while `DEBUG` is off, but without a handler of your own an API answers failures with HTML and nothing makes sure the failure is logged with context.",
    references: [
      "https://cwe.mitre.org/data/definitions/209.html",
      "https://owasp.org/www-community/Improper_Error_Handling",
      "https://flask.palletsprojects.com/en/stable/errorhandling/",
    ],
  },
  check({ project, report }) {
    for (const hits of hitsBySink(project, ["error"])) {
      const h = hits[0]!;
      const via = h.trace.length > 2 ? ` in ${h.trace.length - 1} steps (see the trace)` : "";
      const where = h.sink === "the response" ? "the response" : `\`${h.sink}\` as ${h.what}`;
      report({
        file: h.file,
        range: toRange(h.r),
        message: `${describe(h.origin)} reaches ${where}${via}, so the client reads what went wrong inside the server.`,
        scope: h.scope,
        trace: h.trace.map((s) => ({ file: s.file, range: toRange(s.r), message: s.message })),
      });
    }

    // App-wide: production apps without a handler of their own for unhandled errors.
    if (project.routes.length === 0) return;
    const handlers = errorHandlers(project).filter((x) => x.catchAll && !isTestPath(x.registeredIn.path));
    // An app class that overrides `handle_exception` (or assigns it) answers failures its own way.
    const ownHandling = project.pythonModules().some((m) => m.index.defs.some((d) => d.name === "handle_exception" && d.scope !== "") || m.index.assigns.some((a) => a.targets.some((t) => t.k === "attr" && t.name === "handle_exception")));
    if (ownHandling) return;
    // Only apps that serve routes (directly or through registered blueprints): a throwaway app built by a CLI command answers no one.
    const up = (o: FlaskObject, into: Set<FlaskObject>, seen = new Set<FlaskObject>()) => {
      if (seen.has(o)) return;
      seen.add(o);
      if (o.kind === "app") into.add(o);
      for (const reg of project.registrations) if (reg.child === o) up(reg.parent, into, seen);
    };
    const serving = new Set<FlaskObject>();
    for (const r of project.routes) up(r.owner, serving);
    for (const r of inventoryOf(project).routes) if (r.route.owner) up(r.route.owner, serving);
    // Views wrapped in a decorator of the project that catches `Exception` answer failures themselves.
    const guarded = new Set<FlaskObject>();
    for (const r of project.routes) if (r.view && r.viewMod && catchAllDecorator(project, r.viewMod, r.view)) up(r.owner, guarded);
    for (const app of productionApps(project)) {
      if (isTestPath(app.mod.path) || !serving.has(app) || guarded.has(app)) continue;
      const covered = handlers.some((x) => {
        const got = project.appsOf(x.registeredIn, x.scope, x.on);
        if (got.apps.includes(app) || (got.isApp && got.apps.length === 0)) return true;
        // A blueprint's `app_errorhandler` applies to every app the blueprint is registered on.
        return !got.isApp;
      });
      if (covered) continue;
      report({
        file: app.mod.path,
        range: toRange(app.call.r),
        message: "This app registers no handler for unhandled errors (500, `InternalServerError` or `Exception`): failures are answered with Flask's default page, and nothing of the app's own decides what the client sees or makes sure the error is logged.",
        severity: "low",
        confidence: "medium",
        scope: app.scope,
      });
    }
  },
});
