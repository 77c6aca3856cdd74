/** The pipeline end to end: discover → parse/index → link → analyse → filter. Formatting is the caller's. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Config } from "./config/types.js";
import type { Diagnostic, Finding, RouteRecord, ScanResult, Severity, SourceFile } from "./core/types.js";
import { compareFindings, SEVERITIES } from "./core/types.js";
import { discover } from "./discover/walk.js";
import { runRules, SourceCache } from "./analyse/engine.js";
import { applyBaseline, readBaseline } from "./filter/baseline.js";
import { applyOverrides } from "./filter/overrides.js";
import { applySuppressions } from "./filter/suppress.js";
import { Project } from "./link/project.js";
import { IN_PROCESS_BELOW_BYTES, parseAll, prewarm } from "./parse/pool.js";
import type { Rule } from "./rules/define.js";
import { RULES } from "./rules/index.js";
import { prepareTaint } from "./taint/index.js";
import { indexOpenApi } from "./index/openapi.js";
import { computePosture } from "./posture/index.js";
import { inventoryOf } from "./inventory/routes.js";
import { routeRecord } from "./inventory/format.js";
import type { FileResult } from "./index/ir.js";
import { depthChanges } from "./link/outline.js";

export interface ScanOptions {
  targets: string[];
  config: Config;
  /** Worker threads; undefined = automatic. */
  jobs?: number;
  rules?: readonly Rule[];
  /** Skip the baseline even when configured (used when writing a new one). */
  ignoreBaseline?: boolean;
  /** Compute the mitigation posture (`result.posture`); default true. */
  posture?: boolean;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface ScanOutput {
  result: ScanResult;
  project: Project;
  files: SourceFile[];
  /** Timings per stage, for the benchmark. */
  timings: Record<string, number>;
}

/** Runs a whole scan. Throws only for unusable targets or a broken baseline file (exit code 2). */
export async function scan(opts: ScanOptions): Promise<ScanOutput> {
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const lap = (name: string, since: number) => {
    timings[name] = performance.now() - since;
    return performance.now();
  };
  let t = t0;
  const config = opts.config;
  // Start the parser workers as soon as the walk shows they will be used, so that loading the parser
  // in each of them overlaps the rest of the walk.
  if (opts.jobs !== undefined && opts.jobs > 0) prewarm(opts.jobs);
  let bytes = 0;
  const onFound = opts.jobs === undefined ? (f: SourceFile) => (bytes += f.size) >= IN_PROCESS_BELOW_BYTES && prewarm() : undefined;
  const found = await discover(opts.targets, config, onFound);
  t = lap("discover", t);
  const diagnostics: Diagnostic[] = [...found.diagnostics];
  const results = await parseAll(found.files, { jobs: opts.jobs, onProgress: (d, n) => opts.onProgress?.("parse", d, n) });
  await completeOutlines(found.files, results, opts.jobs);
  t = lap("parse", t);
  for (const r of results) diagnostics.push(...r.diagnostics);
  const out = await analyseParsed(found.root, found.files, results, diagnostics, opts, lap, t);
  out.result.summary.elapsedMs = Math.round(performance.now() - t0);
  return { ...out, timings };
}

/**
 * Indexes again, in full, the standalone modules that turned out to be connected to the rest of the
 * project (see src/link/outline.ts). Usually a few small files, parsed here in the main thread.
 */
async function completeOutlines(files: SourceFile[], results: FileResult[], jobs: number | undefined): Promise<void> {
  const ids = depthChanges(results).full;
  if (ids.length === 0) return;
  const again = await parseAll(
    ids.map((i) => files[i]!),
    { depth: "full", jobs: jobs !== undefined && jobs <= 1 ? jobs : undefined },
  );
  ids.forEach((id, k) => (results[id] = again[k]!));
}

/**
 * Everything after parsing: link, data flow, rules, suppressions, overrides, baseline. The language
 * server calls this with per-file results it keeps between edits, so its diagnostics are the CLI's.
 */
