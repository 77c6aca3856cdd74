import type { Range } from "../../core/types.js";

/** One dependency declared or locked by a manifest (requirements file, pyproject, Pipfile, lock file). */
export interface Dependency {
  /** Normalised project name (PEP 503: lower case, runs of `-_.` become `-`). */
  name: string;
  /** The name as written. */
  written: string;
  /** Version constraint as written ("" when there is none); for lock files, the locked version. */
  spec: string;
  /** How to read `spec`: PEP 440 specifiers, Poetry constraints, or one exact locked version. */
  dialect: "pep440" | "poetry" | "locked";
  extras: string[];
  /** PEP 508 environment marker text, or null. */
  marker: string | null;
  /**
   * Dependency group or section the entry belongs to: null for the main (runtime) dependencies,
   * otherwise e.g. "dev" (Poetry group, Pipfile dev-packages, Pipfile.lock develop), "extra:postgres".
   */
  group: string | null;
  /** Installed from a URL, path or VCS checkout rather than a released version from an index. */
  direct: boolean;
  /** Where the entry is written: the requirement, the key, or the locked `version` line. */
  range: Range;
}

/** A `-r`/`-c` include in a requirements file. */
export interface ManifestInclude {
  path: string;
  constraint: boolean;
  range: Range;
}

/** What a dependency manifest declares. */
export interface ManifestFacts {
  deps: Dependency[];
  includes: ManifestInclude[];
  /** Lock files: each locked package (normalised) and the packages it depends on. */
  edges?: Record<string, string[]>;
  /** uv.lock: the dependencies of the project itself, main and development groups. */
  roots?: { main: string[]; dev: string[] };
}

/** PEP 503 normalised project name. */
export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}
