import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { parse, TomlError } from "smol-toml";
import { SEVERITIES, type Severity } from "../core/types.js";
import { ConfigError, defaultConfig, type Config, type PathOverride } from "./types.js";

const CONFIG_NAMES = ["flaskwarden.toml", ".flaskwarden.toml"];
const PYPROJECT = "pyproject.toml";

/** A rule ID ("FLASK-DEPLOY-002") or a prefix of one made of whole segments ("FLASK-DEPLOY"). */
export const RULE_SELECTOR = /^FLASK(-[A-Z0-9]+)*$/;

/** True when `s` is a valid rule ID or rule ID prefix. */
export function isRuleSelector(s: string): boolean {
  return RULE_SELECTOR.test(s);
}

/** Finds the config file that applies to startDir, walking up to the repository root or the filesystem root. */
export function findConfigFile(startDir: string): string | null {
  let dir = resolve(startDir);
  if (isFile(dir)) dir = dirname(dir);
  for (;;) {
    for (const name of CONFIG_NAMES) {
      const p = join(dir, name);
      if (isFile(p)) return p;
    }
    const py = join(dir, PYPROJECT);
    if (isFile(py) && pyprojectHasTable(py)) return py;
    // `.git` may be a file (worktrees, submodules), so any entry counts.
    if (existsSync(join(dir, ".git"))) return null;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function pyprojectHasTable(file: string): boolean {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return false;
  }
  try {
    const doc = parse(text);
    const tool = doc["tool"];
    return isTable(tool) && Object.hasOwn(tool, "flaskwarden");
  } catch {
    // A broken pyproject that clearly means to configure us should be picked so that
    // loadConfig can report the syntax error instead of silently using defaults.
    return /^\s*\[\[?\s*tool\s*\.\s*flaskwarden\b/m.test(text);
  }
}

/** Reads, validates and resolves a config file (or defaults when `file` is null), with CLI settings taking precedence. */
export function loadConfig(file: string | null, cliOverrides: Partial<Config>): Config {
  let config: Config;
  if (file === null) {
    config = defaultConfig(process.cwd());
  } else {
    config = defaultConfig(resolve(dirname(file)));
    config.source = file;
    const table = readTable(file);
    if (table !== null) applyTable(config, table.value, new Checker(file, table.prefix));
  }
  for (const [key, value] of Object.entries(cliOverrides)) {
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
  }
  return config;
}

type Table = Record<string, unknown>;

function readTable(file: string): { value: Table; prefix: string } | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`${file}: cannot read config file: ${(e as Error).message}`, file, null);
  }
  let doc: Table;
  try {
    doc = parse(text);
  } catch (e) {
    if (e instanceof TomlError) {
      const reason = e.message.replace(/^Invalid TOML document:\s*/, "").split("\n")[0];
      throw new ConfigError(`${file}:${e.line}:${e.column}: TOML syntax error: ${reason}`, file, null);
    }
    throw e;
  }
  if (basename(file) !== PYPROJECT) return { value: doc, prefix: "" };
  const tool = doc["tool"];
  if (tool === undefined) return null;
  if (!isTable(tool)) throw new ConfigError(`${file}: \`tool\`: expected a table, found ${describe(tool)}`, file, "tool");
  const own = tool["flaskwarden"];
  if (own === undefined) return null;
  if (!isTable(own)) {
    throw new ConfigError(`${file}: \`tool.flaskwarden\`: expected a table, found ${describe(own)}`, file, "tool.flaskwarden");
  }
  return { value: own, prefix: "tool.flaskwarden" };
}

const TOP_KEYS = [
  "include",
  "exclude",
  "select",
  "ignore",
  "fail-on",
  "severity-threshold",
  "max-file-size",
  "baseline",
  "respect-gitignore",
  "severity",
  "overrides",
  "dataflow",
  "routes",
];
const ROUTES_KEYS = ["auth-decorators"];
const DATAFLOW_KEYS = ["sources", "sanitizers"];
/** Sink kinds a sanitiser can be declared for (see src/taint/models.ts), plus "all". */
const SINK_KIND_NAMES = ["sql", "cmd", "code", "ldap", "xpath", "deser", "ssti", "path", "ssrf", "redirect", "upload", "ldap-dn", "all"];
const OVERRIDE_KEYS = ["paths", "ignore", "severity"];

