import type { CallFact, Expr, Where } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { ExtensionObject, Project } from "../../link/project.js";
import { defineRule, type RuleReport } from "../define.js";
import { writeContext } from "../support.js";
import { conditionDecidesOn } from "../proxy/clientip.js";
import { constStrings, definitions, devOrTest, headerWrites, requestHeaderRead } from "../headers/http.js";

const CORS_CLASS = /^flask_cors(\.extension)?\.CORS$/;
const CROSS_ORIGIN = /^flask_cors(\.decorator)?\.cross_origin$/;

/** Options of one flask-cors configuration, as far as they are constants. */
interface CorsOptions {
  /** Allowed origins; null when not a constant. flask-cors defaults to "*". */
  origins: string[] | null;
  originsGiven: boolean;
  /** true/false when constant, null when unknown. */
  credentials: boolean | null;
  /** Where `supports_credentials` was switched on. */
  credentialsAt: { mod: ModuleInfo; r: string } | null;
  sendWildcard: boolean;
}

/** How an allowed-origins list lets arbitrary sites in, or null when it does not. */
function originWeakness(origins: string[]): string | null {
  for (const o of origins) {
    if (o === "*" || o === ".*" || o === "^.*$" || o === ".+") return "every origin (`*`)";
  }
  for (const o of origins) {
    // flask-cors treats strings with `*`, `\` or `]` as regular expressions and matches them with re.match.
    if (!/[*\\\]]/.test(o)) continue;
    if (!/(\$|\\Z)$/.test(o)) return `the pattern \`${o}\`, which is not anchored at the end, so \`${exampleBypass(o)}\` matches too`;
    if (/\.[*+][A-Za-z0-9]/.test(o)) return `the pattern \`${o}\`, whose \`.*\` also matches look-alike domains`;
  }
  return null;
}

function exampleBypass(pattern: string): string {
  const plain = pattern.replace(/^\^/, "").replace(/\\\./g, ".").replace(/\.\*|\.\+/g, "x").replace(/[\\()[\]?]/g, "");
  return `${plain}.attacker.example`;
}

function truthOf(project: Project, mod: ModuleInfo, scope: string, e: Expr): boolean | null {
  return project.truthy(mod, scope, e);
}

export default defineRule({
  id: "FLASK-CORS-001",
  title: "CORS lets any website make credentialed requests",
  family: "cors",
  severity: "high",
  confidence: "high",
  cwe: [942, 346],
  owasp: "A05:2021",
  tags: ["cors", "flask-cors", "credentials"],
  impact:
    "When the app answers any origin with `Access-Control-Allow-Credentials: true`, a page on any website can call the API in a logged-in user's browser, with their cookies, and read the answers: profile data, tokens, CSRF tokens. It amounts to the attacker's site being logged in as every visitor.",
  fix:
    "List the exact origins that need access (`CORS(app, origins=[\"https://app.example.com\"], supports_credentials=True)`), limit CORS to the routes that need it with `resources={r\"/api/*\": {...}}`, and leave `supports_credentials` off unless the browser client really sends cookies. When echoing the `Origin` header by hand, check it against an allowlist first.",
  mitigation:
    "Set session cookies with `SameSite=Lax` or `Strict`, which keeps browsers from attaching them to most cross-site requests, while the CORS policy is fixed.",
  docs: {
    what:
      "Reports Flask-CORS configured (`CORS(app, ...)`, `cors.init_app(app, ...)`, `@cross_origin(...)`, per-resource options, and `CORS_*` config keys) with `supports_credentials=True` and origins that admit any site: the default, `\"*\"`, a catch-all pattern, a regular expression without an end anchor (`r\"https://.*\\.example\\.com\"` also matches `https://x.example.com.attacker.example`), or a `.*` directly before a domain name. It also reports a hand-written `Access-Control-Allow-Origin` header that copies the request's `Origin` (`request.headers[\"Origin\"]`, `.get(\"Origin\")`, `request.origin`) without an allowlist check, high when the app also sends `Access-Control-Allow-Credentials: true`. `CORS(app)` over every route with the default origins in an app that logs users in with cookies is reported at low severity.",
    why:
      "The browser's same-origin policy is what keeps other websites from reading a user's data from your app. CORS relaxes it on purpose, and with credentials it hands a chosen origin the user's session. Flask-CORS's default origin setting is `*`, and with credentials switched on it answers by echoing whatever `Origin` the request carries, so every website on the internet becomes a trusted origin.",
    bad:
      'CORS(app, supports_credentials=True)                       # origins default to "*"\nCORS(app, origins=r"https://.*\\.example\\.com", supports_credentials=True)\n\n@app.after_request\ndef cors(resp):\n    resp.headers["Access-Control-Allow-Origin"] = request.headers.get("Origin", "*")\n    resp.headers["Access-Control-Allow-Credentials"] = "true"\n    return resp',
    good:
      'CORS(app, resources={r"/api/*": {"origins": ["https://app.example.com"]}}, supports_credentials=True)\n\n@app.after_request\ndef cors(resp):\n    origin = request.headers.get("Origin")\n    if origin in ALLOWED_ORIGINS:\n        resp.headers["Access-Control-Allow-Origin"] = origin\n    return resp',
    detection:
      "`CORS` and `cross_origin` must resolve to Flask-CORS, and a header write's receiver must not be another library's object (an outgoing `requests` session). Options are merged the way Flask-CORS merges them: app config `CORS_*` keys, then constructor keywords, then `init_app` keywords, then per-resource options; the object may be created in one module and bound in a factory elsewhere. Origins read from the environment or settings at run time are not judged. A hand-written echo is not reported when the write sits under an `if` that compares the origin (`if origin in ALLOWED:`). Test files, `__main__` blocks, development branches and development/testing config classes are skipped.",
    falsePositives:
      "A public, read-only API that wants every site to read it does not need credentials; if the credentials flag is on only by accident the finding is still worth acting on. An echo of `Origin` guarded by a check in another function (a decorator or `before_request`) is not seen; suppress with the name of the check.",
    references: [
      "https://flask-cors.readthedocs.io/en/latest/api.html",
      "https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS#requests_with_credentials",
      "https://portswigger.net/web-security/cors",
      "https://cwe.mitre.org/data/definitions/942.html",
    ],
  },
  check({ project, report }) {
    const config = configOptions(project);
    for (const ext of project.extensions) {
      if (!CORS_CLASS.test(ext.cls)) continue;
      checkExtension(project, ext, config, report);
    }
    checkDecorators(project, config, report);
    checkHandWritten(project, report);
  },
});

