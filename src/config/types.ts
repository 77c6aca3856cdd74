import type { Severity } from "../core/types.js";

/** A per-path override: rules ignored or re-graded for files matching `paths` (gitignore-style globs). */
export interface PathOverride {
  paths: string[];
  ignore: string[];
  severity: Record<string, Severity>;
}

/** Additions to the data-flow engine's models, from `[tool.flaskwarden.dataflow]`. */
export interface DataFlowConfig {
  /** Dotted paths of functions whose return value is request data ("myapp.web.current_query"). */
  sources: string[];
  /** Dotted paths of functions whose return value is safe for the listed sink kinds ("all" for every kind). */
  sanitizers: Record<string, string[]>;
}

/** Fully resolved configuration (file settings merged with CLI flags). */
export interface Config {
  /** The config file it came from, relative to cwd or absolute; null when defaults only. */
  source: string | null;
  /** Directory that relative include/exclude/baseline paths are resolved against. */
  baseDir: string;
  /** Globs (gitignore syntax, relative to the scan root); empty = everything. */
  include: string[];
  /** Globs (gitignore syntax, relative to the scan root). */
  exclude: string[];
  /** Rule IDs or prefixes ("FLASK-DEPLOY") to run; null = all. */
  select: string[] | null;
  /** Rule IDs or prefixes to skip. */
  ignore: string[];
  /** Severity overrides per rule ID. */
  severity: Record<string, Severity>;
  overrides: PathOverride[];
  /** Files larger than this (bytes) are skipped with a diagnostic. */
  maxFileSize: number;
  /** Exit code 1 when a finding is at or above this severity. */
  failOn: Severity;
  /** Only report findings at or above this severity. */
  minSeverity: Severity;
  /** Baseline file to compare against, or null. */
  baseline: string | null;
  /** Honour .gitignore files. */
  respectGitignore: boolean;
  dataflow: DataFlowConfig;
  /** Extra auth-guard decorator names (`[routes] auth-decorators`), plain or dotted. */
  authDecorators?: string[];
  /** API documents named on the command line (`--openapi FILE`), besides those found in the tree. */
  openapi?: string[];
}

export const DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024;

export function defaultConfig(baseDir: string): Config {
  return {
    source: null,
    baseDir,
    include: [],
    exclude: [],
    select: null,
    ignore: [],
    severity: {},
    overrides: [],
    maxFileSize: DEFAULT_MAX_FILE_SIZE,
    failOn: "low",
    minSeverity: "low",
    baseline: null,
    respectGitignore: true,
    dataflow: { sources: [], sanitizers: {} },
    authDecorators: [],
  };
}

/** A configuration error names the file and the key; the CLI exits with 2. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly file: string | null,
    readonly key: string | null,
  ) {
    super(message);
  }
}
