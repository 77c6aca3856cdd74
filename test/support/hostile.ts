/**
 * The hostile project of the report tests: test/fixtures/report/hostile/app.py (payloads in strings,
 * comments, route paths and request-data flows), copied at test time into a temporary folder under
 * file names that are payloads too (kept out of git, where such names are a nuisance).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const HOSTILE_FIXTURE = join(REPO_ROOT, "test/fixtures/report/hostile");

export const SCRIPT_PAYLOAD = "</script><script>alert(1)</script>";
export const IMG_PAYLOAD = "<img src=x onerror=alert(1)>";
export const LINK_PAYLOAD = "[x](javascript:alert(1))";

/**
 * Relative paths the fixture's app.py is copied to. The first spells the script payload through
 * folders named `<` and `script><script>alert(1)<`; the others are plain (if odd) file names.
 */
export const HOSTILE_NAMES = [
  `${SCRIPT_PAYLOAD}.py`,
  `${IMG_PAYLOAD}.py`,
  "[x](javascript:alert(1)) ``` `.py",
];

/** A fresh temporary copy of the hostile project, hostile file names included. */
export function hostileProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "flaskwarden-hostile-"));
  const source = join(HOSTILE_FIXTURE, "app.py");
  copyFileSync(source, join(dir, "app.py"));
  for (const name of HOSTILE_NAMES) {
    const abs = join(dir, ...name.split("/"));
    mkdirSync(dirname(abs), { recursive: true });
    copyFileSync(source, abs);
  }
  return dir;
}

/** The fixture's own text, to check which payloads it really carries. */
export function hostileSource(): string {
  return readFileSync(join(HOSTILE_FIXTURE, "app.py"), "utf8");
}

/**
 * Problems that would make a Markdown document run or render something from the payloads, found
 * the way a CommonMark renderer reads the text: fenced blocks and code spans are literal, so only
 * what lies outside them is checked. Returns human-readable problems; empty means inert.
 */
export function markdownProblems(md: string, allowedTags: readonly string[] = ["details", "summary"]): string[] {
  const problems: string[] = [];
  const prose: string[] = [];
  let fence: { ch: string; len: number; line: number } | null = null;
  md.split("\n").forEach((line, i) => {
    const m = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (fence) {
      if (m && m[1]![0] === fence.ch && m[1]!.length >= fence.len && m[2]!.trim() === "") fence = null;
      return;
    }
    if (m) {
      if (m[1]![0] === "`" && m[2]!.includes("`")) problems.push(`line ${i + 1}: a backtick fence whose info string holds a backtick is not a fence`);
      fence = { ch: m[1]![0]!, len: m[1]!.length, line: i + 1 };
      return;
    }
    prose.push(stripCodeSpans(line));
  });
  if (fence) problems.push(`the fence opened on line ${(fence as { line: number }).line} is never closed`);
  const text = prose.join("\n");
  for (const t of text.matchAll(/<\/?([A-Za-z][A-Za-z0-9-]*)/g)) {
    if (!allowedTags.includes(t[1]!.toLowerCase())) problems.push(`raw HTML tag outside code: ${t[0]}`);
  }
  for (const t of text.matchAll(/<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>/g)) problems.push(`autolink outside code: ${t[0]}`);
  if (/(?<!\\)\]\(/.test(text)) problems.push("inline link syntax `](` outside code");
  if (/^ {0,3}(?<!\\)\[[^\]]*(?<!\\)\]:/m.test(text)) problems.push("link reference definition outside code");
  if (/(?<!\\)javascript:/i.test(text)) problems.push("an unescaped javascript: outside code");
  for (const tag of allowedTags) {
    const open = text.match(new RegExp(`<${tag}>`, "g"))?.length ?? 0;
    const close = text.match(new RegExp(`</${tag}>`, "g"))?.length ?? 0;
    if (open !== close) problems.push(`<${tag}> opened ${open} times and closed ${close} times outside code`);
  }
  return problems;
}

/** A line with its code spans removed (a backtick run closes only on a run of the same length). */
function stripCodeSpans(line: string): string {
  let out = "";
  let i = 0;
  while (i < line.length) {
    if (line[i] === "`" && (i === 0 || line[i - 1] !== "\\")) {
      let n = 0;
      while (line[i + n] === "`") n++;
      const rest = line.slice(i + n);
      const close = new RegExp(`(?<!\`)\`{${n}}(?!\`)`).exec(rest);
      if (close) {
        i += n + close.index + n;
        out += "CODE";
        continue;
      }
      out += line.slice(i, i + n);
      i += n;
      continue;
    }
    out += line[i];
    i++;
  }
  return out;
}