/** CORS_* settings written in production config. */
interface ConfigCors {
  origins: string[] | null;
  credentials: boolean;
  credentialsAt: { mod: ModuleInfo; r: string } | null;
}

function configOptions(project: Project): ConfigCors {
  let origins: string[] | null = null;
  let credentials = false;
  let credentialsAt: ConfigCors["credentialsAt"] = null;
  for (const w of project.configWrites) {
    if (w.key !== "CORS_ORIGINS" && w.key !== "CORS_SUPPORTS_CREDENTIALS") continue;
    const { ctx } = writeContext(project, w);
    if (ctx.test || ctx.devOnly) continue;
    if (w.key === "CORS_SUPPORTS_CREDENTIALS") {
      if (project.truthy(w.mod, w.where.scope, w.value) !== true) continue;
      credentials = true;
      credentialsAt ??= { mod: w.mod, r: w.r };
    }
    else origins = constStrings(project, w.mod, w.where.scope, w.value);
  }
  return { origins, credentials, credentialsAt };
}

/** Calls that configure one CORS object: its constructor and the `init_app` calls on it. */
function configuringCalls(project: Project, ext: ExtensionObject): { mod: ModuleInfo; call: CallFact }[] {
  const out: { mod: ModuleInfo; call: CallFact }[] = [];
  const ctor = ext.mod.index.calls.find((c) => c.call === ext.call);
  if (ctor) out.push({ mod: ext.mod, call: ctor });
  for (const mod of project.flaskModules()) {
    for (const c of mod.index.calls) {
      const fn = c.call.fn;
      if (fn.k === "attr" && fn.name === "init_app" && project.resolve(mod, c.scope, fn.obj).some((v) => v.t === "inst" && v.site === ext.site)) out.push({ mod, call: c });
    }
  }
  return out;
}

function baseOptions(config: ConfigCors): CorsOptions {
  return { origins: config.origins ?? ["*"], originsGiven: config.origins !== null, credentials: config.credentials, credentialsAt: config.credentialsAt, sendWildcard: false };
}

/** Applies keyword options (of a call or a resource dict) over `base`. */
function applyKw(project: Project, mod: ModuleInfo, scope: string, base: CorsOptions, kws: { name: string | null; value: Expr; r: string }[]): CorsOptions {
  const out = { ...base };
  for (const k of kws) {
    if (k.name === "origins") {
      out.origins = constStrings(project, mod, scope, k.value);
      out.originsGiven = true;
    } else if (k.name === "supports_credentials") {
      out.credentials = truthOf(project, mod, scope, k.value);
      out.credentialsAt = { mod, r: k.r };
    } else if (k.name === "send_wildcard") out.sendWildcard = truthOf(project, mod, scope, k.value) === true;
  }
  return out;
}

