/**
 * The route inventory: every route of every app with its full URL, methods, endpoint, view, and the
 * controls around it (authentication, rate limiting, CSRF) with where each comes from. Computed from the
 * linked project model; rules and the `routes` command both read it.
 */
import type { CallFact, DefFact, Expr, R } from "../index/ir.js";
import { unpack } from "../index/ir.js";
import type { ModuleInfo } from "../link/modules.js";
import type { ExtensionObject, FlaskObject, Project, Route } from "../link/project.js";
import type { Val } from "../link/resolve.js";

/** Where a control comes from: file and line plus what the source is. */
export interface ControlSource {
  file: string;
  line: number;
  /** "decorator", "before_request", "MethodView.decorators", "in-view call", "blueprint", "app default", ... */
  via: string;
}

export interface AuthControl extends ControlSource {
  /** The guard as written or resolved, e.g. "flask_login.login_required" or "notesapp.auth.require_api_key". */
  name: string;
  /** `jwt_required(optional=True)`: identity is read when present but not required. */
  optional: boolean;
  /** Header-token auth (JWT, HTTP auth, API keys) that a cross-site form cannot supply. */
  headerToken: boolean;
}

export interface RateControl extends ControlSource {
  kind: "limit" | "shared_limit" | "default" | "exempt";
  /** The limit text when constant ("5 per minute"). */
  value: string | null;
}

export type CsrfState = "protected" | "exempt" | "not-applicable" | "unprotected";

export interface InventoryRoute {
  /** The app serving it; null when its blueprint is never registered on a known app. */
  app: FlaskObject | null;
  /** Label of the app: "pkg/__init__.py:create_app" or "app.py:app". */
  appLabel: string;
  route: Route;
  path: string;
  methods: string[];
  endpoint: string | null;
  subdomain: string | null;
  /** View function or class, as "module.qualname". */
  view: string | null;
  viewDef: DefFact | null;
  viewMod: ModuleInfo | null;
  file: string;
  line: number;
  /** "route" (decorator or add_url_rule), "methodview", "resource" (flask-restful/-restx). */
  kind: "route" | "methodview" | "resource";
  auth: AuthControl[];
  /** Auth decorators placed above the route decorator: they wrap the function after Flask registered it. */
  misorderedAuth: (AuthControl & { r: R })[];
  rate: RateControl[];
  csrf: { state: CsrfState; source: ControlSource | null };
  version: string | null;
  /** The blueprint chain, outermost first. */
  blueprints: FlaskObject[];
}

export interface InventoryOptions {
  /** Extra decorator names (plain or dotted) the user declares as auth guards. */
  authDecorators?: string[];
}

const STATE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const HTTP_VERBS = ["get", "post", "put", "patch", "delete", "head", "options"];

/** Known auth decorators of extensions, by resolved path; value: header-token auth. */
const KNOWN_AUTH: Record<string, boolean> = {
  "flask_login.login_required": false,
  "flask_login.fresh_login_required": false,
  "flask_login.utils.login_required": false,
  "flask_login.utils.fresh_login_required": false,
  "flask_jwt_extended.jwt_required": true,
  "flask_jwt_extended.fresh_jwt_required": true,
  "flask_jwt_extended.view_decorators.jwt_required": true,
  "flask_jwt.jwt_required": true,
  "flask_security.login_required": false,
  "flask_security.auth_required": false,
  "flask_security.roles_required": false,
  "flask_security.roles_accepted": false,
  "flask_security.permissions_required": false,
  "flask_security.permissions_accepted": false,
  "flask_security.auth_token_required": true,
  "flask_security.http_auth_required": true,
  "flask_security.decorators.auth_required": false,
  "flask_security.decorators.roles_required": false,
  "flask_user.login_required": false,
  "flask_user.roles_required": false,
  "flask_praetorian.auth_required": true,
  "flask_praetorian.roles_required": true,
  "flask_praetorian.roles_accepted": true,
  "flask_principal.Permission().require": false,
  "flask_admin.expose": false,
};
/** Guard methods of extension instances: `auth.login_required` of flask_httpauth. */
const AUTH_METHODS: { prefix: string; methods: string[]; header: boolean }[] = [
  { prefix: "flask_httpauth.", methods: ["login_required"], header: true },
  { prefix: "flask_principal.", methods: ["require"], header: false },
  { prefix: "flask_oidc.", methods: ["require_login", "accept_token"], header: false },
  { prefix: "flask_simplelogin.", methods: ["login_required"], header: false },
  { prefix: "flask_basicauth.", methods: ["required"], header: true },
];
/** Calls inside a view or guard that enforce authentication. */
const AUTH_CALLS = new Set([
  "flask_jwt_extended.verify_jwt_in_request",
  "flask_jwt_extended.verify_fresh_jwt_in_request",
  "flask_jwt_extended.view_decorators.verify_jwt_in_request",
]);
const ABORTS = new Set(["flask.abort", "werkzeug.exceptions.abort", "flask_restful.abort", "flask_restx.abort", "flask_smorest.abort", "flask_smorest.utils.abort"]);
const REFUSALS = new Set(["werkzeug.exceptions.Unauthorized", "werkzeug.exceptions.Forbidden", "werkzeug.Unauthorized", "werkzeug.Forbidden"]);

const LIMITER = /^flask_limiter(\.extension)?\.Limiter$/;
const CSRF = /^flask_wtf(\.csrf)?\.CSRFProtect$|^flask_wtf\.CsrfProtect$|^flask_seasurf\.SeaSurf$/;
const RESTFUL_API = /^flask_restful\.Api$|^flask_restx\.Api$|^flask_restplus\.Api$/;

