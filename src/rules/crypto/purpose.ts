/**
 * What a value is for, judged by the names around it: the variable, attribute, dict key or keyword it is
 * stored under, the function that computes or returns it, and (one step on) where a local holding it goes.
 * FLASK-CRYPTO-001 and -002 use it to tell a password hash or a reset token from an ETag or a quiz order.
 */
import type { DefFact, Expr } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { Step } from "../../index/body.js";
import type { Project } from "../../link/project.js";
import { walkBody } from "../auth/bodies.js";
import { walkChildren, type CallSite } from "../calls.js";
import { walkExpr } from "../session/facts.js";

/** Lower-case words of an identifier or key (`resetToken`, `RESET_TOKEN`, `reset-token` → reset, token); `api key` joins to `apikey`. */
export function wordsOf(name: string): string[] {
  const w = name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < w.length; i++) {
    if (w[i] === "api" && w[i + 1] === "key") {
      out.push("apikey");
      i++;
    } else out.push(w[i]!);
  }
  return out;
}

/** A name the value is known by, and where that name comes from (for messages). */
export interface UseName {
  name: string;
  how: string;
}

/** The names of an assignment target: `x`, `user.reset_token` (reset_token), `session["csrf"]` (csrf). */
function targetNames(project: Project, site: Pick<CallSite, "mod" | "unit">, t: Expr): UseName[] {
  if (t.k === "name") return [{ name: t.id, how: `\`${t.id}\`` }];
  if (t.k === "attr") return [{ name: t.name, how: `\`.${t.name}\`` }];
  if (t.k === "sub") {
    const key = project.constString(site.mod, site.unit.scope, t.key);
    return key ? [{ name: key, how: `the key "${key}"` }] : [];
  }
  if (t.k === "seq") return t.elts.flatMap((e) => targetNames(project, site, e));
  return [];
}

/** Statements of a body, flattened. */
function steps(body: Step[]): Step[] {
  const out = new Set<Step>();
  walkBody(body, (_e, _c, s) => out.add(s));
  return [...out];
}

/** Local names an assignment binds. */
function boundLocals(step: Step): string[] {
  if (step.s !== "assign") return [];
  return step.targets.flatMap((t) => (t.k === "name" ? [t.id] : t.k === "seq" ? t.elts.flatMap((e) => (e.k === "name" ? [e.id] : [])) : []));
}

/**
 * Names the result of a call is known by: its assignment targets, the keyword or dict key it is passed as,
 * the function that returns it, and the same again one step on for a local it is stored in. Also sets
 * `cookie` when the value (or a local holding it) is set as a cookie's value.
 */
export function useNames(project: Project, site: CallSite): { names: UseName[]; cookie: boolean } {
  const names: UseName[] = [];
  let cookie = false;
  const fn = site.unit.def;
  const fromParents = (parents: Expr[], inner: Expr) => {
    // Innermost first: the nearest keyword or dict key names the value.
    let child = inner;
    for (let i = parents.length - 1; i >= 0; i--) {
      const p = parents[i]!;
      if (p.k === "call") {
        const k = p.kw.find((x) => x.value === child);
        if (k?.name) names.push({ name: k.name, how: `the keyword \`${k.name}\`` });
        if (p.fn.k === "attr" && p.fn.name === "set_cookie" && (p.args[1] === child || k?.name === "value")) cookie = true;
      }
      if (p.k === "dict") {
        const it = p.items.find((x) => x.value === child);
        const key = it?.key ? project.constString(site.mod, site.unit.scope, it.key) : null;
        if (key) names.push({ name: key, how: `the key "${key}"` });
      }
      child = p;
    }
  };
  fromParents(site.parents, site.call);
  const st = site.step;
  if (st.s === "assign") for (const t of st.targets) names.push(...targetNames(project, site, t));
  if (st.s === "return" && fn) names.push({ name: fn.name, how: `the return value of \`${fn.name}\`` });
  // One step on: where a local holding the value goes.
  const locals = boundLocals(st);
  if (locals.length > 0) {
    for (const s of steps(site.unit.steps)) {
      if (s === st) continue;
      const exprs = s.s === "assign" ? [s.value] : s.s === "return" && s.e ? [s.e] : s.s === "expr" ? [s.e] : [];
      for (const top of exprs) {
        const stack: Expr[] = [];
        const visit = (e: Expr) => {
          if (e.k === "name" && locals.includes(e.id)) {
            fromParents(stack, e);
            if (s.s === "assign" && top === s.value) for (const t of s.targets) names.push(...targetNames(project, site, t));
            if (s.s === "return" && fn) names.push({ name: fn.name, how: `the return value of \`${fn.name}\`` });
          }
          stack.push(e);
          walkChildren(e, visit);
          stack.pop();
        };
        visit(top);
      }
    }
  }
  return { names, cookie };
}

/** What the callers of a function pass as one of its parameters (calls found through the project model). */
function argumentsFor(project: Project, def: DefFact, param: string): { mod: ModuleInfo; scope: string; e: Expr }[] {
  const i = def.params.findIndex((p) => p.name === param);
  if (i < 0) return [];
  const offset = def.params[0]?.name === "self" || def.params[0]?.name === "cls" ? 1 : 0;
  const out: { mod: ModuleInfo; scope: string; e: Expr }[] = [];
  for (const mod of project.pythonModules()) {
    for (const c of mod.index.calls) {
      const fn = c.call.fn;
      const name = fn.k === "name" ? fn.id : fn.k === "attr" ? fn.name : "";
      if (name !== def.name) continue;
      if (!project.resolve(mod, c.scope, fn).some((v) => v.t === "def" && v.def === def)) continue;
      const a = c.call.kw.find((k) => k.name === param)?.value ?? c.call.args[i - offset];
      if (a) out.push({ mod, scope: c.scope, e: a });
    }
  }
  return out;
}

/**
 * Identifier-like names an expression reads (names, attributes, constant subscript keys), following locals
 * a few steps and, for a parameter, what the function's callers pass (`check(request.form["password"])`).
 */
export function namesRead(project: Project, site: CallSite, e: Expr, depth = 0, out: string[] = []): string[] {
  if (depth > 3) return out;
  walkExpr(e, (x) => {
    if (x.k === "name") {
      out.push(x.id);
      for (const v of site.locals.get(x.id) ?? []) if (v !== e) namesRead(project, site, v, depth + 1, out);
      if (depth === 0 && site.unit.def && !site.locals.has(x.id)) {
        for (const a of argumentsFor(project, site.unit.def, x.id)) {
          walkExpr(a.e, (y) => {
            if (y.k === "name") out.push(y.id);
            else if (y.k === "attr") out.push(y.name);
            else if (y.k === "sub") {
              const key = project.constString(a.mod, a.scope, y.key);
              if (key) out.push(key);
            }
          });
        }
      }
    } else if (x.k === "attr") out.push(x.name);
    else if (x.k === "sub") {
      const key = project.constString(site.mod, site.unit.scope, x.key);
      if (key) out.push(key);
    }
  });
  return out;
}
