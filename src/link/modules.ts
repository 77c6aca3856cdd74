/** Module naming and import resolution across the project (absolute, relative, src/ layouts). */
import type { ModuleIndex } from "../index/ir.js";

export interface ModuleInfo {
  /** Dotted module name, e.g. "notesapp.views"; a package's __init__ is named after the package. */
  name: string;
  path: string;
  isPackage: boolean;
  index: ModuleIndex;
}

/**
 * Names every Python file by walking up its directories while they are packages (hold __init__.py);
 * the first non-package directory is the import root. This handles src/ layouts and nested apps alike.
 */
export function nameModules(indexes: ModuleIndex[]): ModuleInfo[] {
  const files = new Set(indexes.map((m) => m.path));
  const out: ModuleInfo[] = [];
  for (const index of indexes) {
    const parts = index.path.split("/");
    const base = parts.pop()!;
    const stem = base.replace(/\.pyw?$/, "");
    const isPackage = stem === "__init__";
    const names: string[] = isPackage ? [] : [stem];
    let dir = parts;
    while (dir.length > 0 && files.has([...dir, "__init__.py"].join("/"))) {
      names.unshift(dir[dir.length - 1]!);
      dir = dir.slice(0, -1);
    }
    // A top-level __init__.py with no package around it (scan root is the package) keeps its folder name.
    if (names.length === 0) names.push(dir.length > 0 ? dir[dir.length - 1]! : "__init__");
    out.push({ name: names.join("."), path: index.path, isPackage, index });
  }
  return out;
}

export class ModuleTable {
  private readonly byName = new Map<string, ModuleInfo[]>();
  readonly byPath = new Map<string, ModuleInfo>();

  constructor(modules: ModuleInfo[]) {
    for (const m of modules) {
      const list = this.byName.get(m.name);
      if (list) list.push(m);
      else this.byName.set(m.name, [m]);
      this.byPath.set(m.path, m);
    }
  }

  all(): ModuleInfo[] {
    return [...this.byPath.values()];
  }

  /** Finds a module by dotted name; with several candidates, the one sharing the longest path prefix with `from`. */
  get(name: string, from?: ModuleInfo): ModuleInfo | undefined {
    const list = this.byName.get(name);
    if (!list || list.length === 0) return undefined;
    if (list.length === 1 || !from) return list[0];
    let best = list[0]!;
    let bestLen = -1;
    for (const m of list) {
      const n = commonPrefix(m.path, from.path);
      if (n > bestLen) {
        best = m;
        bestLen = n;
      }
    }
    return best;
  }

  /** Turns a possibly relative module reference (".views", "..config") into an absolute dotted name. */
  absolute(ref: string, from: ModuleInfo): string {
    if (!ref.startsWith(".")) return ref;
    const level = ref.match(/^\.+/)![0].length;
    const rest = ref.slice(level);
    const pkg = from.name.split(".");
    // In a package's __init__, "." is the package itself; in a module, "." is its parent package.
    const drop = from.isPackage ? level - 1 : level;
    const basePkg = pkg.slice(0, Math.max(0, pkg.length - drop));
    return [...basePkg, ...(rest ? [rest] : [])].join(".");
  }
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
