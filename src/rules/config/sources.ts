/**
 * Config-family helpers: whether an app gets a setting from any config source, which apps reach
 * production, and where the project reads given attributes of Flask's `request`.
 */
import type { Expr, Where } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import { envKindOf, type ConfigClass, type ConfigLoad, type ConfigWrite, type FlaskObject, type Project } from "../../link/project.js";
import { callersOf, functionReach, writeContext } from "../support.js";
import { walkExpr } from "../session/facts.js";

const REQUEST_PROXIES = ["flask.request", "flask.globals.request"];

/** Apps whose construction can run in production (not in a test, a dev-only block or a dev-only factory). */
export function productionApps(project: Project): FlaskObject[] {
  return project.apps.filter((app) => {
    const fact = app.mod.index.calls.find((c) => c.call === app.call);
    const ctx = project.contextOf(app.mod, fact);
    if (ctx.test || ctx.devOnly) return false;
    return !app.scope || functionReach(project, app.mod, app.scope) !== "dev-only";
  });
}

/** How an app gets a setting: a write we can read, a source we cannot read, or nothing. */
export type KeySource = { kind: "write"; write: ConfigWrite } | { kind: "unknown"; why: string } | null;

/** Whether a write applies to an app: written on it, on `current_app`, or in a config class the app loads. */
function writeApplies(project: Project, app: FlaskObject, w: ConfigWrite): boolean {
  if (w.apps.includes(app)) return true;
  if (w.configClass) return loadedClasses(project, app).some((c) => project.configAttr(c, w.key)?.assign === w.where);
  return w.apps.length === 0;
}

/** Config classes that `from_object` loads into an app (or into `current_app`), also through a dict of classes. */
function loadedClasses(project: Project, app: FlaskObject): ConfigClass[] {
  const out: ConfigClass[] = [];
  for (const l of loadsOf(project, app)) {
    for (const t of l.targets) if (t.t === "class") out.push(t.cls);
    if (l.method === "from_object" && l.targets.length === 0) out.push(...(selectedClasses(project, l) ?? []));
  }
  return out;
}

/**
 * The config classes a `from_object(configs[name])` or `from_object(configs.get(name, Default))` can load, when
 * `configs` is a dict literal of classes (here or in an imported module); development and testing classes are
 * left out, since production selects another one. Null when the argument has another shape.
 */
export function selectedClasses(project: Project, l: ConfigLoad): ConfigClass[] | null {
  const arg = l.arg;
  if (!arg) return null;
  let holder: Expr | null = null;
  const extra: Expr[] = [];
  if (arg.k === "sub") holder = arg.obj;
  else if (arg.k === "call" && arg.fn.k === "attr" && arg.fn.name === "get") {
    holder = arg.fn.obj;
    if (arg.args[1]) extra.push(arg.args[1]);
  }
  if (!holder) return null;
  const dict = dictLiteral(project, l.mod, l.where.scope, holder);
  if (!dict) return null;
  const out: ConfigClass[] = [];
  for (const v of [...dict.items.map((i) => ({ e: i.value, mod: dict.mod })), ...extra.map((e) => ({ e, mod: l.mod }))]) {
    const scope = v.mod === l.mod ? l.where.scope : "";
    for (const val of project.resolve(v.mod, scope, v.e)) {
      if (val.t !== "def" || val.def.kind !== "class") continue;
      const cc = project.configClasses.find((c) => c.def === val.def) ?? { mod: val.mod, def: val.def, env: envKindOf(val.def.name), loaded: false };
      if (cc.env !== "development" && cc.env !== "testing" && !out.includes(cc)) out.push(cc);
    }
  }
  return out.length > 0 ? out : null;
}

/** The dict literal a name or module attribute is bound to (at module level, or in the enclosing function). */
export function dictLiteral(project: Project, mod: ModuleInfo, scope: string, e: Expr, depth = 0): { items: Extract<Expr, { k: "dict" }>["items"]; mod: ModuleInfo } | null {
  if (depth > 3) return null;
  if (e.k === "name") {
    for (const s of scope ? [scope, ""] : [""]) {
      for (const a of project.resolver.assignsIn(mod, s)) {
        if (a.value.k === "dict" && a.targets.some((t) => t.k === "name" && t.id === e.id)) return { items: a.value.items, mod };
      }
    }
    const imp = mod.index.imports.find((i) => i.local === e.id && i.member !== null);
    if (!imp) return null;
    const target = project.modules.get(project.modules.absolute(imp.module, mod), mod);
    return target ? dictLiteral(project, target, "", { k: "name", id: imp.member! }, depth + 1) : null;
  }
  if (e.k === "attr") {
    const owner = project.resolve(mod, scope, e.obj).find((v) => v.t === "module");
    return owner?.t === "module" ? dictLiteral(project, owner.mod, "", { k: "name", id: e.name }, depth + 1) : null;
  }
  return null;
}

