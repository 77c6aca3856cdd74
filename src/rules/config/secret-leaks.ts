/**
 * FLASK-CONFIG-001 helpers beyond the key's own value: old keys kept in SECRET_KEY_FALLBACKS, and
 * secret keys written to the console or a log.
 */
import type { Expr } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { ConfigWrite, Project } from "../../link/project.js";
import type { RuleContext } from "../define.js";
import { writeContext } from "../support.js";

/** Config keys whose values sign or protect something (shared with the key checks). */
export const SECRET_KEYS = new Set(["SECRET_KEY", "JWT_SECRET_KEY", "WTF_CSRF_SECRET_KEY", "SECURITY_PASSWORD_SALT"]);

const ENV_READS = new Set(["os.environ.get", "os.getenv", "os.environ.setdefault"]);
const LOG_METHODS = new Set(["debug", "info", "warning", "warn", "error", "critical", "exception", "log"]);

/** The environment variable an expression reads (`os.environ["X"]`, `os.getenv("X")`), or null. */
export function envVarRead(project: Project, mod: ModuleInfo, scope: string, e: Expr): string | null {
  if (e.k === "sub") {
    if (!project.extPaths(mod, scope, e.obj).includes("os.environ")) return null;
    return project.constString(mod, scope, e.key);
  }
  if (e.k === "call" && e.args[0]) {
    const paths = project.extPaths(mod, scope, e.fn);
    if (!paths.some((p) => ENV_READS.has(p))) return null;
    return project.constString(mod, scope, e.args[0]);
  }
  return null;
}

/**
 * The secret key an expression reads from a Flask app (`app.config["SECRET_KEY"]`, `app.config.get(...)`,
 * `app.secret_key`), from the environment, or the whole `app.config` mapping ("config"); null otherwise.
 * Follows one local assignment (`key = app.config["SECRET_KEY"]; print(key)`).
 */
export function secretRead(project: Project, mod: ModuleInfo, scope: string, e: Expr, depth = 0): string | null {
  if (e.k === "sub" && e.obj.k === "attr" && e.obj.name === "config" && project.appsOf(mod, scope, e.obj.obj).isApp) {
    const key = project.constString(mod, scope, e.key);
    return key && SECRET_KEYS.has(key) ? key : null;
  }
  if (e.k === "call" && e.fn.k === "attr" && e.fn.name === "get" && e.fn.obj.k === "attr" && e.fn.obj.name === "config" && e.args[0]) {
    if (!project.appsOf(mod, scope, e.fn.obj.obj).isApp) return null;
    const key = project.constString(mod, scope, e.args[0]);
    return key && SECRET_KEYS.has(key) ? key : null;
  }
  if (e.k === "attr" && e.name === "secret_key" && project.appsOf(mod, scope, e.obj).isApp) return "SECRET_KEY";
  if (e.k === "attr" && e.name === "config" && project.appsOf(mod, scope, e.obj).isApp) return "config";
  const env = envVarRead(project, mod, scope, e);
  if (env && SECRET_KEYS.has(env)) return env;
  if (e.k === "fstr") {
    for (const p of e.parts) {
      const r = secretRead(project, mod, scope, p, depth);
      if (r) return r;
    }
  }
  if (e.k === "call" && e.fn.k === "name" && (e.fn.id === "str" || e.fn.id === "repr") && e.args[0]) return secretRead(project, mod, scope, e.args[0], depth);
  if (e.k === "name" && depth === 0) {
    for (const a of project.resolver.assignsIn(mod, scope)) {
      if (a.targets.some((t) => t.k === "name" && t.id === e.id)) {
        const r = secretRead(project, mod, scope, a.value, depth + 1);
        if (r) return r;
      }
    }
  }
  return null;
}

/** Whether a call writes its arguments to the console or a log: `print`, `logging.*`, a logger, `app.logger.*`. */
function isOutputCall(project: Project, mod: ModuleInfo, scope: string, fn: Expr): "print" | "log" | null {
  if (fn.k === "name" && fn.id === "print") return project.extPaths(mod, scope, fn).includes("builtins.print") ? "print" : null;
  if (fn.k !== "attr" || !LOG_METHODS.has(fn.name)) return null;
  if (fn.obj.k === "attr" && fn.obj.name === "logger" && project.appsOf(mod, scope, fn.obj.obj).isApp) return "log";
  for (const p of project.extPaths(mod, scope, fn)) {
    if (/^logging\.(getLogger\(\)\.)?[a-z]+$/.test(p) || /^loguru\.logger\.[a-z]+$/.test(p) || /^structlog\.(get_logger|getLogger)\(\)\.[a-z]+$/.test(p)) return "log";
  }
  return null;
}

