/** Pipfile.lock: the JSON lock file pipenv writes. */
import type { Range } from "../../core/types.js";
import type { LineIndex } from "../deploy/text.js";
import { normaliseName, type Dependency, type ManifestFacts } from "./types.js";

/** Reads the `default` (runtime) and `develop` sections; throws on invalid JSON. */
export function parsePipfileLock(index: LineIndex): ManifestFacts {
  const doc = JSON.parse(index.text) as Record<string, unknown>;
  const deps: Dependency[] = [];
  for (const section of ["default", "develop"]) {
    const entries = doc[section];
    if (typeof entries !== "object" || entries === null) continue;
    // Search positions only after the section's own key, so each package is found in its section.
    const sectionAt = index.text.indexOf(`"${section}"`);
    for (const [written, value] of Object.entries(entries as Record<string, unknown>)) {
      if (typeof value !== "object" || value === null) continue;
      const v = value as Record<string, unknown>;
      const direct = ["git", "path", "file", "editable"].some((k) => k in v);
      const version = typeof v.version === "string" ? v.version.replace(/^==/, "").trim() : "";
      if (version === "" && !direct) continue;
      deps.push({
        name: normaliseName(written),
        written,
        spec: version,
        dialect: "locked",
        extras: [],
        marker: typeof v.markers === "string" ? v.markers : null,
        group: section === "develop" ? "develop" : null,
        direct,
        range: locate(index, sectionAt, written),
      });
    }
  }
  return { deps, includes: [] };
}

/** The `"version"` line of a package entry after `from`, or the entry's key line. */
function locate(index: LineIndex, from: number, key: string): Range {
  const at = index.text.indexOf(`"${key}"`, Math.max(0, from));
  if (at < 0) return index.range(0, 0);
  const close = index.text.indexOf("}", at);
  const version = index.text.indexOf('"version"', at);
  const target = version >= 0 && (close < 0 || version < close) ? version : at;
  const line = index.position(target).line;
  const text = index.line(line);
  const start = text.length - text.trimStart().length;
  const content = text.trimEnd().replace(/,$/, "");
  return { start: { line, column: start + 1 }, end: { line, column: content.length + 1 } };
}
