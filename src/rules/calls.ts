/**
 * Every call in the modules of a Flask project that import one of some libraries, with its place: the
 * enclosing function, the statement it is part of, the local values of that function, and whether it
 * only runs in tests or local development. Shared by rules that judge library calls by how they are
 * used (FLASK-CRYPTO-001/002, FLASK-XXE-001).
 */
import type { Expr } from "../index/ir.js";
import type { Step } from "../index/body.js";
import type { ModuleInfo } from "../link/modules.js";
import { isTestPath, type Project } from "../link/project.js";
import { codeUnits, type CodeUnit } from "../taint/lowered.js";
import { localValues, walkBody, type Cond } from "./auth/bodies.js";

export type CallExpr = Extract<Expr, { k: "call" }>;

export interface CallSite {
  mod: ModuleInfo;
  unit: CodeUnit;
  call: CallExpr;
  /** The top-level expression the call is part of and the statement holding it. */
  top: Expr;
  step: Step;
  /** The call's ancestors inside `top`, outermost first. */
  parents: Expr[];
  conds: Cond[];
  /** Local values of the enclosing function (flow-insensitive). */
  locals: Map<string, Expr[]>;
  /** Only runs in tests or local development (a test file, an `if __name__ == "__main__":` block). */
  devOnly: boolean;
}

function isMainTest(e: Expr): boolean {
  return e.k === "cmp" && e.operands.some((o) => o.k === "name" && o.id === "__name__") && e.operands.some((o) => o.k === "str" && o.v === "__main__");
}

/** Calls in a code unit, each with its ancestors. */
function* callsOf(unit: CodeUnit): Generator<Omit<CallSite, "mod" | "unit" | "locals" | "devOnly">> {
  const found: Omit<CallSite, "mod" | "unit" | "locals" | "devOnly">[] = [];
  walkBody(unit.steps, (top, conds, step) => {
    const stack: Expr[] = [];
    const visit = (e: Expr) => {
      if (e.k === "call") found.push({ call: e, top, step, parents: [...stack], conds });
      stack.push(e);
      walkChildren(e, visit);
      stack.pop();
    };
    visit(top);
  });
  yield* found;
}

/** Calls `f` on each direct child expression of `e`. */
export function walkChildren(e: Expr, f: (x: Expr) => void): void {
  switch (e.k) {
    case "attr":
      f(e.obj);
      break;
    case "call":
      f(e.fn);
      e.args.forEach(f);
      e.kw.forEach((k) => f(k.value));
      break;
    case "sub":
      f(e.obj);
      f(e.key);
      break;
    case "seq":
      e.elts.forEach(f);
      break;
    case "dict":
      for (const it of e.items) {
        if (it.key) f(it.key);
        f(it.value);
      }
      break;
    case "bin":
    case "boolop":
      f(e.l);
      f(e.rt);
      break;
    case "cond":
      f(e.body);
      f(e.test);
      f(e.orelse);
      break;
    case "cmp":
      e.operands.forEach(f);
      break;
    case "not":
      f(e.e);
      break;
    case "fstr":
    case "other":
      e.parts.forEach(f);
      break;
    default:
      break;
  }
}

/** Whether the project is a Flask project at all (these rules say nothing about other code). */
export function isFlaskProject(project: Project): boolean {
  return project.apps.length > 0 || project.routes.length > 0 || project.flaskModules().length > 0;
}

/**
 * Call sites in the project's modules that import a module matching `imports` and call something whose
 * last name is in `names` (checked on the per-file index first, so only those modules are parsed again).
 */
export function callSites(project: Project, imports: RegExp, names: ReadonlySet<string>): CallSite[] {
  if (!isFlaskProject(project)) return [];
  const out: CallSite[] = [];
  for (const mod of project.pythonModules()) {
    const from = mod.index.imports.filter((f) => imports.test(f.module));
    if (from.length === 0) continue;
    // `from random import choice as pick`: the local name stands for one of `names`.
    const aliases = new Set(from.filter((f) => f.member !== null && names.has(f.member)).map((f) => f.local));
    const wanted = (n: string) => names.has(n) || aliases.has(n);
    if (!mod.index.calls.some((c) => wanted(c.call.fn.k === "name" ? c.call.fn.id : c.call.fn.k === "attr" ? c.call.fn.name : ""))) continue;
    const test = isTestPath(mod.path);
    for (const unit of codeUnits(project, mod)) {
      const locals = localValues(unit.steps);
      const unitDev = test || (unit.def?.mainGuard ?? false);
      for (const c of callsOf(unit)) out.push({ ...c, mod, unit, locals, devOnly: unitDev || c.conds.some((x) => !x.negated && isMainTest(x.test)) });
    }
  }
  return out;
}

/** The call site at a range of a module, with its place (null when the module has no such call). */
export function siteAt(project: Project, mod: ModuleInfo, r: string): CallSite | null {
  for (const unit of codeUnits(project, mod)) {
    for (const c of callsOf(unit)) {
      if (c.call.r !== r) continue;
      const test = isTestPath(mod.path);
      return { ...c, mod, unit, locals: localValues(unit.steps), devOnly: test || (unit.def?.mainGuard ?? false) || c.conds.some((x) => !x.negated && isMainTest(x.test)) };
    }
  }
  return null;
}
