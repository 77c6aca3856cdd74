import type { Diagnostic } from "../../core/types.js";
import type { CommandLine, DeploymentFacts } from "./types.js";
import { LineIndex, LogicalLine, shellSplit, shellUnquote, shellWords } from "./text.js";

const DIRECTIVE = /^#[ \t]*([A-Za-z][A-Za-z0-9_-]*)[ \t]*=[ \t]*(\S+)[ \t]*$/;
const HEREDOC = /<<(-?)[ \t]*(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;
const COMMAND_SOURCES: Record<string, CommandLine["source"]> = {
  CMD: "dockerfile-cmd",
  ENTRYPOINT: "dockerfile-entrypoint",
  RUN: "dockerfile-run",
};

interface Instruction {
  keyword: string;
  line: LogicalLine;
  /** Index in `line.text` where the arguments begin. */
  argsStart: number;
  /** The escape character in force (`# escape=` directive). */
  escape: string;
}

/**
 * Parses a Dockerfile: parser directives (`# escape=`), line continuations with comment lines inside
 * them, BuildKit heredocs, ENV in both forms, and CMD/ENTRYPOINT/RUN in exec (JSON) and shell form.
 * Multi-stage builds: only the stage that becomes the image and the stages it builds on count (see
 * `liveStages`), so `ENV FLASK_DEBUG=1` in a `dev` stage is not the production image's setting.
 */
export function parseDockerfile(path: string, index: LineIndex): { facts: DeploymentFacts; diagnostics: Diagnostic[] } {
  const facts: DeploymentFacts = { env: [], commands: [] };
  const diagnostics: Diagnostic[] = [];
  const all = instructions(index);
  const live = liveStages(all);
  let stage = -1;
  for (const ins of all) {
    if (ins.keyword === "FROM") stage++;
    if (!live.has(Math.max(stage, 0))) continue;
    if (ins.keyword === "ENV") parseEnv(ins, index, facts, path, diagnostics);
    const source = COMMAND_SOURCES[ins.keyword];
    if (source !== undefined) {
      const cmd = parseCommand(ins, index, source);
      if (cmd !== null) facts.commands.push(cmd);
    }
  }
  return { facts, diagnostics };
}

const DEV_STAGE = /^(dev|develop|development|debug|test|testing|local)([-_].*)?$/i;
const PROD_STAGE = /^(prod|production|release|runtime|final|deploy)([-_].*)?$/i;

/**
 * The stages whose settings end up in the image: the target stage and the stages it is built `FROM`.
 * The target is the last stage (Docker's default), except when the last one is named for development
 * and another is named for production (built with `--target prod`).
 */
function liveStages(all: Instruction[]): Set<number> {
  const stages: { name: string | null; parent: string }[] = [];
  for (const ins of all) {
    if (ins.keyword !== "FROM") continue;
    const words = ins.line.text.slice(ins.argsStart).trim().split(/\s+/).filter((w) => !w.startsWith("--"));
    const asAt = words.findIndex((w) => w.toLowerCase() === "as");
    stages.push({ parent: words[0] ?? "", name: asAt >= 0 ? (words[asAt + 1] ?? null) : null });
  }
  if (stages.length <= 1) return new Set([0]);
  let target = stages.length - 1;
  if (DEV_STAGE.test(stages[target]!.name ?? "")) {
    const prod = stages.findIndex((x) => PROD_STAGE.test(x.name ?? ""));
    if (prod >= 0) target = prod;
  }
  const live = new Set<number>();
  for (let i: number | undefined = target; i !== undefined && !live.has(i); ) {
    live.add(i);
    const parent = stages[i]!.parent.toLowerCase();
    const p = stages.findIndex((x, j) => j < i! && x.name?.toLowerCase() === parent);
    i = p >= 0 ? p : undefined;
  }
  return live;
}

function instructions(index: LineIndex): Instruction[] {
  const text = index.text;
  const out: Instruction[] = [];
  let escape = "\\";
  let directivesOpen = true;
  const isSkippable = (n: number): boolean => {
    const t = index.line(n).trim();
    return t === "" || t.startsWith("#");
  };

  for (let n = 1; n <= index.count; n++) {
    const raw = index.line(n);
    if (directivesOpen) {
      const d = DIRECTIVE.exec(raw);
      if (d) {
        if (d[1]!.toLowerCase() === "escape" && (d[2] === "`" || d[2] === "\\")) escape = d[2];
        continue;
      }
      directivesOpen = false;
    }
    if (isSkippable(n)) continue;

    const line = new LogicalLine();
    let cur = n;
    let from = index.lineStart(n) + (raw.length - raw.trimStart().length);
    for (;;) {
      const end = index.lineEnd(cur);
      const content = text.slice(from, end);
      const trimmed = content.trimEnd();
      if (trimmed.endsWith(escape)) {
        line.append(text, from, from + trimmed.length - 1);
        cur++;
        // Docker drops comment lines and empty lines inside a continued instruction.
        while (cur <= index.count && isSkippable(cur)) cur++;
        if (cur > index.count) break;
        from = index.lineStart(cur);
      } else {
        line.append(text, from, end);
        break;
      }
    }

    const kw = /^(\S+)[ \t]*/.exec(line.text);
    const keyword = (kw?.[1] ?? "").toUpperCase();
    const argsStart = kw?.[0].length ?? 0;

    if (keyword === "RUN" || keyword === "COPY" || keyword === "ADD") {
      cur = appendHeredocs(line, argsStart, cur, index);
    }
    out.push({ keyword, line, argsStart, escape });
    n = Math.min(cur, index.count);
  }
  return out;
}

/** Appends the bodies of `<<WORD` heredocs that follow the instruction; returns the last line used. */
function appendHeredocs(line: LogicalLine, argsStart: number, lastLine: number, index: LineIndex): number {
  const markers = [...line.text.slice(argsStart).matchAll(HEREDOC)];
  let cur = lastLine;
  for (const m of markers) {
    const stripTabs = m[1] === "-";
    const word = m[3]!;
    while (cur < index.count) {
      cur++;
      const body = index.line(cur);
      if ((stripTabs ? body.replace(/^\t+/, "") : body) === word) break;
      // The newline that separated the previous line stands in for the joined "\n".
      line.appendChar("\n", index.lineStart(cur) - 1);
      line.append(index.text, index.lineStart(cur), index.lineEnd(cur));
    }
  }
  return cur;
}

function argsBounds(ins: Instruction, from: number): { start: number; end: number } {
  const t = ins.line.text;
  let start = from;
  while (start < t.length && /\s/.test(t[start]!)) start++;
  let end = t.length;
  while (end > start && /\s/.test(t[end - 1]!)) end--;
  return { start, end };
}

function parseCommand(ins: Instruction, index: LineIndex, source: CommandLine["source"]): CommandLine | null {
  let { start, end } = argsBounds(ins, ins.argsStart);
  const t = ins.line.text;
  if (source === "dockerfile-run") {
    // RUN flags such as --mount=type=cache,target=/root/.cache belong to BuildKit, not the command.
    const flag = /--[A-Za-z][A-Za-z-]*(=("[^"]*"|'[^']*'|[^\s"'])*)?[ \t]+/y;
    for (;;) {
      flag.lastIndex = start;
      const m = flag.exec(t);
      if (m === null || m.index !== start) break;
      start += m[0].length;
    }
  }
  if (start >= end) return null;
  const argText = t.slice(start, end);
  const range = ins.line.range(index, start, end);
  if (argText.startsWith("[")) {
    const argv = parseExecForm(argText);
    // Docker itself falls back to shell form when the JSON does not parse.
    if (argv !== null) return { text: argv.join(" "), argv, range, source };
  }
  return { text: argText, argv: shellSplit(argText), range, source };
}

function parseExecForm(text: string): string[] | null {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : null;
  } catch {
    return null;
  }
}

function parseEnv(ins: Instruction, index: LineIndex, facts: DeploymentFacts, path: string, diagnostics: Diagnostic[]): void {
  const { start, end } = argsBounds(ins, ins.argsStart);
  const t = ins.line.text.slice(0, end);
  const escape = ins.escape;
  const words = shellWords(t.slice(start), { comments: false, escape }).map((w) => ({ ...w, start: w.start + start, end: w.end + start }));
  if (words.length === 0) return;
  const firstRaw = t.slice(words[0]!.start, words[0]!.end);
  if (firstRaw.includes("=")) {
    for (const w of words) {
      const raw = t.slice(w.start, w.end);
      const eq = raw.indexOf("=");
      if (eq <= 0) {
        diagnostics.push({
          file: path,
          severity: "warning",
          code: "parse-error",
          message: `${path}: ENV argument "${raw}" is not KEY=VALUE, which Docker rejects; it was skipped.`,
          range: ins.line.range(index, w.start, w.end),
        });
        continue;
      }
      facts.env.push({
        name: raw.slice(0, eq),
        value: shellUnquote(raw.slice(eq + 1), escape),
        range: ins.line.range(index, w.start, w.end),
        source: "dockerfile",
      });
    }
    return;
  }
  // Legacy `ENV KEY value with spaces`: everything after the first word is the value.
  const key = words[0]!;
  let valueStart = key.end;
  while (valueStart < end && /\s/.test(t[valueStart]!)) valueStart++;
  if (valueStart >= end) return;
  facts.env.push({
    name: t.slice(key.start, key.end),
    value: shellUnquote(t.slice(valueStart, end), escape),
    range: ins.line.range(index, key.start, end),
    source: "dockerfile",
  });
}
