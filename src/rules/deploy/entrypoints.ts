/** Which deployment commands and environment settings the production process actually gets, for the deploy rules. */
import type { SourceFile } from "../../core/types.js";
import type { CommandLine, EnvSetting } from "../../index/deploy/types.js";
import type { CallFact, Expr, Kwarg } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { Project } from "../../link/project.js";
import { commandSegments } from "../../link/commands.js";
import { envTruthy, isDevDeploymentFile } from "../support.js";

export interface ProductionCommand {
  file: SourceFile;
  cmd: CommandLine;
  /** For a line of a shell script: the production command that starts the script. */
  startedBy?: CommandLine;
}

/**
 * Commands that start production processes: Dockerfile CMD/ENTRYPOINT, Procfile processes, compose
 * commands, systemd ExecStart lines, and the unconditional lines of shell scripts one of those starts.
 * Build steps (`RUN`), developer scripts and Makefiles, and files named for development are left out.
 */
export function productionCommands(project: Project): ProductionCommand[] {
  const out: ProductionCommand[] = [];
  for (const d of project.deployment) {
    if (isDevDeploymentFile(d.file)) continue;
    for (const cmd of d.facts.commands) {
      if (cmd.source === "dockerfile-run") continue;
      if (d.file.subkind === "script") {
        if (!project.startedUnconditionally(d, cmd)) continue;
        out.push({ file: d.file, cmd, startedBy: project.startedScripts.get(d.file.path)! });
      } else out.push({ file: d.file, cmd });
    }
  }
  return out;
}

/** Environment settings of production deployment files, including `export`s of started shell scripts. */
export function productionEnv(project: Project): { file: SourceFile; env: EnvSetting; startedBy?: CommandLine }[] {
  const out: { file: SourceFile; env: EnvSetting; startedBy?: CommandLine }[] = [];
  for (const d of project.deployment) {
    if (isDevDeploymentFile(d.file) || d.file.subkind === "dotenv-example") continue;
    for (const env of d.facts.env) {
      if (d.file.subkind === "script") {
        if (!project.startedUnconditionally(d, env)) continue;
        out.push({ file: d.file, env, startedBy: project.startedScripts.get(d.file.path)! });
      } else out.push({ file: d.file, env });
    }
  }
  return out;
}

/** The reason to show for a finding in a script that production starts. */
export function startedReason(file: SourceFile, startedBy: CommandLine | undefined): string[] {
  return startedBy ? [`${file.path} is started by the production command \`${startedBy.text}\``] : [];
}