function loadsOf(project: Project, app: FlaskObject): ConfigLoad[] {
  return project.configLoads.filter((l) => l.apps.length === 0 || l.apps.includes(app));
}

/**
 * Where an app gets `key` in production. Reads config writes (items, update, classes, modules), `self.KEY`
 * assignments in loaded config classes, and gives up (kind "unknown") on sources that cannot be read
 * statically: environment files, prefixed environment variables, unresolved `from_object` targets, and
 * writes through objects the model does not recognise as an app.
 */
export function keySource(project: Project, app: FlaskObject, key: string): KeySource {
  let found: ConfigWrite | null = null;
  for (const w of project.configWrites) {
    if (w.key !== key || !writeApplies(project, app, w)) continue;
    const { ctx } = writeContext(project, w);
    if (ctx.test || ctx.devOnly) continue;
    found = w;
  }
  if (found) return { kind: "write", write: found };
  for (const l of loadsOf(project, app)) {
    if (!productionWhere(project, l.mod, l.where)) continue;
    if (l.method === "from_object") {
      const selected = l.targets.length === 0 ? selectedClasses(project, l) : null;
      if (l.targets.length === 0 && !selected) return { kind: "unknown", why: `\`from_object\` in ${l.mod.path} loads an object the scanner cannot follow` };
      for (const cls of selected ?? []) if (selfAttr(project, cls, key)) return { kind: "unknown", why: `\`${cls.def.name}\` sets \`self.${key}\`` };
      for (const t of l.targets) if (t.t === "class" && selfAttr(project, t.cls, key)) return { kind: "unknown", why: `\`${t.cls.def.name}\` sets \`self.${key}\`` };
      continue;
    }
    if (l.method === "from_pyfile" && l.targets.length > 0) continue; // its constants are writes already
    return { kind: "unknown", why: `config is also read with \`${l.method}\` in ${l.mod.path}` };
  }
  if (unresolvedWrite(project, key)) return { kind: "unknown", why: `${key} is written through an object the scanner does not resolve to the app` };
  return null;
}

function productionWhere(project: Project, mod: ModuleInfo, where: Where): boolean {
  const ctx = project.contextOf(mod, where);
  if (ctx.test || ctx.devOnly) return false;
  return !where.scope || functionReach(project, mod, where.scope) !== "dev-only";
}

/** `self.KEY = ...` in a method of a config class or its bases (config objects built in `__init__`). */
function selfAttr(project: Project, cc: ConfigClass, key: string, seen = new Set<ConfigClass>()): boolean {
  if (seen.has(cc)) return false;
  seen.add(cc);
  for (const a of cc.mod.index.assigns) {
    if (!a.scope.startsWith(`${cc.def.qualname}.`)) continue;
    if (a.targets.some((t) => t.k === "attr" && t.name === key && t.obj.k === "name" && t.obj.id === "self")) return true;
  }
  for (const b of cc.def.bases) {
    for (const v of project.resolve(cc.mod, "", b)) {
      if (v.t !== "def" || v.def.kind !== "class") continue;
      const base = project.configClasses.find((c) => c.def === v.def);
      if (base && selfAttr(project, base, key, seen)) return true;
    }
  }
  return false;
}

const unresolvedCache = new WeakMap<Project, Map<string, boolean>>();

/** `x.config["KEY"] = ...` or `KEY=` keywords where `x` is not a resolved app: may still configure one. Memoised per key (it walks every module). */
function unresolvedWrite(project: Project, key: string): boolean {
  let cache = unresolvedCache.get(project);
  if (!cache) unresolvedCache.set(project, (cache = new Map()));
  let hit = cache.get(key);
  if (hit === undefined) cache.set(key, (hit = unresolvedWriteUncached(project, key)));
  return hit;
}

