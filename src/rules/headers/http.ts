/** HTTP-level facts over the project model that the header, proxy and CORS rules share. */
import type { CallFact, Expr, Where } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { CallExpr, FlaskObject, Project } from "../../link/project.js";

const REQUEST_PATHS = new Set(["flask.request", "flask.globals.request"]);

/** Whether an expression is Flask's `request` proxy (through imports and aliases). */
export function isFlaskRequest(project: Project, mod: ModuleInfo, scope: string, e: Expr): boolean {
  return project.extPaths(mod, scope, e).some((p) => REQUEST_PATHS.has(p));
}

/** An expression together with the module and scope it is evaluated in. */
export interface Located {
  mod: ModuleInfo;
  scope: string;
  e: Expr;
}

/**
 * The expressions a name or attribute was assigned from (`CSP = {...}; Talisman(app, content_security_policy=CSP)`),
 * through enclosing scopes, module globals, project imports (`from .extensions import CSP`) and module attributes.
 * Other expressions are returned as they are. The resolver maps values to abstract values; rules that read
 * literal dicts, lists and strings need the expressions themselves.
 */
export function definitions(project: Project, mod: ModuleInfo, scope: string, e: Expr, depth = 0): Located[] {
  if (depth > 6) return [];
  if (e.k === "name") {
    const found = nameDefinitions(project, mod, scope, e.id, depth);
    return found ?? [{ mod, scope, e }];
  }
  if (e.k === "attr") {
    const out: Located[] = [];
    for (const v of project.resolve(mod, scope, e.obj)) {
      if (v.t === "module") out.push(...(nameDefinitions(project, v.mod, "", e.name, depth) ?? []));
      else if (v.t === "def" && v.def.kind === "class") {
        for (const a of project.resolver.assignsIn(v.mod, v.def.qualname)) {
          if (a.targets.some((t) => t.k === "name" && t.id === e.name)) out.push(...definitions(project, v.mod, a.scope, a.value, depth + 1));
        }
      }
    }
    return out.length > 0 ? out : [{ mod, scope, e }];
  }
  return [{ mod, scope, e }];
}

function nameDefinitions(project: Project, mod: ModuleInfo, scope: string, name: string, depth: number): Located[] | null {
  let cur: string | null = scope;
  while (cur !== null) {
    const here = cur;
    const assigns = project.resolver.assignsIn(mod, here).filter((a) => a.op === "=" && a.targets.some((t) => t.k === "name" && t.id === name));
    if (assigns.length > 0) return assigns.flatMap((a) => definitions(project, mod, here, a.value, depth + 1));
    const imp = mod.index.imports.find((i) => i.scope === here && i.local === name && i.member !== null && i.member !== "*");
    if (imp) {
      const target = project.modules.get(project.modules.absolute(imp.module, mod), mod);
      return target ? (nameDefinitions(project, target, "", imp.member!, depth + 1) ?? []) : [];
    }
    cur = cur === "" ? null : cur.includes(".") ? cur.slice(0, cur.lastIndexOf(".")) : "";
  }
  return null;
}

/** Constant strings an expression may be: a literal, a constant name, or each element of a literal list/tuple/set. */
export function constStrings(project: Project, mod: ModuleInfo, scope: string, e: Expr): string[] | null {
  const out: string[] = [];
  for (const d of definitions(project, mod, scope, e)) {
    if (d.e.k === "seq") {
      for (const x of d.e.elts) {
        const s = project.constString(d.mod, d.scope, x);
        if (s === null) return null;
        out.push(s);
      }
    } else {
      const s = project.constString(d.mod, d.scope, d.e);
      if (s === null) return null;
      out.push(s);
    }
  }
  return out;
}

/** A keyword argument's value, or the positional argument at `pos`. */
export function argOf(call: CallExpr, name: string, pos = -1): Expr | undefined {
  return call.kw.find((k) => k.name === name)?.value ?? (pos >= 0 ? call.args[pos] : undefined);
}

/** The request header an expression reads from Flask's request, lower-cased, or null. */
export function requestHeaderRead(project: Project, mod: ModuleInfo, scope: string, e: Expr): string | null {
  // request.origin / request.access_route / request.remote_addr
  if (e.k === "attr" && isFlaskRequest(project, mod, scope, e.obj)) {
    if (e.name === "origin") return "origin";
    if (e.name === "access_route") return "x-forwarded-for";
    return null;
  }
  // request.headers["X"] / request.environ["HTTP_X"]
  let bag: Expr | null = null;
  let key: Expr | undefined;
  if (e.k === "sub") {
    bag = e.obj;
    key = e.key;
  } else if (e.k === "call" && e.fn.k === "attr" && (e.fn.name === "get" || e.fn.name === "getlist")) {
    bag = e.fn.obj;
    key = e.args[0] ?? argOf(e, "key");
  }
  if (!bag || !key || bag.k !== "attr" || (bag.name !== "headers" && bag.name !== "environ")) return null;
  if (!isFlaskRequest(project, mod, scope, bag.obj)) return null;
  const name = project.constString(mod, scope, key);
  if (name === null) return null;
  if (bag.name === "headers") return name.toLowerCase();
  return name.startsWith("HTTP_") ? name.slice(5).toLowerCase().replace(/_/g, "-") : null;
}

