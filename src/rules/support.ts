/** Helpers that several rules share: context decisions over the project model. */
import type { CommandLine } from "../index/deploy/types.js";
import type { CallFact, DefFact, Expr } from "../index/ir.js";
import type { ModuleInfo } from "../link/modules.js";
import type { ConfigClass, ConfigWrite, FactContext, Project } from "../link/project.js";
import { commandSegments } from "../link/commands.js";

export { isDevDeploymentFile } from "../link/project.js";

/** Why a config-class value does or does not reach production. */
export interface ClassReach {
  /** Non-development classes for which this assignment is the effective value. */
  production: ConfigClass[];
  /** Reason the value stays out of production, when `production` is empty. */
  devReason: string | null;
}

/**
 * For a write that comes from a config class attribute: which non-dev classes end up with this value,
 * following inheritance (a base class value counts through every subclass that does not override it).
 */
export function classReach(project: Project, w: ConfigWrite): ClassReach {
  const cc = w.configClass;
  if (!cc) return { production: [], devReason: null };
  if (cc.env === "development" || cc.env === "testing") return { production: [], devReason: `defined in \`${cc.def.name}\`, a ${cc.env} configuration` };
  const candidates = [cc, ...project.subclassesOf(cc)];
  const production = candidates.filter((c) => {
    if (c.env === "development" || c.env === "testing") return false;
    // An unloaded base class with subclasses is only a template for them.
    if (c === cc && !c.loaded && candidates.length > 1) return false;
    return project.configAttr(c, w.key)?.assign === w.where;
  });
  if (production.length > 0) return { production, devReason: null };
  return { production: [], devReason: `every non-development subclass of \`${cc.def.name}\` overrides ${w.key}` };
}

/**
 * Context of a config write: test file, dev-only block, dev/test config class, or a dev-only module constant.
 * Returns the reasons that keep it out of production, or an empty list when it reaches production.
 */
export function writeContext(project: Project, w: ConfigWrite): { ctx: FactContext; reach: ClassReach | null } {
  const ctx = project.contextOf(w.mod, w.where);
  if (w.via === "from_object" && w.configClass) {
    const reach = classReach(project, w);
    if (reach.production.length === 0 && reach.devReason) ctx.reasons.push(reach.devReason);
    return { ctx: { ...ctx, devOnly: ctx.devOnly || reach.production.length === 0 }, reach };
  }
  if (w.via === "module-constant") {
    const stem = w.mod.path.replace(/^.*\//, "").replace(/\.py$/, "");
    if (/(^|_)(dev|development|local|test|testing)(_|$)/i.test(stem)) {
      ctx.devOnly = true;
      ctx.reasons.push(`${w.mod.path} is a development or test settings module`);
    }
  }
  // A write inside a function counts only if the function can run outside development.
  if (!ctx.devOnly && !ctx.test && w.where.scope) {
    const callers = functionReach(project, w.mod, w.where.scope);
    if (callers === "dev-only") {
      ctx.devOnly = true;
      ctx.reasons.push(`\`${w.where.scope}\` is only called from development or test code`);
    }
  }
  return { ctx, reach: null };
}

/**
 * Whether a `run()` call reaches production, and the reasons to show: null when it sits in a test,
 * a dev-only block, or a function only development code calls. A `__main__` block counts when a
 * deployment file starts its file directly; `launch` is that command.
 */
export function runCallReach(project: Project, mod: ModuleInfo, c: CallFact): { reasons: string[]; launch?: CommandLine } | null {
  const ctx = project.contextOf(mod, c);
  if (ctx.test || ctx.devOnly) return null;
  if (c.scope && functionReach(project, mod, c.scope) !== "production") return null;
  const launch = c.mainGuard ? project.launchedDirectly.get(mod.path) : undefined;
  if (!launch) return { reasons: ctx.reasons };
  return { reasons: [...ctx.reasons, `the \`__main__\` block is the production entrypoint: a deployment file runs \`${launch.text}\``], launch };
}

/** The default of an environment lookup (`os.environ.get("X", d)`, `os.getenv("X", d)`, `setdefault`), or null. */
export function envLookupDefault(project: Project, mod: ModuleInfo, scope: string, e: Expr): Expr | null {
  if (e.k !== "call") return null;
  if (!project.extPaths(mod, scope, e.fn).some((p) => ENV_LOOKUPS.has(p))) return null;
  return e.args[1] ?? e.kw.find((k) => k.name === "default")?.value ?? null;
}

const ENV_LOOKUPS = new Set(["os.environ.get", "os.getenv", "os.environ.setdefault"]);

/**
 * Whether a function can run in production: "production" when some caller is production code,
 * "dev-only" when every caller is a test or dev-only block, "uncalled" when nothing in the project calls it.
 */
export function functionReach(project: Project, mod: ModuleInfo, qualname: string, depth = 0): "production" | "dev-only" | "uncalled" {
  const top = qualname.split(".")[0]!;
  const def = project.resolver.def(mod, top);
  if (!def || def.kind !== "function") return "production";
  const callers = callersOf(project, mod, def);
  if (callers.length === 0) return "uncalled";
  for (const c of callers) {
    const ctx = project.contextOf(c.mod, c.call);
    if (ctx.test || ctx.devOnly) continue;
    if (c.call.scope === "" || depth > 4) return "production";
    if (functionReach(project, c.mod, c.call.scope, depth + 1) !== "dev-only") return "production";
  }
  return "dev-only";
}

/** Call sites (in the whole project) whose callee resolves to this function. */
export function callersOf(project: Project, mod: ModuleInfo, def: DefFact): { mod: ModuleInfo; call: CallFact }[] {
  const out: { mod: ModuleInfo; call: CallFact }[] = [];
  for (const m of project.pythonModules()) {
    for (const c of m.index.calls) {
      const fn = c.call.fn;
      const name = fn.k === "name" ? fn.id : fn.k === "attr" ? fn.name : null;
      if (name !== def.name) continue;
      if (project.resolve(m, c.scope, fn).some((v) => v.t === "def" && v.def === def && v.mod === mod)) out.push({ mod: m, call: c });
    }
  }
  return out;
}

/** Values of environment flags that mean "on". */
export function envTruthy(value: string): boolean {
  return /^(1|true|yes|on)$/i.test(value.trim());
}

/** Options of the `flask` command that take a separate value. */
const FLASK_VALUE_OPTIONS = new Set(["--app", "-A", "--env-file", "-e"]);

/**
 * Whether a command runs Flask's development server (`flask run`, `python -m flask run`), also inside
 * `sh -c "..."` wrappers and `&&` chains. Other flask subcommands (`flask db upgrade`) are not the server.
 */
export function runsFlaskDevServer(argv: string[]): { index: number; debug: boolean } | null {
  for (const segment of commandSegments(argv)) {
    const flask = segment.findIndex((a, i) => /(^|\/)flask$/.test(a) || (a === "-m" && segment[i + 1] === "flask"));
    if (flask < 0) continue;
    const rest = segment.slice(segment[flask] === "-m" ? flask + 2 : flask + 1);
    // The subcommand is the first word that is neither an option nor an option's value.
    let sub = -1;
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i]!;
      if (FLASK_VALUE_OPTIONS.has(a)) i++;
      else if (!a.startsWith("-")) {
        sub = i;
        break;
      }
    }
    if (sub < 0 || rest[sub] !== "run") continue;
    const debug = rest.includes("--debug") || rest.includes("--debugger");
    return { index: flask, debug };
  }
  return null;
}
