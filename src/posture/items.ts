/**
 * One check per mitigation. Each reads the linked project, the route inventory, the views' request
 * handling (views.ts) and the findings of the rules that bear on it, and returns a verdict with the
 * evidence: where the control is, or where the gap is.
 */
import type { Finding, PostureEvidence, PostureItem, PostureVerdict, Severity } from "../core/types.js";
import type { Expr, R, Where } from "../index/ir.js";
import { unpack } from "../index/ir.js";
import type { RouteInventory } from "../inventory/routes.js";
import type { ModuleInfo } from "../link/modules.js";
import type { ConfigWrite, ExtensionObject, FlaskObject, Project } from "../link/project.js";
import { keySource, requestReads } from "../rules/config/sources.js";
import { envVarRead } from "../rules/config/secret-leaks.js";
import { headerWrites } from "../rules/headers/http.js";
import { isBound } from "../rules/session/facts.js";
import { isDevDeploymentFile, writeContext } from "../rules/support.js";
import { WEIGHT } from "./score.js";
import { DATA_ATTRS, stepExprs, subExprs, type ViewReport } from "./views.js";

/** Everything a check may read. */
export interface PostureInput {
  project: Project;
  inventory: RouteInventory;
  views: ViewReport[];
  /** Unsuppressed findings of every rule, before rule selection and baseline. */
  findings: Finding[];
  /** Apps built in production code (`productionApps`), computed once. */
  prodApps: FlaskObject[];
}

/** A mitigation of the reference list: what it is, what a miss exposes, which rules bear on it. */
export interface MitigationSpec {
  id: string;
  title: string;
  /** Severity of what a miss exposes; sets the weight. */
  exposes: Severity;
  /** Why the weight is what it is, for the docs. */
  why: string;
  rules: string[];
  check: (input: PostureInput, spec: MitigationSpec) => Omit<PostureItem, "id" | "title" | "rules" | "weight">;
}

type Outcome = ReturnType<MitigationSpec["check"]>;

/** At most this many pieces of evidence per item come from findings; the rest are counted in one line. */
const MAX_FINDING_EVIDENCE = 5;

function lineOf(r: R): number {
  return unpack(r)[0];
}

function at(mod: ModuleInfo | string, r: R | number, note: string, control: boolean): PostureEvidence {
  return { file: typeof mod === "string" ? mod : mod.path, line: typeof r === "number" ? r : lineOf(r), note, control };
}

function findingsOf(input: PostureInput, rules: readonly string[]): Finding[] {
  return input.findings.filter((f) => rules.includes(f.ruleId));
}

function findingEvidence(found: Finding[]): PostureEvidence[] {
  const out: PostureEvidence[] = found.slice(0, MAX_FINDING_EVIDENCE).map((f) => ({ file: f.file, line: f.range.start.line, note: `${f.ruleId}: ${f.message}`, control: false }));
  if (found.length > MAX_FINDING_EVIDENCE) {
    const rest = found.length - MAX_FINDING_EVIDENCE;
    out.push({ file: "", note: `and ${rest} more finding${rest === 1 ? "" : "s"} of ${[...new Set(found.slice(MAX_FINDING_EVIDENCE).map((f) => f.ruleId))].join(", ")}`, control: false });
  }
  return out;
}

function outcome(verdict: PostureVerdict, evidence: PostureEvidence[], nextStep: string): Outcome {
  return { verdict, evidence, nextStep: verdict === "implemented" || verdict === "not-applicable" ? "" : nextStep };
}

/** Config writes of a key that reach production (not tests, dev-only blocks or development classes), last one wins. */
function productionWrites(project: Project, key: string): ConfigWrite[] {
  return project.configWrites.filter((w) => {
    if (w.key !== key) return false;
    const { ctx } = writeContext(project, w);
    return !ctx.test && !ctx.devOnly;
  });
}

function servesRoutes(input: PostureInput): boolean {
  return input.inventory.routes.some((r) => r.app !== null || r.route.owner.kind === "blueprint");
}

function hasApps(input: PostureInput): boolean {
  return input.prodApps.length > 0 || servesRoutes(input);
}

const NO_APP_NOTE = "no Flask app or route found in production code";

function naNoApp(what = NO_APP_NOTE): Outcome {
  return { verdict: "not-applicable", evidence: [{ file: "", note: what, control: true }], nextStep: "" };
}

/**
 * The apps whose settings count: those built in production code, or, when the factory is only called
 * from code the scanner takes for development (a test, a `__main__` block), every app outside tests.
 */
function postureApps(input: PostureInput): FlaskObject[] {
  if (input.prodApps.length > 0) return input.prodApps;
  return input.project.apps.filter((a) => !input.project.contextOf(a.mod).test);
}

function firstApp(input: PostureInput): FlaskObject | null {
  return input.prodApps[0] ?? input.project.apps[0] ?? null;
}

function appEvidence(input: PostureInput, note: string, control: boolean): PostureEvidence[] {
  const app = firstApp(input);
  return app ? [at(app.mod, app.call.r, note, control)] : [{ file: "", note, control }];
}

function extName(ext: ExtensionObject): string {
  return ext.cls.replace(/^.*\./, "");
}

function inProduction(project: Project, mod: ModuleInfo, where: Where | undefined): boolean {
  const ctx = project.contextOf(mod, where);
  return !ctx.test && !ctx.devOnly;
}

function extensionSite(ext: ExtensionObject): Where | undefined {
  return ext.mod.index.calls.find((c) => c.call === ext.call);
}

function prodExtensions(project: Project, cls: RegExp): ExtensionObject[] {
  return project.extensions.filter((e) => cls.test(e.cls) && inProduction(project, e.mod, extensionSite(e)));
}

// ---------- what the app uses ----------

const SESSION_USERS = /^flask_(login|wtf|security|session|kvsession|principal|user|dance|oauthlib)(\.|$)|^flask_wtf\b/;

/** Where the app keeps state in the signed session cookie: `flask.session`, `flash`, or an extension that does. */
function sessionUse(project: Project): PostureEvidence | null {
  for (const mod of project.flaskModules()) {
    if (project.contextOf(mod).test) continue;
    for (const i of mod.index.imports) {
      const full = i.member ? `${i.module}.${i.member}` : i.module;
      if (/^flask(\.globals)?\.session$|^flask(\.helpers)?\.flash$/.test(full)) return at(mod, i.r, `imports \`${i.member ?? i.module}\`, which keeps data in the session cookie`, true);
      if (SESSION_USERS.test(i.module)) return at(mod, i.r, `imports \`${i.module}\`, which keeps state in the session cookie`, true);
    }
  }
  return null;
}

