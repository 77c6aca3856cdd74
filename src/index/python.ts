/**
 * Lowers a tree-sitter Python syntax tree into the per-file index (see ir.ts).
 * One pass over the statements; expressions are lowered only where a fact needs them.
 */
import type { Node, Tree } from "web-tree-sitter";
import type { SuppressionComment } from "../filter/suppress.js";
import { parseSuppressionComment } from "../filter/suppress.js";
import type {
  AssignFact,
  CallFact,
  DefFact,
  DictItem,
  Expr,
  ImportFact,
  Kwarg,
  ModuleIndex,
  Param,
  R,
  ReturnFact,
  Where,
} from "./ir.js";

const MAX_DEPTH = 40;

function rng(n: Node): R {
  const s = n.startPosition;
  const e = n.endPosition;
  return `${s.row + 1}:${s.column + 1}:${e.row + 1}:${e.column + 1}`;
}

/** Decodes a Python string literal from its text (one call into the tree instead of one per part). */
function stringValue(n: Node): { value: string; isF: boolean; parts: Node[] } {
  const text = n.text;
  const prefix = /^[a-zA-Z]*/.exec(text)![0].toLowerCase();
  const isF = prefix.includes("f");
  if (isF) {
    const parts = n.namedChildren.filter((c): c is Node => !!c && c.type === "interpolation");
    return { value: "", isF, parts };
  }
  const body = text.slice(prefix.length);
  const q = body.startsWith('"""') || body.startsWith("'''") ? 3 : 1;
  const inner = body.slice(q, Math.max(q, body.length - q));
  return { value: prefix.includes("r") ? inner : unescape(inner), isF, parts: [] };
}

function unescape(s: string): string {
  if (!s.includes("\\")) return s;
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[nrt'"\\0]|\n)/g, (_m, g: string) => {
    switch (g[0]) {
      case "n":
        return "\n";
      case "r":
        return "\r";
      case "t":
        return "\t";
      case "0":
        return "\0";
      case "\n":
        return "";
      case "x":
      case "u":
        return String.fromCharCode(parseInt(g.slice(1), 16));
      default:
        return g;
    }
  });
}

const NONE: Expr = { k: "none" };

class Lowerer {
  readonly imports: ImportFact[] = [];
  readonly defs: DefFact[] = [];
  readonly assigns: AssignFact[] = [];
  readonly calls: CallFact[] = [];
  readonly returns: ReturnFact[] = [];
  readonly globals: Record<string, string[]> = {};
  readonly syntaxErrors: R[] = [];
  /** Statement spans for suppression coverage: [startLine, headerEndLine, endLine]. */
  readonly stmtSpans: [number, number, number][] = [];
  readonly comments: { line: number; text: string; ownLine: boolean }[] = [];
  python2 = false;
  private depth = 0;

  /**
   * @param wantSpans record statement spans and comments; only needed when the file holds a
   *   suppression comment, and skipping them saves a call into the tree per statement.
   */
  constructor(
    private readonly path: string,
    private readonly wantSpans: boolean,
  ) {}

  // ---------- statements ----------

  block(n: Node | null, where: Where): void {
    if (!n) return;
    for (const c of n.namedChildren) if (c) this.stmt(c, where);
  }

  private span(n: Node, headerEnd?: Node | null): void {
    if (!this.wantSpans) return;
    const start = n.startPosition.row + 1;
    const end = n.endPosition.row + 1;
    const header = headerEnd ? Math.max(start, headerEnd.startPosition.row) : end;
    this.stmtSpans.push([start, header, end]);
  }

