/** pip requirements files and PEP 508 requirement strings. */
import type { Range } from "../../core/types.js";
import type { LineIndex } from "../deploy/text.js";
import { normaliseName, type Dependency, type ManifestFacts, type ManifestInclude } from "./types.js";

/** A PEP 508 requirement without its location. */
export interface Requirement {
  written: string;
  name: string;
  extras: string[];
  spec: string;
  marker: string | null;
  direct: boolean;
}

const NAME_RE = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?\s*/;

/** Parses a PEP 508 requirement (`Flask[async]>=2.2,<3; python_version >= "3.8"`, `pkg @ https://...`), or null. */
export function parsePep508(text: string): Requirement | null {
  const t = text.trim();
  const m = NAME_RE.exec(t);
  if (!m) return null;
  const written = m[1]!;
  const extras = (m[2] ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  let rest = t.slice(m[0].length);
  if (rest.startsWith("@")) {
    // A direct reference; its marker must follow whitespace and `;` (URLs may contain `;`).
    const semi = rest.search(/\s;/);
    const marker = semi >= 0 ? rest.slice(semi).replace(/^\s*;/, "").trim() || null : null;
    return { written, name: normaliseName(written), extras, spec: "", marker, direct: true };
  }
  let marker: string | null = null;
  const semi = rest.indexOf(";");
  if (semi >= 0) {
    marker = rest.slice(semi + 1).trim() || null;
    rest = rest.slice(0, semi);
  }
  let spec = rest.trim();
  if (spec.startsWith("(") && spec.endsWith(")")) spec = spec.slice(1, -1).trim();
  // Anything left must look like specifiers; otherwise this is not a requirement (a stray word, a path).
  if (spec !== "" && !/^(===|~=|==|!=|<=|>=|<|>)/.test(spec)) return null;
  return { written, name: normaliseName(written), extras, spec, marker, direct: false };
}

const URL_OR_PATH = /^([a-z][a-z0-9+.-]*:\/\/|[a-z+]+\+[a-z]+:|\.{1,2}[\\/]|\/|~|[A-Za-z]:[\\/])/i;

/**
 * Parses a requirements file: comments, `\` continuations, `-r`/`-c` includes, per-requirement options
 * (`--hash=...`), editable and URL requirements (kept as direct references), extras and markers.
 */
export function parseRequirements(index: LineIndex): ManifestFacts {
  const deps: Dependency[] = [];
  const includes: ManifestInclude[] = [];
  for (let n = 1; n <= index.count; n++) {
    const first = n;
    let logical = index.line(n);
    // A trailing backslash joins the next physical line (pip joins before it strips comments).
    while (/\\$/.test(logical) && n < index.count) {
      logical = logical.slice(0, -1) + " " + index.line(++n);
    }
    const text = stripComment(logical).trim();
    if (text === "") continue;
    const range = lineRange(index, first);
    if (text.startsWith("-")) {
      const inc = /^(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=[^\s-]))(\S+)/.exec(text);
      if (inc) includes.push({ path: inc[1]!, constraint: /^(-c|--constraint)/.test(text), range });
      const editable = /^(?:-e|--editable)(?:\s*=\s*|\s+)(\S+)/.exec(text);
      if (editable) {
        const name = eggName(editable[1]!);
        if (name) deps.push(directDep(name, range));
      }
      continue;
    }
    // Per-requirement options (`--hash=sha256:...`, `--config-settings`) follow the requirement.
    const opt = text.search(/\s--?[A-Za-z]/);
    const req = (opt >= 0 ? text.slice(0, opt) : text).trim();
    if (URL_OR_PATH.test(req)) {
      const name = eggName(req);
      if (name) deps.push(directDep(name, range));
      continue;
    }
    const parsed = parsePep508(req);
    if (!parsed) continue;
    deps.push({ ...parsed, dialect: "pep440", group: null, range });
  }
  return { deps, includes };
}

function directDep(written: string, range: Range): Dependency {
  return { name: normaliseName(written), written, spec: "", dialect: "pep440", extras: [], marker: null, group: null, direct: true, range };
}

/** The project name of a URL or path requirement (`#egg=name`), when it says. */
function eggName(url: string): string | null {
  const m = /[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(url);
  return m ? m[1]! : null;
}

/** Drops a `#` comment: at the start of the line or after whitespace (`pkg#egg` in URLs is not a comment). */
function stripComment(line: string): string {
  const m = /(^|\s)#/.exec(line);
  return m ? line.slice(0, m.index) : line;
}

/** The non-blank content of line `n`, without a trailing comment or backslash. */
export function lineRange(index: LineIndex, n: number): Range {
  const raw = index.line(n);
  const content = stripComment(raw).replace(/\\\s*$/, "").trimEnd();
  const start = content.length - content.trimStart().length;
  const end = Math.max(content.length, start + 1);
  return { start: { line: n, column: start + 1 }, end: { line: n, column: end + 1 } };
}
