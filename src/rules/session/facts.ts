/** Session, cookie and login facts shared by the FLASK-SESS and FLASK-CSRF rules, read from the project model. */
import type { AssignFact, CallFact, DefFact, Expr, ModuleIndex, ReturnFact } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { SourceFile } from "../../core/types.js";
import type { EnvSetting } from "../../index/deploy/types.js";
import type { ExtensionObject, FlaskObject, Project } from "../../link/project.js";
import { isDevDeploymentFile } from "../../link/project.js";

/** `flask.session` under the names Flask exports it. */
export const FLASK_SESSION = /^flask(\.globals)?\.session$/;
/** Flask-Login's (and Flask-Security's re-export of) `current_user`. */
export const CURRENT_USER = /^flask_(login|security)(\.[a-z_]+)*\.current_user$/;

/** Calls every sub-expression of `e` (including `e`), depth first. */
export function walkExpr(e: Expr, visit: (e: Expr) => void): void {
  visit(e);
  switch (e.k) {
    case "attr":
      walkExpr(e.obj, visit);
      break;
    case "call":
      walkExpr(e.fn, visit);
      for (const a of e.args) walkExpr(a, visit);
      for (const k of e.kw) walkExpr(k.value, visit);
      break;
    case "sub":
      walkExpr(e.obj, visit);
      walkExpr(e.key, visit);
      break;
    case "seq":
      for (const x of e.elts) walkExpr(x, visit);
      break;
    case "dict":
      for (const it of e.items) {
        if (it.key) walkExpr(it.key, visit);
        walkExpr(it.value, visit);
      }
      break;
    case "boolop":
    case "bin":
      walkExpr(e.l, visit);
      walkExpr(e.rt, visit);
      break;
    case "cond":
      walkExpr(e.body, visit);
      walkExpr(e.test, visit);
      walkExpr(e.orelse, visit);
      break;
    case "other":
    case "fstr":
      for (const x of e.parts) walkExpr(x, visit);
      break;
    case "cmp":
      for (const x of e.operands) walkExpr(x, visit);
      break;
    case "not":
      walkExpr(e.e, visit);
      break;
  }
}

/** The facts inside a function (or class), nested functions included. */
export interface BodyFacts {
  calls: CallFact[];
  assigns: AssignFact[];
  returns: ReturnFact[];
}

/**
 * Facts by exact scope, then the merged facts of each function asked for, per module index. An index is
 * immutable (the language server replaces it when its file changes), so both stay valid between analyses;
 * filtering a module's facts for every function made large modules quadratic.
 */
const factCache = new WeakMap<ModuleIndex, { byScope: Map<string, BodyFacts>; merged: Map<string, BodyFacts> }>();

export function factsIn(mod: ModuleInfo, qualname: string): BodyFacts {
  let cache = factCache.get(mod.index);
  if (!cache) {
    const byScope = new Map<string, BodyFacts>();
    const group = (scope: string) => {
      let g = byScope.get(scope);
      if (!g) byScope.set(scope, (g = { calls: [], assigns: [], returns: [] }));
      return g;
    };
    for (const c of mod.index.calls) group(c.scope).calls.push(c);
    for (const a of mod.index.assigns) group(a.scope).assigns.push(a);
    for (const r of mod.index.returns) group(r.scope).returns.push(r);
    factCache.set(mod.index, (cache = { byScope, merged: new Map() }));
  }
  const known = cache.merged.get(qualname);
  if (known) return known;
  const scopes = [...cache.byScope.keys()].filter((scope) => scope === qualname || scope.startsWith(`${qualname}.`));
  let out: BodyFacts;
  if (scopes.length === 1) out = cache.byScope.get(scopes[0]!)!;
  else {
    // The same order as the index (facts are in source order within each list).
    const inside = new Set(scopes);
    out = {
      calls: mod.index.calls.filter((c) => inside.has(c.scope)),
      assigns: mod.index.assigns.filter((a) => inside.has(a.scope)),
      returns: mod.index.returns.filter((r) => inside.has(r.scope)),
    };
  }
  if (scopes.length === 0) out = { calls: [], assigns: [], returns: [] };
  cache.merged.set(qualname, out);
  return out;
}

