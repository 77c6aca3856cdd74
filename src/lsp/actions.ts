/** Hover text and code actions for findings: the rule's explanation, its autofix, and a suppression comment. */
import type { Node, Parser } from "web-tree-sitter";
import type { TextEdit as LspTextEdit } from "vscode-languageserver/node";
import type { Finding, SourceFile } from "../core/types.js";
import { scanLineComments, scanTemplateComments, type SuppressionComment } from "../filter/suppress.js";
import { planFixes } from "../fix/run.js";
import { indexModule } from "../index/python.js";
import type { Project } from "../link/project.js";
import { blankCommentRuns } from "../parse/file.js";
import { explainMarkdown } from "../rules/docs.js";
import { findRule, RULES } from "../rules/index.js";

/** The finding's own message and context, then the rule's documentation as `flaskwarden explain` prints it. */
export function hoverMarkdown(findings: readonly Finding[]): string {
  return findings
    .map((f) => {
      const rule = findRule(f.ruleId);
      const head = [`**${f.ruleId}** (${f.severity}, ${f.confidence} confidence): ${f.message}`];
      for (const c of f.context) head.push(`- ${c}`);
      return `${head.join("\n\n")}\n\n---\n\n${rule ? explainMarkdown(rule) : f.title}`;
    })
    .join("\n\n---\n\n");
}

/** 0-based line and character of a string offset. */
function positionAt(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, character: offset - lineStart };
}

/** The rule's autofix for one finding as LSP edits of the current text, or null when it has none here. */
export async function fixEdits(project: Project, finding: Finding): Promise<{ title: string; edits: LspTextEdit[] } | null> {
  const rule = findRule(finding.ruleId);
  if (!rule?.autofix) return null;
  const plan = await planFixes(project, [finding], RULES);
  const file = plan.files[0];
  if (!file || file.fixes.length === 0) return null;
  const edits = file.edits.map((e) => ({ range: { start: positionAt(file.before, e.start), end: positionAt(file.before, e.end) }, newText: e.text }));
  return { title: `Fix ${finding.ruleId}: ${file.fixes[0]!.description}`, edits };
}

/** Placeholder reason written by the suppression action; the user replaces it with the real one. */
export const REASON_PLACEHOLDER = "TODO: say why this is safe here";

const STATEMENTS = new Set([
  "expression_statement", "return_statement", "import_statement", "import_from_statement", "future_import_statement",
  "pass_statement", "raise_statement", "assert_statement", "delete_statement", "global_statement", "nonlocal_statement",
  "break_statement", "continue_statement", "print_statement", "exec_statement", "type_alias_statement",
  "function_definition", "class_definition", "decorated_definition", "if_statement", "for_statement", "while_statement",
  "with_statement", "try_statement", "match_statement",
]);

/**
 * An own-line `# flaskwarden: ignore[RULE-ID] reason` comment (`{# ... #}` in a Jinja template) above the
 * statement the finding starts in:
 * such a comment covers the whole next statement (every line of a multi-line call, a compound statement's
 * header), which an end-of-line comment on a continuation line would not. The result is checked with the
 * same code that reads suppressions in a scan; null when the comment would not cover the finding.
 */
export function suppressionEdit(parser: Parser, file: SourceFile, text: string, finding: Finding): LspTextEdit | null {
  const lines = text.split("\n");
  const findingLine = finding.range.start.line;
  let line: number;
  if (file.kind === "python") {
    const tree = parser.parse(blankCommentRuns(text));
    if (!tree) return null;
    try {
      let node: Node | null = tree.rootNode.descendantForPosition({ row: findingLine - 1, column: Math.max(0, finding.range.start.column - 1) });
      while (node && !STATEMENTS.has(node.type)) node = node.parent;
      if (node?.parent?.type === "decorated_definition") node = node.parent;
      line = node ? node.startPosition.row + 1 : findingLine;
    } finally {
      tree.delete();
    }
  } else if (file.kind === "template") {
    // A Jinja comment on its own line covers the next line only.
    line = findingLine;
  } else if (file.kind === "deployment" || (file.kind === "manifest" && !/\.(json|lock)$/.test(file.path))) {
    // A backslash-continued command is covered from its first line.
    line = findingLine;
    while (line > 1 && /\\\s*$/.test(lines[line - 2] ?? "")) line--;
  } else return null;
  const indent = /^[ \t]*/.exec(lines[line - 1] ?? "")![0];
  const eol = (lines[line - 1] ?? "").endsWith("\r") ? "\r\n" : "\n";
  const directive = `flaskwarden: ignore[${finding.ruleId}] ${REASON_PLACEHOLDER}`;
  const comment = `${indent}${file.kind === "template" ? `{# ${directive} #}` : `# ${directive}`}${eol}`;
  const after = [...lines.slice(0, line - 1), comment.slice(0, -1), ...lines.slice(line - 1)].join("\n");
  if (!covers(parser, file, after, line, finding.ruleId, findingLine + 1)) return null;
  return { range: { start: { line: line - 1, character: 0 }, end: { line: line - 1, character: 0 } }, newText: comment };
}

function covers(parser: Parser, file: SourceFile, text: string, commentLine: number, ruleId: string, findingLine: number): boolean {
  let comments: SuppressionComment[];
  if (file.kind === "python") {
    const tree = parser.parse(blankCommentRuns(text));
    if (!tree) return false;
    try {
      comments = indexModule(tree, file.path, text).suppressions;
    } finally {
      tree.delete();
    }
  } else if (file.kind === "template") comments = scanTemplateComments(text, file.path);
  else comments = scanLineComments(text, file.path);
  return comments.some((c) => c.line === commentLine && c.ruleIds?.includes(ruleId) && c.fromLine <= findingLine && findingLine <= c.toLine);
}
