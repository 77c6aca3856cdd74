/**
 * The posture score and grade. Kept apart from the checks so the formula is in one place and the
 * docs (ARCHITECTURE.md, docs/posture.md, `flaskwarden posture --help`) can quote it.
 */
import type { PostureItem, PostureVerdict, Severity } from "../core/types.js";

/**
 * An item's weight is the severity of what its absence exposes, on the same four-step scale as
 * findings: critical 4, high 3, medium 2, low 1. A missing critical control therefore costs as much
 * as two missing medium ones.
 */
export const WEIGHT: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1 };

/** How much of an item's weight a verdict earns; not-applicable items are left out of the sum. */
export const CREDIT: Record<Exclude<PostureVerdict, "not-applicable">, number> = { implemented: 1, partial: 0.5, missing: 0 };

/** Grade bands on the 0-100 score (the usual school bands), best first. */
export const BANDS: readonly { grade: string; min: number }[] = [
  { grade: "A", min: 90 },
  { grade: "B", min: 80 },
  { grade: "C", min: 70 },
  { grade: "D", min: 60 },
  { grade: "F", min: 0 },
];

/** A missing item of critical weight caps the grade here, whatever the rest scores. */
export const CRITICAL_CAP = "D";

export const FORMULA =
  "score = 100 × Σ(weight × credit) / Σ(weight) over applicable items; credit: implemented 1, partial 0.5, missing 0; " +
  "weight: critical 4, high 3, medium 2, low 1 (what a miss exposes); grade: A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, else F; " +
  "a missing critical item caps the grade at D; no applicable item: grade N/A";

/** Score (0-100, rounded) and grade of a list of items. */
export function scoreOf(items: readonly PostureItem[]): { score: number; grade: string } {
  let earned = 0;
  let total = 0;
  for (const it of items) {
    if (it.verdict === "not-applicable") continue;
    earned += it.weight * CREDIT[it.verdict];
    total += it.weight;
  }
  if (total === 0) return { score: 0, grade: "N/A" };
  const score = Math.round((100 * earned) / total);
  let band = BANDS.findIndex((b) => score >= b.min);
  const capped = items.some((it) => it.verdict === "missing" && it.weight === WEIGHT.critical);
  if (capped) band = Math.max(band, BANDS.findIndex((b) => b.grade === CRITICAL_CAP));
  return { score, grade: BANDS[band]!.grade };
}
