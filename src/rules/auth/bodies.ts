/**
 * Function bodies as the secret-check and HTTP-method rules read them: the lowered statements of every
 * function in a module that reaches Flask (see src/index/body.ts), with the if-conditions around each
 * expression, local assignments, and what a value is (request data, an environment or config secret).
 */
import type { DefFact, Expr } from "../../index/ir.js";
import { startOf } from "../../index/ir.js";
import type { Step } from "../../index/body.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { Project } from "../../link/project.js";
import { walkExpr } from "../session/facts.js";

export interface FunctionBody {
  mod: ModuleInfo;
  def: DefFact;
  steps: Step[];
}

/** A branch condition around an expression; `negated` for the else branch. */
export interface Cond {
  test: Expr;
  negated: boolean;
}

/** Lowered bodies of every function whose module reaches Flask. */
export function functionBodies(project: Project): FunctionBody[] {
  const out: FunctionBody[] = [];
  for (const mod of project.flaskModules()) {
    const bodies = mod.index.bodies;
    if (!bodies) continue;
    for (const def of mod.index.defs) {
      if (def.kind !== "function") continue;
      const steps = bodies[def.nameR];
      if (steps) out.push({ mod, def, steps });
    }
  }
  return out;
}

/** The body of one function, when its module's bodies were lowered. */
export function bodyOf(mod: ModuleInfo, def: DefFact): Step[] | null {
  return mod.index.bodies?.[def.nameR] ?? null;
}

/**
 * Calls `visit` with every top-level expression of a body (tests, assigned values, statements, returns)
 * and the conditions that must hold for it to run. Paths after an `if` that always leaves (return,
 * raise, abort) get that if's negated test as a condition, so guards written as early exits count.
 */
export function walkBody(steps: Step[], visit: (e: Expr, conds: Cond[], step: Step) => void, conds: Cond[] = []): void {
  const active = [...conds];
  for (const st of steps) {
    switch (st.s) {
      case "assign":
        visit(st.value, active, st);
        for (const t of st.targets) visit(t, active, st);
        break;
      case "expr":
        visit(st.e, active, st);
        break;
      case "return":
        if (st.e) visit(st.e, active, st);
        break;
      case "if":
        visit(st.test, active, st);
        walkBody(st.body, visit, [...active, { test: st.test, negated: false }]);
        walkBody(st.orelse, visit, [...active, { test: st.test, negated: true }]);
        if (leaves(st.body) && st.orelse.length === 0) active.push({ test: st.test, negated: true });
        break;
      case "loop":
        if (st.iter) visit(st.iter, active, st);
        if (st.test) visit(st.test, active, st);
        walkBody(st.body, visit, active);
        walkBody(st.orelse, visit, active);
        break;
      case "with":
        for (const it of st.items) visit(it.e, active, st);
        walkBody(st.body, visit, active);
        break;
      case "try":
        walkBody(st.body, visit, active);
        for (const h of st.handlers) walkBody(h, visit, active);
        walkBody(st.orelse, visit, active);
        walkBody(st.final, visit, active);
        break;
      case "branches":
        visit(st.subject, active, st);
        for (const a of st.arms) walkBody(a, visit, active);
        break;
      default:
        break;
    }
  }
}

/** Whether a block always ends the request path: its last statement returns, raises or aborts. */
export function leaves(steps: Step[]): boolean {
  const last = steps[steps.length - 1];
  if (!last) return false;
  if (last.s === "return" || last.s === "raise") return true;
  if (last.s === "expr" && last.e.k === "call") {
    const fn = last.e.fn;
    const name = fn.k === "name" ? fn.id : fn.k === "attr" ? fn.name : "";
    return name === "abort";
  }
  if (last.s === "if") return leaves(last.body) && leaves(last.orelse);
  return false;
}

