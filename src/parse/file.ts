/** Parses and indexes one file: the unit of work a worker thread runs. */
import type { Parser } from "web-tree-sitter";
import type { Diagnostic, SourceFile } from "../core/types.js";
import { indexDeployment } from "../index/deploy/index.js";
import { readSource } from "../discover/read.js";
import { scanLineComments } from "../filter/suppress.js";
import type { WireFileResult } from "../index/ir.js";
import { toRange } from "../index/ir.js";
import { indexModule } from "../index/python.js";

const LINE_COMMENT_KINDS = new Set(["deployment"]);

/** Reads, parses and lowers one file. Never throws: failures become diagnostics. */
export function processFile(parser: Parser, file: SourceFile): WireFileResult {
  const t0 = performance.now();
  const diagnostics: Diagnostic[] = [];
  const result: WireFileResult = { path: file.path, lines: 0, suppressions: [], diagnostics, parseMs: 0 };
  try {
    const read = readSource(file);
    diagnostics.push(...read.diagnostics);
    result.lines = read.lines;
    const text = read.text;
    if (text === null) return result;
    if (file.kind === "python") {
      const tree = parser.parse(text);
      if (!tree) {
        diagnostics.push({ file: file.path, severity: "error", code: "parse-failed", message: "the Python parser gave up on this file; it was skipped" });
        return result;
      }
      try {
        const mod = indexModule(tree, file.path, text);
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
        tree.delete();
      }
    } else if (file.kind === "deployment") {
      const dep = indexDeployment(file, text);
      result.deployment = dep.facts;
      diagnostics.push(...dep.diagnostics);
    }
    if (LINE_COMMENT_KINDS.has(file.kind)) result.suppressions = scanLineComments(text, file.path);
  } catch (err) {
    diagnostics.push({ file: file.path, severity: "error", code: "internal-error", message: `could not be analysed: ${(err as Error).message}` });
  } finally {
    result.parseMs = performance.now() - t0;
  }
  return result;
}
