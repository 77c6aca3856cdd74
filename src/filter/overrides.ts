import ignore, { type Ignore } from "ignore";
import { severityRank, type Finding, type Severity } from "../core/types.js";
import type { Config } from "../config/types.js";
import { isAbsolute, join, relative, sep } from "node:path";

/** True when `selector` is `ruleId` itself or a prefix of it ending at a dash. */
export function selectorMatches(selector: string, ruleId: string): boolean {
  return ruleId === selector || ruleId.startsWith(selector + "-");
}

/** Length of the longest selector in `list` that matches `ruleId`, or -1 when none does. */
function bestMatch(list: readonly string[], ruleId: string): number {
  let best = -1;
  for (const s of list) if (s.length > best && selectorMatches(s, ruleId)) best = s.length;
  return best;
}

/** Whether the rule runs under the config's select and ignore lists. */
export function ruleEnabled(ruleId: string, config: Config): boolean {
  const selected = config.select === null ? 0 : bestMatch(config.select, ruleId);
  if (selected < 0) return false;
  // The more specific entry wins, so `select = ["FLASK-DEPLOY-002"]` can re-enable one rule
  // of an ignored family; on a tie (same entry in both lists) ignore wins.
  return bestMatch(config.ignore, ruleId) < selected;
}

/** Severity from a rule → severity map, the most specific matching key winning. */
function mappedSeverity(map: Record<string, Severity>, ruleId: string): Severity | undefined {
  let best: string | undefined;
  for (const key of Object.keys(map)) {
    if (selectorMatches(key, ruleId) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : map[best];
}

/**
 * Applies rule selection, per-path overrides, severity maps and the minimum severity to the findings.
 * Override paths are written relative to the config file's folder (where `tests/**` means the project's
 * tests even when a subfolder is scanned); `root` is the scanned root that finding paths are relative to.
 */
export function applyOverrides(findings: Finding[], config: Config, root?: string): Finding[] {
  const matchers: Ignore[] = config.overrides.map((o) => ignore({ ignorecase: false }).add(o.paths));
  const out: Finding[] = [];
  for (const f of findings) {
    // Checks usually skip disabled rules themselves; this catches any that report anyway.
    if (!ruleEnabled(f.ruleId, config)) continue;
    const path = matchablePath(configRelative(f.file, config, root));
    const applies = config.overrides.map((_, i) => path !== null && matchers[i]!.ignores(path));
    if (config.overrides.some((o, i) => applies[i] && bestMatch(o.ignore, f.ruleId) >= 0)) continue;

    let severity = f.severity;
    let source = "";
    const global = mappedSeverity(config.severity, f.ruleId);
    if (global !== undefined) {
      severity = global;
      source = "severity";
    }
    config.overrides.forEach((o, i) => {
      const s = applies[i] ? mappedSeverity(o.severity, f.ruleId) : undefined;
      if (s !== undefined) {
        severity = s;
        source = `overrides[${i}]`;
      }
    });
    if (severityRank(severity) < severityRank(config.minSeverity)) continue;
    out.push(severity === f.severity ? f : { ...f, severity, context: [...f.context, `severity set to ${severity} by config (${source})`] });
  }
  return out;
}

/** The finding's path in the form the `ignore` package accepts, or null when it cannot be matched. */
/** A finding's path relative to the config file's folder when the file lies under it, else as given. */
function configRelative(file: string, config: Config, root: string | undefined): string {
  if (root === undefined || config.source === null) return file;
  const rel = relative(config.baseDir, join(root, file)).split(sep).join("/");
  return rel.startsWith("../") || rel === ".." || isAbsolute(rel) ? file : rel;
}

function matchablePath(file: string): string | null {
  const p = file.replace(/\\/g, "/").replace(/^(\.\/)+/, "");
  return p !== "" && ignore.isPathValid(p) ? p : null;
}