function line(r: R): number {
  return unpack(r)[0];
}

function joinPath(prefix: string, rule: string): string {
  if (!prefix) return rule;
  return `${prefix.replace(/\/+$/, "")}/${rule.replace(/^\/+/, "")}`;
}

function kwOf(call: Extract<Expr, { k: "call" }>, name: string): Expr | undefined {
  return call.kw.find((k) => k.name === name)?.value;
}

/** The API version a path or blueprint name carries: "v1", "v2.1". */
export function versionOf(path: string, names: (string | null)[]): string | null {
  const m = /(?:^|\/)v(\d+(?:\.\d+)?)(?=\/|$)/i.exec(path);
  if (m) return `v${m[1]}`;
  for (const n of names) {
    const b = n ? /(?:^|[_.-])v(\d+)$/i.exec(n) : null;
    if (b) return `v${b[1]}`;
  }
  return null;
}

export class RouteInventory {
  readonly routes: InventoryRoute[] = [];
  private readonly guardCache = new Map<string, boolean>();
  private readonly extra: Set<string>;
  private readonly limiters: ExtensionObject[];
  private readonly csrfExts: ExtensionObject[];
  /** Objects (apps, blueprints) and views a limiter or CSRF call applies to: site/def key -> controls. */
  private readonly objectRate = new Map<string, RateControl[]>();
  private readonly csrfExempt = new Map<string, ControlSource>();
  private readonly beforeRequest = new Map<string, AuthControl[]>();
  private readonly appWideBefore = new Map<string, AuthControl[]>();

  constructor(
    readonly project: Project,
    opts: InventoryOptions = {},
  ) {
    this.extra = new Set(opts.authDecorators ?? []);
    this.limiters = project.extensions.filter((e) => LIMITER.test(e.cls));
    this.csrfExts = project.extensions.filter((e) => CSRF.test(e.cls));
    this.collectObjectControls();
    for (const r of project.routes) this.addRoute(r);
    this.addRestfulResources();
    this.addClassRoutes();
    this.routes.sort(compareRoutes);
  }

  /** Apps that have at least one authentication control anywhere (a decorator, a guard hook, a login extension). */
  appHasAuth(app: FlaskObject | null): boolean {
    return this.routes.some((r) => r.app === app && r.auth.length > 0);
  }

  // ---------- controls on objects: before_request guards, limiter and CSRF calls ----------

  private collectObjectControls(): void {
    const p = this.project;
    for (const mod of p.pythonModules()) {
      for (const d of mod.index.defs) {
        if (d.kind !== "function") continue;
        for (const deco of d.decorators) {
          const target = deco.k === "attr" ? deco : deco.k === "call" && deco.fn.k === "attr" ? deco.fn : null;
          if (!target || (target.name !== "before_request" && target.name !== "before_app_request")) continue;
          for (const o of p.objectsOf(mod, d.scope, target.obj)) this.addBefore(o, target.name === "before_app_request", mod, d, line(d.r));
        }
      }
      for (const c of mod.index.calls) {
        const fn = c.call.fn;
        if (fn.k === "call" && fn.fn.k === "attr" && (fn.fn.name === "limit" || fn.fn.name === "shared_limit") && c.call.args[0]) {
          this.appliedLimit(mod, c, fn);
          continue;
        }
        if (fn.k !== "attr") continue;
        if ((fn.name === "before_request" || fn.name === "before_app_request") && c.call.args[0]) {
          for (const v of p.resolve(mod, c.scope, c.call.args[0])) {
            if (v.t !== "def" || v.def.kind !== "function") continue;
            for (const o of p.objectsOf(mod, c.scope, fn.obj)) this.addBefore(o, fn.name === "before_app_request", v.mod, v.def, line(c.call.r));
          }
        }
        // limiter.limit("5/minute")(bp), limiter.exempt(bp), csrf.exempt(bp) or csrf.exempt(view)
        if ((fn.name === "exempt" || fn.name === "limit" || fn.name === "shared_limit") && c.call.args[0]) {
          this.objectCall(mod, c);
        }
      }
    }
  }

  /** `limiter.limit("60/hour")(bp)`: a limit applied to a blueprint or view by hand. */
  private appliedLimit(mod: ModuleInfo, c: CallFact, factory: Extract<Expr, { k: "call" }>): void {
    const p = this.project;
    const fn = factory.fn as Extract<Expr, { k: "attr" }>;
    if (!p.resolve(mod, c.scope, fn.obj).some((v) => v.t === "inst" && this.limiters.some((l) => l.site === v.site))) return;
    const value = factory.args[0] ? p.constString(mod, c.scope, factory.args[0]) : null;
    for (const v of p.resolve(mod, c.scope, c.call.args[0]!)) {
      const key = v.t === "inst" ? v.site : v.t === "def" ? defKey(v.mod, v.def) : null;
      if (!key) continue;
      const list = this.objectRate.get(key) ?? [];
      list.push({ file: mod.path, line: line(c.call.r), via: "blueprint limit", kind: fn.name as RateControl["kind"], value });
      this.objectRate.set(key, list);
    }
  }

