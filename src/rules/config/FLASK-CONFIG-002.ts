import type { Expr, R } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import { envKindOf, type ConfigClass, type ConfigLoad, type Project } from "../../link/project.js";
import type { RuleContext } from "../define.js";
import { defineRule } from "../define.js";
import { callersOf, envLookupDefault, isDevDeploymentFile } from "../support.js";
import { envVarRead } from "./secret-leaks.js";
import { dictLiteral, moduleExprs, subExprs } from "./sources.js";

/** Values that name a development or test environment. */
const DEV_NAMES = /^(dev|develop|development|local|debug|test|testing)$/i;
/** Values that name production. */
const PROD_NAMES = /^(prod|production|live)$/i;
const REQUEST_PROXIES = ["flask.request", "flask.globals.request"];

/** Settings that are unsafe with these values, for the inherited-development check. */
const UNSAFE: Record<string, (v: Expr, truthy: boolean | null) => boolean> = {
  DEBUG: (_v, t) => t === true,
  TESTING: (_v, t) => t === true,
  LOGIN_DISABLED: (_v, t) => t === true,
  EXPLAIN_TEMPLATE_LOADING: (_v, t) => t === true,
  SQLALCHEMY_ECHO: (_v, t) => t === true,
  DEBUG_TB_ENABLED: (_v, t) => t === true,
  WTF_CSRF_ENABLED: (v, t) => t === false && v.k === "bool",
  SESSION_COOKIE_SECURE: (v, t) => t === false && v.k === "bool",
  SESSION_COOKIE_HTTPONLY: (v, t) => t === false && v.k === "bool",
  REMEMBER_COOKIE_SECURE: (v, t) => t === false && v.k === "bool",
  SECRET_KEY: (v) => v.k === "str",
};

/** Stands for the `None` an environment lookup without a default returns: matches no dict key. */
const NO_KEY = "\u0000none";

/** What an expression evaluates to when an environment variable is unset: a string or an expression. */
type Unset = { s: string; env: string } | { e: Expr; mod: ModuleInfo; scope: string; env: string };

/**
 * The values `e` takes when the environment variable it reads is missing: the lookup's default
 * (`os.environ.get("X", "development")`), the right side of `os.getenv("X") or "default"`, followed through
 * local variables and function parameters (the arguments callers pass). Lookups without a default are left
 * out: `None` makes the selection fail loudly, which is the safe outcome.
 */
function unsetValues(project: Project, mod: ModuleInfo, scope: string, e: Expr, depth = 0): Unset[] {
  if (depth > 4) return [];
  const env = envVarRead(project, mod, scope, e);
  if (env) {
    const d = envLookupDefault(project, mod, scope, e);
    if (!d) return [];
    const s = project.constString(mod, scope, d);
    return [s !== null ? { s, env } : { e: d, mod, scope, env }];
  }
  if (e.k === "boolop" && e.op === "or") {
    const lenv = envVarRead(project, mod, scope, e.l);
    if (lenv) {
      const s = project.constString(mod, scope, e.rt);
      return [s !== null ? { s, env: lenv } : { e: e.rt, mod, scope, env: lenv }];
    }
    // `name or os.environ.get(...)`: the right side decides when the name is empty.
    return [...unsetValues(project, mod, scope, e.l, depth + 1), ...unsetValues(project, mod, scope, e.rt, depth + 1)];
  }
  if (e.k !== "name") return [];
  const out: Unset[] = [];
  for (const a of project.resolver.assignsIn(mod, scope)) {
    if (a.targets.some((t) => t.k === "name" && t.id === e.id) && a.value !== e) out.push(...unsetValues(project, mod, scope, a.value, depth + 1));
  }
  // A parameter of the enclosing function: what its callers pass.
  const def = scope ? project.resolver.def(mod, scope) : undefined;
  const index = def?.kind === "function" ? def.params.findIndex((p) => p.name === e.id) : -1;
  if (def && index >= 0) {
    for (const c of callersOf(project, mod, def)) {
      // Development scripts and tests may default to development; only production callers count.
      if (!production(project, c.mod, c.call)) continue;
      const arg = c.call.call.args[index] ?? c.call.call.kw.find((k) => k.name === e.id)?.value;
      if (arg) out.push(...unsetValues(project, c.mod, c.call.scope, arg, depth + 1));
    }
  }
  return out;
}

