/**
 * The linked project model that rules query: modules, Flask apps and blueprints, extensions,
 * routes, config writes and loads, deployment facts, and the context (dev-only, tests) of each fact.
 */
import type { Diagnostic, SourceFile } from "../core/types.js";
import type { SuppressionComment } from "../filter/suppress.js";
import type { CommandLine, DeploymentFacts, EnvSetting } from "../index/deploy/types.js";
import type { ManifestFacts } from "../index/manifest/types.js";
import type { OpenApiFacts } from "../index/openapi.js";
import type { AssignFact, CallFact, DefFact, Expr, FileResult, R, Where } from "../index/ir.js";
import { startOf, unpack } from "../index/ir.js";
import { commandSegments, isShellCondition, pythonTarget, scriptTarget, shellBranchSpans } from "./commands.js";
import { ModuleTable, nameModules, type ModuleInfo } from "./modules.js";
import { Resolver, type Val } from "./resolve.js";
import { TemplateModel, type TemplateFile } from "./templates.js";

export type CallExpr = Extract<Expr, { k: "call" }>;

const APP_CLASSES = new Set(["flask.Flask", "flask.app.Flask", "apiflask.APIFlask", "apiflask.app.APIFlask"]);
const BLUEPRINT_CLASSES = new Set(["flask.Blueprint", "flask.blueprints.Blueprint", "flask_smorest.Blueprint", "apiflask.APIBlueprint"]);
const APP_PROXIES = new Set(["flask.current_app", "flask.globals.current_app"]);
const ROUTE_METHODS: Record<string, string[] | null> = {
  route: null,
  get: ["GET"],
  post: ["POST"],
  put: ["PUT"],
  patch: ["PATCH"],
  delete: ["DELETE"],
};

export interface FlaskObject {
  kind: "app" | "blueprint";
  /** Construction site "path:line:col", the object's identity. */
  site: string;
  mod: ModuleInfo;
  call: CallExpr;
  /** Function that builds it (an app factory), "" at module level. */
  scope: string;
  /** The class it instantiates, e.g. "flask.Flask" or a project subclass's qualname. */
  cls: string;
  /** The blueprint's name argument / app import name, when constant. */
  name: string | null;
  /** Blueprint's own url_prefix argument, when constant. */
  urlPrefix: string | null;
  /**
   * For an instance of a project subclass (`class Site(flask.Flask)`): that class and its project base
   * classes as "path:qualname", so `self` in their methods is this object.
   */
  classChain?: string[];
}

export interface Route {
  owner: FlaskObject;
  mod: ModuleInfo;
  /** The URL rule as written, null when not constant. */
  rule: string | null;
  methods: string[];
  endpoint: string | null;
  /** The view function (decorator routes) or the resolved view of add_url_rule, when known. */
  view: DefFact | null;
  viewMod: ModuleInfo | null;
  /** Where it is declared: the decorator or add_url_rule call. */
  r: R;
  via: "decorator" | "add_url_rule";
  /** Full paths after blueprint registration (one per registration chain); [rule] for app routes. */
  fullPaths: string[];
}

export interface BlueprintRegistration {
  parent: FlaskObject;
  child: FlaskObject;
  urlPrefix: string | null;
  mod: ModuleInfo;
  r: R;
}

export interface ExtensionObject {
  /** External class path, e.g. "flask_wtf.csrf.CSRFProtect". */
  cls: string;
  site: string;
  mod: ModuleInfo;
  call: CallExpr;
  /** Apps it is bound to, through its constructor or init_app. */
  apps: FlaskObject[];
  /** Every Flask object (apps and blueprints) passed to its constructor or init_app. */
  owners: FlaskObject[];
}

/** How a config value got written. */
export type ConfigVia = "item" | "attribute" | "update" | "from_mapping" | "setdefault" | "from_object" | "module-constant";

export interface ConfigWrite {
  /** Config key, e.g. "DEBUG". */
  key: string;
  value: Expr;
  /** Apps the write applies to; empty when only the current_app proxy or a config class is known. */
  apps: FlaskObject[];
  via: ConfigVia;
  mod: ModuleInfo;
  where: Where;
  /** Range of the statement or keyword that writes the value. */
  r: R;
  /** For class/module constants: the config class it is defined in ("" for module constants). */
  configClass?: ConfigClass;
}

/** A config source that cannot be read statically, or a from_object target. */
export interface ConfigLoad {
  method: "from_object" | "from_pyfile" | "from_envvar" | "from_prefixed_env" | "from_file" | "from_mapping" | "update";
  apps: FlaskObject[];
  mod: ModuleInfo;
  where: Where;
  r: R;
  /** Resolved targets of from_object (classes or modules); empty when unresolved. */
  targets: ConfigTarget[];
  arg: Expr | null;
}

export type ConfigTarget = { t: "class"; cls: ConfigClass } | { t: "module"; mod: ModuleInfo };

export type EnvKind = "production" | "development" | "testing" | "base";

export interface ConfigClass {
  mod: ModuleInfo;
  def: DefFact;
  /** What the class name says it is for. */
  env: EnvKind;
  /** Whether some from_object call loads it (directly). */
  loaded: boolean;
}

export interface DeploymentFile {
  file: SourceFile;
  facts: DeploymentFacts;
}

/** A dependency manifest (requirements file, pyproject.toml, Pipfile, lock file) and what it declares. */
export interface ManifestFile {
  file: SourceFile;
  facts: ManifestFacts;
}

/** An OpenAPI/Swagger document: found in the tree, or named with `--openapi` (path as given). */
export interface ApiDocument {
  path: string;
  facts: OpenApiFacts;
}

/** Why a fact may not reach production. Empty `reasons` means production code. */
export interface FactContext {
  test: boolean;
  devOnly: boolean;
  reasons: string[];
}

