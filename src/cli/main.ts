/** The `flaskwarden` command line: scan, routes, posture, rules, explain, init, lsp. Exit codes: 0 clean, 1 findings, 2 usage or config error. */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { findConfigFile, isRuleSelector, loadConfig, parseSize } from "../config/load.js";
import { ConfigError, type Config } from "../config/types.js";
import { SEVERITIES, type Severity } from "../core/types.js";
import { buildBaseline, writeBaseline } from "../filter/baseline.js";
import { selectorMatches } from "../filter/overrides.js";
import { FORMAT_NAMES, formatReport, type FormatName } from "../report/index.js";
import { explainMarkdown } from "../rules/docs.js";
import { findRule, RULES } from "../rules/index.js";
import { InitConflict, initProject } from "./init.js";
import { FORMULA as POSTURE_FORMULA } from "../posture/score.js";
import type { ScanOptions } from "../scan.js";

const VERSION: string = (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version;

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

/** Thrown for bad flags or values; printed without a stack and mapped to exit code 2. */
class UsageError extends Error {}

interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}

let stdoutClosed = false;
let stdoutGuarded = false;

/** The real process streams. A reader that goes away early (`flaskwarden scan . | head`) ends output quietly instead of crashing on EPIPE. */
function defaultIo(): Io {
  if (!stdoutGuarded) {
    stdoutGuarded = true;
    process.stdout.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE" || err.code === "ERR_STREAM_DESTROYED") {
        stdoutClosed = true;
        return;
      }
      throw err;
    });
  }
  return {
    stdout: (s) => {
      if (!stdoutClosed) process.stdout.write(s);
    },
    stderr: (s) => process.stderr.write(s),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
  };
}

/** Colour only on a terminal, never with NO_COLOR; FORCE_COLOR or --color forces it. */
function useColor(flag: boolean | undefined, isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  if (flag !== undefined) return flag;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return isTTY && env.TERM !== "dumb";
}

function parseList(v: string, prev: string[] = []): string[] {
  return [...prev, ...v.split(",").map((s) => s.trim()).filter(Boolean)];
}

/** Rule IDs or prefixes from --select/--ignore; each must name at least one known rule, so a typo cannot silently select nothing. */
function parseRuleList(v: string, prev: string[] = []): string[] {
  const given = parseList(v);
  if (given.length === 0) throw new UsageError(`\`${v}\` lists no rule IDs; give IDs or prefixes such as FLASK-DEPLOY-002 or FLASK-DEPLOY`);
  for (const raw of given) {
    const id = raw.toUpperCase();
    if (!isRuleSelector(id)) throw new UsageError(`\`${raw}\` is not a rule ID or prefix (expected something like FLASK-DEPLOY-002 or FLASK-DEPLOY); run \`flaskwarden rules\` for the list`);
    if (!RULES.some((r) => selectorMatches(id, r.id))) throw new UsageError(`\`${raw}\` matches no rule; known rules: ${RULES.map((r) => r.id).join(", ")}`);
  }
  return [...prev, ...given.map((id) => id.toUpperCase())];
}

function parseSeverity(v: string): Severity {
  const s = v.toLowerCase() as Severity;
  if (!SEVERITIES.includes(s)) throw new UsageError(`\`${v}\` is not a severity; use one of ${SEVERITIES.join(", ")}`);
  return s;
}

interface OutputSpec {
  format: FormatName;
  file: string | null;
}

function parseOutput(v: string, prev: OutputSpec[] = []): OutputSpec[] {
  const eq = v.indexOf("=");
  const format = (eq < 0 ? v : v.slice(0, eq)).toLowerCase() as FormatName;
  const file = eq < 0 ? null : v.slice(eq + 1);
  if (!FORMAT_NAMES.includes(format)) throw new UsageError(`unknown output format \`${format}\` in \`-o ${v}\`; use one of ${FORMAT_NAMES.join(", ")} (optionally \`FORMAT=FILE\`)`);
  if (file === "") throw new UsageError(`\`-o ${v}\` names no file; write \`-o ${format}=PATH\`, or \`-o ${format}\` for standard output`);
  return [...prev, { format, file }];
}