  stmt(n: Node, where: Where): void {
    switch (n.type) {
      case "comment":
        this.comment(n);
        return;
      case "ERROR":
        this.syntaxErrors.push(rng(n));
        // Still index what the error node holds: a partial tree is better than none.
        for (const c of n.namedChildren) if (c) this.stmt(c, where);
        return;
      case "expression_statement":
        this.span(n);
        for (const c of n.namedChildren) {
          if (!c) continue;
          const t = c.type;
          if (t === "assignment" || t === "augmented_assignment") this.assignment(c, where, n);
          else if (t !== "comment") this.expr(c, where, true);
        }
        return;
      case "import_statement":
        this.span(n);
        this.importStmt(n, where);
        return;
      case "import_from_statement":
      case "future_import_statement":
        this.span(n);
        this.importFrom(n, where);
        return;
      case "decorated_definition": {
        const kids = n.namedChildren.filter((c): c is Node => !!c);
        const def = kids[kids.length - 1];
        const decorators = kids.filter((c) => c.type === "decorator");
        if (def && def.type !== "decorator") {
          this.span(n, this.wantSpans ? def.childForFieldName("body") : null);
          this.definition(def, where, decorators, n);
        }
        return;
      }
      case "function_definition":
      case "class_definition":
        this.span(n, this.wantSpans ? n.childForFieldName("body") : null);
        this.definition(n, where, [], n);
        return;
      case "if_statement":
        this.ifStmt(n, where);
        return;
      case "return_statement": {
        this.span(n);
        const v = n.namedChildren[0];
        const value = v && v.type !== "comment" ? this.expr(v, where) : null;
        this.returns.push({ ...where, value, r: rng(n) });
        return;
      }
      case "global_statement":
      case "nonlocal_statement": {
        this.span(n);
        const names = n.namedChildren.filter((c) => c?.type === "identifier").map((c) => c!.text);
        (this.globals[where.scope] ??= []).push(...names);
        return;
      }
      case "print_statement":
      case "exec_statement":
        this.python2 = true;
        this.span(n);
        return;
      default:
        this.span(n, this.wantSpans ? (n.namedChildren.find((c) => c?.type === "block") ?? null) : null);
        this.compound(n, where);
    }
  }

  /** Walks a compound statement (for, while, with, try, match...): expressions in its header, then its blocks. */
  private compound(n: Node, where: Where): void {
    for (const c of n.namedChildren) {
      if (!c) continue;
      const t = c.type;
      switch (t) {
        case "block":
          this.block(c, where);
          break;
        case "comment":
          this.comment(c);
          break;
        case "else_clause":
        case "except_clause":
        case "except_group_clause":
        case "finally_clause":
        case "case_clause":
        case "elif_clause":
          this.compound(c, where);
          break;
        case "with_clause":
          for (const item of c.namedChildren) {
            const v = item?.namedChildren[0];
            if (v) this.withItem(v, where);
          }
          break;
        case "ERROR":
          this.syntaxErrors.push(rng(c));
          break;
        default:
          if (EXPRESSION_TYPES.has(t)) this.expr(c, where);
      }
    }
  }

  private withItem(v: Node, where: Where): void {
    // `with open(x) as f:` is as_pattern(expression, as_pattern_target)
    if (v.type === "as_pattern") {
      const [inner, target] = v.namedChildren;
      if (inner) {
        const value = this.expr(inner, where);
        const t = target?.type === "as_pattern_target" ? target.namedChildren[0] : null;
        if (t) this.assigns.push({ ...where, targets: [this.expr(t, where)], value, op: "=", r: rng(v) });
      }
    } else this.expr(v, where);
  }

  private comment(n: Node): void {
    if (!this.wantSpans) return;
    const prev = n.previousSibling;
    // Own-line when nothing precedes it on its line (tree-sitter attaches trailing comments after the code).
    const ownLine = !prev || prev.endPosition.row < n.startPosition.row;
    this.comments.push({ line: n.startPosition.row + 1, text: n.text, ownLine });
  }

  private ifStmt(n: Node, where: Where): void {
    const cond = n.childForFieldName("condition");
    const consequence = n.childForFieldName("consequence");
    this.span(n, consequence);
    const condText = cond ? condSnippet(cond.text) : "";
    const isMain = cond ? isMainGuard(cond) : false;
    if (cond) this.expr(cond, where);
    const inner: Where = { scope: where.scope, mainGuard: where.mainGuard || isMain, conds: [...where.conds, condText] };
    this.block(consequence, inner);
    const negated: string[] = [...where.conds, `not (${condText})`];
    for (const alt of n.childrenForFieldName("alternative")) {
      if (!alt) continue;
      if (alt.type === "elif_clause") {
        const c2 = alt.childForFieldName("condition");
        const t2 = c2 ? condSnippet(c2.text) : "";
        if (c2) this.expr(c2, { ...where, conds: negated.slice() });
        this.block(alt.childForFieldName("consequence"), { scope: where.scope, mainGuard: where.mainGuard, conds: [...negated, t2] });
        negated.push(`not (${t2})`);
      } else {
        this.block(alt.childForFieldName("body"), { scope: where.scope, mainGuard: where.mainGuard, conds: negated.slice() });
      }
    }
  }

