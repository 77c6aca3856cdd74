/**
 * Builds the per-file index (see ir.ts) from a tree-sitter Python tree.
 *
 * One tree-sitter query, run inside the parser's WebAssembly, finds every node a fact is made
 * of (imports, definitions, if-blocks, assignments, calls, returns), so JavaScript touches only
 * those nodes instead of walking all of them. Scopes and if-conditions are then attached by
 * position, and expressions are lowered only as deep as the link stage reads them.
 */
import type { Language, Node, QueryCapture, Tree } from "web-tree-sitter";
import { Query } from "web-tree-sitter";
import type { SuppressionComment } from "../filter/suppress.js";
import { parseSuppressionComment } from "../filter/suppress.js";
import type { DefFact, DictItem, Expr, Kwarg, Param, R, Where, Wire, WireModule } from "./ir.js";
import { BodyLowerer } from "./body.js";
import { STDLIB_MODULES } from "./stdlib.js";
import { rng, stringValue } from "./text.js";

const MAX_DEPTH = 32;
/**
 * Container literals keep their first elements only: no config, header set or route list a rule reads is
 * that long, while generated tables (character maps, entity lists) can hold thousands of elements.
 */
const MAX_ELEMENTS = 256;

/** The named children of a container literal, up to MAX_ELEMENTS of them. */
function elements(n: Node): (Node | null)[] {
  if (n.namedChildCount <= MAX_ELEMENTS) return n.namedChildren;
  const out: (Node | null)[] = [];
  for (let c = n.firstNamedChild; c && out.length < MAX_ELEMENTS; c = c.nextNamedSibling) out.push(c);
  return out;
}

/** Modules of the Flask world: importing one makes a module's function bodies worth lowering. */
const FLASK_WORLD = /^(flask|werkzeug|quart|apiflask|connexion)(\.|$)|^flask_/;

/** Whether a module imports Flask, Werkzeug or an extension (see FLASK_WORLD). */
export function importsFlaskWorld(index: { imports: readonly { module: string }[] }): boolean {
  return index.imports.some((f) => FLASK_WORLD.test(f.module));
}

/** Shapes the link stage never looks inside: one shared value, no sub-expressions. */
const OPAQUE: Expr = { k: "other", type: "opaque", parts: [] };
const NONE: Expr = { k: "none" };

/**
 * Callee names whose arguments the link stage or a rule reads. Calls whose callee looks like a class
 * (capitalised) keep theirs too, since a constructor may be a Flask app, blueprint or extension.
 * Other calls keep only their callee: `os.path.join(a, b)` never matters to linking.
 */
const KEEP_ARGS = new Set([
  "run", "route", "get", "post", "put", "patch", "delete", "add_url_rule", "register_blueprint", "update",
  "from_object", "from_mapping", "from_pyfile", "from_envvar", "from_prefixed_env", "from_file", "setdefault",
  "init_app", "as_view", "getenv", "dict", "run_simple",
  "after_request", "cross_origin", "limit", "shared_limit",
  "print", "debug", "info", "warning", "warn", "error", "critical", "exception", "log", "url_for", "redirect", "create_app", "make_app",
  "set_cookie", "timedelta", "exempt",
  "abort", "make_response", "jwt_required", "verify_jwt_in_request", "before_request", "before_app_request", "add_resource", "auth_required", "roles_required", "roles_accepted", "jsonify", "render_template", "add_namespace",
  "decode", "render_template_string", "stream_template", "select_autoescape", "get_template", "from_string",
  "save", "join", "vars", "send_from_directory", "send_file",
]);

const FACTS_QUERY = `
(import_statement) @import
(import_from_statement) @from
(future_import_statement) @from
(function_definition) @def
(class_definition) @def
(if_statement) @if
(expression_statement (assignment)) @assign
(expression_statement (augmented_assignment)) @assign
(decorated_definition) @decorated
(with_item (as_pattern) @withas)
(call) @call
(expression_statement (call) @stmtcall)
(return_statement) @return
(for_statement) @for
(global_statement) @global
(nonlocal_statement) @global
(print_statement) @py2
(exec_statement) @py2
(ERROR) @error
`;

/** Syntax errors, for a module indexed in outline (see indexModule) whose tree has some. */
const ERRORS_QUERY = "(ERROR) @error";

