/**
 * Which modules the parse stage must index again at another depth (see IndexDepth in
 * src/index/python.ts). A standalone module (it imports only the standard library and modules of its own
 * package) is first indexed in outline. It is indexed in full when it is connected, through imports of the
 * project's own modules in either direction and through any modules in between, to a module that imports
 * Flask, Werkzeug or an extension. An unconnected standalone module (a stand-alone script, or a module of
 * a library that does not use the web stack) keeps only its outline.
 *
 * An import named like a standard-library module (`import os`, `from email.utils import x`) is followed
 * only when a module that imports Flask has the same top-level name: a package of the project that
 * shadows a library name holds Flask code, while a scan of the standard library itself (whose `os.py` is
 * a project file there) holds none.
 */
import type { FileResult } from "../index/ir.js";
import { importsFlaskWorld, type IndexDepth } from "../index/python.js";
import { STDLIB_MODULES } from "../index/stdlib.js";
import { ModuleTable, nameModules, type ModuleInfo } from "./modules.js";

/** Positions in `results` to index again, by the depth they need. */
export type DepthChanges = Record<IndexDepth, number[]>;

export function depthChanges(results: readonly FileResult[]): DepthChanges {
  const changes: DepthChanges = { auto: [], full: [] };
  const indexes = results.flatMap((r) => (r.python ? [r.python] : []));
  if (!indexes.some((m) => m.standalone)) return changes;
  const modules = nameModules(indexes);
  const table = new ModuleTable(modules);
  const links = new Map<string, Set<string>>();
  const link = (a: string, b: string) => {
    if (a === b) return;
    let s = links.get(a);
    if (!s) links.set(a, (s = new Set()));
    s.add(b);
    let t = links.get(b);
    if (!t) links.set(b, (t = new Set()));
    t.add(a);
  };
  const seeds = modules.filter((m) => importsFlaskWorld(m.index));
  const projectTops = new Set(seeds.map((m) => m.name.split(".")[0]!));
  for (const m of modules) for (const target of importedProjectModules(m, table, projectTops)) link(m.path, target.path);
  // Everything reachable from a module that imports Flask.
  const connected = new Set<string>();
  const queue = seeds.map((m) => m.path);
  for (const p of queue) connected.add(p);
  while (queue.length > 0) {
    const p = queue.pop()!;
    for (const q of links.get(p) ?? []) {
      if (connected.has(q)) continue;
      connected.add(q);
      queue.push(q);
    }
  }
  results.forEach((r, i) => {
    const ix = r.python;
    if (!ix?.standalone) return;
    const wantFull = connected.has(ix.path);
    if (wantFull && ix.outline) changes.full.push(i);
    else if (!wantFull && !ix.outline) changes.auto.push(i);
  });
  return changes;
}

/** The depth a module's next index should have, judged by its current one: an index completed to full stays so until depthChanges says otherwise. */
export function depthOf(result: FileResult | undefined): IndexDepth {
  return result?.python?.standalone && !result.python.outline ? "full" : "auto";
}

/** The project modules an import runs: the module named, the packages around it, and an imported submodule. */
function importedProjectModules(m: ModuleInfo, table: ModuleTable, projectTops: ReadonlySet<string>): ModuleInfo[] {
  const out: ModuleInfo[] = [];
  for (const imp of m.index.imports) {
    const top = imp.module.split(".")[0]!;
    if (!imp.module.startsWith(".") && STDLIB_MODULES.has(top) && !projectTops.has(top)) continue;
    const name = table.absolute(imp.module, m);
    const parts = name.split(".");
    for (let i = 1; i <= parts.length; i++) {
      const found = table.get(parts.slice(0, i).join("."), m);
      if (found) out.push(found);
    }
    if (imp.member && imp.member !== "*") {
      const sub = table.get(name ? `${name}.${imp.member}` : imp.member, m);
      if (sub) out.push(sub);
    }
  }
  return out;
}
