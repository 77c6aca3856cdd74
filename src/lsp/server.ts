/**
 * `flaskwarden lsp`: a language server over stdio. Diagnostics on open, change (debounced) and save;
 * hover with the rule's explanation; code actions for the rule's autofix and for a suppression comment;
 * the CLI's config files, watched and reloaded. See ARCHITECTURE.md ("Language server").
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  CodeActionKind,
  createConnection,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  StreamMessageReader,
  StreamMessageWriter,
  TextDocuments,
  TextDocumentSyncKind,
  type CodeAction,
  type Connection,
  type Diagnostic as LspDiagnostic,
  type InitializeParams,
  type InitializeResult,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { ConfigError } from "../config/types.js";
import type { Finding } from "../core/types.js";
import { classify } from "../discover/classify.js";
import { pythonParser } from "../parse/treesitter.js";
import { fixEdits, hoverMarkdown, suppressionEdit } from "./actions.js";
import { findingToLsp, scanDiagnosticToLsp, SOURCE, toLspRange } from "./convert.js";
import { Workspace } from "./workspace.js";

/** Settings a client may pass as `initializationOptions`. */
export interface ServerOptions {
  /** Quiet time after the last change before analysing, in milliseconds (default 150). */
  debounceMs?: number;
  /** Base URL for rule documentation links (default: the installed package's docs/rules as file URLs). */
  docsBaseUrl?: string;
  /** Reuse an open document's last syntax tree when it changes (default true). */
  incrementalParse?: boolean;
}

/** Sent after each analysis with its timings, for benchmarks and curious clients. */
export const ANALYSED_NOTIFICATION = "flaskwarden/analysed";

const CONFIG_NAMES = new Set(["flaskwarden.toml", ".flaskwarden.toml", "pyproject.toml"]);

interface State {
  ws: Workspace;
  timer: ReturnType<typeof setTimeout> | null;
  running: Promise<void> | null;
  /** URI → the JSON of what was last published for it. */
  published: Map<string, string>;
  /** Open documents changed since their diagnostics were last published. */
  edited: Set<string>;
  /** A full scan (start, config change) in progress; analyses wait for it. */
  scanning: Promise<void> | null;
}

/** Files whose folder is a project's root (the nearest one above a file opened outside every workspace folder). */
const ROOT_MARKERS = ["flaskwarden.toml", ".flaskwarden.toml", "pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", "Pipfile", ".git"];

/** The project a loose file belongs to: the nearest folder above it holding a project marker, else its own folder. */
export function projectRootOf(file: string): string {
  const own = dirname(file);
  for (let dir = own; ; dir = dirname(dir)) {
    if (ROOT_MARKERS.some((m) => existsSync(join(dir, m)))) return dir;
    if (dirname(dir) === dir) return own;
  }
}

