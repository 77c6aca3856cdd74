/**
 * Precision and recall of every rule on its annotated fixture corpus (test/fixtures/rules/<RULE>/).
 *
 *   npm run accuracy                 every rule
 *   npm run accuracy -- FLASK-SSRF-001 FLASK-PATH-001
 *   npm run accuracy -- --json
 *
 * Counts, per rule: true positives (`expect` lines with a finding), false negatives (`expect` or
 * `todo-expect` lines without one), false positives (findings on `ok`/`todo-ok` lines or on lines no
 * annotation mentions) and true negatives (`ok` lines without a finding). `todo-*` annotations are the
 * corpus's known misses, so they count against the rule here even though the tests accept them.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RULES } from "../src/rules/index.js";
import { at, FIXTURE_ANNOTATION, readMarkers, type Marker } from "../test/support/annotations.js";
import { activeFindings, listFiles, scanDir } from "../test/support/scan.js";

const FIXTURES = fileURLToPath(new URL("../../test/fixtures/rules/", import.meta.url));

interface Counts {
  rule: string;
  cases: number;
  tp: number;
  fn: number;
  fp: number;
  tn: number;
  misses: string[];
  falseAlarms: string[];
}

function dirs(d: string): string[] {
  return existsSync(d) ? readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort() : [];
}

async function measure(rule: string): Promise<Counts> {
  const c: Counts = { rule, cases: 0, tp: 0, fn: 0, fp: 0, tn: 0, misses: [], falseAlarms: [] };
  for (const name of dirs(join(FIXTURES, rule))) {
    const dir = join(FIXTURES, rule, name);
    const markers: Marker[] = [];
    for (const f of listFiles(dir)) markers.push(...readMarkers(readFileSync(join(dir, f), "utf8"), f, FIXTURE_ANNOTATION));
    const mine = markers.filter((m) => m.ruleId === rule && m.line !== null);
    if (mine.length === 0) continue;
    c.cases++;
    const out = await scanDir(dir);
    const found = new Set(activeFindings(out).filter((f) => f.ruleId === rule).map((f) => at(f.file, f.range.start.line)));
    const annotated = new Set<string>();
    for (const m of mine) {
      const where = at(m.file, m.line!);
      annotated.add(where);
      const hit = found.has(where);
      const shouldHit = m.kind === "expect" || m.kind === "todo-expect";
      if (shouldHit && hit) c.tp++;
      else if (shouldHit) {
        c.fn++;
        c.misses.push(`${name}/${where}${m.note ? ` ${m.note.trim()}` : ""}`);
      } else if (hit) {
        c.fp++;
        c.falseAlarms.push(`${name}/${where}${m.note ? ` ${m.note.trim()}` : ""}`);
      } else c.tn++;
    }
    for (const where of found) {
      if (annotated.has(where)) continue;
      c.fp++;
      c.falseAlarms.push(`${name}/${where} (not annotated)`);
    }
  }
  return c;
}

const args = process.argv.slice(2);
const json = args.includes("--json");
const wanted = args.filter((a) => !a.startsWith("--"));
const rules = RULES.map((r) => r.id).filter((id) => wanted.length === 0 || wanted.includes(id));
const results: Counts[] = [];
for (const r of rules) results.push(await measure(r));
const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);
if (json) {
  console.log(JSON.stringify(results.map((r) => ({ ...r, precision: ratio(r.tp, r.tp + r.fp), recall: ratio(r.tp, r.tp + r.fn) })), null, 2));
} else {
  console.log(`${"rule".padEnd(20)} ${"cases".padStart(5)} ${"TP".padStart(4)} ${"FN".padStart(4)} ${"FP".padStart(4)} ${"TN".padStart(4)} ${"precision".padStart(9)} ${"recall".padStart(7)}`);
  for (const r of results) {
    console.log(`${r.rule.padEnd(20)} ${String(r.cases).padStart(5)} ${String(r.tp).padStart(4)} ${String(r.fn).padStart(4)} ${String(r.fp).padStart(4)} ${String(r.tn).padStart(4)} ${ratio(r.tp, r.tp + r.fp).toFixed(3).padStart(9)} ${ratio(r.tp, r.tp + r.fn).toFixed(3).padStart(7)}`);
  }
  for (const r of results) {
    for (const m of r.misses) console.log(`  miss        ${r.rule} ${m}`);
    for (const m of r.falseAlarms) console.log(`  false alarm ${r.rule} ${m}`);
  }
}
