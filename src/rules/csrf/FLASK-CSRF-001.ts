import type { DefFact, Expr } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { ConfigWrite, ExtensionObject, FlaskObject, Project, Route } from "../../link/project.js";
import { defineRule, type RuleContext } from "../define.js";
import { writeContext } from "../support.js";
import type { FixContext, FixProposal } from "../../fix/types.js";
import { configValueNode, replaceNode } from "../../fix/python.js";
import { appsOfObject, type BodyFacts, bodyExprs, cookieIdentityUse, externalBases, factsIn, isBound, isExt, logsIn, methodCalls, prefixedEnvConfig, sessionUserAttrs, walkExpr } from "../session/facts.js";

const CSRF_EXTENSIONS = /^(flask_wtf(\.csrf)?\.(CSRFProtect|CsrfProtect)|flask_seasurf\.SeaSurf)$/;
const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/** Form classes that check Flask-WTF's CSRF token when validated: Flask-WTF's own and Flask-Security's (built on them). */
const FLASK_WTF_FORMS = /^(flask_wtf(\.form)?\.(FlaskForm|Form)|flask_security(\.forms)?\.\w*Form)$/;
const LOGIN_DECORATORS = /^flask_login(\.[a-z_]+)*\.(login_required|fresh_login_required)$/;
const SECURITY_DECORATORS = /^flask_security(\.[a-z_]+)*\.(login_required|auth_required|roles_required|roles_accepted|permissions_required|permissions_accepted)$/;

/** Config keys that switch a CSRF extension off wholesale, with the value that does it. */
const DISABLING_KEYS: Record<string, { off: boolean; module: RegExp; what: string }> = {
  WTF_CSRF_ENABLED: { off: false, module: /^flask_wtf\b/, what: "Flask-WTF no longer checks CSRF tokens on any form or request" },
  CSRF_ENABLED: { off: false, module: /^flask_wtf\b/, what: "older Flask-WTF versions stop checking CSRF tokens on every form" },
  CSRF_DISABLE: { off: true, module: /^flask_seasurf\b/, what: "SeaSurf stops checking CSRF tokens on every request" },
};

/** Whether production code imports a module matching `module`. */
function imports(project: Project, module: RegExp): boolean {
  return project.pythonModules().some((m) => !project.contextOf(m).test && m.index.imports.some((i) => module.test(i.module)));
}

interface CsrfSetup {
  exts: ExtensionObject[];
  /** Views and blueprints exempted with `csrf.exempt(...)` calls. */
  exemptDefs: Set<DefFact>;
  exemptObjects: Set<FlaskObject>;
}

function csrfSetup(project: Project): CsrfSetup {
  const exts = project.extensions.filter((e) => CSRF_EXTENSIONS.test(e.cls) && !project.contextOf(e.mod).test && isBound(project, e));
  const exemptDefs = new Set<DefFact>();
  const exemptObjects = new Set<FlaskObject>();
  for (const ext of exts) {
    for (const { mod, call } of methodCalls(project, ext, "exempt")) {
      const arg = call.call.args[0];
      if (!arg) continue;
      for (const v of project.resolve(mod, call.scope, arg)) if (v.t === "def") exemptDefs.add(v.def);
      for (const o of project.objectsOf(mod, call.scope, arg)) exemptObjects.add(o);
    }
  }
  return { exts, exemptDefs, exemptObjects };
}

/** The decorators of a view: its own, or a class-based view's `decorators = [...]` attribute. */
function viewDecorators(project: Project, mod: ModuleInfo, view: DefFact): Expr[] {
  if (view.kind === "function") return view.decorators;
  const out: Expr[] = [];
  for (const a of project.resolver.assignsIn(mod, view.qualname)) {
    if (a.targets.some((t) => t.k === "name" && t.id === "decorators") && a.value.k === "seq") out.push(...a.value.elts);
  }
  return out;
}

/** The HTTP methods a route accepts: a class-based view's handler methods when the rule does not list them. */
function routeMethods(route: Route): string[] {
  const view = route.view;
  if (!view || view.kind !== "class" || route.methods.some((m) => m !== "GET")) return route.methods;
  const mod = route.viewMod!;
  return mod.index.defs.filter((d) => d.scope === view.qualname && d.kind === "function").map((d) => d.name.toUpperCase());
}