export async function analyseParsed(
  root: string,
  files: SourceFile[],
  results: FileResult[],
  diagnostics: Diagnostic[],
  opts: Pick<ScanOptions, "config" | "rules" | "ignoreBaseline" | "posture">,
  lap: (name: string, since: number) => number = () => performance.now(),
  t: number = performance.now(),
): Promise<Omit<ScanOutput, "timings">> {
  const t0 = t;
  const config = opts.config;
  const project = new Project(root, files, results);
  project.authDecorators = config.authDecorators ?? [];
  for (const file of config.openapi ?? []) {
    if (project.apiDocuments.some((d) => resolve(root, d.path) === resolve(file))) continue;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new Error(`--openapi ${file}: ${(err as Error).message}`);
    }
    const api = indexOpenApi(file, text);
    diagnostics.push(...api.diagnostics);
    if (api.facts) project.apiDocuments.push({ path: file, facts: api.facts });
    else if (api.diagnostics.length === 0) diagnostics.push({ file, severity: "warning", code: "openapi-parse", message: "--openapi names a file that is not an OpenAPI or Swagger document (no `openapi` or `swagger` key)" });
  }
  t = lap("link", t);
  await prepareTaint(project, config.dataflow);
  t = lap("dataflow", t);
  // Every rule runs, so a suppression for a rule that is switched off is not reported as unused.
  const sources = new SourceCache(new Map(files.map((f) => [f.path, f])));
  const analysed = runRules(project, opts.rules ?? RULES, sources);
  diagnostics.push(...analysed.diagnostics);
  t = lap("analyse", t);
  // Templates read by the link stage (in a custom `template_folder`) bring their own suppressions and problems.
  const late = project.lateTemplates();
  diagnostics.push(...late.diagnostics);
  const suppressed = applySuppressions(analysed.findings, [...results.flatMap((r) => r.suppressions), ...late.suppressions]);
  diagnostics.push(...suppressed.unused);
  let findings = applyOverrides(suppressed.findings, config, root);
  let baselined = 0;
  if (config.baseline && !opts.ignoreBaseline) {
    const applied = applyBaseline(findings, readBaseline(resolve(config.baseDir, config.baseline)));
    findings = applied.findings;
    baselined = applied.baselined;
    diagnostics.push(...applied.stale);
  }
  findings.sort(compareFindings);
  diagnostics.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || (a.range?.start.line ?? 0) - (b.range?.start.line ?? 0) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  t = lap("filter", t);
  // The posture reads every rule's findings that no inline comment silenced, before rule selection and
  // the baseline: those decide what is reported, not whether a control exists.
  let posture: ScanResult["posture"];
  if (opts.posture !== false) {
    try {
      posture = computePosture(project, suppressed.findings, { authDecorators: project.authDecorators });
    } catch (err) {
      diagnostics.push({ file: "", severity: "error", code: "posture-error", message: `the mitigation posture could not be computed: ${(err as Error).message}` });
    }
    lap("posture", t);
  }
  // The route inventory for reports (the rules that read it have built it already, so this is cheap).
  let routes: RouteRecord[] = [];
  try {
    routes = inventoryOf(project).routes.map(routeRecord);
  } catch (err) {
    diagnostics.unshift({ file: "", severity: "error", code: "inventory-failed", message: `the route inventory could not be built: ${(err as Error).message}` });
  }
  const active = findings.filter((f) => !f.suppressed);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of active) bySeverity[f.severity]++;
  const result: ScanResult = {
    root,
    findings,
    diagnostics,
    summary: {
      files: files.filter((f) => !(f.kind === "template" && f.subkind === "candidate")).length + project.lateTemplateCount(),
      lines: results.reduce((n, r) => n + r.lines, 0),
      findings: active.length,
      suppressed: findings.length - active.length,
      baselined,
      bySeverity,
      elapsedMs: Math.round(performance.now() - t0),
    },
    routes,
  };
  if (posture) result.posture = posture;
  return { result, project, files };
}

/** Unsuppressed findings at or above a severity. */
export function findingsAtOrAbove(findings: Finding[], severity: Severity): Finding[] {
  const limit = SEVERITIES.indexOf(severity);
  return findings.filter((f) => !f.suppressed && SEVERITIES.indexOf(f.severity) <= limit);
}
