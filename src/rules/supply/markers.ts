/**
 * PEP 508 environment markers, evaluated as far as a static audit can: for the Python versions a Flask app
 * runs on today. A marker that is false for all of them (`python_version < "3"`) means the line never
 * applies; anything that depends on the platform or an extra stays undecided.
 */
import { compareVersions, parseVersion } from "./pep440.js";

/** Python versions a deployed Flask app plausibly runs on. */
const PYTHONS = ["3.9", "3.10", "3.11", "3.12", "3.13", "3.14"];

type Tri = boolean | null;

/** Whether a marker holds on a current Python: true, false, or null when it depends on something else. */
export function markerApplies(marker: string | null): Tri {
  if (!marker) return true;
  let sawTrue = false;
  let sawFalse = false;
  for (const py of PYTHONS) {
    const r = evaluate(marker, py);
    if (r === null) return null;
    if (r) sawTrue = true;
    else sawFalse = true;
  }
  return sawTrue && sawFalse ? null : sawTrue;
}

const TOKEN = /\s*(\(|\)|and\b|or\b|not\s+in\b|in\b|===|==|!=|<=|>=|~=|<|>|"[^"]*"|'[^']*'|[A-Za-z_][A-Za-z0-9_.]*)/y;

function evaluate(marker: string, python: string): Tri {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < marker.length) {
    if (marker.slice(pos).trim() === "") break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(marker);
    if (!m) return null;
    tokens.push(m[1]!.replace(/\s+/g, " "));
    pos = TOKEN.lastIndex;
  }
  let i = 0;
  const orExpr = (): Tri => {
    let v = andExpr();
    while (tokens[i] === "or") {
      i++;
      const r = andExpr();
      v = v === true || r === true ? true : v === null || r === null ? null : false;
    }
    return v;
  };
  const andExpr = (): Tri => {
    let v = atom();
    while (tokens[i] === "and") {
      i++;
      const r = atom();
      v = v === false || r === false ? false : v === null || r === null ? null : true;
    }
    return v;
  };
  const atom = (): Tri => {
    if (tokens[i] === "(") {
      i++;
      const v = orExpr();
      if (tokens[i] === ")") i++;
      return v;
    }
    const left = tokens[i++];
    const op = tokens[i++];
    const right = tokens[i++];
    if (left === undefined || op === undefined || right === undefined) return null;
    return compare(value(left, python), op, value(right, python));
  };
  const result = orExpr();
  return i === tokens.length ? result : null;
}

/** A literal's text, the current Python for python_version, or null for any other variable. */
function value(token: string, python: string): { v: string; version: boolean } | null {
  if (/^["']/.test(token)) return { v: token.slice(1, -1), version: false };
  if (token === "python_version") return { v: python, version: true };
  if (token === "python_full_version") return { v: `${python}.0`, version: true };
  return null;
}

function compare(l: { v: string; version: boolean } | null, op: string, r: { v: string; version: boolean } | null): Tri {
  if (!l || !r) return null;
  if (op === "in" || op === "not in") {
    const inside = r.v.includes(l.v);
    return op === "in" ? inside : !inside;
  }
  if (l.version || r.version) {
    const a = parseVersion(l.v);
    const b = parseVersion(r.v.replace(/\.\*$/, ""));
    if (!a || !b) return null;
    // `python_version == "3.1*"`-style prefixes are rare; compare as versions.
    const c = compareVersions(a, b);
    switch (op) {
      case "==":
      case "===":
        return r.v.endsWith(".*") ? l.v.startsWith(r.v.slice(0, -1)) : c === 0;
      case "!=":
        return c !== 0;
      case "<":
        return c < 0;
      case "<=":
        return c <= 0;
      case ">":
        return c > 0;
      case ">=":
        return c >= 0;
      case "~=":
        return c >= 0;
    }
    return null;
  }
  if (op === "==" || op === "===") return l.v === r.v;
  if (op === "!=") return l.v !== r.v;
  return null;
}
