/** Syntax-tree helpers for fixes: nodes at a range, call arguments, and edits that keep the surrounding formatting. */
import type { Node, Point, Tree } from "web-tree-sitter";
import type { Position, Range } from "../core/types.js";
import type { Expr } from "../index/ir.js";
import type { ModuleInfo } from "../link/modules.js";
import type { Project } from "../link/project.js";
import type { TextEdit } from "./edits.js";

export function pos(p: Point): Position {
  return { line: p.row + 1, column: p.column + 1 };
}

export function rangeOf(n: Node): Range {
  return { start: pos(n.startPosition), end: pos(n.endPosition) };
}

/** Replaces a node's text. */
export function replaceNode(n: Node, text: string): TextEdit {
  return { range: rangeOf(n), text };
}

/** The smallest node covering a finding's range. */
export function nodeAtRange(tree: Tree, r: Range): Node | null {
  let n = tree.rootNode.descendantForPosition({ row: r.start.line - 1, column: r.start.column - 1 }, { row: r.end.line - 1, column: Math.max(0, r.end.column - 2) });
  // descendantForPosition takes an inclusive end; climb until the node spans the whole range.
  while (n && (before(r.start, pos(n.startPosition)) || before(pos(n.endPosition), r.end))) n = n.parent;
  return n;
}

function before(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.column < b.column);
}

/** The node itself or its closest ancestor of one of these types. */
export function closest(n: Node | null, ...types: string[]): Node | null {
  for (let x = n; x; x = x.parent) if (types.includes(x.type)) return x;
  return null;
}

/** The arguments of a call, without comments. */
export function callArguments(call: Node): Node[] {
  const list = call.childForFieldName("arguments");
  if (!list || list.type !== "argument_list") return [];
  return list.namedChildren.filter((c): c is Node => c !== null && c.type !== "comment");
}

/** The keyword argument of a call with this name. */
export function keywordArg(call: Node, name: string): Node | null {
  return callArguments(call).find((a) => a.type === "keyword_argument" && a.childForFieldName("name")?.text === name) ?? null;
}

/** Whether a call spreads arguments (`*args`, `**kwargs`), which a keyword added by a fix could collide with. */
export function spreadsArguments(call: Node): boolean {
  return callArguments(call).some((a) => a.type === "list_splat" || a.type === "dictionary_splat");
}

/** The positional arguments of a call, in order. */
export function positionalArgs(call: Node): Node[] {
  return callArguments(call).filter((a) => a.type !== "keyword_argument" && a.type !== "list_splat" && a.type !== "dictionary_splat");
}

/**
 * Appends keyword arguments to a call, in the call's own layout: on the last argument's line
 * (`f(a, b=1)` → `f(a, b=1, x=2)`), or one per line when the call puts each argument on its own line
 * and ends with a trailing comma.
 */
