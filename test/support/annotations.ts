/**
 * Reads line-above annotations from fixture and example files: a marker comment applies to the next line
 * that is neither blank nor a comment, so several markers can be stacked above one line.
 */
import { readFileSync } from "node:fs";

export interface Marker {
  /** The marker word as written, e.g. "expect", "todo-ok", "VULN". */
  kind: string;
  ruleId: string;
  /** Relative path of the file holding the marker. */
  file: string;
  /** Line of the marker comment itself (1-based). */
  markerLine: number;
  /** Line the marker applies to (1-based), or null when nothing follows it. */
  line: number | null;
  /** Free text after the rule ID. */
  note: string;
}

/** Lines that hold only a comment: `# ...` (Python, shell, YAML, Dockerfile, .env) or `{# ... #}` (Jinja). */
export function isCommentLine(line: string): boolean {
  const t = line.trim();
  return t.startsWith("#") || (t.startsWith("{#") && t.endsWith("#}"));
}

/**
 * Finds the markers in a text. `pattern` must match a whole comment line and capture the marker word
 * (group 1), the rule ID (group 2) and an optional note (group 3).
 */
export function readMarkers(text: string, file: string, pattern: RegExp): Marker[] {
  const lines = text.split(/\r\n|\r|\n/);
  const out: Marker[] = [];
  lines.forEach((raw, i) => {
    const m = pattern.exec(raw);
    if (!m) return;
    let k = i + 1;
    while (k < lines.length && (lines[k]!.trim() === "" || isCommentLine(lines[k]!))) k++;
    out.push({ kind: m[1]!, ruleId: m[2]!, file, markerLine: i + 1, line: k < lines.length ? k + 1 : null, note: (m[3] ?? "").trim() });
  });
  return out;
}

/**
 * Fixture annotations: `# expect: RULE`, `# ok: RULE`, `# todo-expect: RULE`, `# todo-ok: RULE`, optionally
 * followed by a note; in templates the same inside a Jinja comment (`{# expect: RULE #}`).
 */
export const FIXTURE_ANNOTATION = /^\s*(?:#|\{#)\s*(expect|ok|todo-expect|todo-ok):\s*([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)\b(.*?)(?:#\})?\s*$/;

/** Example-app markers: `# VULN: RULE why` / `# SAFE: RULE why`, or the same inside `{# ... #}`. */
export const EXAMPLE_MARKER = /^\s*(?:#|\{#)\s*(VULN|SAFE):\s*([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)\b(.*?)(?:#\})?\s*$/;

/**
 * Comment lines that name a rule ID, which in a fixture must be an annotation or a suppression comment;
 * anything else is most likely a misspelt annotation that would silently check nothing.
 */
export function looksLikeAnnotation(line: string): boolean {
  return /^\s*(?:#|\{#).*\b[A-Z]+-[A-Z]+-\d{3}\b/.test(line) && !/flaskwarden\s*:/i.test(line);
}

export function readFileMarkers(absPath: string, relPath: string, pattern: RegExp): Marker[] {
  return readMarkers(readFileSync(absPath, "utf8"), relPath, pattern);
}

/** "file:line" key used to compare findings and markers. */
export function at(file: string, line: number): string {
  return `${file}:${line}`;
}