const TEST_PATH = /(^|\/)(tests?|testing)\/|(^|\/)(test_[^/]*|[^/]*_tests?|conftest)\.py$/;
const DEV_WORDS = new Set(["dev", "develop", "development", "local", "debug", "devel"]);
const TEST_WORDS = new Set(["test", "tests", "testing", "ci", "unittest"]);
const PROD_WORDS = new Set(["prod", "production", "live", "release", "deploy", "deployment", "staging"]);

export function isTestPath(path: string): boolean {
  return TEST_PATH.test(path);
}

/** Deployment files meant for development or tests, judged by their names (Dockerfile.dev, compose.override.yml). */
export function isDevDeploymentFile(file: SourceFile): boolean {
  if (isTestPath(file.path)) return true;
  const base = file.path.replace(/^.*\//, "").toLowerCase();
  return /(^|[._-])(dev|develop|development|local|test|testing|override)([._-]|$)/.test(base);
}

/** A deployment command that runs a project Python file directly (`python wsgi.py`, `python -m app`). */
export interface Launch {
  file: SourceFile;
  cmd: CommandLine;
  mod: ModuleInfo;
}

export class Project {
  readonly modules: ModuleTable;
  readonly resolver: Resolver;
  readonly apps: FlaskObject[] = [];
  readonly blueprints: FlaskObject[] = [];
  readonly extensions: ExtensionObject[] = [];
  readonly routes: Route[] = [];
  readonly registrations: BlueprintRegistration[] = [];
  readonly configWrites: ConfigWrite[] = [];
  readonly configLoads: ConfigLoad[] = [];
  readonly configClasses: ConfigClass[] = [];
  readonly deployment: DeploymentFile[] = [];
  readonly manifests: ManifestFile[] = [];
  readonly apiDocuments: ApiDocument[] = [];
  /** Python files that a deployment file runs directly (`python wsgi.py`), so their __main__ block is production. */
  readonly launchedDirectly = new Map<string, CommandLine>();
  /** Every production deployment command that runs a project Python file directly. */
  readonly launches: Launch[] = [];
  /** Shell scripts that a production deployment command starts (`ENTRYPOINT ["./entrypoint.sh"]`), with that command. */
  readonly startedScripts = new Map<string, CommandLine>();
  /** Extra auth-guard decorator names from the config (`[tool.flaskwarden.routes] auth-decorators`). */
  authDecorators: string[] = [];
  private readonly objectsBySite = new Map<string, FlaskObject>();
  private readonly templateFiles: TemplateFile[];
  private templateModel: TemplateModel | null = null;
  private readonly sortedModules: ModuleInfo[];

  constructor(
    readonly root: string,
    readonly files: SourceFile[],
    results: FileResult[],
  ) {
    const indexes = results.flatMap((r) => (r.python ? [r.python] : []));
    this.modules = new ModuleTable(nameModules(indexes));
    this.sortedModules = this.modules.all().sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    this.resolver = new Resolver(this.modules);
    const byPath = new Map(files.map((f) => [f.path, f]));
    for (const r of results) if (r.deployment) this.deployment.push({ file: byPath.get(r.path)!, facts: r.deployment });
    for (const r of results) if (r.manifest) this.manifests.push({ file: byPath.get(r.path)!, facts: r.manifest });
    for (const r of results) if (r.openapi) this.apiDocuments.push({ path: r.path, facts: r.openapi });
    this.templateFiles = results.flatMap((r) => (r.template ? [{ path: r.path, facts: r.template }] : []));
    this.linkObjects();
    this.linkRoutesAndRegistrations();
    this.linkConfigClasses();
    this.linkConfig();
    this.linkLaunches();
  }

  // ---------- queries for rules ----------

  /** Templates, their folders, the calls that render them and the include/extends links (built on first use). */
  get templates(): TemplateModel {
    return (this.templateModel ??= new TemplateModel(this, this.templateFiles, this.files.filter((f) => f.kind === "template" && f.subkind === "candidate")));
  }

  /** How many candidate templates (HTML outside `templates` folders) the link stage read because a template_folder holds them. */
  lateTemplateCount(): number {
    return this.templateModel?.lateCount ?? 0;
  }

  /** Suppressions and diagnostics of the templates the link stage read itself (none until the model is built). */
  lateTemplates(): { suppressions: SuppressionComment[]; diagnostics: Diagnostic[] } {
    const m = this.templateModel;
    return m ? { suppressions: m.suppressions, diagnostics: m.diagnostics } : { suppressions: [], diagnostics: [] };
  }

  /** Resolves an expression in a module scope. */
  resolve(mod: ModuleInfo, scope: string, e: Expr): Val[] {
    return this.resolver.resolve(mod, scope, e);
  }

  /** The external dotted paths an expression may stand for ("flask.Flask"), through imports and aliases. */
  extPaths(mod: ModuleInfo, scope: string, e: Expr): string[] {
    return this.resolve(mod, scope, e).flatMap((v) => (v.t === "ext" ? [v.path] : []));
  }

  /** Flask apps an expression may be (including the current_app proxy, reported as all apps). */
  appsOf(mod: ModuleInfo, scope: string, e: Expr): { apps: FlaskObject[]; isApp: boolean } {
    const apps: FlaskObject[] = [];
    let isApp = false;
    for (const v of this.resolve(mod, scope, e)) {
      if (v.t === "inst") {
        const o = this.objectsBySite.get(v.site);
        if (o?.kind === "app") {
          apps.push(o);
          isApp = true;
        } else if (!o && v.of.t === "def" && APP_CLASSES.has(this.classPathOf(v.of) ?? "")) {
          // `self` inside a project subclass of Flask: the apps built from that class (or a subclass of it).
          isApp = true;
          const key = v.site.startsWith("self:") ? v.site.slice("self:".length) : null;
          if (key) for (const a of this.apps) if (a.classChain?.includes(key) && !apps.includes(a)) apps.push(a);
        }
      } else if (v.t === "ext" && APP_PROXIES.has(v.path)) isApp = true;
    }
    return { apps, isApp };
  }

  /** The context of a fact: test file, `__main__` block, dev-only branch. */
  contextOf(mod: ModuleInfo | string, where?: Where): FactContext {
    const path = typeof mod === "string" ? mod : mod.path;
    const reasons: string[] = [];
    let test = false;
    let devOnly = false;
    if (isTestPath(path)) {
      test = true;
      reasons.push(`${path} is a test file`);
    }
    if (where?.mainGuard) {
      const launch = this.launchedDirectly.get(path);
      if (!launch) {
        devOnly = true;
        reasons.push('inside an `if __name__ == "__main__":` block, which runs only when the file is started directly (local development)');
      }
    }
    if (where) {
      for (const c of where.conds) {
        const negated = c.startsWith("not (");
        const text = negated ? c.slice(5, -1) : c;
        if (holdsWhenSwitchOn(text) !== !negated) continue;
        if (/\b(debug|DEBUG|testing|TESTING)\b|["'](development|dev|local|test|testing)["']/.test(text)) {
          devOnly = true;
          reasons.push(`only runs when \`${text}\` holds (a development or test switch)`);
          break;
        }
      }
      const fn = where.scope.split(".")[0] ?? "";
      if (/^(create_)?test_?app|^make_test|_for_tests?$/i.test(fn)) {
        test = true;
        reasons.push(`inside \`${fn}\`, a test helper`);
      }
    }
    return { test, devOnly, reasons };
  }

  /** Whether an expression is a constant the Python truth test accepts; null when unknown. */
  truthy(mod: ModuleInfo, scope: string, e: Expr): boolean | null {
    if (e.k === "bool") return e.v;
    if (e.k === "num") return e.v !== 0;
    if (e.k === "str") return e.v.length > 0;
    if (e.k === "none") return false;
    if (e.k === "name" || e.k === "attr") {
      const vals = this.resolve(mod, scope, e);
      if (vals.length > 0 && vals.every((v) => v.t === "const")) {
        const all = vals.map((v) => Boolean((v as { v: unknown }).v));
        if (all.every((x) => x)) return true;
        if (all.every((x) => !x)) return false;
      }
    }
    return null;
  }

  /** The constant string value of an expression, following names to constant assignments. */
  constString(mod: ModuleInfo, scope: string, e: Expr): string | null {
    if (e.k === "str") return e.v;
    if (e.k === "bin" && e.op === "+") {
      const l = this.constString(mod, scope, e.l);
      const r = l === null ? null : this.constString(mod, scope, e.rt);
      return l !== null && r !== null ? l + r : null;
    }
    if (e.k === "name" || e.k === "attr") {
      const vals = this.resolve(mod, scope, e);
      if (vals.length === 1 && vals[0]!.t === "const" && typeof vals[0]!.v === "string") return vals[0]!.v;
    }
    return null;
  }

  /** Python modules in path order (sorted once: rules and caller searches walk this list often). */
  pythonModules(): readonly ModuleInfo[] {
    return this.sortedModules;
  }

  private flaskModulesCache: readonly ModuleInfo[] | null = null;

  /**
   * Modules that can touch Flask: they import a Flask-world package (flask, werkzeug, quart, any
   * flask_* extension) or a project module that does, transitively. Code elsewhere cannot reach
   * `flask.request` or an app except through parameters, so rules that look for request reads may
   * skip the rest (the standard library, vendored libraries).
   */
  flaskModules(): readonly ModuleInfo[] {
    if (this.flaskModulesCache) return this.flaskModulesCache;
    const isFlaskWorld = (m: string) => /^(flask|werkzeug|quart|apiflask|connexion)(\.|$)|^flask_/.test(m);
    const importsOf = new Map<ModuleInfo, ModuleInfo[]>();
    const reached = new Set<ModuleInfo>();
    for (const mod of this.sortedModules) {
      const deps: ModuleInfo[] = [];
      for (const f of mod.index.imports) {
        const abs = f.module.startsWith(".") ? this.modules.absolute(f.module, mod) : f.module;
        if (isFlaskWorld(abs)) reached.add(mod);
        const target = this.modules.get(abs, mod) ?? (f.member ? this.modules.get(`${abs}.${f.member}`, mod) : undefined);
        if (target) deps.push(target);
      }
      importsOf.set(mod, deps);
    }
    // Importers of a Flask-world module are Flask-world too, to a fixed point.
    let changed = true;
    while (changed) {
      changed = false;
      for (const mod of this.sortedModules) {
        if (reached.has(mod)) continue;
        if (importsOf.get(mod)!.some((d) => reached.has(d))) {
          reached.add(mod);
          changed = true;
        }
      }
    }
    this.flaskModulesCache = this.sortedModules.filter((m) => reached.has(m));
    return this.flaskModulesCache;
  }

  // ---------- linking ----------

  /** A project class and its project base classes, as "path:qualname" keys. */
  private projectClassChain(v: Extract<Val, { t: "def" }>, out: string[] = []): string[] {
    const key = `${v.mod.path}:${v.def.qualname}`;
    if (out.includes(key)) return out;
    out.push(key);
    for (const b of v.def.bases) {
      for (const bv of this.resolver.resolve(v.mod, v.def.scope, b)) if (bv.t === "def" && bv.def.kind === "class") this.projectClassChain(bv, out);
    }
    return out;
  }

  private classPathOf(v: Val, seen = new Set<string>()): string | null {
    if (v.t === "ext") return v.path;
    if (v.t === "def" && v.def.kind === "class") {
      const key = `${v.mod.path}:${v.def.qualname}`;
      if (seen.has(key)) return null;
      seen.add(key);
      // A project subclass of Flask or Blueprint is still an app or blueprint.
      for (const b of v.def.bases) {
        for (const bv of this.resolver.resolve(v.mod, v.def.scope, b)) {
          const p = this.classPathOf(bv, seen);
          if (p && (APP_CLASSES.has(p) || BLUEPRINT_CLASSES.has(p))) return p;
        }
      }
    }
    return null;
  }

  private linkObjects(): void {
    for (const mod of this.pythonModules()) {
      for (const c of mod.index.calls) {
        // Apps, blueprints and extensions are classes; only class-like (capitalised) callees can build one.
        const fn = c.call.fn;
        const callee = fn.k === "name" ? fn.id : fn.k === "attr" ? fn.name : "";
        if (!/^[A-Z]/.test(callee)) continue;
        const fnVals = this.resolver.resolve(mod, c.scope, fn);
        for (const fv of fnVals) {
          const cls = this.classPathOf(fv);
          if (!cls) continue;
          const site = `${mod.path}:${startOf(c.call.r)}`;
          if (APP_CLASSES.has(cls) || BLUEPRINT_CLASSES.has(cls)) {
            const kind = APP_CLASSES.has(cls) ? "app" : "blueprint";
            const nameArg = c.call.args[0] ?? c.call.kw.find((k) => k.name === (kind === "app" ? "import_name" : "name"))?.value;
            const prefixArg = c.call.kw.find((k) => k.name === "url_prefix")?.value ?? (kind === "blueprint" ? undefined : undefined);
            const obj: FlaskObject = {
              kind,
              site,
              mod,
              call: c.call,
              scope: c.scope,
              cls,
              name: nameArg ? this.constString(mod, c.scope, nameArg) : null,
              urlPrefix: prefixArg ? this.constString(mod, c.scope, prefixArg) : null,
            };
            if (fv.t === "def") obj.classChain = this.projectClassChain(fv);
            this.objectsBySite.set(site, obj);
            (kind === "app" ? this.apps : this.blueprints).push(obj);
            break;
          }
          if (/^flask_[a-z_]+\./.test(cls) || cls.startsWith("werkzeug.middleware.")) {
            this.extensions.push({ cls, site, mod, call: c.call, apps: [], owners: [] });
            break;
          }
        }
      }
    }
    // Bind extensions to apps: `Ext(app)` or `ext.init_app(app)`.
    const extBySite = new Map(this.extensions.map((e) => [e.site, e]));
    for (const ext of this.extensions) {
      const arg = ext.call.args[0] ?? ext.call.kw.find((k) => k.name === "app")?.value;
      if (!arg) continue;
      ext.apps.push(...this.appsOf(ext.mod, this.scopeOfCall(ext), arg).apps);
      ext.owners.push(...this.objectsOf(ext.mod, this.scopeOfCall(ext), arg));
    }
    for (const mod of this.pythonModules()) {
      for (const c of mod.index.calls) {
        if (c.call.fn.k !== "attr" || c.call.fn.name !== "init_app") continue;
        const arg = c.call.args[0] ?? c.call.kw.find((k) => k.name === "app")?.value;
        if (!arg) continue;
        const apps = this.appsOf(mod, c.scope, arg).apps;
        let owners: FlaskObject[] | null = null;
        for (const v of this.resolver.resolve(mod, c.scope, c.call.fn.obj)) {
          const ext = v.t === "inst" ? extBySite.get(v.site) : undefined;
          if (!ext) continue;
          ext.apps.push(...apps);
          ext.owners.push(...(owners ??= this.objectsOf(mod, c.scope, arg)));
        }
      }
    }
  }

  private scopeOfCall(ext: ExtensionObject): string {
    return ext.mod.index.calls.find((c) => c.call === ext.call)?.scope ?? "";
  }

  /** Flask objects (app or blueprint) an expression may be. */
  objectsOf(mod: ModuleInfo, scope: string, e: Expr): FlaskObject[] {
    const out: FlaskObject[] = [];
    for (const v of this.resolve(mod, scope, e)) {
      if (v.t === "inst") {
        const o = this.objectsBySite.get(v.site);
        if (o) out.push(o);
        else if (v.site.startsWith("self:")) {
          // `self` in a method of a project subclass of Flask (or Blueprint): every object built from that
          // class or a subclass of it (`self.add_url_rule(...)` in `class Site(flask.Flask)`).
          const key = v.site.slice("self:".length);
          for (const obj of [...this.apps, ...this.blueprints]) if (obj.classChain?.includes(key) && !out.includes(obj)) out.push(obj);
        }
      }
    }
    return out;
  }

  private linkRoutesAndRegistrations(): void {
    for (const mod of this.pythonModules()) {
      for (const d of mod.index.defs) {
        if (d.kind !== "function") continue;
        for (const deco of d.decorators) {
          if (deco.k !== "call" || deco.fn.k !== "attr" || !(deco.fn.name in ROUTE_METHODS)) continue;
          for (const owner of this.objectsOf(mod, d.scope, deco.fn.obj)) {
            this.routes.push(this.makeRoute(owner, mod, d.scope, deco, ROUTE_METHODS[deco.fn.name]!, d, mod, "decorator"));
          }
        }
      }
      for (const c of mod.index.calls) {
        const fn = c.call.fn;
        // A route decorator applied by hand: `app.route("/x")(view)`.
        if (fn.k === "call" && fn.fn.k === "attr" && fn.fn.name in ROUTE_METHODS && c.call.args[0]) {
          const views = this.resolve(mod, c.scope, c.call.args[0]).filter((v): v is Extract<Val, { t: "def" }> => v.t === "def" && v.def.kind === "function");
          for (const owner of this.objectsOf(mod, c.scope, fn.fn.obj)) {
            for (const v of views.slice(0, 1)) this.routes.push(this.makeRoute(owner, mod, c.scope, fn, ROUTE_METHODS[fn.fn.name]!, v.def, v.mod, "decorator"));
          }
          continue;
        }
        if (fn.k !== "attr") continue;
        if (fn.name === "add_url_rule") {
          const owners = this.objectsOf(mod, c.scope, fn.obj);
          for (const call of owners.length > 0 ? unrolled(mod, c) : [])
          for (const owner of owners) {
            // The view and where to read it: a name bound to an `as_view(...)` call is read where it was bound.
            const at = this.asViewBinding(mod, c.scope, call.args[2] ?? call.kw.find((k) => k.name === "view_func")?.value);
            const viewArg = at?.e;
            let view: DefFact | null = null;
            let viewMod: ModuleInfo | null = null;
            if (at && viewArg) {
              for (const v of this.resolve(at.mod, at.scope, viewArg.k === "call" && viewArg.fn.k === "attr" && viewArg.fn.name === "as_view" ? viewArg.fn.obj : viewArg)) {
                if (v.t === "def") {
                  view = v.def;
                  viewMod = v.mod;
                  break;
                }
              }
            }
            const route = this.makeRoute(owner, mod, c.scope, call, null, view, viewMod, "add_url_rule");
            // Without an explicit endpoint Flask uses the view function's __name__, which as_view("name") sets.
            const explicit = call.args[1] !== undefined || call.kw.some((k) => k.name === "endpoint");
            if (at && !explicit && viewArg?.k === "call" && viewArg.fn.k === "attr" && viewArg.fn.name === "as_view") {
              const nameArg = viewArg.args[0] ?? viewArg.kw.find((k) => k.name === "name")?.value;
              route.endpoint = nameArg ? this.constString(at.mod, at.scope, nameArg) : null;
            }
            this.routes.push(route);
          }
        } else if (fn.name === "register_blueprint") {
          const parents = this.objectsOf(mod, c.scope, fn.obj);
          const childArg = c.call.args[0] ?? c.call.kw.find((k) => k.name === "blueprint")?.value;
          if (!childArg) continue;
          const children = this.objectsOf(mod, c.scope, childArg).filter((o) => o.kind === "blueprint");
          const prefixArg = c.call.kw.find((k) => k.name === "url_prefix")?.value;
          const urlPrefix = prefixArg ? this.constString(mod, c.scope, prefixArg) : null;
          for (const parent of parents) for (const child of children) this.registrations.push({ parent, child, urlPrefix, mod, r: c.call.r });
        }
      }
    }
    for (const route of this.routes) route.fullPaths = this.fullPaths(route.owner, route.rule ?? "", new Set());
  }

  /**
   * A view given by a name bound once to `SomeView.as_view("name")` (here or, as `module.name`, at the top
   * of another module) stands for that call, so its endpoint and class are known; anything else as it is.
   */
  private asViewBinding(mod: ModuleInfo, scope: string, e: Expr | undefined): { e: Expr; mod: ModuleInfo; scope: string } | undefined {
    if (!e) return undefined;
    const as = { e, mod, scope };
    if (e.k !== "name" && e.k !== "attr") return as;
    let where: { mod: ModuleInfo; scope: string; name: string } | null = null;
    if (e.k === "name") where = { mod, scope, name: e.id };
    else {
      const owner = this.resolve(mod, scope, e.obj).find((v): v is Extract<Val, { t: "module" }> => v.t === "module");
      if (owner) where = { mod: owner.mod, scope: "", name: e.name };
    }
    if (!where) return as;
    const w = where;
    const binds = this.resolver.assignsIn(w.mod, w.scope).filter((a) => a.op === "=" && a.targets.some((t) => t.k === "name" && t.id === w.name));
    const v = binds.length === 1 ? binds[0]!.value : null;
    return v && v.k === "call" && v.fn.k === "attr" && v.fn.name === "as_view" ? { e: v, mod: w.mod, scope: w.scope } : as;
  }

  private makeRoute(owner: FlaskObject, mod: ModuleInfo, scope: string, call: CallExpr, fixed: string[] | null, view: DefFact | null, viewMod: ModuleInfo | null, via: Route["via"]): Route {
    const ruleArg = call.args[0] ?? call.kw.find((k) => k.name === "rule")?.value;
    const rule = ruleArg ? this.constString(mod, scope, ruleArg) : null;
    let methods = fixed ?? ["GET"];
    const m = call.kw.find((k) => k.name === "methods")?.value;
    if (!fixed && m && m.k === "seq") {
      const ms = m.elts.map((e) => this.constString(mod, scope, e)).filter((x): x is string => x !== null).map((x) => x.toUpperCase());
      if (ms.length > 0) methods = ms;
    }
    const endpointArg = call.kw.find((k) => k.name === "endpoint")?.value ?? (via === "add_url_rule" ? call.args[1] : undefined);
    const endpoint = endpointArg ? this.constString(mod, scope, endpointArg) : view ? view.name : null;
    return { owner, mod, rule, methods, endpoint, view, viewMod, r: call.r, via, fullPaths: [] };
  }

  private fullPaths(obj: FlaskObject, rule: string, seen: Set<string>): string[] {
    if (obj.kind === "app") return [rule];
    if (seen.has(obj.site)) return [];
    seen.add(obj.site);
    const regs = this.registrations.filter((r) => r.child === obj);
    if (regs.length === 0) return [joinPath(obj.urlPrefix ?? "", rule)];
    const out: string[] = [];
    for (const reg of regs) {
      const prefix = reg.urlPrefix ?? obj.urlPrefix ?? "";
      out.push(...this.fullPaths(reg.parent, joinPath(prefix, rule), new Set(seen)));
    }
    return [...new Set(out)];
  }

  private linkConfigClasses(): void {
    for (const mod of this.pythonModules()) {
      for (const d of mod.index.defs) {
        if (d.kind !== "class" || d.scope !== "") continue;
        const isConfigName = /(config|settings)$/i.test(d.name);
        const inheritsConfig = d.bases.some((b) => this.resolve(mod, "", b).some((v) => v.t === "def" && /(config|settings)$/i.test(v.def.name)));
        if (!isConfigName && !inheritsConfig) continue;
        this.configClasses.push({ mod, def: d, env: envKindOf(d.name), loaded: false });
      }
    }
  }

  /** The config class object for a class definition, creating one for a loaded class with another name. */
  private configClassFor(mod: ModuleInfo, def: DefFact): ConfigClass {
    let cc = this.configClasses.find((c) => c.def === def);
    if (!cc) this.configClasses.push((cc = { mod, def, env: envKindOf(def.name), loaded: false }));
    return cc;
  }

  /** Uppercase class attributes a config class defines itself. */
  ownConfigAttrs(cc: ConfigClass): AssignFact[] {
    return this.resolver.assignsIn(cc.mod, cc.def.qualname).filter((a) => a.targets.some((t) => t.k === "name" && isConfigKey(t.id)));
  }

  /** Where a config class gets the value of `key`: its own assignment or the nearest base's (MRO order). */
  configAttr(cc: ConfigClass, key: string, seen = new Set<ConfigClass>()): { assign: AssignFact; owner: ConfigClass } | null {
    if (seen.has(cc)) return null;
    seen.add(cc);
    const own = this.ownConfigAttrs(cc).find((a) => a.targets.some((t) => t.k === "name" && t.id === key));
    if (own) return { assign: own, owner: cc };
    for (const b of cc.def.bases) {
      for (const v of this.resolve(cc.mod, "", b)) {
        if (v.t === "def" && v.def.kind === "class") {
          const found = this.configAttr(this.configClassFor(v.mod, v.def), key, seen);
          if (found) return found;
        }
      }
    }
    return null;
  }

  /** Config classes that inherit (directly or not) from `cc`. */
  subclassesOf(cc: ConfigClass): ConfigClass[] {
    const out: ConfigClass[] = [];
    const visit = (base: ConfigClass) => {
      for (const c of this.configClasses) {
        if (out.includes(c) || c === cc) continue;
        if (c.def.bases.some((b) => this.resolve(c.mod, "", b).some((v) => v.t === "def" && v.def === base.def))) {
          out.push(c);
          visit(c);
        }
      }
    };
    visit(cc);
    return out;
  }

  private linkConfig(): void {
    for (const mod of this.pythonModules()) {
      for (const a of mod.index.assigns) {
        for (const t of a.targets) {
          // app.config["KEY"] = value
          if (t.k === "sub" && t.obj.k === "attr" && t.obj.name === "config") {
            const { apps, isApp } = this.appsOf(mod, a.scope, t.obj.obj);
            const key = this.constString(mod, a.scope, t.key);
            if (isApp && key) this.configWrites.push({ key, value: a.value, apps, via: "item", mod, where: a, r: a.r });
          }
          // app.debug = value, app.secret_key = value
          if (t.k === "attr" && ATTR_KEYS[t.name]) {
            const { apps, isApp } = this.appsOf(mod, a.scope, t.obj);
            if (isApp) this.configWrites.push({ key: ATTR_KEYS[t.name]!, value: a.value, apps, via: "attribute", mod, where: a, r: a.r });
          }
        }
      }
      for (const c of mod.index.calls) this.configCall(mod, c);
    }
    // Class attributes of config classes are config writes of the apps that load them (or of no known app).
    for (const cc of this.configClasses) {
      for (const a of this.ownConfigAttrs(cc)) {
        for (const t of a.targets) {
          if (t.k === "name" && isConfigKey(t.id)) this.configWrites.push({ key: t.id, value: a.value, apps: [], via: "from_object", mod: cc.mod, where: a, r: a.r, configClass: cc });
        }
      }
    }
  }

  private configCall(mod: ModuleInfo, c: CallFact): void {
    const fn = c.call.fn;
    if (fn.k !== "attr" || fn.obj.k !== "attr" || fn.obj.name !== "config") return;
    const method = fn.name;
    if (!CONFIG_METHODS.has(method)) return;
    const { apps, isApp } = this.appsOf(mod, c.scope, fn.obj.obj);
    if (!isApp) return;
    const arg = c.call.args[0] ?? null;
    if (method === "update" || method === "from_mapping" || method === "setdefault") {
      const via = method as ConfigVia;
      if (method === "setdefault") {
        const key = arg ? this.constString(mod, c.scope, arg) : null;
        const value = c.call.args[1];
        if (key && value) this.configWrites.push({ key, value, apps, via, mod, where: c, r: c.call.r });
        return;
      }
      for (const kw of c.call.kw) if (kw.name) this.configWrites.push({ key: kw.name, value: kw.value, apps, via, mod, where: c, r: kw.r });
      if (arg?.k === "dict") {
        for (const item of arg.items) {
          const key = item.key ? this.constString(mod, c.scope, item.key) : null;
          if (key) this.configWrites.push({ key, value: item.value, apps, via, mod, where: c, r: item.r });
        }
      } else if (arg) this.configLoads.push({ method: method as ConfigLoad["method"], apps, mod, where: c, r: c.call.r, targets: [], arg });
      return;
    }
    const load: ConfigLoad = { method: method as ConfigLoad["method"], apps, mod, where: c, r: c.call.r, targets: [], arg };
    if (method === "from_object" && arg) load.targets = this.configTargets(mod, c.scope, arg);
    if (method === "from_pyfile" && arg) {
      const file = this.constString(mod, c.scope, arg);
      const target = file ? this.findPyfile(mod, file) : undefined;
      if (target) load.targets = [{ t: "module", mod: target }];
    }
    for (const t of load.targets) {
      if (t.t === "class") t.cls.loaded = true;
      else this.moduleConstantsAsWrites(t.mod, apps);
    }
    this.configLoads.push(load);
  }

  private configTargets(mod: ModuleInfo, scope: string, arg: Expr): ConfigTarget[] {
    const out: ConfigTarget[] = [];
    // from_object(__name__) loads the calling module's own upper-case constants.
    if (arg.k === "name" && arg.id === "__name__") return [{ t: "module", mod }];
    const asString = this.constString(mod, scope, arg);
    if (asString !== null) {
      // "pkg.config.ProductionConfig" or "pkg.config"
      const m = this.modules.get(asString, mod);
      if (m) return [{ t: "module", mod: m }];
      const dot = asString.lastIndexOf(".");
      if (dot > 0) {
        const owner = this.modules.get(asString.slice(0, dot), mod);
        const def = owner ? this.resolver.def(owner, asString.slice(dot + 1)) : undefined;
        if (owner && def?.kind === "class") return [{ t: "class", cls: this.configClassFor(owner, def) }];
      }
      return [];
    }
    for (const v of this.resolve(mod, scope, arg)) {
      if (v.t === "def" && v.def.kind === "class") out.push({ t: "class", cls: this.configClassFor(v.mod, v.def) });
      else if (v.t === "inst" && v.of.t === "def" && v.of.def.kind === "class") out.push({ t: "class", cls: this.configClassFor(v.of.mod, v.of.def) });
      else if (v.t === "module") out.push({ t: "module", mod: v.mod });
      else if (v.t === "const" && typeof v.v === "string") out.push(...this.configTargets(mod, scope, { k: "str", v: v.v, r: "0:0:0:0" }));
    }
    return out;
  }

  private findPyfile(from: ModuleInfo, file: string): ModuleInfo | undefined {
    const dir = from.path.includes("/") ? from.path.slice(0, from.path.lastIndexOf("/") + 1) : "";
    return this.modules.byPath.get(normalisePath(dir + file)) ?? this.modules.byPath.get(normalisePath(file));
  }

  private readonly constantModules = new Set<string>();

  private moduleConstantsAsWrites(m: ModuleInfo, apps: FlaskObject[]): void {
    if (this.constantModules.has(m.path)) return;
    this.constantModules.add(m.path);
    for (const a of m.index.assigns) {
      if (a.scope !== "") continue;
      for (const t of a.targets) if (t.k === "name" && isConfigKey(t.id)) this.configWrites.push({ key: t.id, value: a.value, apps, via: "module-constant", mod: m, where: a, r: a.r });
    }
  }

  private linkLaunches(): void {
    this.linkStartedScripts();
    for (const d of this.deployment) {
      // Build steps, shell scripts, Makefiles and files named for development do not start the production process,
      // except the unconditional lines of a script a production command starts.
      if (isDevDeploymentFile(d.file)) continue;
      for (const cmd of d.facts.commands) {
        if (cmd.source === "dockerfile-run" || (d.file.subkind === "script" && !this.startedUnconditionally(d, cmd))) continue;
        for (const segment of commandSegments(cmd.argv)) {
          const target = pythonTarget(segment);
          if (!target) continue;
          let m: ModuleInfo | undefined;
          if ("module" in target) {
            m = this.modules.get(target.module);
            // `python -m pkg` runs pkg/__main__.py.
            if (m?.isPackage) m = this.modules.get(`${target.module}.__main__`) ?? m;
          } else {
            const dir = d.file.path.includes("/") ? d.file.path.slice(0, d.file.path.lastIndexOf("/") + 1) : "";
            m = target.file.startsWith("/") ? undefined : this.modules.byPath.get(normalisePath(dir + target.file));
            // Absolute paths inside an image or on a server (`/app/wsgi.py`): match the longest path suffix.
            const parts = normalisePath(target.file).split("/");
            for (let i = 0; !m && i < parts.length; i++) {
              const suffix = parts.slice(i).join("/");
              m = [...this.modules.byPath.values()].find((x) => x.path === suffix || x.path.endsWith(`/${suffix}`));
            }
          }
          if (!m) continue;
          if (!this.launchedDirectly.has(m.path)) this.launchedDirectly.set(m.path, cmd);
          this.launches.push({ file: d.file, cmd, mod: m });
        }
      }
    }
  }

  /** Finds the shell scripts production commands start, following scripts that start other scripts. */
  private linkStartedScripts(): void {
    const scripts = this.deployment.filter((d) => d.file.subkind === "script" && !isDevDeploymentFile(d.file));
    if (scripts.length === 0) return;
    const visit = (d: DeploymentFile, depth: number) => {
      for (const cmd of d.facts.commands) {
        if (cmd.source === "dockerfile-run" || (d.file.subkind === "script" && !this.startedUnconditionally(d, cmd))) continue;
        for (const segment of commandSegments(cmd.argv)) {
          const target = scriptTarget(segment);
          if (!target) continue;
          const dir = d.file.path.includes("/") ? d.file.path.slice(0, d.file.path.lastIndexOf("/") + 1) : "";
          const rel = target.startsWith("/") ? undefined : scripts.find((s) => s.file.path === normalisePath(dir + target));
          // Absolute paths inside an image (`/usr/local/bin/docker-entrypoint.sh`): match the longest path suffix.
          const parts = normalisePath(target).split("/");
          let found = rel;
          for (let i = 0; !found && i < parts.length; i++) {
            const suffix = parts.slice(i).join("/");
            let matches = scripts.filter((s) => s.file.path === suffix || s.file.path.endsWith(`/${suffix}`));
            // Several scripts of that name (docker/prod/entrypoint.sh, docker/staging/entrypoint.sh): prefer the
            // deployment file's own folder, and take none when that does not decide.
            if (matches.length > 1) matches = matches.filter((s) => s.file.path.startsWith(dir));
            if (matches.length > 1) break;
            found = matches[0];
          }
          if (!found || found === d || this.startedScripts.has(found.file.path)) continue;
          this.startedScripts.set(found.file.path, cmd);
          if (depth < 3) visit(found, depth + 1);
        }
      }
    };
    for (const d of this.deployment) if (d.file.subkind !== "script" && !isDevDeploymentFile(d.file)) visit(d, 0);
  }

  /** Whether a command or setting of a shell script runs whenever production starts the script (outside if/case blocks and functions). */
  startedUnconditionally(d: DeploymentFile, at: { range: { start: { line: number } }; argv?: string[] }): boolean {
    if (!this.startedScripts.has(d.file.path)) return false;
    const line = at.range.start.line;
    // `[ "$APP_ENV" = dev ] && flask run`: the command is itself a condition.
    if (at.argv && isShellCondition(at.argv)) return false;
    return !shellBranchSpans(d.facts.commands).some(([a, b]) => line >= a && line <= b);
  }

  /** Every env setting from deployment files, with its file. */
  envSettings(): { file: SourceFile; env: EnvSetting }[] {
    return this.deployment.flatMap((d) => d.facts.env.map((env) => ({ file: d.file, env })));
  }

  /** Every command from deployment files, with its file. */
  commands(): { file: SourceFile; cmd: CommandLine }[] {
    return this.deployment.flatMap((d) => d.facts.commands.map((cmd) => ({ file: d.file, cmd })));
  }
}

/**
 * Whether a condition holds when the switch it names is on (`app.debug`, `ENV == "dev"`), or when it is
 * off (`not app.debug`, `ENV != "dev"`); null when `and`/`or` make that unclear.
 */
function holdsWhenSwitchOn(cond: string): boolean | null {
  let text = cond.trim();
  let on = true;
  const not = /^not\s+(.*)$/s.exec(text);
  if (not) {
    text = not[1]!;
    on = false;
  }
  if (/\s(and|or)\s/.test(text)) return not ? null : on;
  if (/\s(!=|is\s+not|not\s+in)\s/.test(text)) on = !on;
  return on;
}

const ATTR_KEYS: Record<string, string> = { debug: "DEBUG", secret_key: "SECRET_KEY", testing: "TESTING" };
const CONFIG_METHODS = new Set(["update", "from_mapping", "setdefault", "from_object", "from_pyfile", "from_envvar", "from_prefixed_env", "from_file"]);

/** Flask reads only uppercase keys from config objects. */
export function isConfigKey(name: string): boolean {
  return /^[A-Z][A-Z0-9_]*$/.test(name);
}

/** Classifies a config class by the words of its name: "TestingConfig", "DevConfig", "ProdSettings". */
export function envKindOf(className: string): EnvKind {
  const words = className.split(/(?<=[a-z0-9])(?=[A-Z])|_+/).map((w) => w.toLowerCase());
  if (words.some((w) => TEST_WORDS.has(w))) return "testing";
  if (words.some((w) => DEV_WORDS.has(w))) return "development";
  if (words.some((w) => PROD_WORDS.has(w))) return "production";
  return "base";
}

function joinPath(prefix: string, rule: string): string {
  if (!prefix) return rule;
  return `${prefix.replace(/\/+$/, "")}/${rule.replace(/^\/+/, "")}`;
}

function normalisePath(p: string): string {
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return out.join("/");
}

/** Whether packed range `outer` contains packed range `inner`. */
function contains(outer: R, inner: R): boolean {
  const [osl, osc, oel, oec] = unpack(outer);
  const [isl, isc, iel, iec] = unpack(inner);
  return (isl > osl || (isl === osl && isc >= osc)) && (iel < oel || (iel === oel && iec <= oec));
}

/**
 * A call inside loops over literal lists (see LoopFact) once per element, with the loop's names replaced
 * by the element's strings and `getattr(obj, "name")` by `obj.name`; the call itself when no such loop
 * binds a name it uses (or the loops are too long to unroll).
 */
function unrolled(mod: ModuleInfo, c: CallFact): CallExpr[] {
  const loops = (mod.index.loops ?? []).filter((l) => l.scope === c.scope && contains(l.body, c.call.r));
  if (loops.length === 0) return [c.call];
  // Under an `if` inside the loop the call may run for some elements only, which is not evaluated here.
  if (loops.some((l) => c.conds.length !== l.conds.length)) return [c.call];
  let bindings: Map<string, Expr>[] = [new Map()];
  for (const l of loops) {
    const t = l.targets;
    const names = t.k === "name" ? [t.id] : t.k === "seq" && t.elts.every((x) => x.k === "name") ? t.elts.map((x) => (x as { id: string }).id) : null;
    if (!names) return [c.call];
    const next: Map<string, Expr>[] = [];
    for (const b of bindings) {
      for (const el of l.iter.elts) {
        const values = names.length === 1 ? [el] : el.k === "seq" && el.elts.length === names.length ? el.elts : null;
        if (!values) return [c.call];
        next.push(new Map([...b, ...names.map((n, i): [string, Expr] => [n, values[i]!])]));
      }
    }
    if (next.length > 256) return [c.call];
    bindings = next;
  }
  const out: CallExpr[] = [];
  let changed = false;
  for (const b of bindings) {
    const e = substitute(c.call, b, () => (changed = true));
    out.push(e as CallExpr);
  }
  return changed ? out : [c.call];
}

/** A copy of an expression with bound names replaced, and `getattr(x, "name")` as the attribute `x.name`. */
function substitute(e: Expr, b: ReadonlyMap<string, Expr>, hit: () => void): Expr {
  const sub = (x: Expr) => substitute(x, b, hit);
  switch (e.k) {
    case "name": {
      const v = b.get(e.id);
      if (!v) return e;
      hit();
      return v;
    }
    case "attr":
      return { ...e, obj: sub(e.obj) };
    case "call": {
      const args = e.args.map(sub);
      if (e.fn.k === "name" && e.fn.id === "getattr" && args.length === 2 && args[1]!.k === "str") return { k: "attr", obj: args[0]!, name: args[1]!.v, r: e.r };
      return { ...e, fn: sub(e.fn), args, kw: e.kw.map((k) => ({ ...k, value: sub(k.value) })) };
    }
    case "sub":
      return { ...e, obj: sub(e.obj), key: sub(e.key) };
    case "bin":
      return { ...e, l: sub(e.l), rt: sub(e.rt) };
    case "seq":
      return { ...e, elts: e.elts.map(sub) };
    case "fstr":
    case "other":
      return { ...e, parts: e.parts.map(sub) };
    default:
      return e;
  }
}
