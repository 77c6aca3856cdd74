/**
 * Resolves names and expressions to abstract values through scopes, imports and aliases, across modules.
 * Flow-insensitive: a name assigned several times may hold any of its values.
 */
import type { AssignFact, CallFact, DefFact, Expr, ImportFact, ModuleIndex, ReturnFact } from "../index/ir.js";
import { startOf } from "../index/ir.js";
import type { ModuleInfo, ModuleTable } from "./modules.js";

/** Marks a lookup in progress (see Resolver.memo). */
const PENDING: Val[] = [];

/** An abstract value. `site` identifies the construction call of an instance: "path:line:col". */
export type Val =
  | { t: "ext"; path: string }
  | { t: "module"; mod: ModuleInfo }
  | { t: "def"; mod: ModuleInfo; def: DefFact }
  | { t: "inst"; of: Val; site: string; mod: ModuleInfo; scope: string }
  | { t: "const"; v: string | number | boolean | null };

type Binding =
  | { b: "import"; f: ImportFact }
  | { b: "def"; f: DefFact }
  | { b: "assign"; f: AssignFact; value: Expr | null }
  | { b: "param"; def: DefFact; name: string };

interface ScopeTable {
  names: Map<string, Binding[]>;
}

const MAX_VALS = 16;
/** Parameters are followed to their callers only for functions called from at most this many places. */
const MAX_CALLER_SITES = 8;
const MAX_DEPTH = 24;

/** Per-module scope tables, built lazily. */
class ModuleScopes {
  readonly scopes = new Map<string, ScopeTable>();
  readonly defsByQual = new Map<string, DefFact>();
  readonly returnsByScope = new Map<string, ReturnFact[]>();
  readonly assignsByScope = new Map<string, AssignFact[]>();

  /** The class qualname when `name` is the first parameter of a method in `scope` (by convention `self`). */
  selfOf(scope: string, name: string): string | null {
    const fn = this.defsByQual.get(scope);
    if (!fn || fn.kind !== "function" || fn.params[0]?.name !== name) return null;
    const cls = this.defsByQual.get(fn.scope);
    if (!cls || cls.kind !== "class") return null;
    if (fn.decorators.some((d) => d.k === "name" && (d.id === "staticmethod" || d.id === "classmethod"))) return null;
    return cls.qualname;
  }

  constructor(index: ModuleIndex) {
    for (const d of index.defs) this.defsByQual.set(d.qualname, d);
    const table = (scope: string) => {
      let t = this.scopes.get(scope);
      if (!t) this.scopes.set(scope, (t = { names: new Map() }));
      return t;
    };
    const add = (scope: string, name: string, b: Binding) => {
      const t = table(scope);
      const list = t.names.get(name);
      if (list) list.push(b);
      else t.names.set(name, [b]);
    };
    const globalsOf = (scope: string) => index.globals[scope] ?? [];
    for (const f of index.imports) add(f.scope, f.local, { b: "import", f });
    for (const d of index.defs) {
      add(d.scope, d.name, { b: "def", f: d });
      this.defsByQual.set(d.qualname, d);
      if (d.kind === "function") for (const p of d.params) add(d.qualname, p.name, { b: "param", def: d, name: p.name });
    }
    for (const a of index.assigns) {
      const list = this.assignsByScope.get(a.scope);
      if (list) list.push(a);
      else this.assignsByScope.set(a.scope, [a]);
      for (const t of a.targets) {
        bindTargets(t, a.value, (name, value) => add(globalsOf(a.scope).includes(name) ? "" : a.scope, name, { b: "assign", f: a, value }));
        // `self.x = value` in a method binds an instance attribute: record it on the class.
        const self = t.k === "attr" && t.obj.k === "name" ? this.selfOf(a.scope, t.obj.id) : null;
        if (self && t.k === "attr") add(self, t.name, { b: "assign", f: a, value: a.value });
      }
    }
    for (const r of index.returns) {
      const list = this.returnsByScope.get(r.scope);
      if (list) list.push(r);
      else this.returnsByScope.set(r.scope, [r]);
    }
  }
}

/** Calls `bind` for every plain name in an assignment target, with the matching part of the value when known. */
function bindTargets(target: Expr, value: Expr | null, bind: (name: string, value: Expr | null) => void): void {
  if (target.k === "name") bind(target.id, value);
  else if (target.k === "seq") {
    const vals = value && value.k === "seq" && value.elts.length === target.elts.length ? value.elts : null;
    target.elts.forEach((t, i) => bindTargets(t, vals ? vals[i]! : null, bind));
  } else if (target.k === "other" && target.type === "list_splat_pattern") {
    for (const p of target.parts) bindTargets(p, null, bind);
  }
}

