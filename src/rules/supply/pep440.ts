/**
 * PEP 440 versions and version specifiers: parsing, total ordering, and specifier sets as sets of version
 * intervals (so "which versions does `>=2.2,<2.3,!=2.2.1` allow" can be intersected with an advisory's
 * affected ranges). Poetry's `^`/`~`/`||` constraint syntax is translated to the same interval form.
 */

/** A parsed version. Numbers are kept as digit strings without leading zeros, so any length compares right. */
export interface Version {
  text: string;
  epoch: string;
  /** Release segments with trailing zeros removed (1.0.0 and 1 compare equal). */
  release: string[];
  /** Pre-release phase (a, b, rc) and number, or null. */
  pre: { phase: "a" | "b" | "rc"; n: string } | null;
  post: string | null;
  dev: string | null;
  /** Local label segments, or null. */
  local: string[] | null;
}

const VERSION_RE =
  /^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d+)?)?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d+)?)?(?:[-_.]?(dev)[-_.]?(\d+)?)?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/i;

function num(s: string | undefined): string {
  const t = (s ?? "0").replace(/^0+(?=\d)/, "");
  return t === "" ? "0" : t;
}

/** Parses a PEP 440 version (normalising spellings such as `1.0-RC1`, `v2`, `1.0.post`), or null when it is not one. */
export function parseVersion(text: string): Version | null {
  const m = VERSION_RE.exec(text);
  if (!m) return null;
  const release = m[2]!.split(".").map(num);
  while (release.length > 1 && release[release.length - 1] === "0") release.pop();
  let pre: Version["pre"] = null;
  if (m[3]) {
    const l = m[3].toLowerCase();
    const phase = l === "a" || l === "alpha" ? "a" : l === "b" || l === "beta" ? "b" : "rc";
    pre = { phase, n: num(m[4]) };
  }
  const post = m[5] !== undefined ? num(m[5]) : m[6] !== undefined ? num(m[7]) : null;
  const dev = m[8] !== undefined ? num(m[9]) : null;
  const local = m[10] ? m[10].toLowerCase().split(/[-_.]/).map((s) => (/^\d+$/.test(s) ? num(s) : s)) : null;
  return { text: text.trim(), epoch: num(m[1]), release, pre, post, dev, local };
}

