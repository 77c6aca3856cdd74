/**
 * Language-server latency: prints figures, asserts nothing. See bench/README.md ("Language server").
 *
 *   npm run bench:lsp
 *   npm run bench:lsp -- --files 500 --edits 20 --json
 *
 * Generates a Flask project (bench/generate.ts) with one 2,000-line module, starts `flaskwarden lsp
 * --stdio`, opens that module and applies small edits one at a time, timing each from didChange to the
 * publishDiagnostics for the new version: once with no debounce (the server's own work) and once with
 * the default 150 ms debounce (what a user waits). It also times a plain and an incremental parse of
 * the big file in-process, to show what tree-sitter's incremental parsing saves.
 */
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { PublishDiagnosticsParams } from "vscode-languageserver-protocol/node";
import { indexModule } from "../src/index/python.js";
import { blankCommentRuns, editTree } from "../src/parse/file.js";
import { pythonParser } from "../src/parse/treesitter.js";
import { LspClient } from "../test/support/lsp-client.js";
import { generateProject } from "./generate.js";

const { values: args } = parseArgs({
  options: {
    files: { type: "string", default: "500" },
    lines: { type: "string", default: "2000" },
    edits: { type: "string", default: "20" },
    json: { type: "boolean", default: false },
  },
});
const FILES = Number(args.files);
const LINES = Number(args.lines);
const EDITS = Number(args.edits);

/** A blueprint module of about `lines` lines: views reading request data, queries with bound parameters, helpers. */
export function bigModule(lines: number): string {
  const out = [
    '"""Reporting views: one large module, as some projects have."""',
    "import json",
    "",
    "from flask import Blueprint, abort, jsonify, redirect, request, url_for",
    "",
    "from webapp.extensions import db",
    "",
    'bp = Blueprint("reports", __name__, url_prefix="/reports")',
    "",
    "",
    "def _page_size(raw, default=20):",
    "    try:",
    "        return max(1, min(int(raw), 100))",
    "    except (TypeError, ValueError):",
    "        return default",
    "",
  ];
  let i = 0;
  while (out.length < lines - 20) {
    out.push(
      "",
      `@bp.route("/r${i}", methods=["GET", "POST"])`,
      `def report_${i}():`,
      `    """Report number ${i}: filtered rows as JSON."""`,
      '    size = _page_size(request.args.get("size"))',
      '    kind = request.args.get("kind", "all")',
      "    if kind not in (\"all\", \"open\", \"closed\"):",
      "        abort(400)",
      `    rows = db.session.execute(db.text("SELECT id, title FROM report_${i} WHERE kind = :k LIMIT :n"), {"k": kind, "n": size})`,
      "    items = [dict(id=r.id, title=r.title) for r in rows]",
      "    if request.method == \"POST\":",
      `        return redirect(url_for("reports.report_${i}", kind=kind))`,
      '    payload = {"kind": kind, "items": items, "count": len(items)}',
      "    return jsonify(json.loads(json.dumps(payload)))",
      "",
    );
    i++;
  }
  out.push(
    "",
    '@bp.route("/next")',
    "def go_next():",
    '    return redirect(request.args.get("next", "/"))',
  );
  while (out.length < lines) out.push("");
  return `${out.join("\n")}\n`;
}

function stats(samples: number[]): { median: number; p95: number; min: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return { median: at(0.5), p95: at(0.95), min: s[0]!, max: s[s.length - 1]! };
}

const round = (n: number) => Math.round(n * 10) / 10;

interface Pass {
  debounceMs: number;
  incrementalParse: boolean;
  latencyMs: number[];
  firstScanMs: number;
  /** Per analysis after an edit: the server's own timings per stage. */
  stages: Record<string, number[]>;
}

