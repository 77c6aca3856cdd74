/**
 * The data-flow engine: follows request data from Flask's request object (and URL parameters) to
 * dangerous calls, through assignments, containers, branches and loops inside a function and through
 * per-function summaries across functions and modules. See ARCHITECTURE.md, "Data flow".
 *
 * Demand-driven: only views, functions that read the request, and what they call are lowered and
 * analysed, so a project without Flask views costs nothing here.
 */
import type { Node, Parser, Tree } from "web-tree-sitter";
import type { DataFlowConfig } from "../config/types.js";
import type { SourceFile } from "../core/types.js";
import type { DefFact, Expr, ModuleIndex, R } from "../index/ir.js";
import { readSource } from "../discover/read.js";
import { blankCommentRuns } from "../parse/file.js";
import type { ModuleInfo } from "../link/modules.js";
import type { Project, Route } from "../link/project.js";
import type { Val } from "../link/resolve.js";
import { inventoryOf } from "../inventory/routes.js";
import { authorisationKey, errorHandlers, exceptionDetail, leakyException } from "./errors.js";
import { BodyLowerer, type Step } from "../index/body.js";
import {
  ALL_KINDS,
  CLEAN_METHODS,
  kindBit,
  MARKUP_CLASSES,
  MUTATING_METHODS,
  NO_RETURN,
  REQUEST_ATTRS,
  REQUEST_METHODS,
  REQUEST_OBJECTS,
  SAFE_CONVERTERS,
  SAFE_TYPE_ARGS,
  SAFE_YAML_LOADERS,
  OBJECT_ROOTS,
  SANITISERS,
  SELF_ADDRESS_ATTRS,
  SINKS,
  STRING_BUILDERS,
  ERROR_ORIGIN,
  type SinkKind,
  type SinkSpec,
} from "./models.js";
import { CLEAN, link, mergeFlows, sanitise, step, TV, union, unionAll, type Flow, type TraceLink } from "./value.js";

type CallExpr = Extract<Expr, { k: "call" }>;
type Const = string | number | boolean | null;

/** A data-flow finding, before a rule turns it into a report. */
export interface TaintHit {
  kind: SinkKind;
  file: string;
  /** The dangerous call (or assignment, for a Location header). */
  r: R;
  /** The function it sits in. */
  scope: string;
  /** What the dangerous argument is ("the SQL text"). */
  what: string;
  /** Source text of the callee, e.g. "cursor.execute". */
  sink: string;
  origin: string;
  trace: TraceLink[];
  /** Set for weaker variants of a sink (an option-like argument rather than the program); the variable's name for "template-var". */
  variant?: string;
  /** Kinds of sink the data had been made safe for on its way (mask of kindBit). */
  cleared?: number;
  /**
   * For "template-var" and "template-url": the template names this hit is limited to, when the render
   * call sits in a wrapper that takes its template name from its caller (`page("a.html", q=...)`).
   */
  templates?: string[];
}

/** A sink reached by a parameter: filled in with the caller's data at each call site. */
interface ParamSink {
  param: number;
  path?: readonly string[];
  kind: SinkKind;
  cleared: number;
  trace: TraceLink | null;
  file: string;
  r: R;
  scope: string;
  what: string;
  sink: string;
  variant?: string;
  origins?: string[];
  /** A render call's template name is this parameter: each caller's argument limits the templates (see TaintHit). */
  nameParam?: number;
  templates?: string[];
}

interface Summary {
  ret: TV;
  /** The first parameter (`self`) as the function leaves it: what a constructor's `__init__` stores. */
  selfOut: TV;
  sinks: ParamSink[];
  /** Parameters the function vouches for when it returns a true value: param -> mask of safe kinds. */
  validates: Map<number, number>;
  /** Parameters whose keyed digest (HMAC) the function returns. */
  signs: number[];
  /** Parameters the function has checked whenever it returns normally (it raises or aborts otherwise). */
  checks: Map<number, number>;
  /** What the function puts into its parameters (`items.append(x)` on a list it was given), by parameter. */
  fills: Map<number, TV>;
}

interface FnInfo {
  key: string;
  mod: ModuleInfo;
  def: DefFact;
  file: SourceFile;
  /** Parameter names, `self` included. */
  params: string[];
  /** Parameter kinds, in the same order ("star" for *args, "dstar" for **kwargs). */
  kinds: string[];
  /** Sources bound to parameters (URL rule variables of a view). */
  paramSources: Map<number, string>;
  /** Kinds of sink a bound source is already safe for (a `<int:id>` URL parameter is a number, yet still an identity the client chose). */
  paramCleared: Map<number, number>;
  /** A view or error handler: what it returns is the response. */
  responds?: boolean;
  /** An error handler for a broad exception type: its first parameter is the exception. */
  exceptionParam?: string;
  body: Step[] | null;
  /** A route's view function (or a method view's handler): what it returns is the HTTP response. */
  view?: boolean;
}

interface State {
  vars: Map<string, TV>;
  consts: Map<string, Const>;
  /**
   * Names holding a parsed URL (`u = urlparse(x)`): the variables it was parsed from. Also, under `rel:NAME`,
   * the variables of `NAME = os.path.relpath(p, base)`, and under `join:NAME` what `NAME = os.path.join(base,
   * ...)` joined onto the base (for the containment check in refine).
   */
  urls: Map<string, string[]>;
  /** Names holding the host part of a parsed URL (`host = parts.hostname.lower()`): the variables it came from. */
  hosts: Map<string, string[]>;
  /** Names holding a keyed digest (`h = hmac.new(key, x, ...)`): the variables it signs. */
  digests: Map<string, string[]>;
  /** Expressions other than local names that a guard has checked (`request.args["sort"]`, `form.kind.data`), by key. */
  checked: Map<string, number>;
}

interface Refinement {
  then: Map<string, number>;
  orelse: Map<string, number>;
}

const MAX_ROUNDS = 6;
/** Safe for every kind but "trust": a number the client chose is harmless text but still the client's choice. */
const NOT_TRUST = ALL_KINDS & ~kindBit("trust");
/** Exception details count only for the "error" kind. */
const ONLY_ERROR = ALL_KINDS & ~kindBit("error");
/** A view's or error handler's return value as the sink of FLASK-ERROR-001. */
const ERROR_RESPONSE_SINK: SinkSpec = { kind: "error", args: [], what: "the response", origins: [ERROR_ORIGIN] };
/** Authorisation state set by assignment (`session["role"] = x`, `g.is_admin = x`) as the sink of FLASK-TRUST-001. */
const SESSION_SINK: SinkSpec = { kind: "trust", args: [], what: "authorisation state" };
/** The `Location` header as a redirect sink; the header is set by assignment or a headers method, not a call argument. */
const LOCATION_SINK: SinkSpec = { kind: "redirect", args: [], what: "the redirect target" };

/** Origin of the marker flow that stands for the request object itself (see `atPath`). */
const REQUEST_OBJECT = "@request";

/**
 * The part `path` of an argument a callee reads. When the argument is the request object and the
 * callee reads one of its data attributes (`req.args`), that is request data.
 */
function atPath(a: TV, path: readonly string[] | undefined): TV {
  if (!path || path.length === 0) return a;
  const marker = a.flows.find((f) => f.origin === REQUEST_OBJECT);
  const attr = path[0]!.startsWith(".") ? path[0]!.slice(1) : null;
  if (marker && attr && REQUEST_ATTRS.has(attr)) {
    const src = new TV([{ origin: `request.${attr}`, param: -1, cleared: SELF_ADDRESS_ATTRS.has(attr) ? kindBit("redirect") : 0, trace: marker.trace }]);
    return src.fieldPath(path.slice(1));
  }
  return a.fieldPath(path);
}

/** Conversions that raise on anything but a well-formed value of their type. */
/** Conversions whose result still identifies what the client asked for (a user id). */
const IDENTITIES = new Set(["builtins.int", "builtins.float", "uuid.UUID"]);
const CONVERSIONS = new Set(["builtins.int", "builtins.float", "builtins.complex", "uuid.UUID", "decimal.Decimal", "ipaddress.ip_address", "datetime.date.fromisoformat", "datetime.datetime.fromisoformat", "datetime.datetime.strptime"]);
/** Syntax trees kept at once while lowering function bodies on demand. */
const MAX_TREES = 64;
const LOOP_ITERATIONS = 3;

function copy(s: State): State {
  return { vars: new Map(s.vars), consts: new Map(s.consts), urls: new Map(s.urls), hosts: new Map(s.hosts), digests: new Map(s.digests), checked: new Map(s.checked) };
}

function merge(a: State, b: State): State {
  const vars = new Map(a.vars);
  for (const [k, v] of b.vars) vars.set(k, union(vars.get(k) ?? CLEAN, v));
  const consts = new Map<string, Const>();
  for (const [k, v] of a.consts) if (b.consts.has(k) && b.consts.get(k) === v) consts.set(k, v);
  const urls = new Map(a.urls);
  for (const [k, v] of b.urls) urls.set(k, [...new Set([...(urls.get(k) ?? []), ...v])]);
  const digests = new Map<string, string[]>();
  for (const [k, v] of a.digests) if (b.digests.has(k)) digests.set(k, v.filter((x) => b.digests.get(k)!.includes(x)));
  const hosts = new Map<string, string[]>();
  for (const [k, v] of a.hosts) if (b.hosts.has(k)) hosts.set(k, v);
  const checked = new Map<string, number>();
  for (const [k, v] of a.checked) if (b.checked.has(k)) checked.set(k, v & b.checked.get(k)!);
  return { vars, consts, urls, hosts, digests, checked };
}

function sameState(a: State, b: State): boolean {
  if (a.vars.size !== b.vars.size) return false;
  for (const [k, v] of a.vars) {
    const w = b.vars.get(k);
    if (!w || w.all().length !== v.all().length) return false;
  }
  return true;
}

/** Names an expression reads (for guards that check a value derived from a variable). */
function namesIn(e: Expr, out: Set<string> = new Set()): Set<string> {
  switch (e.k) {
    case "name":
      out.add(e.id);
      break;
    case "attr":
      namesIn(e.obj, out);
      break;
    case "call":
      namesIn(e.fn, out);
      for (const a of e.args) namesIn(a, out);
      for (const k of e.kw) namesIn(k.value, out);
      break;
    case "sub":
      namesIn(e.obj, out);
      break;
    case "seq":
      for (const x of e.elts) namesIn(x, out);
      break;
    case "bin":
      namesIn(e.l, out);
      namesIn(e.rt, out);
      break;
    case "fstr":
    case "other":
      for (const p of e.parts) namesIn(p, out);
      break;
    default:
      break;
  }
  return out;
}

function calleeText(e: Expr): string {
  switch (e.k) {
    case "name":
      return e.id;
    case "attr":
      return `${calleeText(e.obj)}.${e.name}`;
    case "call":
      return `${calleeText(e.fn)}()`;
    case "sub":
      return `${calleeText(e.obj)}[...]`;
    default:
      return "(...)";
  }
}

function normalisePath(p: string): string {
  return p.replace(/^flask\.globals\./, "flask.").replace(/^builtins\.__builtins__\./, "builtins.");
}

export class TaintEngine {
  private readonly fns = new Map<string, FnInfo | null>();
  private readonly summaries = new Map<string, Summary>();
  private readonly trees = new Map<string, { tree: Tree; src: string } | null>();
  private readonly active = new Set<string>();
  /** Request data stored on `flask.g` by any analysed function (a `before_request` hook), by attribute. */
  private readonly gStore = new Map<string, Flow[]>();

  /** Records request data stored on `g.<name>`; a new flow means readers must be analysed again. */
  storeOnG(name: string, v: TV, file: string, r: R): void {
    const flows = v.all().filter((f) => f.param < 0).map((f) => ({ ...f, trace: link(file, r, `stored in \`g.${name}\``, f.trace) }));
    if (flows.length === 0) return;
    const old = this.gStore.get(name) ?? [];
    const merged = mergeFlows(old, flows);
    if (merged.length !== old.length) {
      this.gStore.set(name, merged);
      this.changed = true;
    }
  }

  readG(name: string): Flow[] {
    return this.gStore.get(name) ?? [];
  }

  /** Functions whose incomplete summary a recursive call used in this round. */
  private readonly partialUsed = new Set<string>();
  private changed = false;
  private readonly hits = new Map<string, TaintHit>();
  private readonly filesByPath: Map<string, SourceFile>;

  /** Extra sources and sanitisers from the config, by dotted path. */
  readonly userSources: Set<string>;
  readonly userSanitisers = new Map<string, number>();

  constructor(
    private readonly project: Project,
    private readonly parser: Parser,
    config: DataFlowConfig,
  ) {
    this.filesByPath = new Map(project.files.map((f) => [f.path, f]));
    this.userSources = new Set(config.sources);
    for (const [fn, kinds] of Object.entries(config.sanitizers)) {
      this.userSanitisers.set(fn, kinds.includes("all") ? ALL_KINDS : kinds.reduce((m, k) => m | kindBit(k as SinkKind), 0));
    }
  }

  /** Runs the analysis from every entry point to a fixed point; returns the findings, sorted. */
  run(): TaintHit[] {
    const entries = this.entryPoints();
    try {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        this.changed = false;
        this.hits.clear();
        this.analysedThisRound.clear();
        this.partialUsed.clear();
        for (const e of entries) this.analyse(e);
        if (!this.changed) break;
      }
    } finally {
      for (const t of this.trees.values()) t?.tree.delete();
      this.trees.clear();
    }
    return [...this.hits.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.r.localeCompare(b.r, "en", { numeric: true }) || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
  }

  // ---------- entry points ----------

