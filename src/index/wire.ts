/** Turns a module index from its wire format (see ir.ts) back into the form the link stage reads. */
import type { CallFact, Expr, FileResult, ModuleIndex, WireFileResult, WireModule } from "./ir.js";

/** Rebuilds `Where` fields and nested calls. Mutates the wire objects in place (they are not used again). */
export function decodeModule(w: WireModule): ModuleIndex {
  const wheres = w.wheres;
  const calls = w.calls as unknown as CallFact[];
  for (const c of w.calls) Object.assign(c, wheres[c.w]);
  const deref = (e: Expr): Expr => (e.k === "ref" ? calls[e.i]!.call : (derefChildren(e), e));
  const derefChildren = (e: Expr): void => {
    switch (e.k) {
      case "attr":
        e.obj = deref(e.obj);
        break;
      case "call":
        e.fn = deref(e.fn);
        for (let i = 0; i < e.args.length; i++) e.args[i] = deref(e.args[i]!);
        for (const k of e.kw) k.value = deref(k.value);
        break;
      case "sub":
        e.obj = deref(e.obj);
        e.key = deref(e.key);
        break;
      case "seq":
        for (let i = 0; i < e.elts.length; i++) e.elts[i] = deref(e.elts[i]!);
        break;
      case "dict":
        for (const it of e.items) {
          if (it.key) it.key = deref(it.key);
          it.value = deref(it.value);
        }
        break;
      case "boolop":
      case "bin":
        e.l = deref(e.l);
        e.rt = deref(e.rt);
        break;
      case "cond":
        e.body = deref(e.body);
        e.test = deref(e.test);
        e.orelse = deref(e.orelse);
        break;
      case "other":
      case "fstr":
        for (let i = 0; i < e.parts.length; i++) e.parts[i] = deref(e.parts[i]!);
        break;
      case "cmp":
        for (let i = 0; i < e.operands.length; i++) e.operands[i] = deref(e.operands[i]!);
        break;
      case "not":
        e.e = deref(e.e);
        break;
    }
  };
  // Each call's own arguments hold refs to the calls nested in them; resolve those once per call.
  for (const c of calls) derefChildren(c.call);
  for (const f of w.imports) Object.assign(f, wheres[f.w]);
  for (const l of w.loops ?? []) Object.assign(l, wheres[l.w]);
  for (const d of w.defs) {
    Object.assign(d, wheres[d.w]);
    for (let i = 0; i < d.decorators.length; i++) d.decorators[i] = deref(d.decorators[i]!);
    for (let i = 0; i < d.bases.length; i++) d.bases[i] = deref(d.bases[i]!);
  }
  for (const a of w.assigns) {
    Object.assign(a, wheres[a.w]);
    a.value = deref(a.value);
    for (let i = 0; i < a.targets.length; i++) a.targets[i] = deref(a.targets[i]!);
  }
  for (const r of w.returns) {
    Object.assign(r, wheres[r.w]);
    if (r.value) r.value = deref(r.value);
  }
  const { wheres: _w, ...rest } = w;
  return rest as unknown as ModuleIndex;
}

/** Decodes a worker's result for one file. */
export function decodeResult(r: WireFileResult): FileResult {
  return r.python ? { ...r, python: decodeModule(r.python) } : (r as FileResult);
}