const SPANS_QUERY = `
(comment) @comment
[
  (expression_statement) (return_statement) (import_statement) (import_from_statement) (future_import_statement)
  (pass_statement) (raise_statement) (assert_statement) (delete_statement) (global_statement) (nonlocal_statement)
  (break_statement) (continue_statement) (print_statement) (exec_statement) (type_alias_statement)
] @simple
[
  (function_definition) (class_definition) (decorated_definition) (if_statement) (for_statement) (while_statement)
  (with_statement) (try_statement) (match_statement)
] @compound
`;

/** A Python identifier (PEP 3131 letters, digits and connectors), matched at a given offset. */
const IDENT = /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/uy;

const queries = new WeakMap<Language, { facts: Query; errors: Query; spans: Query }>();

function queriesFor(lang: Language): { facts: Query; errors: Query; spans: Query } {
  let q = queries.get(lang);
  if (!q) queries.set(lang, (q = { facts: new Query(lang, FACTS_QUERY), errors: new Query(lang, ERRORS_QUERY), spans: new Query(lang, SPANS_QUERY) }));
  return q;
}

const IMPORT_STATEMENTS = new Set(["import_statement", "import_from_statement", "future_import_statement"]);
const PY2_STATEMENTS = new Set(["print_statement", "exec_statement"]);

/**
 * The statements a keyword starts, found without walking the tree: each occurrence of the word in
 * the text is looked up in the tree, and only the keyword token of one of `types` counts (not the word
 * in a string, a comment or a name).
 */
function keywordStatements(root: Node, src: string, word: string, types: ReadonlySet<string>): Node[] {
  const out: Node[] = [];
  for (let i = src.indexOf(word); i !== -1; i = src.indexOf(word, i + word.length)) {
    const n = root.descendantForIndex(i, i + word.length);
    if (n?.type !== word || n.isNamed) continue;
    const stmt = n.parent;
    if (stmt && types.has(stmt.type)) out.push(stmt);
  }
  return out;
}

/** The modules an import statement names: "." prefixed when relative. */
function importedModules(n: Node): string[] {
  const mod = n.childForFieldName("module_name")?.text;
  if (mod !== undefined) return [mod.replace(/\s+/g, "")];
  if (n.type === "future_import_statement") return ["__future__"];
  return n.childrenForFieldName("name").map((x) => ((x?.type === "aliased_import" ? x.childForFieldName("name")?.text : x?.text) ?? "").replace(/\s+/g, ""));
}

/** Compound statements whose blocks can hold definitions; function bodies are not entered. */
const STATEMENT_CONTAINERS = new Set([
  "decorated_definition", "if_statement", "elif_clause", "else_clause", "for_statement", "while_statement", "try_statement",
  "except_clause", "except_group_clause", "finally_clause", "with_statement", "match_statement", "case_clause", "block",
]);

/** [start, end) of every function body outside other function bodies, in document order. */
function outerFunctionBodies(root: Node): [number, number][] {
  const out: [number, number][] = [];
  const visit = (n: Node): void => {
    for (const c of n.namedChildren) {
      if (!c) continue;
      const t = c.type;
      if (t === "function_definition") {
        const b = c.childForFieldName("body");
        if (b) out.push([b.startIndex, b.endIndex]);
      } else if (t === "class_definition") {
        const b = c.childForFieldName("body");
        if (b) visit(b);
      } else if (STATEMENT_CONTAINERS.has(t)) visit(c);
    }
  };
  visit(root);
  return out;
}

function condSnippet(t: string): string {
  const one = t.replace(/\s+/g, " ");
  return one.length > 160 ? `${one.slice(0, 157)}...` : one;
}

