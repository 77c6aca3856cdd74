import type { Diagnostic, Finding } from "../core/types.js";
import { selectorMatches } from "./overrides.js";

/** One `# flaskwarden: ignore` comment and the lines it covers. */
export interface SuppressionComment {
  file: string;
  /** Line of the comment itself (1-based). */
  line: number;
  /** Rule IDs or prefixes listed in brackets; null for a bare `ignore`, which covers every rule. */
  ruleIds: string[] | null;
  reason: string;
  /** Lines covered, inclusive. */
  fromLine: number;
  toLine: number;
}

// The directive may open the comment or follow another directive in it (`# type: ignore  # flaskwarden: ignore`).
const DIRECTIVE = /(?:^|#)[ \t]*flaskwarden[ \t]*:[ \t]*ignore(?![A-Za-z0-9_-])(.*)$/is;

/** Reads a comment's text (with or without the leading `#`); null when it is not a flaskwarden suppression. */
export function parseSuppressionComment(commentText: string): { ruleIds: string[] | null; reason: string } | null {
  const m = DIRECTIVE.exec(commentText.trim());
  if (m === null) return null;
  let rest = m[1]!.trimStart();
  let ruleIds: string[] | null = null;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    // An unclosed list is ambiguous; ignoring the comment leaves the finding visible, the safe side.
    if (close < 0) return null;
    ruleIds = rest
      .slice(1, close)
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    rest = rest.slice(close + 1);
  }
  // People separate the reason in many ways: "ignore[X] - dev only", "ignore[X]: dev only".
  const reason = rest.replace(/^[\s\-–—:;,]+/, "").trimEnd();
  return { ruleIds, reason };
}

/** Finds suppression comments in a `#`-commented text file (Dockerfile, .env, Procfile, compose, shell). */
export function scanLineComments(text: string, file: string): SuppressionComment[] {
  const lines = text.split(/\r\n|\r|\n/);
  const continues = (i: number) => i >= 0 && i < lines.length && /\\\s*$/.test(lines[i]!);
  const out: SuppressionComment[] = [];
  lines.forEach((line, i) => {
    const at = commentStart(line);
    if (at < 0) return;
    const parsed = parseSuppressionComment(line.slice(at));
    if (parsed === null) return;
    let from: number;
    let to: number;
    if (line.slice(0, at).trim() === "") {
      // Stacked comments all belong to the first real line below them.
      let k = i + 1;
      while (k < lines.length && (lines[k]!.trim() === "" || lines[k]!.trimStart().startsWith("#"))) k++;
      if (k >= lines.length) {
        from = to = i;
      } else {
        from = to = k;
        while (continues(to)) to++;
      }
    } else {
      from = to = i;
      // A comment on a continuation line covers the whole backslash-joined command.
      while (continues(from - 1)) from--;
    }
    out.push({ file, line: i + 1, ...parsed, fromLine: from + 1, toLine: Math.min(to, lines.length - 1) + 1 });
  });
  return out;
}

/** Index of the `#` that starts a comment on the line, or -1; a `#` inside quotes or glued to a word is not one. */
function commentStart(line: string): number {
  let quote: string | null = null;
  for (let j = 0; j < line.length; j++) {
    const ch = line[j]!;
    if (quote !== null) {
      if (ch === "\\" && quote === '"') j++;
      else if (ch === quote) quote = null;
    } else if (ch === "\\") {
      j++;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === "#" && (j === 0 || /\s/.test(line[j - 1]!))) {
      return j;
    }
  }
  return -1;
}

/** Marks findings covered by suppression comments and reports comments that suppressed nothing or give no reason. */
export function applySuppressions(findings: Finding[], comments: SuppressionComment[]): { findings: Finding[]; unused: Diagnostic[] } {
  const sorted = [...comments].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line);
  const byFile = new Map<string, SuppressionComment[]>();
  for (const c of sorted) {
    const list = byFile.get(c.file);
    if (list) list.push(c);
    else byFile.set(c.file, [c]);
  }
  // Per comment, which of its listed IDs (or "*" for a bare ignore) matched something.
  const used = new Map<SuppressionComment, Set<string>>();

  const out = findings.map((f) => {
    let first: SuppressionComment | null = null;
    const line = f.range.start.line;
    for (const c of byFile.get(f.file) ?? []) {
      if (line < c.fromLine || line > c.toLine) continue;
      const hits = c.ruleIds === null ? ["*"] : c.ruleIds.filter((id) => selectorMatches(id, f.ruleId));
      if (hits.length === 0) continue;
      let set = used.get(c);
      if (!set) used.set(c, (set = new Set()));
      for (const h of hits) set.add(h);
      first ??= c;
    }
    if (first === null || f.suppressed) return f;
    return { ...f, suppressed: { reason: first.reason, file: first.file, line: first.line } };
  });

  const unused: Diagnostic[] = [];
  for (const c of sorted) {
    const where = `${c.file}:${c.line}`;
    const range = { start: { line: c.line, column: 1 }, end: { line: c.line, column: 1 } };
    const hit = used.get(c);
    if (!hit) {
      const what = c.ruleIds === null ? "all rules" : c.ruleIds.length === 0 ? "no rules (empty list)" : c.ruleIds.join(", ");
      unused.push({
        file: c.file,
        severity: "warning",
        code: "unused-suppression",
        message: `suppression at ${where} for ${what} matched no finding; remove it or correct the rule IDs`,
        range,
      });
    } else if (c.ruleIds !== null) {
      const idle = c.ruleIds.filter((id) => !hit.has(id));
      if (idle.length > 0) {
        unused.push({
          file: c.file,
          severity: "warning",
          code: "unused-suppression",
          message: `suppression at ${where} lists ${idle.join(", ")}, which matched no finding there; remove ${idle.length === 1 ? "it" : "them"} from the list`,
          range,
        });
      }
    }
    if (c.reason === "") {
      unused.push({
        file: c.file,
        severity: "info",
        code: "suppression-without-reason",
        message: `suppression at ${where} gives no reason; add one after the comment, e.g. "# flaskwarden: ignore[${c.ruleIds?.[0] ?? "FLASK-..."}] only used in local development"`,
        range,
      });
    }
  }
  return { findings: out, unused };
}

/** Finds `{# flaskwarden: ignore[...] reason #}` comments in a Jinja template (one-line comments only). */
export function scanTemplateComments(text: string, file: string): SuppressionComment[] {
  const lines = text.split(/\r\n|\r|\n/);
  const out: SuppressionComment[] = [];
  const commentOnly = (l: string) => /^\s*\{#[\s\S]*#\}\s*$/.test(l);
  lines.forEach((line, i) => {
    const m = /\{#[-+]?([\s\S]*?)[-+]?#\}/.exec(line);
    if (!m) return;
    const parsed = parseSuppressionComment(m[1]!);
    if (parsed === null) return;
    let at = i;
    if (commentOnly(line)) {
      let k = i + 1;
      while (k < lines.length && (lines[k]!.trim() === "" || commentOnly(lines[k]!))) k++;
      if (k < lines.length) at = k;
    }
    out.push({ file, line: i + 1, ...parsed, fromLine: at + 1, toLine: at + 1 });
  });
  return out;
}
