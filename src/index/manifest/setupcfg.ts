/** setup.cfg: the `install_requires` and `extras_require` options of setuptools' declarative config. */
import type { LineIndex } from "../deploy/text.js";
import { lineRange, parsePep508 } from "./requirements.js";
import type { Dependency, ManifestFacts } from "./types.js";

/**
 * Reads requirements from `[options] install_requires` (main), `tests_require` (group "tests") and each key of
 * `[options.extras_require]` (group "extra:<key>"). Values are INI multi-line values: the lines indented below the key.
 */
export function parseSetupCfg(index: LineIndex): ManifestFacts {
  const deps: Dependency[] = [];
  let section = "";
  let group: string | null | undefined;
  for (let n = 1; n <= index.count; n++) {
    const line = index.line(n);
    const t = line.trim();
    if (t === "" || t.startsWith("#") || t.startsWith(";")) continue;
    const header = /^\[([^\]]+)\]/.exec(t);
    if (header) {
      section = header[1]!.trim().toLowerCase();
      group = undefined;
      continue;
    }
    const indented = /^\s/.test(line);
    let value = t;
    if (!indented) {
      const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(t);
      if (!kv) continue;
      const key = kv[1]!.toLowerCase();
      group = undefined;
      if (section === "options" && key === "install_requires") group = null;
      else if (section === "options" && key === "tests_require") group = "tests";
      else if (section === "options.extras_require") group = `extra:${kv[1]}`;
      value = kv[2]!.trim();
    }
    if (group === undefined || value === "") continue;
    // `install_requires = flask>=2; python_version>"3"` on the key line, or one requirement per indented line.
    for (const item of indented ? [value] : value.split(",")) {
      const req = parsePep508(item.replace(/\s#.*$/, ""));
      if (req) deps.push({ ...req, dialect: "pep440", group, range: lineRange(index, n) });
    }
  }
  return { deps, includes: [] };
}
