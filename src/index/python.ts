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
  return [s.row + 1, s.column + 1, e.row + 1, e.column + 1];
}

/** Decodes a Python string literal's content well enough for constant analysis (escapes, prefixes). */
function stringValue(n: Node): { value: string; isF: boolean; parts: Node[] } {
  let value = "";
  let isF = false;
  let raw = false;
  const parts: Node[] = [];
  for (const c of n.namedChildren) {
    if (!c) continue;
    switch (c.type) {
      case "string_start": {
        const p = c.text.toLowerCase();
        isF = p.includes("f");
        raw = p.includes("r");
        break;
      }
      case "string_content":
        value += raw ? c.text : unescape(c.text);
        break;
      case "escape_sequence":
        value += raw ? c.text : unescape(c.text);
        break;
      case "interpolation":
        parts.push(c);
        break;
    }
  }
  return { value, isF, parts };
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

  constructor(private readonly path: string) {}

  // ---------- statements ----------

  block(n: Node | null, where: Where): void {
    if (!n) return;
    for (const c of n.children) {
      if (c) this.stmt(c, where);
    }
  }

  private span(n: Node, headerEnd?: Node | null): void {
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
        for (const c of n.children) if (c && c.isNamed) this.stmt(c, where);
        return;
      case "expression_statement":
        this.span(n);
        for (const c of n.namedChildren) {
          if (!c) continue;
          if (c.type === "assignment" || c.type === "augmented_assignment") this.assignment(c, where, n);
          else this.exprStatement(c, where);
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
        const def = n.childForFieldName("definition");
        const decorators = n.namedChildren.filter((c): c is Node => !!c && c.type === "decorator");
        this.span(n, def?.childForFieldName("body"));
        if (def) this.definition(def, where, decorators, n);
        return;
      }
      case "function_definition":
      case "class_definition":
        this.span(n, n.childForFieldName("body"));
        this.definition(n, where, [], n);
        return;
      case "if_statement":
        this.span(n, n.childForFieldName("consequence"));
        this.ifStmt(n, where);
        return;
      case "return_statement": {
        this.span(n);
        const v = n.namedChildren[0];
        const value = v ? this.expr(v, where) : null;
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
        this.python2 = true;
        this.span(n);
        return;
      case "exec_statement":
        this.python2 = true;
        this.span(n);
        return;
      case "for_statement":
      case "while_statement":
      case "with_statement":
      case "try_statement":
      case "match_statement": {
        this.span(n, n.childForFieldName("body") ?? n.namedChildren.find((c) => c?.type === "block") ?? null);
        this.compound(n, where);
        return;
      }
      default:
        if (n.isNamed) {
          this.span(n);
          this.compound(n, where);
        }
    }
  }

  /** Walks a compound statement: expressions in its header, then its blocks. */
  private compound(n: Node, where: Where): void {
    for (const c of n.children) {
      if (!c) continue;
      switch (c.type) {
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
            const v = item?.childForFieldName("value");
            if (v) this.withItem(v, where);
          }
          break;
        case "ERROR":
          this.syntaxErrors.push(rng(c));
          break;
        default:
          if (c.isNamed && isExpressionNode(c.type)) this.expr(c, where);
      }
    }
  }

  private withItem(v: Node, where: Where): void {
    // `with open(x) as f:` is `as_pattern(expr, as_pattern_target)`
    if (v.type === "as_pattern") {
      const inner = v.namedChildren[0];
      const target = v.namedChildren.find((c) => c?.type === "as_pattern_target");
      if (inner) {
        const value = this.expr(inner, where);
        const t = target?.namedChildren[0];
        if (t) this.assigns.push({ ...where, targets: [this.expr(t, where)], value, op: "=", r: rng(v) });
      }
    } else this.expr(v, where);
  }

  private comment(n: Node): void {
    const prev = n.previousSibling;
    const ownLine = !prev || prev.endPosition.row < n.startPosition.row;
    // A comment that follows code on the same line is attached by tree-sitter to that statement's parent;
    // the test below checks the real preceding token on the line.
    this.comments.push({ line: n.startPosition.row + 1, text: n.text, ownLine });
  }

  private ifStmt(n: Node, where: Where): void {
    const cond = n.childForFieldName("condition");
    const condText = cond ? condSnippet(cond.text) : "";
    const isMain = cond ? isMainGuard(cond) : false;
    if (cond) this.expr(cond, where);
    const inner: Where = { scope: where.scope, mainGuard: where.mainGuard || isMain, conds: [...where.conds, condText] };
    this.block(n.childForFieldName("consequence"), inner);
    const negated: string[] = [...where.conds, `not (${condText})`];
    for (const alt of n.childrenForFieldName("alternative")) {
      if (!alt) continue;
      if (alt.type === "elif_clause") {
        const c2 = alt.childForFieldName("condition");
        const t2 = c2 ? condSnippet(c2.text) : "";
        if (c2) this.expr(c2, { ...where, conds: negated });
        this.block(alt.childForFieldName("consequence"), { scope: where.scope, mainGuard: where.mainGuard, conds: [...negated, t2] });
        negated.push(`not (${t2})`);
      } else {
        this.block(alt.childForFieldName("body"), { scope: where.scope, mainGuard: where.mainGuard, conds: negated.slice() });
      }
    }
    for (const c of n.children) if (c?.type === "comment") this.comment(c);
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
      if (sup) for (const b of sup.namedChildren) if (b && b.type !== "keyword_argument" && b.type !== "comment") bases.push(this.expr(b, where));
    } else {
      const ps = n.childForFieldName("parameters");
      if (ps) for (const p of ps.namedChildren) if (p) this.param(p, where, params);
    }
    const isAsync = !isClass && n.children.some((c) => c?.type === "async");
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
      isAsync,
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
        const nm = p.childForFieldName("name");
        const v = p.childForFieldName("value");
        out.push({ name: nm?.text ?? "", kind: "pos", default: v ? this.expr(v, where) : null });
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
    const value: Expr = cur ? this.expr(cur, where) : { k: "none", r: rng(n) };
    if (!cur && n.childForFieldName("type")) return; // bare annotation `x: int`
    const tExprs = targets.map((t) => this.expr(t, where));
    this.assigns.push({ ...where, targets: tExprs, value, op, r: rng(stmt) });
  }

  private exprStatement(n: Node, where: Where): void {
    const e = this.expr(n, where, true);
    void e;
  }

  // ---------- expressions ----------

  expr(n: Node, where: Where, statement = false): Expr {
    if (this.depth > MAX_DEPTH) return { k: "other", type: n.type, parts: [], r: rng(n) };
    this.depth++;
    try {
      return this.exprInner(n, where, statement);
    } finally {
      this.depth--;
    }
  }

  private exprInner(n: Node, where: Where, statement: boolean): Expr {
    const r = rng(n);
    switch (n.type) {
      case "identifier":
        return { k: "name", id: n.text, r };
      case "attribute": {
        const obj = n.childForFieldName("object");
        const attr = n.childForFieldName("attribute");
        return { k: "attr", obj: obj ? this.expr(obj, where) : { k: "none", r }, name: attr?.text ?? "", r };
      }
      case "call": {
        const fnNode = n.childForFieldName("function");
        const argsNode = n.childForFieldName("arguments");
        const fn: Expr = fnNode ? this.expr(fnNode, where) : { k: "none", r };
        const args: Expr[] = [];
        const kw: Kwarg[] = [];
        if (argsNode) {
          if (argsNode.type === "generator_expression") args.push(this.expr(argsNode, where));
          else
            for (const a of argsNode.namedChildren) {
              if (!a) continue;
              if (a.type === "comment") {
                this.comment(a);
                continue;
              }
              if (a.type === "keyword_argument") {
                const nm = a.childForFieldName("name");
                const v = a.childForFieldName("value");
                kw.push({ name: nm?.text ?? "", value: v ? this.expr(v, where) : { k: "none", r: rng(a) }, r: rng(a) });
              } else if (a.type === "dictionary_splat") {
                const v = a.namedChildren[0];
                kw.push({ name: null, value: v ? this.expr(v, where) : { k: "none", r: rng(a) }, r: rng(a) });
              } else args.push(this.expr(a, where));
            }
        }
        const call = { k: "call" as const, fn, args, kw, r };
        this.calls.push({ ...where, call, statement });
        return call;
      }
      case "subscript": {
        const v = n.childForFieldName("value");
        const subs = n.childrenForFieldName("subscript").filter((c): c is Node => !!c);
        const key: Expr =
          subs.length === 1 ? this.expr(subs[0]!, where) : { k: "seq", kind: "tuple", elts: subs.map((s) => this.expr(s, where)), r };
        return { k: "sub", obj: v ? this.expr(v, where) : { k: "none", r }, key, r };
      }
      case "string": {
        const s = stringValue(n);
        if (s.isF) return { k: "fstr", parts: s.parts.map((p) => this.interp(p, where)), r };
        return { k: "str", v: s.value, r };
      }
      case "concatenated_string": {
        const parts = n.namedChildren.filter((c): c is Node => !!c && c.type === "string").map((c) => this.expr(c, where));
        if (parts.every((p) => p.k === "str")) return { k: "str", v: parts.map((p) => (p as { v: string }).v).join(""), r };
        return { k: "fstr", parts: parts.flatMap((p) => (p.k === "fstr" ? p.parts : p.k === "str" ? [] : [p])), r };
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
        return { k: "num", v, r };
      }
      case "true":
        return { k: "bool", v: true, r };
      case "false":
        return { k: "bool", v: false, r };
      case "none":
        return { k: "none", r };
      case "parenthesized_expression": {
        const inner = n.namedChildren.find((c) => c && c.type !== "comment");
        return inner ? this.expr(inner, where) : { k: "none", r };
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
          kind: n.type === "list" || n.type === "list_pattern" ? "list" : n.type === "set" ? "set" : "tuple",
          elts: n.namedChildren.filter((c): c is Node => !!c && c.type !== "comment").map((c) => this.expr(c, where)),
          r,
        };
      case "dictionary": {
        const items: DictItem[] = [];
        for (const c of n.namedChildren) {
          if (!c) continue;
          if (c.type === "pair") {
            const k = c.childForFieldName("key");
            const v = c.childForFieldName("value");
            items.push({ key: k ? this.expr(k, where) : null, value: v ? this.expr(v, where) : { k: "none", r } });
          } else if (c.type === "dictionary_splat") {
            const v = c.namedChildren[0];
            if (v) items.push({ key: null, value: this.expr(v, where) });
          }
        }
        return { k: "dict", items, r };
      }
      case "binary_operator": {
        const l = n.childForFieldName("left");
        const rt = n.childForFieldName("right");
        const op = n.childForFieldName("operator")?.text ?? "?";
        return { k: "bin", op, l: l ? this.expr(l, where) : { k: "none", r }, rt: rt ? this.expr(rt, where) : { k: "none", r }, r };
      }
      case "boolean_operator": {
        const l = n.childForFieldName("left");
        const rt = n.childForFieldName("right");
        const op = n.childForFieldName("operator")?.text === "and" ? "and" : "or";
        return { k: "boolop", op, l: l ? this.expr(l, where) : { k: "none", r }, rt: rt ? this.expr(rt, where) : { k: "none", r }, r };
      }
      case "not_operator": {
        const a = n.childForFieldName("argument");
        return { k: "not", e: a ? this.expr(a, where) : { k: "none", r }, r };
      }
      case "unary_operator": {
        const a = n.childForFieldName("argument");
        const op = n.childForFieldName("operator")?.text ?? "";
        const e = a ? this.expr(a, where) : ({ k: "none", r } as Expr);
        if (e.k === "num") return { k: "num", v: op === "-" ? -e.v : op === "~" ? ~e.v : e.v, r };
        return { k: "other", type: "unary", parts: [e], r };
      }
      case "comparison_operator": {
        const operands: Expr[] = [];
        const ops: string[] = [];
        for (const c of n.children) {
          if (!c) continue;
          if (c.isNamed && c.type !== "comment") operands.push(this.expr(c, where));
          else if (!c.isNamed) {
            // "not in" / "is not" come as two tokens
            const t = c.type;
            if (ops.length === operands.length) ops[ops.length - 1] += ` ${t}`;
            else ops.push(t);
          }
        }
        return { k: "cmp", ops, operands, r };
      }
      case "conditional_expression": {
        const parts = n.namedChildren.filter((c): c is Node => !!c && c.type !== "comment");
        const [body, test, orelse] = parts.map((p) => this.expr(p, where));
        return { k: "cond", body: body ?? { k: "none", r }, test: test ?? { k: "none", r }, orelse: orelse ?? { k: "none", r }, r };
      }
      case "keyword_argument": {
        const v = n.childForFieldName("value");
        return v ? this.expr(v, where) : { k: "none", r };
      }
      case "lambda": {
        // A lambda body runs later in its own scope; keep its calls, attributed to the enclosing scope.
        const body = n.childForFieldName("body");
        return { k: "other", type: "lambda", parts: body ? [this.expr(body, where)] : [], r };
      }
      case "ERROR":
        this.syntaxErrors.push(r);
        return { k: "other", type: "ERROR", parts: this.children(n, where), r };
      default:
        return { k: "other", type: n.type, parts: this.children(n, where), r };
    }
  }

  private interp(p: Node, where: Where): Expr {
    const e = p.namedChildren.find((c) => c && c.type !== "format_specifier" && c.type !== "type_conversion" && c.type !== "comment");
    return e ? this.expr(e, where) : { k: "none", r: rng(p) };
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

function isExpressionNode(t: string): boolean {
  return EXPRESSION_TYPES.has(t);
}

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
export function lowerModule(tree: Tree, path: string): ModuleIndex {
  const l = new Lowerer(path);
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