  private entryPoints(): FnInfo[] {
    const out = new Map<string, FnInfo>();
    const add = (f: FnInfo | null, responds = false) => {
      if (f && responds) f.responds = true;
      if (f && !out.has(f.key)) out.set(f.key, f);
    };
    for (const route of this.project.routes) {
      if (!route.view || !route.viewMod) continue;
      if (route.view.kind === "class") {
        for (const m of ["get", "post", "put", "patch", "delete", "dispatch_request"]) {
          const d = this.project.resolver.def(route.viewMod, `${route.view.qualname}.${m}`);
          if (d) add(markView(this.fnInfo(route.viewMod, d, route)), true);
        }
      } else add(markView(this.fnInfo(route.viewMod, route.view, route)), true);
    }
    // Flask-RESTful / RESTX resources, from the route inventory: their HTTP-method handlers are views.
    for (const r of inventoryOf(this.project).routes) {
      if (r.kind !== "resource" || !r.viewDef || !r.viewMod || r.viewDef.kind !== "class") continue;
      for (const m of ["get", "post", "put", "patch", "delete"]) {
        const d = this.project.resolver.def(r.viewMod, `${r.viewDef.qualname}.${m}`);
        if (d) add(this.fnInfo(r.viewMod, d, { ...r.route, rule: r.path, fullPaths: [r.path] }), true);
      }
    }
    // Error handlers answer the client too; one for a broad exception type receives the exception itself.
    for (const h of errorHandlers(this.project)) {
      if (!h.def) continue;
      const f = this.fnInfo(h.mod, h.def, null);
      if (!f) continue;
      if (h.exception) f.exceptionParam = h.exception;
      add(f, true);
    }
    // Functions that read the request themselves (hooks, helpers reached through callbacks).
    for (const mod of this.project.pythonModules()) {
      const names = this.requestNames(mod);
      if (names.length === 0) continue;
      const file = this.filesByPath.get(mod.path);
      if (!file) continue;
      const src = this.source(mod.path);
      if (src === null) continue;
      const lineStarts = lineOffsets(src);
      for (const d of mod.index.defs) {
        if (d.kind !== "function") continue;
        const [sl, , el] = d.r.split(":").map(Number) as [number, number, number];
        const text = src.slice(lineStarts[sl - 1] ?? 0, lineStarts[el] ?? src.length);
        if (names.some((n) => text.includes(n))) add(this.fnInfo(mod, d, null));
      }
    }
    return [...out.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  /** Local names through which a module reaches flask.request ("request", "flask", an alias). */
  private requestNames(mod: ModuleInfo): string[] {
    const out: string[] = [];
    for (const f of mod.index.imports) {
      if ((f.module === "flask" || f.module === "flask.globals" || f.module === "quart") && f.member === "request") out.push(f.local);
      else if ((f.module === "flask" || f.module === "quart") && f.member === null) out.push(`${f.local}.request`);
    }
    return out;
  }

  private fnInfo(mod: ModuleInfo, def: DefFact, route: Route | null): FnInfo | null {
    const key = `${mod.path}:${def.qualname}`;
    const known = this.fns.get(key);
    if (known !== undefined) {
      if (known && route) this.bindRouteParams(known, route);
      return known;
    }
    const file = this.filesByPath.get(mod.path);
    if (!file || def.kind !== "function") {
      this.fns.set(key, null);
      return null;
    }
    const info: FnInfo = { key, mod, def, file, params: def.params.map((p) => p.name), kinds: def.params.map((p) => p.kind), paramSources: new Map(), paramCleared: new Map(), body: null };
    if (route) this.bindRouteParams(info, route);
    this.fns.set(key, info);
    return info;
  }

  private bindRouteParams(info: FnInfo, route: Route): void {
    const rules = [route.rule ?? "", ...route.fullPaths];
    for (const rule of rules) {
      for (const m of rule.matchAll(/<(?:([a-zA-Z_][\w]*)(?:\([^)]*\))?:)?([a-zA-Z_]\w*)>/g)) {
        const conv = m[1] ?? "string";
        const name = m[2]!;
        const i = info.params.indexOf(name);
        if (i < 0) continue;
        info.paramSources.set(i, `URL parameter \`${name}\``);
        // A number or UUID carries no text, but it still names the record the client chose (FLASK-TRUST-001).
        if (SAFE_CONVERTERS.has(conv)) info.paramCleared.set(i, NOT_TRUST);
        else info.paramCleared.delete(i);
      }
    }
  }

  // ---------- lowering on demand ----------

  private readonly texts = new Map<string, string | null>();

  /** A file's text, read once (no parse: the entry-point search only looks at the text). */
  private source(path: string): string | null {
    if (this.texts.has(path)) return this.texts.get(path)!;
    const file = this.filesByPath.get(path);
    const text = file ? readSource(file).text : null;
    this.texts.set(path, text);
    return text;
  }

  /**
   * A file's syntax tree, parsed on first need. Only the most recently used trees are kept (analysis
   * moves between a few files at a time); a file evicted and needed again is parsed again.
   */
  private tree(path: string): { tree: Tree; src: string } | null {
    const known = this.trees.get(path);
    if (known !== undefined) {
      this.trees.delete(path);
      this.trees.set(path, known);
      return known;
    }
    const src = this.source(path);
    let out: { tree: Tree; src: string } | null = null;
    if (src !== null) {
      const tree = this.parser.parse(blankCommentRuns(src));
      if (tree) out = { tree, src };
    }
    this.trees.set(path, out);
    if (this.trees.size > MAX_TREES) {
      const [oldest, t] = this.trees.entries().next().value as [string, { tree: Tree } | null];
      t?.tree.delete();
      this.trees.delete(oldest);
    }
    return out;
  }

  private bodyOf(f: FnInfo): Step[] {
    if (f.body) return f.body;
    // Lowered by the worker when the module imports Flask; otherwise parsed again and lowered here.
    const pre = f.mod.index.bodies?.[f.def.nameR];
    if (pre) return (f.body = pre);
    // Lowered on demand by an earlier analysis of the same file contents (the language server keeps the
    // index of every unchanged file, so only an edited file is parsed again).
    let lowered = LOWERED_ON_DEMAND.get(f.mod.index);
    if (!lowered) LOWERED_ON_DEMAND.set(f.mod.index, (lowered = new Map()));
    const known = lowered.get(f.def.nameR);
    if (known) return (f.body = known);
    f.body = [];
    lowered.set(f.def.nameR, f.body);
    const t = this.tree(f.mod.path);
    if (!t) return f.body;
    const [line, col] = f.def.nameR.split(":").map(Number) as [number, number];
    const nameNode = t.tree.rootNode.descendantForPosition({ row: line - 1, column: col - 1 });
    let fn: Node | null = nameNode;
    while (fn && fn.type !== "function_definition") fn = fn.parent;
    if (!fn) return f.body;
    f.body = new BodyLowerer().block(fn.childForFieldName("body"));
    lowered.set(f.def.nameR, f.body);
    return f.body;
  }

  // ---------- functions ----------

  private summaryOf(f: FnInfo): Summary {
    const known = this.summaries.get(f.key);
    if (this.active.has(f.key)) {
      // Recursion: the caller gets what is known so far, and another round runs if that changes.
      this.partialUsed.add(f.key);
      return known ?? { ret: CLEAN, selfOut: CLEAN, sinks: [], validates: new Map(), signs: [], checks: new Map(), fills: new Map() };
    }
    if (known && this.analysedThisRound.has(f.key)) return known;
    return this.analyse(f);
  }

  private readonly analysedThisRound = new Set<string>();

  private analyse(f: FnInfo): Summary {
    this.active.add(f.key);
    this.analysedThisRound.add(f.key);
    try {
      const fa = new FunctionAnalysis(this, f);
      const s = fa.run(this.bodyOf(f));
      const before = this.summaries.get(f.key);
      if (this.partialUsed.has(f.key) && (!before || summarySize(before) !== summarySize(s))) this.changed = true;
      this.summaries.set(f.key, s);
      return s;
    } finally {
      this.active.delete(f.key);
    }
  }

  infoFor(mod: ModuleInfo, def: DefFact): FnInfo | null {
    return this.fnInfo(mod, def, null);
  }

  bodyFor(f: FnInfo): Step[] {
    return this.bodyOf(f);
  }

  /** Called by FunctionAnalysis for a resolved project function. */
  summaryFor(mod: ModuleInfo, def: DefFact): { info: FnInfo; summary: Summary } | null {
    const info = this.fnInfo(mod, def, null);
    if (!info) return null;
    return { info, summary: this.summaryOf(info) };
  }

  addHit(h: TaintHit): void {
    const k = `${h.kind}\0${h.file}\0${h.r}\0${h.origin}\0${h.variant ?? ""}\0${h.templates?.join("\u0001") ?? ""}`;
    const old = this.hits.get(k);
    if (!old || old.trace.length > h.trace.length) this.hits.set(k, h);
  }

  get projectModel(): Project {
    return this.project;
  }
}

/** The constant `Content-Type` of a headers dict literal, or null. */
function contentTypeOf(d: Extract<Expr, { k: "dict" }>): string | null {
  for (const it of d.items) if (it.key?.k === "str" && it.key.v.toLowerCase() === "content-type" && it.value.k === "str") return it.value.v;
  return null;
}

/** The body argument of a response builder (first positional or `response=`) satisfies `test`. */
function isBody(c: CallExpr, test: (e: Expr) => boolean): boolean {
  const body = c.args[0] ?? c.kw.find((k) => k.name === "response")?.value;
  return body !== undefined && test(body);
}

function markView(f: FnInfo | null): FnInfo | null {
  if (f) f.view = true;
  return f;
}

/** Function bodies lowered on demand, per module index (an index is replaced when its file changes). */
const LOWERED_ON_DEMAND = new WeakMap<ModuleIndex, Map<string, Step[]>>();

/** Sinks by callee path and by method name, so a call is matched against the few specs that can apply. */
const SINKS_BY_CALLEE = new Map<string, Set<SinkSpec>>();
const SINKS_BY_METHOD = new Map<string, Set<SinkSpec>>();
for (const spec of SINKS) {
  for (const p of spec.callees ?? []) SINKS_BY_CALLEE.set(p, (SINKS_BY_CALLEE.get(p) ?? new Set()).add(spec));
  for (const m of spec.methods ?? []) SINKS_BY_METHOD.set(m, (SINKS_BY_METHOD.get(m) ?? new Set()).add(spec));
}
const NO_SINKS: readonly SinkSpec[] = [];

/** The sink specs a call may match, in SINKS order (the order decides which finding a call gets first). */
function sinkCandidates(paths: string[], name: string | null, byMethodAllowed: boolean): readonly SinkSpec[] {
  let hit: Set<SinkSpec> | null = null;
  for (const p of paths) {
    const specs = SINKS_BY_CALLEE.get(p);
    if (specs) for (const s of specs) (hit ??= new Set()).add(s);
  }
  if (name !== null && byMethodAllowed) {
    const specs = SINKS_BY_METHOD.get(name);
    if (specs) for (const s of specs) (hit ??= new Set()).add(s);
  }
  if (hit === null) return NO_SINKS;
  const found = hit;
  return SINKS.filter((s) => found.has(s));
}

/** The XSS sink of a view's own return value. */
const HTML_RESPONSE_SINK: SinkSpec = { kind: "xss", args: [], what: "the HTML the view returns" };

function summarySize(s: Summary): string {
  return `${s.ret.all().length}:${s.selfOut.all().length}:${s.sinks.length}:${[...s.validates].join(",")}:${[...s.fills].map(([k, v]) => `${k}=${v.all().length}`).join(",")}`;
}

function lineOffsets(src: string): number[] {
  const out = [0];
  for (let i = src.indexOf("\n"); i >= 0; i = src.indexOf("\n", i + 1)) out.push(i + 1);
  return out;
}

/** Walks one function body with an abstract state (see the module comment). */
class FunctionAnalysis {
  private readonly ret: TV[] = [];
  private readonly selfOut: TV[] = [];
  private readonly sinks: ParamSink[] = [];
  private readonly validates = new Map<number, number>();
  private signs: number[] | null = null;
  private validatesSeen = false;
  private exitCall = false;
  private readonly project: Project;
  private readonly file: string;
  private readonly scope: string;

  constructor(
    private readonly engine: TaintEngine,
    private readonly f: FnInfo,
    /** For a nested function analysed at its call: the enclosing function's variables (request data only). */
    private readonly outer: ReadonlyMap<string, TV> | null = null,
  ) {
    this.project = engine.projectModel;
    this.file = f.file.path;
    this.scope = f.def.qualname;
  }