export function startServer(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Connection {
  const connection = createConnection(new StreamMessageReader(input), new StreamMessageWriter(output));
  const documents = new TextDocuments(TextDocument);
  const states: State[] = [];
  let options: ServerOptions = {};
  let debounceMs = 150;
  let watchRegistration = false;

  const log = (msg: string) => connection.console.log(`flaskwarden: ${msg}`);

  /** The workspace a URI belongs to (the innermost folder holding it) and its path there. */
  function target(uri: string): { st: State; rel: string } | null {
    if (!uri.startsWith("file:")) return null;
    const fsPath = fileURLToPath(uri);
    let best: { st: State; rel: string } | null = null;
    for (const st of states) {
      const rel = st.ws.relPath(fsPath);
      if (rel !== null && (!best || st.ws.folder.length > best.st.ws.folder.length)) best = { st, rel };
    }
    return best;
  }

  /** The URI the client knows a file by: the one it opened, else one built from the path. */
  function uriOf(ws: Workspace, rel: string): string {
    const built = pathToFileURL(ws.absPath(rel)).href;
    for (const d of documents.all()) {
      const t = target(d.uri);
      if (t && t.st.ws === ws && t.rel === rel) return d.uri;
    }
    return built;
  }

  function schedule(st: State, delay: number): void {
    if (st.timer) clearTimeout(st.timer);
    st.timer = setTimeout(() => {
      st.timer = null;
      void run(st);
    }, delay);
  }

  /** Analyses until nothing is stale; one analysis at a time per workspace. */
  function run(st: State): Promise<void> {
    if (st.running) return st.running.then(() => (st.ws.stale ? run(st) : undefined));
    st.running = (async () => {
      try {
        for (;;) {
          // A full scan replaces the files and their indexes; analysing halfway through it would publish a mix.
          while (st.scanning) await st.scanning;
          if (!st.ws.stale) break;
          const t0 = performance.now();
          // What this analysis covers: edits that arrive while it runs are for the next round. With the
          // parser loaded, nothing below waits for I/O before the edited texts are read.
          await pythonParser();
          const edited = new Set(st.edited);
          st.edited.clear();
          const versions = new Map(documents.all().map((d) => [d.uri, d.version]));
          const analysis = await st.ws.analyse();
          publish(st, edited, versions);
          connection.sendNotification(ANALYSED_NOTIFICATION, { folder: st.ws.folder, ms: performance.now() - t0, timings: analysis.timings });
        }
      } catch (err) {
        connection.console.error(`flaskwarden: analysis failed: ${(err as Error).stack ?? err}`);
      } finally {
        st.running = null;
      }
    })();
    return st.running;
  }

  /** Settles pending work before answering a request about the current text. */
  async function settle(st: State): Promise<void> {
    if (st.timer) {
      clearTimeout(st.timer);
      st.timer = null;
      await run(st);
    } else if (st.running) await st.running;
    if (st.ws.stale) await run(st);
  }

  function publish(st: State, edited: Set<string>, versions: Map<string, number>): void {
    const ws = st.ws;
    const analysis = ws.last;
    if (!analysis) return;
    const byUri = new Map<string, LspDiagnostic[]>();
    const owner = new Map<string, boolean>();
    const add = (uri: string, d: LspDiagnostic) => {
      // With nested workspace folders a file belongs to the innermost one; the outer folder's analysis
      // must not publish over it (the client keeps only the last list per file).
      let mine = owner.get(uri);
      if (mine === undefined) {
        const t = target(uri);
        owner.set(uri, (mine = !t || t.st === st));
      }
      if (!mine) return;
      const list = byUri.get(uri);
      if (list) list.push(d);
      else byUri.set(uri, [d]);
    };
    const uris = new Map<string, string>();
    const uri = (rel: string) => {
      let u = uris.get(rel);
      if (!u) uris.set(rel, (u = uriOf(ws, rel)));
      return u;
    };
    for (const f of analysis.findings) if (!f.suppressed) add(uri(f.file), findingToLsp(f, uri, options.docsBaseUrl));
    for (const d of analysis.diagnostics) {
      if (d.file === "") log(d.message);
      else add(uri(d.file), scanDiagnosticToLsp(d));
    }
    if (ws.baselineError) {
      const file = ws.configFile ?? ws.baselineError.file;
      if (file) add(pathToFileURL(file).href, configDiagnostic(ws.baselineError, file));
      else log(ws.baselineError.message);
    }
    if (ws.configError) {
      const file = ws.configError.file ?? ws.configFile;
      if (file) add(pathToFileURL(file).href, configDiagnostic(ws.configError, file));
      else log(ws.configError.message);
    }
    const next = new Map<string, string>();
    for (const [u, list] of byUri) next.set(u, JSON.stringify(list));
    for (const [u, json] of next) {
      if (st.published.get(u) === json && !edited.has(u)) continue;
      const version = versions.get(u);
      connection.sendDiagnostics({ uri: u, diagnostics: byUri.get(u)!, ...(version !== undefined ? { version } : {}) });
    }
    // Files whose findings are gone get an empty list, which clears them in the editor.
    for (const u of st.published.keys()) if (!next.has(u)) connection.sendDiagnostics({ uri: u, diagnostics: [], ...(versions.has(u) ? { version: versions.get(u) } : {}) });
    for (const u of edited) if (!next.has(u) && !st.published.has(u)) connection.sendDiagnostics({ uri: u, diagnostics: [], ...(versions.has(u) ? { version: versions.get(u) } : {}) });
    st.published = next;
  }

  let params: InitializeParams;
  connection.onInitialize((init: InitializeParams): InitializeResult => {
    params = init;
    options = (init.initializationOptions ?? {}) as ServerOptions;
    if (typeof options.debounceMs === "number" && options.debounceMs >= 0) debounceMs = options.debounceMs;
    const folders = init.workspaceFolders?.map((f) => fileURLToPath(f.uri)) ?? (init.rootUri ? [fileURLToPath(init.rootUri)] : init.rootPath ? [init.rootPath] : []);
    for (const folder of folders) states.push(newState(folder));
    watchRegistration = Boolean(init.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: "flaskwarden" },
    };
  });

  function newState(folder: string): State {
    return { ws: new Workspace(folder, { incrementalParse: options.incrementalParse !== false }), timer: null, running: null, published: new Map(), edited: new Set(), scanning: null };
  }

  connection.onInitialized(async () => {
    if (watchRegistration) {
      // Config files (reloaded with a full rescan) and the kinds of file a scan reads.
      const globs = ["**/flaskwarden.toml", "**/.flaskwarden.toml", "**/pyproject.toml", "**/*.py", "**/*.{txt,in,cfg,toml,lock,yml,yaml,json,env,sh,service,ini}", "**/{Dockerfile,Containerfile,Procfile,Pipfile}*", "**/.env*"];
      await connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: globs.map((globPattern) => ({ globPattern })) });
    }
    for (const st of states) void fullScan(st);
    if (params.capabilities.workspace?.workspaceFolders) {
      connection.workspace.onDidChangeWorkspaceFolders(async (e) => {
        for (const gone of e.removed) {
          const i = states.findIndex((st) => st.ws.folder === resolve(fileURLToPath(gone.uri)));
          if (i < 0) continue;
          const [st] = states.splice(i, 1);
          if (st!.timer) clearTimeout(st!.timer);
          if (st!.running) await st!.running;
          for (const u of st!.published.keys()) connection.sendDiagnostics({ uri: u, diagnostics: [] });
          st!.ws.dispose();
        }
        for (const added of e.added) {
          const st = newState(fileURLToPath(added.uri));
          states.push(st);
          // Documents already open in the new folder count from now on.
          for (const d of documents.all()) {
            const t = target(d.uri);
            if (t?.st === st) st.ws.setText(t.rel, d.getText());
          }
          void fullScan(st);
        }
      });
    }
  });

  /**
   * Reloads the config and rescans the folder. Full scans queue behind each other; an analysis never
   * runs while one is in progress (it waits in `run`), and one that is running finishes first, since
   * an analysis does not wait for I/O once it has started.
   */
  async function fullScan(st: State): Promise<void> {
    const scan = (st.scanning ?? Promise.resolve()).then(async () => {
      try {
        await st.ws.fullScan();
      } catch (err) {
        connection.console.error(`flaskwarden: cannot scan ${st.ws.folder}: ${(err as Error).message}`);
      }
    });
    st.scanning = scan;
    await scan;
    if (st.scanning === scan) st.scanning = null;
    await run(st);
  }

  documents.onDidOpen(async (e) => {
    let t = target(e.document.uri);
    if (!t && e.document.uri.startsWith("file:") && classify(basename(fileURLToPath(e.document.uri))) !== null) {
      // A file outside every workspace folder (an editor started on a single file, without a root): its
      // project gets a workspace of its own, rooted where the project's markers are.
      const st = newState(projectRootOf(fileURLToPath(e.document.uri)));
      states.push(st);
      t = target(e.document.uri);
      if (!t) return;
      st.ws.setText(t.rel, e.document.getText());
      st.edited.add(e.document.uri);
      void fullScan(st);
      return;
    }
    if (!t) return;
    const { st, rel } = t;
    if (!st.ws.has(rel) && classify(rel) !== null) await st.ws.rediscover();
    st.ws.setText(rel, e.document.getText());
    st.edited.add(e.document.uri);
    schedule(st, 0);
  });

  documents.onDidChangeContent((e) => {
    const t = target(e.document.uri);
    if (!t) return;
    const text = e.document.getText();
    if (!t.st.ws.setText(t.rel, text)) return;
    t.st.edited.add(e.document.uri);
    schedule(t.st, debounceMs);
  });

  documents.onDidSave((e) => {
    const t = target(e.document.uri);
    if (!t) return;
    if (CONFIG_NAMES.has(basename(t.rel))) void fullScan(t.st);
    else schedule(t.st, 0);
  });

  documents.onDidClose((e) => {
    const t = target(e.document.uri);
    if (!t) return;
    t.st.ws.close(t.rel);
    schedule(t.st, debounceMs);
  });

  connection.onDidChangeWatchedFiles(async (params) => {
    const rescan = new Set<State>();
    const rediscover = new Set<State>();
    for (const change of params.changes) {
      const t = target(change.uri);
      const name = basename(fileURLToPath(change.uri));
      if (CONFIG_NAMES.has(name)) {
        // A config file above the folder applies too (the CLI walks up to the repository root).
        if (t) rescan.add(t.st);
        else for (const st of states) rescan.add(st);
        continue;
      }
      if (!t) continue;
      if (change.type === FileChangeType.Changed) {
        t.st.ws.changedOnDisk(t.rel);
        schedule(t.st, debounceMs);
      } else rediscover.add(t.st);
    }
    for (const st of rescan) void fullScan(st);
    for (const st of rediscover) {
      if (rescan.has(st)) continue;
      await st.ws.rediscover();
      schedule(st, debounceMs);
    }
  });

  /** Active findings of the last analysis in a file that overlap a range (LSP positions). */
  function findingsAt(st: State, rel: string, range: { start: { line: number; character: number }; end: { line: number; character: number } }): Finding[] {
    const before = (a: { line: number; character: number }, b: { line: number; character: number }) => a.line < b.line || (a.line === b.line && a.character <= b.character);
    return (st.ws.last?.findings ?? []).filter((f) => {
      if (f.suppressed || f.file !== rel) return false;
      const r = toLspRange(f.range);
      return before(r.start, range.end) && before(range.start, r.end);
    });
  }

  connection.onHover(async (params) => {
    const t = target(params.textDocument.uri);
    if (!t) return null;
    await settle(t.st);
    const hits = findingsAt(t.st, t.rel, { start: params.position, end: params.position });
    if (hits.length === 0) return null;
    return { contents: { kind: "markdown", value: hoverMarkdown(hits) }, range: toLspRange(hits[0]!.range) };
  });

  connection.onCodeAction(async (params) => {
    const t = target(params.textDocument.uri);
    if (!t) return [];
    await settle(t.st);
    const { st, rel } = t;
    const analysis = st.ws.last;
    const file = st.ws.file(rel);
    const doc = documents.get(params.textDocument.uri);
    if (!analysis || !file) return [];
    const text = doc?.getText() ?? file.text ?? readFileSync(file.absPath, "utf8");
    const parser = await pythonParser();
    const actions: CodeAction[] = [];
    const seen = new Set<string>();
    for (const f of findingsAt(st, rel, params.range)) {
      if (seen.has(f.fingerprint + f.range.start.line)) continue;
      seen.add(f.fingerprint + f.range.start.line);
      const diagnostic = params.context.diagnostics.find((d) => d.source === SOURCE && d.code === f.ruleId);
      const diagnostics = diagnostic ? [diagnostic] : [];
      const fix = await fixEdits(analysis.project, f);
      if (fix) {
        actions.push({ title: fix.title, kind: CodeActionKind.QuickFix, isPreferred: true, diagnostics, edit: { changes: { [params.textDocument.uri]: fix.edits } } });
      }
      const suppress = suppressionEdit(parser, file, text, f);
      if (suppress) {
        actions.push({ title: `Suppress ${f.ruleId} here (write the reason in the comment)`, kind: CodeActionKind.QuickFix, diagnostics, edit: { changes: { [params.textDocument.uri]: [suppress] } } });
      }
    }
    return actions;
  });

  let shutdown = false;
  connection.onShutdown(() => {
    shutdown = true;
    for (const st of states) {
      if (st.timer) clearTimeout(st.timer);
      st.ws.dispose();
    }
  });
  // The protocol's exit code: 0 after a shutdown request, 1 when the client just went away.
  connection.onExit(() => process.exit(shutdown ? 0 : 1));
  input.on("end", () => process.exit(shutdown ? 0 : 1));

  documents.listen(connection);
  connection.listen();
  return connection;
}

