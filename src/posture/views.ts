/**
 * What the views of the route inventory do with request data, read from their lowered bodies (the
 * statement language of src/index/body.ts) and the project model: which request attributes they
 * read, whether the data goes through a declared schema or form, and whether the view tests or
 * converts it before use.
 */
import type { Step } from "../index/body.js";
import type { DefFact, Expr, R } from "../index/ir.js";
import { unpack } from "../index/ir.js";
import type { ModuleInfo } from "../link/modules.js";
import type { Project } from "../link/project.js";
import type { Val } from "../link/resolve.js";
import type { InventoryRoute, RouteInventory } from "../inventory/routes.js";

const REQUEST = new Set(["flask.request", "flask.globals.request", "quart.request"]);
/** Request attributes that carry data the client chose freely (URL parameters come through converters). */
export const DATA_ATTRS = new Set(["args", "form", "values", "json", "files", "data", "get_json", "get_data"]);
/** Decorators that declare and validate a view's input. */
const VALIDATING_DECORATORS = /^(webargs\.[a-z_.]*(use_args|use_kwargs)|flask_smorest(\.[a-z_]+)*\.arguments|flask_pydantic(\.[a-z_]+)*\.validate|flask_expects_json\.expects_json|flask_marshmallow.*\.(use_args|use_kwargs)|flask_parameter_validation.*|flask_openapi3.*)$/;
/** Decorator methods of API objects that validate input: smorest `@bp.arguments`, APIFlask `@bp.input`, restx `@ns.expect`. */
const VALIDATING_METHODS = new Set(["arguments", "input", "expect", "use_args", "use_kwargs", "validate"]);
/** Base classes of schemas and form classes. */
const VALIDATOR_BASES = /^(flask_wtf(\.form)?\.(FlaskForm|Form)|wtforms(\.form)?\.Form|marshmallow(\.schema)?\.Schema|flask_marshmallow(\.[a-z_]+)*\.(Schema|SQLAlchemyAutoSchema|SQLAlchemySchema)|marshmallow_sqlalchemy\.[A-Za-z]*Schema|pydantic(\.main)?\.BaseModel|pydantic\.RootModel|msgspec\.Struct|attrs?\.define|cerberus\.Validator)$/;
/** Form classes, which read `request.form` themselves. */
const FORM_BASES = /^(flask_wtf(\.form)?\.(FlaskForm|Form)|wtforms(\.form)?\.Form)$/;
/** Library calls that validate or parse against a declared shape. */
const VALIDATOR_CALLS = /^(jsonschema(\.validators)?\.validate|jsonschema\.Draft\w+Validator|flask_restful\.reqparse\.RequestParser|flask_restx\.reqparse\.RequestParser|flask_restplus\.reqparse\.RequestParser|voluptuous\.Schema|cerberus\.Validator|schema\.Schema|pydantic\.TypeAdapter|pydantic\.parse_obj_as)$/;
/** Builtins and library calls that reject input of the wrong type by raising. */
const CONVERTERS = new Set([
  "int", "float", "bool", "uuid.UUID", "datetime.date.fromisoformat", "datetime.datetime.fromisoformat", "decimal.Decimal", "ipaddress.ip_address",
  "werkzeug.utils.secure_filename", "flask.json.loads", "json.loads", "yaml.safe_load",
  // Parsers that refuse malformed documents (and, for defusedxml, entity tricks) by raising.
  ...["fromstring", "parse", "XML", "iterparse"].flatMap((f) => [`defusedxml.lxml.${f}`, `defusedxml.ElementTree.${f}`, `defusedxml.cElementTree.${f}`, `defusedxml.minidom.${f}`]),
  "defusedxml.minidom.parseString", "xml.etree.ElementTree.fromstring", "xml.etree.ElementTree.parse",
]);

export type Validation = "declared" | "checked" | "raw";

/** Builtins whose result is still the argument's data (a copy, a conversion, a cleaned name). */
const PASS_THROUGH = new Set(["str", "int", "float", "bool", "list", "tuple", "set", "dict", "sorted", "reversed", "bytes"]);
const PASS_THROUGH_PATHS = new Set(["werkzeug.utils.secure_filename", "os.path.splitext", "os.path.basename", "posixpath.splitext", "posixpath.basename", "markupsafe.escape", "flask.escape", "html.escape", "urllib.parse.unquote", "json.loads", "flask.json.loads"]);

