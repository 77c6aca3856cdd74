/**
 * One workspace folder as the language server sees it: its config, the files discovery finds, each
 * file's per-file index (kept between edits) and the open documents' texts and syntax trees. An edit
 * re-parses only the edited file (reusing its last tree); linking, data flow and rules then run over the
 * kept indexes through the same code path as the CLI (`analyseParsed`), so the results equal a fresh scan.
 */
import { realpathSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import type { Parser, Tree } from "web-tree-sitter";
import { checkRuleReferences } from "../cli/main.js";
import { findConfigFile, loadConfig } from "../config/load.js";
import { ConfigError, defaultConfig, type Config } from "../config/types.js";
import type { Diagnostic, Finding, SourceFile } from "../core/types.js";
import { discover } from "../discover/walk.js";
import type { FileResult } from "../index/ir.js";
import { decodeResult } from "../index/wire.js";
import type { Project } from "../link/project.js";
import { processFile, type TreeReuse } from "../parse/file.js";
import { parseAll } from "../parse/pool.js";
import { pythonParser } from "../parse/treesitter.js";
import { analyseParsed } from "../scan.js";
import type { IndexDepth } from "../index/python.js";
import { depthChanges, depthOf } from "../link/outline.js";

/** The outcome of one analysis of the whole workspace. */
export interface Analysis {
  root: string;
  /** Active and suppressed findings, in report order. */
  findings: Finding[];
  diagnostics: Diagnostic[];
  project: Project;
  /** Milliseconds per stage: parse (the edited files only), link, dataflow, analyse, filter. */
  timings: Record<string, number>;
}

interface OpenDoc {
  text: string;
  /** The last syntax tree of a Python document and the (comment-blanked) text it was parsed from. */
  tree?: Tree;
  parsed?: string;
}

export interface WorkspaceOptions {
  /** Reuse the last syntax tree of an open document when it changes (tree-sitter's incremental parse). */
  incrementalParse: boolean;
}

export class Workspace {
  /** The folder as the client named it. */
  readonly folder: string;
  /** Real path every file path is relative to (discovery's root). */
  root: string;
  config: Config;
  configFile: string | null = null;
  /** The config file's problem, shown as a diagnostic on it; the last good config (or defaults) stays in use. */
  configError: ConfigError | null = null;
  /** The configured baseline could not be read; findings are reported without it until it can. */
  baselineError: ConfigError | null = null;
  private files = new Map<string, SourceFile>();
  private results = new Map<string, FileResult>();
  private discoverDiagnostics: Diagnostic[] = [];
  private readonly open = new Map<string, OpenDoc>();
  /** Paths whose index must be rebuilt before the next analysis. */
  private readonly dirty = new Set<string>();
  /** A file was deleted since the last analysis. */
  private removed = false;
  last: Analysis | null = null;

  constructor(
    folder: string,
    private readonly options: WorkspaceOptions,
  ) {
    this.folder = resolve(folder);
    this.root = this.folder;
    this.config = defaultConfig(this.folder);
  }

  /** Reads the config as the CLI would for `flaskwarden scan FOLDER`; a broken one is kept as configError. */
  loadConfig(): void {
    try {
      this.configFile = findConfigFile(this.folder);
      const config = loadConfig(this.configFile, {});
      // Without a config file the CLI resolves relative paths against its working directory, the folder here.
      if (this.configFile === null) config.baseDir = this.folder;
      checkRuleReferences(config);
      this.config = config;
      this.configError = null;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.configError = err;
    }
  }

  /** Config, discovery and a parse of every file: the start, and after a config change. */
  async fullScan(): Promise<void> {
    this.loadConfig();
    const found = await discover([this.folder], this.config);
    this.root = found.root;
    this.discoverDiagnostics = found.diagnostics;
    this.files = new Map(found.files.map((f) => [f.path, this.withText(f)]));
    this.dirty.clear();
    // Open Python documents are parsed below, one by one, so that their trees are kept.
    const fromDisk = [...this.files.values()].filter((f) => !(f.kind === "python" && this.open.has(f.path)));
    const parsed = await parseAll(fromDisk);
    this.results = new Map(parsed.map((r) => [r.path, r]));
    for (const path of this.open.keys()) if (this.files.get(path)?.kind === "python") this.dirty.add(path);
    // Everything is new: the next analysis publishes from scratch.
    this.last = null;
  }

  /** Re-runs discovery only (a file was created or deleted on disk); new files are parsed, gone ones dropped. */
  async rediscover(): Promise<void> {
    const found = await discover([this.folder], this.config);
    this.root = found.root;
    this.discoverDiagnostics = found.diagnostics;
    const next = new Map(found.files.map((f) => [f.path, this.withText(f)]));
    for (const path of this.files.keys()) {
      if (next.has(path)) continue;
      this.results.delete(path);
      // Nothing to re-index, but the project lost a file.
      this.removed = true;
    }
    for (const path of next.keys()) if (!this.files.has(path)) this.dirty.add(path);
    this.files = next;
  }

  /** Path relative to the root, or null when the file lies outside this workspace. */
  relPath(fsPath: string): string | null {
    for (const base of [this.root, this.folder]) {
      let p = fsPath;
      if (base === this.root && !p.startsWith(base)) {
        try {
          p = realpathSync(fsPath);
        } catch {
          // A file that does not exist (yet) keeps its path.
        }
      }
      const rel = relative(base, p);
      if (rel !== "" && !rel.startsWith("..") && !isAbsolute(rel)) return rel.split(sep).join("/");
    }
    return null;
  }

  absPath(rel: string): string {
    return this.files.get(rel)?.absPath ?? resolve(this.root, rel);
  }

  /** Whether discovery found this file (it is scanned); excluded or unknown files are not. */
  has(rel: string): boolean {
    return this.files.has(rel);
  }

  file(rel: string): SourceFile | undefined {
    return this.files.get(rel);
  }

  /** An editor opened or changed a document: its text replaces the file's contents until it is closed. False when nothing changed. */
  setText(rel: string, text: string): boolean {
    const doc = this.open.get(rel);
    if (doc) {
      if (doc.text === text) return false;
      doc.text = text;
    } else this.open.set(rel, { text });
    const f = this.files.get(rel);
    if (f) {
      this.files.set(rel, { ...f, text });
      this.dirty.add(rel);
    }
    return true;
  }

  /** The document was closed: the file on disk counts again. */
  close(rel: string): void {
    const doc = this.open.get(rel);
    if (!doc) return;
    doc.tree?.delete();
    this.open.delete(rel);
    const f = this.files.get(rel);
    if (f) {
      const { text: _t, ...disk } = f;
      this.files.set(rel, disk);
      this.dirty.add(rel);
    }
  }

  /** A file changed on disk (not through an open document). */
  changedOnDisk(rel: string): void {
    if (this.files.has(rel) && !this.open.has(rel)) this.dirty.add(rel);
  }

  /** Whether an analysis would see something new. */
  get stale(): boolean {
    return this.dirty.size > 0 || this.removed || this.last === null;
  }

  /** Re-indexes the changed files, then links and analyses the whole project from the kept indexes. */
  async analyse(): Promise<Analysis> {
    const timings: Record<string, number> = {};
    let t = performance.now();
    const lap = (name: string, since: number) => {
      const now = performance.now();
      timings[name] = now - since;
      return now;
    };
    const parser = await pythonParser();
    if (this.dirty.size > 0) {
      for (const path of [...this.dirty].sort()) this.reindex(parser, path, depthOf(this.results.get(path)));
      this.dirty.clear();
    }
    this.removed = false;
    const files = [...this.files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    let results = files.map((f) => this.results.get(f.path)!).filter((r) => r !== undefined);
    // An edit can connect a standalone module to the rest of the project, or cut it off (src/link/outline.ts).
    const changes = depthChanges(results);
    if (changes.full.length + changes.auto.length > 0) {
      for (const depth of ["full", "auto"] as const) for (const i of changes[depth]) this.reindex(parser, results[i]!.path, depth);
      results = files.map((f) => this.results.get(f.path)!).filter((r) => r !== undefined);
    }
    t = lap("parse", t);
    const diagnosticsFor = () => [...this.discoverDiagnostics, ...results.flatMap((r) => r.diagnostics)];
    let out;
    try {
      out = await analyseParsed(this.root, files, results, diagnosticsFor(), { config: this.config, posture: false }, lap, t);
      this.baselineError = null;
    } catch (err) {
      // A broken or missing baseline file must not silence the editor: say so on the config's `baseline`
      // key and report every finding, as if there were no baseline.
      if (!(err instanceof ConfigError) || !this.config.baseline) throw err;
      this.baselineError = err;
      out = await analyseParsed(this.root, files, results, diagnosticsFor(), { config: { ...this.config, baseline: null }, posture: false }, lap, t);
    }
    this.last = { root: this.root, findings: out.result.findings, diagnostics: out.result.diagnostics, project: out.project, timings };
    return this.last;
  }

  private reindex(parser: Parser, path: string, depth: IndexDepth): void {
    const file = this.files.get(path);
    if (!file) return;
    const doc = this.open.get(path);
    let reuse: TreeReuse | undefined;
    if (doc && file.kind === "python") {
      const previous = this.options.incrementalParse && doc.tree && doc.parsed !== undefined ? { tree: doc.tree, parsed: doc.parsed } : undefined;
      reuse = {
        previous,
        keep: (tree, parsed) => {
          if (doc.tree && doc.tree !== tree) doc.tree.delete();
          doc.tree = tree;
          doc.parsed = parsed;
        },
      };
      // A parse that fails (time budget) leaves no tree to reuse: the next parse starts afresh.
      if (previous) {
        doc.tree = undefined;
        doc.parsed = undefined;
      }
    }
    const result = decodeResult(processFile(parser, file, reuse, depth));
    if (reuse?.previous && reuse.previous.tree !== doc?.tree) reuse.previous.tree.delete();
    this.results.set(path, result);
  }

  private withText(f: SourceFile): SourceFile {
    const doc = this.open.get(f.path);
    return doc ? { ...f, text: doc.text } : f;
  }

  dispose(): void {
    for (const doc of this.open.values()) doc.tree?.delete();
    this.open.clear();
  }
}