function isMainGuard(cond: Node): boolean {
  if (cond.type !== "comparison_operator") return false;
  const parts = cond.namedChildren.filter((c): c is Node => !!c);
  if (parts.length !== 2) return false;
  const texts = parts.map((p) => p.text.replace(/^['"]|['"]$/g, ""));
  return texts.includes("__name__") && texts.includes("__main__") && /==/.test(cond.text);
}

/** A region of source that changes the `Where` of the facts inside it. */
interface Region {
  start: number;
  end: number;
  /** A function or class body: its qualified name is set when its definition is processed. */
  def?: { kind: "function" | "class"; qualname: string };
  /** An if/elif/else branch: the condition texts it adds. */
  conds?: string[];
  mainGuard?: boolean;
}

class Indexer {
  readonly index: WireModule;
  /** Call node id -> index in `index.calls`: each call is lowered once, nested uses are refs. */
  private readonly calls = new Map<number, number>();
  private readonly whereIds = new Map<Where, number>();
  /** Index of the current `Where` in `index.wheres`. */
  private w = 0;
  private readonly stmtCalls = new Set<number>();
  private readonly decorated = new Map<number, Node>();
  private depth = 0;
  /**
   * The module imports Flask (or Werkzeug, an extension): every call keeps its arguments, so that
   * helpers such as `register_blueprints(app)` can be followed from their parameters to their callers.
   */
  private flaskWorld = false;
  /** Function definitions by the range of their name, for lowering their bodies afterwards. */
  readonly functions: [R, Node][] = [];

  /** Reads an identifier from the source at a node's start: saves the parser call that `node.text` makes. */
  private ident(n: Node): string {
    IDENT.lastIndex = n.startIndex;
    return IDENT.exec(this.src)?.[0] ?? n.text;
  }

  constructor(
    path: string,
    lines: number,
    private readonly src: string,
  ) {
    this.index = { path, lines, syntaxErrors: [], wheres: [], imports: [], defs: [], assigns: [], calls: [], returns: [], globals: {}, suppressions: [], python2: false };
  }

  /**
   * Indexes the module. With `outline` (the module's import statements, see indexModule), what is inside
   * function bodies is left out but for imports: the facts query runs only on the text between the
   * bodies, and syntax errors and Python 2 statements are looked for separately.
   */
  run(tree: Tree, lang: Language, outline?: Node[]): void {
    const q = queriesFor(lang);
    let caps: QueryCapture[];
    if (!outline) caps = q.facts.captures(tree.rootNode);
    else {
      caps = [];
      const seen = new Set<string>();
      const add = (c: QueryCapture) => {
        // A node spanning several gaps (a class around its methods) is captured in each of them.
        const key = `${c.name}:${c.node.id}`;
        if (seen.has(key)) return;
        seen.add(key);
        caps.push(c);
      };
      const root = tree.rootNode;
      let pos = 0;
      for (const [start, end] of [...outerFunctionBodies(root), [root.endIndex, root.endIndex] as [number, number]]) {
        if (start > pos)
          // Node indexes count UTF-16 code units, but a query's range is passed to the parser in bytes of
          // the UTF-16 text it parsed: two per code unit.
          for (const c of q.facts.captures(root, { startIndex: pos * 2, endIndex: start * 2 })) if (c.name !== "error" && c.name !== "py2") add(c);
        pos = end;
      }
      for (const node of outline) add({ name: node.type === "import_statement" ? "import" : "from", node, patternIndex: -1 });
      if (root.hasError) caps.push(...q.errors.captures(root));
      if (keywordStatements(root, this.src, "print", PY2_STATEMENTS).length > 0 || keywordStatements(root, this.src, "exec", PY2_STATEMENTS).length > 0) this.index.python2 = true;
      caps.sort((a, b) => a.node.startIndex - b.node.startIndex);
    }
    // Regions first: every def body and if-branch, so each fact can be placed by position.
    const regions: Region[] = [];
    const defRegion = new Map<number, Region>();
    for (const c of caps) {
      const n = c.node;
      if (c.name === "stmtcall") this.stmtCalls.add(n.id);
      else if (c.name === "from" || c.name === "import") {
        const mod = n.childForFieldName("module_name")?.text;
        const names = mod !== undefined ? [mod] : n.childrenForFieldName("name").map((x) => (x?.type === "aliased_import" ? x.childForFieldName("name")?.text : x?.text) ?? "");
        if (names.some((m) => FLASK_WORLD.test(m.replace(/\s+/g, "")))) this.flaskWorld = true;
      }
      else if (c.name === "decorated") {
        // Asking a node for its parent makes tree-sitter search from the root; map children to parents instead.
        const def = n.childForFieldName("definition");
        if (def) this.decorated.set(def.id, n);
      }
      else if (c.name === "def") {
        const body = n.childForFieldName("body");
        if (!body) continue;
        const r: Region = { start: body.startIndex, end: n.endIndex, def: { kind: n.type === "class_definition" ? "class" : "function", qualname: "" } };
        regions.push(r);
        defRegion.set(n.id, r);
      } else if (c.name === "if") this.ifRegions(n, regions);
    }
    regions.sort((a, b) => a.start - b.start || b.end - a.end);

    // Then facts in document order, with a stack of the regions that enclose the current position.
    const stack: { region: Region; where: Where }[] = [];
    const moduleWhere: Where = { scope: "", mainGuard: false, conds: [] };
    let where: Where = moduleWhere;
    let next = 0;
    const enter = (pos: number) => {
      while (stack.length > 0 && stack[stack.length - 1]!.region.end <= pos) stack.pop();
      while (next < regions.length && regions[next]!.start <= pos) {
        const r = regions[next++]!;
        while (stack.length > 0 && stack[stack.length - 1]!.region.end <= r.start) stack.pop();
        if (r.end <= pos) continue;
        const outer = stack.length > 0 ? stack[stack.length - 1]!.where : { scope: "", mainGuard: false, conds: [] };
        let w: Where;
        if (r.def) w = { scope: r.def.qualname, mainGuard: outer.mainGuard, conds: r.def.kind === "class" ? outer.conds : [] };
        else w = { scope: outer.scope, mainGuard: outer.mainGuard || Boolean(r.mainGuard), conds: [...outer.conds, ...(r.conds ?? [])] };
        stack.push({ region: r, where: w });
      }
      where = stack.length > 0 ? stack[stack.length - 1]!.where : moduleWhere;
      let id = this.whereIds.get(where);
      if (id === undefined) {
        id = this.index.wheres.push(where) - 1;
        this.whereIds.set(where, id);
      }
      this.w = id;
    };

    for (const c of caps) {
      const n = c.node;
      enter(n.startIndex);
      switch (c.name) {
        case "import":
          this.importStmt(n);
          break;
        case "from":
          this.importFrom(n);
          break;
        case "def": {
          const d = this.definition(n, where);
          const r = defRegion.get(n.id);
          if (d && r?.def) r.def.qualname = d.qualname;
          if (d && n.type === "function_definition") this.functions.push([d.nameR, n]);
          break;
        }
        case "assign":
          this.assignment(n);
          break;
        case "for":
          if (this.flaskWorld) this.loop(n);
          break;
        case "withas": {
          const [inner, target] = n.namedChildren;
          const t = target?.type === "as_pattern_target" ? target.namedChildren[0] : null;
          if (inner && t) this.index.assigns.push({ w: this.w, targets: [this.value(t)], value: this.value(inner), op: "=", r: rng(n) });
          break;
        }
        case "call":
          this.call(n);
          break;
        case "return": {
          const v = n.namedChildren[0];
          this.index.returns.push({ w: this.w, value: v && v.type !== "comment" ? this.value(v) : null, r: rng(n) });
          break;
        }
        case "global": {
          const names = n.namedChildren.filter((x) => x?.type === "identifier").map((x) => x!.text);
          (this.index.globals[where.scope] ??= []).push(...names);
          break;
        }
        case "py2":
          this.index.python2 = true;
          break;
        case "error":
          this.index.syntaxErrors.push(rng(n));
          break;
      }
    }
  }

  /** Adds a region per branch of an if statement, each with the conditions that hold inside it. */
  private ifRegions(n: Node, regions: Region[]): void {
    const cond = n.childForFieldName("condition");
    const consequence = n.childForFieldName("consequence");
    const text = cond ? condSnippet(cond.text) : "";
    if (consequence) regions.push({ start: consequence.startIndex, end: consequence.endIndex, conds: [text], mainGuard: cond ? isMainGuard(cond) : false });
    const negated = [`not (${text})`];
    for (const alt of n.childrenForFieldName("alternative")) {
      if (!alt) continue;
      if (alt.type === "elif_clause") {
        const c2 = alt.childForFieldName("condition");
        const body = alt.childForFieldName("consequence");
        const t2 = c2 ? condSnippet(c2.text) : "";
        if (body) regions.push({ start: body.startIndex, end: body.endIndex, conds: [...negated, t2] });
        negated.push(`not (${t2})`);
      } else {
        const body = alt.childForFieldName("body");
        if (body) regions.push({ start: body.startIndex, end: body.endIndex, conds: negated.slice() });
      }
    }
  }

  private definition(n: Node, where: Where): Wire<DefFact> | null {
    const nameNode = n.childForFieldName("name");
    if (!nameNode) return null;
    const name = this.ident(nameNode);
    const qualname = where.scope ? `${where.scope}.${name}` : name;
    const isClass = n.type === "class_definition";
    const outer = this.decorated.get(n.id) ?? n;
    const decorators: Expr[] = [];
    if (outer !== n) {
      for (const d of outer.namedChildren) {
        if (d?.type !== "decorator") continue;
        const e = d.namedChildren.find((x) => x && x.type !== "comment");
        if (e) decorators.push(this.value(e));
      }
    }
    const bases: Expr[] = [];
    const params: Param[] = [];
    if (isClass) {
      const sup = n.childForFieldName("superclasses");
      if (sup)
        for (const b of sup.namedChildren) {
          if (!b) continue;
          const t = b.type;
          if (t !== "keyword_argument" && t !== "comment") bases.push(this.value(b));
        }
    } else {
      const ps = n.childForFieldName("parameters");
      if (ps) for (const p of ps.namedChildren) if (p) params.push(param(p));
    }
    const def: Wire<DefFact> = {
      w: this.w,
      kind: isClass ? "class" : "function",
      name,
      qualname,
      decorators,
      bases,
      params,
      r: rng(outer),
      nameR: rng(nameNode),
      isAsync: !isClass && this.src.startsWith("async", n.startIndex),
    };
    this.index.defs.push(def);
    return def;
  }

  private importStmt(n: Node): void {
    for (const c of n.childrenForFieldName("name")) {
      if (!c) continue;
      if (c.type === "aliased_import") {
        const mod = c.childForFieldName("name")?.text ?? "";
        const alias = c.childForFieldName("alias")?.text ?? mod;
        this.index.imports.push({ w: this.w, local: alias, module: mod, member: null, bindsTopPackage: false, r: rng(c) });
      } else {
        const mod = c.text;
        this.index.imports.push({ w: this.w, local: mod.split(".")[0]!, module: mod, member: null, bindsTopPackage: true, r: rng(c) });
      }
    }
  }

  private importFrom(n: Node): void {
    const modNode = n.childForFieldName("module_name");
    const module = n.type === "future_import_statement" ? "__future__" : (modNode?.text ?? "").replace(/\s+/g, "");
    const kids = n.namedChildren;
    if (kids.some((c) => c?.type === "wildcard_import")) {
      this.index.imports.push({ w: this.w, local: "*", module, member: "*", bindsTopPackage: false, r: rng(n) });
      return;
    }
    for (const c of n.childrenForFieldName("name")) {
      if (!c) continue;
      if (c.type === "aliased_import") {
        const member = c.childForFieldName("name")?.text ?? "";
        const alias = c.childForFieldName("alias")?.text ?? member;
        this.index.imports.push({ w: this.w, local: alias, module, member, bindsTopPackage: false, r: rng(c) });
      } else {
        this.index.imports.push({ w: this.w, local: c.text, module, member: c.text, bindsTopPackage: false, r: rng(c) });
      }
    }
  }

  /** A `for` over a literal list or tuple of strings (or of tuples of strings): see LoopFact. */
  private loop(n: Node): void {
    const right = n.childForFieldName("right");
    const left = n.childForFieldName("left");
    const body = n.childForFieldName("body");
    if (!right || !left || !body || (right.type !== "list" && right.type !== "tuple")) return;
    const iter = this.value(right);
    const constant = (e: Expr): boolean => e.k === "str" || (e.k === "seq" && e.elts.every((x) => x.k === "str"));
    if (iter.k !== "seq" || iter.elts.length === 0 || !iter.elts.every(constant)) return;
    (this.index.loops ??= []).push({ w: this.w, targets: this.value(left), iter, body: rng(body), r: rng(n) });
  }

  private assignment(stmt: Node): void {
    // Chained `a = b = value` nests assignments on the right.
    const targets: Node[] = [];
    let cur: Node | null = stmt.firstNamedChild;
    let op = "=";
    let type = cur?.type;
    while (cur && (type === "assignment" || type === "augmented_assignment")) {
      const left = cur.childForFieldName("left");
      if (left) targets.push(left);
      if (type === "augmented_assignment") op = cur.childForFieldName("operator")?.type ?? "+=";
      cur = cur.childForFieldName("right"); // null for a bare annotation `x: int`, which binds nothing
      type = cur?.type;
    }
    if (!cur) return;
    const value = this.value(cur);
    this.index.assigns.push({ w: this.w, targets: targets.map((t) => this.value(t)), value, op, r: rng(stmt) });
  }

  /** A call, lowered once however many facts refer to it; returns a ref to its entry in the calls list. */
  private call(n: Node): Expr {
    const known = this.calls.get(n.id);
    if (known !== undefined) return { k: "ref", i: known };
    const fnNode = n.firstNamedChild;
    const fn: Expr = fnNode ? this.value(fnNode) : NONE;
    const args: Expr[] = [];
    const kw: Kwarg[] = [];
    const name = fn.k === "name" ? fn.id : fn.k === "attr" ? fn.name : null;
    // Arguments are lowered before the call is listed, so calls nested in them come first in the list.
    // Methods of a `headers` object (`resp.headers.set("X-Frame-Options", ...)`) keep theirs for the header rules.
    const onHeaders = fn.k === "attr" && fn.obj.k === "attr" && fn.obj.name === "headers";
    // A decorator factory applied by hand (`limiter.limit("5/minute")(bp)`) keeps its arguments when the factory does.
    const inner = fn.k === "ref" ? this.index.calls[fn.i]?.call.fn : undefined;
    const applied = inner !== undefined && inner.k === "attr" && KEEP_ARGS.has(inner.name);
    const argsNode = (name !== null && (KEEP_ARGS.has(name) || /^[A-Z]/.test(name) || onHeaders)) || applied || this.flaskWorld ? n.lastNamedChild : null;
    if (argsNode && fnNode && argsNode.id !== fnNode.id) {
      if (argsNode.type === "generator_expression") args.push(OPAQUE);
      else
        for (const a of argsNode.namedChildren) {
          if (!a) continue;
          const at = a.type;
          if (at === "comment") continue;
          if (at === "keyword_argument") {
            const [nm, v] = a.namedChildren;
            kw.push({ name: nm ? this.ident(nm) : "", value: v ? this.value(v) : NONE, r: rng(a) });
          } else if (at === "dictionary_splat") {
            const v = a.namedChildren[0];
            kw.push({ name: null, value: v ? this.value(v) : NONE, r: rng(a) });
          } else args.push(this.value(a));
        }
    }
    const i = this.index.calls.push({ w: this.w, call: { k: "call", fn, args, kw, r: rng(n) }, statement: this.stmtCalls.has(n.id) }) - 1;
    this.calls.set(n.id, i);
    return { k: "ref", i };
  }

  /** Lowers an expression as deep as resolution reads it; operators (but `+` of strings and names) and comprehensions stay opaque. */
  value(n: Node): Expr {
    if (this.depth > MAX_DEPTH) return OPAQUE;
    this.depth++;
    try {
      return this.valueInner(n);
    } finally {
      this.depth--;
    }
  }

  private valueInner(n: Node): Expr {
    const type = n.type;
    switch (type) {
      case "identifier":
        return { k: "name", id: this.ident(n) };
      case "attribute": {
        const obj = n.firstNamedChild;
        const attr = n.lastNamedChild;
        return { k: "attr", obj: obj ? this.value(obj) : NONE, name: attr ? this.ident(attr) : "" };
      }
      case "call":
        return this.call(n);
      case "subscript": {
        const kids = n.namedChildren.filter((c): c is Node => !!c && c.type !== "comment");
        const v = kids[0];
        const key = kids.length === 2 ? this.value(kids[1]!) : OPAQUE;
        return { k: "sub", obj: v ? this.value(v) : NONE, key };
      }
      case "string": {
        const v = stringValue(n.text);
        if (v === null && n.namedChildren.some((c) => c?.type === "interpolation")) {
          // f-string: keep the interpolated expressions (what gets formatted into the text).
          const parts: Expr[] = [];
          for (const c of n.namedChildren) if (c?.type === "interpolation" && c.firstNamedChild) parts.push(this.value(c.firstNamedChild));
          return { k: "fstr", parts };
        }
        return v === null ? OPAQUE : { k: "str", v };
      }
      case "concatenated_string": {
        let out = "";
        for (const c of n.namedChildren) {
          if (c?.type !== "string") continue;
          const v = stringValue(c.text);
          if (v === null) return OPAQUE;
          out += v;
        }
        return { k: "str", v: out };
      }
      case "integer":
      case "float": {
        const t = n.text.replace(/_/g, "").toLowerCase();
        let v = Number(t.replace(/[lj]$/, ""));
        if (Number.isNaN(v) && /^0o[0-7]+$/.test(t)) v = parseInt(t.slice(2), 8);
        if (/^0[0-7]+$/.test(t)) v = parseInt(t, 8); // Python 2 octal; the syntax error reports it
        return { k: "num", v };
      }
      case "true":
        return { k: "bool", v: true };
      case "false":
        return { k: "bool", v: false };
      case "none":
        return NONE;
      case "parenthesized_expression": {
        const inner = n.namedChildren.find((c) => c && c.type !== "comment");
        return inner ? this.value(inner) : NONE;
      }
      case "list":
      case "tuple":
      case "set":
      case "expression_list":
      case "pattern_list":
      case "tuple_pattern":
      case "list_pattern": {
        const elts: Expr[] = [];
        for (const c of elements(n)) if (c && c.type !== "comment") elts.push(this.value(c));
        return { k: "seq", kind: type === "list" || type === "list_pattern" ? "list" : type === "set" ? "set" : "tuple", elts };
      }
      case "dictionary": {
        const items: DictItem[] = [];
        for (const c of elements(n)) {
          if (!c) continue;
          const ct = c.type;
          if (ct === "pair") {
            const [k, v] = c.namedChildren;
            items.push({ key: k ? this.value(k) : null, value: v ? this.value(v) : NONE, r: rng(c) });
          } else if (ct === "dictionary_splat") {
            const v = c.namedChildren[0];
            if (v) items.push({ key: null, value: this.value(v), r: rng(c) });
          }
        }
        return { k: "dict", items };
      }
      case "boolean_operator": {
        const [l, rt] = n.namedChildren;
        const op = /^\s*and\b/.test(n.text.slice((l?.endIndex ?? n.startIndex) - n.startIndex)) ? "and" : "or";
        return { k: "boolop", op, l: l ? this.value(l) : NONE, rt: rt ? this.value(rt) : NONE };
      }
      case "conditional_expression": {
        const parts = n.namedChildren.filter((c): c is Node => !!c && c.type !== "comment");
        return { k: "cond", body: parts[0] ? this.value(parts[0]) : NONE, test: OPAQUE, orelse: parts[2] ? this.value(parts[2]) : NONE };
      }
      case "binary_operator": {
        // Only `+` of string literals and names (a URL rule built from a prefix and a loop variable); other
        // arithmetic stays opaque, since linking never reads it.
        const l = n.childForFieldName("left");
        const rt = n.childForFieldName("right");
        const op = n.childForFieldName("operator")?.type;
        const simple = (x: Node | null): x is Node => x !== null && (x.type === "string" || x.type === "identifier");
        if (op !== "+" || !simple(l) || !simple(rt)) return OPAQUE;
        return { k: "bin", op: "+", l: this.value(l), rt: this.value(rt) };
      }
      case "unary_operator": {
        const a = n.namedChildren[0];
        const e = a ? this.value(a) : NONE;
        const op = n.text.trimStart()[0];
        if (e.k === "num") return { k: "num", v: op === "-" ? -e.v : op === "~" ? ~e.v : e.v };
        return OPAQUE;
      }
      case "list_splat_pattern":
      case "list_splat": {
        const inner = n.namedChildren[0];
        return { k: "other", type: "list_splat_pattern", parts: inner ? [this.value(inner)] : [] };
      }
      default:
        return OPAQUE;
    }
  }
}

function param(p: Node): Param {
  switch (p.type) {
    case "identifier":
      return { name: p.text, kind: "pos", default: null };
    case "typed_parameter": {
      const id = p.namedChildren[0];
      if (id?.type === "list_splat_pattern") return { name: id.namedChildren[0]?.text ?? "", kind: "star", default: null };
      if (id?.type === "dictionary_splat_pattern") return { name: id.namedChildren[0]?.text ?? "", kind: "dstar", default: null };
      return { name: id?.text ?? "", kind: "pos", default: null };
    }
    case "default_parameter":
    case "typed_default_parameter":
      return { name: p.namedChildren[0]?.text ?? "", kind: "pos", default: null };
    case "list_splat_pattern":
      return { name: p.namedChildren[0]?.text ?? "", kind: "star", default: null };
    case "dictionary_splat_pattern":
      return { name: p.namedChildren[0]?.text ?? "", kind: "dstar", default: null };
    default:
      return { name: p.text, kind: "kwonly", default: null };
  }
}

/**
 * Suppression comments with the statement span each covers: an end-of-line comment covers the
 * (innermost) statement on its line, an own-line comment the next statement; a compound statement
 * (def, class, if ...) is covered up to its body, never the body itself.
 */
function suppressions(tree: Tree, lang: Language, path: string, lines: string[]): SuppressionComment[] {
  const caps = queriesFor(lang).spans.captures(tree.rootNode);
  const comments: { line: number; text: string; ownLine: boolean }[] = [];
  const spans: [number, number][] = [];
  for (const c of caps) {
    const n = c.node;
    const start = n.startPosition.row + 1;
    if (c.name === "comment") {
      const col = n.startPosition.column;
      comments.push({ line: start, text: n.text, ownLine: (lines[start - 1] ?? "").slice(0, col).trim() === "" });
    } else if (c.name === "simple") spans.push([start, n.endPosition.row + 1]);
    else {
      const def = n.type === "decorated_definition" ? n.childForFieldName("definition") : n;
      const body = def?.childForFieldName("body") ?? def?.childForFieldName("consequence") ?? n.namedChildren.find((x) => x?.type === "block") ?? null;
      const headerEnd = body ? Math.max(start, body.startPosition.row) : n.endPosition.row + 1;
      spans.push([start, headerEnd]);
    }
  }
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const out: SuppressionComment[] = [];
  for (const c of comments) {
    const parsed = parseSuppressionComment(c.text);
    if (!parsed) continue;
    let span: [number, number] | undefined;
    if (c.ownLine) span = spans.find((s) => s[0] > c.line);
    else for (const s of spans) if (s[0] <= c.line && c.line <= s[1] && (!span || s[0] >= span[0])) span = s;
    out.push({ file: path, line: c.line, ruleIds: parsed.ruleIds, reason: parsed.reason, fromLine: span ? span[0] : c.line, toLine: span ? span[1] : c.line });
  }
  return out;
}

/**
 * How deep a module is indexed. "auto" indexes a standalone module (one that imports nothing but the
 * standard library and modules of its own package) in outline: its imports, and the facts of its top level
 * and class bodies, but nothing else from inside its functions. Such a module can only matter to a Flask app
 * through the project's other modules; src/link/outline.ts finds the ones that are connected to them
 * and has them indexed again in "full".
 */
export type IndexDepth = "auto" | "full";

/** Whether a module imports nothing outside the standard library but relative imports. */
function isStandalone(imports: Node[]): boolean {
  for (const stmt of imports)
    for (const m of importedModules(stmt)) if (!m.startsWith(".") && !STDLIB_MODULES.has(m.split(".")[0]!)) return false;
  return true;
}

/** Indexes one parsed module into the wire format (decode with wire.ts). `tree` is not freed here. */
export function indexModule(tree: Tree, path: string, source: string, depth: IndexDepth = "auto"): WireModule {
  const root = tree.rootNode;
  const lang = tree.language;
  const ix = new Indexer(path, root.endPosition.row + 1, source);
  const imports = keywordStatements(root, source, "import", IMPORT_STATEMENTS);
  const standalone = isStandalone(imports);
  const outline = standalone && depth === "auto";
  ix.run(tree, lang, outline ? imports : undefined);
  const index = ix.index;
  if (standalone) index.standalone = true;
  if (outline) index.outline = true;
  // Request data can only reach a module's functions if it can reach Flask; a module that imports it
  // gets its function bodies lowered here, in the worker, for the data-flow engine (see body.ts).
  if (importsFlaskWorld(index)) {
    const lowerer = new BodyLowerer();
    const bodies: Record<R, ReturnType<BodyLowerer["block"]>> = {};
    for (const [nameR, fn] of ix.functions) bodies[nameR] = lowerer.block(fn.childForFieldName("body"));
    index.bodies = bodies;
  }
  // Errors can also be MISSING nodes, which the query does not capture; the root flag is authoritative.
  if (root.hasError && index.syntaxErrors.length === 0) {
    const first = findFirstError(root);
    index.syntaxErrors.push(rng(first ?? root));
  }
  if (source.includes("flaskwarden")) index.suppressions = suppressions(tree, lang, path, source.split(/\r?\n/));
  return index;
}

function findFirstError(n: Node): Node | null {
  if (n.type === "ERROR" || n.isMissing) return n;
  if (!n.hasError) return null;
  for (const c of n.children) {
    if (!c) continue;
    const f = findFirstError(c);
    if (f) return f;
  }
  return null;
}
