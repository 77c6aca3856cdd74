import { accessSync, constants as fsConstants, lstatSync, promises as fsp, type Dirent, type Stats } from "node:fs";
import path from "node:path";
import ignore, { type Ignore } from "ignore";
import type { Config } from "../config/types.js";
import type { Diagnostic, SourceFile } from "../core/types.js";
import { classify } from "./classify.js";
import { describeFsError, errorCode } from "./fs-errors.js";

export interface DiscoverResult {
  /** Absolute real path every SourceFile.path is relative to. */
  root: string;
  /** Files of a known kind, sorted by path. */
  files: SourceFile[];
  diagnostics: Diagnostic[];
}

/** Directories that never hold the project's own code: VCS data, caches, build output, installed packages. */
const SKIP_DIRS = new Set([
  ".git",
  ".hg",
  ".svn",
  "node_modules",
  "__pycache__",
  "site-packages",
  "dist-packages",
  ".tox",
  ".nox",
  ".mypy_cache",
  ".pytest_cache",
  ".ruff_cache",
  "build",
  "dist",
  ".eggs",
  ".venv",
  "venv",
]);

/** How many file-system calls run at once: enough to keep libuv's pool busy without exhausting descriptors. */
const CONCURRENCY = 64;

// Git matches paths case-insensitively exactly where the file system does; follow the platform default.
const IGNORE_CASE = process.platform === "darwin" || process.platform === "win32";

/** A .gitignore file's rules; `base` is the folder holding it, relative to the root ("" for the root). */
interface IgnoreLayer {
  base: string;
  ig: Ignore;
}

interface DirTask {
  rel: string;
  abs: string;
  /** Real path of the directory, tracked so a directory is walked at most once. */
  real: string;
  layers: IgnoreLayer[];
  /** Named on the command line: walked even if a skip rule or ignore file would exclude it. */
  explicit: boolean;
}

interface DeferredLink {
  rel: string;
  abs: string;
  real: string;
  /** Real path of the directory holding the link; a target at or above it makes a loop. */
  parentReal: string;
  layers: IgnoreLayer[];
}

interface Found {
  file: SourceFile;
  real: string;
  /** Reached through a symbolic link to a file, so it may duplicate a file found at its own path. */
  viaFileLink: boolean;
}

class Limiter {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active < this.max) this.active++;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      return await fn();
    } finally {
      // The slot passes straight to the next waiter, so the limit holds even under contention.
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    }
  }
}

function toPosix(p: string): string {
  return path.sep === "/" ? p : p.split(path.sep).join("/");
}

function joinRel(parent: string, name: string): string {
  return parent === "" ? name : `${parent}/${name}`;
}

function isInside(real: string, root: string): boolean {
  if (real === root) return true;
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  return real.startsWith(prefix);
}

