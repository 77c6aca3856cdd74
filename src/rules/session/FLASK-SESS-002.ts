import type { DefFact, Expr, R } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { Project } from "../../link/project.js";
import { defineRule, type RuleContext } from "../define.js";
import { callersOf, writeContext } from "../support.js";
import { factsIn, isExt, isSession, serverSideSessions, writesLogin } from "./facts.js";

/** Flask's own PERMANENT_SESSION_LIFETIME default: 31 days. Longer is a deliberate extension. */
const DEFAULT_LIFETIME = 31 * 86400;
const TIMEDELTA_UNITS: Record<string, number> = { weeks: 604800, days: 86400, hours: 3600, minutes: 60, seconds: 1, milliseconds: 0.001, microseconds: 0.000001 };
/** timedelta(days, seconds, microseconds, milliseconds, minutes, hours, weeks) */
const TIMEDELTA_POSITIONAL = ["days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks"];

/** The lifetime in seconds, Infinity for `timedelta.max`, null when not a constant. */
function lifetimeSeconds(project: Project, mod: ModuleInfo, scope: string, e: Expr): number | null {
  if (e.k === "num") return e.v;
  if (e.k === "attr" && isExt(project, mod, scope, e, /^datetime\.timedelta\.max$/)) return Infinity;
  if (e.k === "name" || e.k === "attr") {
    const vals = project.resolve(mod, scope, e);
    if (vals.length === 1 && vals[0]!.t === "const" && typeof vals[0]!.v === "number") return vals[0]!.v;
    return null;
  }
  if (e.k !== "call" || !isExt(project, mod, scope, e.fn, /^datetime\.timedelta$/)) return null;
  let total = 0;
  const parts: [string, Expr][] = [...e.args.map((a, i) => [TIMEDELTA_POSITIONAL[i] ?? "", a] as [string, Expr]), ...e.kw.map((k) => [k.name ?? "", k.value] as [string, Expr])];
  for (const [unit, v] of parts) {
    const n = v.k === "num" ? v.v : null;
    if (n === null || !(unit in TIMEDELTA_UNITS)) return null;
    total += n * TIMEDELTA_UNITS[unit]!;
  }
  return total;
}

function describe(seconds: number): string {
  if (!Number.isFinite(seconds)) return "unlimited (`timedelta.max`)";
  const days = seconds / 86400;
  if (days >= 365) return `${+(days / 365).toFixed(1)} year${days >= 730 ? "s" : ""}`;
  return `${Math.round(days)} days`;
}

/** Words that make a session key a secret: the key's last word, so `password_changed` is not one. */
const SECRET_LAST_WORDS = new Set(["password", "passwd", "pwd", "passphrase", "secret", "token", "jwt", "apikey", "key", "ssn", "cvv", "cvc", "pin", "otp", "captcha"]);

/** Whether a session key names a secret (a password, an access token, an API key, a card number). */
export function secretSessionKey(key: string): boolean {
  const words = key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  if (words.length === 0 || words.some((w) => w === "csrf" || w === "xsrf" || w === "state" || w === "nonce")) return false;
  const last = words[words.length - 1]!;
  const joined = words.join("_");
  if (/(^|_)(card_number|credit_card|card_no)$/.test(joined)) return true;
  if (last === "key") return words.length > 1 && /^(api|private|secret|access|signing)$/.test(words[words.length - 2]!);
  if (last === "pin") return words.length === 1;
  // A one-time or captcha code the client can read is a code the client can submit.
  if (last === "code") return words.length > 1 && /^(verification|otp|mfa|2fa|sms|captcha|confirmation)$/.test(words[words.length - 2]!);
  return SECRET_LAST_WORDS.has(last);
}

/** Flask-Login's login_user, which records the user in the existing session. */
const LOGIN_USER = /^flask_login(\.utils)?\.login_user$/;

/** Local names a module binds Flask-Login's login_user to (`from flask_login import login_user as log_in`). */
function aliases(mod: ModuleInfo): Set<string> {
  return new Set(mod.index.imports.filter((i) => i.member === "login_user").map((i) => i.local));
}