/** Compares two non-negative integers written as digit strings without leading zeros. */
function cmpNum(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function cmpRelease(a: string[], b: string[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = cmpNum(a[i] ?? "0", b[i] ?? "0");
    if (c !== 0) return c;
  }
  return 0;
}

const PHASE_RANK = { a: 0, b: 1, rc: 2 } as const;

/** Rank of the pre-release part: a dev-only release (1.0.dev1) sorts before 1.0a1, a final release after every pre-release. */
function preKey(v: Version): [number, number, string] {
  if (v.pre) return [1, PHASE_RANK[v.pre.phase], v.pre.n];
  if (v.post === null && v.dev !== null) return [0, 0, "0"];
  return [2, 0, "0"];
}

function cmpLocal(a: string[] | null, b: string[] | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    // Numeric segments sort after alphanumeric ones; like kinds compare naturally.
    if (xn !== yn) return xn ? 1 : -1;
    const c = xn ? cmpNum(x, y) : x < y ? -1 : x > y ? 1 : 0;
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** Total order of PEP 440: epoch, release, pre-release, post-release, dev-release, local label. */
export function compareVersions(a: Version, b: Version): number {
  let c = cmpNum(a.epoch, b.epoch) || cmpRelease(a.release, b.release);
  if (c !== 0) return c;
  const pa = preKey(a);
  const pb = preKey(b);
  c = pa[0] - pb[0] || pa[1] - pb[1] || cmpNum(pa[2], pb[2]);
  if (c !== 0) return c;
  // No post-release sorts before any post-release.
  if (a.post !== b.post) {
    if (a.post === null) return -1;
    if (b.post === null) return 1;
    c = cmpNum(a.post, b.post);
    if (c !== 0) return c;
  }
  // A dev release sorts before the same version without one.
  if (a.dev !== b.dev) {
    if (a.dev === null) return 1;
    if (b.dev === null) return -1;
    c = cmpNum(a.dev, b.dev);
    if (c !== 0) return c;
  }
  return cmpLocal(a.local, b.local);
}

/** Convenience for tests and tables: compares two version strings (throws on an invalid one). */
export function compareVersionStrings(a: string, b: string): number {
  return compareVersions(mustParse(a), mustParse(b));
}

export function mustParse(text: string): Version {
  const v = parseVersion(text);
  if (!v) throw new Error(`not a PEP 440 version: ${text}`);
  return v;
}

/** The version without its local label. */
function publicOf(v: Version): Version {
  return v.local === null ? v : { ...v, local: null };
}

// ---------- intervals ----------

/** One end of an interval; a missing bound is unbounded. */
export interface Bound {
  v: Version;
  inclusive: boolean;
}

/** A set of versions between two bounds (null = unbounded on that side). */
export interface Interval {
  lo: Bound | null;
  hi: Bound | null;
}

/** A union of disjoint intervals in ascending order. */
export type VersionSet = Interval[];

export const ANY: VersionSet = [{ lo: null, hi: null }];
export const NONE: VersionSet = [];

function isEmpty(i: Interval): boolean {
  if (!i.lo || !i.hi) return false;
  const c = compareVersions(i.lo.v, i.hi.v);
  return c > 0 || (c === 0 && !(i.lo.inclusive && i.hi.inclusive));
}

/** The tighter of two lower bounds. */
function maxLo(a: Bound | null, b: Bound | null): Bound | null {
  if (!a) return b;
  if (!b) return a;
  const c = compareVersions(a.v, b.v);
  if (c !== 0) return c > 0 ? a : b;
  return a.inclusive ? b : a;
}

function minHi(a: Bound | null, b: Bound | null): Bound | null {
  if (!a) return b;
  if (!b) return a;
  const c = compareVersions(a.v, b.v);
  if (c !== 0) return c < 0 ? a : b;
  return a.inclusive ? b : a;
}

function cmpLo(a: Bound | null, b: Bound | null): number {
  if (!a || !b) return a === b ? 0 : a ? 1 : -1;
  return compareVersions(a.v, b.v) || (a.inclusive === b.inclusive ? 0 : a.inclusive ? -1 : 1);
}

/** Sorts and merges overlapping or touching intervals. */
function normalise(set: Interval[]): VersionSet {
  const items = set.filter((i) => !isEmpty(i)).sort((a, b) => cmpLo(a.lo, b.lo));
  const out: Interval[] = [];
  for (const i of items) {
    const last = out[out.length - 1];
    if (last && touches(last.hi, i.lo)) {
      last.hi = last.hi === null || i.hi === null ? null : minHi(last.hi, i.hi) === last.hi ? i.hi : last.hi;
    } else out.push({ ...i });
  }
  return out;
}

/** Whether an interval ending at `hi` overlaps or touches one starting at `lo` (which starts no earlier). */
function touches(hi: Bound | null, lo: Bound | null): boolean {
  if (!hi || !lo) return true;
  const c = compareVersions(lo.v, hi.v);
  return c < 0 || (c === 0 && (lo.inclusive || hi.inclusive));
}

export function intersect(a: VersionSet, b: VersionSet): VersionSet {
  const out: Interval[] = [];
  for (const x of a) for (const y of b) out.push({ lo: maxLo(x.lo, y.lo), hi: minHi(x.hi, y.hi) });
  return normalise(out);
}

export function union(a: VersionSet, b: VersionSet): VersionSet {
  return normalise([...a, ...b]);
}

export function complement(a: VersionSet): VersionSet {
  const set = normalise(a);
  const out: Interval[] = [];
  let lo: Bound | null = null;
  for (const i of set) {
    if (i.lo) out.push({ lo, hi: { v: i.lo.v, inclusive: !i.lo.inclusive } });
    if (!i.hi) return normalise(out);
    lo = { v: i.hi.v, inclusive: !i.hi.inclusive };
  }
  out.push({ lo, hi: null });
  return normalise(out);
}

export function isEmptySet(a: VersionSet): boolean {
  return normalise(a).length === 0;
}

export function contains(set: VersionSet, v: Version): boolean {
  return set.some((i) => {
    if (i.lo) {
      const c = compareVersions(v, i.lo.v);
      if (c < 0 || (c === 0 && !i.lo.inclusive)) return false;
    }
    if (i.hi) {
      const c = compareVersions(v, i.hi.v);
      if (c > 0 || (c === 0 && !i.hi.inclusive)) return false;
    }
    return true;
  });
}

/** The lowest bound of a set: null when it has none (unbounded below) or is empty. */
export function floorOf(set: VersionSet): Bound | null {
  const n = normalise(set);
  return n.length > 0 ? n[0]!.lo : null;
}

/** Whether the set is a single version. */
export function singleVersion(set: VersionSet): Version | null {
  const n = normalise(set);
  if (n.length !== 1) return null;
  const { lo, hi } = n[0]!;
  if (lo && hi && lo.inclusive && hi.inclusive && compareVersions(lo.v, hi.v) === 0) return lo.v;
  return null;
}

/** `[lo, hi)`: the half-open range advisories use (introduced, fixed). */
export function range(lo: string | null, hi: string | null): VersionSet {
  return [{ lo: lo === null ? null : { v: mustParse(lo), inclusive: true }, hi: hi === null ? null : { v: mustParse(hi), inclusive: false } }];
}

// ---------- specifiers ----------

function point(v: Version): VersionSet {
  return [{ lo: { v, inclusive: true }, hi: { v, inclusive: true } }];
}

/** The lowest version whose release starts with `prefix` (`2.2` -> 2.2.dev0) in the given epoch. */
function prefixStart(epoch: string, prefix: string[]): Version {
  return { text: `${prefix.join(".")}.dev0`, epoch, release: trimZeros(prefix), pre: null, post: null, dev: "0", local: null };
}

function trimZeros(r: string[]): string[] {
  const out = [...r];
  while (out.length > 1 && out[out.length - 1] === "0") out.pop();
  return out;
}

/** Versions whose release starts with `prefix` (==2.2.* or the second half of ~=2.2.0). */
function prefixSet(epoch: string, prefix: string[]): VersionSet {
  const next = [...prefix];
  next[next.length - 1] = String(BigInt(next[next.length - 1]!) + 1n);
  return [{ lo: { v: prefixStart(epoch, prefix), inclusive: true }, hi: { v: prefixStart(epoch, next), inclusive: false } }];
}

const CLAUSE_RE = /^\s*(===|~=|==|!=|<=|>=|<|>)\s*([^\s,;]+)\s*$/;

/** Why a specifier string could not be read; set by `parseSpecifierSet`. */
export class SpecifierError extends Error {}

/**
 * Parses a PEP 440 specifier set (`>=2.2,<3,!=2.2.1`, `==2.2.*`, `~=2.2.0`) into the versions it allows.
 * An empty string allows every version. Pre-release exclusion and the local/post subtleties of `<`/`>` are
 * not modelled: advisory boundaries are final releases, where they make no difference.
 */
export function parseSpecifierSet(text: string): VersionSet {
  let set = ANY;
  for (const part of text.split(",")) {
    if (part.trim() === "") continue;
    set = intersect(set, parseClause(part));
  }
  return set;
}

function parseClause(text: string): VersionSet {
  const m = CLAUSE_RE.exec(text);
  if (!m) throw new SpecifierError(`not a version specifier: \`${text.trim()}\``);
  const op = m[1]!;
  const raw = m[2]!;
  if (op === "===") {
    const v = parseVersion(raw);
    return v ? point(v) : NONE;
  }
  const wildcard = raw.endsWith(".*");
  const v = parseVersion(wildcard ? raw.slice(0, -2) : raw);
  if (!v) throw new SpecifierError(`not a PEP 440 version: \`${raw}\``);
  if (wildcard) {
    if (op !== "==" && op !== "!=") throw new SpecifierError(`\`.*\` is only allowed with == and !=: \`${text.trim()}\``);
    const rawRelease = raw.slice(0, -2).replace(/^v/i, "").replace(/^\d+!/, "").split(/[^\d.]/)[0]!.split(".").map(num);
    const s = prefixSet(v.epoch, rawRelease);
    return op === "==" ? s : complement(s);
  }
  switch (op) {
    // `==1.0` also matches 1.0+local; local labels never decide an advisory, so they are not modelled.
    case "==":
      return point(v);
    case "!=":
      return complement(point(v));
    case ">=":
      return [{ lo: { v: publicOf(v), inclusive: true }, hi: null }];
    case ">":
      return [{ lo: { v: publicOf(v), inclusive: false }, hi: null }];
    case "<=":
      return [{ lo: null, hi: { v: publicOf(v), inclusive: true } }];
    case "<":
      return [{ lo: null, hi: { v: publicOf(v), inclusive: false } }];
    case "~=": {
      const rawRelease = raw.replace(/^v/i, "").replace(/^\d+!/, "").split(/[^\d.]/)[0]!.split(".").map(num);
      if (rawRelease.length < 2) throw new SpecifierError(`~= needs at least two release segments: \`${text.trim()}\``);
      return intersect([{ lo: { v, inclusive: true }, hi: null }], prefixSet(v.epoch, rawRelease.slice(0, -1)));
    }
  }
  throw new SpecifierError(`unknown operator in \`${text.trim()}\``);
}

/**
 * Poetry constraints: `^1.2.3`, `~1.2`, `1.2.*`, `*`, bare versions (exact), PEP 440 clauses, `,` or spaces
 * for "and", `||` or `|` for "or".
 */
export function parsePoetryConstraint(text: string): VersionSet {
  let out = NONE;
  for (const alt of text.split(/\|\|?/)) {
    let set = ANY;
    const clauses = alt
      .trim()
      .replace(/(===|~=|==|!=|<=|>=|<|>|\^|~)\s+/g, "$1")
      .split(/[\s,]+/)
      .filter((c) => c !== "");
    for (const c of clauses) set = intersect(set, poetryClause(c));
    out = union(out, set);
  }
  return out;
}

function poetryClause(c: string): VersionSet {
  if (c === "*" || c === "") return ANY;
  if (c.startsWith("^") || (c.startsWith("~") && !c.startsWith("~="))) {
    const caret = c.startsWith("^");
    const raw = c.slice(1);
    const v = parseVersion(raw);
    if (!v) throw new SpecifierError(`not a version: \`${c}\``);
    const parts = raw.replace(/^v/i, "").split(/[^\d.]/)[0]!.split(".").map(num);
    let upper: string[];
    if (caret) {
      // ^ allows changes that keep the left-most non-zero segment.
      const i = parts.findIndex((p) => p !== "0");
      const at = i < 0 ? parts.length - 1 : i;
      upper = parts.slice(0, at + 1);
    } else {
      // ~1.2.3 and ~1.2 allow patch changes; ~1 allows minor changes.
      upper = parts.length >= 2 ? parts.slice(0, 2) : parts.slice(0, 1);
    }
    upper[upper.length - 1] = String(BigInt(upper[upper.length - 1]!) + 1n);
    return [{ lo: { v, inclusive: true }, hi: { v: prefixStart(v.epoch, upper), inclusive: false } }];
  }
  if (/^(===|~=|==|!=|<=|>=|<|>)/.test(c)) return parseClause(c);
  if (c.endsWith(".*")) return parseClause(`==${c}`);
  return parseClause(`==${c}`);
}

/** Readable form of a bound, for messages. */
export function boundText(b: Bound): string {
  return b.v.text;
}