  run(body: Step[]): Summary {
    const state: State = { vars: new Map(), consts: new Map(), urls: new Map(), hosts: new Map(), digests: new Map(), checked: new Map() };
    this.f.params.forEach((p, i) => {
      const src = this.f.paramSources.get(i);
      const origin = src ?? p;
      const exc = i === 0 && !src && this.f.exceptionParam !== undefined;
      const flow: Flow = exc
        ? { origin: `${ERROR_ORIGIN} \`${p}\` handled by \`${this.f.def.name}\``, param: -1, cleared: ONLY_ERROR, trace: link(this.file, this.f.def.nameR, `\`${this.f.def.name}\` receives the ${this.f.exceptionParam} as \`${p}\``, null) }
        : { origin, param: src ? -1 : i, cleared: src ? (this.f.paramCleared.get(i) ?? 0) : 0, trace: link(this.file, this.f.def.nameR, src ? `${src} enters view \`${this.f.def.name}\`` : `parameter \`${p}\` of \`${this.f.def.name}\``, null) };
      state.vars.set(p, new TV([flow]));
    });
    const end = this.block(body, state);
    if (end) this.noteSelf(end);
    const seen = new Set<string>();
    const sinks = this.sinks.filter((x) => {
      const k = `${x.param}\0${x.kind}\0${x.file}\0${x.r}\0${x.cleared}\0${x.variant ?? ""}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    return { ret: unionAll(this.ret), selfOut: unionAll(this.selfOut), signs: this.signs ?? [], checks: this.checks ?? new Map(), fills: this.fills, sinks, validates: this.validatesSeen ? this.validates : new Map() };
  }

  private checks: Map<number, number> | null = null;

  /** At a normal exit: which parameters every path so far has checked, and for which kinds. */
  private noteChecks(st: State): void {
    const now = new Map<number, number>();
    this.f.params.forEach((p, i) => {
      const v = st.vars.get(p);
      if (!v || v.fields) return;
      const flows = v.flows;
      if (flows.length === 0 || !flows.every((f) => f.param === i && !f.path)) return;
      const mask = flows.reduce((m, f) => m & f.cleared, ALL_KINDS);
      if (mask) now.set(i, mask);
    });
    if (this.checks === null) this.checks = now;
    else for (const [k, m] of [...this.checks]) {
      const n = now.get(k);
      if (n === undefined) this.checks.delete(k);
      else this.checks.set(k, m & n);
    }
  }

  private readonly fills = new Map<number, TV>();

  /** At an exit: data other than a parameter's own that the function added to it (not `self`: see selfOut). */
  private noteFills(st: State): void {
    this.f.params.forEach((p, i) => {
      if (i === 0 && this.f.params[0] === "self") return;
      const v = st.vars.get(p);
      if (!v) return;
      // Still the caller's object (not rebound to something else), with more in it.
      const all = v.all();
      if (!all.some((f) => f.param === i)) return;
      const extra = all.filter((f) => f.param !== i);
      if (extra.length > 0) this.fills.set(i, union(this.fills.get(i) ?? CLEAN, new TV(extra)));
    });
  }

  private noteSelf(st: State): void {
    this.noteChecks(st);
    this.noteFills(st);
    const self = this.f.params[0];
    const v = self !== undefined ? st.vars.get(self) : undefined;
    if (v) this.selfOut.push(v);
  }

  // ---------- statements ----------

  /** Runs statements; returns the state after them, or null when every path has left the function. */
  private block(steps: Step[], state: State): State | null {
    let cur: State | null = state;
    for (const s of steps) {
      if (!cur) return null;
      cur = this.stmt(s, cur);
    }
    return cur;
  }

  private stmt(s: Step, st: State): State | null {
    switch (s.s) {
      case "assign": {
        const value = this.eval(s.value, st);
        const c = this.fold(s.value, st);
        for (const t of s.targets) {
          if (s.op === "=") this.assign(t, value, st, s.r, c, s.value);
          else if (t.k === "name") {
            const old = st.vars.get(t.id) ?? CLEAN;
            st.vars.set(t.id, union(old, step(value, this.file, s.r, `appended to \`${t.id}\``)));
            st.consts.delete(t.id);
          }
        }
        return st;
      }
      case "expr": {
        this.exitCall = false;
        this.eval(s.e, st);
        return this.exitCall ? null : st;
      }
      case "return": {
        this.noteSelf(st);
        if (s.e) {
          const v = this.eval(s.e, st);
          if (v.tainted) this.ret.push(step(v, this.file, s.r, `returned from \`${this.f.def.name}\``));
          if (v.tainted && this.f.responds) this.checkArg(ERROR_RESPONSE_SINK, v, s.r, "the response", undefined);
          // A view's string result is served as text/html: request data in it is markup the client chose.
          if (this.f.view && v.tainted) {
            const body = s.e.k === "seq" && s.e.kind === "tuple" ? s.e.elts[0] : s.e;
            const typed = s.e.k === "seq" && s.e.kind === "tuple" && s.e.elts.slice(1).some((x) => x.k === "dict" && contentTypeOf(x) !== null && !/html|xml/i.test(contentTypeOf(x)!));
            if (body && !typed && this.isHtmlText(body, st)) this.checkArg(HTML_RESPONSE_SINK, body === s.e ? v : v.field("0"), s.r, `the response of view \`${this.f.def.name}\``, undefined);
          }
          this.noteValidation(s.e, st);
        }
        return null;
      }
      case "raise":
        return null;
      case "if": {
        const c = this.fold(s.test, st);
        this.eval(s.test, st);
        if (c !== undefined) return this.block(truthy(c) ? s.body : s.orelse, st);
        const ref = this.refine(s.test, st);
        const a = this.block(s.body, applyRefinement(copy(st), ref.then));
        const b = this.block(s.orelse, applyRefinement(copy(st), ref.orelse));
        if (!a) return b;
        if (!b) return a;
        return merge(a, b);
      }
      case "loop": {
        if (s.test) {
          const c = this.fold(s.test, st);
          if (c !== undefined && !truthy(c)) return this.block(s.orelse, st);
          this.eval(s.test, st);
        }
        let cur = st;
        const elem = s.iter ? this.eval(s.iter, st).flat() : CLEAN;
        for (let i = 0; i < LOOP_ITERATIONS; i++) {
          const inner = copy(cur);
          if (s.target) this.assign(s.target, elem, inner, s.r, undefined, null);
          const after = this.block(s.body, inner);
          const next = after ? merge(cur, after) : cur;
          if (sameState(next, cur)) break;
          cur = next;
        }
        return this.block(s.orelse, cur) ?? cur;
      }
      case "with": {
        for (const it of s.items) {
          const v = this.eval(it.e, st);
          if (it.target) this.assign(it.target, v, st, s.r, undefined, null);
        }
        return this.block(s.body, st);
      }
      case "try": {
        const body = this.block(s.body, copy(st));
        const entry = body ? merge(st, body) : st;
        let out: State | null = body ? this.block(s.orelse, body) : null;
        for (const h of s.handlers) {
          const after = this.block(h, copy(entry));
          out = out && after ? merge(out, after) : (out ?? after);
        }
        if (s.final.length > 0) {
          const fin = this.block(s.final, copy(out ?? entry));
          return out && fin ? fin : null;
        }
        return out;
      }
      case "branches": {
        this.eval(s.subject, st);
        let out: State | null = st;
        const subject = this.subject(s.subject, st);
        for (const [i, arm] of s.arms.entries()) {
          const entry = copy(st);
          if (subject && s.literal?.[i]) applyRefinement(entry, new Map([[subject, ALL_KINDS]]));
          const after = this.block(arm, entry);
          out = out && after ? merge(out, after) : (out ?? after);
        }
        return out;
      }
    }
  }

  private assign(t: Expr, v: TV, st: State, r: R, c: Const | undefined, value: Expr | null): void {
    switch (t.k) {
      case "name": {
        if (value && this.isHtmlText(value, st)) this.htmlNames.add(t.id);
        if (value?.k === "other" && value.type === "lambda" && value.parts[0]) this.lambdas.set(t.id, value.parts[0]);
        else this.lambdas.delete(t.id);
        st.vars.set(t.id, v.tainted ? step(v, this.file, r, `assigned to \`${t.id}\``) : v.fields || v.flows.length > 0 ? v : CLEAN);
        if (c !== undefined) st.consts.set(t.id, c);
        else st.consts.delete(t.id);
        const parsed = value ? this.parsedUrlOf(value, st) : null;
        if (parsed) st.urls.set(t.id, parsed);
        else st.urls.delete(t.id);
        // `rel = os.path.relpath(p, root)`: kept beside parsed URLs, for the containment check on it (see refine).
        const rel = value ? this.relpathOf(value) : null;
        if (rel) st.urls.set(`rel:${t.id}`, rel);
        else st.urls.delete(`rel:${t.id}`);
        // `full = os.path.join(root, p)`: a containment check on full proves p has no way out either.
        const joined = value?.k === "call" && value.args.length > 1 && this.paths(value.fn).some((p) => /^(os\.path|posixpath|ntpath)\.join$/.test(p)) ? value.args.slice(1).flatMap((a) => [...namesIn(a)]) : null;
        if (joined) st.urls.set(`join:${t.id}`, joined);
        else st.urls.delete(`join:${t.id}`);
        const host = value ? this.parsedUrlNames(value, st) : [];
        if (host.length > 0) st.hosts.set(t.id, host);
        else st.hosts.delete(t.id);
        const signed = value ? this.signedBy(value, st) : [];
        if (signed.length > 0) st.digests.set(t.id, signed);
        else st.digests.delete(t.id);
        // A new value has passed no guard yet.
        st.checked.delete(`=${t.id}`);
        return;
      }
      case "seq": {
        if (value && value.k === "seq" && value.elts.length === t.elts.length) {
          t.elts.forEach((e, i) => this.assign(e, this.eval(value.elts[i]!, st), st, r, this.fold(value.elts[i]!, st), value.elts[i]!));
        } else if (v.fields) t.elts.forEach((e, i) => this.assign(e, v.field(String(i)), st, r, undefined, null));
        else for (const e of t.elts) this.assign(e, v.flat(), st, r, undefined, null);
        return;
      }
      case "attr": {
        // `g.user_id = ...` in a hook: the per-request store every view of the request reads.
        if (this.paths(t.obj).includes("flask.g")) {
          this.engine.storeOnG(t.name, v, this.file, t.r ?? r);
          if (authorisationKey(t.name)) this.checkArg(SESSION_SINK, v, t.r ?? r, `\`g.${t.name}\``, undefined);
        }
        // `response.location = x` on a Flask or Werkzeug response sends the client to x.
        if (t.name === "location" && this.isResponse(t.obj)) {
          this.location(v, t.r ?? r);
        }
        const base = rootName(t.obj);
        if (base && st.vars.has(base) && t.obj.k === "name") {
          st.vars.set(base, (st.vars.get(base) ?? CLEAN).withField(`.${t.name}`, v));
        }
        return;
      }
      case "sub": {
        // `session["role"] = x`: authorisation state the client should not choose (a key it names is as bad).
        if ((t.obj.k === "name" || t.obj.k === "attr") && !(t.obj.k === "name" && st.vars.has(t.obj.id)) && this.paths(t.obj).some((p) => p === "flask.session" || p === "flask.globals.session")) {
          const key = this.fold(t.key, st);
          if (typeof key === "string" && authorisationKey(key)) this.checkArg(SESSION_SINK, v, t.r ?? r, `\`session["${key}"]\``, undefined);
          else if (typeof key !== "string") this.checkArg({ ...SESSION_SINK, what: "the name of a session key" }, this.eval(t.key, st), t.r ?? r, "`session[...]`", undefined);
        }
        // `response.headers["Location"] = x` sends the client to x.
        if (t.obj.k === "attr" && t.obj.name === "headers" && t.key.k === "str" && t.key.v.toLowerCase() === "location") {
          this.location(v, t.r ?? r);
        }
        if (t.obj.k === "name" && st.vars.has(t.obj.id)) {
          const old = st.vars.get(t.obj.id)!;
          const key = this.fold(t.key, st);
          if (key !== undefined && key !== null) st.vars.set(t.obj.id, old.withField(String(key), v));
          else st.vars.set(t.obj.id, union(old, v));
        } else if (t.obj.k === "name" && v.tainted) st.vars.set(t.obj.id, v.flat());
        return;
      }
      default:
        return;
    }
  }

  // ---------- expressions ----------

  eval(e: Expr, st: State): TV {
    const v = this.evalInner(e, st);
    if (st.checked.size > 0 && (e.k === "attr" || e.k === "sub" || e.k === "call") && v.tainted) {
      const k = exprKey(e);
      const mask = k === null ? undefined : st.checked.get(k);
      if (mask) return sanitise(v, mask);
    }
    return v;
  }

  private evalInner(e: Expr, st: State): TV {
    switch (e.k) {
      case "name": {
        const v = st.vars.get(e.id);
        if (v) return v;
        const o = this.outer?.get(e.id);
        if (o) return o;
        // The request object itself, handed to a helper: not data, but the helper's `req.args` is.
        if (this.isRequest(e, st)) return new TV([{ origin: REQUEST_OBJECT, param: -1, cleared: ALL_KINDS, trace: link(this.file, e.r ?? "0:0:0:0", "the request object is passed on here", null) }]);
        return CLEAN;
      }
      case "attr": {
        const src = this.requestSource(e, st);
        if (src) return src;
        // Werkzeug's InternalServerError carries the unhandled exception that caused it.
        if (e.name === "original_exception") {
          this.eval(e.obj, st);
          return new TV([{ origin: `${ERROR_ORIGIN} \`original_exception\``, param: -1, cleared: ONLY_ERROR, trace: link(this.file, e.r ?? "0:0:0:0", "the unhandled exception is read here", null) }]);
        }
        const form = this.formField(e, st);
        if (form) return form;
        if ((e.obj.k === "name" || e.obj.k === "attr") && !(e.obj.k === "name" && st.vars.has(e.obj.id)) && this.paths(e.obj).includes("flask.g")) {
          const stored = this.engine.readG(e.name);
          if (stored.length > 0) return new TV(stored.map((f) => ({ ...f, trace: link(this.file, e.r ?? "0:0:0:0", `read from \`g.${e.name}\``, f.trace) })));
        }
        const obj = this.eval(e.obj, st);
        // `Path(x).name` is the last component only: it cannot climb out of a folder.
        if (e.name === "name" && e.obj.k === "call" && this.paths(e.obj.fn).some((p) => /^pathlib\.(Pure)?(Posix|Windows)?Path$/.test(p))) return sanitise(obj.field(".name"), kindBit("path"));
        // A property of a project class: what its getter returns for this object.
        const prop = this.propertyGetter(e);
        if (prop) return this.applySummary({ k: "call", fn: e, args: [], kw: [], r: e.r ?? "0:0:0:0" }, prop, [], [], obj, st);
        return obj.field(`.${e.name}`);
      }
      case "sub": {
        const obj = this.eval(e.obj, st);
        const key = this.fold(e.key, st);
        this.eval(e.key, st);
        return obj.field(key === undefined || key === null ? null : String(key));
      }
      case "call":
        return this.call(e, st);
      case "str":
      case "num":
      case "bool":
      case "none":
        return CLEAN;
      case "fstr":
        return this.safePrefixed(null, unionAll(e.parts.map((p) => this.eval(p, st).flat())), st, e);
      case "bin": {
        const l = this.eval(e.l, st).flat();
        const r = this.eval(e.rt, st).flat();
        // `"%d" % x` makes a number of x; `%s` keeps its text.
        if (e.op === "%" && e.l.k === "str" && !/%[-#0 +]*\d*(?:\.\d+)?[sr]/.test(e.l.v) && !/%\(/.test(e.l.v)) return CLEAN;
        // `Markup("<b>%s</b>") % x` and `Markup(...) + x` escape x (markupsafe's operators do).
        if ((e.op === "%" && this.isMarkup(e.l)) || (e.op === "+" && (this.isMarkup(e.l) || this.isMarkup(e.rt)))) return sanitise(this.safePrefixed(null, union(l, r), st, e), kindBit("xss") | kindBit("template-var"));
        return e.op === "+" || e.op === "%" ? this.safePrefixed(null, union(l, r), st, e) : union(l, r);
      }
      case "boolop":
        return union(this.eval(e.l, st), this.eval(e.rt, st));
      case "cond": {
        this.eval(e.test, st);
        const c = this.fold(e.test, st);
        if (c !== undefined) return this.eval(truthy(c) ? e.body : e.orelse, st);
        const ref = this.refine(e.test, st);
        return union(this.eval(e.body, applyRefinement(copy(st), ref.then)), this.eval(e.orelse, applyRefinement(copy(st), ref.orelse)));
      }
      case "cmp": {
        // A comparison's result is a boolean: no text survives, but the client still chose it (`g.is_admin = arg == "1"`).
        const ops = e.operands.map((o) => this.eval(o, st).flat());
        return sanitise(unionAll(ops), NOT_TRUST);
      }
      case "not":
        this.eval(e.e, st);
        return CLEAN;
      case "seq": {
        const elts = e.elts.map((x) => this.eval(x, st));
        if (elts.every((x) => !x.tainted)) return CLEAN;
        const fields = new Map<string, TV>();
        elts.forEach((x, i) => fields.set(String(i), x));
        return new TV([], fields);
      }
      case "dict": {
        let whole = CLEAN;
        const fields = new Map<string, TV>();
        for (const it of e.items) {
          const v = this.eval(it.value, st);
          const k = it.key ? this.fold(it.key, st) : undefined;
          if (it.key) this.eval(it.key, st);
          if (it.key && k !== undefined && k !== null) fields.set(String(k), v);
          else whole = union(whole, v.flat());
          if (it.key && !(k !== undefined && k !== null)) whole = union(whole, this.eval(it.key, st).flat());
        }
        if (!whole.tainted && [...fields.values()].every((x) => !x.tainted)) return CLEAN;
        return new TV(whole.flows, fields);
      }
      case "other":
        if (e.type === "lambda") return CLEAN;
        if (e.type === "exception") {
          // `except T as e:`: the exception's text may hold internals, unless T's messages are meant for clients.
          const what = e.parts[0] ? leakyException(this.project, this.f.mod, this.scope, e.parts[0]) : null;
          if (!what) return CLEAN;
          return new TV([{ origin: `${ERROR_ORIGIN} caught as \`${what.name}\``, param: -1, cleared: ONLY_ERROR, trace: link(this.file, e.r ?? "0:0:0:0", `a ${what.label} is caught here`, null) }]);
        }
        if (e.type === "yield") {
          // A generator's yielded values are what its caller iterates over.
          const v = unionAll(e.parts.map((p) => this.eval(p, st).flat()));
          if (v.tainted) this.ret.push(step(v, this.file, e.r ?? "0:0:0:0", `yielded from \`${this.f.def.name}\``));
          return CLEAN;
        }
        if (e.type === "walrus" && e.parts[0]?.k === "name" && e.parts[1]) {
          const v = this.eval(e.parts[1], st);
          this.assign(e.parts[0], v, st, e.r ?? "0:0:0:0", this.fold(e.parts[1], st), e.parts[1]);
          return v;
        }
        return unionAll(e.parts.map((p) => this.eval(p, st).flat()));
      default:
        return CLEAN;
    }
  }

  /** `request.args`, `flask.request.form`, ...: request data, with where it was read. */
  private requestSource(e: Extract<Expr, { k: "attr" }>, st: State): TV | null {
    if (!REQUEST_ATTRS.has(e.name)) return null;
    if (!this.isRequest(e.obj, st)) return null;
    const origin = `request.${e.name}`;
    const cleared = SELF_ADDRESS_ATTRS.has(e.name) ? kindBit("redirect") : 0;
    return new TV([{ origin, param: -1, cleared, trace: link(this.file, e.r ?? "0:0:0:0", `${origin} is read here`, null) }]);
  }

  private isRequest(e: Expr, st: State): boolean {
    if (e.k === "name" && st.vars.has(e.id)) return false;
    if (e.k !== "name" && e.k !== "attr") return false;
    return this.paths(e).some((p) => REQUEST_OBJECTS.has(p));
  }

  /** `form.field.data` on a Flask-WTF or WTForms form: what the client submitted. */
  private formField(e: Extract<Expr, { k: "attr" }>, st: State): TV | null {
    if (e.name !== "data") return null;
    // `form.field.data` (one field) or `form.data` (every field, as a dict).
    const form = e.obj.k === "attr" ? e.obj.obj : e.obj;
    if (form.k !== "name") return null;
    const local = st.vars.get(form.id);
    if (local && local.tainted) return null;
    const vals = this.project.resolve(this.f.mod, this.scope, form);
    if (!vals.some((v) => v.t === "inst" && this.isFormClass(v.of))) return null;
    const origin = e.obj.k === "attr" ? `form field \`${e.obj.name}\`` : "the form's fields";
    return new TV([{ origin, param: -1, cleared: 0, trace: link(this.file, e.r ?? "0:0:0:0", `${origin} is read here`, null) }]);
  }

  private isFormClass(v: Val, depth = 0): boolean {
    if (depth > 8) return false;
    if (v.t === "ext") return /^(flask_wtf(\.form)?\.(FlaskForm|Form)|wtforms(\.form)?\.Form)$/.test(v.path);
    if (v.t === "def" && v.def.kind === "class") {
      return v.def.bases.some((b) => this.project.resolve(v.mod, v.def.scope, b).some((x) => this.isFormClass(x, depth + 1)));
    }
    return false;
  }

  /** True when `e` is a Flask/Werkzeug response: made by make_response, redirect or a Response class. */
  private isResponse(e: Expr): boolean {
    return this.project.resolve(this.f.mod, this.scope, e).some((v) => v.t === "inst" && v.of.t === "ext" && /(^|\.)(make_response|redirect|Response|jsonify|send_file)$/.test(v.of.path));
  }

  /** The getter when `e` reads a `@property` of a project class. */
  private propertyGetter(e: Extract<Expr, { k: "attr" }>): Extract<Val, { t: "def" }> | null {
    for (const v of this.project.resolve(this.f.mod, this.scope, e)) {
      if (v.t === "def" && v.def.kind === "function" && v.def.decorators.some((d) => (d.k === "name" && (d.id === "property" || d.id === "cached_property")) || (d.k === "attr" && d.name === "cached_property"))) return v;
    }
    return null;
  }

  /** External dotted paths an expression stands for (not for locals assigned in this function). */
  private paths(e: Expr): string[] {
    return this.project
      .resolve(this.f.mod, this.scope, e)
      .flatMap((v) => (v.t === "ext" ? [normalisePath(v.path)] : []));
  }

  /** Kinds of sink the call just evaluated is, so its result is not reported again downstream. */
  private lastSunk = 0;

  private call(c: CallExpr, st: State): TV {
    if (c.fn.k === "name" && this.lambdas.has(c.fn.id) && c.args.length === 0) {
      const body = this.lambdas.get(c.fn.id)!;
      this.lambdas.delete(c.fn.id);
      try {
        return step(this.eval(body, st), this.file, c.r, `returned by the lambda \`${c.fn.id}\``);
      } finally {
        this.lambdas.set(c.fn.id, body);
      }
    }
    this.lastSunk = 0;
    const v = this.callInner(c, st);
    const sunk = this.lastSunk;
    this.lastSunk = 0;
    // `text(sql)` was reported where the request data entered it; its result is not a second finding.
    // Markup reported here is not reported again where a template prints it.
    return sunk ? sanitise(v, sunk & kindBit("xss") ? sunk | kindBit("template-var") : sunk) : v;
  }

  private callInner(c: CallExpr, st: State): TV {
    const args = c.args.map((a) => this.eval(a, st));
    const kws = c.kw.map((k) => this.eval(k.value, st));
    const method = c.fn.k === "attr" ? c.fn.name : null;
    const recv = c.fn.k === "attr" ? this.eval(c.fn.obj, st) : CLEAN;
    // The resolver types locals too (flow-insensitively: `conn = ldap3.Connection(...)`, `self`); the
    // state above says what request data they hold.
    const vals = this.project.resolve(this.f.mod, this.scope, c.fn);
    // Calling an instance of an external class (`evaluator(expr)`) is named after the class: "X()".
    const paths = vals.flatMap((v) => (v.t === "ext" ? [normalisePath(v.path)] : v.t === "inst" && v.of.t === "ext" ? [`${normalisePath(v.of.path)}()`] : []));
    const defs = vals.filter((v): v is Extract<Val, { t: "def" }> => v.t === "def");
    // A dispatch table (`HANDLERS[name](x)`): any of the functions in the dict literal may run.
    if (defs.length === 0 && c.fn.k === "sub") defs.push(...this.dispatchTargets(c.fn.obj));

    if (paths.some((p) => NO_RETURN.has(p))) this.exitCall = true;

    // Sinks.
    let sunk = 0;
    // A bound method kept in a local (`run = conn.execute; run(sql)`) is matched by its method name.
    const boundName = c.fn.k === "name" && paths.length > 0 && paths.every((p) => p.includes("().")) ? paths[0]!.slice(paths[0]!.lastIndexOf(".") + 1) : null;
    for (const spec of sinkCandidates(paths, method ?? boundName, defs.length === 0)) {
      const byPath = spec.callees?.some((p) => paths.includes(p)) ?? false;
      const name = method ?? boundName;
      const byMethod = !byPath && name !== null && (spec.methods?.includes(name) ?? false) && defs.length === 0;
      if (!byPath && !byMethod) continue;
      if (spec.when === "shell" && !this.shellOn(c, st)) continue;
      if (spec.when === "no-shell" && this.shellOn(c, st)) continue;
      if (spec.when === "yaml-unsafe" && !this.yamlUnsafe(c)) continue;
      if (spec.when === "allow-pickle" && !this.kwTrue(c, "allow_pickle", st)) continue;
      if (spec.when === "torch-unsafe" && this.kwTrue(c, "weights_only", st)) continue;
      if (spec.when === "built-string" && !(c.args[0] && isBuiltString(c.args[0]))) continue;
      if (spec.when === "mongo-where") {
        // Only the `$where` value is code; the rest of a query document is data.
        const q = c.args[0] ?? c.kw.find((k) => k.name === "filter")?.value;
        const where = q?.k === "dict" ? q.items.find((it) => it.key?.k === "str" && it.key.v === "$where") : undefined;
        if (where) {
          this.checkArg(spec, this.eval(where.value, st), c.r, `${calleeText(c.fn)}()`, undefined);
          sunk |= kindBit(spec.kind);
        }
        continue;
      }
      // Only text the code builds or reads from the request (not a stream or file contents sized by a header).
      if (spec.when === "html-body" && !(this.htmlBody(c, st) && isBody(c, (e) => this.isHtmlText(e, st)) && !this.setsNonHtmlType())) continue;
      if (spec.kind === "template-var" || spec.kind === "template-url") {
        this.templateVars(spec.kind, c, kws, `${calleeText(c.fn)}()`);
        sunk |= kindBit(spec.kind);
        continue;
      }
      if (spec.when === "not-sandboxed" && c.fn.k === "attr" && this.project.resolve(this.f.mod, this.scope, c.fn.obj).some((v) => v.t === "inst" && v.of.t === "ext" && /^jinja2(\.sandbox)?\.(Immutable)?SandboxedEnvironment$/.test(v.of.path))) continue;
      // A receiver that is a parameter is decided at each call site (a helper handed the upload): then only
      // what comes from that same parameter counts (`upload.filename`), since another object's `save` may be meant.
      let onlyParams: Set<number> | null = null;
      if (spec.receiverOrigin) {
        const fl = recv.all();
        if (!fl.some((f) => f.param < 0 && spec.receiverOrigin!.some((o) => f.origin.startsWith(o)))) {
          onlyParams = new Set(fl.filter((f) => f.param >= 0).map((f) => f.param));
          if (onlyParams.size === 0) continue;
        }
      }
      const own = (v: TV): TV => (onlyParams ? new TV(v.all().filter((f) => onlyParams!.has(f.param))) : v);
      const sinkText = `${calleeText(c.fn)}()`;
      sunk |= kindBit(spec.kind);
      for (const i of spec.args) {
        if (i === -1) {
          this.checkArg(spec, own(recv), c.r, sinkText, undefined);
          continue;
        }
        const a = c.args[i];
        if (a && a.k === "other" && a.type === "splat") continue;
        const v: TV | undefined = args[i];
        if (!v) continue;
        // A file object (an upload, io.BytesIO) given where a path is also accepted is not a path.
        if (spec.kind === "path" && a && this.isFileObject(a, st)) continue;
        if (spec.listArgs && i === 0 && a?.k === "seq") {
          // A literal argument list: the program is its first element; later ones are its options.
          const elts = a.elts.map((x) => this.eval(x, st));
          if (elts[0]) this.checkArg(spec, elts[0], c.r, sinkText, undefined);
          let afterDashes = false;
          a.elts.forEach((x, j) => {
            if (x.k === "str" && x.v === "--") afterDashes = true;
            // A value right after a literal option (`["grep", "-e", pattern]`) is that option's value, not a new option.
            const prev = a.elts[j - 1];
            const optionValue = prev?.k === "str" && /^-/.test(prev.v) && !prev.v.includes("=");
            if (j > 0 && !afterDashes && !optionValue) this.checkArg({ ...spec, what: "an argument of the program" }, elts[j]!, c.r, sinkText, "option");
          });
          continue;
        }
        if (spec.listArgs && i === 0 && a && a.k !== "str" && a.k !== "fstr" && a.k !== "bin" && !(a.k === "name" && this.isString(a, st))) {
          // A list built elsewhere: its first element, when tracked, is the program; otherwise we cannot tell which part is tainted.
          const first = v.fields?.get("0");
          if (first) {
            this.checkArg(spec, first, c.r, sinkText, undefined);
            this.checkArg({ ...spec, what: "an argument of the program" }, new TV(v.flows, new Map([...v.fields!].filter(([k]) => k !== "0"))), c.r, sinkText, "option");
          } else this.checkArg({ ...spec, what: "part of the argument list" }, v, c.r, sinkText, "option");
          continue;
        }
        this.checkArg(spec, own(v), c.r, sinkText, spec.variant);
      }
      // Dangerous arguments passed by keyword (`search(search_filter=...)`, `import_module(name=...)`).
      c.kw.forEach((k, j) => {
        if (k.name !== null && (spec.kwargs?.includes(k.name) || spec.kwargs?.includes("*"))) this.checkArg(spec, own(kws[j]!), c.r, sinkText, undefined);
      });
    }

    this.lastSunk = sunk;

    // A function handed to a thread, process or executor runs with the arguments handed along.
    const handed = this.handedCall(c, paths, method);
    if (handed) this.call(handed, st);

    // `Response(..., headers={"Location": x})`: the constructor's own headers.
    if (paths.some((p) => /(^|\.)(Response|make_response)$/.test(p))) {
      const h = c.kw.find((k) => k.name === "headers")?.value;
      if (h?.k === "dict") {
        for (const it of h.items) {
          if (it.key?.k === "str" && it.key.v.toLowerCase() === "location") {
            this.location(this.eval(it.value, st), c.r);
          }
        }
      }
    }
    // `response.headers.set("Location", x)` / `.add(...)`.
    if ((method === "set" || method === "add" || method === "__setitem__") && c.fn.k === "attr" && c.fn.obj.k === "attr" && c.fn.obj.name === "headers" && c.args[0]?.k === "str" && c.args[0].v.toLowerCase() === "location" && args[1]) {
      this.location(args[1], c.r);
    }

    // `Markup("<b>{}</b>").format(x)`, `Markup(", ").join(xs)`: markupsafe escapes the arguments.
    if (method && (method === "format" || method === "format_map" || method === "join") && c.fn.k === "attr" && this.isMarkup(c.fn.obj)) {
      return step(sanitise(unionAll([...args, ...kws].map((x) => x.flat())), kindBit("xss") | kindBit("template-var")), this.file, c.r, "escaped by `Markup` formatting");
    }

    // Sources.
    const detail = exceptionDetail(paths);
    if (detail) return new TV([{ origin: `${ERROR_ORIGIN} details from \`${detail}()\``, param: -1, cleared: ONLY_ERROR, trace: link(this.file, c.r, `\`${detail}()\` formats the current exception here`, null) }]);
    if (paths.some((p) => /^flask_(restful|restx)(\.reqparse)?\.RequestParser\(\)\.parse_args$/.test(p))) {
      return new TV([{ origin: "the request parser's arguments", param: -1, cleared: 0, trace: link(this.file, c.r, "`parse_args()` reads the request here", null) }]);
    }
    if (method && REQUEST_METHODS.has(method) && this.isRequest((c.fn as Extract<Expr, { k: "attr" }>).obj, st)) {
      const origin = `request.${method}()`;
      return new TV([{ origin, param: -1, cleared: 0, trace: link(this.file, c.r, `${origin} is read here`, null) }]);
    }

    // Sources and sanitisers the user declared, by external path or by the project function's dotted name.
    const names = [...paths, ...defs.map((d) => `${d.mod.name}.${d.def.qualname}`)];
    const declaredSource = names.find((n) => this.engine.userSources.has(n));
    if (declaredSource) {
      return new TV([{ origin: `\`${declaredSource}()\` (a source declared in the config)`, param: -1, cleared: 0, trace: link(this.file, c.r, `${declaredSource}() returns request data (declared in the config)`, null) }]);
    }
    for (const n of names) {
      const mask = this.engine.userSanitisers.get(n);
      if (mask === undefined) continue;
      if (mask === ALL_KINDS) return CLEAN;
      return step(sanitise(unionAll([recv, ...args, ...kws]), mask), this.file, c.r, `made safe for some uses by \`${calleeText(c.fn)}\` (declared in the config)`);
    }
    // Sanitisers and calls whose result cannot carry the data.
    for (const p of paths) {
      const mask = SANITISERS[p];
      if (mask === undefined) continue;
      if (mask === ALL_KINDS) {
        // `int(x)` raises unless x is a number: wherever the code goes on after it, x is one.
        const a0 = c.args[0];
        if (a0?.k === "name" && CONVERSIONS.has(p) && st.vars.get(a0.id)?.tainted) st.vars.set(a0.id, sanitise(st.vars.get(a0.id)!, IDENTITIES.has(p) ? NOT_TRUST : ALL_KINDS));
        // A number the client chose is still the client's choice of record (FLASK-TRUST-001).
        if (IDENTITIES.has(p)) return sanitise(unionAll([...args, ...kws]), NOT_TRUST);
        return CLEAN;
      }
      return step(sanitise(unionAll([...args, ...kws]), mask), this.file, c.r, `made safe for some uses by \`${calleeText(c.fn)}\``);
    }
    if (method && CLEAN_METHODS.has(method) && defs.length === 0) return CLEAN;

    // Project functions: apply their summaries.
    const fromDefs: TV[] = [];
    for (const d of defs) fromDefs.push(d.def.kind === "class" ? this.construct(c, d, args, kws) : this.applySummary(c, d, args, kws, recv, st));
    if (defs.length > 0) return unionAll(fromDefs);

    // Containers and objects the function fills in: `items.append(x)`.
    if (method && MUTATING_METHODS.has(method) && c.fn.k === "attr" && c.fn.obj.k === "name") {
      const all = unionAll([...args, ...kws].map((x) => x.flat()));
      if (all.tainted) {
        const name = c.fn.obj.id;
        st.vars.set(name, union(st.vars.get(name) ?? CLEAN, step(all, this.file, c.r, `added to \`${name}\``)));
      }
      return CLEAN;
    }
    // `request.args.get("page", type=int)` converts before returning.
    const typeKw = c.kw.find((k) => k.name === "type");
    if (method && (method === "get" || method === "getlist") && typeKw && this.paths(typeKw.value).some((p) => SAFE_TYPE_ARGS.has(p))) return sanitise(recv.field(null), NOT_TRUST);
    if (method && (method === "get" || method === "pop" || method === "getlist" || method === "setdefault") && c.args[0]) {
      const key = this.fold(c.args[0], st);
      const v = recv.field(key === undefined || key === null ? null : String(key));
      return union(v, args[1] ?? CLEAN);
    }
    const all = unionAll([recv.flat(), ...args.map((x) => x.flat()), ...kws.map((x) => x.flat())]);
    // A method of an object we do not model (`cache.get(key)`, `db.lookup(name)`): what it returns is
    // the object's data, not its arguments, unless the object itself holds request data or is a string.
    if (c.fn.k === "attr" && !recv.tainted && this.isObject(c.fn.obj, st) && !STRING_BUILDERS.has(c.fn.name)) return CLEAN;
    // A function we do not model (`os.path.join`, `quote`): what goes in may come out.
    return this.safePrefixed(c, all, st);
  }

  /** Names assigned text that looks like HTML built in code (for `html = f"<p>{x}</p>"; return html`). */
  private readonly htmlNames = new Set<string>();

  /**
   * Text the code builds, as a view would return it for the browser: an f-string, `+`/`%` with a string
   * literal, `str.format`/`join` on a literal, a name assigned such text, or request data read directly.
   */
  private isHtmlText(e: Expr, st: State): boolean {
    switch (e.k) {
      case "fstr":
        return true;
      case "bin":
        if (e.op !== "+" && e.op !== "%") return false;
        if (this.isMarkup(e.l) || this.isMarkup(e.rt)) return false;
        return e.l.k === "str" || e.l.k === "fstr" || e.rt.k === "str" || e.rt.k === "fstr" || this.isHtmlText(e.l, st) || this.isHtmlText(e.rt, st);
      case "call":
        if (e.fn.k === "attr" && (e.fn.name === "format" || e.fn.name === "join") && (e.fn.obj.k === "str" || e.fn.obj.k === "fstr")) return true;
        if (e.fn.k === "attr" && (e.fn.name === "get" || e.fn.name === "getlist") && e.fn.obj.k === "attr" && REQUEST_ATTRS.has(e.fn.obj.name) && this.isRequest(e.fn.obj.obj, st)) return true;
        // The raw body (`request.get_data(as_text=True)`).
        if (e.fn.k === "attr" && e.fn.name === "get_data" && this.isRequest(e.fn.obj, st)) return true;
        return false;
      case "sub":
        if (e.obj.k === "call" && e.obj.fn.k === "attr" && REQUEST_METHODS.has(e.obj.fn.name) && this.isRequest(e.obj.fn.obj, st)) return true;
        return e.obj.k === "attr" && REQUEST_ATTRS.has(e.obj.name) && this.isRequest(e.obj.obj, st);
      case "attr":
        return e.name === "data" && this.isRequest(e.obj, st);
      case "name":
        return this.htmlNames.has(e.id);
      default:
        return false;
    }
  }

  private nonHtmlType: boolean | null = null;

  /**
   * The function gives a response a non-HTML type somewhere (`resp.mimetype = "text/plain"`,
   * `resp.headers["Content-Type"] = "application/json"`): its `make_response` bodies are not HTML.
   */
  private setsNonHtmlType(): boolean {
    if (this.nonHtmlType !== null) return this.nonHtmlType;
    const nonHtml = (e: Expr) => e.k === "str" && !/html|xml/i.test(e.v);
    const walk = (steps: Step[]): boolean =>
      steps.some((x) => {
        if (x.s === "assign") {
          return x.targets.some((t) => (t.k === "attr" && (t.name === "mimetype" || t.name === "content_type") && nonHtml(x.value)) || (t.k === "sub" && t.obj.k === "attr" && t.obj.name === "headers" && t.key.k === "str" && t.key.v.toLowerCase() === "content-type" && nonHtml(x.value)));
        }
        if (x.s === "if") return walk(x.body) || walk(x.orelse);
        if (x.s === "loop") return walk(x.body) || walk(x.orelse);
        if (x.s === "with") return walk(x.body);
        if (x.s === "try") return walk(x.body) || x.handlers.some(walk) || walk(x.orelse) || walk(x.final);
        if (x.s === "branches") return x.arms.some(walk);
        return false;
      });
    this.nonHtmlType = walk(this.engine.bodyFor(this.f));
    return this.nonHtmlType;
  }

  /** A `Markup(...)` object built right here (its operators and methods escape what they are given). */
  private isMarkup(e: Expr): boolean {
    return e.k === "call" && this.paths(e.fn).some((p) => MARKUP_CLASSES.includes(p));
  }

  /** Whether a response built by this call is served as HTML: no mimetype or content type that says otherwise. */
  private htmlBody(c: CallExpr, st: State): boolean {
    const isResponseClass = this.paths(c.fn).some((p) => p.endsWith("Response"));
    const typed = (e: Expr | undefined): boolean | null => {
      if (!e) return null;
      const v = this.fold(e, st);
      if (typeof v !== "string") return null;
      return /html|xml/i.test(v);
    };
    const given = [c.kw.find((k) => k.name === "mimetype")?.value, c.kw.find((k) => k.name === "content_type")?.value, isResponseClass ? c.args[3] : undefined, isResponseClass ? c.args[4] : undefined];
    for (const e of given) {
      const t = typed(e);
      if (t !== null) return t;
      // A type the code computes: not known to be HTML.
      if (e) return false;
    }
    const headers = c.kw.find((k) => k.name === "headers")?.value ?? c.args[2];
    if (headers?.k === "dict") {
      for (const it of headers.items) {
        if (it.key?.k === "str" && it.key.v.toLowerCase() === "content-type") return typed(it.value) ?? false;
      }
    }
    return true;
  }

  /**
   * A render call's variables: each keyword argument (and each constant key of a `**dict`) is checked as a
   * "template-var" sink of its own, named by the variant, so the template side can tell which variable
   * carries request data.
   */
  private templateVars(kind: "template-var" | "template-url", c: CallExpr, kws: TV[], sinkText: string): void {
    // In a wrapper whose template name is a parameter, the callers decide which template gets what.
    const nameArg = c.args[0] ?? c.kw.find((k) => k.name === "template_name_or_list")?.value;
    const nameParam = nameArg?.k === "name" ? this.f.params.indexOf(nameArg.id) : -1;
    const np = nameParam >= 0 ? nameParam : undefined;
    c.kw.forEach((k, j) => {
      const v = kws[j]!;
      if (k.name === "template_name_or_list" || k.name === "source") return;
      if (k.name !== null) {
        this.checkArg({ kind, args: [], what: `the template variable \`${k.name}\`` }, v, c.r, sinkText, k.name, np);
        return;
      }
      if (v.fields) for (const [key, fv] of v.fields) this.checkArg({ kind, args: [], what: `the template variable \`${key}\`` }, fv, c.r, sinkText, key, np);
      if (v.flows.length > 0) this.checkArg({ kind, args: [], what: "a template variable" }, new TV(v.flows), c.r, sinkText, "*", np);
    });
  }

  /** True when `e` is an object rather than a module: its methods' results are its own data. */
  private isObject(e: Expr, st: State): boolean {
    const root = rootName(e);
    if (root && st.vars.has(root)) return true;
    if (e.k === "str" || e.k === "fstr" || e.k === "call" || e.k === "sub") return true;
    const vals = this.project.resolve(this.f.mod, this.scope, e);
    if (vals.length === 0) return true;
    return vals.some((v) => v.t === "inst" || v.t === "const" || (v.t === "def" && v.def.kind === "class") || (v.t === "ext" && (v.path.includes("()") || OBJECT_ROOTS.some((o) => normalisePath(v.path) === o || normalisePath(v.path).startsWith(`${o}.`)))));
  }

  private isString(e: Expr, st: State): boolean {
    if (e.k === "str" || e.k === "fstr") return true;
    if (e.k === "name") return typeof st.consts.get(e.id) === "string" || typeof this.fold(e, st) === "string";
    return false;
  }

  /**
   * A URL whose start the code fixed (`"/search?q=" + q`, `url_for("x") + "?" + q`, `"https://api.example.com/v1/" + p`)
   * cannot point at another site, whatever follows.
   */
  private safePrefixed(c: CallExpr | null, v: TV, st: State, e?: Expr): TV {
    if (!v.tainted) return v;
    const lead = e ?? (c && c.fn.k === "attr" && c.fn.name === "format" ? c.fn.obj : null);
    if (!lead) return v;
    const prefix = this.leadingText(lead, st);
    if (prefix === null) return v;
    const relative = /^\/(?![/\\])/.test(prefix);
    // The host must be spelled out: "https://%s/" or "https://{}/" leave it to the data.
    const fixedHost = /^https?:\/\/[^/?#\\{}%]+[/?#]/i.test(prefix);
    if (!relative && !fixedHost) return v;
    return sanitise(v, kindBit("redirect") | kindBit("ssrf"));
  }

  /** The constant text an expression starts with, if the code fixed it; "/" for a url_for() result. */
  private leadingText(e: Expr, st: State): string | null {
    switch (e.k) {
      case "str":
        return e.v;
      case "fstr": {
        // Constant parts at the start, literal or folded (`f"{BASE}/thumbs/{name}"`), run together.
        let out = "";
        for (const p of e.parts) {
          const c = p.k === "str" ? p.v : this.fold(p, st);
          if (typeof c !== "string") break;
          out += c;
        }
        if (out !== "") return out;
        return e.parts[0] ? this.leadingText(e.parts[0], st) : null;
      }
      case "bin":
        return e.op === "+" || e.op === "%" ? this.leadingText(e.l, st) : null;
      case "name": {
        const c = this.fold(e, st);
        return typeof c === "string" ? c : null;
      }
      case "call": {
        if (this.paths(e.fn).some((p) => p === "flask.url_for" || p === "flask.helpers.url_for")) return "/";
        if (e.fn.k === "attr" && e.fn.name === "format") return this.leadingText(e.fn.obj, st);
        return null;
      }
      default:
        return null;
    }
  }

  /** Functions held by a dict literal bound to a module-level name: the possible callees of `TABLE[key](...)`. */
  private dispatchTargets(table: Expr): Extract<Val, { t: "def" }>[] {
    if (table.k !== "name") return [];
    const out: Extract<Val, { t: "def" }>[] = [];
    const scan = (mod: ModuleInfo, scope: string, name: string) => {
      for (const a of this.project.resolver.assignsIn(mod, scope)) {
        if (a.value.k !== "dict" || !a.targets.some((t) => t.k === "name" && t.id === name)) continue;
        for (const it of a.value.items) {
          for (const v of this.project.resolve(mod, scope, it.value)) if (v.t === "def" && v.def.kind === "function") out.push(v);
        }
      }
    };
    scan(this.f.mod, this.scope, table.id);
    if (out.length === 0) scan(this.f.mod, "", table.id);
    // Imported from another module: `from .builders import REPORTS`.
    if (out.length === 0) {
      for (const f of this.f.mod.index.imports) {
        if (f.local !== table.id || f.member === null) continue;
        const target = this.project.modules.get(this.project.modules.absolute(f.module, this.f.mod), this.f.mod);
        if (target) scan(target, "", f.member);
      }
    }
    return out;
  }

  /** `Thread(target=f, args=(x,))`, `executor.submit(f, x)`: the call of f that will happen. */
  private handedCall(c: CallExpr, paths: string[], method: string | null): CallExpr | null {
    if (paths.some((p) => /^(threading\.(Thread|Timer)|multiprocessing\.Process)$/.test(p))) {
      const target = c.kw.find((k) => k.name === "target")?.value ?? (paths.some((p) => p.endsWith("Timer")) ? c.args[1] : undefined);
      if (!target) return null;
      const a = c.kw.find((k) => k.name === "args")?.value;
      const kw = c.kw.find((k) => k.name === "kwargs")?.value;
      return { k: "call", fn: target, args: a?.k === "seq" ? a.elts : a ? [{ k: "other", type: "splat", parts: [a] }] : [], kw: kw ? [{ name: null, value: kw, r: c.r }] : [], r: c.r };
    }
    if ((method === "submit" || method === "apply_async" || method === "run_in_executor") && c.fn.k === "attr") {
      const fnAt = method === "run_in_executor" ? 1 : 0;
      const fn = c.args[fnAt];
      if (!fn || !this.project.resolve(this.f.mod, this.scope, fn).some((v) => v.t === "def" && v.def.kind === "function")) return null;
      const rest = c.args.slice(fnAt + 1);
      const args = method === "apply_async" && rest[0]?.k === "seq" ? rest[0].elts : rest;
      return { k: "call", fn, args, kw: method === "submit" ? c.kw : [], r: c.r };
    }
    return null;
  }

  private isFileObject(a: Expr, st: State): boolean {
    if (a.k === "call" && this.paths(a.fn).some((p) => /^io\.(BytesIO|StringIO)$|^tempfile\./.test(p))) return true;
    // `request.files["f"]` itself (not its `.filename`) is the uploaded file.
    if (a.k === "sub" && a.obj.k === "attr" && a.obj.name === "files" && this.isRequest(a.obj.obj, st)) return true;
    if (a.k === "call" && a.fn.k === "attr" && a.fn.name === "get" && a.fn.obj.k === "attr" && a.fn.obj.name === "files" && this.isRequest(a.fn.obj.obj, st)) return true;
    return false;
  }

  private shellOn(c: CallExpr, st: State): boolean {
    const k = c.kw.find((x) => x.name === "shell");
    if (!k) return false;
    const v = this.fold(k.value, st);
    return v === undefined ? true : truthy(v);
  }

  private yamlUnsafe(c: CallExpr): boolean {
    const loader = c.kw.find((x) => x.name === "Loader")?.value ?? c.args[1];
    if (!loader) return true;
    const name = loader.k === "attr" ? loader.name : loader.k === "name" ? loader.id : null;
    if (name && SAFE_YAML_LOADERS.has(name)) return false;
    // A variable or alias holding a safe loader.
    return !this.paths(loader).some((p) => SAFE_YAML_LOADERS.has(p.slice(p.lastIndexOf(".") + 1)));
  }

  /** A keyword argument that is present and not a false constant. */
  private kwTrue(c: CallExpr, name: string, st: State): boolean {
    const k = c.kw.find((x) => x.name === name);
    if (!k) return false;
    const v = this.fold(k.value, st);
    return v === undefined ? true : truthy(v);
  }

  /** A value that becomes a response's `Location` header (assigned, set or passed to the constructor). */
  private location(v: TV, r: R): void {
    this.checkArg(LOCATION_SINK, v, r, "the `Location` header", undefined);
  }

  private checkArg(spec: SinkSpec, v: TV, r: R, sinkText: string, variant: string | undefined, nameParam?: number): void {
    const bit = kindBit(spec.kind);
    for (const f of v.all()) {
      if (f.cleared & bit) continue;
      if (f.param < 0 && spec.origins && !spec.origins.some((o) => f.origin.startsWith(o))) continue;
      const trace = link(this.file, r, `reaches ${sinkText.endsWith(")") ? `\`${sinkText}\`` : sinkText} as ${spec.what}`, f.trace);
      if (f.param < 0) {
        this.engine.addHit({ kind: spec.kind, file: this.file, r, scope: this.scope, what: spec.what, sink: sinkText, origin: f.origin, trace: traceOf(trace), variant, cleared: f.cleared });
      } else {
        this.sinks.push({ param: f.param, path: f.path, kind: spec.kind, cleared: f.cleared, trace, file: this.file, r, scope: this.scope, what: spec.what, sink: sinkText, variant, origins: spec.origins, nameParam });
      }
    }
  }

  /** Binds a call's arguments to a callee's parameters: the value each parameter receives. */
  private binder(c: CallExpr, params: string[], args: TV[], kws: TV[], self: TV | null, kinds: string[] = []): (i: number) => TV {
    const offset = self ? 1 : 0;
    return (i: number): TV => {
      if (self && i === 0) return self;
      const pos = i - offset;
      // `*args` collects every remaining positional argument; `**kwargs` every unmatched keyword.
      if (kinds[i] === "star") return unionAll(args.slice(Math.max(0, pos)).map((x) => x.flat()));
      if (kinds[i] === "dstar") {
        // A dict keyed by the keywords no other parameter takes, so `kwargs["url"]` is that argument alone.
        let flows: Flow[] = [];
        const fields = new Map<string, TV>();
        const put = (k: string, v: TV) => fields.set(k, fields.has(k) ? unionAll([fields.get(k)!, v]) : v);
        c.kw.forEach((x, j) => {
          if (x.name !== null && params.includes(x.name)) return;
          const v = kws[j]!;
          if (x.name !== null) return put(x.name, v);
          flows = mergeFlows(flows, v.flows as Flow[]);
          if (v.fields) for (const [k, fv] of v.fields) put(k, fv);
        });
        return new TV(flows, fields.size > 0 ? fields : null);
      }
      const name = params[i];
      const k = c.kw.findIndex((x) => x.name === name);
      if (k >= 0) return kws[k]!;
      const splatAt = c.args.findIndex((a) => a.k === "other" && a.type === "splat");
      if (pos >= 0 && pos < args.length && (splatAt < 0 || pos < splatAt)) return args[pos]!;
      // Splats may fill any later parameter.
      const splats = [...c.args.map((a, j) => (a.k === "other" && a.type === "splat" ? args[j]! : CLEAN)), ...c.kw.map((x, j) => (x.name === null ? kws[j]! : CLEAN))];
      return unionAll(splats.map((x) => x.flat()));
    };
  }

  /** A summary's value (its return, or what `__init__` stored on `self`) in the caller's terms. */
  private substitute(v: TV, argFor: (i: number) => TV, params: string[], c: CallExpr, callName: string, verb: string): TV {
    let flows: Flow[] = [];
    for (const fl of v.flows) {
      if (fl.param < 0) {
        flows = mergeFlows(flows, [{ ...fl, trace: link(this.file, c.r, `${verb} \`${callName}\``, fl.trace) }]);
        continue;
      }
      const a = atPath(argFor(fl.param), fl.path);
      for (const x of a.all()) {
        const into = link(this.file, c.r, `passed to \`${callName}\` as \`${params[fl.param]}\``, x.trace);
        flows = mergeFlows(flows, [{ origin: x.origin, param: x.param, path: x.path, cleared: x.cleared | fl.cleared, trace: link(this.file, c.r, `${verb} \`${callName}\``, appendTrace(into, fl.trace)) }]);
      }
    }
    if (!v.fields) return new TV(flows);
    const fields = new Map<string, TV>();
    for (const [k, x] of v.fields) fields.set(k, this.substitute(x, argFor, params, c, callName, verb));
    return new TV(flows, fields);
  }

  /** Sinks inside a callee reached by what this call passes. */
  private applySinks(summary: Summary, argFor: (i: number) => TV, params: string[], c: CallExpr, callName: string, exprFor?: (i: number) => Expr | undefined): void {
    for (const original of summary.sinks) {
      const summarySink = original.nameParam === undefined ? original : this.limitTemplates(original, exprFor?.(original.nameParam));
      const arg = atPath(argFor(summarySink.param), summarySink.path);
      // Template variables spread from a parameter (`render_template(name, **context)` in a wrapper): a
      // caller's constant keys name the variables, so each key is checked as that variable only.
      const parts: [TV, typeof summarySink][] =
        summarySink.variant === "*" && (summarySink.kind === "template-var" || summarySink.kind === "template-url") && arg.fields
          ? [[new TV(arg.flows), summarySink], ...[...arg.fields].map(([k, fv]): [TV, typeof summarySink] => [fv, { ...summarySink, variant: k, what: `the template variable \`${k}\`` }])]
          : [[arg, summarySink]];
      for (const [a, ps] of parts) this.applySink(a, ps, params, c, callName);
    }
  }

  /**
   * A render wrapper's sink as seen from one call: the template names this caller passes limit it, or,
   * when the caller passes a parameter of its own, its callers will.
   */
  private limitTemplates(ps: ParamSink, nameExpr: Expr | undefined): ParamSink {
    const { nameParam: _n, ...rest } = ps;
    if (!nameExpr) return rest;
    if (nameExpr.k === "name") {
      const own = this.f.params.indexOf(nameExpr.id);
      if (own >= 0) return { ...rest, nameParam: own };
    }
    const names = this.project.templates.namesOf(this.f.mod, this.scope, nameExpr);
    return names.length > 0 ? { ...rest, templates: names } : rest;
  }

  /** One sink of a callee, reached by the value `a` this call passes. */
  private applySink(a: TV, ps: Summary["sinks"][number], params: string[], c: CallExpr, callName: string): void {
    const bit = kindBit(ps.kind);
    for (const fl of a.all()) {
      const cleared = fl.cleared | ps.cleared;
      if (cleared & bit) continue;
      if (fl.param < 0 && ps.origins && !ps.origins.some((o) => fl.origin.startsWith(o))) continue;
      const into = link(this.file, c.r, `passed to \`${callName}\` as \`${params[ps.param]}\``, fl.trace);
      const trace = appendTrace(into, ps.trace);
      if (fl.param < 0) {
        const hit: TaintHit = { kind: ps.kind, file: ps.file, r: ps.r, scope: ps.scope, what: ps.what, sink: ps.sink, origin: fl.origin, trace: traceOf(trace), variant: ps.variant, cleared };
        if (ps.templates) hit.templates = ps.templates;
        this.engine.addHit(hit);
      } else {
        this.sinks.push({ ...ps, param: fl.param, path: fl.path, cleared, trace });
      }
    }
  }

  private applySummary(c: CallExpr, d: Extract<Val, { t: "def" }>, args: TV[], kws: TV[], recv: TV, st: State): TV {
    // A function nested in this one sees this one's variables (a closure): analyse it here, with them.
    const got = d.def.scope === this.scope && this.f.def.kind === "function" ? this.closureSummary(d, st) : this.engine.summaryFor(d.mod, d.def);
    if (!got) return unionAll(args.map((x) => x.flat()));
    const { info, summary } = got;
    const isMethod = this.project.resolver.def(d.mod, d.def.scope)?.kind === "class" && !d.def.decorators.some((x) => x.k === "name" && x.id === "staticmethod");
    const isClassMethod = isMethod && d.def.decorators.some((x) => x.k === "name" && x.id === "classmethod");
    const recvVals = c.fn.k === "attr" ? this.project.resolve(this.f.mod, this.scope, c.fn.obj) : [];
    // `obj.method(x)` binds obj to self; `Cls.method(obj, x)` does not; a classmethod always binds cls.
    const boundSelf = isMethod && c.fn.k === "attr" && (isClassMethod || !recvVals.some((v) => v.t === "def" && v.def.kind === "class"));
    const argFor = this.binder(c, info.params, args, kws, boundSelf ? (isClassMethod ? CLEAN : recv) : null, info.kinds);
    const callName = calleeText(c.fn);
    // The expression this call passes for a parameter (by keyword, else by position; not through splats).
    const exprFor = (i: number): Expr | undefined => {
      if (info.kinds[i] === "star" || info.kinds[i] === "dstar") return undefined;
      const kw = c.kw.find((x) => x.name === info.params[i]);
      if (kw) return kw.value;
      const pos = i - (boundSelf ? 1 : 0);
      const arg = pos >= 0 ? c.args[pos] : undefined;
      return arg && !(arg.k === "other" && arg.type === "splat") && !c.args.slice(0, pos).some((a) => a.k === "other" && a.type === "splat") ? arg : undefined;
    };
    this.applySinks(summary, argFor, info.params, c, callName, exprFor);
    // What the callee put into a list or dict it was given lands in the caller's variable.
    for (const [p, v] of summary.fills) {
      const pos = p - (boundSelf ? 1 : 0);
      const kw = c.kw.find((x) => x.name === info.params[p]);
      const a = kw ? kw.value : c.args[pos];
      if (a?.k !== "name") continue;
      const added = this.substitute(v, argFor, info.params, c, callName, "added to its argument by");
      if (added.tainted) st.vars.set(a.id, union(st.vars.get(a.id) ?? CLEAN, added.flat()));
    }
    // A helper that raises unless its argument is acceptable vouches for that variable afterwards.
    for (const [p, mask] of summary.checks) {
      const pos = p - (boundSelf ? 1 : 0);
      if (pos < 0) continue;
      const kw = c.kw.find((x) => x.name === info.params[p]);
      const a = kw ? kw.value : c.args[pos];
      if (a?.k === "name" && st.vars.get(a.id)?.tainted) st.vars.set(a.id, sanitise(st.vars.get(a.id)!, mask));
    }
    return this.substitute(summary.ret, argFor, info.params, c, callName, "returned by");
  }

  private closureDepth = 0;
  /** Locals bound to a lambda: calling one evaluates its body here (parameters are not bound). */
  private readonly lambdas = new Map<string, Expr>();

  private closureSummary(d: Extract<Val, { t: "def" }>, st: State): { info: FnInfo; summary: Summary } | null {
    const info = this.engine.infoFor(d.mod, d.def);
    if (!info || this.closureDepth > 4) return this.engine.summaryFor(d.mod, d.def);
    // Only request data crosses: the enclosing function's parameter placeholders mean nothing inside.
    const outer = new Map<string, TV>();
    for (const [k, v] of st.vars) {
      const flows = v.all().filter((f) => f.param < 0);
      if (flows.length > 0) outer.set(k, new TV(flows));
    }
    const inner = new FunctionAnalysis(this.engine, info, outer);
    inner.closureDepth = this.closureDepth + 1;
    return { info, summary: inner.run(this.engine.bodyFor(info)) };
  }

  /** `Cls(...)` for a project class: runs its `__init__` summary on a fresh object. */
  private construct(c: CallExpr, cls: Extract<Val, { t: "def" }>, args: TV[], kws: TV[]): TV {
    const init = this.project.resolver.classAttr(cls.mod, cls.def, "__init__").find((v): v is Extract<Val, { t: "def" }> => v.t === "def" && v.def.kind === "function");
    if (!init) return unionAll([...args, ...kws].map((x) => x.flat()));
    const got = this.engine.summaryFor(init.mod, init.def);
    if (!got) return unionAll([...args, ...kws].map((x) => x.flat()));
    const argFor = this.binder(c, got.info.params, args, kws, CLEAN, got.info.kinds);
    const callName = calleeText(c.fn);
    this.applySinks(got.summary, argFor, got.info.params, c, callName);
    return this.substitute(got.summary.selfOut, argFor, got.info.params, c, callName, "stored by");
  }

  // ---------- guards and constants ----------

  /** What a condition proves about variables when it is true (then) or false (orelse). */
  private refine(e: Expr, st: State): Refinement {
    const then = new Map<string, number>();
    const orelse = new Map<string, number>();
    const put = (m: Map<string, number>, name: string, mask: number) => m.set(name, (m.get(name) ?? 0) | mask);
    // `isinstance(e, HTTPException)`: in that branch the exception is one whose text is written for clients.
    if (e.k === "call" && e.args.length === 2 && e.args[0]!.k === "name" && this.paths(e.fn).includes("builtins.isinstance")) {
      if (!leakyException(this.project, this.f.mod, this.scope, e.args[1]!)) {
        put(then, e.args[0]!.id, kindBit("error"));
        return { then, orelse };
      }
    }
    switch (e.k) {
      case "not": {
        const r = this.refine(e.e, st);
        return { then: r.orelse, orelse: r.then };
      }
      case "boolop": {
        const l = this.refine(e.l, st);
        const r = this.refine(e.rt, st);
        if (e.op === "and") {
          for (const [k, v] of [...l.then, ...r.then]) put(then, k, v);
          // Both false: only what each side's failure proves about the same name.
          for (const [k, v] of l.orelse) if (r.orelse.has(k)) put(orelse, k, v & r.orelse.get(k)!);
        } else {
          for (const [k, v] of [...l.orelse, ...r.orelse]) put(orelse, k, v);
          for (const k of [...orelse.keys()]) {
            if (k.startsWith("dotdot:") && orelse.has(`abs:${k.slice(7)}`)) put(orelse, k.slice(7), kindBit("path"));
          }
          // `x == "a" or x == "b"`: either side being true proves it.
          for (const [k, v] of l.then) if (r.then.has(k)) put(then, k, v & r.then.get(k)!);
        }
        return { then, orelse };
      }
      case "cmp": {
        if (e.ops.length !== 1 || e.operands.length !== 2) break;
        const [a, b] = e.operands as [Expr, Expr];
        const op = e.ops[0]!;
        // `check(x) is not None` means `check(x)`; `is None` its negation.
        if ((op === "is not" || op === "is") && b.k === "none") {
          const r = this.refine(a, st);
          return op === "is not" ? r : { then: r.orelse, orelse: r.then };
        }
        // The other side must be chosen by the code; a parameter (an allow-list passed in) counts as such.
        const bTainted = this.eval(b, st).tainted && this.eval(b, st).all().some((f) => f.param < 0 && f.cleared !== ALL_KINDS);
        // `x in ALLOWED`, `x == "known"`: x can only be a value the code chose.
        const subject = this.subject(a, st);
        if (subject && !bTainted) {
          if (op === "in" || op === "==") put(then, subject, ALL_KINDS);
          if (op === "not in" || op === "!=") put(orelse, subject, ALL_KINDS);
        }
        // `".." in name`: when false, the name cannot climb out of a folder; with an absolute-path check
        // beside it (`or name.startswith("/")`) it cannot leave it at all. Marked here, combined under `or`.
        if (a.k === "str" && a.v.includes("..") && (op === "in" || op === "not in")) {
          const inner = this.subject(b, st);
          if (inner) put(op === "in" ? orelse : then, `dotdot:${inner}`, kindBit("path"));
        }
        // A keyed digest of x compared with a signature: only the key's holder can have produced x.
        if (op === "==" || op === "!=") {
          for (const n of [...this.signedBy(a, st), ...this.signedBy(b, st)]) put(op === "==" ? then : orelse, n, ALL_KINDS);
        }
        // urlparse(x).netloc / .scheme compared with something the code chose: x stays on known hosts.
        for (const side of [a, b]) {
          const other = side === a ? b : a;
          const names = this.parsedUrlNames(side, st);
          // `request.host_url` on the other side names this site, which is what the check compares against.
          if (names.length === 0 || this.eval(other, st).all().some((f) => f.param < 0 && (f.cleared & kindBit("redirect")) === 0)) continue;
          const mask = kindBit("redirect") | kindBit("ssrf");
          for (const n of names) {
            if (op === "in" || op === "==") put(then, n, mask);
            if (op === "not in" || op === "!=") put(orelse, n, mask);
          }
        }
        break;
      }
      case "attr": {
        // `if urlparse(x).netloc:` is false for a relative URL, which stays on this site.
        const names = this.parsedUrlNames(e, st);
        if (names.length > 0 && e.name === "netloc") for (const n of names) put(orelse, n, kindBit("redirect"));
        break;
      }
      case "call": {
        const method = e.fn.k === "attr" ? e.fn.name : null;
        const recv = e.fn.k === "attr" ? e.fn.obj : null;
        if (method && recv && ["isdigit", "isnumeric", "isdecimal", "isalnum", "isalpha", "isidentifier"].includes(method)) {
          for (const n of namesIn(recv)) put(then, n, ALL_KINDS);
        }
        // `urlsplit(x).netloc.endswith(f".{DOMAIN}")` with a domain the code chose: x is on a subdomain of
        // it. Only a suffix that starts with a dot counts (`"evil-example.com".endswith("example.com")`).
        if (method === "endswith" && recv && e.args[0]) {
          const names = this.parsedUrlNames(recv, st);
          const dotted = (x: Expr): boolean =>
            x.k === "str" ? x.v.startsWith(".") : x.k === "fstr" ? x.parts[0]?.k === "str" && x.parts[0].v.startsWith(".") : x.k === "seq" ? x.elts.length > 0 && x.elts.every(dotted) : false;
          const chosen = !this.eval(e.args[0], st).all().some((f) => f.param < 0 && (f.cleared & kindBit("redirect")) === 0);
          if (names.length > 0 && dotted(e.args[0]) && chosen) for (const n of names) put(then, n, kindBit("redirect") | kindBit("ssrf"));
        }
        // `if os.path.relpath(p, root).startswith(os.pardir): abort(403)`: when false, p lies inside root.
        if (method === "startswith" && recv && e.args[0]) {
          const arg = e.args[0];
          const pardir = this.fold(arg, st) === ".." || this.paths(arg).some((p) => /^(os|os\.path|posixpath|ntpath)\.pardir$/.test(p));
          const from = recv.k === "name" ? st.urls.get(`rel:${recv.id}`) : this.relpathOf(recv);
          if (pardir && from) for (const n of from) for (const m of [n, ...(st.urls.get(`join:${n}`) ?? [])]) put(orelse, m, kindBit("path"));
        }
        if (method === "startswith" && recv && e.args[0] && this.fold(e.args[0], st) === "/") {
          // When false, the name is not absolute.
          const inner = this.subject(recv, st);
          if (inner) put(orelse, `abs:${inner}`, kindBit("path"));
        }
        if (e.args[0] && this.paths(e.fn).some((p) => p === "os.path.isabs" || p === "posixpath.isabs")) {
          const inner = this.subject(e.args[0], st);
          if (inner) put(orelse, `abs:${inner}`, kindBit("path"));
        }
        if (method === "startswith" && recv && e.args[0]) {
          // A folder prefix confines a (normalised) path; a full origin confines a URL. "/" or "https://" alone confine nothing.
          const pre = this.fold(e.args[0], st);
          const prefixes = typeof pre === "string" ? [pre] : e.args[0].k === "seq" ? e.args[0].elts.map((x) => this.fold(x, st)) : [undefined];
          let mask = ALL_KINDS;
          for (const p of prefixes) {
            let m = 0;
            if (p === undefined) m = kindBit("path");
            else if (typeof p === "string") {
              if (/^\/[^/\\]/.test(p) || /^[A-Za-z]:\\/.test(p)) m |= kindBit("path");
              if (/^https?:\/\/[^/?#\\{}%]+[/?#]/i.test(p)) m |= kindBit("redirect") | kindBit("ssrf");
            }
            mask &= m;
          }
          if (mask) for (const n of namesIn(recv)) put(then, n, mask);
        }
        const paths = this.paths(e.fn);
        if ((paths.includes("hmac.compare_digest") || paths.includes("secrets.compare_digest")) && e.args.length === 2) {
          for (const n of [...this.signedBy(e.args[0]!, st), ...this.signedBy(e.args[1]!, st)]) put(then, n, ALL_KINDS);
        }
        const target = e.args[1] ?? e.kw.find((k) => k.name === "string")?.value;
        if (target && (paths.includes("re.fullmatch") || (paths.includes("re.match") && e.args[0]?.k === "str" && /(\$|\\Z)$/.test(e.args[0].v)))) {
          for (const n of namesIn(target)) put(then, n, ALL_KINDS);
        }
        if (method === "fullmatch" && e.args[0] && !paths.includes("re.fullmatch")) for (const n of namesIn(e.args[0])) put(then, n, ALL_KINDS);
        // A project function that vouches for its argument (`is_safe_url(target)`).
        const defs = this.project.resolve(this.f.mod, this.scope, e.fn).filter((v): v is Extract<Val, { t: "def" }> => v.t === "def" && v.def.kind === "function");
        for (const d of defs) {
          const got = this.engine.summaryFor(d.mod, d.def);
          if (!got) continue;
          for (const [p, mask] of got.summary.validates) {
            const a = e.args[p];
            if (a && a.k === "name") put(then, a.id, mask);
          }
        }
        break;
      }
      default:
        break;
    }
    return { then, orelse };
  }

  /**
   * Variables a keyed digest signs: `hmac.new(key, x, ...)`, its `.hexdigest()`, a local holding one,
   * or a project function that returns one. Unkeyed hashes do not count: anyone can compute them.
   */
  private signedBy(e: Expr, st: State): string[] {
    if (e.k === "name") return st.digests.get(e.id) ?? [];
    if (e.k !== "call") return [];
    if (e.fn.k === "attr" && (e.fn.name === "hexdigest" || e.fn.name === "digest") && e.args.length === 0) return this.signedBy(e.fn.obj, st);
    const paths = this.paths(e.fn);
    if (paths.some((p) => p === "hmac.new" || p === "hmac.digest" || p === "hmac.HMAC")) return e.args[1] ? [...namesIn(e.args[1])] : [];
    const out: string[] = [];
    for (const v of this.project.resolve(this.f.mod, this.scope, e.fn)) {
      if (v.t !== "def" || v.def.kind !== "function") continue;
      const got = this.engine.summaryFor(v.mod, v.def);
      for (const p of got?.summary.signs ?? []) if (e.args[p]) out.push(...namesIn(e.args[p]));
    }
    return out;
  }

  /** What a guard's left side checks: a local name, or the key of a request expression read again later. */
  private subject(e: Expr, st: State): string | null {
    if (e.k === "name") return e.id;
    // `x.rstrip("/") + "/" in SITES`: a constant added to one side does not change what is checked.
    if (e.k === "bin" && e.op === "+") {
      if (e.rt.k === "str") return this.subject(e.l, st);
      if (e.l.k === "str") return this.subject(e.rt, st);
      return null;
    }
    const k = exprKey(e);
    if (k === null) return null;
    // `name.lower() in ALLOWED` vouches for the local `name`.
    if (st.vars.has(k)) return k;
    return `#${k}`;
  }

  /** Variables a parsed URL was made from: `urlparse(x).netloc` or `u.netloc` after `u = urlparse(x)`. */
  private parsedUrlNames(e: Expr, st: State): string[] {
    if (e.k === "name") return st.hosts.get(e.id) ?? [];
    if (e.k === "call" && e.fn.k === "attr" && (e.fn.name === "lower" || e.fn.name === "strip" || e.fn.name === "casefold")) return this.parsedUrlNames(e.fn.obj, st);
    if (e.k === "boolop") return [...new Set([...this.parsedUrlNames(e.l, st), ...this.parsedUrlNames(e.rt, st)])];
    if (e.k !== "attr" || !["netloc", "hostname"].includes(e.name)) return [];
    if (e.obj.k === "name") return st.urls.get(e.obj.id) ?? [];
    const parsed = this.parsedUrlOf(e.obj, st);
    return parsed ?? [];
  }

  /** Variables a relative path was computed from: `os.path.relpath(p, root)` gives p's names. */
  private relpathOf(e: Expr): string[] | null {
    if (e.k !== "call" || !e.args[0]) return null;
    if (!this.paths(e.fn).some((p) => /^(os\.path|posixpath|ntpath)\.relpath$/.test(p))) return null;
    return [...namesIn(e.args[0])];
  }

  private parsedUrlOf(e: Expr, st: State): string[] | null {
    if (e.k !== "call" || !e.args[0]) return null;
    const paths = this.paths(e.fn);
    if (!paths.some((p) => /^(urllib\.parse|urlparse|werkzeug\.urls)\.(urlparse|urlsplit|url_parse)$/.test(p))) return null;
    const names = [...namesIn(e.args[0])];
    // `urljoin(request.host_url, target)` parses to target's host when target is absolute.
    const out = new Set<string>();
    for (const n of names) {
      out.add(n);
      for (const inner of st.urls.get(n) ?? []) out.add(inner);
    }
    return [...out];
  }

  /**
   * When every return is false, a check on a parameter, or reached only after the parameter passed a guard
   * (`if urlsplit(url).netloc != host: return False` ... `return True`), the function vouches for that parameter.
   */
  private noteValidation(e: Expr, st: State): void {
    if (e.k !== "none") {
      const signed = this.signedBy(e, st);
      const now = this.f.params.flatMap((p, i) => (signed.includes(p) ? [i] : []));
      this.signs = this.signs === null ? now : this.signs.filter((i) => now.includes(i));
    }
    const c = this.fold(e, st);
    if (c !== undefined && !truthy(c)) return;
    const ref = this.refine(e, st);
    const now = new Map<number, number>();
    this.f.params.forEach((p, i) => {
      const m = (ref.then.get(p) ?? 0) | (st.checked.get(`=${p}`) ?? 0);
      if (m) now.set(i, m);
    });
    if (!this.validatesSeen) {
      this.validatesSeen = true;
      for (const [k, v] of now) this.validates.set(k, v);
      return;
    }
    for (const [k, v] of [...this.validates]) {
      const m = now.get(k);
      if (m === undefined) this.validates.delete(k);
      else this.validates.set(k, v & m);
    }
  }

  /** The constant an expression folds to, or undefined. */
  fold(e: Expr, st: State, depth = 0): Const | undefined {
    if (depth > 16) return undefined;
    switch (e.k) {
      case "str":
        return e.v;
      case "num":
        return e.v;
      case "bool":
        return e.v;
      case "none":
        return null;
      case "name": {
        if (st.consts.has(e.id)) return st.consts.get(e.id);
        if (st.vars.has(e.id)) return undefined;
        const vals = this.project.resolve(this.f.mod, this.scope, e);
        if (vals.length === 1 && vals[0]!.t === "const") return vals[0]!.v;
        return undefined;
      }
      case "bin": {
        const l = this.fold(e.l, st, depth + 1);
        const r = this.fold(e.rt, st, depth + 1);
        if (l === undefined || r === undefined) return undefined;
        if (typeof l === "number" && typeof r === "number") {
          switch (e.op) {
            case "+":
              return l + r;
            case "-":
              return l - r;
            case "*":
              return l * r;
            case "/":
              return r === 0 ? undefined : l / r;
            case "//":
              return r === 0 ? undefined : Math.floor(l / r);
            case "%":
              return r === 0 ? undefined : ((l % r) + r) % r;
            case "**":
              return l ** r;
            default:
              return undefined;
          }
        }
        if (typeof l === "string" && typeof r === "string" && e.op === "+") return l + r;
        return undefined;
      }
      case "cmp": {
        const vals = e.operands.map((o) => this.fold(o, st, depth + 1));
        if (vals.some((v) => v === undefined)) return undefined;
        for (let i = 0; i < e.ops.length; i++) {
          const a = vals[i]!;
          const b = vals[i + 1]!;
          let ok: boolean;
          switch (e.ops[i]) {
            case "==":
              ok = a === b;
              break;
            case "!=":
              ok = a !== b;
              break;
            case "<":
              ok = a! < b!;
              break;
            case "<=":
              ok = a! <= b!;
              break;
            case ">":
              ok = a! > b!;
              break;
            case ">=":
              ok = a! >= b!;
              break;
            case "in":
              if (typeof a !== "string" || typeof b !== "string") return undefined;
              ok = b.includes(a);
              break;
            case "not in":
              if (typeof a !== "string" || typeof b !== "string") return undefined;
              ok = !b.includes(a);
              break;
            case "is":
              ok = a === b;
              break;
            case "is not":
              ok = a !== b;
              break;
            default:
              return undefined;
          }
          if (!ok) return false;
        }
        return true;
      }
      case "not": {
        const v = this.fold(e.e, st, depth + 1);
        return v === undefined ? undefined : !truthy(v);
      }
      case "boolop": {
        const l = this.fold(e.l, st, depth + 1);
        if (l === undefined) return undefined;
        if (e.op === "and" ? !truthy(l) : truthy(l)) return l;
        return this.fold(e.rt, st, depth + 1);
      }
      default:
        return undefined;
    }
  }
}

/** Text assembled from pieces: an f-string, `+`/`%` on strings, or `.format()` / `.join()`. */
function isBuiltString(e: Expr): boolean {
  if (e.k === "fstr") return true;
  if (e.k === "bin") return (e.op === "+" || e.op === "%") && (e.l.k === "str" || e.l.k === "fstr" || e.rt.k === "str" || e.rt.k === "fstr" || isBuiltString(e.l));
  return e.k === "call" && e.fn.k === "attr" && (e.fn.name === "format" || e.fn.name === "join") && (e.fn.obj.k === "str" || e.fn.obj.k === "fstr");
}

function truthy(c: Const): boolean {
  return !(c === null || c === false || c === 0 || c === "");
}

function rootName(e: Expr): string | null {
  if (e.k === "name") return e.id;
  if (e.k === "attr" || e.k === "sub") return rootName(e.obj);
  return null;
}

function applyRefinement(st: State, m: Map<string, number>): State {
  for (const [name, mask] of m) {
    // Partial facts (`dotdot:`, `abs:`) only count once combined (see refine).
    if (name.startsWith("dotdot:") || name.startsWith("abs:")) continue;
    if (name.startsWith("#")) {
      st.checked.set(name.slice(1), (st.checked.get(name.slice(1)) ?? 0) | mask);
      continue;
    }
    const v = st.vars.get(name);
    // Flows stay (fully cleared), so a helper that checks its parameter can say so in its summary.
    if (v && v.tainted) st.vars.set(name, sanitise(v, mask));
    // What guards a local name has passed on this path, until it is assigned again (see noteValidation).
    st.checked.set(`=${name}`, (st.checked.get(`=${name}`) ?? 0) | mask);
  }
  return st;
}

/**
 * A stable key for an expression a guard can check and the code read again: a chain of attributes and
 * constant subscripts (`request.args["sort"]`, `form.kind.data`); case and whitespace normalisation
 * (`x.lower()`, `x.strip()`) keep the key of what they normalise. Null for anything else.
 */
function exprKey(e: Expr): string | null {
  switch (e.k) {
    case "name":
      return e.id;
    case "attr": {
      const o = exprKey(e.obj);
      return o === null ? null : `${o}.${e.name}`;
    }
    case "sub": {
      const o = exprKey(e.obj);
      if (o === null || (e.key.k !== "str" && e.key.k !== "num")) return null;
      return `${o}[${JSON.stringify(e.key.v)}]`;
    }
    case "call":
      if (e.fn.k === "attr" && e.args.length <= 1 && ["lower", "upper", "strip", "casefold", "lstrip", "rstrip"].includes(e.fn.name)) return exprKey(e.fn.obj);
      if (e.fn.k === "attr" && e.fn.name === "get" && e.args.length >= 1 && (e.args[0]!.k === "str" || e.args[0]!.k === "num")) {
        const o = exprKey(e.fn.obj);
        return o === null ? null : `${o}[${JSON.stringify(e.args[0]!.v)}]`;
      }
      return null;
    default:
      return null;
  }
}

/** `inner` (a trace inside a callee, starting at its parameter) continued after `outer`. */
function appendTrace(outer: TraceLink, inner: TraceLink | null): TraceLink {
  const steps: TraceLink[] = [];
  for (let cur = inner; cur; cur = cur.prev) steps.push(cur);
  let out = outer;
  for (const s of steps.reverse()) out = link(s.file, s.r, s.message, out);
  return out;
}

function traceOf(t: TraceLink): TraceLink[] {
  const out: TraceLink[] = [];
  for (let cur: TraceLink | null = t; cur; cur = cur.prev) out.push(cur);
  return out.reverse();
}

/** Runs the engine over a linked project (parsing the files it needs again). */
export function analyseTaint(project: Project, parser: Parser, config: DataFlowConfig = { sources: [], sanitizers: {} }): TaintHit[] {
  return new TaintEngine(project, parser, config).run();
}
