/**
 * Lowers one function body from its syntax tree into the small statement language the data-flow
 * engine runs on (see ../../ARCHITECTURE.md, "Data flow"). Unlike the rest of the per-file index, which
 * keeps only what linking reads, this keeps every expression, because any of them may carry request
 * data. Workers lower every function of a module that imports Flask; the engine lowers any other
 * function it needs on demand.
 */
import type { Node } from "web-tree-sitter";
import type { DictItem, Expr, Kwarg, R } from "./ir.js";
import { rng, stringValue } from "./text.js";

export type Step =
  | { s: "assign"; targets: Expr[]; value: Expr; op: string; r: R }
  | { s: "expr"; e: Expr; r: R }
  | { s: "return"; e: Expr | null; r: R }
  | { s: "raise"; r: R }
  | { s: "if"; test: Expr; body: Step[]; orelse: Step[]; r: R }
  /** `for target in iter` (iter set) or `while test` (test set). */
  | { s: "loop"; target: Expr | null; iter: Expr | null; test: Expr | null; body: Step[]; orelse: Step[]; r: R }
  | { s: "with"; items: { e: Expr; target: Expr | null }[]; body: Step[]; r: R }
  | { s: "try"; body: Step[]; handlers: Step[][]; orelse: Step[]; final: Step[]; r: R }
  /** `case` arms of a match statement, or any other set of alternatives: each may run. */
  | { s: "branches"; subject: Expr; arms: Step[][]; r: R; literal?: boolean[] };

const OPAQUE: Expr = { k: "other", type: "opaque", parts: [] };
const NONE: Expr = { k: "none" };
const MAX_DEPTH = 64;

function named(n: Node): Node[] {
  const out: Node[] = [];
  for (const c of n.namedChildren) if (c && c.type !== "comment") out.push(c);
  return out;
}

export class BodyLowerer {
  private depth = 0;

  block(n: Node | null): Step[] {
    const out: Step[] = [];
    if (!n) return out;
    for (const st of named(n)) this.statement(st, out);
    return out;
  }