function formatSize(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return mb >= 0.1 ? `${mb.toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

class Walker {
  private readonly found = new Map<string, Found>();
  readonly diagnostics: Diagnostic[] = [];
  private readonly visited = new Set<string>();
  private deferred: DeferredLink[] = [];
  private readonly limiter = new Limiter(CONCURRENCY);
  private readonly gitignores = new Map<string, Promise<Ignore | null>>();
  private readonly exclude: Ignore | null;
  private readonly include: Ignore | null;
  /** The root folder's own name, so files at the top of a root named "templates" still count as templates. */
  private readonly rootName: string;

  constructor(
    readonly root: string,
    private readonly config: Config,
    private readonly onFound?: (file: SourceFile) => void,
  ) {
    this.exclude = config.exclude.length > 0 ? ignore({ ignorecase: IGNORE_CASE }).add(config.exclude) : null;
    this.include = config.include.length > 0 ? ignore({ ignorecase: IGNORE_CASE }).add(config.include) : null;
    this.rootName = path.basename(root);
  }

  private fs<T>(fn: () => Promise<T>): Promise<T> {
    return this.limiter.run(fn);
  }

  private diag(file: string, severity: Diagnostic["severity"], code: string, message: string): void {
    this.diagnostics.push({ file, severity, code, message });
  }

  /** Walks a directory named on the command line. */
  async walkTarget(rel: string, real: string): Promise<void> {
    const layers: IgnoreLayer[] = [];
    if (rel !== "") {
      // Ignore files between the root and the target still apply, as they would for git.
      const parts = rel.split("/");
      for (let i = 0; i < parts.length; i++) {
        const base = parts.slice(0, i).join("/");
        const ig = await this.gitignore(base, path.join(this.root, ...parts.slice(0, i)));
        if (ig) layers.push({ base, ig });
      }
    }
    await this.walkDir({ rel, abs: real, real, layers, explicit: true });
  }

  /** Adds a file named on the command line; filters do not apply to what the user asked for by name. */
  async addTarget(rel: string, abs: string): Promise<void> {
    const kind = this.classify(rel);
    if (kind === null) {
      this.diag(rel, "info", "unsupported-file", `${rel} was named as a target but is not a kind of file flaskwarden checks (Python, template, manifest, deployment or OpenAPI file); it was skipped.`);
      return;
    }
    let st: Stats;
    try {
      st = await fsp.stat(abs);
    } catch (err) {
      this.diag(rel, "warning", "unreadable", `Could not read ${rel}: ${describeFsError(err)}. It was skipped.`);
      return;
    }
    await this.keep(rel, abs, st.size, kind, abs, false);
  }

  /** Follows the symbolic links to directories found so far, in path order so the result is deterministic. */
  async followDeferredLinks(): Promise<void> {
    while (this.deferred.length > 0) {
      const batch = this.deferred.sort((a, b) => compareStrings(a.rel, b.rel));
      this.deferred = [];
      // One at a time: which of two links to the same folder wins must not depend on timing.
      for (const link of batch) {
        if (isInside(link.parentReal, link.real)) {
          this.diag(link.rel, "info", "symlink-loop", `${link.rel} is a symbolic link to ${link.real}, which contains the link itself; it was not followed, to avoid an endless loop.`);
        } else if (this.visited.has(link.real)) {
          this.diag(link.rel, "info", "symlink-duplicate", `${link.rel} is a symbolic link to ${link.real}, which is already scanned under another path; it was not followed a second time.`);
        } else {
          await this.walkDir({ rel: link.rel, abs: link.abs, real: link.real, layers: link.layers, explicit: false });
        }
      }
    }
  }

  /** The files found, without duplicates reached through file links, sorted by path. */
  files(): SourceFile[] {
    const direct = new Set<string>();
    for (const f of this.found.values()) if (!f.viaFileLink) direct.add(f.real);
    const out: SourceFile[] = [];
    for (const f of this.found.values()) {
      if (f.viaFileLink && direct.has(f.real)) {
        this.diag(f.file.path, "info", "symlink-duplicate", `${f.file.path} is a symbolic link to ${f.real}, which is already scanned under its own path; the link was skipped.`);
        continue;
      }
      out.push(f.file);
    }
    return out.sort((a, b) => compareStrings(a.path, b.path));
  }

  private classify(rel: string): { kind: SourceFile["kind"]; subkind?: string } | null {
    return classify(this.rootName === "" ? rel : `${this.rootName}/${rel}`);
  }

  private gitignore(base: string, absDir: string): Promise<Ignore | null> {
    let p = this.gitignores.get(base);
    if (p === undefined) {
      p = this.readGitignore(base, path.join(absDir, ".gitignore"));
      this.gitignores.set(base, p);
    }
    return p;
  }

  private async readGitignore(base: string, file: string): Promise<Ignore | null> {
    if (!this.config.respectGitignore) return null;
    let text: string;
    try {
      // Like git (since 2.32), a .gitignore that is a symbolic link is not read.
      if (!(await this.fs(() => fsp.lstat(file))).isFile()) return null;
      text = await this.fs(() => fsp.readFile(file, "utf8"));
    } catch (err) {
      const code = errorCode(err);
      if (code !== "ENOENT" && code !== "ENOTDIR" && code !== "EISDIR") {
        const rel = joinRel(base, ".gitignore");
        this.diag(rel, "warning", "unreadable", `Could not read ${rel}: ${describeFsError(err)}. Its ignore rules were not applied.`);
      }
      return null;
    }
    return ignore({ ignorecase: IGNORE_CASE }).add(text);
  }

  /** Whether exclude globs or .gitignore rules drop `rel`; the deepest .gitignore with an opinion wins. */
  private ignored(rel: string, isDir: boolean, layers: IgnoreLayer[]): boolean {
    const probe = isDir ? `${rel}/` : rel;
    if (this.exclude && safeIgnores(this.exclude, probe)) return true;
    let state = false;
    for (const layer of layers) {
      const sub = layer.base === "" ? probe : probe.slice(layer.base.length + 1);
      const r = safeTest(layer.ig, sub);
      if (r.ignored) state = true;
      else if (r.unignored) state = false;
    }
    return state;
  }

  private skipDir(name: string, rel: string, layers: IgnoreLayer[]): boolean {
    return SKIP_DIRS.has(name) || name.endsWith(".egg-info") || this.ignored(rel, true, layers);
  }

  private async walkDir(task: DirTask): Promise<void> {
    if (this.visited.has(task.real)) return;
    this.visited.add(task.real);
    const label = task.rel === "" ? "." : task.rel;
    let entries: Dirent[];
    try {
      entries = await this.fs(() => fsp.readdir(task.abs, { withFileTypes: true }));
    } catch (err) {
      this.diag(label, "warning", "unreadable", `Could not read the folder ${label}: ${describeFsError(err)}. Files inside it were not scanned.`);
      return;
    }
    // A virtualenv is recognised by its pyvenv.cfg whatever the folder is called; its packages are not the project's code.
    if (!task.explicit && entries.some((e) => e.name === "pyvenv.cfg" && !e.isDirectory())) return;

    let layers = task.layers;
    if (this.config.respectGitignore && entries.some((e) => e.name === ".gitignore" && e.isFile())) {
      const ig = await this.gitignore(task.rel, task.abs);
      if (ig) layers = [...layers, { base: task.rel, ig }];
    }

    const jobs: Promise<void>[] = [];
    for (const ent of entries) {
      const rel = joinRel(task.rel, ent.name);
      const abs = path.join(task.abs, ent.name);
      if (ent.isSymbolicLink()) {
        jobs.push(this.visitLink(ent.name, rel, abs, task.real, layers));
      } else if (ent.isDirectory()) {
        if (!this.skipDir(ent.name, rel, layers)) {
          jobs.push(this.walkDir({ rel, abs, real: path.join(task.real, ent.name), layers, explicit: false }));
        }
      } else if (ent.isFile()) {
        jobs.push(this.visitFile(rel, abs, path.join(task.real, ent.name), layers));
      }
    }
    await Promise.all(jobs);
  }

  private async visitFile(rel: string, abs: string, real: string, layers: IgnoreLayer[]): Promise<void> {
    const kind = this.wanted(rel, layers) ?? (await this.pythonScript(rel, abs, layers));
    if (kind === null) return;
    let st: Stats;
    try {
      // Synchronous: one stat of a local file costs less than scheduling it on the thread pool (discovery
      // of the standard library's 1,500 entries took 55 ms with promises, ARCHITECTURE.md "Performance").
      st = lstatSync(abs);
    } catch (err) {
      this.diag(rel, "warning", "unreadable", `Could not read ${rel}: ${describeFsError(err)}. It was skipped.`);
      return;
    }
    this.keep(rel, abs, st.size, kind, real, false);
  }

  /**
   * An extension-less file whose first line is a Python shebang (`bin/serve`, `manage`) is a Python
   * script: launchers like these often start the development server. Only such names are opened.
   */
  private async pythonScript(rel: string, abs: string, layers: IgnoreLayer[]): Promise<{ kind: SourceFile["kind"] } | null> {
    const base = rel.slice(rel.lastIndexOf("/") + 1);
    if (base.includes(".") || this.ignored(rel, false, layers) || (this.include && !safeIgnores(this.include, rel))) return null;
    let head: string;
    try {
      const fh = await this.fs(() => fsp.open(abs, "r"));
      try {
        const buf = Buffer.alloc(128);
        const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
        head = buf.subarray(0, bytesRead).toString("latin1");
      } finally {
        await fh.close();
      }
    } catch {
      return null; // not ours to report: the file is not of a kind we check unless it is a script
    }
    return /^#![^\n]*\bpython[0-9.]*\b/.test(head) ? { kind: "python" } : null;
  }

  /** The classification of a file that passes every filter, or null when it is not wanted. */
  private wanted(rel: string, layers: IgnoreLayer[]): { kind: SourceFile["kind"]; subkind?: string } | null {
    const kind = this.classify(rel);
    if (kind === null) return null;
    if (this.include && !safeIgnores(this.include, rel)) return null;
    if (this.ignored(rel, false, layers)) return null;
    return kind;
  }

  private async visitLink(name: string, rel: string, abs: string, parentReal: string, layers: IgnoreLayer[]): Promise<void> {
    let real: string;
    let st: Stats;
    try {
      real = await this.fs(() => fsp.realpath(abs));
      st = await this.fs(() => fsp.stat(real));
    } catch (err) {
      // Whether a dangling link was meant to be a file or a folder is unknowable; judge it as a file.
      if (this.ignored(rel, false, layers)) return;
      const code = errorCode(err);
      if (code === "ENOENT" || code === "ENOTDIR") {
        const target = await fsp.readlink(abs).catch(() => "?");
        this.diag(rel, "warning", "broken-symlink", `${rel} is a symbolic link to ${target}, which does not exist; it was skipped.`);
      } else if (code === "ELOOP") {
        this.diag(rel, "info", "symlink-loop", `${rel} is a symbolic link that resolves to itself through other links (ELOOP); it was not followed.`);
      } else {
        this.diag(rel, "warning", "unreadable", `Could not follow the symbolic link ${rel}: ${describeFsError(err)}. It was skipped.`);
      }
      return;
    }

    if (st.isDirectory()) {
      if (this.skipDir(name, rel, layers)) return;
      if (!isInside(real, this.root)) {
        this.diag(rel, "info", "symlink-outside-root", `${rel} is a symbolic link to ${real}, outside the scanned folder ${this.root}; it was not followed.`);
        return;
      }
      this.deferred.push({ rel, abs, real, parentReal, layers });
      return;
    }
    if (!st.isFile()) return;
    const kind = this.wanted(rel, layers);
    if (kind === null) return;
    if (!isInside(real, this.root)) {
      this.diag(rel, "info", "symlink-outside-root", `${rel} is a symbolic link to ${real}, outside the scanned folder ${this.root}; it was not followed.`);
      return;
    }
    this.keep(rel, abs, st.size, kind, real, true);
  }

  private keep(rel: string, abs: string, size: number, kind: { kind: SourceFile["kind"]; subkind?: string }, real: string, viaFileLink: boolean): void {
    if (size > this.config.maxFileSize) {
      this.diag(
        rel,
        "warning",
        "too-large",
        `${rel} is ${formatSize(size)} (${size} bytes), larger than the limit of ${formatSize(this.config.maxFileSize)} (${this.config.maxFileSize} bytes), so it was skipped. Raise max-file-size in the configuration to scan it.`,
      );
      return;
    }
    try {
      accessSync(abs, fsConstants.R_OK);
    } catch (err) {
      this.diag(rel, "warning", "unreadable", `Could not read ${rel}: ${describeFsError(err)}. It was skipped.`);
      return;
    }
    const file: SourceFile = { path: rel, absPath: path.join(this.root, ...rel.split("/")), kind: kind.kind, size };
    if (kind.subkind !== undefined) file.subkind = kind.subkind;
    if (!this.found.has(rel)) {
      this.found.set(rel, { file, real, viaFileLink });
      this.onFound?.(file);
    }
  }
}

function safeIgnores(ig: Ignore, p: string): boolean {
  try {
    return ig.ignores(p);
  } catch {
    // `ignore` rejects some unusual names outright; such a path is simply not matched.
    return false;
  }
}

function safeTest(ig: Ignore, p: string): { ignored: boolean; unignored: boolean } {
  try {
    return ig.test(p);
  } catch {
    return { ignored: false, unignored: false };
  }
}

interface Target {
  given: string;
  type: "dir" | "file";
  /** Real path for a directory; real parent folder plus the given name for a file. */
  real: string;
}

async function resolveTarget(given: string): Promise<Target> {
  const abs = path.resolve(given);
  let st: Stats;
  try {
    st = await fsp.stat(abs);
  } catch (err) {
    const code = errorCode(err);
    if (code === "ENOENT" || code === "ENOTDIR") {
      const dangling = await fsp.lstat(abs).then(
        (s) => s.isSymbolicLink(),
        () => false,
      );
      throw new Error(dangling ? `Target ${given} is a symbolic link whose destination does not exist.` : `Target ${given} does not exist.`);
    }
    throw new Error(`Cannot access target ${given}: ${describeFsError(err)}.`);
  }
  if (st.isDirectory()) return { given, type: "dir", real: await fsp.realpath(abs) };
  if (st.isFile()) {
    // The file keeps the name it was given (a link named Dockerfile stays a Dockerfile); only its folder is resolved.
    return { given, type: "file", real: path.join(await fsp.realpath(path.dirname(abs)), path.basename(abs)) };
  }
  throw new Error(`Target ${given} is neither a regular file nor a directory.`);
}

function commonAncestor(dirs: string[]): string {
  const split = dirs.map((d) => d.split(path.sep));
  const first = split[0]!;
  let n = first.length;
  for (const parts of split.slice(1)) {
    let i = 0;
    while (i < n && i < parts.length && parts[i] === first[i]) i++;
    n = i;
  }
  const joined = first.slice(0, n).join(path.sep);
  // Splitting "/a" gives ["", "a"]; an empty prefix is the file-system root.
  return joined === "" ? path.parse(first.join(path.sep)).root || path.sep : joined;
}

/**
 * Finds the files to scan under the given targets (directories or files), honouring .gitignore,
 * include/exclude globs, skip rules, symbolic-link safety and the size limit. Throws when a target does not exist.
 * `onFound` hears of each file as it is found (before de-duplication of linked files).
 */
export async function discover(targets: string[], config: Config, onFound?: (file: SourceFile) => void): Promise<DiscoverResult> {
  const list = targets.length > 0 ? targets : ["."];
  const resolved: Target[] = [];
  for (const t of list) resolved.push(await resolveTarget(t));

  const root = resolved.length === 1 && resolved[0]!.type === "dir" ? resolved[0]!.real : commonAncestor(resolved.map((t) => (t.type === "dir" ? t.real : path.dirname(t.real))));
  const walker = new Walker(root, config, onFound);

  // Targets are walked one after another so overlapping targets ("." and "app") resolve deterministically.
  for (const t of resolved) {
    const rel = toPosix(path.relative(root, t.real));
    if (t.type === "dir") await walker.walkTarget(rel, t.real);
    else await walker.addTarget(rel, t.real);
  }
  await walker.followDeferredLinks();

  const files = walker.files();
  const diagnostics = walker.diagnostics.sort((a, b) => compareStrings(a.file, b.file) || compareStrings(a.code, b.code) || compareStrings(a.message, b.message));
  return { root, files, diagnostics };
}