  private objectCall(mod: ModuleInfo, c: CallFact): void {
    const p = this.project;
    const fn = c.call.fn as Extract<Expr, { k: "attr" }>;
    const owner = p.resolve(mod, c.scope, fn.obj);
    const isLimiter = owner.some((v) => v.t === "inst" && this.limiters.some((l) => l.site === v.site));
    const isCsrf = owner.some((v) => v.t === "inst" && this.csrfExts.some((l) => l.site === v.site));
    if (!isLimiter && !isCsrf) return;
    const src = { file: mod.path, line: line(c.call.r) };
    for (const v of p.resolve(mod, c.scope, c.call.args[0]!)) {
      const key = v.t === "inst" ? v.site : v.t === "def" ? defKey(v.mod, v.def) : null;
      if (!key) continue;
      if (isCsrf && fn.name === "exempt") this.csrfExempt.set(key, { ...src, via: "csrf.exempt" });
      if (isLimiter) {
        const list = this.objectRate.get(key) ?? [];
        list.push({ ...src, via: fn.name === "exempt" ? "limiter.exempt" : "blueprint limit", kind: fn.name as RateControl["kind"], value: null });
        this.objectRate.set(key, list);
      }
    }
  }

  private addBefore(o: FlaskObject, appWide: boolean, mod: ModuleInfo, def: DefFact, at: number): void {
    if (!this.isGuardFunction(mod, def, def.qualname)) return;
    const ctl: AuthControl = { name: `${mod.name}.${def.qualname}`, file: mod.path, line: at, via: appWide || o.kind === "app" ? "app before_request" : "blueprint before_request", optional: false, headerToken: false };
    const map = appWide ? this.appWideBefore : this.beforeRequest;
    const list = map.get(o.site) ?? [];
    list.push(ctl);
    map.set(o.site, list);
  }

  /** `WTF_CSRF_ENABLED = False` (or `WTF_CSRF_CHECK_DEFAULT = False`) in production config switches CSRFProtect off. */
  private csrfDisabled(app: FlaskObject): ControlSource | null {
    const p = this.project;
    for (const w of p.configWrites) {
      if (w.key !== "WTF_CSRF_ENABLED" && w.key !== "WTF_CSRF_CHECK_DEFAULT") continue;
      if (!(w.apps.includes(app) || (w.configClass && w.configClass.env !== "development" && w.configClass.env !== "testing"))) continue;
      if (p.contextOf(w.mod, w.where).reasons.length > 0) continue;
      if (p.truthy(w.mod, w.where.scope, w.value) === false) return { file: w.mod.path, line: line(w.r), via: `config ${w.key} = False` };
    }
    return null;
  }

  // ---------- guard detection ----------

  /** Whether code in `qualname` (and functions nested in it) refuses a request: abort(401/403), a 401/403 response, a redirect to a login page, a JWT check. */
  private isGuardFunction(mod: ModuleInfo, def: DefFact, qualname: string): boolean {
    const key = `${mod.path}:${qualname}`;
    const hit = this.guardCache.get(key);
    if (hit !== undefined) return hit;
    this.guardCache.set(key, false);
    const p = this.project;
    const inside = (scope: string) => scope === qualname || scope.startsWith(`${qualname}.`);
    let guard = false;
    for (const c of mod.index.calls) {
      if (!inside(c.scope)) continue;
      const paths = p.extPaths(mod, c.scope, c.call.fn);
      if (paths.some((x) => AUTH_CALLS.has(x) || REFUSALS.has(x))) guard = true;
      else if (paths.some((x) => ABORTS.has(x)) && isAuthStatus(c.call.args[0] ?? kwOf(c.call, "code"))) guard = true;
      else if (c.call.fn.k === "attr" && c.call.fn.name === "unauthorized" && /login_manager/.test(exprText(c.call.fn.obj))) guard = true;
      else if (paths.some((x) => x === "flask.redirect" || x === "werkzeug.utils.redirect") && this.redirectsToLogin(mod, c.scope, c.call.args[0])) guard = true;
      else if (paths.some((x) => /^flask\.(Response|make_response)$|^werkzeug\.wrappers\.Response$/.test(x)) && (isAuthStatus(c.call.args[1]) || isAuthStatus(kwOf(c.call, "status")))) guard = true;
      if (guard) break;
    }
    if (!guard) {
      for (const r of mod.index.returns) {
        if (!inside(r.scope) || !r.value) continue;
        if (r.value.k === "seq" && r.value.kind === "tuple" && r.value.elts.slice(1).some((e) => isAuthStatus(e))) guard = true;
        if (guard) break;
      }
    }
    this.guardCache.set(key, guard);
    void def;
    return guard;
  }

  private redirectsToLogin(mod: ModuleInfo, scope: string, arg: Expr | undefined): boolean {
    if (!arg) return false;
    const loginish = (s: string) => /(^|[._/])(log_?in|sign_?in|auth|sso|oauth)/i.test(s);
    const s = this.project.constString(mod, scope, arg);
    if (s !== null) return loginish(s);
    if (arg.k === "call") {
      const first = arg.args[0];
      const ep = first ? this.project.constString(mod, scope, first) : null;
      if (ep !== null && this.project.extPaths(mod, scope, arg.fn).includes("flask.url_for")) return loginish(ep);
    }
    return false;
  }