/** A development or testing config class that a fallback selects, or null. */
function devClassOf(project: Project, load: ConfigLoad, u: Unset): ConfigClass | null {
  const arg = load.arg!;
  const pick = (e: Expr, mod: ModuleInfo, scope: string): ConfigClass | null => {
    for (const v of project.resolve(mod, scope, e)) {
      if (v.t !== "def" || v.def.kind !== "class") continue;
      const env = envKindOf(v.def.name);
      if (env === "development" || env === "testing") return project.configClasses.find((c) => c.def === v.def) ?? { mod: v.mod, def: v.def, env, loaded: false };
    }
    return null;
  };
  // configs[key] / configs.get(key, Default)
  let holder: Expr | null = null;
  let fallback: Expr | null = null;
  if (arg.k === "sub") holder = arg.obj;
  else if (arg.k === "call" && arg.fn.k === "attr" && arg.fn.name === "get" && !envVarRead(project, load.mod, load.where.scope, arg)) {
    holder = arg.fn.obj;
    fallback = arg.args[1] ?? null;
  }
  if (holder) {
    const dict = dictLiteral(project, load.mod, load.where.scope, holder);
    if (!dict) return null;
    if ("s" in u) {
      const item = dict.items.find((i) => i.key && project.constString(dict.mod, "", i.key) === u.s);
      if (item) return pick(item.value, dict.mod, "");
      return fallback ? pick(fallback, load.mod, load.where.scope) : null;
    }
    return null;
  }
  // from_object(os.environ.get("APP_SETTINGS", "config.DevelopmentConfig")) or a class as the default
  if ("e" in u) return pick(u.e, u.mod, u.scope);
  const dot = u.s.lastIndexOf(".");
  if (dot <= 0) return null;
  const owner = project.modules.get(u.s.slice(0, dot), load.mod);
  const def = owner ? project.resolver.def(owner, u.s.slice(dot + 1)) : undefined;
  if (!owner || def?.kind !== "class") return null;
  const env = envKindOf(def.name);
  return env === "development" || env === "testing" ? (project.configClasses.find((c) => c.def === def) ?? { mod: owner, def, env, loaded: false }) : null;
}

/** The environment variable names a production deployment file sets. */
function deployedEnv(project: Project): Map<string, string> {
  const out = new Map<string, string>();
  for (const { file, env } of project.envSettings()) {
    if (file.subkind === "dotenv-example" || isDevDeploymentFile(file)) continue;
    if (!out.has(env.name)) out.set(env.name, `${file.path} sets ${env.name}=${env.value}`);
  }
  return out;
}

function production(project: Project, mod: ModuleInfo, where: Parameters<Project["contextOf"]>[1]): boolean {
  const ctx = project.contextOf(mod, where);
  return !ctx.test && !ctx.devOnly;
}

/** from_object / from_pyfile / from_envvar arguments that come from the request. */
function checkUserSelected(project: Project, report: RuleContext["report"]): void {
  for (const load of project.configLoads) {
    if (!load.arg || !["from_object", "from_pyfile", "from_file", "from_envvar"].includes(load.method)) continue;
    const source = requestSource(project, load.mod, load.where.scope, load.arg);
    if (!source) continue;
    report({
      file: load.mod.path,
      range: toRange(load.r),
      message: `\`${load.method}\` loads configuration named by ${source}: a client can pick which settings (or which module) the app loads.`,
      severity: "high",
      confidence: "high",
      scope: load.where.scope,
    });
  }
}

/** A description of the request value an expression is built from (one local variable deep), or null. */
function requestSource(project: Project, mod: ModuleInfo, scope: string, e: Expr, depth = 0): string | null {
  for (const s of subExprs(e)) {
    if (s.k === "attr" && project.extPaths(mod, scope, s.obj).some((p) => REQUEST_PROXIES.includes(p))) return `\`request.${s.name}\``;
    if (s.k === "name" && depth === 0) {
      for (const a of project.resolver.assignsIn(mod, scope)) {
        if (!a.targets.some((t) => t.k === "name" && t.id === s.id)) continue;
        const r = requestSource(project, mod, scope, a.value, depth + 1);
        if (r) return r;
      }
    }
  }
  return null;
}

