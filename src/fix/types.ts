/** What a rule's `fix` receives and returns. */
import type { Node, Tree } from "web-tree-sitter";
import type { Finding } from "../core/types.js";
import type { ModuleInfo } from "../link/modules.js";
import type { Project } from "../link/project.js";
import type { TextEdit } from "./edits.js";

export interface FixContext {
  finding: Finding;
  project: Project;
  /** The Python module the finding is in. */
  mod: ModuleInfo;
  /** The file's text as scanned. */
  source: string;
  /** The file's syntax tree (parsed again for fixing; the scan keeps no trees). */
  tree: Tree;
  /** The smallest syntax node that covers the finding's range. */
  node: Node;
}

/** A fix for one finding: what it does, in one line, and the edits that do it. */
export interface FixProposal {
  description: string;
  edits: TextEdit[];
}