/** How the route relies on the session cookie for who the user is, or null. */
function cookieAuth(project: Project, mod: ModuleInfo, view: DefFact, gUser: ReadonlySet<string>): string | null {
  for (const d of viewDecorators(project, mod, view)) {
    const target = d.k === "call" ? d.fn : d;
    const paths = project.extPaths(mod, view.scope, target);
    if (paths.some((p) => LOGIN_DECORATORS.test(p))) return "Flask-Login's `@login_required`";
    const sec = paths.find((p) => SECURITY_DECORATORS.test(p));
    if (sec) {
      // auth_required("token") accepts only header tokens; the default and "session" accept the cookie.
      const mechanisms = d.k === "call" && sec.endsWith(".auth_required") ? d.args.map((a) => project.constString(mod, view.scope, a)) : [];
      if (mechanisms.length === 0 || mechanisms.some((m) => m === null || m === "session")) return `Flask-Security's \`@${sec.replace(/^.*\./, "")}\``;
      continue;
    }
    for (const v of project.resolve(mod, view.scope, target)) {
      if (v.t !== "def" || v.def.kind !== "function") continue;
      const use = cookieIdentityUse(project, v.mod, factsIn(v.mod, v.def.qualname), gUser);
      if (use) return `\`@${v.def.name}\`, which checks ${use}`;
    }
  }
  const body = factsIn(mod, view.qualname);
  const use = cookieIdentityUse(project, mod, body, gUser);
  if (use) return `the view reads ${use}`;
  // One level of project helpers: `if not may(DELETE): abort(403)` where `may` reads the session.
  for (const c of body.calls) {
    for (const v of project.resolve(mod, c.scope, c.call.fn)) {
      if (v.t !== "def" || v.def.kind !== "function") continue;
      const inner = cookieIdentityUse(project, v.mod, factsIn(v.mod, v.def.qualname), gUser);
      if (inner) return `the view calls \`${v.def.name}\`, which reads ${inner}`;
    }
  }
  return null;
}

/**
 * Whether a body checks a CSRF token itself: `validate_csrf`, a "csrf" value it reads, or (with `forms`) a
 * Flask-WTF form it builds, which checks the token when the view validates it.
 */
function checksToken(project: Project, mod: ModuleInfo, body: BodyFacts, forms = true): boolean {
  for (const { e, scope } of bodyExprs(body)) {
    let found = false;
    walkExpr(e, (x) => {
      if (found) return;
      if (x.k === "str" && /csrf|xsrf/i.test(x.v)) found = true;
      else if (x.k === "call") {
        const name = x.fn.k === "name" ? x.fn.id : x.fn.k === "attr" ? x.fn.name : "";
        if (/csrf|xsrf/i.test(name)) found = true;
        // `form.validate_on_submit()` exists only on Flask-WTF forms, which check the token in it: the form
        // counts even when it comes from a factory the model cannot follow (Flask-Security's `build_form`).
        else if (forms && x.fn.k === "attr" && name === "validate_on_submit") found = true;
        else if (forms) {
          // `PostForm()`, or a project helper that returns one (`form = make_form()`).
          const fnVals = project.resolve(mod, scope, x.fn);
          const values = /^[A-Z]/.test(name) ? fnVals : fnVals.some((v) => v.t === "def" && v.def.kind === "function") ? project.resolve(mod, scope, x) : [];
          for (const v of values) {
            const cls = v.t === "inst" ? v.of : v;
            if (cls.t === "ext" && FLASK_WTF_FORMS.test(cls.path)) found = true;
            else if (cls.t === "def" && cls.def.kind === "class" && externalBases(project, cls.mod, cls.def).some((p) => FLASK_WTF_FORMS.test(p))) found = true;
          }
        }
      }
    });
    if (found) return true;
  }
  return false;
}

/** Whether a body reads the request headers that tell a cross-site request apart (Origin, Referer, Sec-Fetch-Site, a custom header). */
function checksOrigin(body: BodyFacts): boolean {
  let found = false;
  for (const { e } of bodyExprs(body)) {
    walkExpr(e, (x) => {
      if (x.k === "str" && /^(origin|referr?er|sec-fetch-site|x-requested-with|http_origin|http_referer)$/i.test(x.v)) found = true;
    });
    if (found) return true;
  }
  return false;
}

