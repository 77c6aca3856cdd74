/** Renders rule documentation from the rule files: docs/rules/*.md, the catalogue and `explain`. */
import type { RuleMeta } from "./define.js";

function fence(code: string, lang = "python"): string {
  return `\`\`\`${lang}\n${code}\n\`\`\``;
}

/** What `flaskwarden explain` prints and the language server's hover shows: the page without the generator's note. */
export function explainMarkdown(r: RuleMeta): string {
  return ruleMarkdown(r).replace(/^<!--.*-->\n\n/m, "");
}

/** One rule's page, sections in a fixed order. */
export function ruleMarkdown(r: RuleMeta): string {
  const d = r.docs;
  return [
    `# ${r.id}: ${r.title}`,
    "",
    "<!-- Generated from src/rules by `npm run docs`; edit the rule file, not this page. -->",
    "",
    `| Severity | Confidence | CWE | OWASP Top 10 2021 | Tags |`,
    `|---|---|---|---|---|`,
    `| ${r.severity} | ${r.confidence} | ${r.cwe.map((c) => `CWE-${c}`).join(", ")} | ${r.owasp} | ${r.tags.join(", ")} |`,
    "",
    "## What it finds",
    "",
    d.what,
    "",
    "## Why it matters",
    "",
    d.why,
    "",
    "## Example",
    "",
    "Insecure:",
    "",
    fence(d.bad),
    "",
    "Secure:",
    "",
    fence(d.good),
    "",
    "## How it decides",
    "",
    d.detection,
    "",
    "## Fix",
    "",
    r.fix,
    "",
    "## Mitigation",
    "",
    r.mitigation,
    "",
    "## Impact",
    "",
    r.impact,
    "",
    "## False positives",
    "",
    d.falsePositives,
    "",
    "## Suppressing",
    "",
    fence(`# flaskwarden: ignore[${r.id}] reason why this is safe`),
    "",
    "## References",
    "",
    ...d.references.map((u) => `- <${u}>`),
    "",
  ].join("\n");
}

/** The catalogue page listing every rule. */
export function catalogueMarkdown(rules: readonly RuleMeta[]): string {
  return [
    "# Rules",
    "",
    "<!-- Generated from src/rules by `npm run docs`; edit the rule files, not this page. -->",
    "",
    "| ID | Title | Severity | Confidence | CWE | OWASP |",
    "|---|---|---|---|---|---|",
    ...rules.map((r) => `| [${r.id}](${r.id}.md) | ${r.title} | ${r.severity} | ${r.confidence} | ${r.cwe.map((c) => `CWE-${c}`).join(", ")} | ${r.owasp} |`),
    "",
  ].join("\n");
}

/** Every generated docs file: relative path under docs/rules → content. */
export function generatedDocs(rules: readonly RuleMeta[]): Map<string, string> {
  const out = new Map<string, string>();
  out.set("README.md", catalogueMarkdown(rules));
  for (const r of rules) out.set(`${r.id}.md`, ruleMarkdown(r));
  return out;
}
