import type { Diagnostic } from "../../core/types.js";
import type { EnvSetting } from "./types.js";
import { LineIndex } from "./text.js";

const KEY = /[^\s=#'"]+/y;
const DOUBLE_QUOTE_ESCAPES: Record<string, string> = { "\\": "\\", "'": "'", '"': '"', a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };

/**
 * Parses a dotenv file the way python-dotenv (which Flask uses for .env and .flaskenv) does:
 * `[export] KEY=VALUE`, single-quoted literal values, double-quoted values with escapes (both may
 * span lines), and `#` comments after whitespace in unquoted values. `${VAR}` is kept as written.
 */
export function parseDotenv(path: string, index: LineIndex): { env: EnvSetting[]; diagnostics: Diagnostic[] } {
  const text = index.text;
  const n = text.length;
  const env: EnvSetting[] = [];
  const diagnostics: Diagnostic[] = [];
  let i = 0;

  const skipInline = (): void => {
    while (i < n && (text[i] === " " || text[i] === "\t")) i++;
  };
  const endOfLine = (from: number): number => {
    const nl = text.indexOf("\n", from);
    return nl === -1 ? n : nl;
  };
  const contentEnd = (eol: number): number => (eol > 0 && text[eol - 1] === "\r" ? eol - 1 : eol);
  const problem = (at: number, what: string): void => {
    const pos = index.position(at);
    diagnostics.push({
      file: path,
      severity: "warning",
      code: "parse-error",
      message: `Could not parse line ${pos.line} of ${path}: ${what}. The line was skipped.`,
      range: index.range(at, contentEnd(endOfLine(at))),
    });
  };

  while (i < n) {
    skipInline();
    if (i >= n) break;
    const c = text[i];
    if (c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if (c === "#") {
      i = endOfLine(i);
      continue;
    }
    const lineBegin = i;
    if (text.startsWith("export", i) && (text[i + 6] === " " || text[i + 6] === "\t")) {
      i += 6;
      skipInline();
    }
    KEY.lastIndex = i;
    const key = KEY.exec(text);
    if (key === null) {
      problem(lineBegin, "expected KEY=VALUE");
      i = endOfLine(i);
      continue;
    }
    const keyStart = i;
    i += key[0].length;
    skipInline();
    if (text[i] !== "=") {
      // A bare KEY is valid dotenv (it declares a variable without a value); anything else is not.
      const rest = text.slice(i, contentEnd(endOfLine(i)));
      if (rest !== "" && !rest.startsWith("#")) problem(lineBegin, `expected "=" after ${key[0]}`);
      i = endOfLine(i);
      continue;
    }
    i++;
    skipInline();

    let value: string;
    let valueEnd: number;
    const q = text[i];
    if (q === "'" || q === '"') {
      const parsed = q === "'" ? readSingle(text, i) : readDouble(text, i);
      if (parsed === null) {
        problem(lineBegin, `the ${q === "'" ? "single" : "double"} quote opened for ${key[0]} is never closed`);
        i = endOfLine(i);
        continue;
      }
      value = parsed.value;
      valueEnd = parsed.end;
      i = endOfLine(valueEnd);
    } else {
      const eol = endOfLine(i);
      let raw = text.slice(i, contentEnd(eol));
      const comment = /[ \t]+#/.exec(raw);
      if (comment) raw = raw.slice(0, comment.index);
      raw = raw.replace(/[ \t]+$/, "");
      value = raw;
      valueEnd = i + raw.length;
      i = eol;
    }
    env.push({ name: key[0], value, range: index.range(keyStart, valueEnd), source: "dotenv" });
  }
  return { env, diagnostics };
}

function readSingle(text: string, open: number): { value: string; end: number } | null {
  const close = text.indexOf("'", open + 1);
  return close === -1 ? null : { value: text.slice(open + 1, close), end: close + 1 };
}

function readDouble(text: string, open: number): { value: string; end: number } | null {
  let value = "";
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') return { value, end: i + 1 };
    if (c === "\\" && i + 1 < text.length) {
      const mapped = DOUBLE_QUOTE_ESCAPES[text[i + 1]!];
      if (mapped !== undefined) {
        value += mapped;
        i++;
        continue;
      }
    }
    value += c;
  }
  return null;
}