  /** The auth control a decorator expression stands for, or null. */
  authOf(mod: ModuleInfo, scope: string, deco: Expr, via: string, at: number): AuthControl | null {
    const p = this.project;
    const target = deco.k === "call" ? deco.fn : deco;
    const text = exprText(target);
    const base: Omit<AuthControl, "name" | "headerToken"> = { file: mod.path, line: at, via, optional: false };
    if (deco.k === "call") {
      const opt = kwOf(deco, "optional");
      if (opt && p.truthy(mod, scope, opt) === true) base.optional = true;
    }
    if (text && (this.extra.has(text) || this.extra.has(text.split(".").pop()!))) return { ...base, name: text, headerToken: false };
    for (const v of p.resolve(mod, scope, target)) {
      if (v.t === "ext") {
        const path = v.path.replace(/\(\)/g, "()");
        if (path in KNOWN_AUTH) return { ...base, name: path, headerToken: KNOWN_AUTH[path]! };
        for (const m of AUTH_METHODS) {
          const dot = path.lastIndexOf(".");
          if (path.startsWith(m.prefix) && m.methods.includes(path.slice(dot + 1))) return { ...base, name: path, headerToken: m.header };
        }
        if (this.extra.has(v.path)) return { ...base, name: v.path, headerToken: false };
      } else if (v.t === "def" && v.def.kind === "function") {
        const full = `${v.mod.name}.${v.def.qualname}`;
        if (this.extra.has(full)) return { ...base, name: full, headerToken: false };
        if (this.isGuardFunction(v.mod, v.def, v.def.qualname)) return { ...base, name: full, headerToken: this.readsHeaderToken(v.mod, v.def.qualname) };
      }
    }
    return null;
  }

  /** A custom guard that reads a token from a request header (API key, bearer token) is header-token auth. */
  private readsHeaderToken(mod: ModuleInfo, qualname: string): boolean {
    const inside = (scope: string) => scope === qualname || scope.startsWith(`${qualname}.`);
    return mod.index.calls.some((c) => inside(c.scope) && c.call.fn.k === "attr" && c.call.fn.name === "get" && /^request\.headers$/.test(exprText(c.call.fn.obj)));
  }

  private rateOf(mod: ModuleInfo, scope: string, deco: Expr, at: number): RateControl | null {
    const target = deco.k === "call" ? deco.fn : deco;
    if (target.k !== "attr" || !["limit", "shared_limit", "exempt"].includes(target.name)) return null;
    const owner = this.project.resolve(mod, scope, target.obj);
    if (!owner.some((v) => (v.t === "inst" && this.limiters.some((l) => l.site === v.site)) || (v.t === "ext" && /^flask_limiter/.test(v.path)))) return null;
    const arg = deco.k === "call" ? deco.args[0] : undefined;
    const value = arg ? this.project.constString(mod, scope, arg) : null;
    return { file: mod.path, line: at, via: "decorator", kind: target.name as RateControl["kind"], value };
  }

  private isCsrfExemptDeco(mod: ModuleInfo, scope: string, deco: Expr): boolean {
    if (deco.k !== "attr" || deco.name !== "exempt") return false;
    return this.project.resolve(mod, scope, deco.obj).some((v) => v.t === "inst" && this.csrfExts.some((l) => l.site === v.site));
  }

  // ---------- building entries ----------

  private chains(owner: FlaskObject): { app: FlaskObject | null; prefix: string; subdomain: string | null; names: string[]; bps: FlaskObject[] }[] {
    const p = this.project;
    const out: ReturnType<RouteInventory["chains"]> = [];
    const walk = (obj: FlaskObject, prefix: string, sub: string | null, names: string[], bps: FlaskObject[], seen: Set<string>) => {
      if (obj.kind === "app") {
        out.push({ app: obj, prefix, subdomain: sub, names, bps });
        return;
      }
      if (seen.has(obj.site)) return;
      seen.add(obj.site);
      const ownSub = constKw(p, obj.mod, obj.scope, obj.call, "subdomain");
      const regs = p.registrations.filter((r) => r.child === obj);
      const viaSmorest = regs.length === 0 ? this.smorestApps(obj) : [];
      for (const sm of viaSmorest) out.push({ app: sm.app, prefix: joinPath(sm.urlPrefix ?? obj.urlPrefix ?? "", prefix), subdomain: sub ?? ownSub, names: [obj.name ?? "?", ...names], bps: [obj, ...bps] });
      if (regs.length === 0 && viaSmorest.length === 0) {
        out.push({ app: null, prefix: joinPath(obj.urlPrefix ?? "", prefix), subdomain: sub ?? ownSub, names: [obj.name ?? "?", ...names], bps: [obj, ...bps] });
        return;
      }
      for (const reg of regs) {
        const call = reg.mod.index.calls.find((c) => c.call.r === reg.r);
        const regName = call ? constKw(p, reg.mod, call.scope, call.call, "name") : null;
        const regSub = call ? constKw(p, reg.mod, call.scope, call.call, "subdomain") : null;
        const pre = reg.urlPrefix ?? obj.urlPrefix ?? "";
        walk(reg.parent, joinPath(pre, prefix), sub ?? regSub ?? ownSub, [regName ?? obj.name ?? "?", ...names], [obj, ...bps], new Set(seen));
      }
    };
    walk(owner, "", null, [], [], new Set());
    return out;
  }