export function appendKeywords(source: string, call: Node, keywords: string[]): TextEdit | null {
  const list = call.childForFieldName("arguments");
  if (!list || list.type !== "argument_list" || keywords.length === 0) return null;
  const args = callArguments(call);
  const last = args[args.length - 1];
  const close = list.lastChild;
  if (!close || close.type !== ")") return null;
  if (!last) return { range: { start: pos(close.startPosition), end: pos(close.startPosition) }, text: keywords.join(", ") };
  const between = source.slice(last.endIndex, close.startIndex);
  const trailingComma = /^\s*,/.test(between) && !/#/.test(between);
  if (/#/.test(between)) return null;
  if (trailingComma && between.includes("\n")) {
    const lineStart = source.lastIndexOf("\n", last.startIndex - 1) + 1;
    const indent = source.slice(lineStart, last.startIndex);
    if (/^[ \t]*$/.test(indent)) {
      const comma = last.endIndex + between.indexOf(",") + 1;
      const eol = source.includes("\r\n") ? "\r\n" : "\n";
      const at = pos2(source, comma);
      return { range: { start: at, end: at }, text: keywords.map((k) => `${eol}${indent}${k},`).join("") };
    }
  }
  const at = pos(last.endPosition);
  return { range: { start: at, end: at }, text: `, ${keywords.join(", ")}` };
}

/** Position of a string offset. */
export function pos2(source: string, offset: number): Position {
  const lineStart = source.lastIndexOf("\n", offset - 1) + 1;
  let line = 1;
  for (let i = source.indexOf("\n"); i !== -1 && i < offset; i = source.indexOf("\n", i + 1)) line++;
  return { line, column: offset - lineStart + 1 };
}

/** Removes one argument with the comma that joins it to its neighbour, keeping the rest of the list as written. */
export function removeArgument(source: string, call: Node, arg: Node): TextEdit | null {
  const args = callArguments(call);
  const i = args.findIndex((a) => a.id === arg.id);
  if (i < 0) return null;
  const prev = args[i - 1];
  const next = args[i + 1];
  let start: number;
  let end: number;
  if (prev) {
    // `f(a, X)` → `f(a)`; `f(a, X, b)` → `f(a, b)`.
    start = prev.endIndex;
    end = arg.endIndex;
  } else if (next) {
    start = arg.startIndex;
    end = next.startIndex;
  } else {
    start = arg.startIndex;
    end = arg.endIndex;
  }
  if (/#/.test(source.slice(start, end).replace(arg.text, ""))) return null;
  return { range: { start: pos2(source, start), end: pos2(source, end) }, text: "" };
}

/** The top-level statement after which a new `import` line goes: the last top-level import, or null when there is none. */
export function lastTopLevelImport(tree: Tree): Node | null {
  let last: Node | null = null;
  for (const c of tree.rootNode.namedChildren) {
    if (!c) continue;
    if (c.type === "import_statement" || c.type === "import_from_statement" || c.type === "future_import_statement") last = c;
  }
  return last;
}

/** An edit that adds `import <module>` on its own line after the last top-level import. */
export function addImport(source: string, tree: Tree, module: string): TextEdit | null {
  return addImportLine(source, tree, `import ${module}`);
}

/** An edit that adds an import statement (`from a import b`) on its own line after the last top-level import. */
export function addImportLine(source: string, tree: Tree, statement: string): TextEdit | null {
  const last = lastTopLevelImport(tree);
  if (!last) return null;
  const lineEnd = source.indexOf("\n", last.endIndex);
  // Something after the import on the same line (`import a; b()` or a comment): put the new line after it.
  const at = lineEnd === -1 ? source.length : lineEnd + 1;
  const eol = source.includes("\r\n") ? "\r\n" : "\n";
  const lineStart = source.lastIndexOf("\n", last.startIndex - 1) + 1;
  if (last.startIndex !== lineStart) return null;
  const p = pos2(source, at);
  return { range: { start: p, end: p }, text: lineEnd === -1 ? `${eol}${statement}${eol}` : `${statement}${eol}` };
}

/** A dotted name (`yaml`, `yaml.load`, `a.b.c`) as an index expression, so the project model can resolve it; null for anything else. */
export function dottedExpr(n: Node): Expr | null {
  if (n.type === "identifier") return { k: "name", id: n.text };
  if (n.type === "attribute") {
    const obj = n.childForFieldName("object");
    const attr = n.childForFieldName("attribute");
    const inner = obj ? dottedExpr(obj) : null;
    return inner && attr ? { k: "attr", obj: inner, name: attr.text } : null;
  }
  return null;
}

/** The calls around a node, innermost first. */
export function enclosingCalls(n: Node): Node[] {
  const out: Node[] = [];
  for (let x: Node | null = n; x; x = x.parent) if (x.type === "call") out.push(x);
  return out;
}

/**
 * How to write `os.environ` in a module: through its `os` import, or by adding `import os` when the name is
 * free. Null when `os` means something else there.
 */
export function osModule(project: Project, mod: ModuleInfo, scope: string, source: string, tree: Tree): { os: string; edits: TextEdit[] } | null {
  const name: Expr = { k: "name", id: "os" };
  if (project.extPaths(mod, scope, name).includes("os")) return { os: "os", edits: [] };
  const ix = mod.index;
  // `import os as _os` at module level.
  for (const i of ix.imports) {
    if (i.module === "os" && i.member === null && i.scope === "" && project.extPaths(mod, scope, { k: "name", id: i.local }).includes("os")) return { os: i.local, edits: [] };
  }
  const bound =
    ix.imports.some((i) => i.local === "os") ||
    ix.defs.some((d) => d.name === "os" || d.params.some((p) => p.name === "os")) ||
    ix.assigns.some((a) => a.targets.some((t) => t.k === "name" && t.id === "os"));
  if (bound) return null;
  const add = addImport(source, tree, "os");
  return add ? { os: "os", edits: [add] } : null;
}

/**
 * The value node of a config write found at `node`: `KEY = v` (module or class constant, `app.KEY = v` for
 * attribute-style keys), `app.config["KEY"] = v`, `KEY=v` in `config.update(...)`, or `"KEY": v` in a mapping.
 * `names` are the spellings the key may have (`DEBUG`, and `debug` for `app.debug`/`app.run(debug=)`).
 */
export function configValueNode(node: Node, names: readonly string[]): Node | null {
  const kw = closest(node, "keyword_argument");
  if (kw) return names.includes(kw.childForFieldName("name")?.text ?? "") ? kw.childForFieldName("value") : null;
  const pair = closest(node, "pair");
  if (pair) {
    const key = pair.childForFieldName("key");
    return key?.type === "string" && names.some((n) => key.text === `"${n}"` || key.text === `'${n}'`) ? pair.childForFieldName("value") : null;
  }
  const assign = node.type === "expression_statement" ? (node.namedChildren.find((c) => c?.type === "assignment") ?? null) : closest(node, "assignment");
  const left = assign?.childForFieldName("left");
  if (!assign || !left) return null;
  let key: string | undefined;
  if (left.type === "identifier") key = left.text;
  else if (left.type === "attribute") key = left.childForFieldName("attribute")?.text;
  else if (left.type === "subscript") {
    const sub = left.childForFieldName("subscript");
    if (sub?.type === "string") key = sub.text.replace(/^["']|["']$/g, "");
  }
  return key !== undefined && names.includes(key) ? assign.childForFieldName("right") : null;
}