export interface ViewReport {
  route: InventoryRoute;
  mod: ModuleInfo;
  def: DefFact;
  /** Request attributes the view reads (args, form, json, files ...). */
  reads: Set<string>;
  validation: Validation;
  /** What counts as the validation (a schema, a form class, "tests `title` before use"). */
  how: string;
  /** Line of the view or of the validating construct. */
  line: number;
  /** The lowered body. */
  steps: Step[];
  /** Line of a test of request-derived data against an allow-list (`ext in ALLOWED`, `TYPES.get(ext) is None`), if any. */
  allowList: number | null;
}

function lineOf(r: R): number {
  return unpack(r)[0];
}

/** Every expression of a list of steps, with whether it is (part of) a branch condition. */
export function* stepExprs(steps: readonly Step[], inTest = false): Generator<{ e: Expr; test: boolean; r: R }> {
  for (const s of steps) {
    switch (s.s) {
      case "assign":
        for (const t of s.targets) yield { e: t, test: inTest, r: s.r };
        yield { e: s.value, test: inTest, r: s.r };
        break;
      case "expr":
        yield { e: s.e, test: inTest, r: s.r };
        break;
      case "return":
        if (s.e) yield { e: s.e, test: inTest, r: s.r };
        break;
      case "if":
        yield { e: s.test, test: true, r: s.r };
        yield* stepExprs(s.body, inTest);
        yield* stepExprs(s.orelse, inTest);
        break;
      case "loop":
        if (s.iter) yield { e: s.iter, test: inTest, r: s.r };
        if (s.test) yield { e: s.test, test: true, r: s.r };
        if (s.target) yield { e: s.target, test: inTest, r: s.r };
        yield* stepExprs(s.body, inTest);
        yield* stepExprs(s.orelse, inTest);
        break;
      case "with":
        for (const it of s.items) {
          yield { e: it.e, test: inTest, r: s.r };
          if (it.target) yield { e: it.target, test: inTest, r: s.r };
        }
        yield* stepExprs(s.body, inTest);
        break;
      case "try":
        yield* stepExprs(s.body, inTest);
        for (const h of s.handlers) yield* stepExprs(h, inTest);
        yield* stepExprs(s.orelse, inTest);
        yield* stepExprs(s.final, inTest);
        break;
      case "branches":
        yield { e: s.subject, test: true, r: s.r };
        for (const arm of s.arms) yield* stepExprs(arm, inTest);
        break;
      case "raise":
        break;
    }
  }
}

/** Every sub-expression (itself included); conditional expressions and boolean operators mark their tests. */
export function* subExprs(e: Expr, test = false): Generator<{ e: Expr; test: boolean }> {
  yield { e, test };
  switch (e.k) {
    case "attr":
      yield* subExprs(e.obj, test);
      break;
    case "call":
      yield* subExprs(e.fn, test);
      for (const a of e.args) yield* subExprs(a, test);
      for (const k of e.kw) yield* subExprs(k.value, test);
      break;
    case "sub":
      yield* subExprs(e.obj, test);
      yield* subExprs(e.key, test);
      break;
    case "seq":
      for (const x of e.elts) yield* subExprs(x, test);
      break;
    case "dict":
      for (const it of e.items) {
        if (it.key) yield* subExprs(it.key, test);
        yield* subExprs(it.value, test);
      }
      break;
    case "bin":
      yield* subExprs(e.l, test);
      yield* subExprs(e.rt, test);
      break;
    case "boolop":
      // `a or default` picks a value; `x and y` used as a condition tests both.
      yield* subExprs(e.l, test || e.op === "and");
      yield* subExprs(e.rt, test);
      break;
    case "cond":
      yield* subExprs(e.body, test);
      yield* subExprs(e.test, true);
      yield* subExprs(e.orelse, test);
      break;
    case "cmp":
      for (const x of e.operands) yield* subExprs(x, true);
      break;
    case "not":
      yield* subExprs(e.e, true);
      break;
    case "other":
    case "fstr":
      for (const x of e.parts) yield* subExprs(x, test);
      break;
  }
}