interface ScanFlags {
  format: FormatName;
  output?: OutputSpec[];
  failOn?: Severity;
  severity?: Severity;
  select?: string[];
  ignore?: string[];
  config?: string;
  noConfig?: boolean;
  baseline?: string;
  writeBaseline?: string;
  showSuppressed?: boolean;
  quiet?: boolean;
  jobs?: string;
  maxFileSize?: string;
  gitignore: boolean;
  color?: boolean;
  progress?: boolean;
  fix?: boolean;
  diff?: boolean;
  openapi?: string[];
}

/** A rule ID in the config that matches no rule is a typo that would silently switch checks off. */
export function checkRuleReferences(config: Config): void {
  const known = RULES.map((r) => r.id);
  const check = (key: string, ids: Iterable<string>) => {
    for (const id of ids) {
      if (!known.some((r) => selectorMatches(id, r))) {
        throw new ConfigError(`${config.source}: \`${key}\` names \`${id}\`, which matches no rule; known rules: ${known.join(", ")}`, config.source, key);
      }
    }
  };
  if (!config.source) return;
  check("select", config.select ?? []);
  check("ignore", config.ignore);
  check("severity", Object.keys(config.severity));
  config.overrides.forEach((o, i) => {
    check(`overrides[${i}].ignore`, o.ignore);
    check(`overrides[${i}].severity`, Object.keys(o.severity));
  });
}

