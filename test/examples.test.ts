/**
 * The example apps as end-to-end fixtures. examples/vulnerable-app marks each deliberate issue with
 * `# VULN: RULE why` (`{# VULN: ... #}` in templates) above the offending line, and look-alikes with
 * `# SAFE: RULE why`; for every rule in the registry the findings must be exactly the VULN lines.
 * examples/hardened-app fixes every issue and must scan clean. Markers of rules that do not exist yet are ignored.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RULES } from "../src/rules/index.js";
import type { ScanOutput } from "../src/scan.js";
import { at, EXAMPLE_MARKER, readFileMarkers, type Marker } from "./support/annotations.js";
import { activeFindings, brokenDiagnostics, listFiles, scanDir } from "./support/scan.js";

const EXAMPLES = fileURLToPath(new URL("../../examples/", import.meta.url));
const VULNERABLE = join(EXAMPLES, "vulnerable-app");
const HARDENED = join(EXAMPLES, "hardened-app");

/** Markers in every file of the app but its Markdown prose (which quotes the marker syntax). */
function markersOf(dir: string): Marker[] {
  return listFiles(dir)
    .filter((f) => !f.endsWith(".md"))
    .flatMap((f) => readFileMarkers(join(dir, ...f.split("/")), f, EXAMPLE_MARKER));
}

describe("examples/vulnerable-app", () => {
  let scanned: Promise<{ out: ScanOutput; markers: Marker[] }> | undefined;
  const load = () => (scanned ??= scanDir(VULNERABLE).then((out) => ({ out, markers: markersOf(VULNERABLE) })));

  test("scans without broken files and every marker sits above a line", async () => {
    const { out, markers } = await load();
    assert.deepEqual(brokenDiagnostics(out), []);
    assert.ok(markers.some((m) => m.kind === "VULN"), "no VULN markers found: the marker syntax or the file list changed");
    assert.deepEqual(
      markers.filter((m) => m.line === null).map((m) => at(m.file, m.markerLine)),
      [],
    );
  });

  for (const rule of RULES) {
    test(`${rule.id}: findings are exactly the VULN-marked lines`, async () => {
      const { out, markers } = await load();
      const mine = markers.filter((m) => m.ruleId === rule.id && m.line !== null);
      const vuln = new Map(mine.filter((m) => m.kind === "VULN").map((m) => [at(m.file, m.line!), m]));
      const safe = new Map(mine.filter((m) => m.kind === "SAFE").map((m) => [at(m.file, m.line!), m]));
      const got = new Map(activeFindings(out).filter((f) => f.ruleId === rule.id).map((f) => [at(f.file, f.range.start.line), f.message]));
      const errors: string[] = [];
      for (const [where, m] of vuln) if (!got.has(where)) errors.push(`missing    at ${where}: ${m.note}`);
      for (const [where, message] of got) {
        if (vuln.has(where)) continue;
        const m = safe.get(where);
        errors.push(`unexpected at ${where}${m ? ` (marked SAFE: ${m.note})` : ""}: ${message}`);
      }
      if (errors.length > 0) assert.fail(`${rule.id} in examples/vulnerable-app:\n  ${errors.join("\n  ")}`);
    });
  }
});

describe("examples/hardened-app", () => {
  test("has no findings", async () => {
    const out = await scanDir(HARDENED);
    assert.deepEqual(brokenDiagnostics(out), []);
    const findings = activeFindings(out).map((f) => `${f.ruleId} at ${at(f.file, f.range.start.line)}: ${f.message}`);
    assert.deepEqual(findings, []);
  });
});