/** Whether a view reads its input only as JSON (`request.get_json()`, `request.json`) and never as a form. */
function jsonOnly(project: Project, mod: ModuleInfo, body: BodyFacts): boolean {
  let json = false;
  let form = false;
  for (const { e, scope } of bodyExprs(body, false)) {
    walkExpr(e, (x) => {
      if (x.k !== "attr") return;
      if (!isExt(project, mod, scope, x.obj, /^flask(\.globals)?\.request$/)) return;
      if (x.name === "get_json" || x.name === "json") json = true;
      else if (x.name === "form" || x.name === "values" || x.name === "files" || x.name === "get_data" || x.name === "data" || x.name === "args") form = true;
    });
  }
  return json && !form;
}

/** A function run before every request of some Flask objects: `@app.before_request`, `@bp.before_app_request`. */
interface RequestHook {
  mod: ModuleInfo;
  def: DefFact;
  /** The objects whose requests it runs for; null for every route of the app (app-wide). */
  objs: FlaskObject[] | null;
}

function requestHooks(project: Project): RequestHook[] {
  const out: RequestHook[] = [];
  for (const mod of project.pythonModules()) {
    for (const d of mod.index.defs) {
      if (d.kind !== "function") continue;
      for (const x of d.decorators) {
        const t = x.k === "call" ? x.fn : x;
        if (t.k !== "attr" || !/^before_(app_)?request$/.test(t.name)) continue;
        const objs = project.objectsOf(mod, d.scope, t.obj);
        if (objs.length === 0) continue;
        const appWide = t.name === "before_app_request" || objs.some((o) => o.kind === "app");
        out.push({ mod, def: d, objs: appWide ? null : objs });
      }
    }
  }
  return out;
}

/** Whether a hook turns requests away (returns a response or aborts) after reading the session user: a login wall. */
function enforcesLogin(project: Project, hook: RequestHook): string | null {
  const body = factsIn(hook.mod, hook.def.qualname);
  const use = cookieIdentityUse(project, hook.mod, body, new Set());
  if (!use) return null;
  const rejects =
    body.returns.some((r) => r.value && r.value.k !== "none") ||
    body.calls.some((c) => isExt(project, hook.mod, c.scope, c.call.fn, /^(flask|werkzeug\.exceptions)(\.helpers)?\.abort$/));
  return rejects ? `the \`${hook.def.name}\` request hook admits only users with ${use}` : null;
}

/**
 * `WTF_CSRF_ENABLED = False` → `True` (and the older `CSRF_ENABLED`, and SeaSurf's `CSRF_DISABLE = True` → `False`)
 * where the rule reports it, which is never in testing or development config. Only a literal constant is
 * flipped; a value computed at run time, and routes without protection, need a person.
 */
function csrfFix({ node }: FixContext): FixProposal | null {
  for (const [key, spec] of Object.entries(DISABLING_KEYS)) {
    const value = configValueNode(node, [key]);
    if (!value || value.type !== (spec.off ? "true" : "false")) continue;
    const on = spec.off ? "False" : "True";
    return { description: `${key} = ${on}`, edits: [replaceNode(value, on)] };
  }
  return null;
}

