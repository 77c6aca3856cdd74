import type { CallFact, Expr } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { ConfigWrite, ExtensionObject, Project } from "../../link/project.js";
import { defineRule } from "../define.js";
import { writeContext } from "../support.js";
import { methodCalls, prefixedEnvConfig } from "./facts.js";
import type { FixContext, FixProposal } from "../../fix/types.js";
import type { TextEdit } from "../../fix/edits.js";
import { appendKeywords, configValueNode, enclosingCalls, keywordArg, positionalArgs, replaceNode, spreadsArguments } from "../../fix/python.js";

/**
 * `resp.set_cookie("auth_token", token)` → `resp.set_cookie("auth_token", token, secure=True, httponly=True, samesite="Lax")`:
 * adds the flags that are missing and turns a literal `False` into `True`. Left for review: a flag given
 * as a variable (it may be a deliberate switch), an explicit `samesite="None"` (cross-site use may be
 * intended), flags passed positionally, and calls that spread `**options`.
 */
function cookieFix({ node, source }: FixContext): FixProposal | null {
  // `SESSION_COOKIE_HTTPONLY = False` / `REMEMBER_COOKIE_HTTPONLY = False` → `True`, Flask's and Flask-Login's own default.
  // (Secure and SameSite settings are left alone: plain-HTTP development and cross-site embedding are decisions.)
  for (const key of ["SESSION_COOKIE_HTTPONLY", "REMEMBER_COOKIE_HTTPONLY"]) {
    const value = configValueNode(node, [key]);
    if (value?.type === "false") return { description: `${key} = True`, edits: [replaceNode(value, "True")] };
  }
  const call = enclosingCalls(node).find((c) => {
    const fn = c.childForFieldName("function");
    return fn?.type === "attribute" && fn.childForFieldName("attribute")?.text === "set_cookie";
  });
  if (!call || node.startIndex !== call.startIndex || spreadsArguments(call)) return null;
  const positional = positionalArgs(call);
  if (positional.length > 6) return null;
  const edits: TextEdit[] = [];
  const added: string[] = [];
  for (const flag of ["secure", "httponly"]) {
    const kw = keywordArg(call, flag);
    const value = kw?.childForFieldName("value");
    if (!kw) added.push(`${flag}=True`);
    else if (value?.type === "false") edits.push(replaceNode(value, "True"));
    else if (value?.type !== "true") return null;
  }
  const samesite = keywordArg(call, "samesite");
  if (samesite) {
    const v = samesite.childForFieldName("value");
    if (!v || v.type !== "string" || /^[rbuRBU]*["']none["']$/i.test(v.text)) return null;
  } else {
    const q = positional[0]?.type === "string" && positional[0].text.startsWith("'") ? "'" : '"';
    added.push(`samesite=${q}Lax${q}`);
  }
  if (added.length > 0) {
    const append = appendKeywords(source, call, added);
    if (!append) return null;
    edits.push(append);
  }
  if (edits.length === 0) return null;
  const changed = [...added, ...edits.filter((e) => e.text === "True").map(() => "False → True")];
  return { description: `cookie flags: ${changed.join(", ")}`, edits };
}

type Flag = "secure" | "httponly" | "samesite";

/** Cookie flag settings of Flask (session cookie) and Flask-Login (remember-me cookie). */
const FLAG_KEYS: Record<string, { cookie: "session" | "remember-me"; flag: Flag }> = {
  SESSION_COOKIE_SECURE: { cookie: "session", flag: "secure" },
  SESSION_COOKIE_HTTPONLY: { cookie: "session", flag: "httponly" },
  SESSION_COOKIE_SAMESITE: { cookie: "session", flag: "samesite" },
  REMEMBER_COOKIE_SECURE: { cookie: "remember-me", flag: "secure" },
  REMEMBER_COOKIE_HTTPONLY: { cookie: "remember-me", flag: "httponly" },
  REMEMBER_COOKIE_SAMESITE: { cookie: "remember-me", flag: "samesite" },
};

/** Talisman keyword that overrides a session-cookie flag, with the value it uses when not given. */
const TALISMAN_KW: Record<string, string> = {
  SESSION_COOKIE_SECURE: "session_cookie_secure",
  SESSION_COOKIE_HTTPONLY: "session_cookie_http_only",
  SESSION_COOKIE_SAMESITE: "session_cookie_samesite",
};

/** Objects whose `set_cookie` writes a cookie on an HTTP response (Flask, Werkzeug). */
const RESPONSE_MAKERS =
  /^(flask(\.helpers|\.wrappers|\.json)?\.(make_response|Response|jsonify|redirect|send_file|send_from_directory|stream_template|stream_template_string)|werkzeug(\.wrappers(\.response)?|\.utils)?\.(Response|redirect)|flask\.current_app\.(make_response|response_class)|.*Flask\(\)\.(make_response|response_class))$/;

/** Words in a cookie name that make it an authentication or session cookie. */
const SENSITIVE_WORDS = new Set(["session", "sessionid", "sessid", "sid", "token", "auth", "authtoken", "jwt", "remember", "rememberme", "login", "credential", "credentials", "secret", "password", "apikey", "bearer", "refresh", "access"]);

function cookieWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** Whether a cookie name looks like it carries a login, session or token. CSRF cookies are read by scripts on purpose. */
export function sensitiveCookie(name: string): boolean {
  const words = cookieWords(name);
  if (words.some((w) => w === "csrf" || w === "xsrf")) return false;
  const joined = words.join("");
  return words.some((w) => SENSITIVE_WORDS.has(w)) || /(session|token|jwt)$/.test(joined) || /^(session|auth|jwt)/.test(joined);
}

/** How a config value sets a flag: "insecure" (off, or SameSite=None), "conditional", or "ok". */
function flagValue(project: Project, w: ConfigWrite, flag: Flag): "insecure" | "ok" {
  if (flag === "samesite") return project.constString(w.mod, w.where.scope, w.value)?.toLowerCase() === "none" ? "insecure" : "ok";
  return project.truthy(w.mod, w.where.scope, w.value) === false ? "insecure" : "ok";
}

/** Talisman objects in production code, with the keyword arguments of their constructor and init_app calls. */
function talismans(project: Project): { ext: ExtensionObject; kw: Map<string, { value: Expr; mod: ModuleInfo; scope: string; r: string }> }[] {
  const out: ReturnType<typeof talismans> = [];
  for (const ext of project.extensions) {
    if (!/^flask_talisman(\.[a-z_]+)*\.Talisman$/.test(ext.cls) || project.contextOf(ext.mod).test) continue;
    const kw = new Map<string, { value: Expr; mod: ModuleInfo; scope: string; r: string }>();
    const extScope = ext.mod.index.calls.find((c) => c.call === ext.call)?.scope ?? "";
    const sources: { mod: ModuleInfo; call: CallFact | { call: typeof ext.call; scope: string } }[] = [{ mod: ext.mod, call: { call: ext.call, scope: extScope } }];
    const inits = methodCalls(project, ext, "init_app");
    for (const i of inits) sources.push({ mod: i.mod, call: i.call });
    const bound = ext.call.args.length > 0 || ext.call.kw.some((k) => k.name === "app") || inits.length > 0;
    if (!bound) continue;
    for (const s of sources) for (const k of s.call.call.kw) if (k.name) kw.set(k.name, { value: k.value, mod: s.mod, scope: s.call.scope, r: k.r });
    out.push({ ext, kw });
  }
  return out;
}

export default defineRule({
  id: "FLASK-SESS-001",
  title: "Session or login cookie without Secure, HttpOnly or SameSite protection",
  family: "session",
  severity: "medium",
  confidence: "high",
  cwe: [614, 1004, 1275],
  owasp: "A05:2021",
  tags: ["session", "cookies", "configuration"],
  impact:
    "A session or remember-me cookie without Secure travels in clear text over any plain-HTTP request (a captive portal, an http:// link, a downgrade), where a network attacker can copy it and take over the account. Without HttpOnly any injected script can read it; SameSite=None hands it to every cross-site request, which is what CSRF needs.",
  fix: "Set `SESSION_COOKIE_SECURE = True`, keep `SESSION_COOKIE_HTTPONLY = True` and set `SESSION_COOKIE_SAMESITE = \"Lax\"` in the production config (and the `REMEMBER_COOKIE_*` counterparts with Flask-Login); pass `secure=True, httponly=True, samesite=\"Lax\"` to `set_cookie` for login and token cookies (`flaskwarden scan --fix` adds the missing ones, and turns a hard-coded `SESSION_COOKIE_HTTPONLY`/`REMEMBER_COOKIE_HTTPONLY = False` back on). For local work over plain HTTP, switch Secure off from the environment (`SESSION_COOKIE_SECURE = os.environ.get(\"SESSION_COOKIE_SECURE\", \"1\") == \"1\"`) instead of hard-coding it off.",
  mitigation:
    "Serve the site only over HTTPS with HSTS so that browsers never make a plain-HTTP request to it, and keep a Content-Security-Policy that limits what injected script could do with a readable cookie.",
  docs: {
    what:
      "Finds the session cookie and Flask-Login's remember-me cookie configured without their protective attributes where production uses that configuration: `SESSION_COOKIE_SECURE`/`REMEMBER_COOKIE_SECURE` or `SESSION_COOKIE_HTTPONLY`/`REMEMBER_COOKIE_HTTPONLY` set to a false constant, and `SESSION_COOKIE_SAMESITE`/`REMEMBER_COOKIE_SAMESITE` set to `\"None\"`, in `app.config`, `config.update(...)`, config classes or loaded settings modules. For apps that call `app.config.from_prefixed_env()`, the same settings in a Dockerfile, compose file or `.env` (`FLASK_SESSION_COOKIE_SECURE=false`) count too. It also finds Flask-Talisman set up with `session_cookie_secure=False`, and `set_cookie(...)` calls on a Flask or Werkzeug response that write a session, login or token cookie without `secure` or `httponly`.",
    why:
      "The session cookie is the login. Secure keeps it off plain-HTTP connections, where anyone on the network path can read it; HttpOnly keeps it away from scripts, so an XSS bug does not become an account takeover; SameSite limits which cross-site requests carry it. Flask leaves Secure off by default, so it has to be set on purpose, and turning the flags off in shared config tends to reach production unnoticed.",
    bad: 'class Config:\n    SESSION_COOKIE_SECURE = False\n    REMEMBER_COOKIE_HTTPONLY = False\n\nresp = make_response(redirect("/"))\nresp.set_cookie("auth_token", token)',
    good: 'class Config:\n    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"  # off only for local HTTP\n    SESSION_COOKIE_SAMESITE = "Lax"\n\nresp = make_response(redirect("/"))\nresp.set_cookie("auth_token", token, secure=True, httponly=True, samesite="Lax")',
    detection:
      "Config values are followed through constants, config classes and their inheritance (a base-class `False` counts when a production config inherits it) and modules loaded with `from_object`/`from_pyfile`. A value computed at run time, such as an environment switch or `not app.debug`, and a Secure flag switched off inside an `if` (`if not PRODUCTION:`), are taken as a deliberate production condition and not reported, following the advice that Secure may be switched off for local HTTP. Silent for `DevelopmentConfig`/`TestingConfig`-style classes, code under `if __name__ == \"__main__\":` or a debug/testing switch, functions only called from those, and test files. When Flask-Talisman is bound to the app with its default `session_cookie_secure`/`session_cookie_http_only`/`session_cookie_samesite`, it sets those flags itself, so the config values it overrides are not reported. `set_cookie` is reported only when its receiver is a Flask or Werkzeug response (`make_response`, `Response`, `jsonify`, `redirect`, the parameter of an `after_request` hook) and the cookie name is a constant naming a session, login or token cookie; CSRF cookies, preference cookies and calls that expire a cookie (empty value, `max_age=0` or `expires=0`) are left alone. A response handed to a helper function (`set_auth_cookie(resp, token)`) is not followed yet. A missing setting (Flask's default of Secure off) is not reported: whether the site is served over TLS is a deployment fact the scanner cannot see.",
    falsePositives:
      "An internal tool that is only ever served over plain HTTP on a trusted network may switch Secure off on purpose; say so in a suppression comment. A cookie whose name suggests a token but which holds nothing secret can be renamed or suppressed.",
    references: [
      "https://flask.palletsprojects.com/en/stable/security/#set-cookie-options",
      "https://flask.palletsprojects.com/en/stable/config/#SESSION_COOKIE_SECURE",
      "https://flask-login.readthedocs.io/en/latest/#cookie-settings",
      "https://cwe.mitre.org/data/definitions/614.html",
    ],
  },
  check({ project, report }) {
    const tal = talismans(project);
    // Config keys that some production write sets to something other than an insecure constant.
    const setSafely = new Set<string>();
    for (const w of project.configWrites) {
      const spec = FLAG_KEYS[w.key];
      if (!spec) continue;
      const { ctx } = writeContext(project, w);
      if (ctx.test || ctx.devOnly) continue;
      if (flagValue(project, w, spec.flag) === "ok") {
        setSafely.add(w.key);
        continue;
      }
      // `if not PRODUCTION: SESSION_COOKIE_SECURE = False` is the conditional Secure the advice asks for.
      if (spec.flag === "secure" && w.where.conds.length > 0) continue;
      // Talisman bound to the app sets the session-cookie flags itself unless told not to.
      const talKw = TALISMAN_KW[w.key];
      const override = talKw
        ? tal.find((t) => {
            if (w.apps.length > 0 && t.ext.apps.length > 0 && !w.apps.some((a) => t.ext.apps.includes(a))) return false;
            const k = t.kw.get(talKw);
            if (!k) return true;
            if (spec.flag === "samesite") return project.constString(k.mod, k.scope, k.value)?.toLowerCase() !== "none" && project.truthy(k.mod, k.scope, k.value) !== false;
            return project.truthy(k.mod, k.scope, k.value) !== false;
          })
        : undefined;
      if (override) continue;
      const where = w.configClass ? `config class \`${w.configClass.def.name}\`` : "the app config";
      const message =
        spec.flag === "secure"
          ? `${w.key} is off in ${where}, so browsers also send the ${spec.cookie} cookie over plain HTTP, where it can be read on the network.`
          : spec.flag === "httponly"
            ? `${w.key} is off in ${where}, so any script on the page (including injected script) can read the ${spec.cookie} cookie.`
            : `${w.key} is "None" in ${where}, so browsers attach the ${spec.cookie} cookie to requests from every other site.`;
      report({
        file: w.mod.path,
        range: toRange(w.r),
        message,
        scope: w.where.scope,
        context: ctx.reasons,
        ...(spec.flag === "samesite" ? { confidence: "medium" as const } : {}),
      });
    }
    // Talisman(app, session_cookie_secure=False) with no config that turns Secure on.
    for (const t of tal) {
      const k = t.kw.get("session_cookie_secure");
      if (!k || project.truthy(k.mod, k.scope, k.value) !== false || setSafely.has("SESSION_COOKIE_SECURE")) continue;
      const ctx = project.contextOf(k.mod, { scope: k.scope, mainGuard: false, conds: [] });
      if (ctx.test) continue;
      report({
        file: k.mod.path,
        range: toRange(k.r),
        message: "Talisman is told not to mark the session cookie Secure, and no production config sets SESSION_COOKIE_SECURE, so the cookie also travels over plain HTTP.",
        scope: k.scope,
        confidence: "medium",
      });
    }
    // FLASK_SESSION_COOKIE_SECURE=false in a deployment file, for apps that call from_prefixed_env().
    for (const { key, value, file, env } of prefixedEnvConfig(project, new Set(Object.keys(FLAG_KEYS)))) {
      const spec = FLAG_KEYS[key]!;
      const insecure = spec.flag === "samesite" ? typeof value === "string" && value.toLowerCase() === "none" : value === false || value === 0 || value === null || value === "";
      if (!insecure || (TALISMAN_KW[key] && tal.length > 0)) continue;
      report({
        file: file.path,
        range: env.range,
        message: `${env.name}=${env.value} reaches ${key} through \`from_prefixed_env()\`, so the ${spec.cookie} cookie ${spec.flag === "secure" ? "also travels over plain HTTP" : spec.flag === "httponly" ? "is readable by scripts" : "goes with requests from every other site"}.`,
        context: env.source === "dotenv" ? ["only the `flask` command reads .env/.flaskenv files (with python-dotenv installed)"] : [],
        ...(env.source === "dotenv" || spec.flag === "samesite" ? { confidence: "medium" as const } : {}),
      });
    }
    reportSetCookie(project, report);
  },
  autofix: cookieFix,
});

/**
 * Whether the receiver of `set_cookie` is a Flask/Werkzeug response: built by a response maker, or the
 * parameter of an `after_request` hook. (A helper's `response` parameter is not followed: the index keeps
 * no arguments of lower-case calls, so what the callers pass is unknown.)
 */
function isResponse(project: Project, mod: ModuleInfo, scope: string, obj: Expr): boolean {
  for (const v of project.resolve(mod, scope, obj)) {
    if (v.t !== "inst") continue;
    if (v.of.t === "ext" && RESPONSE_MAKERS.test(v.of.path)) return true;
    if (v.of.t === "def" && v.of.def.kind === "class") {
      // A project subclass of flask.Response.
      const cls = v.of;
      if (cls.def.bases.some((b) => project.extPaths(cls.mod, cls.def.scope, b).some((p) => RESPONSE_MAKERS.test(p)))) return true;
    }
  }
  if (obj.k !== "name" || !scope) return false;
  const fn = project.resolver.def(mod, scope);
  if (!fn || fn.kind !== "function") return false;
  const index = fn.params.findIndex((p) => p.name === obj.id);
  if (index < 0) return false;
  const hook = fn.decorators.some((d) => {
    const target = d.k === "call" ? d.fn : d;
    if (target.k === "attr" && /^after_(app_)?request$/.test(target.name)) return project.objectsOf(mod, fn.scope, target.obj).length > 0 || project.appsOf(mod, fn.scope, target.obj).isApp;
    return project.extPaths(mod, fn.scope, target).some((p) => /^flask(\.ctx)?\.after_this_request$/.test(p));
  });
  return hook && index === 0;
}

function reportSetCookie(project: Project, report: Parameters<Parameters<typeof defineRule>[0]["check"]>[0]["report"]): void {
  for (const mod of project.pythonModules()) {
    for (const c of mod.index.calls) {
      const fn = c.call.fn;
      if (fn.k !== "attr" || fn.name !== "set_cookie") continue;
      const call = c.call;
      // `**options` may carry the flags.
      if (call.kw.some((k) => k.name === null)) continue;
      const nameArg = call.args[0] ?? call.kw.find((k) => k.name === "key")?.value;
      const name = nameArg ? project.constString(mod, c.scope, nameArg) : null;
      if (name === null || !sensitiveCookie(name)) continue;
      if (!isResponse(project, mod, c.scope, fn.obj)) continue;
      const ctx = project.contextOf(mod, c);
      if (ctx.test || ctx.devOnly) continue;
      // set_cookie(key, value, max_age, expires, path, domain, secure, httponly, samesite)
      const arg = (kw: string, pos: number) => call.kw.find((k) => k.name === kw)?.value ?? call.args[pos];
      // Expiring a cookie (an empty value, or max_age/expires of 0) removes it from the browser.
      const value = arg("value", 1);
      const expiry = [arg("max_age", 2), arg("expires", 3)];
      if ((value && project.constString(mod, c.scope, value) === "") || expiry.some((e) => e?.k === "num" && e.v === 0)) continue;
      const missing: string[] = [];
      for (const [flag, pos] of [["secure", 6], ["httponly", 7]] as const) {
        const v = arg(flag, pos);
        if (!v || project.truthy(mod, c.scope, v) === false) missing.push(flag);
      }
      const samesite = arg("samesite", 8);
      const sameSiteNone = samesite ? project.constString(mod, c.scope, samesite)?.toLowerCase() === "none" : false;
      if (missing.length === 0 && !sameSiteNone) continue;
      const without = missing.map((f) => (f === "secure" ? "`secure` (so it also travels over plain HTTP)" : "`httponly` (so scripts can read it)"));
      const problems: string[] = [];
      if (without.length > 0) problems.push(`without ${without.join(" or ")}`);
      if (sameSiteNone) problems.push('with `samesite="None"` (so requests from other sites carry it)');
      report({
        file: mod.path,
        range: toRange(call.r),
        message: `The \`${name}\` cookie looks like a login or token cookie but is set ${problems.join(", and ")}.`,
        scope: c.scope,
        confidence: "medium",
        context: ctx.reasons,
      });
    }
  }
}