const RENDERERS = /^flask(\.templating)?\.(render_template|render_template_string|stream_template|stream_template_string)$/;

/** Where the app renders Jinja templates, or null when it never does. */
function templateUse(project: Project): PostureEvidence | null {
  for (const mod of project.flaskModules()) {
    if (project.contextOf(mod).test) continue;
    for (const c of mod.index.calls) {
      if (!/render_template|stream_template/.test(c.call.fn.k === "name" ? c.call.fn.id : c.call.fn.k === "attr" ? c.call.fn.name : "")) continue;
      if (project.extPaths(mod, c.scope, c.call.fn).some((p) => RENDERERS.test(p))) return at(mod, c.call.r, "renders Jinja templates", true);
    }
  }
  const tpl = project.files.find((f) => f.kind === "template" && f.subkind !== "candidate");
  return tpl ? { file: tpl.path, note: "Jinja template in the project", control: true } : null;
}

// ---------- the mitigations ----------

const DEBUG_RULES = ["FLASK-DEPLOY-002", "FLASK-DEPLOY-001", "FLASK-DEPLOY-003"];

function checkDebug(input: PostureInput): Outcome {
  if (!hasApps(input)) return naNoApp();
  const { project } = input;
  const debugOn = findingsOf(input, ["FLASK-DEPLOY-002"]);
  const devServer = findingsOf(input, ["FLASK-DEPLOY-001", "FLASK-DEPLOY-003"]);
  const evidence: PostureEvidence[] = [];
  for (const w of productionWrites(project, "DEBUG")) {
    const env = envVarRead(project, w.mod, w.where.scope, w.value);
    if (project.truthy(w.mod, w.where.scope, w.value) === false) evidence.push(at(w.mod, w.r, "DEBUG is off in the production configuration", true));
    else if (env) evidence.push(at(w.mod, w.r, `DEBUG comes from the environment variable ${env}`, true));
  }
  evidence.push(...findingEvidence([...debugOn, ...devServer]));
  if (debugOn.length > 0) return outcome("missing", evidence, "Switch debug off for production: remove `debug=True`/`DEBUG = True` from code and config that production loads, and read it from the environment only in development.");
  if (devServer.length > 0) return outcome("partial", evidence, "Debug is off, but production starts the development server or development tooling; serve the app with a WSGI server (gunicorn, uWSGI) and keep debugging tools out of production.");
  if (!evidence.some((e) => e.control)) evidence.push(...appEvidence(input, "debug is never switched on in production code or deployment files (Flask's default is off)", true));
  return outcome("implemented", evidence, "");
}

function checkSecretKey(input: PostureInput): Outcome {
  if (!hasApps(input)) return naNoApp();
  const { project } = input;
  const found = findingsOf(input, ["FLASK-CONFIG-001"]);
  const evidence: PostureEvidence[] = [];
  let fromEnv = false;
  let unknown: string | null = null;
  const prod = input.prodApps.length > 0;
  for (const app of postureApps(input)) {
    // keySource only reads production code; an app whose factory only development code calls gets its own writes.
    const own = prod ? undefined : project.configWrites.find((w) => w.key === "SECRET_KEY" && w.apps.includes(app) && inProduction(project, w.mod, w.where));
    const src = own ? { kind: "write" as const, write: own } : keySource(project, app, "SECRET_KEY");
    if (src?.kind === "write") {
      const w = src.write;
      const env = envVarRead(project, w.mod, w.where.scope, w.value);
      if (env) {
        fromEnv = true;
        evidence.push(at(w.mod, w.r, `SECRET_KEY is read from the environment variable ${env}`, true));
      } else if (w.value.k === "call") {
        // Generated or loaded at start-up (`secrets.token_hex(32)`, a key file, a key kept in the database).
        fromEnv = true;
        evidence.push(at(w.mod, w.r, "SECRET_KEY is computed at start-up, not written in the code", true));
      }
    } else if (src?.kind === "unknown") unknown ??= src.why;
    // A config file named by an environment variable may replace what the code sets (`from_envvar`).
    for (const l of project.configLoads) {
      if (unknown || !l.apps.includes(app) || !inProduction(project, l.mod, l.where)) continue;
      if (l.method === "from_envvar" || l.method === "from_prefixed_env" || l.method === "from_file") unknown = `config is also read with \`${l.method}\` in ${l.mod.path}:${lineOf(l.r)}`;
    }
  }
  // A key set per environment in `__init__` (`self.SECRET_KEY = os.environ["SECRET_KEY"]`) is a config-class attribute the writes above do not list.
  for (const cc of project.configClasses) {
    if (cc.env === "development" || cc.env === "testing") continue;
    for (const a of cc.mod.index.assigns) {
      if (!a.scope.startsWith(`${cc.def.qualname}.`)) continue;
      if (!a.targets.some((t) => t.k === "attr" && t.name === "SECRET_KEY" && t.obj.k === "name" && t.obj.id === "self")) continue;
      const env = envVarRead(project, cc.mod, a.scope, a.value);
      if (env) {
        fromEnv = true;
        evidence.push(at(cc.mod, a.r, `\`${cc.def.name}\` reads SECRET_KEY from the environment variable ${env}`, true));
      }
    }
  }
  evidence.push(...findingEvidence(found));
  const sure = found.filter((f) => f.confidence === "high");
  if (sure.length > 0) return outcome("missing", evidence, "Remove the hard-coded or weak key: read SECRET_KEY from the environment (`os.environ[\"SECRET_KEY\"]`, so start-up fails without it) and generate it with `secrets.token_hex(32)`; rotate the exposed one.");
  if (found.length > 0) return outcome("partial", evidence, "The key comes from the environment but falls back to a value in the code or a weak one; drop the fallback so production cannot start with it.");
  if (fromEnv) return outcome("implemented", evidence, "");
  if (unknown) {
    evidence.push(...appEvidence(input, `the key is not hard-coded: ${unknown}`, true));
    return outcome("implemented", evidence, "");
  }
  const use = sessionUse(project);
  if (!use) return { verdict: "not-applicable", evidence: appEvidence(input, "no session, flash message, login or CSRF extension: nothing is signed with SECRET_KEY", true), nextStep: "" };
  evidence.push(use, ...appEvidence(input, "no SECRET_KEY source found for the app", false));
  return outcome("partial", evidence, "Set SECRET_KEY in the production configuration from the environment; no source for it was found although the app uses the session.");
}