export default defineRule({
  id: "FLASK-CSRF-001",
  title: "Cookie-authenticated state change without CSRF protection",
  family: "csrf",
  severity: "high",
  confidence: "medium",
  cwe: [352],
  owasp: "A01:2021",
  tags: ["csrf", "session", "forms"],
  impact:
    "Any web page a logged-in user visits can make the browser send a forged POST, PUT, PATCH or DELETE to the app with the user's session cookie attached, and the app carries it out as that user: changing the e-mail or password, deleting data, transferring or publishing things.",
  fix: "Enable CSRF protection for the whole app (`csrf = CSRFProtect()` in extensions.py, `csrf.init_app(app)` in the factory) and include `{{ csrf_token() }}` in forms and an `X-CSRFToken` header in scripted requests; leave `WTF_CSRF_ENABLED` on outside tests (`flaskwarden scan --fix` turns a hard-coded `False` back to `True`), and exempt only endpoints that do not use the session cookie for authentication.",
  mitigation:
    "Set `SESSION_COOKIE_SAMESITE = \"Lax\"` (or \"Strict\") so that cross-site POSTs do not carry the session cookie, and require a custom request header on JSON endpoints; both narrow the attack but do not replace a token.",
  docs: {
    what:
      "Finds the ways CSRF protection goes missing in an app that authenticates users with the session cookie: `WTF_CSRF_ENABLED = False` (or SeaSurf's `CSRF_DISABLE = True`) in configuration that reaches production, including `FLASK_WTF_CSRF_ENABLED=false` in a deployment file of an app that calls `from_prefixed_env()`; `WTF_CSRF_CHECK_DEFAULT = False` with no `csrf.protect()` call anywhere; `WTF_CSRF_METHODS` without POST; and routes that accept POST, PUT, PATCH or DELETE, identify the user through the session cookie (Flask-Login's `@login_required`, `current_user`, a project decorator or view that reads the user id from `session`) and have no CSRF check: no `CSRFProtect`/`SeaSurf` bound to the app, or `@csrf.exempt` on the view, and no Flask-WTF form or token check in the view itself.",
    why:
      "Browsers attach cookies to cross-site requests. Without a token that only the app's own pages know, the app cannot tell a form the user submitted from one another site submitted in the user's name, so anything a logged-in user can do by POST, an attacker's page can make them do.",
    bad: '# config.py\nclass Config:\n    WTF_CSRF_ENABLED = False\n\n# views.py\n@bp.post("/account/email")\n@login_required\ndef change_email():\n    current_user.email = request.form["email"]',
    good: '# extensions.py\ncsrf = CSRFProtect()\n\n# __init__.py\ndef create_app():\n    app = Flask(__name__)\n    csrf.init_app(app)\n\n# config.py\nclass TestingConfig(Config):\n    WTF_CSRF_ENABLED = False   # test client only',
    detection:
      "Extensions count wherever they are created and bound (`CSRFProtect()` in one module, `init_app(app)` in the factory in another); an extension bound to another app of the project does not protect a route. `@csrf.exempt` and `csrf.exempt(view_or_blueprint)` must resolve to that extension object. A route is only reported when it both changes state (its methods, or a class-based view's handler methods) and relies on the session cookie for who the user is; APIs authenticated only by an `Authorization` or API-key header, webhooks and public forms are not reported, since a forged request gains nothing there. A view that builds a Flask-WTF `FlaskForm`, calls `validate_on_submit()` on a form (a Flask-WTF method, even on a form from a factory the model cannot follow), calls `validate_csrf` or reads a `csrf` token value is taken as protected, and so is every route when a `before_request` hook checks a token or the `Origin`/`Referer`/`Sec-Fetch-Site`/`X-Requested-With` headers. When the session cookie has SameSite=Lax or Strict (in production config, or from Flask-Talisman), route findings drop to medium severity. A view that reads only JSON bodies is reported with low confidence, since browsers cannot send JSON cross-site without the app's CORS policy allowing it. A `before_request` hook that reads the session user and turns anonymous requests away makes every route behind it cookie-authenticated; the view that logs users in is not reported (login CSRF is a different, lesser problem). When protection is switched off in config, that config line is reported instead of every route. Silent for testing and development config classes, `__main__` blocks, debug switches and test files. Flask-RESTful resources and routes registered in ways the model does not follow are not checked.",
    falsePositives:
      "A route protected by a mechanism the scanner does not know (a WSGI middleware or a third-party decorator that checks a token or the Origin header) is reported; suppress it with the reason. A POST route that changes nothing (a preview or a translation) is still reported, since the scanner cannot tell side effects apart. `g.user`-style attributes count as cookie authentication only when a request hook fills them from the session.",
    references: [
      "https://flask-wtf.readthedocs.io/en/stable/csrf/",
      "https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html",
      "https://cwe.mitre.org/data/definitions/352.html",
    ],
  },
  check({ project, report }) {
    const setup = csrfSetup(project);
    const disabled = reportConfig(project, report, setup);
    if (disabled) return;
    reportRoutes(project, report, setup);
  },
  autofix: csrfFix,
});

