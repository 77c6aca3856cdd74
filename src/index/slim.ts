/**
 * Trims a module index to what the link stage and the rules read, before it crosses the worker
 * boundary. Structured clone costs time per object, and most argument lists in a large code base
 * (`os.path.join(a, b)`) can never matter to linking; the full index stays available in the worker.
 */
import type { Expr, ModuleIndex } from "./ir.js";

/**
 * Callee names whose arguments the link stage or a rule reads. Calls whose callee looks like a class
 * (capitalised) keep theirs too, since a constructor may be a Flask app, blueprint or extension.
 */
const KEEP_ARGS = new Set([
  "run", "route", "get", "post", "put", "patch", "delete", "add_url_rule", "register_blueprint", "update",
  "from_object", "from_mapping", "from_pyfile", "from_envvar", "from_prefixed_env", "from_file", "setdefault",
  "init_app", "as_view", "getenv", "environ", "dict",
]);

const OPAQUE: Expr = { k: "other", type: "opaque", parts: [] };

function calleeName(e: Expr): string | null {
  return e.k === "name" ? e.id : e.k === "attr" ? e.name : null;
}

/** Replaces shapes no resolver step reads (operators, comprehensions) with one shared opaque value. */
function prune(e: Expr): Expr {
  switch (e.k) {
    case "bin":
    case "cmp":
    case "not":
    case "other":
    case "fstr":
      return OPAQUE;
    case "seq":
      e.elts = e.elts.map(prune);
      return e;
    case "dict":
      for (const it of e.items) {
        if (it.key) it.key = prune(it.key);
        it.value = prune(it.value);
      }
      return e;
    case "cond":
      e.body = prune(e.body);
      e.orelse = prune(e.orelse);
      e.test = OPAQUE;
      return e;
    case "boolop":
      e.l = prune(e.l);
      e.rt = prune(e.rt);
      return e;
    case "sub":
      e.obj = prune(e.obj);
      e.key = prune(e.key);
      return e;
    default:
      // name, attr, call (handled by the call pass), constants
      return e;
  }
}

/** Slims the index in place and returns it. */
export function slimForLink(mod: ModuleIndex): ModuleIndex {
  for (const c of mod.calls) {
    const call = c.call;
    const name = calleeName(call.fn);
    if (name !== null && (KEEP_ARGS.has(name) || /^[A-Z]/.test(name))) {
      call.args = call.args.map(prune);
      for (const k of call.kw) k.value = prune(k.value);
    } else {
      call.args = [];
      call.kw = [];
    }
  }
  for (const a of mod.assigns) {
    a.value = prune(a.value);
    a.targets = a.targets.map(prune);
  }
  for (const r of mod.returns) if (r.value) r.value = prune(r.value);
  for (const d of mod.defs) for (const p of d.params) p.default = null;
  return mod;
}