/** A response header written by the app. `name` is null when the header name is not a constant. */
export interface HeaderWrite {
  name: string | null;
  value: Expr | null;
  mod: ModuleInfo;
  where: Where;
  /** Range of the statement, call or dict entry that writes it. */
  r: string;
}

const WRITE_METHODS = new Set(["set", "add", "setdefault", "add_header", "__setitem__", "setlist"]);

/**
 * Response headers written in code: `resp.headers["X"] = v`, `resp.headers.set("X", v)` (also `add`,
 * `setdefault`), `resp.headers.update({...})`/`extend({...})`, and `headers={...}` given to a `Response`.
 * Writes on objects of other libraries (`requests.Session().headers`) are left out.
 */
export function headerWrites(project: Project): HeaderWrite[] {
  const cached = CACHE.get(project);
  if (cached) return cached;
  const out: HeaderWrite[] = [];
  for (const mod of project.flaskModules()) {
    for (const a of mod.index.assigns) {
      for (const t of a.targets) {
        if (t.k !== "sub" || t.obj.k !== "attr" || t.obj.name !== "headers" || !responseLike(project, mod, a.scope, t.obj.obj)) continue;
        out.push({ name: project.constString(mod, a.scope, t.key), value: a.value, mod, where: a, r: a.r });
      }
    }
    for (const c of mod.index.calls) out.push(...callWrites(project, mod, c));
  }
  CACHE.set(project, out);
  return out;
}

const CACHE = new WeakMap<Project, HeaderWrite[]>();

function callWrites(project: Project, mod: ModuleInfo, c: CallFact): HeaderWrite[] {
  const fn = c.call.fn;
  const out: HeaderWrite[] = [];
  const fromDict = (d: Expr | undefined) => {
    if (!d) return;
    for (const def of definitions(project, mod, c.scope, d)) {
      if (def.e.k === "dict") {
        for (const it of def.e.items) out.push({ name: it.key ? project.constString(def.mod, def.scope, it.key) : null, value: it.value, mod, where: c, r: it.r });
      } else if (def.e.k === "seq") {
        for (const el of def.e.elts) {
          if (el.k === "seq" && el.elts.length === 2) out.push({ name: project.constString(def.mod, def.scope, el.elts[0]!), value: el.elts[1]!, mod, where: c, r: c.call.r });
          else out.push({ name: null, value: null, mod, where: c, r: c.call.r });
        }
      } else out.push({ name: null, value: null, mod, where: c, r: c.call.r });
    }
  };
  if (fn.k === "attr" && fn.obj.k === "attr" && fn.obj.name === "headers") {
    if (!responseLike(project, mod, c.scope, fn.obj.obj)) return out;
    if (WRITE_METHODS.has(fn.name)) {
      const name = c.call.args[0] ?? argOf(c.call, "key") ?? argOf(c.call, "_key");
      if (name) out.push({ name: project.constString(mod, c.scope, name), value: c.call.args[1] ?? argOf(c.call, "value") ?? argOf(c.call, "_value") ?? null, mod, where: c, r: c.call.r });
    } else if (fn.name === "update" || fn.name === "extend") {
      fromDict(c.call.args[0]);
      for (const k of c.call.kw) out.push({ name: k.name ? k.name.replace(/_/g, "-") : null, value: k.value, mod, where: c, r: k.r });
    }
    return out;
  }
  // Response(body, headers={...}) and Flask/Werkzeug response classes.
  const callee = fn.k === "name" ? fn.id : fn.k === "attr" ? fn.name : "";
  if (/Response$/.test(callee) && project.extPaths(mod, c.scope, fn).some((p) => /^(flask|werkzeug)\b.*Response$/.test(p))) {
    fromDict(argOf(c.call, "headers", 2));
  }
  return out;
}

/** A receiver that may be a Flask/Werkzeug response: anything but a request or another library's object. */
function responseLike(project: Project, mod: ModuleInfo, scope: string, e: Expr): boolean {
  const vals = project.resolve(mod, scope, e);
  if (vals.length === 0) return true;
  return vals.some((v) => {
    if (v.t === "ext") return !REQUEST_PATHS.has(v.path) && /^(flask|werkzeug)\b/.test(v.path);
    if (v.t === "inst" && v.of.t === "ext") return /^(flask|werkzeug)\b/.test(v.of.path);
    return true;
  });
}

/** Flask apps that a construction-site call of an extension class is bound to, or all apps when unknown. */
export function boundApps(project: Project, apps: FlaskObject[]): FlaskObject[] {
  return apps.length > 0 ? apps : project.apps;
}

/** Whether a fact sits in a test file or development-only code (main block, debug branch, test helper). */
export function devOrTest(project: Project, mod: ModuleInfo, where: Where): { skip: boolean; reasons: string[] } {
  const ctx = project.contextOf(mod, where);
  return { skip: ctx.test || ctx.devOnly, reasons: ctx.reasons };
}