  private definition(n: Node, where: Where, decorators: Node[], outer: Node): void {
    const nameNode = n.childForFieldName("name");
    const name = nameNode?.text ?? "<anonymous>";
    const qualname = where.scope ? `${where.scope}.${name}` : name;
    const isClass = n.type === "class_definition";
    const decos = decorators.map((d) => {
      const e = d.namedChildren.find((c) => c && c.type !== "comment");
      return e ? this.expr(e, where) : ({ k: "other", type: "decorator", parts: [], r: rng(d) } as Expr);
    });
    const bases: Expr[] = [];
    const params: Param[] = [];
    if (isClass) {
      const sup = n.childForFieldName("superclasses");
      if (sup)
        for (const b of sup.namedChildren) {
          if (!b) continue;
          const t = b.type;
          if (t !== "keyword_argument" && t !== "comment") bases.push(this.expr(b, where));
        }
    } else {
      const ps = n.childForFieldName("parameters");
      if (ps) for (const p of ps.namedChildren) if (p) this.param(p, where, params);
    }
    this.defs.push({
      ...where,
      kind: isClass ? "class" : "function",
      name,
      qualname,
      decorators: decos,
      bases,
      params,
      r: rng(outer),
      nameR: nameNode ? rng(nameNode) : rng(n),
      isAsync: !isClass && n.text.startsWith("async"),
    });
    this.block(n.childForFieldName("body"), { scope: qualname, mainGuard: where.mainGuard, conds: isClass ? where.conds : [] });
  }

  private param(p: Node, where: Where, out: Param[]): void {
    switch (p.type) {
      case "identifier":
        out.push({ name: p.text, kind: "pos", default: null });
        break;
      case "typed_parameter": {
        const id = p.namedChildren[0];
        if (id?.type === "list_splat_pattern") out.push({ name: id.namedChildren[0]?.text ?? "", kind: "star", default: null });
        else if (id?.type === "dictionary_splat_pattern") out.push({ name: id.namedChildren[0]?.text ?? "", kind: "dstar", default: null });
        else if (id) out.push({ name: id.text, kind: "pos", default: null });
        break;
      }
      case "default_parameter":
      case "typed_default_parameter": {
        const kids = p.namedChildren;
        const nm = kids[0];
        const v = kids[kids.length - 1];
        out.push({ name: nm?.text ?? "", kind: "pos", default: v && v !== nm ? this.expr(v, where) : null });
        break;
      }
      case "list_splat_pattern":
        out.push({ name: p.namedChildren[0]?.text ?? "", kind: "star", default: null });
        break;
      case "dictionary_splat_pattern":
        out.push({ name: p.namedChildren[0]?.text ?? "", kind: "dstar", default: null });
        break;
    }
  }

  private importStmt(n: Node, where: Where): void {
    for (const c of n.childrenForFieldName("name")) {
      if (!c) continue;
      if (c.type === "aliased_import") {
        const mod = c.childForFieldName("name")?.text ?? "";
        const alias = c.childForFieldName("alias")?.text ?? mod;
        this.imports.push({ ...where, local: alias, module: mod, member: null, bindsTopPackage: false, r: rng(c) });
      } else {
        const mod = c.text;
        this.imports.push({ ...where, local: mod.split(".")[0]!, module: mod, member: null, bindsTopPackage: true, r: rng(c) });
      }
    }
  }

