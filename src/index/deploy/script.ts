import type { Diagnostic } from "../../core/types.js";
import type { DeploymentFacts } from "./types.js";
import { LineIndex, LogicalLine, shellSplit, shellWords } from "./text.js";

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const HEREDOC = /(?<!<)<<(-?)[ \t]*(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;

/** True when `s` ends in a backslash that is not itself escaped. */
function endsWithContinuation(s: string): boolean {
  let k = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === "\\"; i--) k++;
  return k % 2 === 1;
}

/**
 * Joins physical line `first` and the lines its trailing backslashes continue into one logical line,
 * starting at offset `from`. Returns the line and the number of the last physical line used.
 */
function joinContinuations(index: LineIndex, first: number, from: number): { line: LogicalLine; last: number } {
  const line = new LogicalLine();
  let cur = first;
  let start = from;
  for (;;) {
    const end = index.lineEnd(cur);
    const content = index.text.slice(start, end).replace(/[ \t]+$/, "");
    if (endsWithContinuation(content) && cur < index.count) {
      line.append(index.text, start, start + content.length - 1);
      cur++;
      start = index.lineStart(cur);
    } else {
      line.append(index.text, start, end);
      return { line, last: cur };
    }
  }
}

/** Skips the bodies of heredocs opened on a logical line; returns the last physical line consumed. */
function skipHeredocs(text: string, last: number, index: LineIndex): number {
  let cur = last;
  for (const m of text.matchAll(HEREDOC)) {
    const word = m[3]!;
    const stripTabs = m[1] === "-";
    while (cur < index.count) {
      cur++;
      const body = index.line(cur);
      if ((stripTabs ? body.replace(/^\t+/, "") : body) === word) break;
    }
  }
  return cur;
}

/**
 * Records one shell command line: `export K=V` assignments and `K=V cmd` prefixes as environment
 * settings, the remaining words as a command. A bare `K=V` only sets a shell variable and is skipped.
 */
function shellStatement(line: LogicalLine, from: number, index: LineIndex, facts: DeploymentFacts): void {
  const t = line.text;
  const words = shellWords(t.slice(from)).map((w) => ({ ...w, start: w.start + from, end: w.end + from }));
  if (words.length === 0) return;
  const raw = (w: { start: number; end: number }): string => t.slice(w.start, w.end);
  const pushEnv = (w: { value: string; start: number; end: number }): void => {
    const eq = w.value.indexOf("=");
    facts.env.push({ name: w.value.slice(0, eq), value: w.value.slice(eq + 1), range: line.range(index, w.start, w.end), source: "script" });
  };
  if (words[0]!.value === "export") {
    for (const w of words.slice(1)) if (ASSIGNMENT.test(raw(w))) pushEnv(w);
    return;
  }
  let k = 0;
  while (k < words.length && ASSIGNMENT.test(raw(words[k]!))) k++;
  if (k === words.length) return;
  for (const w of words.slice(0, k)) pushEnv(w);
  const cmd = words.slice(k);
  const start = cmd[0]!.start;
  const end = cmd[cmd.length - 1]!.end;
  facts.commands.push({ text: t.slice(start, end), argv: cmd.map((w) => w.value), range: line.range(index, start, end), source: "script" });
}

/** Parses a shell script: each non-comment logical line (with `\` continuations joined) is a command. */
export function parseShellScript(index: LineIndex): DeploymentFacts {
  const facts: DeploymentFacts = { env: [], commands: [] };
  for (let n = 1; n <= index.count; n++) {
    const raw = index.line(n);
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const { line, last } = joinContinuations(index, n, index.lineStart(n));
    shellStatement(line, 0, index, facts);
    n = skipHeredocs(line.text, last, index);
  }
  return facts;
}

/**
 * Parses a Makefile: recipe lines (tab-indented, `@`/`-`/`+` prefixes removed) are commands;
 * `export KEY = value` lines set environment for the recipes. Plain make variables are not environment.
 */
export function parseMakefile(index: LineIndex): DeploymentFacts {
  const facts: DeploymentFacts = { env: [], commands: [] };
  let inDefine = false;
  for (let n = 1; n <= index.count; n++) {
    const raw = index.line(n);
    const trimmed = raw.trim();
    if (inDefine) {
      if (/^endef\b/.test(trimmed)) inDefine = false;
      continue;
    }
    if (raw.startsWith("\t")) {
      const lead = /^\t[ \t@+-]*/.exec(raw)![0].length;
      const { line, last } = joinContinuations(index, n, index.lineStart(n) + lead);
      n = last;
      if (line.text.trim() === "" || line.text.trimStart().startsWith("#")) continue;
      shellStatement(line, 0, index, facts);
      continue;
    }
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    if (/^(override[ \t]+)?define\b/.test(trimmed)) {
      inDefine = true;
      continue;
    }
    const { line, last } = joinContinuations(index, n, index.lineStart(n));
    n = last;
    const m = /^[ \t]*export[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?:::=|:=|\?=|\+=|!=|=)[ \t]*/.exec(line.text);
    if (m) {
      const valueEnd = line.text.replace(/[ \t]+$/, "").length;
      const nameStart = m[0].indexOf(m[1]!);
      facts.env.push({
        name: m[1]!,
        value: line.text.slice(m[0].length, valueEnd),
        range: line.range(index, nameStart, valueEnd),
        source: "script",
      });
    }
  }
  return facts;
}

/** Parses a Procfile: `process: command` per line. */
export function parseProcfile(path: string, index: LineIndex): { facts: DeploymentFacts; diagnostics: Diagnostic[] } {
  const facts: DeploymentFacts = { env: [], commands: [] };
  const diagnostics: Diagnostic[] = [];
  for (let n = 1; n <= index.count; n++) {
    const raw = index.line(n);
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const m = /^([ \t]*)([A-Za-z0-9_-]+)[ \t]*:[ \t]*/.exec(raw);
    const command = m ? raw.slice(m[0].length).replace(/[ \t]+$/, "") : "";
    if (m === null || command === "") {
      diagnostics.push({
        file: path,
        severity: "warning",
        code: "parse-error",
        message: `Could not parse line ${n} of ${path}: expected "process: command". The line was skipped.`,
        range: index.range(index.lineStart(n), index.lineEnd(n)),
      });
      continue;
    }
    const start = index.lineStart(n) + m[0].length;
    facts.commands.push({
      text: command,
      argv: shellSplit(command),
      range: index.range(start, start + command.length),
      source: "procfile",
      process: m[2]!,
    });
  }
  return { facts, diagnostics };
}
