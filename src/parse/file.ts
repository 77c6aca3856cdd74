/** Parses and indexes one file: the unit of work a worker thread runs. */
import type { Parser, Tree } from "web-tree-sitter";
import type { Diagnostic, SourceFile } from "../core/types.js";
import { indexDeployment } from "../index/deploy/index.js";
import { indexManifest } from "../index/manifest/index.js";
import { readSource } from "../discover/read.js";
import { scanLineComments, scanTemplateComments } from "../filter/suppress.js";
import type { WireFileResult } from "../index/ir.js";
import { toRange } from "../index/ir.js";
import { indexModule, type IndexDepth } from "../index/python.js";
import { indexOpenApi } from "../index/openapi.js";
import { indexTemplate } from "../index/jinja.js";

const LINE_COMMENT_KINDS = new Set(["deployment", "manifest"]);

/** Longest a single file may take to parse before it is skipped with a diagnostic. */
const PARSE_BUDGET_MS = 10_000;
/** Runs of at least this many comment-only lines are blanked before parsing (see below). */
const COMMENT_RUN = 16;

/**
 * tree-sitter-python takes time quadratic in the length of a run of consecutive comment-only lines
 * (4,000 such lines take seconds), which a hostile or generated file can exploit. Long runs are
 * replaced by spaces of the same length before parsing, which keeps every position in the file and
 * parses in linear time; lines holding a suppression comment are kept.
 */
export function blankCommentRuns(text: string): string {
  if (!text.includes("#")) return text;
  const lines = text.split("\n");
  let changed = false;
  let runStart = -1;
  const flush = (end: number) => {
    if (runStart >= 0 && end - runStart >= COMMENT_RUN) {
      for (let i = runStart; i < end; i++) {
        const l = lines[i]!;
        if (l.includes("flaskwarden")) continue;
        lines[i] = l.endsWith("\r") ? `${" ".repeat(l.length - 1)}\r` : " ".repeat(l.length);
        changed = true;
      }
    }
    runStart = -1;
  };
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trimStart().startsWith("#")) {
      if (runStart < 0) runStart = i;
    } else if (lines[i]!.trim() !== "") flush(i);
  }
  flush(lines.length);
  return changed ? lines.join("\n") : text;
}

/**
 * A Python file's syntax tree kept between parses (the language server keeps one per open document):
 * `previous` is the last tree with the exact text it was parsed from; `keep` takes ownership of the
 * new tree instead of it being freed.
 */
export interface TreeReuse {
  previous?: { tree: Tree; parsed: string };
  keep?: (tree: Tree, parsed: string) => void;
}

/**
 * Tells an old tree where its text changed, as one edit covering everything between the common prefix
 * and the common suffix of the two texts, so tree-sitter can reuse the unchanged subtrees. Working on the
 * texts rather than the editor's change events also covers the comment runs that blanking changed.
 */
export function editTree(tree: Tree, before: string, after: string): void {
  const max = Math.min(before.length, after.length);
  let start = 0;
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let tail = 0;
  while (tail < max - start && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  const oldEnd = before.length - tail;
  const newEnd = after.length - tail;
  // web-tree-sitter counts indices and columns of JavaScript strings in UTF-16 code units.
  tree.edit({
    startIndex: start,
    oldEndIndex: oldEnd,
    newEndIndex: newEnd,
    startPosition: pointAt(before, start),
    oldEndPosition: pointAt(before, oldEnd),
    newEndPosition: pointAt(after, newEnd),
  });
}

function pointAt(text: string, offset: number): { row: number; column: number } {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: offset - lineStart };
}

/** Reads, parses and lowers one file. Never throws: failures become diagnostics. */
export function processFile(parser: Parser, file: SourceFile, reuse?: TreeReuse, depth: IndexDepth = "auto"): WireFileResult {
  const t0 = performance.now();
  const diagnostics: Diagnostic[] = [];
  const result: WireFileResult = { path: file.path, lines: 0, suppressions: [], diagnostics, parseMs: 0 };
  // A candidate template (an HTML file outside any `templates` folder) is read by the link stage only if
  // an app's `template_folder` turns out to hold it; most such files are static pages or docs.
  if (file.kind === "template" && file.subkind === "candidate") return result;
  try {
    const read = readSource(file);
    diagnostics.push(...read.diagnostics);
    result.lines = read.lines;
    const text = read.text;
    if (text === null) return result;
    if (file.kind === "python") {
      const deadline = performance.now() + PARSE_BUDGET_MS;
      // The progress callback's return value cancels the parse; the typings declare it void.
      const progressCallback = (() => performance.now() > deadline) as unknown as () => void;
      const parsed = blankCommentRuns(text);
      let old: Tree | null = null;
      if (reuse?.previous) {
        old = reuse.previous.tree;
        editTree(old, reuse.previous.parsed, parsed);
      }
      const tree = parser.parse(parsed, old, { progressCallback });
      if (!tree) {
        parser.reset();
        diagnostics.push({
          file: file.path,
          severity: "error",
          code: "parse-timeout",
          message: `parsing took longer than ${PARSE_BUDGET_MS / 1000} s, so the file was skipped; if it is generated code, exclude it in the config`,
        });
        return result;
      }
      try {
        const mod = indexModule(tree, file.path, text, depth);
        result.python = mod;
        result.suppressions = mod.suppressions;
        if (mod.python2) {
          diagnostics.push({
            file: file.path,
            severity: "warning",
            code: "python2",
            message: "looks like Python 2 code (print or exec statements); Flask needs Python 3, so this file was analysed as far as it parses",
          });
        }
        if (mod.syntaxErrors.length > 0) {
          const range = toRange(mod.syntaxErrors[0]!);
          diagnostics.push({
            file: file.path,
            severity: "warning",
            code: "syntax-error",
            message: `syntax error at line ${range.start.line}, column ${range.start.column} (${mod.syntaxErrors.length} error region${mod.syntaxErrors.length === 1 ? "" : "s"}); the rest of the file was still analysed`,
            range,
          });
        }
      } finally {
        if (reuse?.keep) reuse.keep(tree, parsed);
        else tree.delete();
      }
    } else if (file.kind === "deployment") {
      const dep = indexDeployment(file, text);
      result.deployment = dep.facts;
      diagnostics.push(...dep.diagnostics);
    } else if (file.kind === "manifest") {
      const man = indexManifest(file, text);
      if (man.facts) result.manifest = man.facts;
      diagnostics.push(...man.diagnostics);
    } else if (file.kind === "template") {
      const tpl = indexTemplate(text);
      result.template = tpl;
      result.suppressions = scanTemplateComments(text, file.path);
      for (const e of tpl.errors) {
        diagnostics.push({ file: file.path, severity: "warning", code: "template-syntax", message: `${e.message}; the template was analysed up to there`, range: toRange(e.r) });
      }
    } else if (file.kind === "openapi") {
      const api = indexOpenApi(file.path, text);
      if (api.facts) result.openapi = api.facts;
      diagnostics.push(...api.diagnostics);
    }
    if (LINE_COMMENT_KINDS.has(file.kind)) result.suppressions = scanLineComments(text, file.path);
  } catch (err) {
    diagnostics.push({ file: file.path, severity: "error", code: "internal-error", message: `could not be analysed: ${(err as Error).message}` });
  } finally {
    result.parseMs = performance.now() - t0;
  }
  return result;
}
