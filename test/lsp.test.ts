/**
 * The language server, driven as an editor would: `flaskwarden lsp --stdio` in a child process and a
 * JSON-RPC client (vscode-languageserver-protocol) on the other end. A copy of test/fixtures/lsp/project
 * is opened; the published diagnostics are compared with what a fresh CLI scan of the same content reports,
 * before and after edits (including an edit of a helper module that changes a finding in the view that
 * calls it). Every wait is for a specific notification; timeouts only guard against a hang.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import type { CodeAction, Hover, PublishDiagnosticsParams, TextEdit } from "vscode-languageserver-protocol/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { explainMarkdown } from "../src/rules/docs.js";
import { findRule } from "../src/rules/index.js";
import { LspClient, REPO } from "./support/lsp-client.js";

const run = promisify(execFile);
const FIXTURE = join(REPO, "test/fixtures/lsp/project");
const BIN = join(REPO, "bin/flaskwarden.js");
const temps: string[] = [];

function copyFixture(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "flaskwarden-lsp-")));
  temps.push(dir);
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

interface Seen {
  file: string;
  code: string;
  range: string;
  severity: number;
}

const LSP_SEVERITY: Record<string, number> = { critical: 1, high: 1, medium: 2, low: 3, error: 1, warning: 2, info: 3 };
const key = (s: Seen) => `${s.file} ${s.code} ${s.range} ${s.severity}`;
const rangeText = (r: { start: { line: number; character: number }; end: { line: number; character: number } }) => `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;

/** What the CLI reports for a folder, in the language server's terms (0-based ranges, LSP severities). */
async function cliScan(dir: string): Promise<string[]> {
  let stdout: string;
  try {
    stdout = (await run(process.execPath, [BIN, "scan", dir, "--format", "json"], { cwd: REPO })).stdout;
  } catch (err) {
    stdout = (err as { stdout: string }).stdout;
  }
  const report = JSON.parse(stdout) as {
    findings: { ruleId: string; file: string; severity: string; range: { start: { line: number; column: number }; end: { line: number; column: number } }; suppressed?: unknown }[];
    diagnostics: { file: string; code: string; severity: string; range?: { start: { line: number; column: number }; end: { line: number; column: number } } }[];
  };
  const lsp = (r: { start: { line: number; column: number }; end: { line: number; column: number } } | undefined) =>
    r ? rangeText({ start: { line: r.start.line - 1, character: r.start.column - 1 }, end: { line: r.end.line - 1, character: r.end.column - 1 } }) : "0:0-0:0";
  const out: Seen[] = [];
  for (const f of report.findings) if (!f.suppressed) out.push({ file: f.file, code: f.ruleId, range: lsp(f.range), severity: LSP_SEVERITY[f.severity]! });
  for (const d of report.diagnostics) if (d.file !== "") out.push({ file: d.file, code: d.code, range: lsp(d.range), severity: LSP_SEVERITY[d.severity]! });
  return out.map(key).sort();
}

/** What the server has published for a folder, latest notification per file. */
function published(client: LspClient, root: string): string[] {
  const out: Seen[] = [];
  for (const p of client.latest.values()) {
    const file = relative(root, fileURLToPath(p.uri)).split("\\").join("/");
    for (const d of p.diagnostics) out.push({ file, code: String(d.code), range: rangeText(d.range), severity: d.severity! });
  }
  return out.map(key).sort();
}

/** A copy of the project with the client's unsaved buffers written out, scanned by the CLI. */
async function cliScanOfBuffers(client: LspClient, root: string): Promise<string[]> {
  const copy = realpathSync(mkdtempSync(join(tmpdir(), "flaskwarden-lsp-cli-")));
  temps.push(copy);
  cpSync(root, copy, { recursive: true });
  for (const [uri, doc] of client.docs) writeFileSync(join(copy, relative(root, fileURLToPath(uri))), doc.getText());
  return cliScan(copy);
}

const codes = (p: PublishDiagnosticsParams) => p.diagnostics.map((d) => d.code).sort();
const has = (code: string) => (p: PublishDiagnosticsParams) => p.diagnostics.some((d) => d.code === code);
const hasNot = (code: string) => (p: PublishDiagnosticsParams) => !p.diagnostics.some((d) => d.code === code);