export class Resolver {
  private readonly scopes = new Map<string, ModuleScopes>();
  private depth = 0;
  /**
   * Memo of name lookups: module, then scope, then name. Nested maps rather than one map keyed by a joined
   * string: lookups are the resolver's hottest path, and building and hashing the joined key dominated them.
   * A lookup in progress holds PENDING, so a name whose value depends on itself resolves to nothing there.
   */
  private readonly memo = new Map<ModuleInfo, Map<string, Map<string, Val[]>>>();

  constructor(readonly modules: ModuleTable) {}

  scopesOf(mod: ModuleInfo): ModuleScopes {
    let s = this.scopes.get(mod.path);
    if (!s) this.scopes.set(mod.path, (s = new ModuleScopes(mod.index)));
    return s;
  }

  /** The definition (function or class) with this qualified name in a module. */
  def(mod: ModuleInfo, qualname: string): DefFact | undefined {
    return this.scopesOf(mod).defsByQual.get(qualname);
  }

  returnsOf(mod: ModuleInfo, qualname: string): ReturnFact[] {
    return this.scopesOf(mod).returnsByScope.get(qualname) ?? [];
  }

  assignsIn(mod: ModuleInfo, scope: string): AssignFact[] {
    return this.scopesOf(mod).assignsByScope.get(scope) ?? [];
  }

  /** Resolves an expression evaluated in `scope` of `mod` to its possible values. */
  resolve(mod: ModuleInfo, scope: string, e: Expr): Val[] {
    if (this.depth > MAX_DEPTH) return [];
    this.depth++;
    try {
      return dedupe(this.resolveInner(mod, scope, e)).slice(0, MAX_VALS);
    } finally {
      this.depth--;
    }
  }

  private resolveInner(mod: ModuleInfo, scope: string, e: Expr): Val[] {
    switch (e.k) {
      case "str":
        return [{ t: "const", v: e.v }];
      case "num":
        return [{ t: "const", v: e.v }];
      case "bool":
        return [{ t: "const", v: e.v }];
      case "none":
        return [{ t: "const", v: null }];
      case "name":
        return this.lookup(mod, scope, e.id);
      case "attr": {
        const out: Val[] = [];
        for (const o of this.resolve(mod, scope, e.obj)) out.push(...this.member(o, e.name));
        return out;
      }
      case "call": {
        const out: Val[] = [];
        for (const f of this.resolve(mod, scope, e.fn)) out.push(...this.callResult(f, mod, scope, e));
        return out;
      }
      case "cond":
        return [...this.resolve(mod, scope, e.body), ...this.resolve(mod, scope, e.orelse)];
      case "boolop":
        return [...this.resolve(mod, scope, e.l), ...this.resolve(mod, scope, e.rt)];
      default:
        return [];
    }
  }

  /** Looks a name up: the function's own scope, enclosing functions, the module, then builtins. */
  lookup(mod: ModuleInfo, scope: string, name: string): Val[] {
    return this.memoised(mod, scope, name, () => this.lookupUncached(mod, scope, name));
  }

  private memoised(mod: ModuleInfo, scope: string, name: string, compute: () => Val[]): Val[] {
    let byScope = this.memo.get(mod);
    if (!byScope) this.memo.set(mod, (byScope = new Map()));
    let slot = byScope.get(scope);
    if (!slot) byScope.set(scope, (slot = new Map()));
    const cached = slot.get(name);
    // A name whose value depends on itself (`x = x.y`, or an import cycle) resolves to what the other bindings give.
    if (cached !== undefined) return cached === PENDING ? [] : cached;
    slot.set(name, PENDING);
    try {
      const out = compute();
      slot.set(name, out);
      return out;
    } catch (err) {
      slot.delete(name);
      throw err;
    }
  }