/** The request attribute an expression reads (`request.form`, `request.get_json`), or null. */
export function requestAttr(project: Project, mod: ModuleInfo, scope: string, e: Expr): string | null {
  if (e.k !== "attr" || !DATA_ATTRS.has(e.name)) return null;
  if (e.obj.k !== "name" && e.obj.k !== "attr") return null;
  return project.extPaths(mod, scope, e.obj).some((p) => REQUEST.has(p)) ? e.name : null;
}

/** The functions that make up a view: the function itself, or the HTTP-verb methods of a view class. */
function viewFunctions(route: InventoryRoute): { mod: ModuleInfo; def: DefFact }[] {
  const def = route.viewDef;
  const mod = route.viewMod;
  if (!def || !mod) return [];
  if (def.kind === "function") return [{ mod, def }];
  return mod.index.defs.filter((d) => d.kind === "function" && d.scope === def.qualname && /^(get|post|put|patch|delete|dispatch_request)$/.test(d.name)).map((d) => ({ mod, def: d }));
}

/** Whether a resolved value is a schema or form class (or an instance of one), through project base classes. */
function isValidatorValue(project: Project, v: Val, depth = 0, bases?: RegExp): boolean {
  if (depth > 6) return false;
  if (v.t === "ext") return bases ? bases.test(v.path) : VALIDATOR_BASES.test(v.path) || VALIDATOR_CALLS.test(v.path);
  if (v.t === "inst") return isValidatorValue(project, v.of, depth + 1, bases);
  if (v.t === "def" && v.def.kind === "class") {
    return v.def.bases.some((b) => project.resolve(v.mod, v.def.scope, b).some((bv) => isValidatorValue(project, bv, depth + 1, bases)));
  }
  return false;
}

/** A decorator that declares the view's input schema, described, or null. */
function validatingDecorator(project: Project, mod: ModuleInfo, def: DefFact): string | null {
  for (const deco of def.decorators) {
    const fn = deco.k === "call" ? deco.fn : deco;
    const paths = project.extPaths(mod, def.scope, fn);
    const hit = paths.find((p) => VALIDATING_DECORATORS.test(p));
    if (hit) return `\`@${hit.replace(/^.*\./, "")}\` declares its input`;
    if (fn.k === "attr" && VALIDATING_METHODS.has(fn.name) && deco.k === "call" && deco.args.length > 0) {
      // `@bp.arguments(Schema)` / `@app.input(Schema)` / `@ns.expect(model)`: the receiver is an API object and the argument a schema.
      const owner = project.resolve(mod, def.scope, fn.obj);
      const onApi = owner.some((v) => v.t === "ext" || v.t === "inst");
      const schemaArg = deco.args.some((a) => project.resolve(mod, def.scope, a).some((v) => isValidatorValue(project, v)) || a.k === "name" || a.k === "attr");
      if (onApi && schemaArg) return `\`@${fn.name}(...)\` declares its input`;
    }
  }
  return null;
}

/**
 * How one view handles request data. Names assigned from request data (directly or through other such
 * names) are followed through the body; a test of any of them (`if`, `while`, a conditional expression,
 * a comparison) or a converting call (`int(...)`, `secure_filename(...)`) counts as a hand-written check.
 */