  private addRoute(route: Route): void {
    const p = this.project;
    const viewDef = route.view;
    const viewMod = route.viewMod;
    const isClass = viewDef?.kind === "class";
    const routeCall = findCall(route);
    const routeSub = routeCall ? constKw(p, route.mod, routeScope(route), routeCall, "subdomain") : null;
    let methods = route.methods;
    if (isClass && viewDef && viewMod && !(routeCall && kwOf(routeCall, "methods"))) methods = this.classMethods(viewMod, viewDef);
    for (const chain of this.chains(route.owner)) {
      const path = joinPath(chain.prefix, route.rule ?? "<dynamic>");
      const auth: AuthControl[] = [];
      const misordered: (AuthControl & { r: R })[] = [];
      const rate: RateControl[] = [];
      let csrfExempt: ControlSource | null = null;
      if (viewDef && viewMod) {
        if (route.via === "decorator") {
          const routeIdx = viewDef.decorators.findIndex((d) => d.k === "call" && d.r === route.r);
          viewDef.decorators.forEach((d, i) => {
            const a = this.authOf(viewMod, viewDef.scope, d, "decorator", decoLine(viewDef, i));
            if (a) {
              if (i < routeIdx) misordered.push({ ...a, r: decoRange(viewDef, i) });
              else auth.push(a);
            }
            const rc = this.rateOf(viewMod, viewDef.scope, d, decoLine(viewDef, i));
            if (rc && i > routeIdx) rate.push(rc);
            if (this.isCsrfExemptDeco(viewMod, viewDef.scope, d) && i > routeIdx) csrfExempt = { file: viewMod.path, line: decoLine(viewDef, i), via: "csrf.exempt" };
          });
        } else if (!isClass) {
          viewDef.decorators.forEach((d, i) => {
            const a = this.authOf(viewMod, viewDef.scope, d, "decorator", decoLine(viewDef, i));
            if (a) auth.push(a);
            const rc = this.rateOf(viewMod, viewDef.scope, d, decoLine(viewDef, i));
            if (rc) rate.push(rc);
            if (this.isCsrfExemptDeco(viewMod, viewDef.scope, d)) csrfExempt = { file: viewMod.path, line: decoLine(viewDef, i), via: "csrf.exempt" };
          });
        }
        if (isClass) auth.push(...this.classAuth(viewMod, viewDef, methods));
        else auth.push(...this.inViewAuth(viewMod, viewDef.qualname));
        const key = defKey(viewMod, viewDef);
        rate.push(...(this.objectRate.get(key) ?? []));
        csrfExempt ??= this.csrfExempt.get(key) ?? null;
      }
      for (const bp of chain.bps) {
        auth.push(...(this.beforeRequest.get(bp.site) ?? []));
        rate.push(...(this.objectRate.get(bp.site) ?? []).map((r) => ({ ...r, via: r.kind === "exempt" ? "blueprint exempt" : "blueprint limit" })));
        csrfExempt ??= this.csrfExempt.get(bp.site) ?? null;
      }
      for (const bp of this.project.blueprints) {
        if (chain.app && this.chains(bp).some((c) => c.app === chain.app)) auth.push(...(this.appWideBefore.get(bp.site) ?? []));
      }
      if (chain.app) {
        auth.push(...(this.beforeRequest.get(chain.app.site) ?? []), ...(this.appWideBefore.get(chain.app.site) ?? []));
        for (const l of this.limiters) {
          if (!l.apps.includes(chain.app)) continue;
          const dl = kwOf(l.call, "default_limits") ?? kwOf(l.call, "application_limits");
          if (dl && !(dl.k === "seq" && dl.elts.length === 0)) rate.push({ file: l.mod.path, line: line(l.call.r), via: "limiter default_limits", kind: "default", value: dl.k === "seq" && dl.elts[0] ? p.constString(l.mod, "", dl.elts[0]) : null });
        }
        for (const w of p.configWrites) {
          if ((w.key === "RATELIMIT_DEFAULT" || w.key === "RATELIMIT_APPLICATION") && (w.apps.includes(chain.app) || w.configClass) && this.limiters.some((l) => l.apps.includes(chain.app!))) {
            rate.push({ file: w.mod.path, line: line(w.r), via: `config ${w.key}`, kind: "default", value: p.constString(w.mod, w.where.scope, w.value) });
          }
        }
      }
      // Flask-Limiter applies default limits only to routes without limits of their own (or their blueprint's).
      const ownRate = rate.filter((x) => x.kind !== "default");
      if (ownRate.length > 0) rate.splice(0, rate.length, ...ownRate);
      const headerOnly = auth.length > 0 && auth.every((a) => a.headerToken);
      const csrfExt = chain.app ? this.csrfExts.find((e) => e.apps.includes(chain.app!)) : undefined;
      let csrf: InventoryRoute["csrf"];
      if (!methods.some((m) => STATE_METHODS.has(m))) csrf = { state: "not-applicable", source: null };
      else if (csrfExempt) csrf = { state: "exempt", source: csrfExempt };
      else if (headerOnly) csrf = { state: "not-applicable", source: { file: auth[0]!.file, line: auth[0]!.line, via: "header-token auth" } };
      else if (csrfExt && this.csrfDisabled(chain.app!)) csrf = { state: "unprotected", source: this.csrfDisabled(chain.app!) };
      else if (csrfExt) csrf = { state: "protected", source: { file: csrfExt.mod.path, line: line(csrfExt.call.r), via: csrfExt.cls } };
      else csrf = { state: "unprotected", source: null };
      const endpointBase = route.endpoint;
      const endpoint = endpointBase === null ? null : chain.names.length > 0 ? `${chain.names.join(".")}.${endpointBase}` : endpointBase;
      this.routes.push({
        app: chain.app,
        appLabel: chain.app ? appLabel(chain.app) : "(blueprint not registered)",
        route,
        path,
        methods: [...new Set(methods)].sort(),
        endpoint,
        subdomain: routeSub ?? chain.subdomain,
        view: viewDef && viewMod ? `${viewMod.name}.${viewDef.qualname}` : null,
        viewDef,
        viewMod,
        file: route.mod.path,
        line: line(route.r),
        kind: isClass ? "methodview" : "route",
        auth: dedupe(auth),
        misorderedAuth: misordered,
        rate: dedupeRate(rate),
        csrf,
        version: versionOf(path, chain.names),
        blueprints: chain.bps,
      });
    }
  }