/** Whether a scope is (inside) a CLI command (`@app.cli.command()`, `@click.command()`): output goes to the operator's terminal. */
function inCliCommand(project: Project, mod: ModuleInfo, scope: string): boolean {
  if (!scope) return false;
  const parts = scope.split(".");
  for (let i = 1; i <= parts.length; i++) {
    const def = project.resolver.def(mod, parts.slice(0, i).join("."));
    if (def?.kind !== "function") continue;
    for (const d of def.decorators) {
      const fn = d.k === "call" ? d.fn : d;
      if (fn.k === "attr" && (fn.name === "command" || fn.name === "group")) return true;
    }
  }
  return false;
}

/** Reports secret keys passed to print or a logger in production code. */
export function reportLoggedSecrets(project: Project, report: RuleContext["report"]): void {
  for (const mod of project.pythonModules()) {
    for (const c of mod.index.calls) {
      const kind = isOutputCall(project, mod, c.scope, c.call.fn);
      if (!kind) continue;
      const ctx = project.contextOf(mod, c);
      if (ctx.test || ctx.devOnly || inCliCommand(project, mod, c.scope)) continue;
      for (const a of [...c.call.args, ...c.call.kw.filter((k) => k.name !== null).map((k) => k.value)]) {
        const key = secretRead(project, mod, c.scope, a);
        if (!key) continue;
        const what = key === "config" ? "the whole app config, SECRET_KEY included," : key;
        report({
          file: mod.path,
          range: toRange(c.call.r),
          message: `${what} is ${kind === "print" ? "printed to standard output" : "written to the log"}; logs are kept, shipped and read by far more people than should hold the signing key.`,
          severity: key === "config" ? "medium" : "high",
          confidence: "high",
          scope: c.scope,
        });
        break;
      }
    }
  }
}

/**
 * Reports SECRET_KEY_FALLBACKS entries that are literals (an old key is still a key) or that repeat the
 * current key (which defeats the rotation the setting exists for).
 */
export function reportFallbacks(project: Project, report: RuleContext["report"]): void {
  const keyWrites = project.configWrites.filter((w) => w.key === "SECRET_KEY");
  for (const w of project.configWrites) {
    if (w.key !== "SECRET_KEY_FALLBACKS" || w.value.k !== "seq") continue;
    const { ctx } = writeContext(project, w);
    if (ctx.test || ctx.devOnly) continue;
    for (const el of w.value.elts) {
      const lit = project.constString(w.mod, w.where.scope, el);
      if (lit !== null && lit.length > 0) {
        report({
          file: w.mod.path,
          range: toRange(w.r),
          message: "SECRET_KEY_FALLBACKS holds a hard-coded key: a retired key still signs valid sessions, so committing it leaks a working key.",
          scope: w.where.scope,
          context: ctx.reasons,
        });
        break;
      }
      if (sameAsKey(project, w, el, keyWrites)) {
        report({
          file: w.mod.path,
          range: toRange(w.r),
          message: "SECRET_KEY_FALLBACKS repeats the current SECRET_KEY, so the list never retires anything; it should hold only the previous keys, for the rotation window.",
          severity: "medium",
          confidence: "medium",
          scope: w.where.scope,
          context: ctx.reasons,
        });
        break;
      }
    }
  }
}

/** Whether a fallback entry is the current key: the same environment variable or the same name. */
function sameAsKey(project: Project, w: ConfigWrite, el: Expr, keyWrites: ConfigWrite[]): boolean {
  const env = envVarRead(project, w.mod, w.where.scope, el);
  if (env === "SECRET_KEY") return true;
  if (el.k === "name" && el.id === "SECRET_KEY") return true;
  if (el.k === "attr" && el.name === "SECRET_KEY") return true;
  if (secretRead(project, w.mod, w.where.scope, el) === "SECRET_KEY") return true;
  for (const k of keyWrites) {
    if (k.configClass !== w.configClass && !(k.apps.some((a) => w.apps.includes(a)))) continue;
    if (env !== null && envVarRead(project, k.mod, k.where.scope, k.value) === env) return true;
  }
  return false;
}
