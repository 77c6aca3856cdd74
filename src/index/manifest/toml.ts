/** pyproject.toml (PEP 621, PEP 735, uv and Poetry tables), Pipfile, poetry.lock and uv.lock. */
import { parse } from "smol-toml";
import type { Range } from "../../core/types.js";
import type { LineIndex } from "../deploy/text.js";
import { lineRange, parsePep508 } from "./requirements.js";
import { normaliseName, type Dependency, type ManifestFacts } from "./types.js";

type Table = Record<string, unknown>;

function isTable(v: unknown): v is Table {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function table(v: unknown): Table {
  return isTable(v) ? v : {};
}

function header(path: string): string {
  return path
    .split(".")
    .map((p) => p.trim().replace(/^["']|["']$/g, ""))
    .join(".");
}

/**
 * Finds where TOML values are written. smol-toml gives values without positions, so lines are located by
 * the table headers around them: the key's line inside its table, a string inside an array under a key.
 */
class TomlLines {
  /** Header name and first body line of every table, in file order; "" for the root table. */
  private readonly tables: { name: string; first: number; last: number }[] = [];

  constructor(private readonly index: LineIndex) {
    let current = { name: "", first: 1, last: index.count };
    this.tables.push(current);
    for (let n = 1; n <= index.count; n++) {
      const m = /^\s*\[\[?\s*([A-Za-z0-9_\-."' ]+?)\s*\]\]?\s*(#.*)?$/.exec(index.line(n));
      if (!m) continue;
      current.last = n - 1;
      current = { name: header(m[1]!), first: n + 1, last: index.count };
      this.tables.push(current);
    }
  }

  /** Body line ranges of every table with this header (array-of-tables headers repeat). */
  regions(name: string): { first: number; last: number }[] {
    return this.tables.filter((t) => t.name === name);
  }

  /** The line where `key = ...` is written in the given table region, or null. */
  keyLine(region: { first: number; last: number }, key: string): number | null {
    const re = new RegExp(`^\\s*(?:"${escape(key)}"|'${escape(key)}'|${escape(key)})\\s*=`, "i");
    for (let n = region.first; n <= region.last; n++) if (re.test(this.index.line(n))) return n;
    return null;
  }

  /** The range of a quoted string at or after line `from` within a region, or null. */
  stringRange(region: { first: number; last: number }, from: number, value: string): Range | null {
    for (let n = from; n <= region.last; n++) {
      const line = this.index.line(n);
      for (const q of ['"', "'"]) {
        const at = line.indexOf(q + value + q);
        if (at >= 0) return { start: { line: n, column: at + 1 }, end: { line: n, column: at + value.length + 3 } };
      }
    }
    return null;
  }

  /** Where a key is written under a table (`[tool.poetry.dependencies]` then `flask = ...`), with a fallback. */
  keyRange(tableName: string, key: string): Range | null {
    for (const region of this.regions(tableName)) {
      const n = this.keyLine(region, key);
      if (n !== null) return lineRange(this.index, n);
    }
    return null;
  }

  /** Where a string in an array under `key` of a table is written. */
  arrayItemRange(tableName: string, key: string, value: string): Range | null {
    for (const region of this.regions(tableName)) {
      const n = this.keyLine(region, key);
      if (n === null) continue;
      const r = this.stringRange(region, n, value);
      if (r) return r;
    }
    return null;
  }

  /** Body line range of the i-th `[[name]]` block. */
  block(name: string, i: number): { first: number; last: number } | null {
    return this.regions(name)[i] ?? null;
  }

  /** Last line of a block, including its sub-tables (`[package.dependencies]` after `[[package]]`). */
  blockEnd(name: string, i: number): number {
    const blocks = this.tables.filter((t) => t.name === name);
    const start = blocks[i];
    if (!start) return this.index.count;
    const next = blocks[i + 1];
    return next ? next.first - 2 : this.index.count;
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function fallback(index: LineIndex): Range {
  return lineRange(index, 1);
}

/** Parses TOML text; throws smol-toml's error (with line and column) on invalid input. */
function load(text: string): Table {
  return parse(text) as Table;
}

/** Reads the dependency tables of a pyproject.toml. */
export function parsePyproject(index: LineIndex): ManifestFacts {
  const doc = load(index.text);
  const lines = new TomlLines(index);
  const deps: Dependency[] = [];
  const pep508List = (list: unknown, group: string | null, tableName: string, key: string) => {
    if (!Array.isArray(list)) return;
    for (const item of list) {
      if (typeof item !== "string") continue;
      const req = parsePep508(item);
      if (!req) continue;
      const range = lines.arrayItemRange(tableName, key, item) ?? lines.keyRange(tableName, key) ?? fallback(index);
      deps.push({ ...req, dialect: "pep440", group, range });
    }
  };
  const project = table(doc.project);
  pep508List(project.dependencies, null, "project", "dependencies");
  for (const [extra, list] of Object.entries(table(project["optional-dependencies"]))) {
    pep508List(list, `extra:${extra}`, "project.optional-dependencies", extra);
  }
  for (const [group, list] of Object.entries(table(doc["dependency-groups"]))) pep508List(list, group, "dependency-groups", group);
  const tool = table(doc.tool);
  pep508List(table(tool.uv)["dev-dependencies"], "dev", "tool.uv", "dev-dependencies");
  const poetry = table(tool.poetry);
  poetryTable(poetry.dependencies, null, "tool.poetry.dependencies", lines, index, deps);
  poetryTable(poetry["dev-dependencies"], "dev", "tool.poetry.dev-dependencies", lines, index, deps);
  for (const [group, g] of Object.entries(table(poetry.group))) {
    poetryTable(table(g).dependencies, group, `tool.poetry.group.${group}.dependencies`, lines, index, deps);
  }
  return { deps, includes: [] };
}

/** A Poetry dependency table: `name = "^2.0"`, `name = { version = "...", extras = [...] }`, or a list of those. */
function poetryTable(value: unknown, group: string | null, tableName: string, lines: TomlLines, index: LineIndex, deps: Dependency[]): void {
  for (const [written, v] of Object.entries(table(value))) {
    if (written.toLowerCase() === "python") continue;
    const range = lines.keyRange(tableName, written) ?? fallback(index);
    for (const entry of Array.isArray(v) ? v : [v]) {
      const t = typeof entry === "string" ? { version: entry } : table(entry);
      const direct = ["git", "path", "url", "file"].some((k) => k in t);
      const spec = typeof t.version === "string" ? t.version.trim() : "";
      const extras = Array.isArray(t.extras) ? t.extras.filter((e): e is string => typeof e === "string") : [];
      const marker = typeof t.markers === "string" ? t.markers : null;
      deps.push({ name: normaliseName(written), written, spec: spec === "*" ? "" : spec, dialect: "poetry", extras, marker, group, direct, range });
    }
  }
}

/** Reads a Pipfile: `[packages]`, `[dev-packages]` and custom categories. */
export function parsePipfile(index: LineIndex): ManifestFacts {
  const doc = load(index.text);
  const lines = new TomlLines(index);
  const deps: Dependency[] = [];
  for (const [section, value] of Object.entries(doc)) {
    if (section === "source" || section === "requires" || section === "scripts" || section === "pipenv" || !isTable(value)) continue;
    const group = section === "packages" ? null : section === "dev-packages" ? "dev" : section;
    for (const [written, v] of Object.entries(value)) {
      const t = typeof v === "string" ? { version: v } : table(v);
      const direct = ["git", "path", "file", "ref"].some((k) => k in t);
      const spec = typeof t.version === "string" && t.version.trim() !== "*" ? t.version.trim() : "";
      const extras = Array.isArray(t.extras) ? t.extras.filter((e): e is string => typeof e === "string") : [];
      const marker = typeof t.markers === "string" ? t.markers : null;
      const range = lines.keyRange(section, written) ?? fallback(index);
      deps.push({ name: normaliseName(written), written, spec, dialect: "pep440", extras, marker, group, direct, range });
    }
  }
  return { deps, includes: [] };
}

/** The `version = "..."` line of the i-th `[[package]]` block, or its first line. */
function lockedRange(lines: TomlLines, index: LineIndex, i: number): Range {
  const block = lines.block("package", i);
  if (!block) return fallback(index);
  const n = lines.keyLine({ first: block.first, last: lines.blockEnd("package", i) }, "version");
  return lineRange(index, n ?? Math.max(1, block.first - 1));
}

/** Reads poetry.lock: every locked package, its version, its dependencies, and the old `category = "dev"`. */
export function parsePoetryLock(index: LineIndex): ManifestFacts {
  const doc = load(index.text);
  const lines = new TomlLines(index);
  const deps: Dependency[] = [];
  const edges: Record<string, string[]> = {};
  const packages = Array.isArray(doc.package) ? doc.package : [];
  packages.forEach((p, i) => {
    const t = table(p);
    if (typeof t.name !== "string" || typeof t.version !== "string") return;
    const name = normaliseName(t.name);
    const source = table(t.source);
    const direct = typeof source.type === "string" && source.type !== "legacy";
    deps.push({ name, written: t.name, spec: t.version, dialect: "locked", extras: [], marker: null, group: t.category === "dev" ? "dev" : null, direct, range: lockedRange(lines, index, i) });
    edges[name] = [...(edges[name] ?? []), ...Object.keys(table(t.dependencies)).map(normaliseName)];
  });
  return { deps, includes: [], edges };
}

/** Reads uv.lock: locked packages, their dependency edges, and the project's own main and dev dependencies. */
export function parseUvLock(index: LineIndex): ManifestFacts {
  const doc = load(index.text);
  const lines = new TomlLines(index);
  const deps: Dependency[] = [];
  const edges: Record<string, string[]> = {};
  const roots = { main: [] as string[], dev: [] as string[] };
  const names = (v: unknown): string[] => (Array.isArray(v) ? v.flatMap((d) => (typeof table(d).name === "string" ? [normaliseName(table(d).name as string)] : [])) : []);
  const packages = Array.isArray(doc.package) ? doc.package : [];
  packages.forEach((p, i) => {
    const t = table(p);
    if (typeof t.name !== "string") return;
    const name = normaliseName(t.name);
    const source = table(t.source);
    const own = "editable" in source || "virtual" in source;
    const main = [...names(t.dependencies), ...Object.values(table(t["optional-dependencies"])).flatMap(names)];
    edges[name] = [...(edges[name] ?? []), ...main, ...Object.values(table(t["dev-dependencies"])).flatMap(names)];
    if (own) {
      roots.main.push(...main);
      roots.dev.push(...Object.values(table(t["dev-dependencies"])).flatMap(names));
      return;
    }
    if (typeof t.version !== "string") return;
    const direct = !("registry" in source);
    deps.push({ name, written: t.name, spec: t.version, dialect: "locked", extras: [], marker: null, group: null, direct, range: lockedRange(lines, index, i) });
  });
  return { deps, includes: [], edges, roots };
}