  /** HTTP methods a class-based view answers: its `methods` attribute, else the verbs it defines. */
  private classMethods(mod: ModuleInfo, cls: DefFact): string[] {
    const p = this.project;
    const attr = p.resolver.classAttr(mod, cls, "methods");
    const consts = attr.filter((v): v is Extract<Val, { t: "const" }> => v.t === "const" && typeof v.v === "string").map((v) => String(v.v).toUpperCase());
    if (consts.length > 0) return consts;
    const out = new Set<string>();
    const visit = (m: ModuleInfo, c: DefFact, depth: number) => {
      for (const d of m.index.defs) if (d.kind === "function" && d.scope === c.qualname && HTTP_VERBS.includes(d.name)) out.add(d.name.toUpperCase());
      if (depth > 4) return;
      for (const b of c.bases) for (const v of p.resolve(m, c.scope, b)) if (v.t === "def" && v.def.kind === "class") visit(v.mod, v.def, depth + 1);
    };
    visit(mod, cls, 0);
    return out.size > 0 ? [...out].sort() : ["GET"];
  }

  /** Auth of a class-based view: `decorators`/`method_decorators` lists, decorated verb methods, guard calls in them. */
  private classAuth(mod: ModuleInfo, cls: DefFact, methods: string[]): AuthControl[] {
    const out: AuthControl[] = [];
    const p = this.project;
    const visit = (m: ModuleInfo, c: DefFact, depth: number) => {
      for (const a of p.resolver.assignsIn(m, c.qualname)) {
        if (!a.targets.some((t) => t.k === "name" && (t.id === "decorators" || t.id === "method_decorators"))) continue;
        const items = a.value.k === "seq" ? a.value.elts : a.value.k === "dict" ? a.value.items.map((i) => i.value).flatMap((v) => (v.k === "seq" ? v.elts : [v])) : [];
        const via = a.targets.some((t) => t.k === "name" && t.id === "decorators") ? `${c.name}.decorators` : `${c.name}.method_decorators`;
        for (const e of items) {
          const ctl = this.authOf(m, c.qualname, e, via, line(a.r));
          if (ctl) out.push(ctl);
        }
      }
      const verbDefs = m.index.defs.filter((d) => d.kind === "function" && d.scope === c.qualname && HTTP_VERBS.includes(d.name) && methods.includes(d.name.toUpperCase()));
      const perVerb = verbDefs.map((d) => {
        const list: AuthControl[] = [];
        d.decorators.forEach((deco, i) => {
          const ctl = this.authOf(m, d.scope, deco, `${c.name}.${d.name} decorator`, decoLine(d, i));
          if (ctl) list.push(ctl);
        });
        list.push(...this.inViewAuth(m, d.qualname));
        return list;
      });
      // Per-method guards protect the route only when every served method has one.
      if (perVerb.length > 0 && perVerb.every((l) => l.length > 0)) out.push(...perVerb.flat());
      if (depth > 4) return;
      for (const b of c.bases) for (const v of p.resolve(m, c.scope, b)) if (v.t === "def" && v.def.kind === "class") visit(v.mod, v.def, depth + 1);
    };
    visit(mod, cls, 0);
    return out;
  }

  /** `verify_jwt_in_request()` and similar checks called in the view itself. */
  private inViewAuth(mod: ModuleInfo, qualname: string): AuthControl[] {
    const out: AuthControl[] = [];
    for (const c of mod.index.calls) {
      if (c.scope !== qualname) continue;
      const paths = this.project.extPaths(mod, c.scope, c.call.fn);
      const hit = paths.find((x) => AUTH_CALLS.has(x));
      if (!hit) continue;
      const opt = kwOf(c.call, "optional");
      out.push({ name: hit, file: mod.path, line: line(c.call.r), via: "in-view call", optional: Boolean(opt && this.project.truthy(mod, c.scope, opt) === true), headerToken: true });
    }
    return out;
  }

  /** flask-restful / flask-restx `api.add_resource(Resource, "/a", "/b", endpoint=...)`. */
  private addRestfulResources(): void {
    const p = this.project;
    const apis = p.extensions.filter((e) => RESTFUL_API.test(e.cls));
    if (apis.length === 0) return;
    for (const mod of p.pythonModules()) {
      for (const c of mod.index.calls) {
        const fn = c.call.fn;
        if (fn.k !== "attr" || fn.name !== "add_resource" || !c.call.args[0]) continue;
        const apiVals = p.resolve(mod, c.scope, fn.obj).filter((v) => v.t === "inst");
        const api = apis.find((a) => apiVals.some((v) => v.t === "inst" && v.site === a.site));
        if (!api) continue;
        const owners = this.apiOwners(api);
        const apiScope = api.mod.index.calls.find((x) => x.call === api.call)?.scope ?? "";
        const apiPrefixArg = kwOf(api.call, "prefix");
        const apiPrefix = apiPrefixArg ? p.constString(api.mod, apiScope, apiPrefixArg) ?? "" : "";
        const res = p.resolve(mod, c.scope, c.call.args[0]).find((v): v is Extract<Val, { t: "def" }> => v.t === "def" && v.def.kind === "class");
        const epArg = kwOf(c.call, "endpoint");
        const endpoint = epArg ? p.constString(mod, c.scope, epArg) : res ? res.def.name.toLowerCase() : null;
        for (const urlArg of c.call.args.slice(1)) {
          const rule = p.constString(mod, c.scope, urlArg);
          for (const owner of owners) {
            const route: Route = {
              owner,
              mod,
              rule: rule === null ? null : joinPath(apiPrefix, rule),
              methods: ["GET"],
              endpoint,
              view: res?.def ?? null,
              viewMod: res?.mod ?? null,
              r: c.call.r,
              via: "add_url_rule",
              fullPaths: [],
            };
            const before = this.routes.length;
            this.addRoute(route);
            for (const e of this.routes.slice(before)) e.kind = "resource";
          }
        }
      }
    }
  }