/** The per-resource option dicts of `resources={...}`: pattern and keyword-like entries; null entries when not readable. */
interface ResourceOptions {
  pattern: string | null;
  mod: ModuleInfo;
  scope: string;
  kws: { name: string | null; value: Expr; r: string }[];
}

function resources(project: Project, mod: ModuleInfo, scope: string, e: Expr | undefined): ResourceOptions[] | null {
  if (!e) return null;
  const out: ResourceOptions[] = [];
  for (const d of definitions(project, mod, scope, e)) {
    if (d.e.k !== "dict") {
      // A path string or list of paths: the top-level options apply to them.
      out.push({ pattern: project.constString(d.mod, d.scope, d.e), mod: d.mod, scope: d.scope, kws: [] });
      continue;
    }
    for (const it of d.e.items) {
      const pattern = it.key ? project.constString(d.mod, d.scope, it.key) : null;
      for (const od of definitions(project, d.mod, d.scope, it.value)) {
        if (od.e.k !== "dict") continue;
        const kws = od.e.items.map((o) => ({ name: o.key ? project.constString(od.mod, od.scope, o.key) : null, value: o.value, r: o.r }));
        out.push({ pattern, mod: od.mod, scope: od.scope, kws });
      }
    }
  }
  return out;
}

function isEverything(pattern: string | null): boolean {
  return pattern === null || pattern === "*" || pattern === "/*" || pattern === "/.*" || pattern === ".*";
}

function checkExtension(project: Project, ext: ExtensionObject, config: ConfigCors, report: (r: RuleReport) => void): void {
  const calls = configuringCalls(project, ext);
  // Options accumulate: constructor keywords, then init_app keywords (init_app wins).
  let opts = baseOptions(config);
  let reportAt: { mod: ModuleInfo; call: CallFact } | null = null;
  let res: ReturnType<typeof resources> = null;
  let appBound = false;
  for (const site of calls) {
    const ctx = devOrTest(project, site.mod, site.call);
    if (ctx.skip) continue;
    const kws = site.call.call.kw;
    opts = applyKw(project, site.mod, site.call.scope, opts, kws);
    const r = resources(project, site.mod, site.call.scope, kws.find((k) => k.name === "resources")?.value);
    if (r) res = r;
    const hasApp = site.call.call.args.length > 0 || kws.some((k) => k.name === "app");
    if (hasApp) {
      appBound = true;
      reportAt = site;
    }
  }
  if (!appBound || !reportAt) return;
  const { mod, call } = reportAt;
  const scope = call.scope;
  const policies: { opts: CorsOptions; pattern: string | null }[] = res
    ? res.map((x) => ({ opts: applyKw(project, x.mod, x.scope, opts, x.kws), pattern: x.pattern }))
    : [{ opts, pattern: null }];
  const ctx = devOrTest(project, mod, call);
  for (const { opts: o, pattern } of policies) {
    if (!o.origins) continue;
    const weak = originWeakness(o.origins);
    if (!weak) continue;
    const where = pattern && !isEverything(pattern) ? `for \`${pattern}\`` : "for every route";
    // flask-cors refuses to start with a wildcard, credentials and send_wildcard together.
    if (o.credentials === true && !(o.sendWildcard && weak.startsWith("every origin"))) {
      const defaulted = !o.originsGiven ? " (the default)" : "";
      const at = o.credentialsAt ?? { mod, r: call.call.r };
      report({
        file: at.mod.path,
        range: toRange(at.r),
        message: weak.startsWith("every origin")
          ? `Flask-CORS allows ${weak}${defaulted} ${where} with \`supports_credentials=True\`, so it echoes any site's Origin together with \`Access-Control-Allow-Credentials: true\`: every website can read responses with the user's cookies.`
          : `Flask-CORS allows ${weak}, ${where}, with \`supports_credentials=True\`: sites an attacker can register get the user's cookies sent and can read the responses.`,
        scope,
        context: ctx.reasons,
      });
      return;
    }
    if (o.credentials === false && isEverything(pattern) && weak.startsWith("every origin")) {
      const cookies = cookieAuth(project);
      if (!cookies) continue;
      report({
        file: mod.path,
        range: toRange(call.call.r),
        message: `Flask-CORS opens every route to every origin; credentials are off, so cookies are not shared, but the app logs users in with cookies (${cookies}) and nothing limits CORS to the routes that need it.`,
        severity: "low",
        confidence: "medium",
        scope,
        context: ctx.reasons,
      });
      return;
    }
  }
}