const SAFE_SAMESITE = new Set(["lax", "strict"]);

function checkSessionCookies(input: PostureInput): Outcome {
  if (!hasApps(input)) return naNoApp();
  const { project } = input;
  const found = findingsOf(input, ["FLASK-SESS-001", "FLASK-SESS-002"]);
  const use = sessionUse(project);
  if (!use && found.length === 0) return { verdict: "not-applicable", evidence: appEvidence(input, "the app sets no session cookie: it never uses `session`, `flash` or a login/CSRF extension", true), nextStep: "" };
  const evidence: PostureEvidence[] = [];
  const talisman = prodExtensions(project, /^flask_talisman(\.talisman)?\.Talisman$/).filter((e) => isBound(project, e));
  const flag = (key: string, good: (w: ConfigWrite) => boolean, byDefault: boolean): boolean => {
    const writes = productionWrites(project, key);
    if (writes.length === 0) return byDefault;
    const ok = writes.every(good);
    for (const w of writes) evidence.push(at(w.mod, w.r, `${key} ${ok ? "set" : "weakened"} in the production configuration`, ok));
    return ok;
  };
  const truthy = (w: ConfigWrite) => project.truthy(w.mod, w.where.scope, w.value) === true || envVarRead(project, w.mod, w.where.scope, w.value) !== null || w.value.k === "call";
  const secure = flag("SESSION_COOKIE_SECURE", truthy, talisman.length > 0);
  const httpOnly = flag("SESSION_COOKIE_HTTPONLY", (w) => project.truthy(w.mod, w.where.scope, w.value) !== false, true);
  const sameSite = flag("SESSION_COOKIE_SAMESITE", (w) => SAFE_SAMESITE.has((project.constString(w.mod, w.where.scope, w.value) ?? "").toLowerCase()), false);
  if (talisman.length > 0) evidence.push(at(talisman[0]!.mod, talisman[0]!.call.r, "Flask-Talisman marks the session cookie Secure and HttpOnly", true));
  if (!httpOnly) evidence.push(...appEvidence(input, "SESSION_COOKIE_HTTPONLY switched off", false));
  if (!sameSite && !productionWrites(project, "SESSION_COOKIE_SAMESITE").length) evidence.push(...appEvidence(input, "SESSION_COOKIE_SAMESITE is not set", false));
  if (!secure && !productionWrites(project, "SESSION_COOKIE_SECURE").length) evidence.push(...appEvidence(input, "SESSION_COOKIE_SECURE is not set", false));
  evidence.push(...findingEvidence(found));
  const good = [secure, httpOnly, sameSite].filter(Boolean).length;
  const next = "Set SESSION_COOKIE_SECURE = True, SESSION_COOKIE_HTTPONLY = True and SESSION_COOKIE_SAMESITE = \"Lax\" in the production configuration (and the REMEMBER_COOKIE_* equivalents with Flask-Login).";
  if (good === 3 && found.length === 0) return outcome("implemented", evidence, "");
  if (!secure && found.length > 0 && good <= 1) return outcome("missing", evidence, next);
  return outcome("partial", evidence, next);
}

/** Flask autoescapes templates with these extensions; others render unescaped. */
const ESCAPED_TEMPLATE = /\.(html|htm|xml|xhtml|svg)$/i;
const UNESCAPED_HTML_TEMPLATE = /\.(j2|jinja|jinja2|tmpl|tpl)$/i;

function checkAutoescape(input: PostureInput): Outcome {
  if (!hasApps(input)) return naNoApp();
  const { project } = input;
  const found = findingsOf(input, ["FLASK-XSS-001", "FLASK-SSTI-001"]);
  const use = templateUse(project);
  if (!use && found.length === 0) return { verdict: "not-applicable", evidence: appEvidence(input, "the app renders no Jinja templates (no template files, no render_template)", true), nextStep: "" };
  const evidence: PostureEvidence[] = [];
  let disabled = false;
  let globalOff = false;
  for (const mod of project.flaskModules()) {
    for (const a of mod.index.assigns) {
      if (!inProduction(project, mod, a)) continue;
      for (const t of a.targets) {
        // app.jinja_env.autoescape = False
        if (t.k === "attr" && t.name === "autoescape" && t.obj.k === "attr" && t.obj.name === "jinja_env" && project.appsOf(mod, a.scope, t.obj.obj).isApp && project.truthy(mod, a.scope, a.value) === false) {
          globalOff = true;
          evidence.push(at(mod, a.r, "autoescaping switched off for every template (`jinja_env.autoescape = False`)", false));
        }
      }
    }
    for (const c of mod.index.calls) {
      if (!inProduction(project, mod, c)) continue;
      const fn = c.call.fn;
      const ae = c.call.kw.find((k) => k.name === "autoescape");
      if (ae && project.truthy(mod, c.scope, ae.value) === false && project.extPaths(mod, c.scope, fn).some((p) => /^jinja2(\.environment)?\.Environment$/.test(p))) {
        evidence.push(at(mod, c.call.r, "a Jinja environment built with `autoescape=False`", false));
        disabled = true;
      }
      // render_template("page.j2"): Flask only autoescapes .html, .htm, .xml, .xhtml and .svg templates.
      const first = c.call.args[0];
      if (first?.k === "str" && UNESCAPED_HTML_TEMPLATE.test(first.v) && !ESCAPED_TEMPLATE.test(first.v) && project.extPaths(mod, c.scope, fn).some((p) => RENDERERS.test(p))) {
        evidence.push(at(mod, c.call.r, `\`${first.v}\` is rendered without autoescaping (Flask escapes only .html, .htm, .xml, .xhtml and .svg templates)`, false));
        disabled = true;
      }
    }
  }
  evidence.push(...findingEvidence(found));
  if (!disabled && !globalOff && found.length === 0) {
    evidence.push({ file: use?.file ?? "", line: use?.line, note: "renders Jinja templates with autoescaping at Flask's default (on for HTML templates); no rule finds request data marked safe", control: true });
    return outcome("implemented", evidence, "");
  }
  const next = "Keep autoescaping on (name HTML templates *.html, never set `autoescape=False`), and remove `|safe`, `Markup(...)` and `{% autoescape false %}` around data that users control.";
  // Off for every template is no autoescaping at all; a template or an environment without it, or data marked safe, is a hole in it.
  return outcome(globalOff ? "missing" : "partial", evidence, next);
}