/** A call that starts a fresh session: `session.clear()`, or a session store's `regenerate`. */
function clearsSession(project: Project, mod: ModuleInfo, qualname: string, depth = 0): boolean {
  const body = factsIn(mod, qualname);
  for (const c of body.calls) {
    const fn = c.call.fn;
    if (fn.k !== "attr") continue;
    if (fn.name === "clear" && isSession(project, mod, c.scope, fn.obj)) return true;
    if (fn.name === "regenerate") return true;
  }
  // One level of project helpers: `reset_session()` that clears it.
  if (depth > 0) return false;
  for (const c of body.calls) {
    for (const v of project.resolve(mod, c.scope, c.call.fn)) {
      if (v.t === "def" && v.def.kind === "function" && clearsSession(project, v.mod, v.def.qualname, depth + 1)) return true;
    }
  }
  return false;
}

export default defineRule({
  id: "FLASK-SESS-002",
  title: "Session that lives too long, keeps secrets in the cookie, or survives login",
  family: "session",
  severity: "medium",
  confidence: "medium",
  cwe: [613, 384, 315],
  owasp: "A07:2021",
  tags: ["session", "authentication", "fixation"],
  impact:
    "A session valid for months keeps a stolen or forgotten cookie usable long after the user left. Flask's default session is a signed cookie the browser keeps in plain view, so a password or token put into it is disclosed to anyone who sees the cookie (the browser, proxies, logs, malware). Reusing the pre-login session lets whatever was planted in it before login ride along into the authenticated session (session fixation).",
  fix: "Keep PERMANENT_SESSION_LIFETIME to what the app needs (hours for sensitive apps, at most Flask's 31-day default), store only an identifier in the session and keep secrets server-side, and call `session.clear()` before `login_user(...)` or before writing the user id into the session.",
  mitigation:
    "Rotate SECRET_KEY to invalidate every outstanding session at once; move to server-side sessions (Flask-Session) so that a session can be revoked and its contents never leave the server.",
  docs: {
    what:
      "Finds three session-handling weaknesses: `PERMANENT_SESSION_LIFETIME` set to more than Flask's 31-day default (or to `timedelta.max`) in configuration that reaches production; secrets written into Flask's session (`session[\"password\"] = ...`, keys ending in password, token, secret, API key, card number, or a one-time, SMS or captcha code the client could read and replay) while the default signed-cookie session is in use; and logins that keep the pre-login session, that is a call to Flask-Login's `login_user(...)` or a write of the user id into `session` in a function that never calls `session.clear()` (or a session store's `regenerate`).",
    why:
      "A session is a bearer credential: whoever holds the cookie is the user until it expires, so its lifetime bounds the damage of a stolen cookie. Flask's default session is only signed, not encrypted; anyone holding the cookie can base64-decode it and read every value. And when login reuses the session that existed before it, values planted by an attacker (or left by a previous user of a shared machine) carry into the authenticated session; with server-side sessions the session id itself survives login, which is classic session fixation.",
    bad: 'app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=365)\n\n@bp.post("/login")\ndef login():\n    user = check_credentials(request.form)\n    login_user(user)\n    session["password"] = request.form["password"]',
    good: 'app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=8)\n\n@bp.post("/login")\ndef login():\n    user = check_credentials(request.form)\n    session.clear()      # nothing from before the login survives it\n    login_user(user)     # only the user id goes into the cookie',
    detection:
      "The lifetime is read from an integer number of seconds or a `datetime.timedelta(...)` of constants; a value computed at run time is not judged. Config context follows the same rules as the other config checks (config classes and inheritance, development and testing classes, `__main__` blocks, debug switches and test files are silent). `session` must resolve to `flask.session`, and `login_user` to Flask-Login's. Secrets in the session are not reported when the project uses server-side sessions (Flask-Session, or a custom `session_interface`). A login counts as clearing the session when its function, a project helper it calls, or every function that calls it calls `session.clear()` or `regenerate`. Only logins that a request runs are reported: in a route view (function or class-based), in a function registered on the app, a blueprint or an extension (`@app.before_request`, `@login_manager.request_loader`), or in a function such code calls (three levels deep); a library's own login primitive is not. With the default cookie sessions the login itself changes the cookie, so the fixation finding there is low severity; with server-side sessions it is medium.",
    falsePositives:
      "A long lifetime can be intended for a low-risk app that keeps users signed in (say so in a suppression). A key such as `session[\"token\"]` may hold something that is not a secret (a non-sensitive nonce); rename it or suppress the finding. A login that resets the session in a way the scanner does not recognise (a custom session interface that rotates on every write) is reported; suppress it with that reason.",
    references: [
      "https://flask.palletsprojects.com/en/stable/config/#PERMANENT_SESSION_LIFETIME",
      "https://flask.palletsprojects.com/en/stable/api/#sessions",
      "https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#renew-the-session-id-after-any-privilege-level-change",
      "https://cwe.mitre.org/data/definitions/384.html",
    ],
  },
  check({ project, report }) {
    reportLifetime(project, report);
    const serverSide = serverSideSessions(project);
    reportSecrets(project, report, serverSide);
    reportFixation(project, report, serverSide);
  },
});