/** A debug switch in an environment setting: `FLASK_DEBUG=1`, the pre-2.3 `FLASK_ENV=development`, or a `${VAR:-1}` default of either. */
export function debugSetting(name: string, raw: string): { legacy: boolean; fallback: boolean; value: string } | null {
  let value = raw.trim();
  let fallback = false;
  // `${FLASK_DEBUG:-1}` (compose, shell) is on wherever the variable is not set.
  const m = /^\$\{[A-Za-z_][A-Za-z0-9_]*:?-(.*)\}$/.exec(value);
  if (m) {
    value = m[1]!.trim().replace(/^(["'])(.*)\1$/, "$2");
    fallback = true;
  }
  if (name === "FLASK_ENV" && value.toLowerCase() === "development") return { legacy: true, fallback, value };
  if (name === "FLASK_DEBUG" && envTruthy(value)) return { legacy: false, fallback, value };
  return null;
}

const WSGI_SERVER = /(^|\/)(gunicorn|uwsgi)$/;

/** The WSGI server a command segment starts (`gunicorn`, `python -m gunicorn`, `uwsgi`) and where its options begin. */
function wsgiServer(segment: string[]): { server: string; from: number } | null {
  for (let i = 0; i < segment.length; i++) {
    const w = segment[i]!;
    if (WSGI_SERVER.test(w)) return { server: w.replace(/^.*\//, ""), from: i + 1 };
    if (w === "-m" && (segment[i + 1] === "gunicorn" || segment[i + 1] === "uwsgi")) return { server: segment[i + 1]!, from: i + 2 };
  }
  return null;
}

/** Environment variables a gunicorn or uWSGI command line sets for the app (`-e K=V`, `--env K=V`, `--env=K=V`). */
export function serverEnvOptions(argv: string[]): { server: string; name: string; value: string }[] {
  const out: { server: string; name: string; value: string }[] = [];
  for (const segment of commandSegments(argv)) {
    const s = wsgiServer(segment);
    if (!s) continue;
    for (let i = s.from; i < segment.length; i++) {
      const w = segment[i]!;
      let kv: string | undefined;
      if (w === "--env" || (w === "-e" && s.server === "gunicorn")) kv = segment[++i];
      else if (w.startsWith("--env=")) kv = w.slice("--env=".length);
      if (kv === undefined) continue;
      const eq = kv.indexOf("=");
      if (eq > 0) out.push({ server: s.server, name: kv.slice(0, eq), value: kv.slice(eq + 1) });
    }
  }
  return out;
}

/** Config files production gunicorn commands name with `-c`/`--config` (a path or `python:module`). */
export function gunicornConfigRefs(project: Project): { target: string; cmd: CommandLine }[] {
  const out: { target: string; cmd: CommandLine }[] = [];
  for (const { cmd } of productionCommands(project)) {
    for (const segment of commandSegments(cmd.argv)) {
      const s = wsgiServer(segment);
      if (!s || s.server !== "gunicorn") continue;
      for (let i = s.from; i < segment.length; i++) {
        const w = segment[i]!;
        const target = w === "-c" || w === "--config" ? segment[++i] : w.startsWith("--config=") ? w.slice("--config=".length) : undefined;
        if (target) out.push({ target, cmd });
      }
    }
  }
  return out;
}

const RUN_SIMPLE = new Set(["werkzeug.serving.run_simple", "werkzeug.run_simple"]);

/**
 * A call that starts Werkzeug's development server for a Flask app: `app.run(...)` on a Flask app, or
 * `werkzeug.serving.run_simple(host, port, app, ...)`. Gives the server's host and switch arguments.
 */
export function devServerCall(
  project: Project,
  mod: ModuleInfo,
  c: CallFact,
): { via: "run" | "run_simple"; host: Expr | undefined; option: (name: string) => Kwarg | { name: string; value: Expr; r: string } | undefined } | null {
  const call = c.call;
  const fn = call.fn;
  const kw = (name: string) => call.kw.find((k) => k.name === name);
  if (fn.k === "attr" && fn.name === "run") {
    if (!project.appsOf(mod, c.scope, fn.obj).isApp) return null;
    return { via: "run", host: call.args[0] ?? kw("host")?.value, option: kw };
  }
  const name = fn.k === "name" ? fn.id : fn.k === "attr" ? fn.name : "";
  if (name !== "run_simple" || !project.extPaths(mod, c.scope, fn).some((p) => RUN_SIMPLE.has(p))) return null;
  const app = call.args[2] ?? kw("application")?.value;
  const target = app?.k === "attr" && app.name === "wsgi_app" ? app.obj : app;
  if (!target || !project.appsOf(mod, c.scope, target).isApp) return null;
  // run_simple(hostname, port, application, use_reloader, use_debugger, use_evalex, ...)
  const positional = ["use_reloader", "use_debugger", "use_evalex"];
  return {
    via: "run_simple",
    host: call.args[0] ?? kw("hostname")?.value,
    option: (n) => {
      const k = kw(n);
      if (k) return k;
      const i = positional.indexOf(n);
      const v = i >= 0 ? call.args[3 + i] : undefined;
      return v ? { name: n, value: v, r: call.r } : undefined;
    },
  };
}

/** Where a development server listens, judged from its host argument: every interface, loopback only, or unknown. */
export function bindScope(project: Project, mod: ModuleInfo, scope: string, host: Expr | undefined): "all" | "loopback" | "unknown" {
  // Flask's run() and run_simple() callers default to 127.0.0.1 when no host is given.
  if (host === undefined || host.k === "none") return "loopback";
  // A name assigned in several branches (`host = "0.0.0.0"` / `host = "127.0.0.1"`) may hold any of its constants.
  const vals = project.resolve(mod, scope, host);
  if (vals.length === 0 || !vals.every((v) => v.t === "const" && typeof v.v === "string")) return "unknown";
  const hosts = vals.map((v) => (v as { v: string }).v);
  if (hosts.some((h) => h === "0.0.0.0" || h === "::" || h === "" || h === "[::]")) return "all";
  if (hosts.every((h) => h === "127.0.0.1" || h === "localhost" || h === "::1" || /^127\./.test(h))) return "loopback";
  return "unknown";
}

/**
 * The production WSGI server a deployment file's own process runs, when that is certain: a uWSGI
 * config, or a Dockerfile or systemd unit whose every start command runs gunicorn or uWSGI (and no
 * `flask run` or Python file). Null when the file starts something else or nothing.
 */
export function wsgiServerOf(project: Project, file: SourceFile): string | null {
  if (file.subkind === "uwsgi") return "uWSGI";
  if (file.subkind !== "dockerfile" && file.subkind !== "systemd") return null;
  const d = project.deployment.find((x) => x.file === file);
  const starts = d?.facts.commands.filter((c) => c.source !== "dockerfile-run") ?? [];
  if (starts.length === 0) return null;
  const servers = new Set<string>();
  for (const c of starts) {
    const segments = commandSegments(c.argv);
    const server = segments.map(wsgiServer).find((s) => s !== null);
    // `CMD ["flask", "run"]` or a script in front of the server decides differently.
    if (!server || segments.some((s) => s[0] !== undefined && !wsgiServer(s) && (/(^|\/)(flask|python[\d.]*)$/.test(s[0]) || scriptLike(s[0])))) return null;
    servers.add(server.server === "uwsgi" ? "uWSGI" : server.server);
  }
  return servers.size === 1 ? [...servers][0]! : null;
}

function scriptLike(word: string): boolean {
  return /\.(sh|bash|py)$/.test(word);
}

/** The WSGI server (gunicorn, uWSGI) a command starts, or null. */
export function startsWsgiServer(argv: string[]): string | null {
  const s = commandSegments(argv).map(wsgiServer).find((x) => x !== null);
  return s ? (s.server === "uwsgi" ? "uWSGI" : s.server) : null;
}
