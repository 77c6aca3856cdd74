/**
 * The language server re-parses an edited document with its previous syntax tree (tree-sitter's
 * incremental parse). The index built that way must be exactly the one a fresh parse gives, whatever
 * the edit: typing, deleting lines, a long comment run appearing (which the parser input blanks) and
 * going away, a syntax error and its repair, multi-byte characters, CRLF line ends.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { Tree } from "web-tree-sitter";
import type { SourceFile } from "../src/core/types.js";
import type { WireFileResult } from "../src/index/ir.js";
import { processFile, type TreeReuse } from "../src/parse/file.js";
import { pythonParser } from "../src/parse/treesitter.js";
import { REPO } from "./support/lsp-client.js";

const SOURCE = readFileSync(join(REPO, "examples/vulnerable-app/notesapp/notes.py"), "utf8");

function file(text: string): SourceFile {
  return { path: "notesapp/notes.py", absPath: "/nonexistent/notes.py", kind: "python", size: text.length, text };
}

const comparable = (r: WireFileResult) => JSON.stringify({ ...r, parseMs: 0 });

/** Each step turns the previous text into the next. */
const EDITS: [string, (t: string) => string][] = [
  ["type a character inside a string", (t) => t.replace('"', '"x')],
  ["add a route at the end", (t) => `${t}\n\n@bp.route("/extra")\ndef extra():\n    return redirect(request.args["next"])\n`],
  ["delete the first ten lines", (t) => t.split("\n").slice(10).join("\n")],
  ["insert a long run of comment lines in the middle", (t) => {
    const lines = t.split("\n");
    const at = Math.floor(lines.length / 2);
    return [...lines.slice(0, at), ...Array.from({ length: 20 }, (_, i) => `# note ${i}`), ...lines.slice(at)].join("\n");
  }],
  ["shorten the comment run below the blanking threshold", (t) => t.replace(/# note 1\d\n/g, "")],
  ["break the syntax", (t) => t.replace("def ", "def (")],
  ["repair it", (t) => t.replace("def (", "def ")],
  ["non-ASCII text before a call", (t) => t.replace("\n", "\n# café → naïve 🎉\n")],
  ["CRLF line ends", (t) => t.replace(/\n/g, "\r\n")],
  ["remove everything", () => ""],
  ["write it all again", () => SOURCE],
];

test("an incremental re-parse of an edited document indexes exactly like a fresh parse", async () => {
  const parser = await pythonParser();
  let kept: { tree: Tree; parsed: string } | null = null;
  const keep = (tree: Tree, parsed: string) => {
    kept = { tree, parsed };
  };
  processFile(parser, file(SOURCE), { keep });
  let text = SOURCE;
  try {
    for (const [what, edit] of EDITS) {
      text = edit(text);
      const previous: { tree: Tree; parsed: string } = kept!;
      const reuse: TreeReuse = { previous, keep };
      const incremental = processFile(parser, file(text), reuse);
      previous.tree.delete();
      const fresh = processFile(parser, file(text));
      assert.equal(comparable(incremental), comparable(fresh), `after "${what}"`);
      assert.notEqual(kept!.tree, previous.tree, "a new tree is handed over");
    }
  } finally {
    (kept as { tree: Tree } | null)?.tree.delete();
  }
});