  private importFrom(n: Node, where: Where): void {
    const modNode = n.childForFieldName("module_name");
    const module = n.type === "future_import_statement" ? "__future__" : (modNode?.text ?? "").replace(/\s+/g, "");
    if (n.namedChildren.some((c) => c?.type === "wildcard_import")) {
      this.imports.push({ ...where, local: "*", module, member: "*", bindsTopPackage: false, r: rng(n) });
      return;
    }
    for (const c of n.childrenForFieldName("name")) {
      if (!c) continue;
      if (c.type === "aliased_import") {
        const member = c.childForFieldName("name")?.text ?? "";
        const alias = c.childForFieldName("alias")?.text ?? member;
        this.imports.push({ ...where, local: alias, module, member, bindsTopPackage: false, r: rng(c) });
      } else {
        this.imports.push({ ...where, local: c.text, module, member: c.text, bindsTopPackage: false, r: rng(c) });
      }
    }
  }

  private assignment(n: Node, where: Where, stmt: Node): void {
    // Chained `a = b = value` nests assignments on the right.
    const targets: Node[] = [];
    let cur: Node | null = n;
    let op = "=";
    while (cur && (cur.type === "assignment" || cur.type === "augmented_assignment")) {
      const left = cur.childForFieldName("left");
      if (left) targets.push(left);
      if (cur.type === "augmented_assignment") op = cur.childForFieldName("operator")?.text ?? "+=";
      cur = cur.childForFieldName("right");
    }
    if (!cur) return; // bare annotation `x: int`
    const value = this.expr(cur, where);
    const tExprs = targets.map((t) => this.expr(t, where));
    this.assigns.push({ ...where, targets: tExprs, value, op, r: rng(stmt) });
  }

  // ---------- expressions ----------

  expr(n: Node, where: Where, statement = false): Expr {
    if (this.depth > MAX_DEPTH) return { k: "other", type: n.type, parts: [] };
    this.depth++;
    try {
      return this.exprInner(n, where, statement);
    } finally {
      this.depth--;
    }
  }

