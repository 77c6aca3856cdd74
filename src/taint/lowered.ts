/**
 * Whole modules lowered for rules that read expressions in any module, not only those the data-flow
 * engine visits (FLASK-CRYPTO-*, FLASK-XXE-001): every function body and the module's top-level code, as
 * the statement language of src/index/body.ts. Modules are parsed again on first request (the scan keeps
 * no trees), only when the scan loaded the parser for data flow, and only for the modules a rule asks for.
 */
import type { Node, Parser } from "web-tree-sitter";
import { readSource } from "../discover/read.js";
import type { DefFact, ModuleIndex, R } from "../index/ir.js";
import { BodyLowerer, type Step } from "../index/body.js";
import { rng } from "../index/text.js";
import type { ModuleInfo } from "../link/modules.js";
import type { Project } from "../link/project.js";
import { blankCommentRuns } from "../parse/file.js";

/** One piece of code: a function's body (def set) or the module's top level (def null). */
export interface CodeUnit {
  mod: ModuleInfo;
  def: DefFact | null;
  /** The qualified name of the function, "" at module level. */
  scope: string;
  steps: Step[];
}

const parsers = new WeakMap<Project, Parser>();
const cache = new WeakMap<Project, Map<string, CodeUnit[]>>();
/**
 * The lowered steps of a module, per module index: an index is replaced when its file changes, so a
 * language server that keeps the indexes of unchanged files lowers each file once, not on every analysis.
 */
const lowered = new WeakMap<ModuleIndex, { top: Step[]; fns: [R, Step[]][] } | null>();

/** Called by prepareTaint once the parser is loaded. */
export function rememberParser(project: Project, parser: Parser): void {
  parsers.set(project, parser);
}

/** Every function body and the top-level code of a module; empty when the parser was not loaded or the file cannot be read. */
export function codeUnits(project: Project, mod: ModuleInfo): CodeUnit[] {
  let byPath = cache.get(project);
  if (!byPath) cache.set(project, (byPath = new Map()));
  const known = byPath.get(mod.path);
  if (known) return known;
  const out: CodeUnit[] = [];
  byPath.set(mod.path, out);
  const parser = parsers.get(project);
  if (!parser) return out;
  let steps = lowered.get(mod.index);
  if (steps === undefined) {
    steps = lower(project, mod, parser);
    lowered.set(mod.index, steps);
  }
  if (!steps) return out;
  out.push({ mod, def: null, scope: "", steps: steps.top });
  const defsByName = new Map(mod.index.defs.filter((d) => d.kind === "function").map((d) => [d.nameR, d]));
  for (const [nameR, body] of steps.fns) {
    const def = defsByName.get(nameR);
    if (def) out.push({ mod, def, scope: def.qualname, steps: body });
  }
  return out;
}

function lower(project: Project, mod: ModuleInfo, parser: Parser): { top: Step[]; fns: [R, Step[]][] } | null {
  const file = project.files.find((f) => f.path === mod.path);
  if (!file) return null;
  const text = readSource(file).text;
  if (text === null) return null;
  const tree = parser.parse(blankCommentRuns(text));
  if (!tree) return null;
  try {
    const lowerer = new BodyLowerer();
    const top = lowerer.block(tree.rootNode);
    const fns: [R, Step[]][] = [];
    const visit = (n: Node) => {
      if (n.type === "function_definition") {
        const name = n.childForFieldName("name");
        if (name) fns.push([rng(name), lowerer.block(n.childForFieldName("body"))]);
      }
      for (const c of n.namedChildren) if (c) visit(c);
    };
    visit(tree.rootNode);
    return { top, fns };
  } finally {
    tree.delete();
  }
}