async function pass(root: string, bigPath: string, debounceMs: number, incrementalParse: boolean): Promise<Pass> {
  const client = LspClient.start();
  const uri = pathToFileURL(bigPath).href;
  const t0 = performance.now();
  const first = client.nextDiagnostics(null);
  await client.initialize(root, { debounceMs, incrementalParse });
  await first;
  // The first scan publishes file by file; its analysis notification marks the end.
  const opened = client.nextDiagnostics(uri);
  client.open(bigPath);
  await opened;
  const firstScanMs = performance.now() - t0;
  const latencyMs: number[] = [];
  const stages: Record<string, number[]> = {};
  for (let k = 0; k < EDITS; k++) {
    const doc = client.docs.get(uri)!;
    // Small edits spread through the file: a default page size added to one view's call.
    const target = `_page_size(request.args.get("size"))`;
    let at = -1;
    for (let n = 0, from = 0; n <= (k * 7) % 100; n++) {
      const next = doc.getText().indexOf(target, from);
      if (next < 0) break;
      at = next;
      from = next + 1;
    }
    const version = doc.version + 1;
    const published = client.nextDiagnostics(uri, (p: PublishDiagnosticsParams) => p.version === version);
    const analysed = client.nextAnalysis();
    const start = performance.now();
    const text = `_page_size(request.args.get("size"), ${k + 5})`;
    client.change(uri, [{ range: { start: doc.positionAt(at), end: doc.positionAt(at + target.length) }, text }]);
    await published;
    latencyMs.push(performance.now() - start);
    const a = await analysed;
    for (const [name, v] of Object.entries({ total: a.ms, ...a.timings })) (stages[name] ??= []).push(v);
  }
  await client.shutdown();
  return { debounceMs, incrementalParse, latencyMs, firstScanMs, stages };
}

/** In-process: a fresh parse of the big file against an incremental one after a small edit, plus indexing. */
async function parseFigures(text: string): Promise<Record<string, number>> {
  const parser = await pythonParser();
  const full: number[] = [];
  const incremental: number[] = [];
  const index: number[] = [];
  let before = blankCommentRuns(text);
  let tree = parser.parse(before)!;
  for (let k = 0; k < 30; k++) {
    // One character typed into a docstring somewhere in the file.
    const at = before.indexOf("Report number", (k * 997) % (before.length - 5000)) + 6;
    const after = `${before.slice(0, at)}x${before.slice(at)}`;
    let t = performance.now();
    const fresh = parser.parse(after)!;
    full.push(performance.now() - t);
    fresh.delete();
    t = performance.now();
    editTree(tree, before, after);
    const next = parser.parse(after, tree)!;
    incremental.push(performance.now() - t);
    tree.delete();
    tree = next;
    before = after;
    t = performance.now();
    indexModule(tree, "webapp/reports.py", after);
    index.push(performance.now() - t);
  }
  tree.delete();
  return { fullParseMs: stats(full.slice(5)).median, incrementalParseMs: stats(incremental.slice(5)).median, indexMs: stats(index.slice(5)).median };
}

async function main(): Promise<void> {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "flaskwarden-bench-lsp-")));
  try {
    const gen = generateProject(root, FILES - 1);
    const bigPath = join(root, "webapp", "reports.py");
    const big = bigModule(LINES);
    writeFileSync(bigPath, big);
    process.stderr.write(`generated ${gen.pythonFiles + 1} Python files (${gen.lines + LINES} lines) with a ${LINES}-line module\n`);
    const parse = await parseFigures(big);
    const passes: Pass[] = [];
    for (const [debounce, incremental] of [[0, true], [0, false], [150, true]] as const) {
      process.stderr.write(`editing with debounce ${debounce} ms, incremental parse ${incremental ? "on" : "off"}...\n`);
      passes.push(await pass(root, bigPath, debounce, incremental));
    }
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ files: FILES, lines: LINES, edits: EDITS, parse, passes }, null, 2)}\n`);
      return;
    }
    const out: string[] = [];
    out.push(`Language server: ${FILES} Python files, one of ${LINES} lines, ${EDITS} edits of that file`, "");
    out.push("| debounce | incremental parse | first scan + open | didChange → diagnostics: median | p95 | min | max |", "|---|---|---|---|---|---|---|");
    for (const p of passes) {
      const s = stats(p.latencyMs);
      out.push(`| ${p.debounceMs} ms | ${p.incrementalParse ? "on" : "off"} | ${round(p.firstScanMs)} ms | ${round(s.median)} ms | ${round(s.p95)} ms | ${round(s.min)} ms | ${round(s.max)} ms |`);
    }
    out.push("", "Where the time goes (server side, median per edit, debounce 0, incremental parse on):", "");
    const main = passes[0]!;
    out.push("| stage | median | p95 |", "|---|---|---|");
    for (const [name, v] of Object.entries(main.stages)) {
      const s = stats(v);
      out.push(`| ${name} | ${round(s.median)} ms | ${round(s.p95)} ms |`);
    }
    out.push("", `In-process, the ${LINES}-line file: full parse ${round(parse.fullParseMs!)} ms, incremental parse after a small edit ${round(parse.incrementalParseMs!)} ms, indexing ${round(parse.indexMs!)} ms (medians).`);
    out.push("Target: diagnostics within 150 ms of a change (the issue's figure); see bench/README.md for what these numbers mean.");
    process.stdout.write(`${out.join("\n")}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

// Run only as a script, so other tools can import bigModule.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