function unresolvedWriteUncached(project: Project, key: string): boolean {
  for (const mod of project.pythonModules()) {
    for (const a of mod.index.assigns) {
      // The cheap shape test first: productionWhere follows callers through the project.
      if (!a.targets.some((t) => t.k === "sub" && t.key.k === "str" && t.key.v === key)) continue;
      if (!productionWhere(project, mod, a)) continue;
      for (const t of a.targets) {
        if (t.k !== "sub" || t.key.k !== "str" || t.key.v !== key) continue;
        // Writes on a resolved app are config writes already, applied to that app only.
        if (t.obj.k === "attr" && t.obj.name === "config" && project.appsOf(mod, a.scope, t.obj.obj).isApp) continue;
        return true;
      }
    }
    for (const c of mod.index.calls) {
      // `x.config.setdefault("KEY", v)` / `x.config.update({"KEY": v})` on a receiver that is not a resolved app.
      const first = c.call.args[0];
      const named = first?.k === "str" ? first.v === key : first?.k === "dict" ? first.items.some((i) => i.key?.k === "str" && i.key.v === key) : false;
      if (!named && !c.call.kw.some((k) => k.name === key)) continue;
      if (!productionWhere(project, mod, c)) continue;
      const fn = c.call.fn;
      if (named && !(fn.k === "attr" && ["setdefault", "update", "from_mapping"].includes(fn.name))) continue;
      if (fn.k === "attr" && fn.obj.k === "attr" && fn.obj.name === "config" && project.appsOf(mod, c.scope, fn.obj.obj).isApp) continue;
      return true;
    }
  }
  return false;
}

/** A read of `request.<attr>` (or a call of it) found in production code. */
export interface RequestRead {
  mod: ModuleInfo;
  where: Where;
  attr: string;
  /** Range of the enclosing fact. */
  r: string;
}

/** Every sub-expression of an expression (itself included), parent before children, as a flat array. */
export function subExprs(e: Expr): Expr[] {
  const out: Expr[] = [];
  walkExpr(e, (x) => out.push(x));
  return out;
}

/** Top-level expressions of a module's facts, with where they sit and the fact's range. */
export function* moduleExprs(mod: ModuleInfo): Generator<{ e: Expr; where: Where; r: string }> {
  for (const c of mod.index.calls) yield { e: c.call, where: c, r: c.call.r };
  for (const a of mod.index.assigns) yield { e: a.value, where: a, r: a.r };
  for (const ret of mod.index.returns) if (ret.value) yield { e: ret.value, where: ret, r: ret.r };
}

/** Production reads of `request.<attr>` for the given attribute names (Flask's request proxy only). */
export function requestReads(project: Project, attrs: ReadonlySet<string>): RequestRead[] {
  const out: RequestRead[] = [];
  for (const mod of project.pythonModules()) {
    if (!mod.index.imports.some((i) => i.module === "flask" || i.module.startsWith("flask."))) continue;
    const seen = new Set<string>();
    for (const { e, where, r } of moduleExprs(mod)) {
      for (const s of subExprs(e)) {
        if (s.k !== "attr" || !attrs.has(s.name)) continue;
        if (!project.extPaths(mod, where.scope, s.obj).some((p) => REQUEST_PROXIES.includes(p))) continue;
        const key = `${r}:${s.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        if (!productionWhere(project, mod, where)) continue;
        out.push({ mod, where, attr: s.name, r });
      }
    }
  }
  return out;
}

/** The apps a function serves: the owners of routes whose view it is (through blueprint registrations), else every app. */
export function appsServedBy(project: Project, mod: ModuleInfo, scope: string, apps: FlaskObject[]): FlaskObject[] {
  const owners = routeOwners(project, mod, scope, 0);
  if (owners.length === 0) return apps;
  const out = new Set<FlaskObject>();
  const visit = (o: FlaskObject, seen: Set<FlaskObject>) => {
    if (seen.has(o)) return;
    seen.add(o);
    if (o.kind === "app") out.add(o);
    for (const reg of project.registrations) if (reg.child === o) visit(reg.parent, seen);
  };
  for (const o of owners) visit(o, new Set());
  // A blueprint that is never registered (or registered on an app built elsewhere) may serve any app.
  return out.size > 0 ? apps.filter((a) => out.has(a)) : apps;
}

const ownersCache = new WeakMap<Project, Map<string, FlaskObject[]>>();

/** Apps and blueprints whose routes run a function: as the view itself, or through its callers (a few levels). */
export function routeOwners(project: Project, mod: ModuleInfo, scope: string, depth: number): FlaskObject[] {
  const top = scope.split(".")[0] ?? "";
  if (!top) return [];
  let cache = ownersCache.get(project);
  if (!cache) ownersCache.set(project, (cache = new Map()));
  const key = `${mod.path}:${top}`;
  const known = cache.get(key);
  if (known) return known;
  cache.set(key, []);
  // Nested view functions (`define_routes.upload`) are routes too.
  let owners = project.routes.filter((r) => r.viewMod === mod && r.view !== null && (r.view.qualname === scope || r.view.qualname === top)).map((r) => r.owner);
  if (owners.length === 0 && depth < 3) {
    const def = project.resolver.def(mod, top);
    if (def?.kind === "function") {
      for (const c of callersOf(project, mod, def)) if (c.call.scope) owners.push(...routeOwners(project, c.mod, c.call.scope, depth + 1));
    }
  }
  owners = [...new Set(owners)];
  cache.set(key, owners);
  return owners;
}