function reportLifetime(project: Project, report: RuleContext["report"]): void {
  for (const w of project.configWrites) {
    if (w.key !== "PERMANENT_SESSION_LIFETIME") continue;
    const seconds = lifetimeSeconds(project, w.mod, w.where.scope, w.value);
    if (seconds === null || seconds <= DEFAULT_LIFETIME) continue;
    const { ctx } = writeContext(project, w);
    if (ctx.test || ctx.devOnly) continue;
    report({
      file: w.mod.path,
      range: toRange(w.r),
      message: `PERMANENT_SESSION_LIFETIME is ${describe(seconds)}, longer than Flask's 31-day default: a copied session cookie stays valid that long.`,
      scope: w.where.scope,
      context: ctx.reasons,
      // Up to a quarter is long but common for "keep me signed in"; beyond that it is effectively unbounded.
      severity: seconds > 90 * 86400 ? "medium" : "low",
      confidence: "high",
    });
  }
}

function reportSecrets(project: Project, report: RuleContext["report"], serverSide: string | null): void {
  if (serverSide) return;
  for (const mod of project.flaskModules()) {
    for (const a of mod.index.assigns) {
      for (const t of a.targets) {
        if (t.k !== "sub") continue;
        const key = project.constString(mod, a.scope, t.key);
        if (key === null || !secretSessionKey(key) || !isSession(project, mod, a.scope, t.obj)) continue;
        // A flag such as session["token"] = None or = True holds nothing secret.
        if (a.value.k === "bool" || a.value.k === "none") continue;
        const ctx = project.contextOf(mod, a);
        if (ctx.test || ctx.devOnly) continue;
        report({
          file: mod.path,
          range: toRange(a.r),
          message: `\`session["${key}"]\` puts a secret into Flask's session cookie, which is signed but not encrypted: anyone who sees the cookie can read it.`,
          scope: a.scope,
          // A bare "token" may be a harmless nonce; passwords, keys and named tokens are secrets by name.
          confidence: /^_*token$/i.test(key) ? "medium" : "high",
          context: ctx.reasons,
        });
      }
    }
  }
}

