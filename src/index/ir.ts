/**
 * The per-file index: compact, serialisable facts lowered from a Python syntax tree.
 * Produced in worker threads (no cross-file knowledge); the link stage resolves names across modules.
 */
import type { Diagnostic, Range } from "../core/types.js";
import type { DeploymentFacts } from "../index/deploy/types.js";
import type { ManifestFacts } from "../index/manifest/types.js";
import type { SuppressionComment } from "../filter/suppress.js";
import type { Step } from "./body.js";
import type { OpenApiFacts } from "./openapi.js";
import type { TemplateFacts } from "./jinja.js";

/**
 * Packed range "startLine:startCol:endLine:endCol" (1-based). A string rather than an array or object:
 * indexes cross the worker boundary by structured clone, where a flat string is far cheaper than an object.
 */
export type R = string;

/** [startLine, startCol, endLine, endCol] of a packed range. */
export function unpack(r: R): [number, number, number, number] {
  const p = r.split(":");
  return [+p[0]!, +p[1]!, +p[2]!, +p[3]!];
}

export function toRange(r: R): Range {
  const [sl, sc, el, ec] = unpack(r);
  return { start: { line: sl, column: sc }, end: { line: el, column: ec } };
}

/** The site id of a range's start: "line:col". */
export function startOf(r: R): string {
  return r.slice(0, r.indexOf(":", r.indexOf(":") + 1));
}

/**
 * A lowered expression. `r` (source range) is always present on calls and left out elsewhere: facts carry
 * their own ranges, and every range costs a call into the parser. Unknown shapes keep their sub-expressions in `parts`.
 */
export type Expr =
  | { k: "name"; id: string; r?: R }
  | { k: "attr"; obj: Expr; name: string; r?: R }
  | { k: "call"; fn: Expr; args: Expr[]; kw: Kwarg[]; r: R }
  | { k: "sub"; obj: Expr; key: Expr; r?: R }
  | { k: "str"; v: string; r?: R }
  | { k: "fstr"; parts: Expr[]; r?: R }
  | { k: "num"; v: number; r?: R }
  | { k: "bool"; v: boolean; r?: R }
  | { k: "none"; r?: R }
  | { k: "seq"; kind: "list" | "tuple" | "set"; elts: Expr[]; r?: R }
  | { k: "dict"; items: DictItem[]; r?: R }
  | { k: "bin"; op: string; l: Expr; rt: Expr; r?: R }
  | { k: "cmp"; ops: string[]; operands: Expr[]; r?: R }
  | { k: "not"; e: Expr; r?: R }
  | { k: "boolop"; op: "and" | "or"; l: Expr; rt: Expr; r?: R }
  | { k: "cond"; body: Expr; test: Expr; orelse: Expr; r?: R }
  | { k: "other"; type: string; parts: Expr[]; r?: R }
  /** Only in the wire format: the call at this index of `WireModule.calls` (see wire.ts). */
  | { k: "ref"; i: number };

/** A keyword argument; name null for `**kwargs`. */
export interface Kwarg {
  name: string | null;
  value: Expr;
  r: R;
}

/** A dict entry; key null for `**spread`. */
export interface DictItem {
  key: Expr | null;
  value: Expr;
  r: R;
}

/** Where a fact sits: its enclosing definition and the `if` conditions around it. */
export interface Where {
  /** Qualified name of the enclosing function or class, "" at module level. */
  scope: string;
  /** True when inside `if __name__ == "__main__":`. */
  mainGuard: boolean;
  /** Source text of the enclosing if-conditions, innermost last; "not (...)" for else branches. */
  conds: string[];
}

export interface ImportFact extends Where {
  /** The local name bound. */
  local: string;
  /** Absolute or relative ("." prefixed) module path. */
  module: string;
  /** Imported member, or null for `import a.b [as c]`. */
  member: string | null;
  /** For `import a.b` without alias the local name is `a` and it binds the top package. */
  bindsTopPackage: boolean;
  r: R;
}

export interface Param {
  name: string;
  /** "pos" | "*args" | "**kwargs" | "kwonly" */
  kind: "pos" | "star" | "dstar" | "kwonly";
  default: Expr | null;
}