/** Values assigned to each plain local name anywhere in the body (flow-insensitive). */
export function localValues(steps: Step[]): Map<string, Expr[]> {
  const out = new Map<string, Expr[]>();
  const add = (name: string, v: Expr) => {
    const l = out.get(name) ?? [];
    l.push(v);
    out.set(name, l);
  };
  const visitSteps = (ss: Step[]) => {
    for (const st of ss) {
      if (st.s === "assign" && st.op === "=") {
        for (const t of st.targets) if (t.k === "name") add(t.id, st.value);
      }
      if (st.s === "if") {
        visitSteps(st.body);
        visitSteps(st.orelse);
      } else if (st.s === "loop") {
        visitSteps(st.body);
        visitSteps(st.orelse);
      } else if (st.s === "with") visitSteps(st.body);
      else if (st.s === "try") {
        visitSteps(st.body);
        for (const h of st.handlers) visitSteps(h);
        visitSteps(st.orelse);
        visitSteps(st.final);
      } else if (st.s === "branches") for (const a of st.arms) visitSteps(a);
      // Walrus bindings inside conditions.
      const e = st.s === "if" ? st.test : st.s === "assign" ? st.value : st.s === "expr" ? st.e : null;
      if (e)
        walkExpr(e, (x) => {
          if (x.k === "other" && x.type === "walrus" && x.parts[0]?.k === "name" && x.parts[1]) add(x.parts[0].id, x.parts[1]);
        });
    }
  };
  visitSteps(steps);
  return out;
}

/** Names an expression mentions (plain names only). */
export function namesIn(e: Expr): Set<string> {
  const out = new Set<string>();
  walkExpr(e, (x) => {
    if (x.k === "name") out.add(x.id);
  });
  return out;
}

const REQUEST = /^(flask(\.globals)?|quart|werkzeug\.local)\.request$/;
/** Request attributes that are dict-like containers of client data. */
const CONTAINERS: Record<string, string> = { headers: "header", args: "query string", form: "form", values: "form or query string", cookies: "cookie", json: "JSON body", files: "upload" };

/** What part of the request an expression reads, and whether it may be None (a `.get` without default). */
export interface RequestRead {
  from: string;
  /** The constant key read ("X-API-Key", "token"), when known. */
  key: string | null;
  mayBeNone: boolean;
}

function isRequest(project: Project, mod: ModuleInfo, scope: string, e: Expr): boolean {
  return project.extPaths(mod, scope, e).some((p) => REQUEST.test(p));
}

/** The request container an expression is (`request.args`, `request.get_json()`), or null. */
export function requestContainer(project: Project, mod: ModuleInfo, scope: string, e: Expr): string | null {
  if (e.k === "attr" && CONTAINERS[e.name] && isRequest(project, mod, scope, e.obj)) return CONTAINERS[e.name]!;
  if (e.k === "call" && e.fn.k === "attr" && e.fn.name === "get_json" && isRequest(project, mod, scope, e.fn.obj)) return CONTAINERS.json!;
  return null;
}

/**
 * Classifies a value as request data, following local assignments: `request.headers.get("X")`,
 * `request.args["k"]`, `a or b`, and string methods applied to them.
 */
export function requestRead(project: Project, mod: ModuleInfo, scope: string, e: Expr, locals: Map<string, Expr[]>, depth = 0): RequestRead | null {
  if (depth > 6) return null;
  switch (e.k) {
    case "call": {
      const fn = e.fn;
      if (fn.k !== "attr") return null;
      const container = requestContainer(project, mod, scope, fn.obj);
      if (container && fn.name === "get") {
        const key = e.args[0]?.k === "str" ? e.args[0].v : null;
        const dflt = e.args[1] ?? e.kw.find((k) => k.name === "default")?.value;
        return { from: container, key, mayBeNone: !dflt || dflt.k === "none" };
      }
      // A method on request data (`.strip()`, `.encode()`) raises on None rather than passing it on.
      const inner = requestRead(project, mod, scope, fn.obj, locals, depth + 1);
      return inner ? { ...inner, mayBeNone: false } : null;
    }
    case "sub": {
      const container = requestContainer(project, mod, scope, e.obj);
      if (container) return { from: container, key: e.key.k === "str" ? e.key.v : null, mayBeNone: false };
      return null;
    }
    case "attr": {
      // request.authorization.password / .token
      if (e.obj.k === "attr" && e.obj.name === "authorization" && isRequest(project, mod, scope, e.obj.obj)) return { from: "Authorization header", key: e.name, mayBeNone: false };
      return null;
    }
    case "boolop": {
      if (e.op !== "or") return null;
      const l = requestRead(project, mod, scope, e.l, locals, depth + 1);
      const r = requestRead(project, mod, scope, e.rt, locals, depth + 1);
      if (!l && !r) return null;
      const first = l ?? r!;
      // `a or b` is None only when its last operand can be.
      const mayBeNone = r ? r.mayBeNone : e.rt.k === "none";
      return { from: l && r && l.from !== r.from ? `${l.from} or ${r.from}` : first.from, key: first.key ?? r?.key ?? null, mayBeNone };
    }
    case "name": {
      const vals = locals.get(e.id);
      if (!vals || vals.length === 0) return null;
      let found: RequestRead | null = null;
      for (const v of vals) {
        const r = requestRead(project, mod, scope, v, locals, depth + 1);
        if (!r) return null;
        found = found === null ? r : { ...(found as RequestRead), mayBeNone: (found as RequestRead).mayBeNone || r.mayBeNone };
      }
      return found;
    }
    default:
      return null;
  }
}