/** Config selection that falls back to a development or testing class when an environment variable is missing. */
function checkFallbackSelection(project: Project, report: RuleContext["report"], handled: Set<string>): void {
  const deployed = deployedEnv(project);
  for (const load of project.configLoads) {
    if (load.method !== "from_object" || !load.arg || !production(project, load.mod, load.where)) continue;
    const arg: Expr = load.arg;
    let keyExpr: Expr | null = null;
    if (arg.k === "sub") keyExpr = arg.key;
    else if (arg.k === "call" && arg.fn.k === "attr" && arg.fn.name === "get" && arg.args[0] && !envVarRead(project, load.mod, load.where.scope, arg)) keyExpr = arg.args[0];
    const unset = unsetValues(project, load.mod, load.where.scope, keyExpr ?? arg);
    // `configs.get(os.getenv("X"), Default)`: an unset variable gives None, so `.get` returns its default.
    const keyEnv = keyExpr && arg.k === "call" && arg.args[1] ? envVarRead(project, load.mod, load.where.scope, keyExpr) : null;
    if (keyEnv && !envLookupDefault(project, load.mod, load.where.scope, keyExpr!)) unset.push({ s: NO_KEY, env: keyEnv });
    for (const u of unset) {
      const cls = devClassOf(project, load, u);
      if (!cls) continue;
      const debug = project.configAttr(cls, "DEBUG");
      const debugOn = debug ? project.truthy(debug.owner.mod, debug.owner.def.qualname, debug.assign.value) === true : false;
      const set = deployed.get(u.env);
      const chosen = "s" in u && u.s !== NO_KEY ? `"${u.s}"` : "the default";
      handled.add(u.env);
      report({
        file: load.mod.path,
        range: toRange(load.r),
        message: `When ${u.env} is not set, this selects ${chosen} and loads \`${cls.def.name}\`, a ${cls.env} configuration${debugOn ? " with DEBUG on" : ""}; a production host that forgets the variable runs with development settings instead of refusing to start.`,
        severity: debugOn ? "high" : "medium",
        confidence: set ? "low" : "medium",
        scope: load.where.scope,
        context: set ? [`${set}, so that deployment does not use the fallback`] : [],
      });
      break;
    }
  }
}

/** A production config class that inherits unsafe values from a development or testing class. */
function checkInheritedDevelopment(project: Project, report: RuleContext["report"]): void {
  for (const cc of project.configClasses) {
    if (cc.env !== "production") continue;
    const devBases = devAncestors(project, cc);
    if (devBases.length === 0) continue;
    const inherited = new Map<ConfigClass, string[]>();
    for (const key of Object.keys(UNSAFE)) {
      const found = project.configAttr(cc, key);
      if (!found || !devBases.includes(found.owner)) continue;
      const value = found.assign.value;
      if (UNSAFE[key]!(value, project.truthy(found.owner.mod, found.owner.def.qualname, value))) inherited.set(found.owner, [...(inherited.get(found.owner) ?? []), key]);
    }
    if (inherited.size === 0) continue;
    const keys = [...inherited.values()].flat();
    const from = [...inherited].map(([owner, ks]) => `${ks.join(", ")} (set in the ${owner.env} class \`${owner.def.name}\`)`).join("; ");
    report({
      file: cc.mod.path,
      range: toRange(cc.def.nameR),
      message: `\`${cc.def.name}\` derives from a ${devBases[0]!.env} configuration and keeps its unsafe values: ${from}.`,
      severity: keys.some((k) => k === "DEBUG" || k === "SECRET_KEY" || k === "LOGIN_DISABLED") ? "high" : "medium",
      confidence: "high",
      scope: cc.def.qualname,
    });
  }
}