  private exprInner(n: Node, where: Where, statement: boolean): Expr {
    const type = n.type;
    switch (type) {
      case "identifier":
        return { k: "name", id: n.text };
      case "attribute": {
        const kids = n.namedChildren;
        const obj = kids[0];
        const attr = kids[kids.length - 1];
        return { k: "attr", obj: obj ? this.expr(obj, where) : NONE, name: attr?.text ?? "", r: rng(n) };
      }
      case "call": {
        const kids = n.namedChildren;
        const fnNode = kids[0];
        const argsNode = kids[kids.length - 1];
        const fn: Expr = fnNode ? this.expr(fnNode, where) : NONE;
        const args: Expr[] = [];
        const kw: Kwarg[] = [];
        if (argsNode && argsNode !== fnNode) {
          if (argsNode.type === "generator_expression") args.push(this.expr(argsNode, where));
          else
            for (const a of argsNode.namedChildren) {
              if (!a) continue;
              const at = a.type;
              if (at === "comment") this.comment(a);
              else if (at === "keyword_argument") {
                const [nm, v] = a.namedChildren;
                kw.push({ name: nm?.text ?? "", value: v ? this.expr(v, where) : NONE, r: rng(a) });
              } else if (at === "dictionary_splat") {
                const v = a.namedChildren[0];
                kw.push({ name: null, value: v ? this.expr(v, where) : NONE, r: rng(a) });
              } else args.push(this.expr(a, where));
            }
        }
        const call = { k: "call" as const, fn, args, kw, r: rng(n) };
        this.calls.push({ ...where, call, statement });
        return call;
      }
      case "subscript": {
        const kids = n.namedChildren.filter((c): c is Node => !!c && c.type !== "comment");
        const v = kids[0];
        const subs = kids.slice(1);
        const key: Expr = subs.length === 1 ? this.expr(subs[0]!, where) : { k: "seq", kind: "tuple", elts: subs.map((x) => this.expr(x, where)) };
        return { k: "sub", obj: v ? this.expr(v, where) : NONE, key, r: rng(n) };
      }
      case "string": {
        const s = stringValue(n);
        if (s.isF) return { k: "fstr", parts: s.parts.map((p) => this.interp(p, where)) };
        return { k: "str", v: s.value, r: rng(n) };
      }
      case "concatenated_string": {
        const parts = n.namedChildren.filter((c): c is Node => !!c && c.type === "string").map((c) => this.expr(c, where));
        if (parts.every((p) => p.k === "str")) return { k: "str", v: parts.map((p) => (p as { v: string }).v).join(""), r: rng(n) };
        return { k: "fstr", parts: parts.flatMap((p) => (p.k === "fstr" ? p.parts : p.k === "str" ? [] : [p])) };
      }
      case "integer":
      case "float": {
        const t = n.text.replace(/_/g, "").toLowerCase();
        let v = Number(t.replace(/[lj]$/, ""));
        if (Number.isNaN(v) && /^0o[0-7]+$/.test(t)) v = parseInt(t.slice(2), 8);
        if (/^0[0-7]+$/.test(t)) {
          this.python2 = true; // old-style octal literal
          v = parseInt(t, 8);
        }
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
        return inner ? this.expr(inner, where) : NONE;
      }
      case "list":
      case "tuple":
      case "set":
      case "expression_list":
      case "pattern_list":
      case "tuple_pattern":
      case "list_pattern":
        return {
          k: "seq",
          kind: type === "list" || type === "list_pattern" ? "list" : type === "set" ? "set" : "tuple",
          elts: this.children(n, where),
        };
      case "dictionary": {
        const items: DictItem[] = [];
        for (const c of n.namedChildren) {
          if (!c) continue;
          const ct = c.type;
          if (ct === "pair") {
            const [k, v] = c.namedChildren;
            items.push({ key: k ? this.expr(k, where) : null, value: v ? this.expr(v, where) : NONE, r: rng(c) });
          } else if (ct === "dictionary_splat") {
            const v = c.namedChildren[0];
            if (v) items.push({ key: null, value: this.expr(v, where), r: rng(c) });
          }
        }
        return { k: "dict", items };
      }
      case "binary_operator": {
        const [l, rt] = n.namedChildren;
        const op = n.childForFieldName("operator")?.type ?? "?";
        return { k: "bin", op, l: l ? this.expr(l, where) : NONE, rt: rt ? this.expr(rt, where) : NONE };
      }
      case "boolean_operator": {
        const [l, rt] = n.namedChildren;
        const op = n.childForFieldName("operator")?.type === "and" ? "and" : "or";
        return { k: "boolop", op, l: l ? this.expr(l, where) : NONE, rt: rt ? this.expr(rt, where) : NONE };
      }
      case "not_operator": {
        const a = n.namedChildren[0];
        return { k: "not", e: a ? this.expr(a, where) : NONE };
      }
      case "unary_operator": {
        const a = n.namedChildren[0];
        const e = a ? this.expr(a, where) : NONE;
        const op = n.text.trimStart()[0];
        if (e.k === "num") return { k: "num", v: op === "-" ? -e.v : op === "~" ? ~e.v : e.v };
        return { k: "other", type: "unary", parts: [e] };
      }
      case "comparison_operator": {
        const operands = n.namedChildren.filter((c): c is Node => !!c && c.type !== "comment");
        // Operator tokens sit between the operands: slice them out of the text rather than visiting every token.
        const text = n.text;
        const base = n.startIndex;
        const ops: string[] = [];
        for (let i = 1; i < operands.length; i++) {
          ops.push(text.slice(operands[i - 1]!.endIndex - base, operands[i]!.startIndex - base).trim().replace(/\s+/g, " "));
        }
        return { k: "cmp", ops, operands: operands.map((o) => this.expr(o, where)) };
      }
      case "conditional_expression": {
        const parts = n.namedChildren.filter((c): c is Node => !!c && c.type !== "comment");
        const [body, test, orelse] = parts.map((p) => this.expr(p, where));
        return { k: "cond", body: body ?? NONE, test: test ?? NONE, orelse: orelse ?? NONE };
      }
      case "keyword_argument": {
        const v = n.namedChildren[1];
        return v ? this.expr(v, where) : NONE;
      }
      case "lambda": {
        // A lambda body runs later in its own scope; keep its calls, attributed to the enclosing scope.
        const body = n.childForFieldName("body");
        return { k: "other", type: "lambda", parts: body ? [this.expr(body, where)] : [] };
      }
      case "ERROR":
        this.syntaxErrors.push(rng(n));
        return { k: "other", type: "ERROR", parts: this.children(n, where) };
      default:
        return { k: "other", type, parts: this.children(n, where) };
    }
  }