function analyseFunction(project: Project, mod: ModuleInfo, def: DefFact): Omit<ViewReport, "route" | "mod" | "def"> | null {
  const steps = mod.index.bodies?.[def.nameR];
  if (!steps) return null;
  const scope = def.qualname;
  const reads = new Set<string>();
  const tainted = new Set<string>();
  // Whether an expression's value is request data: a read, a name holding one, or something derived from
  // one by a method of it (`.strip()`, `.get("k")`), an operator, slicing or a pass-through builtin. The
  // result of any other call (`requests.get(url)`, a database query) is not the request's data.
  const isTainted = (e: Expr): boolean => {
    switch (e.k) {
      case "name":
        return tainted.has(e.id);
      case "attr":
        return requestAttr(project, mod, scope, e) !== null || isTainted(e.obj);
      case "sub":
        return isTainted(e.obj);
      case "call":
        if (e.fn.k === "attr" && (requestAttr(project, mod, scope, e.fn) !== null || isTainted(e.fn.obj))) return true;
        if (e.fn.k === "name" && PASS_THROUGH.has(e.fn.id)) return e.args.some(isTainted);
        return e.args.some(isTainted) && project.extPaths(mod, scope, e.fn).some((p) => PASS_THROUGH_PATHS.has(p));
      case "bin":
      case "boolop":
        return isTainted(e.l) || isTainted(e.rt);
      case "cond":
        return isTainted(e.body) || isTainted(e.orelse);
      case "seq":
        return e.elts.some(isTainted);
      case "dict":
        return e.items.some((it) => isTainted(it.value));
      case "fstr":
      case "other":
        return e.parts.some(isTainted);
      default:
        return false;
    }
  };
  // Assignments from request data, to a fixed point (bodies are small; the bound keeps it linear in practice).
  const assigns: { targets: Expr[]; value: Expr }[] = [];
  const collect = (ss: readonly Step[]) => {
    for (const s of ss) {
      if (s.s === "assign") assigns.push(s);
      else if (s.s === "if") (collect(s.body), collect(s.orelse));
      else if (s.s === "loop") {
        if (s.target && s.iter) assigns.push({ targets: [s.target], value: s.iter });
        collect(s.body);
        collect(s.orelse);
      } else if (s.s === "with") {
        for (const it of s.items) if (it.target) assigns.push({ targets: [it.target], value: it.e });
        collect(s.body);
      } else if (s.s === "try") {
        collect(s.body);
        for (const h of s.handlers) collect(h);
        collect(s.orelse);
        collect(s.final);
      } else if (s.s === "branches") for (const arm of s.arms) collect(arm);
    }
  };
  collect(steps);
  // Names holding the result of a lookup keyed by request data in a table the code chose: `TYPES.get(ext)`.
  const lookups = new Set<string>();
  const isLookup = (e: Expr) => e.k === "call" && e.fn.k === "attr" && e.fn.name === "get" && e.args[0] !== undefined && isTainted(e.args[0]) && !isTainted(e.fn.obj);
  for (let round = 0; round < 8; round++) {
    let grew = false;
    for (const a of assigns) {
      for (const t of a.targets) if (t.k === "name" && isLookup(a.value)) lookups.add(t.id);
      if (!isTainted(a.value)) continue;
      for (const t of a.targets) {
        for (const { e: x } of subExprs(t)) {
          if (x.k === "name" && !tainted.has(x.id)) {
            tainted.add(x.id);
            grew = true;
          }
        }
      }
    }
    if (!grew) break;
  }
  // An allow-list test: membership of request data in a collection, a lookup of it that is checked for
  // None, or a suffix check on it.
  const allowListTest = (x: Expr): boolean => {
    if (x.k === "cmp") {
      if (x.ops.some((op) => op === "in" || op === "not in") && isTainted(x.operands[0]!)) return true;
      if (x.ops.some((op) => op === "is" || op === "is not" || op === "==" || op === "!=")) {
        return x.operands.some((o) => (o.k === "name" && lookups.has(o.id)) || isLookup(o));
      }
      return false;
    }
    return x.k === "call" && x.fn.k === "attr" && x.fn.name === "endswith" && isTainted(x.fn.obj);
  };
  let allowList: number | null = null;
  let declared: { how: string; line: number } | null = null;
  let checked: { how: string; line: number } | null = null;
  for (const { e, test, r } of stepExprs(steps)) {
    for (const { e: x, test: inTest } of subExprs(e, test)) {
      const attr = requestAttr(project, mod, scope, x);
      if (attr) reads.add(attr);
      if (!checked && inTest && ((x.k === "name" && tainted.has(x.id)) || attr)) checked = { how: "tests the request data it reads before use", line: lineOf(r) };
      // `size = SIZES.get(request.form["size"]); if size is None: abort(400)`: an allow-list lookup.
      if (!checked && inTest && ((x.k === "name" && lookups.has(x.id)) || isLookup(x))) checked = { how: "looks request data up in a table it chose and tests the result", line: lineOf(r) };
      if (allowList === null && inTest && allowListTest(x)) allowList = lineOf(r);
      if (x.k !== "call") continue;
      // A schema, a form class or a validating library call anywhere in the view.
      if (!declared) {
        const fnVals = project.resolve(mod, scope, x.fn);
        const ctor = fnVals.find((v) => isValidatorValue(project, v));
        if (ctor) {
          declared = { how: `uses ${describe(ctor)}`, line: lineOf(x.r) };
          // A Flask-WTF or WTForms form reads `request.form` itself when it is built.
          if (isValidatorValue(project, ctor, 0, FORM_BASES)) reads.add("form");
        }
        else if (x.fn.k === "attr" && /^(load|loads|validate|validate_on_submit|parse_args|model_validate|model_validate_json|parse_obj|parse_raw)$/.test(x.fn.name)) {
          const recv = project.resolve(mod, scope, x.fn.obj);
          const v = recv.find((rv) => isValidatorValue(project, rv));
          if (v) declared = { how: `validates with ${describe(v)}.${x.fn.name}()`, line: lineOf(x.r) };
        }
      }
      if (!checked) {
        // `request.args.get("page", type=int)`: Werkzeug converts and drops values of the wrong type.
        if (x.fn.k === "attr" && x.fn.name === "get" && x.kw.some((k) => k.name === "type") && requestAttr(project, mod, scope, x.fn.obj)) checked = { how: "reads typed values (`get(..., type=...)`)", line: lineOf(x.r) };
        else if (x.args.some((a) => isTainted(a)) && project.extPaths(mod, scope, x.fn).some((p) => CONVERTERS.has(p))) checked = { how: `converts request data with \`${calleeName(x.fn)}()\``, line: lineOf(x.r) };
        else if (x.args.length === 1 && x.fn.k === "name" && CONVERTERS.has(x.fn.id) && isTainted(x.args[0]!)) checked = { how: `converts request data with \`${x.fn.id}()\``, line: lineOf(x.r) };
        else if (x.fn.k === "name" && x.fn.id === "isinstance" && x.args[0] && isTainted(x.args[0])) checked = { how: "checks the type of request data", line: lineOf(x.r) };
      }
    }
  }
  if (reads.size === 0) return { reads, validation: "raw", how: "", line: lineOf(def.nameR), steps, allowList };
  if (declared) return { reads, validation: "declared", how: declared.how, line: declared.line, steps, allowList };
  if (checked) return { reads, validation: "checked", how: checked.how, line: checked.line, steps, allowList };
  return { reads, validation: "raw", how: "uses request data without a schema, form class or check", line: lineOf(def.nameR), steps, allowList };
}

