/** Small helpers that turn syntax nodes into the index's plain values: ranges and string literals. */
import type { Node } from "web-tree-sitter";
import type { R } from "./ir.js";

export function rng(n: Node): R {
  const s = n.startPosition;
  const e = n.endPosition;
  return `${s.row + 1}:${s.column + 1}:${e.row + 1}:${e.column + 1}`;
}

/** Decodes a plain Python string literal from its text; f-strings are not constants. */
export function stringValue(text: string): string | null {
  const prefix = /^[a-zA-Z]*/.exec(text)![0].toLowerCase();
  if (prefix.includes("f")) return null;
  const body = text.slice(prefix.length);
  const q = body.startsWith('"""') || body.startsWith("'''") ? 3 : 1;
  const inner = body.slice(q, Math.max(q, body.length - q));
  return prefix.includes("r") ? inner : unescape(inner);
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