/** Reports config that switches CSRF checks off; returns whether any was reported. */
function reportConfig(project: Project, report: RuleContext["report"], setup: CsrfSetup): boolean {
  let any = false;
  for (const w of project.configWrites) {
    const spec = DISABLING_KEYS[w.key];
    const checkDefault = w.key === "WTF_CSRF_CHECK_DEFAULT";
    if (w.key === "WTF_CSRF_METHODS") {
      reportMethods(project, report, w);
      continue;
    }
    if (!spec && !checkDefault) continue;
    const value = project.truthy(w.mod, w.where.scope, w.value);
    if (spec ? value !== spec.off : value !== false) continue;
    if (!imports(project, spec ? spec.module : /^flask_wtf\b/)) continue;
    const { ctx } = writeContext(project, w);
    if (ctx.test || ctx.devOnly) continue;
    const where = w.configClass ? `config class \`${w.configClass.def.name}\`` : "the app config";
    let message: string;
    if (spec) message = `${w.key} = ${spec.off ? "True" : "False"} in ${where}: ${spec.what}, so cookie-authenticated requests can be forged from other sites.`;
    else {
      // Opting out of the global check is fine when views call csrf.protect() themselves.
      const manual = setup.exts.some((e) => methodCalls(project, e, "protect").some((c) => !project.contextOf(c.mod, c.call).test));
      if (manual) continue;
      message = `WTF_CSRF_CHECK_DEFAULT = False in ${where} turns off the automatic CSRF check, and nothing calls \`csrf.protect()\` instead.`;
    }
    report({ file: w.mod.path, range: toRange(w.r), message, scope: w.where.scope, context: ctx.reasons, confidence: "high" });
    any = true;
  }
  // FLASK_WTF_CSRF_ENABLED=false in a deployment file, for apps that call from_prefixed_env().
  for (const { key, value, file, env } of prefixedEnvConfig(project, new Set(["WTF_CSRF_ENABLED"]))) {
    if (!(value === false || value === 0) || !imports(project, /^flask_wtf\b/)) continue;
    report({
      file: file.path,
      range: env.range,
      message: `${env.name}=${env.value} reaches ${key} through \`from_prefixed_env()\`: Flask-WTF no longer checks CSRF tokens, so cookie-authenticated requests can be forged from other sites.`,
      context: env.source === "dotenv" ? ["only the `flask` command reads .env/.flaskenv files (with python-dotenv installed)"] : [],
      confidence: env.source === "dotenv" ? "medium" : "high",
    });
    any = true;
  }
  return any;
}

/** `WTF_CSRF_METHODS = []` (or a list without POST) leaves the methods that change state unchecked. */
function reportMethods(project: Project, report: RuleContext["report"], w: ConfigWrite): void {
  if (w.value.k !== "seq" || !imports(project, /^flask_wtf\b/)) return;
  const methods = w.value.elts.map((e) => project.constString(w.mod, w.where.scope, e));
  if (methods.some((m) => m === null)) return;
  const unchecked = ["POST", "PUT", "PATCH", "DELETE"].filter((m) => !methods.some((x) => x!.toUpperCase() === m));
  // Forms post; a list that still covers POST is a deliberate narrowing, not a switch-off.
  if (unchecked.includes("POST") === false) return;
  const { ctx } = writeContext(project, w);
  if (ctx.test || ctx.devOnly) return;
  report({
    file: w.mod.path,
    range: toRange(w.r),
    message: `WTF_CSRF_METHODS leaves ${unchecked.join(", ")} out, so Flask-WTF does not check CSRF tokens on those requests.`,
    scope: w.where.scope,
    context: ctx.reasons,
    confidence: "high",
  });
}

/** Where production config (or Flask-Talisman's default) sets SameSite=Lax/Strict on the session cookie, or null. */
function sameSiteSet(project: Project): string | null {
  for (const w of project.configWrites) {
    if (w.key !== "SESSION_COOKIE_SAMESITE") continue;
    const v = project.constString(w.mod, w.where.scope, w.value)?.toLowerCase();
    if (v !== "lax" && v !== "strict") continue;
    const { ctx } = writeContext(project, w);
    if (!ctx.test && !ctx.devOnly) return `SESSION_COOKIE_SAMESITE is "${v === "lax" ? "Lax" : "Strict"}" (${w.mod.path})`;
  }
  const talisman = project.extensions.find((e) => /^flask_talisman(\.[a-z_]+)*\.Talisman$/.test(e.cls) && isBound(project, e) && !project.contextOf(e.mod).test);
  return talisman ? `Flask-Talisman (${talisman.mod.path}) sets SameSite on the session cookie` : null;
}

