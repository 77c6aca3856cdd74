/** Reading deployment command lines: shell wrappers, command lists and what a `python` command starts. */
import { shellSplit } from "../index/deploy/text.js";

const SHELLS = /(^|\/)(sh|bash|dash|ash|zsh)$/;
const OPERATORS = new Set(["&&", "||", ";", "|", "&"]);

/**
 * Splits a command into the simple commands it runs: `sh -c "a && b"` wrappers are unpacked and
 * `&&`, `||`, `;` and `|` separate commands. Leading `exec` and `VAR=value` words are dropped.
 */
export function commandSegments(argv: string[], depth = 0): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  const flush = () => {
    while (cur.length > 0 && (cur[0] === "exec" || /^[A-Za-z_][A-Za-z0-9_]*=/.test(cur[0]!))) cur.shift();
    if (cur.length > 0) out.push(cur);
    cur = [];
  };
  for (const word of argv) {
    if (OPERATORS.has(word)) {
      flush();
      continue;
    }
    // The shell splitter leaves a `;` that ends a word attached to it.
    if (word.length > 1 && word.endsWith(";")) {
      cur.push(word.slice(0, -1));
      flush();
      continue;
    }
    cur.push(word);
  }
  flush();
  if (depth > 3) return out;
  return out.flatMap((seg) => {
    if (!SHELLS.test(seg[0]!)) return [seg];
    // `sh -c 'script'`, also with combined flags such as `-ec` or `-lc`.
    const c = seg.findIndex((w, i) => i > 0 && /^-[a-z]*c[a-z]*$/.test(w));
    const script = c > 0 ? seg[c + 1] : undefined;
    return script === undefined ? [seg] : commandSegments(shellSplit(script), depth + 1);
  });
}

/** What a `python ...` command starts: a script path, a module (`-m`), or nothing it can name. */
export function pythonTarget(segment: string[]): { file: string } | { module: string } | null {
  const py = segment.findIndex((a) => /(^|\/)python(\d(\.\d+)?)?$/.test(a));
  if (py < 0) return null;
  for (let i = py + 1; i < segment.length; i++) {
    const a = segment[i]!;
    if (a === "-m") return segment[i + 1] ? { module: segment[i + 1]! } : null;
    if (a === "-c") return null;
    // Interpreter options that take a separate value.
    if (a === "-X" || a === "-W") {
      i++;
      continue;
    }
    if (a.startsWith("-")) continue;
    return { file: a };
  }
  return null;
}

/** What a command starts by path: a script file (`./entrypoint.sh`, `sh /app/start.sh`), or null. */
export function scriptTarget(segment: string[]): string | null {
  const first = segment[0];
  if (first === undefined) return null;
  // `sh start.sh`, `bash -e start.sh`: the first word after the shell's options.
  if (SHELLS.test(first)) return segment.slice(1).find((w) => !w.startsWith("-")) ?? null;
  return /\.(sh|bash)$/.test(first) ? first : null;
}

/**
 * Line spans of `if ... fi` and `case ... esac` blocks in a shell script's commands (in file order):
 * what runs inside them depends on a condition the scanner does not evaluate.
 */
export function shellBranchSpans(commands: { argv: string[]; range: { start: { line: number }; end: { line: number } } }[]): [number, number][] {
  const spans: [number, number][] = [];
  const open: number[] = [];
  // Function bodies count too: what they run depends on where the function is called.
  const braces: number[] = [];
  for (const c of commands) {
    const first = c.argv[0] ?? "";
    if (/^[A-Za-z_][A-Za-z0-9_-]*\(\)$/.test(first) || first === "function") braces.push(c.range.start.line);
    for (const w of c.argv) {
      const word = w.replace(/;$/, "");
      if (word === "if" || word === "case") open.push(c.range.start.line);
      else if ((word === "fi" || word === "esac") && open.length > 0) spans.push([open.pop()!, c.range.end.line]);
      else if (word === "}" && braces.length > 0) spans.push([braces.pop()!, c.range.end.line]);
    }
  }
  for (const start of braces) spans.push([start, Number.MAX_SAFE_INTEGER]);
  // An unterminated block runs to the end of the file.
  for (const start of open) spans.push([start, Number.MAX_SAFE_INTEGER]);
  return spans;
}

/** Whether a shell command line starts with a condition (`[ -n "$DEV" ] && flask run`, `if ...; then flask run; fi`). */
export function isShellCondition(argv: string[]): boolean {
  return ["[", "[[", "test", "if", "elif", "then", "else", "!"].includes(argv[0] ?? "");
}
