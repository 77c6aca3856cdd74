import type * as Sarif from "sarif";
import { postureJson } from "./json.js";
import type { Diagnostic, Finding, Range, ScanResult, Severity, TraceStep } from "../core/types.js";
import type { RuleMeta } from "../rules/define.js";
import { fencedCode, pascalCase, sortedFindings } from "./common.js";
import type { ReportOptions } from "./common.js";

const INFORMATION_URI = "https://github.com/flaskwarden/flaskwarden";
const RULE_DOC_BASE = "https://github.com/flaskwarden/flaskwarden/blob/main/docs/rules/";
const SRCROOT = "%SRCROOT%";

/** Result level for a finding severity. */
export function sarifLevel(severity: Severity): Sarif.Result.level {
  return severity === "critical" || severity === "high" ? "error" : severity === "medium" ? "warning" : "note";
}

/** GitHub code scanning reads this number to bucket alerts (>= 9 critical, >= 7 high, >= 4 medium). */
export function securitySeverity(severity: Severity): string {
  return { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" }[severity];
}

function problemSeverity(severity: Severity): "error" | "warning" | "recommendation" {
  return severity === "critical" || severity === "high" ? "error" : severity === "medium" ? "warning" : "recommendation";
}

/** Relative path as a URI reference: each segment percent-encoded so spaces, '#', '%' stay valid. */
function pathUri(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** Keeps a region valid even if a stage hands over an inverted or zero-based range. */
function region(r: Range): Sarif.Region {
  const startLine = Math.max(1, r.start.line);
  const startColumn = Math.max(1, r.start.column);
  const endLine = Math.max(startLine, r.end.line);
  const endColumn = endLine === startLine ? Math.max(startColumn, r.end.column) : Math.max(1, r.end.column);
  return { startLine, startColumn, endLine, endColumn };
}

function physical(file: string, r: Range | undefined): Sarif.PhysicalLocation {
  const loc: Sarif.PhysicalLocation = { artifactLocation: { uri: pathUri(file), uriBaseId: SRCROOT } };
  if (r) loc.region = region(r);
  return loc;
}

function ruleHelp(rule: RuleMeta): { text: string; markdown: string } {
  const d = rule.docs;
  const text = [
    d.what,
    `Why it matters: ${d.why}`,
    `Insecure example:\n${d.bad}`,
    `Safer example:\n${d.good}`,
    `Fix: ${rule.fix}`,
  ].join("\n\n");
  const markdown = [
    d.what,
    "## Why it matters",
    d.why,
    "## Insecure example",
    fencedCode(d.bad),
    "## Safer example",
    fencedCode(d.good),
    "## Fix",
    rule.fix,
    ...(d.references.length > 0 ? ["## References", d.references.map((r) => `- ${r}`).join("\n")] : []),
  ].join("\n\n");
  return { text, markdown };
}

function descriptor(rule: RuleMeta): Sarif.ReportingDescriptor {
  return {
    id: rule.id,
    name: pascalCase(rule.title),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.docs.what },
    help: ruleHelp(rule),
    helpUri: `${RULE_DOC_BASE}${encodeURIComponent(rule.id)}.md`,
    defaultConfiguration: { level: sarifLevel(rule.severity) },
    properties: {
      tags: ["security", ...rule.tags, ...rule.cwe.map((n) => `external/cwe/cwe-${n}`)],
      // Our confidence levels use the same words as SARIF's precision property.
      precision: rule.confidence,
      "security-severity": securitySeverity(rule.severity),
      "problem.severity": problemSeverity(rule.severity),
    },
  };
}

function excerptRegion(f: Finding): Sarif.Region | undefined {
  const { startLine, lines } = f.excerpt;
  if (lines.length === 0) return undefined;
  return { startLine, endLine: startLine + lines.length - 1, snippet: { text: lines.join("\n") } };
}

function threadFlowLocation(s: TraceStep): Sarif.ThreadFlowLocation {
  return { location: { physicalLocation: physical(s.file, s.range), message: { text: s.message } } };
}

function result(f: Finding, ruleIndex: Map<string, number>): Sarif.Result {
  const phys = physical(f.file, f.range);
  phys.region!.snippet = { text: f.evidence };
  const context = excerptRegion(f);
  if (context) phys.contextRegion = context;
  const out: Sarif.Result = {
    ruleId: f.ruleId,
    level: sarifLevel(f.severity),
    message: { text: f.message },
    locations: [{ physicalLocation: phys }],
    partialFingerprints: { "flaskwarden/v1": f.fingerprint },
    properties: {
      severity: f.severity,
      confidence: f.confidence,
      impact: f.impact,
      fix: f.fix,
      mitigation: f.mitigation,
      falsePositiveNotes: f.falsePositiveNotes,
      context: [...f.context],
      owasp: f.owasp,
      "security-severity": securitySeverity(f.severity),
    },
  };
  // A finding whose rule is not in opts.rules gets no index rather than a wrong one.
  const index = ruleIndex.get(f.ruleId);
  if (index !== undefined) out.ruleIndex = index;
  if (f.trace && f.trace.length > 0) {
    out.codeFlows = [{ threadFlows: [{ locations: f.trace.map(threadFlowLocation) }] }];
  }
  if (f.suppressed) {
    out.suppressions = [
      {
        kind: "inSource",
        justification: f.suppressed.reason,
        location: { physicalLocation: { artifactLocation: { uri: pathUri(f.suppressed.file), uriBaseId: SRCROOT }, region: { startLine: Math.max(1, f.suppressed.line) } } },
      },
    ];
  }
  return out;
}

function notification(d: Diagnostic): Sarif.Notification {
  const level: Sarif.Notification.level = d.severity === "info" ? "note" : d.severity;
  const out: Sarif.Notification = { level, message: { text: d.message }, descriptor: { id: d.code } };
  if (d.file !== "") out.locations = [{ physicalLocation: physical(d.file, d.range) }];
  return out;
}

/** SARIF 2.1.0 log with one run; suppressed findings are kept and marked, as the format expects. */
export function formatSarif(res: ScanResult, opts: ReportOptions): string {
  const rules = [...opts.rules].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const run: Sarif.Run = {
    tool: {
      driver: {
        name: "flaskwarden",
        fullName: `flaskwarden ${opts.toolVersion}`,
        version: opts.toolVersion,
        semanticVersion: opts.toolVersion,
        informationUri: INFORMATION_URI,
        rules: rules.map(descriptor),
      },
    },
    invocations: [{ executionSuccessful: true, toolExecutionNotifications: res.diagnostics.map(notification) }],
    results: sortedFindings(res.findings).map((f) => result(f, ruleIndex)),
    columnKind: "utf16CodeUnits",
  };
  // The posture is not a result (nothing to point at a line for most items): run properties carry it.
  if (res.posture) run.properties = { posture: postureJson(res.posture) };
  if (opts.rootUri !== undefined) {
    const uri = opts.rootUri.endsWith("/") ? opts.rootUri : `${opts.rootUri}/`;
    run.originalUriBaseIds = { [SRCROOT]: { uri } };
  }
  const log: Sarif.Log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [run],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