function reportRoutes(project: Project, report: RuleContext["report"], setup: CsrfSetup): void {
  const hooks = requestHooks(project);
  const sameSite = sameSiteSet(project);
  // `g.user` means the session user only when a request hook loads it from the session.
  const gUser = new Set(hooks.flatMap((h) => sessionUserAttrs(project, h.mod, factsIn(h.mod, h.def.qualname))));
  // A request hook that checks a CSRF token, or the Origin/Referer/Fetch-Metadata headers, protects every route.
  // (A hook that merely builds a form, say a search box for every page, checks nothing.)
  if (hooks.some((h) => checksToken(project, h.mod, factsIn(h.mod, h.def.qualname), false) || checksOrigin(factsIn(h.mod, h.def.qualname)))) return;
  const walls = hooks.flatMap((h) => {
    const why = enforcesLogin(project, h);
    return why ? [{ hook: h, why }] : [];
  });
  const seen = new Set<string>();
  for (const route of project.routes) {
    const view = route.view;
    const mod = route.viewMod;
    if (!view || !mod) continue;
    const methods = routeMethods(route).filter((m) => STATE_CHANGING.has(m));
    if (methods.length === 0) continue;
    const key = `${route.mod.path}:${route.r}`;
    if (seen.has(key)) continue;
    const ctx = project.contextOf(mod, view);
    if (ctx.test || ctx.devOnly) continue;
    // The view that logs users in establishes the cookie rather than relying on it (login CSRF is another matter).
    if (logsIn(project, mod, factsIn(mod, view.qualname))) continue;
    // Behind a login wall every route relies on the cookie.
    const auth = cookieAuth(project, mod, view, gUser) ?? walls.find((w) => w.hook.objs === null || w.hook.objs.includes(route.owner))?.why ?? null;
    if (!auth) continue;
    const apps = appsOfObject(project, route.owner);
    const guarding = setup.exts.filter((e) => e.apps.length === 0 || apps.length === 0 || e.apps.some((a) => apps.includes(a)));
    const exemptBy = viewDecorators(project, mod, view).find((d) => {
      const t = d.k === "call" ? d.fn : d;
      if (t.k !== "attr" || t.name !== "exempt") return false;
      return project.resolve(mod, view.scope, t.obj).some((v) => v.t === "inst" && guarding.some((e) => e.site === v.site));
    });
    const exempt = exemptBy !== undefined || setup.exemptDefs.has(view) || setup.exemptObjects.has(route.owner);
    if (guarding.length > 0 && !exempt) continue;
    if (checksToken(project, mod, factsIn(mod, view.qualname))) continue;
    // A project decorator that checks a token (`@csrf_required`) protects the view too.
    if (viewDecorators(project, mod, view).some((d) => project.resolve(mod, view.scope, d.k === "call" ? d.fn : d).some((v) => v.t === "def" && (/csrf|xsrf/i.test(v.def.name) || checksToken(project, v.mod, factsIn(v.mod, v.def.qualname)))))) continue;
    seen.add(key);
    const path = route.fullPaths[0] ?? route.rule ?? "?";
    const what = `\`${methods.join("/")} ${path}\` (\`${view.name}\`) changes state for the user the session cookie identifies (${auth})`;
    const json = jsonOnly(project, mod, factsIn(mod, view.qualname));
    const context = [...ctx.reasons];
    // SameSite keeps the cookie off cross-site POSTs in current browsers: a real narrowing, not a token.
    if (sameSite) context.push(`${sameSite}, which keeps the cookie off cross-site POSTs in current browsers but not off same-site subdomains or older browsers`);
    if (json) context.push("the view reads only JSON bodies, which a cross-site form cannot send; a forged request needs a CORS policy that admits the attacker's origin, or a lenient `get_json(force=True)`");
    report({
      file: route.mod.path,
      range: toRange(route.r),
      message: exempt
        ? `${what}, but it is exempted from CSRF protection, so another site can submit it in the user's name.`
        : `${what}, and nothing checks a CSRF token: no CSRFProtect or SeaSurf is bound to the app and the view uses no Flask-WTF form.`,
      scope: view.qualname,
      context,
      ...(sameSite ? { severity: "medium" as const } : {}),
      ...(json ? { confidence: "low" as const } : exempt ? { confidence: "high" as const } : {}),
    });
  }
}