function applyTable(config: Config, table: Table, c: Checker): void {
  c.knownKeys(table, TOP_KEYS, c.prefix);
  const at = (k: string) => c.join(c.prefix, k);
  if (table["include"] !== undefined) config.include = c.stringArray(table["include"], at("include"));
  if (table["exclude"] !== undefined) config.exclude = c.stringArray(table["exclude"], at("exclude"));
  if (table["select"] !== undefined) config.select = c.ruleArray(table["select"], at("select"));
  if (table["ignore"] !== undefined) config.ignore = c.ruleArray(table["ignore"], at("ignore"));
  if (table["fail-on"] !== undefined) config.failOn = c.severity(table["fail-on"], at("fail-on"));
  if (table["severity-threshold"] !== undefined) {
    config.minSeverity = c.severity(table["severity-threshold"], at("severity-threshold"));
  }
  if (table["max-file-size"] !== undefined) config.maxFileSize = c.size(table["max-file-size"], at("max-file-size"));
  if (table["baseline"] !== undefined) config.baseline = c.nonEmptyString(table["baseline"], at("baseline"));
  if (table["respect-gitignore"] !== undefined) {
    config.respectGitignore = c.boolean(table["respect-gitignore"], at("respect-gitignore"));
  }
  if (table["severity"] !== undefined) config.severity = c.severityMap(table["severity"], at("severity"));
  if (table["overrides"] !== undefined) config.overrides = c.overrides(table["overrides"], at("overrides"));
  if (table["dataflow"] !== undefined) {
    const t = c.table(table["dataflow"], at("dataflow"));
    c.knownKeys(t, DATAFLOW_KEYS, at("dataflow"));
    if (t["sources"] !== undefined) config.dataflow.sources = c.dottedArray(t["sources"], `${at("dataflow")}.sources`);
    if (t["sanitizers"] !== undefined) {
      const st = c.table(t["sanitizers"], `${at("dataflow")}.sanitizers`);
      for (const [fn, kinds] of Object.entries(st)) {
        const key = c.join(`${at("dataflow")}.sanitizers`, fn);
        if (!DOTTED.test(fn)) throw new ConfigError(`${c.file}: \`${key}\`: expected a dotted function path such as "myapp.utils.clean" as the key, found ${JSON.stringify(fn)}`, c.file, key);
        const list = c.stringArray(kinds, key);
        list.forEach((k, i) => {
          if (!SINK_KIND_NAMES.includes(k)) c.fail(`${key}[${i}]`, `one of ${SINK_KIND_NAMES.map((x) => JSON.stringify(x)).join(", ")}`, k);
        });
        config.dataflow.sanitizers[fn] = list;
      }
    }
  }
  if (table["routes"] !== undefined) {
    const routes = c.table(table["routes"], at("routes"));
    c.knownKeys(routes, ROUTES_KEYS, at("routes"));
    if (routes["auth-decorators"] !== undefined) {
      const key = c.join(at("routes"), "auth-decorators");
      config.authDecorators = c.stringArray(routes["auth-decorators"], key).map((name, i) => (/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(name) ? name : c.fail(`${key}[${i}]`, "a Python name such as `require_admin` or `myapp.auth.require_admin`", name)));
    }
  }
}

const DOTTED = /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+$/;

/** Validation helpers that know the file and build the error messages. */
class Checker {
  constructor(
    readonly file: string,
    readonly prefix: string,
  ) {}

  fail(key: string, expected: string, found: unknown): never {
    throw new ConfigError(`${this.file}: \`${key}\`: expected ${expected}, found ${describe(found)}`, this.file, key);
  }

  join(parent: string, key: string): string {
    const k = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
    return parent === "" ? k : `${parent}.${k}`;
  }

  knownKeys(table: Table, valid: string[], parent: string): void {
    for (const key of Object.keys(table)) {
      if (valid.includes(key)) continue;
      const full = this.join(parent, key);
      const guess = closest(key, valid);
      const hint = guess !== null ? `did you mean \`${guess}\`?` : `valid keys here: ${valid.join(", ")}`;
      throw new ConfigError(`${this.file}: unknown key \`${full}\` (${hint})`, this.file, full);
    }
  }

  table(v: unknown, key: string): Table {
    if (!isTable(v)) this.fail(key, "a table", v);
    return v;
  }

  stringArray(v: unknown, key: string): string[] {
    if (!Array.isArray(v)) this.fail(key, "an array of strings", v);
    return v.map((item, i) => (typeof item === "string" ? item : this.fail(`${key}[${i}]`, "a string", item)));
  }