/** Development and testing classes among a config class's ancestors. */
function devAncestors(project: Project, cc: ConfigClass, seen = new Set<string>()): ConfigClass[] {
  const out: ConfigClass[] = [];
  for (const b of cc.def.bases) {
    for (const v of project.resolve(cc.mod, "", b)) {
      if (v.t !== "def" || v.def.kind !== "class") continue;
      const key = `${v.mod.path}:${v.def.qualname}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const base = project.configClasses.find((c) => c.def === v.def);
      if (!base) continue;
      if (base.env === "development" || base.env === "testing") out.push(base);
      out.push(...devAncestors(project, base, seen));
    }
  }
  return out;
}

/** Reads of the `ENV` setting or `app.env` (removed in Flask 2.3), and FLASK_ENV lookups that default to development. */
function checkRemovedEnv(project: Project, report: RuleContext["report"], handled: Set<string>): void {
  const ownEnv = project.configWrites.some((w) => w.key === "ENV" && production(project, w.mod, w.where));
  const deployed = deployedEnv(project);
  for (const mod of project.pythonModules()) {
    const seen = new Set<R>();
    for (const { e, where, r } of moduleExprs(mod)) {
      for (const s of subExprs(e)) {
        // Cheap shape checks first: resolution is only worth it for `x.config[...]`, `.get("ENV")`, `.env` and lookups of "FLASK_ENV".
        const shape = envShape(s);
        if (!shape) continue;
        const what = ownEnv || shape !== "env" ? null : removedEnvRead(project, mod, where.scope, s);
        const flaskEnv = shape === "flask_env" && envVarRead(project, mod, where.scope, s) === "FLASK_ENV" ? s : null;
        if (!what && !flaskEnv) continue;
        // A call is a fact of its own and also part of the statement around it: report it once, on the call.
        const at = s.k === "call" ? s.r : r;
        if (seen.has(at) || !production(project, mod, where)) continue;
        if (what) {
          seen.add(at);
          report({
            file: mod.path,
            range: toRange(at),
            message: `${what} reads the environment name that Flask 2.3 removed: current versions never set it, so a check based on it no longer tells production from development (it reads \`None\` or fails).`,
            severity: "medium",
            confidence: "medium",
            scope: where.scope,
          });
          continue;
        }
        if (handled.has("FLASK_ENV")) continue;
        const d = envLookupDefault(project, mod, where.scope, flaskEnv!);
        const fallback = d ? project.constString(mod, where.scope, d) : null;
        if (fallback === null || !DEV_NAMES.test(fallback.trim()) || PROD_NAMES.test(fallback.trim())) continue;
        seen.add(at);
        const set = deployed.get("FLASK_ENV");
        report({
          file: mod.path,
          range: toRange(at),
          message:
            flaskEnv!.k === "call" && project.extPaths(mod, where.scope, flaskEnv!.fn).includes("os.environ.setdefault")
              ? `FLASK_ENV is set to "${fallback}" wherever the deployment does not set it: older Flask versions then run in development mode, and code that checks the variable behaves as in development.`
              : `FLASK_ENV is read with a default of "${fallback}": Flask 2.3 dropped the variable, so deployments stop setting it and this code then behaves as in development.`,
          severity: "medium",
          confidence: set ? "low" : "medium",
          scope: where.scope,
          context: set ? [`${set}, so that deployment does not use the default`] : [],
        });
      }
    }
  }
}

/** Which check an expression's syntax makes it a candidate for, before any name is resolved. */
function envShape(e: Expr): "env" | "flask_env" | null {
  const isStr = (x: Expr | undefined, v: string) => x?.k === "str" && x.v === v;
  if (e.k === "attr" && e.name === "env") return "env";
  if (e.k === "sub") {
    if (isStr(e.key, "ENV") && e.obj.k === "attr" && e.obj.name === "config") return "env";
    if (isStr(e.key, "FLASK_ENV")) return "flask_env";
    return null;
  }
  if (e.k === "call" && e.fn.k === "attr" && e.fn.name === "get" && isStr(e.args[0], "ENV")) return "env";
  if (e.k === "call" && isStr(e.args[0], "FLASK_ENV")) return "flask_env";
  return null;
}

/** Describes a read of Flask's removed `ENV` setting on an app, or null. */
function removedEnvRead(project: Project, mod: ModuleInfo, scope: string, e: Expr): string | null {
  if (e.k === "sub" && e.obj.k === "attr" && e.obj.name === "config" && project.constString(mod, scope, e.key) === "ENV" && project.appsOf(mod, scope, e.obj.obj).isApp) return '`app.config["ENV"]`';
  if (e.k === "call" && e.fn.k === "attr" && e.fn.name === "get" && e.fn.obj.k === "attr" && e.fn.obj.name === "config" && e.args[0] && project.constString(mod, scope, e.args[0]) === "ENV" && project.appsOf(mod, scope, e.fn.obj.obj).isApp) return '`app.config.get("ENV")`';
  if (e.k === "attr" && e.name === "env" && project.appsOf(mod, scope, e.obj).isApp) return "`app.env`";
  return null;
}