  private lookupUncached(mod: ModuleInfo, scope: string, name: string): Val[] {
    const s = this.scopesOf(mod);
    let cur: string | null = scope;
    while (cur !== null) {
      const bindings = s.scopes.get(cur)?.names.get(name);
      // Class bodies do not enclose their methods' name lookups (Python scoping).
      if (bindings && !(cur !== scope && s.defsByQual.get(cur)?.kind === "class")) return this.fromBindings(mod, bindings);
      cur = cur === "" ? null : cur.includes(".") ? cur.slice(0, cur.lastIndexOf(".")) : "";
    }
    // Not bound in the module itself: a star import may provide it (`from .lookups import *`).
    if (s.scopes.get("") && mod.index.imports.some((f) => f.scope === "" && f.member === "*")) {
      const viaStar = this.lookupModuleLevel(mod, name);
      if (viaStar.length > 0) return viaStar;
    }
    return [{ t: "ext", path: `builtins.${name}` }];
  }

  private fromBindings(mod: ModuleInfo, bindings: Binding[]): Val[] {
    const out: Val[] = [];
    for (const b of bindings) {
      switch (b.b) {
        case "import":
          out.push(...this.importValue(mod, b.f));
          break;
        case "def":
          out.push({ t: "def", mod, def: b.f });
          break;
        case "assign":
          if (b.value) out.push(...this.resolve(mod, b.f.scope, b.value));
          break;
        case "param": {
          // The first parameter of a method is the instance of its class.
          const s = this.scopesOf(mod);
          const cls = b.def.params[0]?.name === b.name ? s.selfOf(b.def.qualname, b.name) : null;
          const def = cls ? s.defsByQual.get(cls) : undefined;
          if (def) out.push({ t: "inst", of: { t: "def", mod, def }, site: `self:${mod.path}:${cls}`, mod, scope: b.def.qualname });
          else out.push(...this.fromCallers(mod, b.def, b.name));
          break;
        }
      }
    }
    return out;
  }

  private callsByName: Map<string, { mod: ModuleInfo; call: CallFact }[]> | null = null;

  /** Every call in the project by the last name of its callee (`configure` for `setup.configure(app)`). */
  private callSites(name: string): { mod: ModuleInfo; call: CallFact }[] {
    if (!this.callsByName) {
      this.callsByName = new Map();
      for (const mod of this.modules.all()) {
        for (const call of mod.index.calls) {
          const fn = call.call.fn;
          const n = fn.k === "name" ? fn.id : fn.k === "attr" ? fn.name : null;
          if (n === null) continue;
          const list = this.callsByName.get(n);
          if (list) list.push({ mod, call });
          else this.callsByName.set(n, [{ mod, call }]);
        }
      }
    }
    return this.callsByName.get(name) ?? [];
  }

  /**
   * A parameter of a plain function is whatever its callers pass (`def register_blueprints(app)` called
   * as `register_blueprints(app)` in a factory). Only functions with few call sites are followed, and only
   * arguments the index kept (calls whose callee the link stage reads, or capitalised, keep their
   * arguments; see KEEP_ARGS in src/index/python.ts).
   */
  private fromCallers(mod: ModuleInfo, def: DefFact, name: string): Val[] {
    const idx = def.params.findIndex((p) => p.name === name);
    const param = def.params[idx];
    if (!param || param.kind === "star" || param.kind === "dstar") return [];
    // Methods are reached through instances; their parameters are not followed here, except a
    // constructor's: `ShareModeWeb(common, web)` passes `web` to `__init__(self, common, web)`.
    const cls = this.scopesOf(mod).defsByQual.get(def.scope);
    const isInit = cls?.kind === "class" && def.name === "__init__";
    if (cls?.kind === "class" && !isInit) return [];
    const sites = this.callSites(isInit ? cls!.name : def.name);
    if (sites.length === 0 || sites.length > MAX_CALLER_SITES) return [];
    const target = isInit ? cls! : def;
    const pos = isInit ? idx - 1 : idx;
    const out: Val[] = [];
    for (const { mod: cm, call } of sites) {
      const c = call.call;
      const kw = c.kw.find((k) => k.name === name);
      const arg = kw ? kw.value : param.kind === "kwonly" || pos < 0 ? undefined : c.args[pos];
      if (!arg) continue;
      if (!this.resolve(cm, call.scope, c.fn).some((v) => v.t === "def" && v.def === target)) continue;
      out.push(...this.resolve(cm, call.scope, arg));
    }
    return out;
  }

