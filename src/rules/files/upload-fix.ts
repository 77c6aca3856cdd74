/**
 * The mechanical fixes of FLASK-UPLOAD-001:
 * - an upload saved under `upload.filename` gets `secure_filename(upload.filename)` (and the import);
 * - a download that hands an upload folder back inline gets `as_attachment=True`.
 * Anything less regular (the name reaches `save` through variables or helpers, `**kwargs` in the call, a
 * `secure_filename` name taken by something else) is left to the reader of the finding.
 */
import type { Node } from "web-tree-sitter";
import type { FixContext, FixProposal } from "../../fix/types.js";
import type { TextEdit } from "../../fix/edits.js";
import { addImportLine, appendKeywords, dottedExpr, enclosingCalls, keywordArg, positionalArgs, rangeOf, replaceNode, spreadsArguments } from "../../fix/python.js";
import { SERVE } from "./upload-folders.js";

const SECURE_FILENAME = new Set(["werkzeug.utils.secure_filename", "werkzeug.secure_filename"]);

export function uploadFix(ctx: FixContext): FixProposal | null {
  const call = callAtFinding(ctx);
  if (!call || spreadsArguments(call)) return null;
  const fn = call.childForFieldName("function");
  if (!fn) return null;
  if (fn.type === "attribute" && fn.childForFieldName("attribute")?.text === "save") return filenameFix(ctx, call, fn);
  const e = dottedExpr(fn);
  if (e && ctx.project.extPaths(ctx.mod, ctx.finding.scope, e).some((p) => SERVE.test(p))) return attachmentFix(ctx, call);
  return null;
}

/** The call whose range is exactly the finding's (the save or the download). */
function callAtFinding(ctx: FixContext): Node | null {
  const want = ctx.finding.range;
  for (const c of enclosingCalls(ctx.node)) {
    const r = rangeOf(c);
    if (r.start.line === want.start.line && r.start.column === want.start.column && r.end.line === want.end.line && r.end.column === want.end.column) return c;
  }
  return null;
}

/** `f.save(os.path.join(folder, f.filename))` → `f.save(os.path.join(folder, secure_filename(f.filename)))`. */
function filenameFix(ctx: FixContext, call: Node, fn: Node): FixProposal | null {
  const receiver = fn.childForFieldName("object")?.text;
  const dest = positionalArgs(call)[0] ?? keywordArg(call, "dst")?.childForFieldName("value") ?? null;
  if (!receiver || !dest) return null;
  // Exactly one `<receiver>.filename` in the destination: the client's name, read straight off the upload.
  const candidates = [dest, ...dest.descendantsOfType("attribute")].filter(
    (n, i, all): n is Node => n !== null && all.findIndex((m) => m?.id === n.id) === i && n.type === "attribute" && n.childForFieldName("attribute")?.text === "filename" && n.childForFieldName("object")?.text === receiver,
  );
  if (candidates.length !== 1) return null;
  const name = candidates[0]!;
  const binding = secureFilenameBinding(ctx);
  if (!binding) return null;
  return {
    description: `\`${name.text}\` → \`${binding.name}(${name.text})\``,
    edits: [replaceNode(name, `${binding.name}(${name.text})`), ...binding.edits],
  };
}

/** How to call werkzeug's `secure_filename` in this module: an existing import, or a new one when the name is free. */
function secureFilenameBinding(ctx: FixContext): { name: string; edits: TextEdit[] } | null {
  const idx = ctx.mod.index;
  for (const imp of idx.imports) {
    if (imp.scope !== "" || imp.member !== "secure_filename") continue;
    if (SECURE_FILENAME.has(`${imp.module}.${imp.member}`)) return { name: imp.local, edits: [] };
  }
  const taken =
    idx.imports.some((i) => i.local === "secure_filename") ||
    idx.defs.some((d) => d.name === "secure_filename") ||
    idx.assigns.some((a) => a.targets.some((t) => t.k === "name" && t.id === "secure_filename"));
  if (taken) return null;
  const edit = addImportLine(ctx.source, ctx.tree, "from werkzeug.utils import secure_filename");
  return edit ? { name: "secure_filename", edits: [edit] } : null;
}

/** `send_from_directory(folder, name)` → `send_from_directory(folder, name, as_attachment=True)`. */
function attachmentFix(ctx: FixContext, call: Node): FixProposal | null {
  const existing = keywordArg(call, "as_attachment")?.childForFieldName("value");
  if (existing) return { description: `\`as_attachment=${existing.text}\` → \`as_attachment=True\``, edits: [replaceNode(existing, "True")] };
  const edit = appendKeywords(ctx.source, call, ["as_attachment=True"]);
  return edit ? { description: "added `as_attachment=True`: browsers download the file instead of opening it as a page", edits: [edit] } : null;
}
