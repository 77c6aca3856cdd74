/** The data-flow results of a scan, computed once per project and shared by every data-flow rule. */
import type { DataFlowConfig } from "../config/types.js";
import type { Project } from "../link/project.js";
import { pythonParser } from "../parse/treesitter.js";
import { analyseTaint, type TaintHit } from "./engine.js";
import type { SinkKind } from "./models.js";
import { rememberParser } from "./lowered.js";

export type { TaintHit } from "./engine.js";

const results = new WeakMap<Project, TaintHit[]>();

/**
 * Runs the engine over a linked project. The scan calls this before the rules run; the parser is
 * loaded only when the project has something to analyse.
 */
export async function prepareTaint(project: Project, config: DataFlowConfig = { sources: [], sanitizers: {} }): Promise<void> {
  if (results.has(project)) return;
  const anyRequest = project.routes.length > 0 || project.pythonModules().some((m) => m.index.imports.some((f) => f.module === "flask" || f.module === "flask.globals" || f.module === "quart"));
  if (!anyRequest) {
    results.set(project, []);
    return;
  }
  const parser = await pythonParser();
  rememberParser(project, parser);
  results.set(project, analyseTaint(project, parser, config));
}

/** Findings of one kind of sink; prepareTaint must have run. */
export function taintHits(project: Project, kind: SinkKind): TaintHit[] {
  const all = results.get(project);
  if (!all) throw new Error("data-flow results requested before prepareTaint ran for this project");
  return all.filter((h) => h.kind === kind);
}