  /**
   * Resource classes routed by a class decorator: flask-smorest `@blp.route("/pets")` on a MethodView, and
   * flask-restx `@api.route(...)` / `@ns.route(...)` (a Namespace mounted with `api.add_namespace(ns, path=...)`).
   */
  private addClassRoutes(): void {
    const p = this.project;
    const restx = p.extensions.filter((e) => /^flask_restx\.(Api|Namespace)$|^flask_restplus\.(Api|Namespace)$/.test(e.cls));
    for (const mod of p.pythonModules()) {
      for (const d of mod.index.defs) {
        if (d.kind !== "class") continue;
        for (const deco of d.decorators) {
          if (deco.k !== "call" || deco.fn.k !== "attr" || deco.fn.name !== "route") continue;
          const ruleArgs = deco.args.length > 0 ? deco.args : [];
          const endpointArg = kwOf(deco, "endpoint");
          const endpoint = endpointArg ? p.constString(mod, d.scope, endpointArg) : d.name;
          const mounts: { owner: FlaskObject; prefix: string; endpoint?: string }[] = [];
          for (const o of p.objectsOf(mod, d.scope, deco.fn.obj)) mounts.push({ owner: o, prefix: "" });
          if (mounts.length === 0) {
            const vals = p.resolve(mod, d.scope, deco.fn.obj);
            const ext = restx.find((e) => vals.some((v) => v.t === "inst" && v.site === e.site));
            if (ext) {
              // flask-restx names an endpoint after the class in snake case, prefixed by a namespace's name.
              const ns = /\.Namespace$/.test(ext.cls) ? this.restxName(ext) : null;
              const snake = d.name.replace(/(?<=[a-z0-9])(?=[A-Z])/g, "_").toLowerCase();
              for (const m of this.restxMounts(ext)) mounts.push({ ...m, endpoint: endpointArg ? undefined : ns ? `${ns}_${snake}` : snake });
            }
          }
          for (const m of mounts) {
            for (const a of ruleArgs) {
              const rule = p.constString(mod, d.scope, a);
              const route: Route = { owner: m.owner, mod, rule: rule === null ? null : joinPath(m.prefix, rule), methods: ["GET"], endpoint: m.endpoint ?? endpoint, view: d, viewMod: mod, r: deco.r, via: "decorator", fullPaths: [] };
              const before = this.routes.length;
              this.addRoute(route);
              for (const e of this.routes.slice(before)) e.kind = "resource";
            }
          }
        }
      }
    }
  }

  private restxName(ext: ExtensionObject): string | null {
    const scope = ext.mod.index.calls.find((x) => x.call === ext.call)?.scope ?? "";
    const nameArg = ext.call.args[0] ?? kwOf(ext.call, "name");
    return nameArg ? this.project.constString(ext.mod, scope, nameArg) : null;
  }

  /** flask-smorest `Api(app).register_blueprint(blp)`: the apps a blueprint is served on through a smorest Api. */
  private hasSmorest: boolean | undefined;
  private readonly smorestCache = new Map<FlaskObject, { app: FlaskObject; urlPrefix: string | null }[]>();

  private smorestApps(bp: FlaskObject): { app: FlaskObject; urlPrefix: string | null }[] {
    const p = this.project;
    // Only flask-smorest's Api registers blueprints this way; without one there is nothing to look for.
    this.hasSmorest ??= p.extensions.some((e) => /^flask_smorest(\.api)?\.Api$/.test(e.cls));
    if (!this.hasSmorest) return [];
    const cached = this.smorestCache.get(bp);
    if (cached) return cached;
    const out: { app: FlaskObject; urlPrefix: string | null }[] = [];
    this.smorestCache.set(bp, out);
    for (const mod of p.pythonModules()) {
      for (const c of mod.index.calls) {
        if (c.call.fn.k !== "attr" || c.call.fn.name !== "register_blueprint" || !c.call.args[0]) continue;
        if (!p.objectsOf(mod, c.scope, c.call.args[0]).includes(bp)) continue;
        const vals = p.resolve(mod, c.scope, c.call.fn.obj);
        for (const e of p.extensions) {
          if (!/^flask_smorest(\.api)?\.Api$/.test(e.cls) || !vals.some((v) => v.t === "inst" && v.site === e.site)) continue;
          const pre = c.call.kw.find((k) => k.name === "url_prefix")?.value;
          for (const app of this.apiOwners(e)) if (app.kind === "app") out.push({ app, urlPrefix: pre ? p.constString(mod, c.scope, pre) : null });
        }
      }
    }
    return out;
  }

