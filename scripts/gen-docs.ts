/** Writes docs/rules/*.md from the rule files; `--check` exits 1 when the committed docs are stale. */
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generatedDocs } from "../src/rules/docs.js";
import { RULES } from "../src/rules/index.js";

// fileURLToPath, not .pathname, so a checkout under a folder with spaces or non-ASCII letters works.
const dir = fileURLToPath(new URL("../../docs/rules/", import.meta.url));
const check = process.argv.includes("--check");
const want = generatedDocs(RULES);
const stale: string[] = [];
if (!check) mkdirSync(dir, { recursive: true });
for (const [name, content] of want) {
  const path = join(dir, name);
  const have = existsSync(path) ? readFileSync(path, "utf8") : null;
  if (have === content) continue;
  stale.push(name);
  if (!check) writeFileSync(path, content);
}
for (const name of existsSync(dir) ? readdirSync(dir) : []) {
  if (name.endsWith(".md") && !want.has(name)) {
    stale.push(name);
    if (!check) unlinkSync(join(dir, name));
  }
}
if (check && stale.length > 0) {
  console.error(`docs/rules is stale (${stale.join(", ")}); run \`npm run docs\` and commit the result.`);
  process.exit(1);
}
console.log(stale.length ? `updated ${stale.join(", ")}` : "docs/rules is up to date");