/** Whether the app authenticates browsers with cookies: Flask-Login or Flask's session. */
function cookieAuth(project: Project): string | null {
  for (const mod of project.flaskModules()) {
    if (project.contextOf(mod).test) continue;
    for (const i of mod.index.imports) {
      const full = i.member ? `${i.module}.${i.member}` : i.module;
      if (/^flask_login\b/.test(i.module) || full === "flask.session") return `\`${full}\` in ${mod.path}`;
    }
  }
  return null;
}

function checkDecorators(project: Project, config: ConfigCors, report: (r: RuleReport) => void): void {
  for (const mod of project.flaskModules()) {
    for (const d of mod.index.defs) {
      if (d.kind !== "function") continue;
      for (const deco of d.decorators) {
        if (deco.k !== "call" || !project.extPaths(mod, d.scope, deco.fn).some((p) => CROSS_ORIGIN.test(p))) continue;
        const ctx = devOrTest(project, mod, d);
        if (ctx.skip) continue;
        const o = applyKw(project, mod, d.scope, baseOptions(config), [...deco.kw, ...(deco.args[0] ? [{ name: "origins", value: deco.args[0], r: deco.r }] : [])]);
        if (o.credentials !== true || !o.origins) continue;
        const weak = originWeakness(o.origins);
        if (!weak) continue;
        report({
          file: mod.path,
          range: toRange(o.credentialsAt?.mod === mod ? o.credentialsAt.r : deco.r),
          message: `\`@cross_origin\` on \`${d.name}\` allows ${weak}${o.originsGiven ? "" : " (the default)"} with credentials, so any website can call this view with the user's cookies and read the answer.`,
          scope: d.qualname,
          context: ctx.reasons,
        });
      }
    }
  }
}

/** `Access-Control-Allow-Origin` set by hand to the request's own Origin. */
function checkHandWritten(project: Project, report: (r: RuleReport) => void): void {
  const writes = headerWrites(project);
  const credentialed = writes.some((w) => {
    if (w.name?.toLowerCase() !== "access-control-allow-credentials" || !w.value) return false;
    const v = project.constString(w.mod, w.where.scope, w.value);
    return v !== null ? v.toLowerCase() === "true" : project.truthy(w.mod, w.where.scope, w.value) === true;
  });
  for (const w of writes) {
    if (w.name?.toLowerCase() !== "access-control-allow-origin" || !w.value) continue;
    const ctx = devOrTest(project, w.mod, w.where);
    if (ctx.skip) continue;
    const echo = echoedOrigin(project, w.mod, w.where, w.value);
    if (!echo) continue;
    report({
      file: w.mod.path,
      range: toRange(w.r),
      message: credentialed
        ? `Access-Control-Allow-Origin is set to the request's own Origin (${echo}) without an allowlist check, and the app sends \`Access-Control-Allow-Credentials: true\`: any website can read responses with the user's cookies.`
        : `Access-Control-Allow-Origin is set to the request's own Origin (${echo}) without an allowlist check, so every website is an allowed origin.`,
      severity: credentialed ? "high" : "medium",
      confidence: "high",
      scope: w.where.scope,
      context: ctx.reasons,
    });
  }
}

/** How a header value copies the request's Origin (directly or through a local variable) with no check around it. */
function echoedOrigin(project: Project, mod: ModuleInfo, where: Where, value: Expr): string | null {
  const direct = originRead(project, mod, where.scope, value);
  if (direct) {
    const checked = scopeConds(mod, where).some((c) => /origin/i.test(c) && /(==|!=|\bin\b|startswith|endswith|match|fullmatch)/.test(c));
    return checked ? null : direct;
  }
  if (value.k !== "name") return null;
  const name = value.id;
  for (const a of project.resolver.assignsIn(mod, where.scope)) {
    if (!a.targets.some((t) => t.k === "name" && t.id === name)) continue;
    const read = originRead(project, mod, a.scope, a.value);
    if (!read) continue;
    // `if origin in ALLOWED:` around the write, or `if origin not in ALLOWED: return resp` before it.
    if (scopeConds(mod, where).some((c) => conditionDecidesOn(c, name))) return null;
    return `\`${name}\`, read from ${read}`;
  }
  return null;
}

/** The if-conditions anywhere in the function around a fact (a check may end the function early). */
function scopeConds(mod: ModuleInfo, where: Where): string[] {
  if (!where.scope) return where.conds;
  const facts: Where[] = [...mod.index.calls, ...mod.index.assigns, ...mod.index.returns];
  return [...new Set(facts.filter((f) => f.scope === where.scope).flatMap((f) => f.conds))];
}

function originRead(project: Project, mod: ModuleInfo, scope: string, e: Expr): string | null {
  if (requestHeaderRead(project, mod, scope, e) === "origin") return "the `Origin` request header";
  if (e.k === "boolop" && e.op === "or") return originRead(project, mod, scope, e.l);
  return null;
}