function reportFixation(project: Project, report: RuleContext["report"], serverSide: string | null): void {
  // First login act per function: login_user(...) or session["user_id"] = ...
  const logins = new Map<string, { mod: ModuleInfo; scope: string; r: R; what: string; line: number }>();
  const note = (mod: ModuleInfo, scope: string, r: R, what: string) => {
    const key = `${mod.path}\0${scope.split(".")[0]}`;
    const line = toRange(r).start.line;
    const prev = logins.get(key);
    if (!prev || line < prev.line) logins.set(key, { mod, scope, r, what, line });
  };
  for (const mod of project.flaskModules()) {
    for (const c of mod.index.calls) {
      const fn = c.call.fn;
      const name = fn.k === "name" ? fn.id : fn.k === "attr" ? fn.name : "";
      // Resolve only what can be login_user (imported under its own name, an alias, or as a module member).
      if (!c.scope || (name !== "login_user" && !aliases(mod).has(name)) || !isExt(project, mod, c.scope, fn, LOGIN_USER)) continue;
      note(mod, c.scope, c.call.r, "`login_user(...)`");
    }
    for (const a of mod.index.assigns) {
      if (!a.scope) continue;
      const key = writesLogin(project, mod, a);
      if (key !== null) note(mod, a.scope, a.r, `\`session["${key}"] = ...\``);
    }
  }
  const entries = new RequestEntries(project);
  for (const l of logins.values()) {
    const ctx = project.contextOf(l.mod, { scope: l.scope, mainGuard: false, conds: [] });
    if (ctx.test) continue;
    const top = l.scope.split(".")[0]!;
    if (clearsSession(project, l.mod, top)) continue;
    // A helper whose every caller resets the session first is fine.
    const def = project.resolver.def(l.mod, top);
    const callers = def?.kind === "function" ? callersOf(project, l.mod, def) : [];
    if (callers.length > 0 && callers.every((c) => c.call.scope && clearsSession(project, c.mod, c.call.scope.split(".")[0]!))) continue;
    // Only login flows that a request runs: a library's own login primitive (Flask-Login's login_user) is not one.
    if (!entries.reaches(l.mod, l.scope)) continue;
    const context = serverSide
      ? [`${serverSide}, so the session id itself survives the login`]
      : ["with Flask's default cookie sessions the login rewrites the cookie, so only values planted before the login carry over"];
    report({
      file: l.mod.path,
      range: toRange(l.r),
      message: `${l.what} in \`${l.scope}\` logs the user into the session that existed before login; nothing calls \`session.clear()\` first, so a session planted by an attacker carries into the authenticated one.`,
      scope: l.scope,
      severity: serverSide ? "medium" : "low",
      confidence: "medium",
      context,
    });
  }
}

/**
 * Functions a request runs: route views (functions or class-based views), functions registered on a Flask
 * object or an extension with a decorator (`@app.before_request`, `@login_manager.request_loader`), and
 * functions these call, a few levels deep.
 */
class RequestEntries {
  private readonly views = new Set<DefFact>();
  private readonly memo = new Map<string, boolean>();

  constructor(private readonly project: Project) {
    for (const r of project.routes) if (r.view) this.views.add(r.view);
  }

  reaches(mod: ModuleInfo, qualname: string, depth = 0): boolean {
    const key = `${mod.path}\0${qualname}`;
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    this.memo.set(key, false);
    const result = this.compute(mod, qualname, depth);
    this.memo.set(key, result);
    return result;
  }

  private compute(mod: ModuleInfo, qualname: string, depth: number): boolean {
    const def = this.project.resolver.def(mod, qualname);
    if (!def) return false;
    if (this.views.has(def) || this.registered(mod, def)) return true;
    // A method of a class-based view.
    const owner = def.scope ? this.project.resolver.def(mod, def.scope) : undefined;
    if (owner?.kind === "class") return this.views.has(owner);
    // A nested function runs when its enclosing function does.
    if (def.scope) return this.reaches(mod, def.scope, depth);
    if (depth >= 3 || def.kind !== "function") return false;
    return callersOf(this.project, mod, def).some((c) => c.call.scope !== "" && this.reaches(c.mod, c.call.scope, depth + 1));
  }

  /** `@app.before_request`, `@bp.route`, `@login_manager.user_loader`: a decorator on a Flask object or an extension. */
  private registered(mod: ModuleInfo, def: DefFact): boolean {
    const extSites = new Set(this.project.extensions.map((e) => e.site));
    return def.decorators.some((d) => {
      const t = d.k === "call" ? d.fn : d;
      if (t.k !== "attr") return false;
      if (this.project.objectsOf(mod, def.scope, t.obj).length > 0 || this.project.appsOf(mod, def.scope, t.obj).isApp) return true;
      return this.project.resolve(mod, def.scope, t.obj).some((v) => v.t === "inst" && extSites.has(v.site));
    });
  }
}