export interface DefFact extends Where {
  kind: "function" | "class";
  name: string;
  /** Scope-qualified name: "create_app", "Config", "Config.method", "create_app.inner". */
  qualname: string;
  decorators: Expr[];
  bases: Expr[];
  params: Param[];
  /** Range of the whole definition incl. decorators. */
  r: R;
  /** Range of the name identifier. */
  nameR: R;
  isAsync: boolean;
}

export interface AssignFact extends Where {
  targets: Expr[];
  value: Expr;
  /** "=" or the augmented operator ("+="). */
  op: string;
  r: R;
}

export interface CallFact extends Where {
  call: Extract<Expr, { k: "call" }>;
  /** True when the call is the whole expression statement (its value is discarded). */
  statement: boolean;
}

export interface ReturnFact extends Where {
  value: Expr | null;
  r: R;
}

/**
 * `for TARGETS in ITER:` where ITER is a literal list or tuple of strings (or of tuples of strings), in
 * modules that import Flask: linking unrolls routes added inside such a loop (`for endpoint, rule in [...]:
 * app.add_url_rule(rule, view_func=getattr(views, endpoint))`).
 */
export interface LoopFact extends Where {
  targets: Expr;
  iter: Extract<Expr, { k: "seq" }>;
  /** Range of the loop's body. */
  body: R;
  r: R;
}

export interface ModuleIndex {
  path: string;
  /** Dotted module name derived from the path (link may re-root it). */
  lines: number;
  syntaxErrors: R[];
  imports: ImportFact[];
  defs: DefFact[];
  assigns: AssignFact[];
  calls: CallFact[];
  returns: ReturnFact[];
  /** Names declared `global` inside functions: scope -> names. */
  globals: Record<string, string[]>;
  suppressions: SuppressionComment[];
  /** Uses `print 'x'` or other Python 2-only syntax. */
  python2: boolean;
  /** Loops over literal lists of strings (modules importing Flask only; absent when there are none). */
  loops?: LoopFact[];
  /** Function bodies lowered for the data-flow engine, by the range of the function's name (modules importing Flask only). */
  bodies?: Record<R, Step[]>;
  /** Imports nothing outside the standard library but relative imports (see IndexDepth in python.ts). */
  standalone?: true;
  /** Indexed in outline: nothing from inside function bodies but imports (see IndexDepth in python.ts). */
  outline?: true;
}

/** A fact as sent from a worker: its `Where` is an index into `WireModule.wheres`. */
export type Wire<T> = Omit<T, keyof Where> & { w: number };

/**
 * The module index as it crosses the thread boundary: `Where`s interned, and calls nested inside
 * other expressions replaced by `ref`s to the calls list, so nothing is serialised twice.
 */
export interface WireModule {
  path: string;
  lines: number;
  syntaxErrors: R[];
  wheres: Where[];
  imports: Wire<ImportFact>[];
  defs: Wire<DefFact>[];
  assigns: Wire<AssignFact>[];
  calls: Wire<CallFact>[];
  returns: Wire<ReturnFact>[];
  globals: Record<string, string[]>;
  suppressions: SuppressionComment[];
  python2: boolean;
  bodies?: Record<R, Step[]>;
  loops?: Wire<LoopFact>[];
  /** Imports nothing outside the standard library but relative imports (see IndexDepth in python.ts). */
  standalone?: true;
  /** Indexed in outline: nothing from inside function bodies but imports (see IndexDepth in python.ts). */
  outline?: true;
}

/** What a worker returns for one file. */
export interface WireFileResult extends Omit<FileResult, "python"> {
  python?: WireModule;
}

/** One file's results as the link stage sees them. */
export interface FileResult {
  path: string;
  lines: number;
  python?: ModuleIndex;
  deployment?: DeploymentFacts;
  manifest?: ManifestFacts;
  /** Operations of an OpenAPI/Swagger document. */
  openapi?: OpenApiFacts;
  /** Outputs, links and autoescape regions of a Jinja template. */
  template?: TemplateFacts;
  suppressions: SuppressionComment[];
  diagnostics: Diagnostic[];
  /** Time spent, for the benchmark. */
  parseMs: number;
}
