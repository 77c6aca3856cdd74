/**
 * A small LSP client for tests and the benchmark: starts `flaskwarden lsp --stdio` as a child process and
 * speaks JSON-RPC to it with vscode-languageserver-protocol, keeping each open document's text in step.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
  type PublishDiagnosticsParams,
  type TextDocumentContentChangeEvent,
} from "vscode-languageserver-protocol/node";
import { TextDocument } from "vscode-languageserver-textdocument";

export const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const BIN = join(REPO, "bin/flaskwarden.js");

interface Waiter {
  uri: string | null;
  pred: (p: PublishDiagnosticsParams) => boolean;
  resolve: (p: PublishDiagnosticsParams) => void;
}

export class LspClient {
  readonly conn: MessageConnection;
  /** The latest diagnostics published for each URI. */
  readonly latest = new Map<string, PublishDiagnosticsParams>();
  readonly docs = new Map<string, TextDocument>();
  readonly stderr: string[] = [];
  /** Capabilities the server registered dynamically (file watchers). */
  readonly registrations: { method: string; registerOptions?: unknown }[] = [];
  private waiters: Waiter[] = [];
  private analysedWaiters: ((p: { ms: number; timings: Record<string, number> }) => void)[] = [];
  readonly exited: Promise<number | null>;

  private constructor(readonly proc: ChildProcess) {
    this.conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    proc.stderr!.on("data", (b: Buffer) => this.stderr.push(b.toString()));
    this.exited = new Promise((resolve) => proc.on("exit", (code) => resolve(code)));
    this.conn.onNotification("textDocument/publishDiagnostics", (p: PublishDiagnosticsParams) => {
      this.latest.set(p.uri, p);
      const hit = this.waiters.filter((w) => (w.uri === null || w.uri === p.uri) && w.pred(p));
      this.waiters = this.waiters.filter((w) => !hit.includes(w));
      for (const w of hit) w.resolve(p);
    });
    this.conn.onNotification("flaskwarden/analysed", (p: { ms: number; timings: Record<string, number> }) => {
      const ws = this.analysedWaiters;
      this.analysedWaiters = [];
      for (const w of ws) w(p);
    });
    this.conn.onNotification("window/logMessage", () => {});
    this.conn.onRequest("client/registerCapability", (p: { registrations: { method: string; registerOptions?: unknown }[] }) => {
      this.registrations.push(...p.registrations);
      return null;
    });
    this.conn.listen();
  }

  static start(): LspClient {
    const proc = spawn(process.execPath, [BIN, "lsp", "--stdio"], { cwd: REPO, stdio: ["pipe", "pipe", "pipe"] });
    return new LspClient(proc);
  }

  async initialize(root: string, initializationOptions: Record<string, unknown> = {}): Promise<unknown> {
    const uri = pathToFileURL(root).href;
    const result = await this.conn.sendRequest("initialize", {
      processId: process.pid,
      rootUri: uri,
      workspaceFolders: [{ uri, name: "project" }],
      capabilities: { workspace: { workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: true } }, textDocument: { publishDiagnostics: { relatedInformation: true, versionSupport: true } } },
      initializationOptions,
    });
    await this.conn.sendNotification("initialized", {});
    return result;
  }

  /**
   * The next diagnostics published for `uri` that satisfy `pred`. Call it before the action that causes
   * them; `timeoutMs` only guards against a hang and fails the test with what was last seen.
   */
  nextDiagnostics(uri: string | null, pred: (p: PublishDiagnosticsParams) => boolean = () => true, timeoutMs = 60_000): Promise<PublishDiagnosticsParams> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching diagnostics for ${uri} within ${timeoutMs} ms; last: ${JSON.stringify(uri ? this.latest.get(uri) : [...this.latest.values()])}\n${this.stderr.join("")}`));
      }, timeoutMs);
      const waiter: Waiter = {
        uri,
        pred,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** The next `flaskwarden/analysed` notification (sent after every analysis, with its timings). */
  nextAnalysis(): Promise<{ ms: number; timings: Record<string, number> }> {
    return new Promise((resolve) => this.analysedWaiters.push(resolve));
  }

  open(path: string, languageId = "python"): string {
    const uri = pathToFileURL(path).href;
    const doc = TextDocument.create(uri, languageId, 1, readFileSync(path, "utf8"));
    this.docs.set(uri, doc);
    void this.conn.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId, version: 1, text: doc.getText() } });
    return uri;
  }

  /** Replaces the first occurrence of `from` with `to` in an open document, sent as an incremental change. */
  replace(uri: string, from: string, to: string): void {
    const doc = this.docs.get(uri)!;
    const text = doc.getText();
    const at = text.indexOf(from);
    if (at < 0) throw new Error(`${JSON.stringify(from)} is not in ${uri}`);
    this.change(uri, [{ range: { start: doc.positionAt(at), end: doc.positionAt(at + from.length) }, text: to }]);
  }

  change(uri: string, changes: TextDocumentContentChangeEvent[]): void {
    const doc = this.docs.get(uri)!;
    const next = TextDocument.update(doc, changes, doc.version + 1);
    this.docs.set(uri, next);
    void this.conn.sendNotification("textDocument/didChange", { textDocument: { uri, version: next.version }, contentChanges: changes });
  }

  close(uri: string): void {
    this.docs.delete(uri);
    void this.conn.sendNotification("textDocument/didClose", { textDocument: { uri } });
  }

  text(uri: string): string {
    return this.docs.get(uri)!.getText();
  }

  async shutdown(): Promise<number | null> {
    await this.conn.sendRequest("shutdown");
    await this.conn.sendNotification("exit");
    const code = await this.exited;
    this.conn.dispose();
    return code;
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill();
    this.conn.dispose();
  }
}
