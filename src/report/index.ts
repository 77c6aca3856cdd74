import type { ScanResult } from "../core/types.js";
import type { ReportOptions } from "./common.js";
import { formatHtml } from "./html.js";
import { formatJson } from "./json.js";
import { formatMarkdown } from "./markdown.js";
import { formatSarif } from "./sarif.js";
import { formatText } from "./text.js";

export type { ReportOptions } from "./common.js";
export { formatHtml, formatJson, formatMarkdown, formatSarif, formatText };

export type FormatName = "text" | "json" | "sarif" | "markdown" | "html";

/** Every format name, for CLI validation and help text. */
export const FORMAT_NAMES: readonly FormatName[] = ["text", "json", "sarif", "markdown", "html"];

/** Renders a scan result in the given format; formatters present findings, they never decide what is one. */
export function formatReport(format: FormatName, result: ScanResult, opts: ReportOptions): string {
  switch (format) {
    case "text":
      return formatText(result, opts);
    case "json":
      return formatJson(result, opts);
    case "sarif":
      return formatSarif(result, opts);
    case "markdown":
      return formatMarkdown(result, opts);
    case "html":
      return formatHtml(result, opts);
  }
}