/** Every expression a body's facts hold, with the scope it is evaluated in; assignment targets only when `targets`. */
export function bodyExprs(body: BodyFacts, targets = true): { e: Expr; scope: string }[] {
  const out: { e: Expr; scope: string }[] = [];
  for (const c of body.calls) out.push({ e: c.call, scope: c.scope });
  for (const a of body.assigns) {
    out.push({ e: a.value, scope: a.scope });
    if (targets) for (const t of a.targets) out.push({ e: t, scope: a.scope });
  }
  for (const r of body.returns) if (r.value) out.push({ e: r.value, scope: r.scope });
  return out;
}

/**
 * Names (with the attribute that follows, if any) that the `if` conditions around a body's facts start with
 * (`current_user` in `if not current_user.is_authenticated:`), so the caller can resolve them: conditions are kept as text.
 */
export function conditionNames(body: BodyFacts): { name: string; attr: string | null; scope: string }[] {
  const out = new Map<string, { name: string; attr: string | null; scope: string }>();
  for (const f of [...body.calls, ...body.assigns, ...body.returns]) {
    for (const cond of f.conds) {
      const code = cond.replace(/(["'])(?:\\.|(?!\1).)*\1/g, " ");
      for (const m of code.matchAll(/(?<![.\w])([A-Za-z_]\w*)(?:\s*\.\s*([A-Za-z_]\w*))?/g)) {
        if (!PY_WORDS.has(m[1]!)) out.set(`${f.scope}\0${m[0]}`, { name: m[1]!, attr: m[2] ?? null, scope: f.scope });
      }
    }
  }
  return [...out.values()];
}

const PY_WORDS = new Set(["not", "and", "or", "is", "in", "None", "True", "False", "if", "else", "lambda"]);

/** Whether an expression stands for an external object whose dotted path matches. */
export function isExt(project: Project, mod: ModuleInfo, scope: string, e: Expr, path: RegExp): boolean {
  return project.extPaths(mod, scope, e).some((p) => path.test(p));
}

/** Whether `e` is Flask's `session` object. */
export function isSession(project: Project, mod: ModuleInfo, scope: string, e: Expr): boolean {
  // Only an imported name (`session`, `flask_session`) or an attribute named `session` can be Flask's.
  if (e.k === "name" ? !importedNames(mod).has(e.id) && !importedNames(mod).has("*") : e.k !== "attr" || e.name !== "session") return false;
  return isExt(project, mod, scope, e, FLASK_SESSION);
}

const imported = new WeakMap<ModuleInfo, Set<string>>();

function importedNames(mod: ModuleInfo): Set<string> {
  let names = imported.get(mod);
  if (!names) imported.set(mod, (names = new Set(mod.index.imports.map((i) => i.local))));
  return names;
}

/** Session keys that say who is logged in. */
export const LOGIN_KEYS = new Set(["user_id", "userid", "_user_id", "uid", "user", "username", "logged_in", "loggedin", "is_logged_in", "authenticated", "account_id", "login", "user_name", "current_user", "permissions", "roles", "is_admin"]);

/** Session keys whose write records a login (a rename writes `username` too, so that one is left out). */
export const LOGIN_WRITE_KEYS = new Set(["user_id", "userid", "_user_id", "uid", "user", "logged_in", "loggedin", "is_logged_in", "authenticated", "account_id", "current_user", "permissions"]);

/** Whether an assignment writes a login into `session`: a login key set to something other than a false constant. */
export function writesLogin(project: Project, mod: ModuleInfo, a: AssignFact): string | null {
  for (const t of a.targets) {
    // Cheapest test first: most subscript writes in a code base are not to `session`.
    if (t.k !== "sub") continue;
    const key = project.constString(mod, a.scope, t.key);
    if (key === null || !LOGIN_WRITE_KEYS.has(key.toLowerCase()) || !isSession(project, mod, a.scope, t.obj)) continue;
    if (project.truthy(mod, a.scope, a.value) === false) return null;
    return key;
  }
  return null;
}

/**
 * How a body relies on the logged-in user carried by the session cookie: `current_user`, a login key of
 * `session`, or null when it does not. `gUser` names the `g`/`request` attributes that a request hook
 * fills from the session (see sessionUserAttrs); reading those counts too.
 */
export function cookieIdentityUse(project: Project, mod: ModuleInfo, body: BodyFacts, gUser: ReadonlySet<string>): string | null {
  for (const { e, scope } of bodyExprs(body, false)) {
    let found: string | null = null;
    walkExpr(e, (x) => {
      if (found) return;
      if ((x.k === "name" || x.k === "attr") && isExt(project, mod, scope, x, CURRENT_USER)) found = "`current_user`";
      else if (x.k === "sub" && isSession(project, mod, scope, x.obj)) {
        const key = project.constString(mod, scope, x.key);
        if (key !== null && LOGIN_KEYS.has(key.toLowerCase())) found = `\`session["${key}"]\``;
      } else if (x.k === "call" && x.fn.k === "attr" && x.fn.name === "get" && isSession(project, mod, scope, x.fn.obj)) {
        const key = x.args[0] ? project.constString(mod, scope, x.args[0]) : null;
        if (key !== null && LOGIN_KEYS.has(key.toLowerCase())) found = `\`session.get("${key}")\``;
      } else if (x.k === "attr" && gUser.has(x.name) && isExt(project, mod, scope, x.obj, REQUEST_GLOBALS)) {
        found = `\`${x.obj.k === "name" ? x.obj.id : "g"}.${x.name}\``;
      }
    });
    if (found) return found;
  }
  for (const { name, attr, scope } of conditionNames(body)) {
    const e: Expr = { k: "name", id: name };
    if (isExt(project, mod, scope, e, CURRENT_USER)) return "`current_user`";
    if (attr && gUser.has(attr) && isExt(project, mod, scope, e, REQUEST_GLOBALS)) return `\`${name}.${attr}\``;
  }
  return null;
}

/** `flask.g` and `flask.request`, where request hooks park the user they loaded. */
const REQUEST_GLOBALS = /^flask(\.globals)?\.(g|request)$/;

/**
 * Attributes of `g` or `request` that a function sets while reading the session user (`g.user = ...` in a
 * `before_request` hook that reads `session["user_id"]`): reading them later means relying on the cookie.
 */
export function sessionUserAttrs(project: Project, mod: ModuleInfo, body: BodyFacts): string[] {
  if (!cookieIdentityUse(project, mod, body, NO_ATTRS)) return [];
  const out: string[] = [];
  for (const a of body.assigns) {
    for (const t of a.targets) if (t.k === "attr" && /user|account|member|identity|principal/i.test(t.name) && isExt(project, mod, a.scope, t.obj, REQUEST_GLOBALS)) out.push(t.name);
  }
  return out;
}

const NO_ATTRS: ReadonlySet<string> = new Set();

/** Whether a body logs a user in: Flask-Login's `login_user`, or a write of a login key into `session`. */
export function logsIn(project: Project, mod: ModuleInfo, body: BodyFacts): boolean {
  if (body.calls.some((c) => isExt(project, mod, c.scope, c.call.fn, /^flask_login(\.utils)?\.login_user$/))) return true;
  return body.assigns.some((a) => writesLogin(project, mod, a) !== null);
}

/** A Flask-Session (server-side) store, or a custom session interface, when the project sets one up. */
export function serverSideSessions(project: Project): string | null {
  for (const ext of project.extensions) {
    if (/^flask_session(\.[a-z_]+)*\.Session$/.test(ext.cls) && !project.contextOf(ext.mod).test) return `Flask-Session is set up in ${ext.mod.path}`;
  }
  for (const mod of project.flaskModules()) {
    if (project.contextOf(mod).test) continue;
    for (const a of mod.index.assigns) {
      for (const t of a.targets) {
        if (t.k === "attr" && t.name === "session_interface" && project.appsOf(mod, a.scope, t.obj).isApp) return `a custom session interface is installed in ${mod.path}`;
      }
    }
  }
  return null;
}

/** The external class paths a project class derives from, through project base classes. */
export function externalBases(project: Project, mod: ModuleInfo, def: DefFact, seen = new Set<string>()): string[] {
  const key = `${mod.path}:${def.qualname}`;
  if (seen.has(key)) return [];
  seen.add(key);
  const out: string[] = [];
  for (const b of def.bases) {
    for (const v of project.resolve(mod, def.scope, b)) {
      if (v.t === "ext") out.push(v.path);
      else if (v.t === "def" && v.def.kind === "class") out.push(...externalBases(project, v.mod, v.def, seen));
    }
  }
  return out;
}

/** Calls in the project whose receiver is this extension object: `ext.init_app(app)`, `ext.protect()`. */
export function methodCalls(project: Project, ext: ExtensionObject, method: string): { mod: ModuleInfo; call: CallFact }[] {
  const out: { mod: ModuleInfo; call: CallFact }[] = [];
  for (const mod of project.flaskModules()) {
    for (const c of mod.index.calls) {
      const fn = c.call.fn;
      if (fn.k !== "attr" || fn.name !== method) continue;
      if (project.resolve(mod, c.scope, fn.obj).some((v) => v.t === "inst" && v.site === ext.site)) out.push({ mod, call: c });
    }
  }
  return out;
}

/** Whether an extension is attached to some app: built with one, or given one later through `init_app`. */
export function isBound(project: Project, ext: ExtensionObject): boolean {
  if (ext.apps.length > 0 || ext.call.args.length > 0 || ext.call.kw.some((k) => k.name === "app")) return true;
  return methodCalls(project, ext, "init_app").length > 0;
}

/** The apps a Flask object ends up in: itself, or every app its blueprint registrations reach. */
export function appsOfObject(project: Project, obj: FlaskObject, seen = new Set<string>()): FlaskObject[] {
  if (obj.kind === "app") return [obj];
  if (seen.has(obj.site)) return [];
  seen.add(obj.site);
  return project.registrations.filter((r) => r.child === obj).flatMap((r) => appsOfObject(project, r.parent, seen));
}

/**
 * Config values that deployment files hand to `app.config.from_prefixed_env()`: `FLASK_SESSION_COOKIE_SECURE=false`
 * in a Dockerfile, compose file or `.env`, for apps that load the prefixed environment. Values are decoded the
 * way Flask does (JSON when it parses, else the raw string).
 */
export function prefixedEnvConfig(project: Project, keys: ReadonlySet<string>): { key: string; value: unknown; file: SourceFile; env: EnvSetting }[] {
  const prefixes = new Set<string>();
  for (const load of project.configLoads) {
    if (load.method !== "from_prefixed_env") continue;
    const ctx = project.contextOf(load.mod, load.where);
    if (ctx.test || ctx.devOnly) continue;
    const arg = load.arg ?? null;
    const prefix = arg ? project.constString(load.mod, load.where.scope, arg) : "FLASK";
    if (prefix) prefixes.add(prefix);
  }
  const out: { key: string; value: unknown; file: SourceFile; env: EnvSetting }[] = [];
  if (prefixes.size === 0) return out;
  for (const { file, env } of project.envSettings()) {
    if (file.subkind === "script" || file.subkind === "dotenv-example" || isDevDeploymentFile(file)) continue;
    for (const prefix of prefixes) {
      if (!env.name.startsWith(`${prefix}_`)) continue;
      const key = env.name.slice(prefix.length + 1);
      if (!keys.has(key)) continue;
      let value: unknown = env.value;
      try {
        value = JSON.parse(env.value);
      } catch {
        // Flask keeps values that are not JSON as strings.
      }
      out.push({ key, value, file, env });
    }
  }
  return out;
}