  private interp(p: Node, where: Where): Expr {
    const e = p.namedChildren.find((c) => {
      if (!c) return false;
      const t = c.type;
      return t !== "format_specifier" && t !== "type_conversion" && t !== "comment";
    });
    return e ? this.expr(e, where) : NONE;
  }

  private children(n: Node, where: Where): Expr[] {
    const out: Expr[] = [];
    for (const c of n.namedChildren) if (c && c.type !== "comment") out.push(this.expr(c, where));
    return out;
  }

  /** Turns collected comments into suppression comments with the statement span each covers. */
  suppressions(): SuppressionComment[] {
    const out: SuppressionComment[] = [];
    if (this.comments.length === 0) return out;
    const spans = this.stmtSpans.slice().sort((a, b) => a[0] - b[0] || b[2] - a[2]);
    for (const c of this.comments) {
      const parsed = parseSuppressionComment(c.text);
      if (!parsed) continue;
      let from = c.line;
      let to = c.line;
      if (c.ownLine) {
        // Covers the next statement: a simple one whole, a compound one up to its body.
        const next = spans.find((s) => s[0] > c.line);
        if (next) {
          from = next[0];
          to = next[1] < next[2] ? next[1] : next[2];
        }
      } else {
        // Innermost statement (or compound header) containing the comment's line.
        let best: [number, number, number] | undefined;
        for (const s of spans) {
          if (s[0] > c.line) break;
          const end = s[1] < s[2] ? s[1] : s[2];
          if (c.line <= end && (!best || s[0] >= best[0])) best = s;
        }
        if (best) {
          from = best[0];
          to = best[1] < best[2] ? best[1] : best[2];
        }
      }
      out.push({ file: this.path, line: c.line, ruleIds: parsed.ruleIds, reason: parsed.reason, fromLine: from, toLine: to });
    }
    return out;
  }
}

const EXPRESSION_TYPES = new Set([
  "identifier",
  "attribute",
  "call",
  "subscript",
  "string",
  "concatenated_string",
  "binary_operator",
  "boolean_operator",
  "comparison_operator",
  "not_operator",
  "conditional_expression",
  "list",
  "tuple",
  "dictionary",
  "set",
  "parenthesized_expression",
  "await",
  "list_comprehension",
  "dictionary_comprehension",
  "set_comprehension",
  "generator_expression",
  "lambda",
  "expression_list",
  "named_expression",
  "pattern_list",
]);


function condSnippet(t: string): string {
  const one = t.replace(/\s+/g, " ");
  return one.length > 160 ? `${one.slice(0, 157)}...` : one;
}

function isMainGuard(cond: Node): boolean {
  if (cond.type !== "comparison_operator") return false;
  const parts = cond.namedChildren.filter((c): c is Node => !!c);
  if (parts.length !== 2 || !cond.children.some((c) => c?.type === "==")) return false;
  const texts = parts.map((p) => p.text.replace(/^['"]|['"]$/g, ""));
  return texts.includes("__name__") && texts.includes("__main__");
}

/** Lowers one parsed module. `tree` is not freed here. */
export function lowerModule(tree: Tree, path: string, source?: string): ModuleIndex {
  const l = new Lowerer(path, source === undefined || source.includes("flaskwarden"));
  const root = tree.rootNode;
  l.block(root, { scope: "", mainGuard: false, conds: [] });
  // Error nodes can hide inside expressions the lowering does not visit; the root flag is authoritative.
  if (root.hasError && l.syntaxErrors.length === 0) {
    const missing = findFirstError(root);
    l.syntaxErrors.push(missing ? rng(missing) : rng(root));
  }
  return {
    path,
    lines: root.endPosition.row + 1,
    syntaxErrors: l.syntaxErrors,
    imports: l.imports,
    defs: l.defs,
    assigns: l.assigns,
    calls: l.calls,
    returns: l.returns,
    globals: l.globals,
    suppressions: l.suppressions(),
    python2: l.python2,
  };
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
