/**
 * Whole modules lowered for rules that read expressions in any module, not only those the data-flow
 * engine visits (FLASK-CRYPTO-*, FLASK-XXE-001): every function body and the module's top-level code, as
 * the statement language of src/index/body.ts. Modules are parsed again on first request (the scan keeps
 * no trees), only when the scan loaded the parser for data flow, and only for the modules a rule asks for.
 */
import type { Node, Parser } from "web-tree-sitter";
import { readSource } from "../discover/read.js";
import type { DefFact } from "../index/ir.js";
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
  const file = project.files.find((f) => f.path === mod.path);
  if (!parser || !file) return out;
  const text = readSource(file).text;
  if (text === null) return out;
  const tree = parser.parse(blankCommentRuns(text));
  if (!tree) return out;
  try {
    const defsByName = new Map(mod.index.defs.filter((d) => d.kind === "function").map((d) => [d.nameR, d]));
    const lowerer = new BodyLowerer();
    out.push({ mod, def: null, scope: "", steps: lowerer.block(tree.rootNode) });
    const visit = (n: Node) => {
      if (n.type === "function_definition") {
        const name = n.childForFieldName("name");
        const def = name ? defsByName.get(rng(name)) : undefined;
        if (def) out.push({ mod, def, scope: def.qualname, steps: lowerer.block(n.childForFieldName("body")) });
      }
      for (const c of n.namedChildren) if (c) visit(c);
    };
    visit(tree.rootNode);
  } finally {
    tree.delete();
  }
  return out;
}