const FLOW_RULES = ["FLASK-INJECT-001", "FLASK-INJECT-002", "FLASK-INJECT-003", "FLASK-INJECT-004", "FLASK-INJECT-005", "FLASK-PATH-001", "FLASK-SSRF-001", "FLASK-DESER-001"];

function checkInputValidation(input: PostureInput): Outcome {
  if (!hasApps(input)) return naNoApp();
  const reading = input.views.filter((v) => v.reads.size > 0);
  const found = findingsOf(input, FLOW_RULES);
  const next = "Validate request data at the edge of each view: a Flask-WTF form, a marshmallow/pydantic schema (webargs, flask-smorest, APIFlask) or explicit type, length and allow-list checks, and typed URL converters (`<int:id>`).";
  if (reading.length === 0 && found.length === 0) {
    // Request data read outside the views the inventory found (helpers, base classes, routes it cannot resolve): the check cannot judge those reads.
    const elsewhere = requestReads(input.project, DATA_ATTRS);
    if (elsewhere.length === 0) return { verdict: "not-applicable", evidence: appEvidence(input, "no code reads query arguments, form fields, JSON bodies or files (URL parameters come through Flask's converters)", true), nextStep: "" };
    const seenLines = new Set<string>();
    const distinct = elsewhere.filter((r) => {
      const key = `${r.mod.path}:${lineOf(r.r)}`;
      return !seenLines.has(key) && Boolean(seenLines.add(key));
    });
    const ev = distinct.slice(0, 3).map((r) => at(r.mod, r.r, `reads request.${r.attr}${r.where.scope ? ` in \`${r.where.scope}\`` : ""}, outside any view the route inventory found; how it is validated is not judged`, false));
    return outcome("partial", ev, next);
  }
  const raw = reading.filter((v) => v.validation === "raw");
  const declared = reading.filter((v) => v.validation === "declared");
  const checked = reading.filter((v) => v.validation === "checked");
  const evidence: PostureEvidence[] = [];
  const label = (v: ViewReport) => `\`${v.def.qualname}\` (${v.route.methods.join(",")} ${v.route.path})`;
  for (const v of declared.slice(0, 3)) evidence.push(at(v.mod, v.line, `${label(v)} ${v.how}`, true));
  for (const v of checked.slice(0, 3)) evidence.push(at(v.mod, v.line, `${label(v)} ${v.how}`, true));
  for (const v of raw.slice(0, 5)) evidence.push(at(v.mod, v.line, `${label(v)} reads request.${[...v.reads].join("/")} and uses it without a schema, form class or check`, false));
  if (raw.length > 5) evidence.push({ file: "", note: `and ${raw.length - 5} more views that use request data unchecked`, control: false });
  if (reading.length > 0) evidence.unshift({ file: "", note: `${reading.length} view${reading.length === 1 ? "" : "s"} read request data: ${declared.length} through a schema or form class, ${checked.length} with hand-written checks, ${raw.length} unchecked`, control: raw.length === 0 });
  evidence.push(...findingEvidence(found));
  if (raw.length === 0 && found.length === 0) return outcome("implemented", evidence, "");
  if (reading.length > 0 && raw.length === reading.length && declared.length + checked.length === 0) return outcome("missing", evidence, next);
  return outcome("partial", evidence, next);
}

function checkUploads(input: PostureInput): Outcome {
  if (!hasApps(input)) return naNoApp();
  const { project } = input;
  const uploads = input.views.filter((v) => v.reads.has("files"));
  const found = findingsOf(input, ["FLASK-UPLOAD-001"]);
  const limits = findingsOf(input, ["FLASK-LIMITS-001"]);
  if (uploads.length === 0 && found.length === 0) return { verdict: "not-applicable", evidence: appEvidence(input, "no view reads `request.files`: the app takes no uploads", true), nextStep: "" };
  const evidence: PostureEvidence[] = [];
  // 1. A size limit.
  const maxLen = productionWrites(project, "MAX_CONTENT_LENGTH").filter((w) => w.value.k !== "none");
  const sized = maxLen.length > 0 && limits.length === 0;
  if (maxLen[0]) evidence.push(at(maxLen[0].mod, maxLen[0].r, "MAX_CONTENT_LENGTH bounds request bodies", true));
  else evidence.push(...appEvidence(input, "no MAX_CONTENT_LENGTH: uploads of any size are accepted", false));
  // 2. Safe names (secure_filename, or no client-chosen path found by FLASK-UPLOAD-001) and 3. an allow-list of types.
  let named = false;
  let allowList = false;
  for (const v of uploads) {
    const scope = v.def.qualname;
    for (const { e } of stepExprs(v.steps)) {
      for (const { e: x } of subExprs(e)) {
        if (!named && x.k === "call" && project.extPaths(v.mod, scope, x.fn).some((p) => /^werkzeug(\.utils)?\.secure_filename$/.test(p))) {
          named = true;
          evidence.push(at(v.mod, x.r, `\`${v.def.qualname}\` cleans the file name with secure_filename`, true));
        }
      }
    }
    // `ext in ALLOWED`, `TYPES.get(ext) is None`, `name.endswith(".png")` on data from the request, in a condition.
    if (!allowList && v.allowList !== null) {
      allowList = true;
      evidence.push(at(v.mod, v.allowList, `\`${v.def.qualname}\` checks the file type against an allow-list`, true));
    }
  }
  if (!named && found.length === 0 && uploads.length > 0) {
    named = true;
    evidence.push(at(uploads[0]!.mod, uploads[0]!.line, "FLASK-UPLOAD-001 finds no upload stored under a client-chosen name", true));
  }
  if (!allowList) for (const v of uploads.slice(0, 3)) evidence.push(at(v.mod, v.line, `\`${v.def.qualname}\` accepts any file type (no extension or type allow-list in the view)`, false));
  evidence.push(...findingEvidence([...found, ...limits]));
  const good = [sized, named && found.length === 0, allowList].filter(Boolean).length;
  const next = "For every upload: set MAX_CONTENT_LENGTH, store files under a generated name (or `secure_filename`) outside the static folder, and accept only an allow-list of extensions whose content matches.";
  if (good === 3) return outcome("implemented", evidence, "");
  return outcome(good === 0 ? "missing" : "partial", evidence, next);
}

function checkAccessControl(input: PostureInput): Outcome {
  if (!servesRoutes(input)) return naNoApp(hasApps(input) ? "no route the scanner can resolve (routes added in ways it does not follow are not judged)" : NO_APP_NOTE);
  const found = findingsOf(input, ["FLASK-AUTH-001", "FLASK-AUTH-002", "FLASK-API-001"]);
  const routes = input.inventory.routes;
  const authed = routes.filter((r) => r.auth.length > 0);
  const evidence: PostureEvidence[] = [];
  // Per blueprint: how many of its routes are behind a guard.
  const byBp = new Map<string, { bp: FlaskObject; total: number; guarded: number; guards: Set<string> }>();
  for (const r of routes) {
    const bp = r.blueprints[r.blueprints.length - 1];
    if (!bp) continue;
    const e = byBp.get(bp.site) ?? { bp, total: 0, guarded: 0, guards: new Set<string>() };
    e.total++;
    if (r.auth.length > 0) e.guarded++;
    for (const a of r.auth) e.guards.add(a.name.replace(/^.*\./, ""));
    byBp.set(bp.site, e);
  }
  for (const { bp, total, guarded, guards } of byBp.values()) {
    if (guarded === 0) continue;
    evidence.push(at(bp.mod, bp.call.r, `blueprint ${bp.name ?? "?"}${bp.urlPrefix ? ` (${bp.urlPrefix})` : ""}: ${guarded} of ${total} routes behind ${[...guards].map((g) => `\`${g}\``).join(", ")}`, true));
  }
  const appLevel = authed.filter((r) => r.blueprints.length === 0);
  evidence.push(...findingEvidence(found));
  const next = "Put administrative and account routes in their own blueprints and guard each blueprint as a whole (a `before_request` check or a decorator on every view: `login_required`, role checks); close or protect the routes listed.";
  if (found.length > 0) return outcome(authed.length > 0 ? "partial" : "missing", evidence, next);
  if (authed.length === 0) return { verdict: "not-applicable", evidence: [...evidence, ...appEvidence(input, "no route has a guard the scanner recognises, and FLASK-AUTH-001 finds no sensitive route without one (name project-specific guards with [tool.flaskwarden.routes] auth-decorators)", true)], nextStep: "" };
  if (byBp.size === 0 && appLevel.length > 0) {
    evidence.push(at(appLevel[0]!.file, appLevel[0]!.line, `${appLevel.length} guarded route${appLevel.length === 1 ? "" : "s"} registered on the app itself, without blueprints`, false));
    return outcome("partial", evidence, "Group the guarded routes in blueprints so that access control is applied per group and a new route cannot be added outside it by mistake.");
  }
  return outcome("implemented", evidence, "");
}

/** Error-handler arguments that cover server errors, where internals would leak. */
const SERVER_ERRORS = /^(500|Exception|BaseException|HTTPException|InternalServerError|werkzeug\.exceptions\.(InternalServerError|HTTPException)|builtins\.Exception)$/;

function checkErrorHandlers(input: PostureInput): Outcome {
  if (!hasApps(input)) return naNoApp();
  const { project } = input;
  // FLASK-ERROR-001 also gives app-wide advice at the app's construction when no handler covers 500;
  // the handler survey below judges that case, so only the other findings (details that leak) are gaps here.
  const appSites = new Set(project.apps.map((a) => `${a.mod.path}:${lineOf(a.call.r)}`));
  const found = findingsOf(input, ["FLASK-ERROR-001"]).filter((f) => !appSites.has(`${f.file}:${f.range.start.line}`));
  const tooling = findingsOf(input, ["FLASK-DEPLOY-003"]);
  const handlers: { mod: ModuleInfo; r: R; what: string; server: boolean }[] = [];
  const describe = (mod: ModuleInfo, scope: string, arg: Expr | undefined): { what: string; server: boolean } => {
    if (!arg) return { what: "?", server: false };
    const text = arg.k === "num" ? String(arg.v) : arg.k === "name" ? arg.id : arg.k === "attr" ? arg.name : "?";
    const paths = arg.k === "num" ? [] : project.extPaths(mod, scope, arg);
    return { what: text, server: SERVER_ERRORS.test(text) || paths.some((p) => SERVER_ERRORS.test(p)) };
  };
  for (const mod of project.flaskModules()) {
    for (const d of mod.index.defs) {
      if (d.kind !== "function" || !inProduction(project, mod, d)) continue;
      for (const deco of d.decorators) {
        if (deco.k !== "call" || deco.fn.k !== "attr" || (deco.fn.name !== "errorhandler" && deco.fn.name !== "app_errorhandler")) continue;
        if (project.objectsOf(mod, d.scope, deco.fn.obj).length === 0 && !project.appsOf(mod, d.scope, deco.fn.obj).isApp) continue;
        handlers.push({ mod, r: d.nameR, ...describe(mod, d.scope, deco.args[0]) });
      }
    }
    for (const c of mod.index.calls) {
      const fn = c.call.fn;
      if (fn.k !== "attr" || (fn.name !== "register_error_handler" && fn.name !== "errorhandler") || fn.obj.k === "call" || c.call.args.length < 2) continue;
      if (!inProduction(project, mod, c)) continue;
      if (project.objectsOf(mod, c.scope, fn.obj).length === 0 && !project.appsOf(mod, c.scope, fn.obj).isApp) continue;
      handlers.push({ mod, r: c.call.r, ...describe(mod, c.scope, c.call.args[0]) });
    }
  }
  const evidence: PostureEvidence[] = handlers.slice(0, 6).map((h) => at(h.mod, h.r, `custom handler for ${h.what}`, true));
  const server = handlers.some((h) => h.server);
  evidence.push(...findingEvidence([...found, ...tooling]));
  const next = "Register handlers for 500 (and `Exception`) on the app that return a generic page or JSON message and log the details server-side; never put exception text, tracebacks or settings in the response.";
  if (found.length > 0) return outcome("missing", evidence, next);
  if (handlers.length === 0) {
    evidence.push(...appEvidence(input, "no custom error handler: Flask's built-in pages are used (generic while debug is off, but not under your control)", false));
    return outcome("missing", evidence, next);
  }
  if (!server) {
    evidence.push(...appEvidence(input, "no handler for 500 or Exception", false));
    return outcome("partial", evidence, next);
  }
  if (tooling.length > 0) return outcome("partial", evidence, next);
  return outcome("implemented", evidence, "");
}

const SECURITY_EXTENSIONS = /^(flask_wtf(\.csrf)?\.(CSRFProtect|CsrfProtect)|flask_seasurf\.SeaSurf|flask_talisman(\.talisman)?\.Talisman|flask_limiter(\.extension)?\.Limiter|flask_cors(\.extension)?\.CORS|flask_login(\.login_manager)?\.LoginManager|flask_jwt_extended(\.jwt_manager)?\.JWTManager|flask_security(\.core)?\.Security|flask_session\.Session|flask_httpauth\.\w+Auth|flask_principal\.Principal)$/;

function checkExtensions(input: PostureInput): Outcome {
  if (!hasApps(input)) return naNoApp();
  const { project } = input;
  const exts = prodExtensions(project, SECURITY_EXTENSIONS);
  const found = findingsOf(input, ["FLASK-CSRF-001", "FLASK-CORS-001"]);
  const evidence: PostureEvidence[] = [];
  const unbound: ExtensionObject[] = [];
  const seen = new Set<string>();
  for (const e of exts) {
    // Flask-HTTPAuth objects are never bound to an app; every other extension must be.
    const bound = /^flask_httpauth\./.test(e.cls) || isBound(project, e);
    if (!bound) unbound.push(e);
    const name = extName(e);
    if (seen.has(name) && bound) continue;
    seen.add(name);
    evidence.push(at(e.mod, e.call.r, bound ? `${name} is set up` : `${name} is created but never attached to an app`, bound));
  }
  const csrfOff = productionWrites(project, "WTF_CSRF_ENABLED").filter((w) => project.truthy(w.mod, w.where.scope, w.value) === false);
  for (const w of csrfOff) evidence.push(at(w.mod, w.r, "WTF_CSRF_ENABLED = False switches CSRF protection off", false));
  evidence.push(...findingEvidence(found));
  const next = "Configure each extension for production: CSRFProtect on every cookie-authenticated form, CORS limited to named origins without credentials for `*`, Talisman with a CSP, Limiter with shared storage, Flask-Login/JWT cookies Secure and HttpOnly; attach every extension to the app.";
  if (exts.length === 0 && found.length === 0) return { verdict: "not-applicable", evidence: appEvidence(input, "the app uses none of the security extensions (CSRF, Talisman, Limiter, CORS, Login, JWT) and no rule finds one missing", true), nextStep: "" };
  if (exts.length === 0) return outcome("missing", evidence, next);
  if (found.length > 0 || unbound.length > 0 || csrfOff.length > 0) return outcome("partial", evidence, next);
  return outcome("implemented", evidence, "");
}

function checkEnvironments(input: PostureInput): Outcome {
  if (!hasApps(input)) return naNoApp();
  const { project } = input;
  const found = findingsOf(input, ["FLASK-CONFIG-002"]);
  const evidence: PostureEvidence[] = [];
  // Separation: config classes per environment, or settings read from the environment at start-up.
  const kinds = new Set(project.configClasses.map((c) => c.env).filter((k) => k !== "base"));
  const prodClasses = project.configClasses.filter((c) => c.env === "production");
  if (kinds.size >= 2) {
    const first = prodClasses[0] ?? project.configClasses.find((c) => c.env !== "base")!;
    evidence.push(at(first.mod, first.def.nameR, `configuration classes per environment (${[...kinds].sort().join(", ")})`, true));
  }
  const envLoads = project.configLoads.filter((l) => (l.method === "from_envvar" || l.method === "from_prefixed_env") && inProduction(project, l.mod, l.where));
  for (const l of envLoads.slice(0, 2)) evidence.push(at(l.mod, l.r, `configuration read with \`${l.method}\` at start-up`, true));
  // Fails closed: a production setting read with `os.environ[...]` (KeyError when unset), an exception raised
  // by the production configuration, or `from_envvar` without `silent=True`.
  let closed: PostureEvidence | null = null;
  for (const cc of prodClasses) {
    const inside = (scope: string) => scope === cc.def.qualname || scope.startsWith(`${cc.def.qualname}.`);
    for (const c of cc.mod.index.calls) {
      if (closed || !inside(c.scope)) continue;
      const name = c.call.fn.k === "name" ? c.call.fn.id : "";
      if (/(Error|Exception)$/.test(name)) closed = at(cc.mod, c.call.r, `\`${cc.def.name}\` refuses to start when a required setting is missing (raises ${name})`, true);
    }
    for (const a of cc.mod.index.assigns) {
      if (closed || !inside(a.scope)) continue;
      for (const { e } of subExprs(a.value)) {
        if (e.k === "sub" && project.extPaths(cc.mod, a.scope, e.obj).includes("os.environ")) {
          closed = at(cc.mod, a.r, `\`${cc.def.name}\` reads a required setting with \`os.environ[...]\`, so start-up fails without it`, true);
          break;
        }
      }
    }
  }
  for (const key of ["SECRET_KEY"]) {
    for (const w of productionWrites(project, key)) {
      if (!closed && w.value.k === "sub" && envVarRead(project, w.mod, w.where.scope, w.value)) closed = at(w.mod, w.r, `${key} is read with \`os.environ[...]\`, so start-up fails without it`, true);
    }
  }
  for (const l of envLoads) {
    // `if os.environ.get("APP_CONFIG"): app.config.from_envvar("APP_CONFIG")` is optional: start-up goes on without it.
    if (closed || l.method !== "from_envvar" || l.where.conds.length > 0) continue;
    const call = l.mod.index.calls.find((c) => c.call.r === l.r)?.call;
    const silent = call?.kw.find((k) => k.name === "silent");
    if (!(silent && project.truthy(l.mod, l.where.scope, silent.value) === true)) closed = at(l.mod, l.r, "`from_envvar` without `silent=True` stops start-up when the variable is unset", true);
  }
  const separated = kinds.size >= 2 || envLoads.length > 0 || productionWrites(project, "SECRET_KEY").some((w) => envVarRead(project, w.mod, w.where.scope, w.value) !== null);
  if (closed) evidence.push(closed);
  else if (separated) evidence.push(...appEvidence(input, "production starts with defaults when a setting is missing (nothing raises or requires it)", false));
  evidence.push(...findingEvidence(found));
  const next = "Keep one configuration per environment (or read every setting from the environment), select it explicitly, and make the production one refuse to start when SECRET_KEY or other required settings are missing instead of falling back to development defaults.";
  if (!separated && project.configWrites.length === 0 && project.configLoads.length === 0) {
    return { verdict: "missing", evidence: [...evidence, ...appEvidence(input, "the app sets no configuration at all: every environment runs on the same built-in defaults", false)], nextStep: next };
  }
  if (!separated) return outcome("missing", [...evidence, ...appEvidence(input, "one configuration for every environment, written in the code", false)], next);
  if (closed && found.length === 0) return outcome("implemented", evidence, "");
  return outcome("partial", evidence, next);
}

const LIMITER = /^flask_limiter(\.extension)?\.Limiter$/;

function checkRateLimiting(input: PostureInput): Outcome {
  if (!hasApps(input)) return naNoApp();
  const { project } = input;
  const found = findingsOf(input, ["FLASK-RATE-001"]);
  const limiters = prodExtensions(project, LIMITER);
  const evidence: PostureEvidence[] = [];
  for (const l of limiters.slice(0, 2)) {
    const defaults = l.call.kw.find((k) => k.name === "default_limits" || k.name === "application_limits");
    evidence.push(at(l.mod, l.call.r, defaults ? "Flask-Limiter with default limits for every route" : "Flask-Limiter is set up", true));
  }
  const limited = input.inventory.routes.filter((r) => r.rate.some((x) => x.kind !== "exempt"));
  if (limited.length > 0) evidence.push({ file: limited[0]!.file, line: limited[0]!.line, note: `${limited.length} of ${input.inventory.routes.length} routes have a rate limit`, control: true });
  evidence.push(...findingEvidence(found));
  const next = "Add Flask-Limiter with shared storage (Redis) and default limits, with tighter limits on login, registration, password reset and other expensive routes.";
  if (limiters.length === 0 && limited.length === 0) {
    if (found.length === 0) evidence.push(...appEvidence(input, "no rate limiter: every route accepts unlimited requests", false));
    return outcome("missing", evidence, next);
  }
  if (found.length > 0) return outcome("partial", evidence, next);
  return outcome("implemented", evidence, "");
}

function checkHosts(input: PostureInput): Outcome {
  if (!hasApps(input)) return naNoApp();
  const { project } = input;
  const found = findingsOf(input, ["FLASK-HOST-001", "FLASK-PROXY-001"]);
  const evidence: PostureEvidence[] = [];
  let validated = false;
  // Config objects built in `__init__` set TRUSTED_HOSTS on `self` in a production config class.
  for (const cc of project.configClasses) {
    if (validated || cc.env === "development" || cc.env === "testing") continue;
    const a = cc.mod.index.assigns.find((x) => x.scope.startsWith(`${cc.def.qualname}.`) && x.targets.some((t) => t.k === "attr" && t.name === "TRUSTED_HOSTS" && t.obj.k === "name" && t.obj.id === "self"));
    if (a) {
      validated = true;
      evidence.push(at(cc.mod, a.r, `\`${cc.def.name}\` sets TRUSTED_HOSTS`, true));
    }
  }
  let unsure = false;
  for (const app of postureApps(input)) {
    if (validated) break;
    const src = keySource(project, app, "TRUSTED_HOSTS");
    if (src?.kind === "write" && src.write.value.k !== "none") {
      validated = true;
      evidence.push(at(src.write.mod, src.write.r, "TRUSTED_HOSTS limits the Host headers the app answers", true));
    } else if (src?.kind === "unknown" && !unsure) {
      unsure = true;
      evidence.push(at(app.mod, app.call.r, `TRUSTED_HOSTS is not set where the scanner can read it, but may be set elsewhere: ${src.why}`, false));
    }
  }
  if (project.extensions.some((e) => /^flask_allowed_hosts\./.test(e.cls))) {
    validated = true;
    evidence.push({ file: project.extensions.find((e) => /^flask_allowed_hosts\./.test(e.cls))!.mod.path, note: "Flask-Allowed-Hosts checks the Host header", control: true });
  }
  const proxy = prodExtensions(project, /^werkzeug\.middleware\.proxy_fix\.ProxyFix$/);
  if (proxy[0] && !found.some((f) => f.ruleId === "FLASK-PROXY-001")) evidence.push(at(proxy[0].mod, proxy[0].call.r, "ProxyFix trusts only the proxy hops configured", true));
  evidence.push(...findingEvidence(found));
  const next = "Set TRUSTED_HOSTS (Flask 3.1+) from the environment in production, or make the reverse proxy answer only for the real host names; trust exactly as many proxy hops as you have.";
  if (found.some((f) => f.ruleId === "FLASK-HOST-001")) return outcome("missing", evidence, next);
  // A source the scanner cannot read may hold the setting: the control cannot be confirmed, so partial.
  if (!validated && unsure) return outcome("partial", evidence, `${next} Keep the setting where it can be reviewed with the code, or confirm the external configuration sets it.`);
  if (!validated) {
    evidence.push(...appEvidence(input, "TRUSTED_HOSTS is never set: the app answers for any Host header", false));
    return outcome("missing", evidence, next);
  }
  if (found.length > 0) return outcome("partial", evidence, next);
  return outcome("implemented", evidence, "");
}

const HEADER_NAMES = new Set(["content-security-policy", "x-frame-options", "x-content-type-options", "strict-transport-security"]);

function checkHeaders(input: PostureInput): Outcome {
  if (!hasApps(input)) return naNoApp();
  const { project } = input;
  const found = findingsOf(input, ["FLASK-HEADERS-001"]);
  const evidence: PostureEvidence[] = [];
  const talisman = prodExtensions(project, /^flask_talisman(\.talisman)?\.Talisman$/);
  for (const t of talisman.slice(0, 1)) evidence.push(at(t.mod, t.call.r, "Flask-Talisman sets CSP, HSTS, frame and nosniff headers", true));
  const written = headerWrites(project).filter((w) => w.name && HEADER_NAMES.has(w.name.toLowerCase()) && inProduction(project, w.mod, w.where));
  for (const w of written.slice(0, 3)) evidence.push(at(w.mod, w.r, `sets ${w.name}`, true));
  for (const d of project.deployment) {
    if (isDevDeploymentFile(d.file)) continue;
    for (const h of d.facts.proxy?.headers ?? []) if (HEADER_NAMES.has(h.name.toLowerCase())) evidence.push({ file: d.file.path, line: h.range.start.line, note: `the proxy adds ${h.name}`, control: true });
  }
  evidence.push(...findingEvidence(found));
  const controls = evidence.filter((e) => e.control).length;
  const next = "Send Content-Security-Policy (with frame-ancestors), X-Content-Type-Options: nosniff and HSTS on every response: Flask-Talisman, an `after_request` hook, or the reverse proxy config kept in the repository.";
  if (found.length > 0) return outcome(controls > 0 ? "partial" : "missing", evidence, next);
  if (controls > 0) return outcome("implemented", evidence, "");
  // Header names taken from settings (`for name, value in settings["headers"].items()`): may be security headers, cannot be confirmed.
  const dynamic = headerWrites(project).find((w) => w.name === null && inProduction(project, w.mod, w.where));
  if (dynamic) return outcome("partial", [at(dynamic.mod, dynamic.r, "response headers are set from data the scanner cannot read; whether they include CSP, frame protection and nosniff is not confirmed", false)], `${next} Keep the header names in the code or the repository's proxy config so they can be reviewed.`);
  if (!templateUse(project)) return { verdict: "not-applicable", evidence: appEvidence(input, "the app serves no HTML pages (no templates), so browser page protections do not apply", true), nextStep: "" };
  evidence.push(...appEvidence(input, "no security header is set in the code or the proxy config in the repository", false));
  return outcome("missing", evidence, next);
}

function checkDependencies(input: PostureInput): Outcome {
  const { project } = input;
  const found = findingsOf(input, ["FLASK-SUPPLY-001"]);
  const manifests = project.manifests.filter((m) => !isDevDeploymentFile(m.file));
  if (manifests.length === 0) {
    if (!hasApps(input)) return naNoApp();
    return outcome("missing", appEvidence(input, "no requirements file, pyproject, Pipfile or lock file: the installed versions are not recorded", false), "Record the dependencies with exact versions (requirements.txt with `==`, or a lock file from pip-compile, uv or Poetry) and check them against advisories in CI.");
  }
  const evidence: PostureEvidence[] = [];
  const runtime = manifests.flatMap((m) => m.facts.deps.filter((d) => d.group === null && !d.direct).map((d) => ({ m, d })));
  const locked = manifests.some((m) => m.facts.deps.some((d) => d.dialect === "locked"));
  const pinned = runtime.filter(({ d }) => d.dialect === "locked" || /^===?\s*[\w.]+$/.test(d.spec.trim()));
  if (locked) {
    const lock = manifests.find((m) => m.facts.deps.some((d) => d.dialect === "locked"))!;
    evidence.push({ file: lock.file.path, note: "lock file records exact versions", control: true });
  } else if (runtime.length > 0) {
    evidence.push({ file: manifests[0]!.file.path, note: `${pinned.length} of ${runtime.length} runtime dependencies pinned to an exact version`, control: pinned.length === runtime.length });
  }
  evidence.push(...findingEvidence(found));
  const next = "Pin every runtime dependency to an exact, patched version (a lock file with hashes is best) and upgrade the ones with published advisories.";
  const vulnerable = found.filter((f) => f.severity !== "low");
  if (vulnerable.length > 0) return outcome("missing", evidence, next);
  if (found.length > 0 || (!locked && pinned.length < runtime.length)) return outcome("partial", evidence, next);
  return outcome("implemented", evidence, "");
}

/** The mitigations in report order. */
export const MITIGATIONS: readonly MitigationSpec[] = [
  { id: "debug-off", title: "Debug mode off in production", exposes: "critical", why: "the Werkzeug debugger runs any Python code a visitor sends", rules: DEBUG_RULES, check: checkDebug },
  { id: "secret-key", title: "Secret key from the environment, strong", exposes: "high", why: "a known key lets anyone forge sessions and signed tokens", rules: ["FLASK-CONFIG-001"], check: checkSecretKey },
  { id: "session-cookies", title: "Session cookie flags (Secure, HttpOnly, SameSite)", exposes: "medium", why: "cookies sent over HTTP or readable by script can be stolen", rules: ["FLASK-SESS-001", "FLASK-SESS-002"], check: checkSessionCookies },
  { id: "autoescape", title: "Template autoescaping intact", exposes: "high", why: "unescaped user data in pages is cross-site scripting", rules: ["FLASK-XSS-001", "FLASK-SSTI-001"], check: checkAutoescape },
  { id: "input-validation", title: "Input validation on routes that read request data", exposes: "high", why: "unchecked input is the raw material of injection and logic bugs", rules: FLOW_RULES, check: checkInputValidation },
  { id: "upload-handling", title: "Upload handling (safe names, size limit, type allow-list)", exposes: "high", why: "uploads can overwrite files or be served back as pages", rules: ["FLASK-UPLOAD-001", "FLASK-LIMITS-001"], check: checkUploads },
  { id: "access-control", title: "Sensitive endpoints grouped in blueprints with access control", exposes: "high", why: "an unguarded admin or data route is open to everyone", rules: ["FLASK-AUTH-001", "FLASK-AUTH-002", "FLASK-API-001"], check: checkAccessControl },
  { id: "error-handlers", title: "Custom error handlers that hide internals", exposes: "medium", why: "error details reveal code, queries and settings to attackers", rules: ["FLASK-ERROR-001", "FLASK-DEPLOY-003"], check: checkErrorHandlers },
  { id: "extensions", title: "Security extensions configured securely (CSRF, Talisman, Limiter, CORS, Login, JWT)", exposes: "high", why: "a misconfigured CSRF or CORS extension opens every form or API to other sites", rules: ["FLASK-CSRF-001", "FLASK-CORS-001"], check: checkExtensions },
  { id: "per-environment-config", title: "Per-environment configuration that fails closed", exposes: "medium", why: "development defaults reaching production switch protections off", rules: ["FLASK-CONFIG-002"], check: checkEnvironments },
  { id: "rate-limiting", title: "Rate limiting", exposes: "medium", why: "unlimited requests allow password guessing and resource exhaustion", rules: ["FLASK-RATE-001"], check: checkRateLimiting },
  { id: "host-validation", title: "Host validation (TRUSTED_HOSTS, proxy trust)", exposes: "medium", why: "forged Host or X-Forwarded headers poison links and client addresses", rules: ["FLASK-HOST-001", "FLASK-PROXY-001"], check: checkHosts },
  { id: "security-headers", title: "Security headers (CSP, frame protection, nosniff)", exposes: "medium", why: "without them one XSS or framing bug is fully exploitable", rules: ["FLASK-HEADERS-001"], check: checkHeaders },
  { id: "dependency-hygiene", title: "Dependency hygiene (pinned, no known-vulnerable versions)", exposes: "medium", why: "a known-vulnerable release carries a published exploit", rules: ["FLASK-SUPPLY-001"], check: checkDependencies },
];

/** Runs one mitigation's check; the weight comes from what a miss exposes. */
export function runMitigation(spec: MitigationSpec, input: PostureInput): PostureItem {
  const r = spec.check(input, spec);
  return { id: spec.id, title: spec.title, verdict: r.verdict, evidence: r.evidence, nextStep: r.nextStep, rules: [...spec.rules], weight: WEIGHT[spec.exposes] };
}