  /** Where a flask-restx Api or Namespace serves its resources: owners and the URL prefix. */
  private restxMounts(ext: ExtensionObject): { owner: FlaskObject; prefix: string }[] {
    const p = this.project;
    const scope = ext.mod.index.calls.find((x) => x.call === ext.call)?.scope ?? "";
    if (/\.Api$/.test(ext.cls)) {
      const pre = kwOf(ext.call, "prefix");
      const prefix = pre ? p.constString(ext.mod, scope, pre) ?? "" : "";
      return this.apiOwners(ext).map((owner) => ({ owner, prefix }));
    }
    const nameArg = ext.call.args[0] ?? kwOf(ext.call, "name");
    const name = nameArg ? p.constString(ext.mod, scope, nameArg) : null;
    const pathArg = kwOf(ext.call, "path");
    const own = pathArg ? p.constString(ext.mod, scope, pathArg) : name !== null ? `/${name}` : "";
    const out: { owner: FlaskObject; prefix: string }[] = [];
    for (const mod of p.pythonModules()) {
      for (const c of mod.index.calls) {
        if (c.call.fn.k !== "attr" || c.call.fn.name !== "add_namespace" || !c.call.args[0]) continue;
        if (!p.resolve(mod, c.scope, c.call.args[0]).some((v) => v.t === "inst" && v.site === ext.site)) continue;
        const apiVals = p.resolve(mod, c.scope, c.call.fn.obj);
        const api = p.extensions.find((e) => /\.Api$/.test(e.cls) && apiVals.some((v) => v.t === "inst" && v.site === e.site));
        if (!api) continue;
        const pathKw = c.call.kw.find((k) => k.name === "path")?.value ?? c.call.args[1];
        const nsPath = pathKw ? p.constString(mod, c.scope, pathKw) ?? own ?? "" : own ?? "";
        for (const m of this.restxMounts(api)) out.push({ owner: m.owner, prefix: joinPath(m.prefix, nsPath) });
      }
    }
    return out;
  }

  /** The apps and blueprints an Api object is bound to: `Api(app)`, `Api(bp)`, `api.init_app(app_or_bp)`. */
  private apiOwners(api: ExtensionObject): FlaskObject[] {
    const out: FlaskObject[] = [];
    for (const a of [...api.owners, ...api.apps]) if (!out.includes(a)) out.push(a);
    return out;
  }
}

function defKey(mod: ModuleInfo, def: DefFact): string {
  return `def:${mod.path}:${def.qualname}`;
}

function constKw(p: Project, mod: ModuleInfo, scope: string, call: Extract<Expr, { k: "call" }>, name: string): string | null {
  const v = kwOf(call, name);
  return v ? p.constString(mod, scope, v) : null;
}

function findCall(route: Route): Extract<Expr, { k: "call" }> | null {
  if (route.via === "decorator" && route.view) {
    const d = route.view.decorators.find((x) => x.k === "call" && x.r === route.r);
    if (d && d.k === "call") return d;
  }
  return route.mod.index.calls.find((c) => c.call.r === route.r)?.call ?? null;
}

function routeScope(route: Route): string {
  if (route.via === "decorator" && route.view) return route.view.scope;
  return route.mod.index.calls.find((c) => c.call.r === route.r)?.scope ?? "";
}

/** The line of the i-th decorator: call decorators carry ranges; plain names count from the definition's first line. */
function decoLine(def: DefFact, i: number): number {
  const d = def.decorators[i]!;
  if (d.k === "call") return line(d.r);
  if ("r" in d && d.r) return line(d.r);
  // Decorators without ranges sit one per line: count from the nearest earlier call decorator's last line.
  for (let j = i - 1; j >= 0; j--) {
    const prev = def.decorators[j]!;
    if (prev.k === "call") return unpack(prev.r)[2] + (i - j);
  }
  return line(def.r) + i;
}

function decoRange(def: DefFact, i: number): R {
  const d = def.decorators[i]!;
  if ("r" in d && d.r) return d.r;
  const l = decoLine(def, i);
  return `${l}:1:${l}:2`;
}

function isAuthStatus(e: Expr | undefined): boolean {
  return e?.k === "num" && (e.v === 401 || e.v === 403);
}

/** Dotted source text of a name or attribute chain ("" for other shapes). */
export function exprText(e: Expr): string {
  if (e.k === "name") return e.id;
  if (e.k === "attr") {
    const o = exprText(e.obj);
    return o ? `${o}.${e.name}` : "";
  }
  return "";
}

export function appLabel(app: FlaskObject): string {
  return `${app.mod.path}:${line(app.call.r)}${app.scope ? ` (${app.scope})` : ""}`;
}

function dedupe(list: AuthControl[]): AuthControl[] {
  const seen = new Set<string>();
  return list.filter((a) => {
    const k = `${a.name}@${a.file}:${a.line}:${a.via}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function dedupeRate(list: RateControl[]): RateControl[] {
  const seen = new Set<string>();
  return list.filter((a) => {
    const k = `${a.kind}@${a.file}:${a.line}:${a.via}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function compareRoutes(a: InventoryRoute, b: InventoryRoute): number {
  const k = (r: InventoryRoute) => [r.appLabel, r.subdomain ?? "", r.path, r.methods.join(","), r.endpoint ?? "", r.file, String(r.line).padStart(6, "0")];
  const ka = k(a);
  const kb = k(b);
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
  return 0;
}

/** Memoised inventory per project (rules and the CLI share one). */
const CACHE = new WeakMap<Project, RouteInventory>();
export function inventoryOf(project: Project, opts?: InventoryOptions): RouteInventory {
  let inv = CACHE.get(project);
  if (!inv) CACHE.set(project, (inv = new RouteInventory(project, opts ?? { authDecorators: project.authDecorators })));
  return inv;
}