async function runScan(paths: string[], flags: ScanFlags, io: Io): Promise<number> {
  const targets = paths.length > 0 ? paths : ["."];
  if ((flags.fix || flags.diff) && flags.writeBaseline) throw new UsageError("--fix/--diff and --write-baseline do not go together: fix first, then record the baseline");
  for (const t of targets) if (!existsSync(t)) throw new UsageError(`path not found: ${t}`);
  const first = resolve(targets[0]!);
  const startDir = statSync(first).isDirectory() ? first : dirname(first);
  let jobs: number | undefined;
  if (flags.jobs !== undefined) {
    jobs = Number(flags.jobs);
    if (!Number.isInteger(jobs) || jobs < 0) throw new UsageError(`\`--jobs ${flags.jobs}\` must be a whole number (0 or 1 = parse in the main thread only)`);
  }
  // Loaded only now, so --help, --version, rules, explain and usage errors skip the parser's start-up cost.
  const scanModule = import("../scan.js");
  const configFile = flags.noConfig ? null : flags.config ? resolve(flags.config) : findConfigFile(startDir);
  if (flags.config && !existsSync(flags.config)) throw new UsageError(`config file not found: ${flags.config}`);
  const cli: Partial<Config> = {};
  if (flags.select) cli.select = flags.select;
  if (flags.ignore) cli.ignore = flags.ignore;
  if (flags.failOn) cli.failOn = flags.failOn;
  if (flags.severity) cli.minSeverity = flags.severity;
  if (!flags.gitignore) cli.respectGitignore = false;
  if (flags.maxFileSize) {
    const size = parseSize(flags.maxFileSize);
    if (size === null) throw new UsageError(`\`--max-file-size ${flags.maxFileSize}\` is not a size; write bytes or a unit like 5MB`);
    cli.maxFileSize = size;
  }
  const config = loadConfig(configFile, cli);
  checkRuleReferences(config);
  // A --baseline given on the command line is relative to the working directory, not the config file.
  if (flags.baseline) {
    config.baseline = resolve(flags.baseline);
    if (!existsSync(config.baseline)) throw new UsageError(`baseline file not found: ${flags.baseline} (create one with --write-baseline)`);
  }
  for (const f of flags.openapi ?? []) if (!existsSync(f)) throw new UsageError(`--openapi: file not found: ${f}`);
  if (flags.openapi) config.openapi = flags.openapi.map((f) => resolve(f));
  const { scan, findingsAtOrAbove } = await scanModule;
  const progress = flags.progress ?? (io.stderrIsTTY && !flags.quiet);
  // On a terminal one line is redrawn in place; elsewhere (a CI log) plain lines, at most one a second.
  const redraw = io.stderrIsTTY;
  let lastDraw = 0;
  const options: ScanOptions = {
    targets,
    config,
    jobs,
    ignoreBaseline: Boolean(flags.writeBaseline),
    onProgress: progress
      ? (stage, done, total) => {
          const now = Date.now();
          if (now - lastDraw < (redraw ? 80 : 1000) && done !== total) return;
          lastDraw = now;
          if (!redraw) {
            io.stderr(`${stage} ${done}/${total} files\n`);
            return;
          }
          io.stderr(`\r\x1b[2K${stage} ${done}/${total} files`);
          if (done === total) io.stderr("\r\x1b[2K");
        }
      : undefined,
  };
  const out = await scan(options);
  let result = out.result;
  if (flags.fix || flags.diff) {
    // --fix writes the fixes, --fix --diff (or --diff alone) only prints them; the report then lists what is left.
    const { planFixes, planDiff, writeFixes, fixSummary } = await import("../fix/run.js");
    const plan = await planFixes(out.project, result.findings, RULES);
    const preview = Boolean(flags.diff);
    if (preview) io.stdout(planDiff(plan));
    const problems = preview ? [] : writeFixes(plan);
    for (const d of [...plan.diagnostics, ...problems]) io.stderr(`flaskwarden: ${d.message}\n`);
    if (!flags.quiet || problems.length > 0) io.stderr(fixSummary(plan, !preview));
    if (problems.length > 0 || plan.diagnostics.some((d) => d.severity === "error")) return EXIT_USAGE;
    const fixed = new Set(plan.files.flatMap((f) => f.fixes.map((x) => x.finding)));
    if (preview) return fixed.size > 0 || findingsAtOrAbove(result.findings, config.failOn).length > 0 ? EXIT_FINDINGS : EXIT_OK;
    // The report shows what is left, at the positions the fixed files now have.
    if (fixed.size > 0) result = (await scan(options)).result;
  }
  if (flags.writeBaseline) {
    const b = buildBaseline(result.findings);
    writeBaseline(resolve(flags.writeBaseline), b);
    if (!flags.quiet) io.stderr(`wrote ${result.summary.findings} finding${result.summary.findings === 1 ? "" : "s"} to baseline ${flags.writeBaseline}\n`);
    return EXIT_OK;
  }
  const outputs = flags.output && flags.output.length > 0 ? flags.output : [{ format: flags.format, file: null }];
  for (const o of outputs) {
    const color = o.file === null && useColor(flags.color, io.stdoutIsTTY, io.env);
    const quietText = flags.quiet && o.format === "text";
    const text = formatReport(o.format, quietText ? { ...result, diagnostics: result.diagnostics.filter((d) => d.severity === "error"), posture: undefined } : result, {
      color,
      toolVersion: VERSION,
      rules: [...RULES],
      showSuppressed: Boolean(flags.showSuppressed),
      rootUri: `file://${result.root.endsWith("/") ? result.root : `${result.root}/`}`,
    });
    if (o.file === null) io.stdout(text);
    else {
      mkdirSync(dirname(resolve(o.file)), { recursive: true });
      writeFileSync(o.file, text);
      if (!flags.quiet) io.stderr(`wrote ${o.format} report to ${o.file}\n`);
    }
  }
  return findingsAtOrAbove(result.findings, config.failOn).length > 0 ? EXIT_FINDINGS : EXIT_OK;
}