function calleeName(e: Expr): string {
  return e.k === "name" ? e.id : e.k === "attr" ? e.name : "call";
}

function describe(v: Val): string {
  if (v.t === "ext") return `\`${v.path.replace(/^.*\./, "")}\``;
  if (v.t === "def") return `\`${v.def.name}\``;
  if (v.t === "inst") return describe(v.of);
  return "a schema";
}

/** How every view of the inventory treats request data; views without a lowered body are left out. */
export function viewReports(project: Project, inv: RouteInventory): ViewReport[] {
  const out: ViewReport[] = [];
  const seen = new Set<DefFact>();
  for (const route of inv.routes) {
    for (const { mod, def } of viewFunctions(route)) {
      if (seen.has(def)) continue;
      seen.add(def);
      if (project.contextOf(mod, def).test) continue;
      const a = analyseFunction(project, mod, def);
      if (!a) continue;
      const deco = validatingDecorator(project, mod, def) ?? (route.viewDef && route.viewDef !== def && route.viewMod ? validatingDecorator(project, route.viewMod, route.viewDef) : null);
      // A declaring decorator reads the request itself and hands the view validated arguments.
      if (deco) out.push({ ...a, route, mod, def, reads: a.reads.size > 0 ? a.reads : new Set(["declared"]), validation: "declared", how: deco, line: lineOf(def.nameR) });
      else out.push({ route, mod, def, ...a });
    }
  }
  return out;
}