  private statement(n: Node, out: Step[]): void {
    const r = rng(n);
    switch (n.type) {
      case "expression_statement": {
        for (const c of named(n)) {
          if (c.type === "assignment" || c.type === "augmented_assignment") this.assignment(c, out);
          else out.push({ s: "expr", e: this.expr(c), r });
        }
        return;
      }
      case "return_statement": {
        const v = named(n)[0];
        out.push({ s: "return", e: v ? this.expr(v) : null, r });
        return;
      }
      case "raise_statement": {
        const v = named(n)[0];
        if (v) out.push({ s: "expr", e: this.expr(v), r });
        out.push({ s: "raise", r });
        return;
      }
      case "if_statement": {
        out.push(this.ifChain(n.childForFieldName("condition"), n.childForFieldName("consequence"), n.childrenForFieldName("alternative").filter((x): x is Node => !!x), r));
        return;
      }
      case "for_statement": {
        const left = n.childForFieldName("left");
        const right = n.childForFieldName("right");
        const alt = n.childForFieldName("alternative");
        out.push({
          s: "loop",
          target: left ? this.expr(left) : null,
          iter: right ? this.expr(right) : NONE,
          test: null,
          body: this.block(n.childForFieldName("body")),
          orelse: alt ? this.block(alt.childForFieldName("body")) : [],
          r,
        });
        return;
      }
      case "while_statement": {
        const cond = n.childForFieldName("condition");
        const alt = n.childForFieldName("alternative");
        out.push({ s: "loop", target: null, iter: null, test: cond ? this.expr(cond) : OPAQUE, body: this.block(n.childForFieldName("body")), orelse: alt ? this.block(alt.childForFieldName("body")) : [], r });
        return;
      }
      case "with_statement": {
        const items: { e: Expr; target: Expr | null }[] = [];
        const clause = named(n).find((c) => c.type === "with_clause");
        for (const item of clause ? named(clause) : []) {
          if (item.type !== "with_item") continue;
          const v = item.childForFieldName("value");
          if (!v) continue;
          if (v.type === "as_pattern") {
            const [inner, alias] = named(v);
            const target = alias?.type === "as_pattern_target" ? named(alias)[0] : alias;
            items.push({ e: inner ? this.expr(inner) : OPAQUE, target: target ? this.expr(target) : null });
          } else items.push({ e: this.expr(v), target: null });
        }
        out.push({ s: "with", items, body: this.block(n.childForFieldName("body")), r });
        return;
      }
      case "try_statement": {
        const handlers: Step[][] = [];
        let orelse: Step[] = [];
        let final: Step[] = [];
        for (const c of named(n)) {
          if (c.type === "except_clause" || c.type === "except_group_clause") {
            const body = named(c).find((x) => x.type === "block") ?? null;
            // `except T as e:` binds the caught exception: an assignment of an "exception" value whose part is T.
            const caught = c.childForFieldName("value");
            const bound: Step[] = [];
            if (caught?.type === "as_pattern") {
              const type = named(caught)[0];
              const target = named(caught.childForFieldName("alias") ?? caught).find((x) => x.type === "identifier");
              if (type && target) bound.push({ s: "assign", targets: [{ k: "name", id: target.text, r: rng(target) }], value: { k: "other", type: "exception", parts: [this.expr(type)], r: rng(caught) }, op: "=", r: rng(caught) });
            } else if (caught) {
              // `except T:` binds nothing; the type is kept as a statement so rules can see what is caught.
              bound.push({ s: "expr", e: { k: "other", type: "caught", parts: [this.expr(caught)], r: rng(caught) }, r: rng(caught) });
            }
            handlers.push([...bound, ...this.block(body)]);
          } else if (c.type === "else_clause") orelse = this.block(c.childForFieldName("body"));
          else if (c.type === "finally_clause") final = this.block(named(c).find((x) => x.type === "block") ?? null);
        }
        out.push({ s: "try", body: this.block(n.childForFieldName("body")), handlers, orelse, final, r });
        return;
      }
      case "match_statement": {
        const subject = n.childForFieldName("subject");
        const body = n.childForFieldName("body");
        const arms: Step[][] = [];
        // Arms whose patterns are only literals (`case "a" | "b":`) pin the subject to a value the code chose.
        const literal: boolean[] = [];
        for (const c of body ? named(body) : []) {
          if (c.type !== "case_clause") continue;
          const patterns = named(c).filter((x) => x.type === "case_pattern");
          const arm = this.block(c.childForFieldName("consequence"));
          // `case other:` captures the subject under a new name.
          const only = patterns.length === 1 ? named(patterns[0]!) : [];
          const capture = only.length === 1 && only[0]!.type === "dotted_name" && named(only[0]!).length === 1 ? named(only[0]!)[0]! : null;
          if (capture && capture.text !== "_" && subject) arm.unshift({ s: "assign", targets: [{ k: "name", id: capture.text, r: rng(capture) }], value: this.expr(subject), op: "=", r: rng(c) });
          arms.push(arm);
          const isLiteral = (n: Node): boolean =>
            ["string", "integer", "float", "true", "false", "none", "concatenated_string"].includes(n.type) ||
            ((n.type === "union_pattern" || n.type === "case_pattern") && named(n).length > 0 && named(n).every(isLiteral));
          literal.push(patterns.length > 0 && !c.childForFieldName("guard") && patterns.every(isLiteral));
        }
        out.push({ s: "branches", subject: subject ? this.expr(subject) : OPAQUE, arms, r, literal });
        return;
      }
      case "assert_statement": {
        for (const c of named(n)) out.push({ s: "expr", e: this.expr(c), r });
        return;
      }
      case "delete_statement":
        return;
      // Nested definitions and classes are analysed on their own when called; imports are in the module index.
      default:
        return;
    }
  }

  private ifChain(cond: Node | null, consequence: Node | null, alternatives: Node[], r: R): Step {
    const [first, ...rest] = alternatives;
    let orelse: Step[] = [];
    if (first?.type === "elif_clause") orelse = [this.ifChain(first.childForFieldName("condition"), first.childForFieldName("consequence"), rest, rng(first))];
    else if (first?.type === "else_clause") orelse = this.block(first.childForFieldName("body"));
    return { s: "if", test: cond ? this.expr(cond) : OPAQUE, body: this.block(consequence), orelse, r };
  }

