/** `flaskwarden init DIR`: copies the secure Flask project skeleton (templates/skeleton) into a folder. */
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The skeleton shipped with the package; compiled to dist/src/cli/, so the repository root is three levels up. */
export const SKELETON_DIR = fileURLToPath(new URL("../../../templates/skeleton/", import.meta.url));

/**
 * Template files stored without their leading dot: npm leaves `.gitignore` out of published packages,
 * and a real `.gitignore` inside the repository would change what git tracks there.
 */
const RENAMES: Record<string, string> = { gitignore: ".gitignore", "env.example": ".env.example" };

/** Folders that may appear in the template folder after running its tests, and are never copied. */
const SKIP = new Set(["__pycache__", ".pytest_cache"]);

export interface InitResult {
  /** Paths written, relative to the target folder, forward slashes, sorted. */
  written: string[];
}

/** Raised when files would be overwritten without `force`; lists them so the user can decide. */
export class InitConflict extends Error {
  constructor(readonly existing: string[]) {
    super(`refusing to overwrite existing files (use --force to replace them): ${existing.join(", ")}`);
  }
}

/** Template files as [source path, target path relative to the project], sorted by target. */
function templateFiles(): [string, string][] {
  const out: [string, string][] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (SKIP.has(e.name) || e.name.endsWith(".pyc")) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const rel = relative(SKELETON_DIR, p).split(sep);
        const last = rel.length - 1;
        if (rel.length === 1) rel[last] = RENAMES[rel[last]!] ?? rel[last]!;
        out.push([p, rel.join("/")]);
      }
    }
  };
  walk(SKELETON_DIR);
  return out.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
}

/**
 * Writes the skeleton into `target` (created when missing). Nothing is written when any target file
 * already exists, unless `force` is set; then those files are replaced and others left alone.
 */
export function initProject(target: string, opts: { force?: boolean } = {}): InitResult {
  if (existsSync(target) && !statSync(target).isDirectory()) throw new Error(`${target} exists and is not a folder`);
  const files = templateFiles();
  if (files.length === 0) throw new Error(`the project template is missing at ${SKELETON_DIR}; reinstall flaskwarden`);
  const existing = files.map(([, rel]) => rel).filter((rel) => existsSync(join(target, ...rel.split("/"))));
  if (existing.length > 0 && !opts.force) throw new InitConflict(existing);
  for (const [src, rel] of files) {
    const dest = join(target, ...rel.split("/"));
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(src, dest);
  }
  return { written: files.map(([, rel]) => rel) };
}
