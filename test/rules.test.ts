/**
 * Annotated rule fixtures. Every directory test/fixtures/rules/<RULE-ID>/<case>/ is a small project that is
 * scanned as a whole; comments in its files say, on the line above, what each line must produce:
 *
 *   # expect: RULE        a finding of RULE starts on the next code line
 *   # ok: RULE            no finding of RULE starts there
 *   # todo-expect: RULE   a known miss: asserted absent, so fixing it forces the annotation to change
 *   # todo-ok: RULE       a known false alarm: asserted present, for the same reason
 *
 * For the fixture's own rule (and any other rule an annotation names) the findings must match the
 * annotations exactly: a finding on an unannotated line fails the case, so fixtures cannot drift.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RULES } from "../src/rules/index.js";
import { at, FIXTURE_ANNOTATION, looksLikeAnnotation, readMarkers, type Marker } from "./support/annotations.js";
import { activeFindings, brokenDiagnostics, listFiles, scanDir } from "./support/scan.js";

const FIXTURES = fileURLToPath(new URL("../../test/fixtures/rules/", import.meta.url));
const RULE_IDS = new Set(RULES.map((r) => r.id));
/** Each rule needs at least this many cases that expect a finding, and as many look-alikes that only say `ok`. */
const MIN_CASES = 4;

interface FixtureCase {
  ruleId: string;
  name: string;
  dir: string;
  markers: Marker[];
  /** Problems with the annotations themselves (typos, unknown rules, markers with nothing below). */
  problems: string[];
}

function subdirs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

function loadCase(ruleId: string, name: string): FixtureCase {
  const dir = join(FIXTURES, ruleId, name);
  const markers: Marker[] = [];
  const problems: string[] = [];
  for (const file of listFiles(dir)) {
    const text = readFileSync(join(dir, file), "utf8");
    const found = readMarkers(text, file, FIXTURE_ANNOTATION);
    markers.push(...found);
    const parsedLines = new Set(found.map((m) => m.markerLine));
    text.split(/\r\n|\r|\n/).forEach((l, i) => {
      if (looksLikeAnnotation(l) && !parsedLines.has(i + 1)) problems.push(`${at(file, i + 1)}: malformed annotation \`${l.trim()}\``);
    });
  }
  for (const m of markers) {
    if (!RULE_IDS.has(m.ruleId)) problems.push(`${at(m.file, m.markerLine)}: unknown rule ${m.ruleId}`);
    if (m.line === null) problems.push(`${at(m.file, m.markerLine)}: \`${m.kind}: ${m.ruleId}\` has no code line below it`);
  }
  // An `expect` and an `ok` for the same rule on one line contradict each other.
  const byTarget = new Map<string, Set<string>>();
  for (const m of markers) {
    if (m.line === null) continue;
    const key = `${at(m.file, m.line)} ${m.ruleId}`;
    const kinds = byTarget.get(key) ?? new Set<string>();
    kinds.add(wantsFinding(m) ? "present" : "absent");
    byTarget.set(key, kinds);
  }
  for (const [key, kinds] of byTarget) if (kinds.size > 1) problems.push(`${key}: contradictory annotations`);
  return { ruleId, name, dir, markers, problems };
}

/** Whether a marker says a finding must be present on its line. */
function wantsFinding(m: Marker): boolean {
  return m.kind === "expect" || m.kind === "todo-ok";
}

function loadCases(): FixtureCase[] {
  const out: FixtureCase[] = [];
  if (!existsSync(FIXTURES)) return out;
  for (const ruleId of subdirs(FIXTURES)) for (const name of subdirs(join(FIXTURES, ruleId))) out.push(loadCase(ruleId, name));
  return out;
}

const CASES = loadCases();

/** Compares a scan with a case's annotations; returns a readable list of every mismatch. */
async function check(c: FixtureCase): Promise<string[]> {
  const out = await scanDir(c.dir);
  const errors = [...c.problems];
  for (const d of brokenDiagnostics(out)) errors.push(`diagnostic ${d.code} in ${d.file || "(global)"}: ${d.message}`);
  const scanned = new Set(out.files.map((f) => f.path));
  for (const file of new Set(c.markers.map((m) => m.file))) {
    if (!scanned.has(file)) errors.push(`${file} holds annotations but the scanner does not read it`);
  }
  const findings = activeFindings(out);
  const compared = new Set([c.ruleId, ...c.markers.map((m) => m.ruleId)]);
  for (const ruleId of [...compared].sort()) {
    const markers = c.markers.filter((m) => m.ruleId === ruleId && m.line !== null);
    const want = new Map<string, Marker>();
    const forbid = new Map<string, Marker>();
    for (const m of markers) (wantsFinding(m) ? want : forbid).set(at(m.file, m.line!), m);
    const got = new Map<string, string>();
    for (const f of findings) if (f.ruleId === ruleId) got.set(at(f.file, f.range.start.line), f.message);
    for (const [where, m] of want) {
      if (!got.has(where)) errors.push(`missing    ${ruleId} at ${where} (${m.kind} on line ${m.markerLine})`);
    }
    for (const [where, message] of got) {
      if (want.has(where)) continue;
      const m = forbid.get(where);
      const why = m ? `despite \`${m.kind}\` on line ${m.markerLine}` : "no `expect` annotation";
      errors.push(`unexpected ${ruleId} at ${where} (${why}): ${message}`);
    }
  }
  return errors;
}

for (const ruleId of subdirs(FIXTURES)) {
  describe(ruleId, () => {
    test("is a rule in the registry", () => {
      assert.ok(RULE_IDS.has(ruleId), `test/fixtures/rules/${ruleId} does not name a rule in RULES`);
    });
    for (const c of CASES.filter((x) => x.ruleId === ruleId)) {
      test(c.name, async () => {
        assert.ok(c.markers.length > 0, `${ruleId}/${c.name} has no annotations, so it checks nothing`);
        const errors = await check(c);
        if (errors.length > 0) assert.fail(`${ruleId}/${c.name}:\n  ${errors.join("\n  ")}`);
      });
    }
  });
}

describe("fixture coverage", () => {
  for (const rule of RULES) {
    test(`${rule.id} has at least ${MIN_CASES} positive and ${MIN_CASES} look-alike cases`, () => {
      const own = CASES.filter((c) => c.ruleId === rule.id);
      const positive = own.filter((c) => c.markers.some((m) => m.ruleId === rule.id && m.kind === "expect"));
      const lookAlike = own.filter((c) => c.markers.every((m) => m.kind === "ok") && c.markers.some((m) => m.ruleId === rule.id));
      assert.ok(positive.length >= MIN_CASES, `${rule.id}: ${positive.length} cases with \`expect\`, need ${MIN_CASES}`);
      assert.ok(lookAlike.length >= MIN_CASES, `${rule.id}: ${lookAlike.length} cases with only \`ok\`, need ${MIN_CASES}`);
    });
  }
});
