/**
 * The mitigation posture: for each mitigation of the reference list a verdict (implemented, partial,
 * missing, not-applicable) with evidence and a next step, and an overall score and grade. Computed from
 * the linked project, the route inventory and the findings; see docs/posture.md for every check.
 */
import type { Finding, Posture } from "../core/types.js";
import { inventoryOf } from "../inventory/routes.js";
import type { Project } from "../link/project.js";
import { productionApps } from "../rules/config/sources.js";
import { MITIGATIONS, runMitigation } from "./items.js";
import { FORMULA, scoreOf } from "./score.js";
import { viewReports } from "./views.js";

export { MITIGATIONS } from "./items.js";
export { BANDS, CREDIT, FORMULA, WEIGHT, scoreOf } from "./score.js";

export interface PostureOptions {
  /** Extra auth-guard decorator names (`[tool.flaskwarden.routes] auth-decorators`). */
  authDecorators?: string[];
}

/** Computes the posture. `findings` should be every rule's unsuppressed findings. */
export function computePosture(project: Project, findings: readonly Finding[], opts: PostureOptions = {}): Posture {
  const inventory = inventoryOf(project, { authDecorators: opts.authDecorators ?? project.authDecorators });
  const views = viewReports(project, inventory);
  const input = { project, inventory, views, findings: findings.filter((f) => !f.suppressed), prodApps: productionApps(project) };
  const items = MITIGATIONS.map((spec) => runMitigation(spec, input));
  const { score, grade } = scoreOf(items);
  return { items, score, grade, formula: FORMULA };
}