after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe("flaskwarden lsp", () => {
  let root: string;
  let client: LspClient;
  let views: string;
  let helpers: string;
  let dockerfile: string;

  before(async () => {
    root = copyFixture();
    views = pathToFileURL(join(root, "shop/views.py")).href;
    helpers = pathToFileURL(join(root, "shop/helpers.py")).href;
    dockerfile = pathToFileURL(join(root, "Dockerfile")).href;
    client = LspClient.start();
  });
  after(() => client.kill());

  test("the first scan publishes the CLI's findings, with rule links, severities and trace steps", async () => {
    const first = client.nextDiagnostics(views, has("FLASK-REDIRECT-001"));
    const docker = client.nextDiagnostics(dockerfile);
    const analysed = client.nextAnalysis();
    const init = (await client.initialize(root, { debounceMs: 20 })) as { capabilities: { hoverProvider: boolean } };
    assert.equal(init.capabilities.hoverProvider, true);
    const p = await first;
    await docker;
    await analysed;
    assert.deepEqual(codes(p), ["FLASK-DESER-001", "FLASK-REDIRECT-001"]);
    const redirect = p.diagnostics.find((d) => d.code === "FLASK-REDIRECT-001")!;
    assert.equal(redirect.source, "flaskwarden");
    assert.equal(redirect.severity, 3, "low maps to Information");
    assert.equal(p.diagnostics.find((d) => d.code === "FLASK-DESER-001")!.severity, 1, "critical maps to Error");
    const href = redirect.codeDescription!.href;
    assert.match(href, /^file:.*\/docs\/rules\/FLASK-REDIRECT-001\.md$/);
    assert.ok(existsSync(fileURLToPath(href)), "the rule's doc page exists where the link points");
    const steps = redirect.relatedInformation!;
    assert.ok(steps.length >= 3);
    assert.ok(steps.some((s) => s.location.uri === helpers && /returned from `tidy`/.test(s.message)), "the trace runs through the helper module");
    assert.deepEqual(published(client, root), await cliScan(root));
    // A finding in a Dockerfile is published on the Dockerfile.
    assert.deepEqual(codes(client.latest.get(dockerfile)!), ["FLASK-DEPLOY-002"]);
    assert.equal(client.latest.get(dockerfile)!.diagnostics[0]!.severity, 1, "high maps to Error");
  });

  test("editing the helper module updates the view's diagnostics, as a fresh scan of the buffers would", async () => {
    const opened = client.nextDiagnostics(helpers);
    client.open(join(root, "shop/helpers.py"));
    assert.deepEqual((await opened).diagnostics, []);
    const cleared = client.nextDiagnostics(views, hasNot("FLASK-REDIRECT-001"));
    client.replace(helpers, "value.strip()", '"/"');
    assert.deepEqual(codes(await cleared), ["FLASK-DESER-001"]);
    assert.deepEqual(published(client, root), await cliScanOfBuffers(client, root));
    // Nothing was saved: the disk still has the flow, and the CLI still reports it there.
    assert.ok((await cliScan(root)).some((k) => k.includes("FLASK-REDIRECT-001")));

    // Typing it back, in two incremental changes (a deletion, then an insertion), brings the finding back.
    const back = client.nextDiagnostics(views, has("FLASK-REDIRECT-001"));
    client.replace(helpers, '"/"', "");
    const doc = client.docs.get(helpers)!;
    const at = doc.getText().indexOf("return ") + "return ".length;
    client.change(helpers, [{ range: { start: doc.positionAt(at), end: doc.positionAt(at) }, text: "value.strip()" }]);
    const p = await back;
    assert.ok(p.diagnostics.find((d) => d.code === "FLASK-REDIRECT-001")!.relatedInformation!.some((s) => s.location.uri === helpers));
    assert.deepEqual(published(client, root), await cliScanOfBuffers(client, root));
  });

  test("an edit that connects a standalone module to the app brings its findings; disconnecting removes them", async () => {
    const tokens = pathToFileURL(join(root, "shop/tokens.py")).href;
    // Only module-level code of a module nothing in the app reaches is checked (src/link/outline.ts).
    assert.ok(!(client.latest.get(tokens)?.diagnostics ?? []).some((d) => d.code === "FLASK-CRYPTO-002"));
    const reported = client.nextDiagnostics(tokens, has("FLASK-CRYPTO-002"));
    // The view's own findings move down a line with the inserted import: waiting for that (not for the next
    // analysis, which may be the one the open started) means the server has published for the edit.
    const deserAt = (line: number) => (p: PublishDiagnosticsParams) => p.diagnostics.some((d) => d.code === "FLASK-DESER-001" && d.range.start.line === line);
    const moved = client.nextDiagnostics(views, deserAt(19));
    client.open(join(root, "shop/views.py"));
    client.replace(views, "from .helpers import tidy", "from .helpers import tidy\nfrom .tokens import make_token  # noqa: F401");
    await reported;
    await moved;
    assert.deepEqual(published(client, root), await cliScanOfBuffers(client, root));
    const gone = client.nextDiagnostics(tokens, hasNot("FLASK-CRYPTO-002"));
    const back = client.nextDiagnostics(views, deserAt(18));
    client.replace(views, "\nfrom .tokens import make_token  # noqa: F401", "");
    await gone;
    await back;
    assert.deepEqual(published(client, root), await cliScanOfBuffers(client, root));
    client.close(views);
  });

  test("a syntax error in the edited file is reported on it, and the rest of the project still analysed", async () => {
    const broken = client.nextDiagnostics(helpers, has("syntax-error"));
    client.replace(helpers, "def tidy(value):", "def tidy(value:");
    await broken;
    assert.deepEqual(published(client, root), await cliScanOfBuffers(client, root));
    const fixed = client.nextDiagnostics(helpers, (p) => p.diagnostics.length === 0);
    client.replace(helpers, "def tidy(value:", "def tidy(value):");
    await fixed;
  });

  test("hover on a finding shows the rule's explanation, as `flaskwarden explain` prints it", async () => {
    const p = client.latest.get(views)!;
    const deser = p.diagnostics.find((d) => d.code === "FLASK-DESER-001")!;
    const hover = (await client.conn.sendRequest("textDocument/hover", { textDocument: { uri: views }, position: deser.range.start })) as Hover;
    const value = (hover.contents as { value: string }).value;
    assert.ok(value.startsWith("**FLASK-DESER-001**"));
    assert.ok(value.includes(explainMarkdown(findRule("FLASK-DESER-001")!)));
    const { stdout } = await run(process.execPath, [BIN, "explain", "FLASK-DESER-001"], { cwd: REPO });
    assert.ok(value.includes(stdout.trimEnd()));
    const nothing = await client.conn.sendRequest("textDocument/hover", { textDocument: { uri: views }, position: { line: 0, character: 0 } });
    assert.equal(nothing, null);
  });

  async function actionsAt(uri: string, code: string): Promise<CodeAction[]> {
    const d = client.latest.get(uri)!.diagnostics.find((x) => x.code === code)!;
    return (await client.conn.sendRequest("textDocument/codeAction", { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } })) as CodeAction[];
  }

  function apply(uri: string, edits: TextEdit[]): void {
    // Sent as incremental changes from the last edit backwards, so each range is still valid when applied.
    const sorted = [...edits].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character);
    client.change(uri, sorted.map((e) => ({ range: e.range, text: e.newText })));
  }

  test("code action: the rule's autofix, applied as a workspace edit, removes the finding", async () => {
    const opened = client.nextDiagnostics(views);
    client.open(join(root, "shop/views.py"));
    await opened;
    const actions = await actionsAt(views, "FLASK-DESER-001");
    const fix = actions.find((a) => a.isPreferred)!;
    assert.match(fix.title, /safe_load/);
    assert.equal(fix.diagnostics![0]!.code, "FLASK-DESER-001");
    const edits = fix.edit!.changes![views]!;
    const expected = TextDocument.applyEdits(client.docs.get(views)!, edits);
    assert.match(expected, /settings = yaml\.safe_load\(request\.get_data\(\)\)/);
    const gone = client.nextDiagnostics(views, hasNot("FLASK-DESER-001"));
    apply(views, edits);
    assert.equal(client.text(views), expected);
    assert.deepEqual(codes(await gone), ["FLASK-REDIRECT-001"]);
    assert.deepEqual(published(client, root), await cliScanOfBuffers(client, root));
  });

  test("code action: a suppression comment above a multi-line statement silences the finding", async () => {
    const actions = await actionsAt(views, "FLASK-REDIRECT-001");
    assert.ok(!actions.some((a) => a.isPreferred), "FLASK-REDIRECT-001 has no autofix");
    const suppress = actions.find((a) => a.title.startsWith("Suppress FLASK-REDIRECT-001"))!;
    const [edit] = suppress.edit!.changes![views]!;
    // The finding is on the statement's second line; the comment goes above the statement's first.
    const lines = client.text(views).split("\n");
    assert.equal(lines[edit!.range.start.line], "    response = (");
    assert.match(edit!.newText, /^ {4}# flaskwarden: ignore\[FLASK-REDIRECT-001\] \S.*\n$/);
    const gone = client.nextDiagnostics(views, hasNot("FLASK-REDIRECT-001"));
    apply(views, [edit!]);
    assert.deepEqual((await gone).diagnostics, []);
    assert.deepEqual(published(client, root), await cliScanOfBuffers(client, root));
  });

  test("code action on a Dockerfile finding: a suppression comment (no autofix there)", async () => {
    const actions = await actionsAt(dockerfile, "FLASK-DEPLOY-002");
    assert.equal(actions.length, 1);
    const [edit] = actions[0]!.edit!.changes![dockerfile]!;
    assert.equal(edit!.range.start.line, 4);
    assert.match(edit!.newText, /^# flaskwarden: ignore\[FLASK-DEPLOY-002\] /);
  });

  test("a finding in a Jinja template is published on the template; its suppression is a Jinja comment", async () => {
    const template = pathToFileURL(join(root, "shop/templates/greet.html")).href;
    assert.deepEqual(codes(client.latest.get(template)!), ["FLASK-XSS-001"]);
    const actions = await actionsAt(template, "FLASK-XSS-001");
    const suppress = actions.find((a) => a.title.startsWith("Suppress FLASK-XSS-001"))!;
    const [edit] = suppress.edit!.changes![template]!;
    assert.equal(edit!.range.start.line, 2);
    assert.match(edit!.newText, /^\{# flaskwarden: ignore\[FLASK-XSS-001\] \S.* #\}\n$/);
    const opened = client.nextDiagnostics(template);
    client.open(join(root, "shop/templates/greet.html"), "jinja-html");
    await opened;
    const gone = client.nextDiagnostics(template, (p) => p.diagnostics.length === 0);
    apply(template, [edit!]);
    await gone;
    assert.deepEqual(published(client, root), await cliScanOfBuffers(client, root));
    const back = client.nextDiagnostics(template, has("FLASK-XSS-001"));
    await client.conn.sendNotification("textDocument/didClose", { textDocument: { uri: template } });
    client.docs.delete(template);
    await back;
  });

  test("config changes are picked up; a broken config is a diagnostic on the config file", async () => {
    const config = join(root, "flaskwarden.toml");
    const configUri = pathToFileURL(config).href;
    const watched = client.registrations.find((r) => r.method === "workspace/didChangeWatchedFiles");
    const globs = (watched?.registerOptions as { watchers: { globPattern: string }[] } | undefined)?.watchers.map((w) => w.globPattern) ?? [];
    assert.ok(globs.includes("**/flaskwarden.toml") && globs.includes("**/pyproject.toml"), "the server asked the client to watch the config files");
    writeFileSync(config, 'ignore = ["FLASK-DEPLOY"]\n');
    const cleared = client.nextDiagnostics(dockerfile, (p) => p.diagnostics.length === 0);
    await client.conn.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: configUri, type: 1 }] });
    await cleared;
    assert.deepEqual(published(client, root), await cliScanOfBuffers(client, root));

    writeFileSync(config, 'ignore = ["FLASK-DEPLOY"]\nfail-on = "sometimes"\n');
    const broken = client.nextDiagnostics(configUri, (p) => p.diagnostics.length > 0);
    await client.conn.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: configUri, type: 2 }] });
    const p = await broken;
    assert.equal(p.diagnostics[0]!.code, "config-error");
    assert.match(p.diagnostics[0]!.message as string, /fail-on/);
    assert.equal(p.diagnostics[0]!.range.start.line, 1, "on the line of the key");
    // The server is still alive and keeps the last valid settings.
    assert.deepEqual(client.latest.get(dockerfile)!.diagnostics, []);
    const hover = await client.conn.sendRequest("textDocument/hover", { textDocument: { uri: views }, position: { line: 0, character: 0 } });
    assert.equal(hover, null);

    rmSync(config);
    const fixed = client.nextDiagnostics(configUri, (q) => q.diagnostics.length === 0);
    const restored = client.nextDiagnostics(dockerfile, has("FLASK-DEPLOY-002"));
    await client.conn.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: configUri, type: 3 }] });
    await fixed;
    await restored;
    assert.deepEqual(published(client, root), await cliScanOfBuffers(client, root));
  });

  test("editing a Dockerfile updates the findings published on it", async () => {
    const opened = client.nextDiagnostics(dockerfile);
    client.open(join(root, "Dockerfile"), "dockerfile");
    assert.deepEqual(codes(await opened), ["FLASK-DEPLOY-002"]);
    const cleared = client.nextDiagnostics(dockerfile, (p) => p.diagnostics.length === 0);
    client.replace(dockerfile, "FLASK_DEBUG=1", "FLASK_DEBUG=0");
    await cleared;
    assert.deepEqual(published(client, root), await cliScanOfBuffers(client, root));
    const back = client.nextDiagnostics(dockerfile, has("FLASK-DEPLOY-002"));
    await client.conn.sendNotification("textDocument/didClose", { textDocument: { uri: dockerfile } });
    client.docs.delete(dockerfile);
    await back;
  });

  test("closing a document goes back to the file on disk", async () => {
    const back = client.nextDiagnostics(views, has("FLASK-DESER-001"));
    await client.conn.sendNotification("textDocument/didClose", { textDocument: { uri: views } });
    client.docs.delete(views);
    const p = await back;
    assert.deepEqual(codes(p), ["FLASK-DESER-001", "FLASK-REDIRECT-001"]);
    assert.equal(readFileSync(join(root, "shop/views.py"), "utf8"), readFileSync(join(FIXTURE, "shop/views.py"), "utf8"));
  });

  test("files created, changed and deleted on disk (not open) are rescanned when the client reports them", async () => {
    const path = join(root, "shop/extra.py");
    const uri = pathToFileURL(path).href;
    const route = '@app.route("/extra")\ndef extra():\n    return redirect(request.args["to"])\n';
    writeFileSync(path, `from flask import redirect, request\n\nfrom . import app\n\n\n${route}`);
    const created = client.nextDiagnostics(uri, has("FLASK-REDIRECT-001"));
    await client.conn.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri, type: 1 }] });
    await created;
    assert.deepEqual(published(client, root), await cliScanOfBuffers(client, root));

    writeFileSync(path, `from flask import redirect, url_for\n\nfrom . import app\n\n\n${route.replace('request.args["to"]', 'url_for("go")')}`);
    const changed = client.nextDiagnostics(uri, (p) => p.diagnostics.length === 0);
    await client.conn.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri, type: 2 }] });
    await changed;

    writeFileSync(path, `from flask import redirect, request\n\nfrom . import app\n\n\n${route}`);
    const again = client.nextDiagnostics(uri, has("FLASK-REDIRECT-001"));
    await client.conn.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri, type: 2 }] });
    await again;
    rmSync(path);
    const deleted = client.nextDiagnostics(uri, (p) => p.diagnostics.length === 0);
    await client.conn.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri, type: 3 }] });
    await deleted;
    assert.deepEqual(published(client, root), await cliScanOfBuffers(client, root));
  });

  test("a workspace folder added later is scanned; removing it clears its diagnostics", async () => {
    const second = copyFixture();
    const secondViews = pathToFileURL(join(second, "shop/views.py")).href;
    const added = client.nextDiagnostics(secondViews, has("FLASK-REDIRECT-001"));
    const folder = { uri: pathToFileURL(second).href, name: "second" };
    await client.conn.sendNotification("workspace/didChangeWorkspaceFolders", { event: { added: [folder], removed: [] } });
    assert.deepEqual(codes(await added), ["FLASK-DESER-001", "FLASK-REDIRECT-001"]);
    const removed = client.nextDiagnostics(secondViews, (p) => p.diagnostics.length === 0);
    await client.conn.sendNotification("workspace/didChangeWorkspaceFolders", { event: { added: [], removed: [folder] } });
    await removed;
  });

  test("a file opened with no workspace folder is analysed in its own project (found by its markers)", async () => {
    const loose = copyFixture();
    const single = LspClient.start();
    try {
      await single.conn.sendRequest("initialize", {
        processId: process.pid,
        rootUri: null,
        workspaceFolders: null,
        capabilities: { textDocument: { publishDiagnostics: { relatedInformation: true, versionSupport: true } } },
        initializationOptions: { debounceMs: 20 },
      });
      await single.conn.sendNotification("initialized", {});
      const looseViews = pathToFileURL(join(loose, "shop/views.py")).href;
      const seen = single.nextDiagnostics(looseViews, has("FLASK-REDIRECT-001"));
      single.open(join(loose, "shop/views.py"));
      // The trace through the helper module shows the whole project was scanned, not just the open file.
      const p = await seen;
      assert.deepEqual(codes(p), ["FLASK-DESER-001", "FLASK-REDIRECT-001"]);
      const helper = pathToFileURL(join(loose, "shop/helpers.py")).href;
      assert.ok(p.diagnostics.find((d) => d.code === "FLASK-REDIRECT-001")!.relatedInformation!.some((s) => s.location.uri === helper));
    } finally {
      await single.shutdown();
    }
  });

  test("a baseline file that cannot be read is a diagnostic on the config's baseline key; findings are still shown", async () => {
    const dir = copyFixture();
    writeFileSync(join(dir, "flaskwarden.toml"), '# findings accepted earlier\nbaseline = "accepted.json"\n');
    const own = LspClient.start();
    try {
      const configUri = pathToFileURL(join(dir, "flaskwarden.toml")).href;
      const onConfig = own.nextDiagnostics(configUri, (p) => p.diagnostics.length > 0);
      const onViews = own.nextDiagnostics(pathToFileURL(join(dir, "shop/views.py")).href, has("FLASK-REDIRECT-001"));
      await own.initialize(dir, { debounceMs: 20 });
      const p = await onConfig;
      assert.match(p.diagnostics[0]!.message as string, /baseline .*accepted\.json.*does not exist/);
      assert.equal(p.diagnostics[0]!.range.start.line, 1, "on the line of the baseline key");
      assert.deepEqual(codes(await onViews), ["FLASK-DESER-001", "FLASK-REDIRECT-001"]);
    } finally {
      await own.shutdown();
    }
  });

  test("with nested workspace folders a file's diagnostics come from the innermost folder only", async () => {
    const outer = copyFixture();
    const inner = join(outer, "shop");
    const nested = LspClient.start();
    try {
      const analysed = new Set<string>();
      const both = (async () => {
        while (analysed.size < 2) analysed.add(((await nested.nextAnalysis()) as unknown as { folder: string }).folder);
      })();
      await nested.conn.sendRequest("initialize", {
        processId: process.pid,
        rootUri: pathToFileURL(outer).href,
        workspaceFolders: [pathToFileURL(outer).href, pathToFileURL(inner).href].map((uri, i) => ({ uri, name: `f${i}` })),
        capabilities: { workspace: { workspaceFolders: true }, textDocument: { publishDiagnostics: { relatedInformation: true, versionSupport: true } } },
        initializationOptions: { debounceMs: 20 },
      });
      await nested.conn.sendNotification("initialized", {});
      await both;
      // Scanned as a project of its own, `shop` has no app-wide findings on its __init__.py; the outer
      // folder's analysis has some, and must not publish them over the inner folder's (empty) list.
      const init = nested.latest.get(pathToFileURL(join(inner, "__init__.py")).href);
      assert.deepEqual(init?.diagnostics ?? [], []);
      assert.deepEqual(codes(nested.latest.get(pathToFileURL(join(inner, "views.py")).href)!), ["FLASK-DESER-001", "FLASK-REDIRECT-001"]);
      // Files of the outer folder only are still the outer folder's to publish.
      assert.deepEqual(codes(nested.latest.get(pathToFileURL(join(outer, "Dockerfile")).href)!), ["FLASK-DEPLOY-002"]);
    } finally {
      await nested.shutdown();
    }
  });

  test("shutdown and exit end the process with code 0", async () => {
    assert.equal(await client.shutdown(), 0);
  });
});