function buildProgram(io: Io, setCode: (c: number) => void): Command {
  const program = new Command();
  program
    .name("flaskwarden")
    .description("Static security auditor for Flask applications. Reads Python, templates, manifests and deployment files without running them.")
    .version(VERSION, "-V, --version")
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .showSuggestionAfterError(true)
    .addHelpText(
      "after",
      `
Examples:
  flaskwarden scan .                              scan the current project, text report
  flaskwarden scan app/ -o sarif=flaskwarden.sarif -o text
  flaskwarden scan . --fail-on high               exit 1 only for high or critical findings
  flaskwarden scan . --write-baseline fw.json     accept today's findings; later: --baseline fw.json
  flaskwarden routes . --format markdown          route inventory with auth, rate-limit and CSRF controls
  flaskwarden posture .                           mitigation checklist: verdicts, evidence, score and grade
  flaskwarden rules                               list every rule
  flaskwarden explain FLASK-DEPLOY-002            a rule's full documentation
  flaskwarden init myproject                      start a new Flask project that is secure by default

Exit codes: 0 no findings at or above --fail-on, 1 findings, 2 usage or configuration error.
Configuration: [tool.flaskwarden] in pyproject.toml or a flaskwarden.toml, found by walking up from the target.`,
    );

  program
    .command("scan")
    .description("scan files or directories and report security findings")
    .argument("[paths...]", "files or directories to scan (default: .)")
    .addOption(new Option("-f, --format <format>", "report format on standard output").choices([...FORMAT_NAMES]).default("text"))
    .option("-o, --output <format[=file]>", "write a report; repeat for several (e.g. -o sarif=out.sarif -o text)", parseOutput)
    .option("--fail-on <severity>", "exit 1 when a finding is at or above this severity (default: low)", parseSeverity)
    .option("--severity <severity>", "only report findings at or above this severity", parseSeverity)
    .option("--select <ids>", "only run these rules (comma-separated IDs or prefixes like FLASK-DEPLOY)", parseRuleList)
    .option("--ignore <ids>", "skip these rules (comma-separated IDs or prefixes)", parseRuleList)
    .option("--config <file>", "use this config file instead of searching for one")
    .option("--no-config", "ignore config files; use defaults and flags only")
    .option("--baseline <file>", "report only findings that are not in this baseline file")
    .option("--write-baseline <file>", "record the current findings as the baseline and exit 0")
    .option("--show-suppressed", "also print findings silenced by inline comments")
    .option("-q, --quiet", "less output: no progress or \"wrote report\" notes, and no warnings in the text report")
    .option("-j, --jobs <n>", "threads that parse, the main thread included (default: 1 for small projects, else one per core up to 8; 0 or 1 = no worker threads)")
    .option("--max-file-size <size>", "skip files larger than this (default 5MB)")
    .option("--no-gitignore", "scan files that .gitignore excludes")
    .option("--color", "force coloured output")
    .option("--no-color", "disable coloured output (NO_COLOR is honoured too)")
    .option("--progress", "show progress on standard error even when it is not a terminal")
    .option("--fix", "apply the safe, mechanical fixes some rules offer, then report what is left")
    .option("--diff", "with --fix: print the fixes as a unified diff on standard output and write nothing")
    .option("--openapi <file>", "compare the routes with this OpenAPI/Swagger document (FLASK-API-003); repeatable; documents named openapi.* or swagger.* in the tree are found without it", (v: string, prev: string[] = []) => [...prev, v])
    .addHelpText(
      "after",
      `
Fixes (--fix): yaml.load → yaml.safe_load (FLASK-DESER-001), app.run(debug=True) → debug from FLASK_DEBUG
(FLASK-DEPLOY-002), secure/httponly/samesite on set_cookie and *_COOKIE_HTTPONLY = True (FLASK-SESS-001),
WTF_CSRF_ENABLED = True (FLASK-CSRF-001). Files are rewritten in place (atomically) and only where a rule is sure; a second run
changes nothing. With --fix the exit code is 0 when nothing at or above --fail-on is left, 1 when findings
remain, 2 when a file could not be fixed or written. With --fix --diff it is 1 when there is anything to
fix or any finding, else 0.

Suppress one finding with a comment on its line or the line above the statement:
  app.run(debug=True)  # flaskwarden: ignore[FLASK-DEPLOY-002] local demo script`,
    )
    .action(async (paths: string[], opts: Record<string, unknown>) => {
      const flags = { ...opts, noConfig: opts.config === false, config: typeof opts.config === "string" ? opts.config : undefined } as unknown as ScanFlags;
      setCode(await runScan(paths, flags, io));
    });

  program
    .command("routes")
    .description("list every route of every app with its methods, full URL, endpoint and the auth, rate-limit and CSRF controls around it")
    .argument("[path]", "project directory or file (default: .)")
    .addOption(new Option("-f, --format <format>", "output format").choices(["table", "json", "markdown", "openapi"]).default("table"))
    .option("--config <file>", "use this config file instead of searching for one")
    .option("--no-config", "ignore config files")
    .addHelpText(
      "after",
      `
Columns: AUTH names the guards that apply (decorators, before_request hooks, MethodView.decorators,
verify_jwt_in_request); "!name above route" is a guard placed above the route decorator, which does not
protect the view. RATE LIMIT shows Flask-Limiter limits, app defaults or exempt. CSRF is protected,
exempt, unprotected, or not-applicable (no state-changing method, or header-token auth only).
Extra guard names: [tool.flaskwarden.routes] auth-decorators = ["require_admin"].
The openapi format prints an OpenAPI 3.1 skeleton of the discovered routes.`,
    )
    .action(async (path: string | undefined, opts: { format: string; config?: string | false }) => {
      const target = path ?? ".";
      if (!existsSync(target)) throw new UsageError(`path not found: ${target}`);
      const first = resolve(target);
      const startDir = statSync(first).isDirectory() ? first : dirname(first);
      if (typeof opts.config === "string" && !existsSync(opts.config)) throw new UsageError(`config file not found: ${opts.config}`);
      const configFile = opts.config === false ? null : typeof opts.config === "string" ? resolve(opts.config) : findConfigFile(startDir);
      const config = loadConfig(configFile, {});
      const { scan } = await import("../scan.js");
      const { inventoryOf } = await import("../inventory/routes.js");
      const { formatRoutes } = await import("../inventory/format.js");
      const out = await scan({ targets: [target], config, rules: [], posture: false });
      const inv = inventoryOf(out.project, { authDecorators: config.authDecorators ?? [] });
      const title = first.replace(/\/+$/, "").replace(/^.*\//, "") || "Flask application";
      io.stdout(formatRoutes(inv, opts.format as "table", title));
      setCode(EXIT_OK);
    });

  program
    .command("posture")
    .description("grade the project against the mitigation checklist: a verdict per mitigation with evidence and a next step")
    .argument("[path]", "project directory or file (default: .)")
    .addOption(new Option("-f, --format <format>", "output format").choices(["text", "json", "markdown"]).default("text"))
    .option("--config <file>", "use this config file instead of searching for one")
    .option("--no-config", "ignore config files")
    .option("-j, --jobs <n>", "threads that parse (as for scan)")
    .option("--color", "force coloured output")
    .option("--no-color", "disable coloured output (NO_COLOR is honoured too)")
    .addHelpText(
      "after",
      `
Mitigations: debug off in production, secret key from the environment, session cookie flags, template
autoescaping, input validation, upload handling, access control grouped in blueprints, error handlers,
security extensions, per-environment configuration that fails closed, rate limiting, host validation,
security headers, dependency hygiene. Each is implemented, partial, missing or not applicable (the app
has nothing it applies to), judged from the project model, the route inventory and the rules' findings
(inline suppressions count; --select, --ignore and the baseline do not).

Scoring:
  ${POSTURE_FORMULA.split("; ").join("\n  ")}.
The exit code is 0 whatever the grade (2 for usage errors); use \`scan --fail-on\` to gate CI.`,
    )
    .action(async (path: string | undefined, opts: { format: string; config?: string | false; jobs?: string; color?: boolean }) => {
      const target = path ?? ".";
      if (!existsSync(target)) throw new UsageError(`path not found: ${target}`);
      const first = resolve(target);
      const startDir = statSync(first).isDirectory() ? first : dirname(first);
      if (typeof opts.config === "string" && !existsSync(opts.config)) throw new UsageError(`config file not found: ${opts.config}`);
      let jobs: number | undefined;
      if (opts.jobs !== undefined) {
        jobs = Number(opts.jobs);
        if (!Number.isInteger(jobs) || jobs < 0) throw new UsageError(`\`--jobs ${opts.jobs}\` must be a whole number (0 or 1 = parse in the main thread only)`);
      }
      const configFile = opts.config === false ? null : typeof opts.config === "string" ? resolve(opts.config) : findConfigFile(startDir);
      const config = loadConfig(configFile, {});
      const { scan } = await import("../scan.js");
      const out = await scan({ targets: [target], config, jobs });
      const posture = out.result.posture;
      if (!posture) {
        for (const d of out.result.diagnostics.filter((x) => x.code === "posture-error")) io.stderr(`flaskwarden: ${d.message}\n`);
        setCode(3);
        return;
      }
      if (opts.format === "json") {
        const { postureJson } = await import("../report/json.js");
        io.stdout(`${JSON.stringify({ version: 1, tool: { name: "flaskwarden", version: VERSION }, root: out.result.root, posture: postureJson(posture) }, null, 2)}\n`);
      } else if (opts.format === "markdown") {
        const { formatPostureMarkdown } = await import("../report/markdown.js");
        io.stdout(formatPostureMarkdown(posture));
      } else {
        const { formatPostureText } = await import("../report/text.js");
        io.stdout(formatPostureText(posture, { color: useColor(opts.color, io.stdoutIsTTY, io.env) }));
      }
      setCode(EXIT_OK);
    });

  program
    .command("rules")
    .description("list every rule with its severity")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .action((opts: { format: string }) => {
      if (opts.format === "json") {
        io.stdout(`${JSON.stringify(RULES.map(({ check: _c, ...meta }) => meta), null, 2)}\n`);
      } else {
        const w = Math.max(...RULES.map((r) => r.id.length));
        for (const r of RULES) io.stdout(`${r.id.padEnd(w)}  ${r.severity.padEnd(8)}  ${r.title}\n`);
        io.stdout(`\n${RULES.length} rules. \`flaskwarden explain RULE-ID\` shows one in full.\n`);
      }
      setCode(EXIT_OK);
    });

  program
    .command("explain")
    .description("show a rule's documentation: what it finds, why, examples, fix")
    .argument("<rule-id>", "e.g. FLASK-DEPLOY-002")
    .action((id: string) => {
      const rule = findRule(id);
      if (!rule) throw new UsageError(`no rule \`${id}\`; run \`flaskwarden rules\` for the list`);
      io.stdout(explainMarkdown(rule));
      setCode(EXIT_OK);
    });

  program
    .command("lsp")
    .description("run the language server (for editors), speaking LSP over standard input and output")
    .option("--stdio", "talk over standard input and output (the only transport, and the default)")
    .action(async () => {
      const { startServer } = await import("../lsp/server.js");
      startServer(process.stdin, process.stdout);
      // The server ends the process on the client's exit notification or when its input closes.
      await new Promise<never>(() => {});
    });

  program
    .command("init")
    .description("write a new Flask project that is secure by default into a folder")
    .argument("<dir>", "folder to create or fill (existing files are kept unless --force)")
    .option("--force", "replace files the project would overwrite")
    .addHelpText(
      "after",
      `
The project has an app factory, per-environment config classes that refuse to start in production
without SECRET_KEY and TRUSTED_HOSTS, secure session cookies, CSRF protection, security headers, rate
limits, request size limits, generic error pages, a login_required example and a gunicorn entrypoint.`,
    )
    .action((dir: string, opts: { force?: boolean }) => {
      let written: string[];
      try {
        written = initProject(resolve(dir), { force: Boolean(opts.force) }).written;
      } catch (err) {
        if (err instanceof InitConflict) throw new UsageError(err.message);
        const e = err as NodeJS.ErrnoException;
        throw new UsageError(`cannot write the project into ${dir}: ${e.message}`);
      }
      io.stdout(`Wrote ${written.length} files to ${dir}:\n`);
      for (const f of written) io.stdout(`  ${f}\n`);
      io.stdout(`
Next steps:
  cd ${dir}
  python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements-dev.txt
  APP_ENV=development flask --app wsgi run       # local development over HTTP
  cp .env.example .env                           # production: fill in SECRET_KEY and TRUSTED_HOSTS
  gunicorn -c gunicorn.conf.py wsgi:app          # production server (refuses to start without them)
  python3 -m pytest && flaskwarden scan .
`);
      setCode(EXIT_OK);
    });
  return program;
}

/** Runs the CLI and returns the exit code (never calls process.exit, so tests can drive it). */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (err instanceof ConfigError) {
      io.stderr(`flaskwarden: configuration error: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof UsageError) {
      io.stderr(`flaskwarden: ${err.message}\n`);
      return EXIT_USAGE;
    }
    const e = err as Error;
    if (e && /InvalidArgumentError|not found|does not exist|ENOENT/.test(`${e.name} ${e.message}`)) {
      io.stderr(`flaskwarden: ${e.message}\n`);
      return EXIT_USAGE;
    }
    io.stderr(`flaskwarden: internal error: ${e?.stack ?? String(err)}\n`);
    return 3;
  }
}
