/** The check every data-flow rule shares: report the engine's findings for one kind of sink. */
import type { Severity } from "../core/types.js";
import { toRange } from "../index/ir.js";
import { isTestPath, type Project } from "../link/project.js";
import { taintHits, type TaintHit } from "../taint/index.js";
import type { SinkKind } from "../taint/models.js";
import type { RuleContext } from "./define.js";

export interface DataFlowOptions {
  /** Severity of the weaker variants of the sink ("option": a program argument rather than the program). */
  variants?: Record<string, Severity>;
  /** A sentence added to every message, e.g. what an attacker gains. */
  consequence: string;
}

/**
 * The engine's hits for some kinds of sink outside test files (views and helpers there serve the test
 * suite, not users), one group per dangerous call (and per variant when asked), each sorted so the shortest
 * trace comes first: several sources reaching one call make one finding, shown with its shortest path.
 */
export function hitsBySink(project: Project, kinds: readonly SinkKind[], opts: { byVariant?: boolean; skip?: (h: TaintHit) => boolean } = {}): TaintHit[][] {
  const bySink = new Map<string, TaintHit[]>();
  for (const h of kinds.flatMap((k) => taintHits(project, k))) {
    if (isTestPath(h.file) || opts.skip?.(h)) continue;
    const k = opts.byVariant ? `${h.file}\0${h.r}\0${h.variant ?? ""}` : `${h.file}\0${h.r}`;
    const list = bySink.get(k);
    if (list) list.push(h);
    else bySink.set(k, [h]);
  }
  const groups = [...bySink.values()];
  for (const hits of groups) hits.sort((a, b) => a.trace.length - b.trace.length || (a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : 0));
  return groups;
}

export function dataFlowCheck(kind: SinkKind | SinkKind[], opts: DataFlowOptions): (ctx: RuleContext) => void {
  const kinds = Array.isArray(kind) ? kind : [kind];
  return ({ project, report }) => {
    for (const hits of hitsBySink(project, kinds, { byVariant: true })) {
      const h = hits[0]!;
      const origins = [...new Set(hits.map((x) => x.origin))];
      const others = origins.length > 1 ? ` (and ${origins.length - 1} other source${origins.length > 2 ? "s" : ""}: ${origins.slice(1).map(show).join(", ")})` : "";
      const severity = h.variant ? opts.variants?.[h.variant] : undefined;
      const hops = h.trace.length > 2 ? ` in ${h.trace.length - 1} steps (see the trace)` : "";
      report({
        file: h.file,
        range: toRange(h.r),
        message: `Data from ${show(h.origin)}${others} reaches ${h.sink.endsWith(")") ? `\`${h.sink}\`` : h.sink} as ${h.what}${hops}. ${opts.consequence}`,
        severity,
        scope: h.scope,
        context: h.variant === "option" ? ["the data lands in an argument of the program, not in the program name or a shell command line, so the impact depends on which options that program accepts"] : undefined,
        trace: h.trace.map((s) => ({ file: s.file, range: toRange(s.r), message: s.message })),
      });
    }
  };
}

function show(origin: string): string {
  return origin.startsWith("request.") ? `\`${origin}\`` : origin;
}
