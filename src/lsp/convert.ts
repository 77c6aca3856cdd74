/** Findings and scan diagnostics as LSP diagnostics: positions, severities, rule links, trace steps. */
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic, type Range as LspRange } from "vscode-languageserver/node";
import type { Diagnostic, Finding, Range, Severity } from "../core/types.js";

export const SOURCE = "flaskwarden";

/** The installed package's root (dist/src/lsp/ is three levels below it). */
const PACKAGE_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * Where a rule's documentation lives: `docs/rules/RULE-ID.md` of the installed package as a file URL,
 * or under `base` (the `docsBaseUrl` initialisation option, e.g. a repository's web view) when given.
 */
export function ruleDocUrl(ruleId: string, base?: string): string {
  if (base) return `${base.replace(/\/+$/, "")}/${ruleId}.md`;
  return pathToFileURL(join(PACKAGE_ROOT, "docs", "rules", `${ruleId}.md`)).href;
}

/** Our ranges are 1-based lines and columns with an exclusive end column; LSP's are 0-based. */
export function toLspRange(r: Range): LspRange {
  const start = { line: Math.max(0, r.start.line - 1), character: Math.max(0, r.start.column - 1) };
  const end = { line: Math.max(0, r.end.line - 1), character: Math.max(0, r.end.column - 1) };
  return end.line < start.line || (end.line === start.line && end.character < start.character) ? { start, end: start } : { start, end };
}

const FINDING_SEVERITY: Record<Severity, DiagnosticSeverity> = {
  critical: DiagnosticSeverity.Error,
  high: DiagnosticSeverity.Error,
  medium: DiagnosticSeverity.Warning,
  low: DiagnosticSeverity.Information,
};

const DIAGNOSTIC_SEVERITY: Record<Diagnostic["severity"], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** `uriOf` turns a path relative to the scan root into the URI the client knows the file by. */
export function findingToLsp(f: Finding, uriOf: (rel: string) => string, docsBase?: string): LspDiagnostic {
  const d: LspDiagnostic = {
    range: toLspRange(f.range),
    severity: FINDING_SEVERITY[f.severity],
    code: f.ruleId,
    codeDescription: { href: ruleDocUrl(f.ruleId, docsBase) },
    source: SOURCE,
    message: f.message,
    data: { fingerprint: f.fingerprint },
  };
  if (f.trace && f.trace.length > 0) {
    d.relatedInformation = f.trace.map((s) => ({ location: { uri: uriOf(s.file), range: toLspRange(s.range) }, message: s.message }));
  }
  return d;
}

/** A problem with the input (syntax error, unused suppression, skipped file) as a diagnostic on that file. */
export function scanDiagnosticToLsp(d: Diagnostic): LspDiagnostic {
  const range = d.range ? toLspRange(d.range) : { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  return { range, severity: DIAGNOSTIC_SEVERITY[d.severity], code: d.code, source: SOURCE, message: d.message };
}