export default defineRule({
  id: "FLASK-CONFIG-002",
  title: "Production and development configuration not kept apart",
  family: "config",
  severity: "medium",
  confidence: "medium",
  cwe: [1188, 15],
  owasp: "A05:2021",
  tags: ["configuration", "environment", "fail-open"],
  impact:
    "When the code that tells production from development stops working or guesses wrong, production silently runs with development settings: debug mode and its console, test keys, relaxed cookies and CSRF checks. When a client can name the configuration, they choose those settings themselves.",
  fix: "Select the configuration from one explicit variable with no development default, and fail at start-up when it is missing or unknown (`configs[os.environ[\"APP_ENV\"]]`). Derive production classes from a safe base class, never from a development one. Replace `FLASK_ENV`, `app.env` and `app.config[\"ENV\"]` with your own setting (for example `APP_ENV`) or with `app.debug`.",
  mitigation: "Set the selecting variable explicitly in every production deployment file, and check at start-up that DEBUG and TESTING are off.",
  docs: {
    what:
      "Finds four ways production ends up with development settings: code that reads Flask's removed `ENV` setting (`app.config[\"ENV\"]`, `app.config.get(\"ENV\")`, `app.env`) or reads `FLASK_ENV` with a development default (or fills it in with `os.environ.setdefault(\"FLASK_ENV\", \"development\")`); a `from_object` config selection that falls back to a development or testing class when its environment variable is missing (`configs[os.getenv(\"APP_ENV\", \"development\")]`, `os.getenv(\"FLASK_CONFIG\") or \"default\"` where `default` maps to `DevelopmentConfig`, also through the parameter of an app factory); a production config class that inherits from a development or testing class without overriding its unsafe values (DEBUG, TESTING, LOGIN_DISABLED, disabled CSRF or cookie flags, a literal SECRET_KEY); and `from_object`, `from_pyfile`, `from_file` or `from_envvar` called with a value taken from the request.",
    why:
      "Flask 2.3 removed the `ENV` setting and the `FLASK_ENV` variable. Code written for older versions keeps running but its environment checks quietly change meaning, and deployments that followed the deprecation warning no longer set the variable. A selection that defaults to development has the same effect: forgetting one variable on one host turns debug mode on there. Inheriting a development class copies its shortcuts into production unless each one is overridden.",
    bad: 'config = {"development": DevelopmentConfig, "production": ProductionConfig, "default": DevelopmentConfig}\napp = create_app(os.getenv("FLASK_CONFIG") or "default")\n\nclass ProductionConfig(DevelopmentConfig):\n    SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]\n\nif app.config.get("ENV") == "production":\n    talisman.init_app(app)',
    good: 'config = {"development": DevelopmentConfig, "production": ProductionConfig}\napp = create_app(os.environ["APP_ENV"])   # KeyError at start-up when missing\n\nclass ProductionConfig(BaseConfig):\n    SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]\n\nif not app.debug:\n    talisman.init_app(app)',
    detection:
      "The receiver of `config`/`env` must resolve to a Flask app and the lookups to `os.environ`/`os.getenv`. Reads of `ENV` are not reported when the project writes `ENV` itself. A FLASK_ENV lookup is reported only when its default names development or testing; a lookup without a default yields `None`, whose effect depends on the comparison, which the index does not keep. The selection check follows the key from the `from_object` call back through local variables, `or` fallbacks and factory parameters to the environment lookup, then looks the default key up in the dict literal of classes (in this module or an imported one), or takes the default of `configs.get(key, Default)` when the lookup has none; it reports only when that lands on a development or testing class (by name), as high when that class has DEBUG on. A lookup without a default fails with a KeyError, which is the safe outcome, and is not reported. Findings are marked low confidence when a production deployment file sets the variable. Code in tests and `__main__` blocks is ignored; config classes are judged by their names (`ProductionConfig`, `DevelopmentConfig`, `TestingConfig`).",
    falsePositives:
      "A fallback to a development class is harmless where every deployment sets the variable through a channel the scanner cannot see (an orchestrator, a secrets manager); even then, failing closed costs nothing. An `ENV` read that only picks a log format is not a security decision; suppress it with a reason.",
    references: [
      "https://flask.palletsprojects.com/en/stable/changes/#version-2-3-0",
      "https://flask.palletsprojects.com/en/stable/config/#development-production",
      "https://flask.palletsprojects.com/en/stable/config/#configuring-from-python-files",
      "https://cwe.mitre.org/data/definitions/1188.html",
    ],
  },
  check({ project, report }) {
    // Not a Flask project: nothing here is an app's configuration.
    if (project.apps.length === 0 && !project.pythonModules().some((m) => m.index.imports.some((i) => i.module === "flask" || i.module.startsWith("flask.")))) return;
    const handled = new Set<string>();
    checkUserSelected(project, report);
    checkFallbackSelection(project, report, handled);
    checkInheritedDevelopment(project, report);
    checkRemovedEnv(project, report, handled);
  },
});