/** A broken config as a diagnostic on the config file, on the line of the key it names when that can be found. */
function configDiagnostic(err: ConfigError, file: string): LspDiagnostic {
  let line = 0;
  let character = 0;
  const at = /:(\d+):(\d+): /.exec(err.message);
  if (at) {
    line = Number(at[1]) - 1;
    character = Number(at[2]) - 1;
  } else if (err.key) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      // The message still names the key.
    }
    const leaf = err.key.replace(/\[\d+\]/g, "").split(".").pop() ?? err.key;
    const lines = text.split("\n");
    const i = lines.findIndex((l) => l.trimStart().startsWith(leaf) || l.includes(`"${leaf}"`));
    if (i >= 0) {
      line = i;
      character = lines[i]!.length - lines[i]!.trimStart().length;
    }
  }
  const message = err.message.startsWith(file) ? err.message.slice(file.length).replace(/^(:\d+:\d+)?:\s*/, "") : err.message;
  return {
    range: { start: { line, character }, end: { line, character: character + (err.key ? (err.key.split(".").pop()?.length ?? 0) : 0) } },
    severity: 1,
    code: "config-error",
    source: SOURCE,
    message: `configuration error${err.key ? ` in \`${err.key}\`` : ""}: ${message}; the last valid settings stay in use`,
  };
}