  dottedArray(v: unknown, key: string): string[] {
    return this.stringArray(v, key).map((item, i) => (DOTTED.test(item) ? item : this.fail(`${key}[${i}]`, 'a dotted function path such as "myapp.web.current_query"', item)));
  }

  ruleArray(v: unknown, key: string): string[] {
    if (!Array.isArray(v)) this.fail(key, "an array of rule IDs", v);
    return v.map((item, i) => {
      if (typeof item !== "string" || !isRuleSelector(item)) {
        this.fail(`${key}[${i}]`, "a rule ID or prefix such as FLASK-DEPLOY-002 or FLASK-DEPLOY", item);
      }
      return item;
    });
  }

  severity(v: unknown, key: string): Severity {
    if (typeof v !== "string" || !(SEVERITIES as readonly string[]).includes(v)) {
      this.fail(key, `one of ${SEVERITIES.map((s) => JSON.stringify(s)).join(", ")}`, v);
    }
    return v as Severity;
  }

  severityMap(v: unknown, key: string): Record<string, Severity> {
    const t = this.table(v, key);
    const out: Record<string, Severity> = {};
    for (const [rule, sev] of Object.entries(t)) {
      const at = this.join(key, rule);
      if (!isRuleSelector(rule)) {
        throw new ConfigError(
          `${this.file}: \`${at}\`: expected a rule ID or prefix such as FLASK-DEPLOY-002 as the key, found ${JSON.stringify(rule)}`,
          this.file,
          at,
        );
      }
      out[rule] = this.severity(sev, at);
    }
    return out;
  }

  size(v: unknown, key: string): number {
    if (typeof v === "number") {
      if (!Number.isSafeInteger(v) || v <= 0) this.fail(key, "a positive whole number of bytes", v);
      return v;
    }
    if (typeof v === "string") {
      const n = parseSize(v);
      if (n === null) this.fail(key, 'a size such as 5242880, "5MB", "512KB" or "1.5 MiB"', v);
      return n;
    }
    return this.fail(key, 'a number of bytes or a size string such as "5MB"', v);
  }

  nonEmptyString(v: unknown, key: string): string {
    if (typeof v !== "string" || v === "") this.fail(key, "a non-empty string", v);
    return v;
  }

  boolean(v: unknown, key: string): boolean {
    if (typeof v !== "boolean") this.fail(key, "true or false", v);
    return v;
  }

  overrides(v: unknown, key: string): PathOverride[] {
    if (!Array.isArray(v)) this.fail(key, "an array of tables ([[overrides]])", v);
    return v.map((item, i) => {
      const at = `${key}[${i}]`;
      const t = this.table(item, at);
      this.knownKeys(t, OVERRIDE_KEYS, at);
      if (t["paths"] === undefined) {
        throw new ConfigError(`${this.file}: \`${at}.paths\`: expected an array of path globs, found nothing (the key is required)`, this.file, `${at}.paths`);
      }
      const paths = this.stringArray(t["paths"], `${at}.paths`);
      if (paths.length === 0) this.fail(`${at}.paths`, "at least one path glob", paths);
      return {
        paths,
        ignore: t["ignore"] === undefined ? [] : this.ruleArray(t["ignore"], `${at}.ignore`),
        severity: t["severity"] === undefined ? {} : this.severityMap(t["severity"], `${at}.severity`),
      };
    });
  }
}

// Both the SI and IEC spellings mean powers of 1024, matching how the default (5 MiB) is usually written as "5MB".
const UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Parses "5MB", "512KB", "1.5 MiB" or "2048" into bytes; null when the text is not a size. */
export function parseSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(?:([kmg])(?:i?b)?|(b))?\s*$/i.exec(text);
  if (m === null) return null;
  const unit = (m[2] ?? m[3] ?? "").toLowerCase();
  const bytes = Math.floor(Number(m[1]) * UNITS[unit]!);
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : null;
}

function isTable(v: unknown): v is Table {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (typeof v === "string") return `string ${JSON.stringify(v.length > 60 ? v.slice(0, 57) + "..." : v)}`;
  if (typeof v === "number") return Number.isInteger(v) ? `integer ${v}` : `float ${v}`;
  if (typeof v === "boolean") return `boolean ${v}`;
  if (v instanceof Date) return "a date-time";
  if (Array.isArray(v)) return v.length === 0 ? "an empty array" : "an array";
  if (isTable(v)) return "a table";
  return typeof v;
}

function closest(word: string, candidates: string[]): string | null {
  let best: string | null = null;
  let bestDist = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c);
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
