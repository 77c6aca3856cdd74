/** Dependency manifests to facts: dispatches on the subkind discovery gave the file. */
import type { Diagnostic, SourceFile } from "../../core/types.js";
import { LineIndex } from "../deploy/text.js";
import { parsePipfileLock } from "./pipfilelock.js";
import { parseRequirements } from "./requirements.js";
import { parseSetupCfg } from "./setupcfg.js";
import { parsePipfile, parsePoetryLock, parsePyproject, parseUvLock } from "./toml.js";
import type { ManifestFacts } from "./types.js";

/** Reads the dependencies a manifest declares or locks. A file that does not parse gives a diagnostic and no facts. */
export function indexManifest(file: SourceFile, text: string): { facts: ManifestFacts | undefined; diagnostics: Diagnostic[] } {
  const index = new LineIndex(text);
  try {
    switch (file.subkind) {
      case "requirements":
        return { facts: parseRequirements(index), diagnostics: [] };
      case "pyproject":
        return { facts: parsePyproject(index), diagnostics: [] };
      case "pipfile":
        return { facts: parsePipfile(index), diagnostics: [] };
      case "poetry-lock":
        return { facts: parsePoetryLock(index), diagnostics: [] };
      case "uv-lock":
        return { facts: parseUvLock(index), diagnostics: [] };
      case "pipfile-lock":
        return { facts: parsePipfileLock(index), diagnostics: [] };
      case "setup-cfg":
        return { facts: parseSetupCfg(index), diagnostics: [] };
      default:
        return { facts: undefined, diagnostics: [] };
    }
  } catch (err) {
    const e = err as Error & { line?: number; column?: number };
    const range = typeof e.line === "number" ? { start: { line: e.line, column: e.column ?? 1 }, end: { line: e.line, column: (e.column ?? 1) + 1 } } : undefined;
    const first = e.message.split("\n")[0];
    return {
      facts: undefined,
      diagnostics: [{ file: file.path, severity: "warning", code: "manifest-parse-error", message: `could not read the dependencies: ${first}`, ...(range ? { range } : {}) }],
    };
  }
}