/** A configured secret an expression reads: an environment variable or an app config key. */
export interface ExpectedValue {
  source: "environment" | "config";
  key: string | null;
  /** `os.getenv("X")` / `os.environ.get("X")` without a default: None when the variable is unset. */
  mayBeNone: boolean;
}

const ENV_GET = new Set(["os.getenv", "os.environ.get"]);

function envCall(project: Project, mod: ModuleInfo, scope: string, e: Expr): ExpectedValue | null {
  if (e.k === "call") {
    if (!project.extPaths(mod, scope, e.fn).some((p) => ENV_GET.has(p))) return null;
    const key = e.args[0]?.k === "str" ? e.args[0].v : null;
    const dflt = e.args[1] ?? e.kw.find((k) => k.name === "default")?.value;
    return { source: "environment", key, mayBeNone: !dflt || dflt.k === "none" };
  }
  if (e.k === "sub" && project.extPaths(mod, scope, e.obj).includes("os.environ")) return { source: "environment", key: e.key.k === "str" ? e.key.v : null, mayBeNone: false };
  return null;
}

function configRead(project: Project, mod: ModuleInfo, scope: string, e: Expr): ExpectedValue | null {
  const isConfig = (x: Expr) => x.k === "attr" && x.name === "config" && project.appsOf(mod, scope, x.obj).isApp;
  if (e.k === "sub" && isConfig(e.obj)) return { source: "config", key: e.key.k === "str" ? e.key.v : null, mayBeNone: false };
  if (e.k === "call" && e.fn.k === "attr" && e.fn.name === "get" && isConfig(e.fn.obj)) return { source: "config", key: e.args[0]?.k === "str" ? e.args[0].v : null, mayBeNone: false };
  return null;
}

/**
 * Classifies a value as a configured secret: an environment lookup or a config read, directly, through
 * a local name, or through a module constant in any module (`API_KEY = os.getenv("API_KEY")`).
 */
export function expectedValue(project: Project, mod: ModuleInfo, scope: string, e: Expr, locals: Map<string, Expr[]>, depth = 0): ExpectedValue | null {
  if (depth > 6) return null;
  const direct = envCall(project, mod, scope, e) ?? configRead(project, mod, scope, e);
  if (direct) return direct;
  if (e.k === "name" && locals.has(e.id)) {
    let found: ExpectedValue | null = null;
    for (const v of locals.get(e.id)!) {
      const r = expectedValue(project, mod, scope, v, locals, depth + 1);
      if (!r) return null;
      found = found === null ? r : { ...(found as ExpectedValue), mayBeNone: (found as ExpectedValue).mayBeNone || r.mayBeNone };
    }
    return found;
  }
  if (e.k === "name" || e.k === "attr") {
    // A module constant: the resolver yields the call's instance, whose site names the call.
    for (const v of project.resolve(mod, scope, e)) {
      if (v.t !== "inst" || v.of.t !== "ext" || !ENV_GET.has(v.of.path)) continue;
      const call = v.mod.index.calls.find((c) => `${v.mod.path}:${startOf(c.call.r)}` === v.site);
      if (call) return envCall(project, v.mod, v.scope, call.call);
    }
  }
  return null;
}

/** Names that say a value is a credential. */
export const SECRET_NAME = /(^|[^a-z])(api[-_]?key|apikey|secret|token|password|passwd|pwd|auth|signature|access[-_]?key|private[-_]?key|credential)s?([^a-z]|$)|(^|[-_])key$/i;