  private assignment(n: Node, out: Step[]): void {
    const targets: Expr[] = [];
    let cur: Node | null = n;
    let op = "=";
    while (cur && (cur.type === "assignment" || cur.type === "augmented_assignment")) {
      const left = cur.childForFieldName("left");
      if (left) targets.push(this.expr(left));
      if (cur.type === "augmented_assignment") op = cur.childForFieldName("operator")?.type ?? "+=";
      cur = cur.childForFieldName("right");
    }
    if (!cur) return; // a bare annotation binds nothing
    out.push({ s: "assign", targets, value: this.expr(cur), op, r: rng(n) });
  }

  expr(n: Node): Expr {
    if (this.depth > MAX_DEPTH) return OPAQUE;
    this.depth++;
    try {
      return this.exprInner(n);
    } finally {
      this.depth--;
    }
  }

  private exprInner(n: Node): Expr {
    const r = rng(n);
    switch (n.type) {
      case "identifier":
        return { k: "name", id: n.text, r };
      case "attribute": {
        const obj = n.childForFieldName("object");
        const attr = n.childForFieldName("attribute");
        return { k: "attr", obj: obj ? this.expr(obj) : NONE, name: attr?.text ?? "", r };
      }
      case "subscript": {
        const v = n.childForFieldName("value");
        const keys = n.childrenForFieldName("subscript").filter((x): x is Node => !!x && x.type !== "comment");
        const key = keys.length === 1 && keys[0]!.type !== "slice" ? this.expr(keys[0]!) : { k: "other" as const, type: "slice", parts: keys.map((k) => this.expr(k)) };
        return { k: "sub", obj: v ? this.expr(v) : NONE, key, r };
      }
      case "call":
        return this.call(n, r);
      case "string": {
        const parts: Expr[] = [];
        let interpolated = false;
        for (const c of named(n)) {
          if (c.type === "string_content") parts.push({ k: "str", v: c.text });
          if (c.type !== "interpolation") continue;
          interpolated = true;
          const e = c.childForFieldName("expression");
          if (e) parts.push(this.expr(e));
        }
        if (interpolated) return { k: "fstr", parts, r };
        const v = stringValue(n.text);
        return v === null ? { k: "fstr", parts: [], r } : { k: "str", v, r };
      }
      case "concatenated_string": {
        const parts = named(n).map((c) => this.expr(c));
        if (parts.every((p) => p.k === "str")) return { k: "str", v: parts.map((p) => (p.k === "str" ? p.v : "")).join(""), r };
        return { k: "fstr", parts, r };
      }
      case "integer":
      case "float": {
        const v = Number(n.text.replace(/_/g, "").replace(/[lLjJ]$/, ""));
        return Number.isNaN(v) ? OPAQUE : { k: "num", v, r };
      }
      case "true":
        return { k: "bool", v: true, r };
      case "false":
        return { k: "bool", v: false, r };
      case "none":
        return { k: "none", r };
      case "parenthesized_expression": {
        const inner = named(n)[0];
        return inner ? this.expr(inner) : NONE;
      }
      case "list":
      case "tuple":
      case "set":
      case "expression_list":
      case "pattern_list":
      case "tuple_pattern":
      case "list_pattern":
        return { k: "seq", kind: n.type === "list" || n.type === "list_pattern" ? "list" : n.type === "set" ? "set" : "tuple", elts: named(n).map((c) => this.expr(c)), r };
      case "dictionary": {
        const items: DictItem[] = [];
        for (const c of named(n)) {
          if (c.type === "pair") {
            const k = c.childForFieldName("key");
            const v = c.childForFieldName("value");
            items.push({ key: k ? this.expr(k) : null, value: v ? this.expr(v) : NONE, r: rng(c) });
          } else if (c.type === "dictionary_splat") {
            const v = named(c)[0];
            if (v) items.push({ key: null, value: this.expr(v), r: rng(c) });
          }
        }
        return { k: "dict", items, r };
      }
      case "binary_operator": {
        const l = n.childForFieldName("left");
        const rt = n.childForFieldName("right");
        const op = n.childForFieldName("operator")?.type ?? "?";
        return { k: "bin", op, l: l ? this.expr(l) : NONE, rt: rt ? this.expr(rt) : NONE, r };
      }
      case "boolean_operator": {
        const l = n.childForFieldName("left");
        const rt = n.childForFieldName("right");
        const op = n.childForFieldName("operator")?.type === "and" ? "and" : "or";
        return { k: "boolop", op, l: l ? this.expr(l) : NONE, rt: rt ? this.expr(rt) : NONE, r };
      }
      case "comparison_operator": {
        const operands = named(n).map((c) => this.expr(c));
        const ops = n.childrenForFieldName("operators").map((o) => (o ? o.text.replace(/\s+/g, " ") : "?"));
        return { k: "cmp", ops, operands, r };
      }
      case "not_operator": {
        const a = n.childForFieldName("argument");
        return { k: "not", e: a ? this.expr(a) : NONE, r };
      }
      case "unary_operator": {
        const a = n.childForFieldName("argument");
        const e = a ? this.expr(a) : NONE;
        const op = n.childForFieldName("operator")?.type ?? "+";
        if (e.k === "num") return { k: "num", v: op === "-" ? -e.v : op === "~" ? ~e.v : e.v, r };
        return { k: "other", type: "unary", parts: [e], r };
      }
      case "conditional_expression": {
        const [body, test, orelse] = named(n);
        return { k: "cond", body: body ? this.expr(body) : NONE, test: test ? this.expr(test) : OPAQUE, orelse: orelse ? this.expr(orelse) : NONE, r };
      }
      case "await":
        return named(n)[0] ? this.expr(named(n)[0]!) : NONE;
      case "named_expression": {
        // The walrus both binds its name and yields the value.
        const name = n.childForFieldName("name");
        const v = n.childForFieldName("value");
        return { k: "other", type: "walrus", parts: [name ? this.expr(name) : NONE, v ? this.expr(v) : NONE], r };
      }
      case "list_comprehension":
      case "set_comprehension":
      case "generator_expression":
      case "dictionary_comprehension": {
        // Values flow from the iterated collections into the elements: kept as parts, in order.
        const parts: Expr[] = [];
        const comprehended: string[] = [];
        for (const c of named(n)) {
          if (c.type === "for_in_clause") {
            const left = c.childForFieldName("left");
            const right = c.childForFieldName("right");
            if (right) parts.push(this.expr(right));
            if (left) comprehended.push(left.text);
          } else if (c.type === "if_clause") continue;
          else if (c.type === "pair") {
            const v = c.childForFieldName("value");
            const k = c.childForFieldName("key");
            if (k) parts.push(this.expr(k));
            if (v) parts.push(this.expr(v));
          } else parts.push(this.expr(c));
        }
        return { k: "other", type: "comprehension", parts, r };
      }
      case "list_splat":
      case "dictionary_splat":
      case "parenthesized_list_splat": {
        const inner = named(n)[0];
        return { k: "other", type: "splat", parts: inner ? [this.expr(inner)] : [], r };
      }
      case "lambda": {
        // Kept so that calling a lambda bound to a local yields what its body computes.
        const body = n.childForFieldName("body");
        return { k: "other", type: "lambda", parts: body ? [this.expr(body)] : [], r };
      }
      case "slice":
        return { k: "other", type: "slice", parts: named(n).map((c) => this.expr(c)), r };
      default:
        return { k: "other", type: n.type, parts: named(n).map((c) => this.expr(c)), r };
    }
  }

  private call(n: Node, r: R): Expr {
    const fnNode = n.childForFieldName("function");
    const argsNode = n.childForFieldName("arguments");
    const args: Expr[] = [];
    const kw: Kwarg[] = [];
    if (argsNode?.type === "generator_expression") args.push(this.expr(argsNode));
    else if (argsNode) {
      for (const a of named(argsNode)) {
        if (a.type === "keyword_argument") {
          const nm = a.childForFieldName("name");
          const v = a.childForFieldName("value");
          kw.push({ name: nm?.text ?? "", value: v ? this.expr(v) : NONE, r: rng(a) });
        } else if (a.type === "dictionary_splat") {
          const v = named(a)[0];
          kw.push({ name: null, value: v ? this.expr(v) : NONE, r: rng(a) });
        } else args.push(this.expr(a));
      }
    }
    return { k: "call", fn: fnNode ? this.expr(fnNode) : NONE, args, kw, r };
  }
}