  /** What an import binds: a project module or member when the module is in the project, else an external path. */
  importValue(mod: ModuleInfo, f: ImportFact): Val[] {
    const abs = this.modules.absolute(f.module, mod);
    if (f.member === null) {
      const target = f.bindsTopPackage ? abs.split(".")[0]! : abs;
      const m = this.modules.get(target, mod);
      return [m ? { t: "module", mod: m } : { t: "ext", path: target }];
    }
    const m = this.modules.get(abs, mod);
    if (m) {
      // `from pkg import sub` may name a submodule rather than a member of pkg/__init__.
      const own = this.lookupModuleLevel(m, f.member);
      if (own.length > 0) return own;
      const sub = this.modules.get(`${abs}.${f.member}`, mod);
      if (sub) return [{ t: "module", mod: sub }];
      return [];
    }
    const sub = this.modules.get(`${abs}.${f.member}`, mod);
    if (sub) return [{ t: "module", mod: sub }];
    return [{ t: "ext", path: `${abs}.${f.member}` }];
  }

  private lookupModuleLevel(m: ModuleInfo, name: string): Val[] {
    // Import cycles (a imports b's name, b imports a's) end here. "\0module" cannot be a real scope name.
    return this.memoised(m, "\0module", name, () => this.lookupModuleLevelUncached(m, name));
  }

  private lookupModuleLevelUncached(m: ModuleInfo, name: string): Val[] {
    const bindings = this.scopesOf(m).scopes.get("")?.names.get(name);
    if (bindings) return this.fromBindings(m, bindings);
    // Star imports re-export names.
    for (const f of m.index.imports) {
      if (f.scope === "" && f.member === "*") {
        const target = this.modules.get(this.modules.absolute(f.module, m), m);
        if (target && target !== m) {
          const v = this.lookupModuleLevel(target, name);
          if (v.length > 0) return v;
        }
      }
    }
    return [];
  }

  /** The value of `obj.name`. */
  member(o: Val, name: string): Val[] {
    switch (o.t) {
      case "ext":
        return [{ t: "ext", path: `${o.path}.${name}` }];
      case "module": {
        const v = this.lookupModuleLevel(o.mod, name);
        if (v.length > 0) return v;
        const sub = this.modules.get(`${o.mod.name}.${name}`, o.mod);
        return sub ? [{ t: "module", mod: sub }] : [];
      }
      case "def":
        if (o.def.kind === "class") return this.classAttr(o.mod, o.def, name);
        return [];
      case "inst":
        if (o.of.t === "def" && o.of.def.kind === "class") return this.classAttr(o.of.mod, o.of.def, name);
        if (o.of.t === "ext") return [{ t: "ext", path: `${o.of.path}().${name}` }];
        return [];
      default:
        return [];
    }
  }

  /** Looks a class attribute up through the class and its project bases (depth-first, left to right). */
  classAttr(mod: ModuleInfo, cls: DefFact, name: string, seen = new Set<string>()): Val[] {
    const key = `${mod.path}:${cls.qualname}`;
    if (seen.has(key)) return [];
    seen.add(key);
    const own = this.scopesOf(mod).scopes.get(cls.qualname)?.names.get(name);
    if (own) return this.fromBindings(mod, own);
    for (const b of cls.bases) {
      for (const bv of this.resolve(mod, cls.scope, b)) {
        if (bv.t === "def" && bv.def.kind === "class") {
          const v = this.classAttr(bv.mod, bv.def, name, seen);
          if (v.length > 0) return v;
        }
      }
    }
    return [];
  }

  private callResult(f: Val, mod: ModuleInfo, scope: string, call: Extract<Expr, { k: "call" }>): Val[] {
    const site = `${mod.path}:${startOf(call.r)}`;
    switch (f.t) {
      case "ext":
        return [{ t: "inst", of: f, site, mod, scope }];
      case "def": {
        if (f.def.kind === "class") return [{ t: "inst", of: f, site, mod, scope }];
        const out: Val[] = [];
        for (const r of this.returnsOf(f.mod, f.def.qualname)) if (r.value) out.push(...this.resolve(f.mod, f.def.qualname, r.value));
        return out;
      }
      default:
        return [];
    }
  }

}

function dedupe(vals: Val[]): Val[] {
  if (vals.length < 2) return vals;
  const seen = new Set<string>();
  const out: Val[] = [];
  for (const v of vals) {
    const k = valKey(v);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(v);
    }
  }
  return out;
}

export function valKey(v: Val): string {
  switch (v.t) {
    case "ext":
      return `e:${v.path}`;
    case "module":
      return `m:${v.mod.path}`;
    case "def":
      return `d:${v.mod.path}:${v.def.qualname}`;
    case "inst":
      return `i:${v.site}`;
    case "const":
      return `c:${typeof v.v}:${String(v.v)}`;
  }
}
