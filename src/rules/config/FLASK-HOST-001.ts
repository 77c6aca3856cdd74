import type { Expr } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { ConfigWrite, FlaskObject, Project } from "../../link/project.js";
import { defineRule } from "../define.js";
import { writeContext } from "../support.js";
import { appsServedBy, keySource, productionApps, requestReads, routeOwners } from "./sources.js";

const URL_FOR = new Set(["flask.url_for", "flask.helpers.url_for"]);
/** `request` attributes built from the Host header. */
const HOST_ATTRS = new Set(["host_url", "url_root", "root_url"]);
/** Modules whose presence means the module sends email. */
const MAIL_MODULES = /^(flask_mail|flask_mailman|flask_emails|smtplib|email\.(message|mime)|sendgrid|yagmail)\b/;
/** Extensions that validate the Host header themselves. */
const HOST_GUARDS = /^flask_allowed_hosts\./;

interface HostUse {
  mod: ModuleInfo;
  scope: string;
  r: string;
  what: string;
  mail: boolean;
}

function sendsMail(mod: ModuleInfo): boolean {
  return mod.index.imports.some((i) => MAIL_MODULES.test(i.module) || (i.member !== null && MAIL_MODULES.test(`${i.module}.${i.member}`)));
}

const REDIRECTS = new Set(["flask.redirect", "flask.helpers.redirect", "werkzeug.utils.redirect"]);

/** Ranges of calls passed straight to `redirect(...)`: their URL only goes back to the requester. */
function redirectTargets(project: Project, mod: ModuleInfo): Set<string> {
  const out = new Set<string>();
  for (const c of mod.index.calls) {
    const a = c.call.args[0] ?? c.call.kw.find((k) => k.name === "location")?.value;
    if (a?.k !== "call") continue;
    if (project.extPaths(mod, c.scope, c.call.fn).some((p) => REDIRECTS.has(p))) out.add(a.r);
  }
  return out;
}

/** Production code that rewrites the Host header itself (`environ["HTTP_HOST"] = ...` in a WSGI wrapper). */
function rewritesHost(project: Project): boolean {
  for (const mod of project.pythonModules()) {
    for (const a of mod.index.assigns) {
      if (!a.targets.some((t) => t.k === "sub" && t.key.k === "str" && t.key.v === "HTTP_HOST")) continue;
      const ctx = project.contextOf(mod, a);
      if (!ctx.test && !ctx.devOnly) return true;
    }
  }
  return false;
}

/** Where production code, run by a route, builds absolute URLs from the request's Host header. */
function hostUses(project: Project): HostUse[] {
  const out: HostUse[] = [];
  for (const mod of project.pythonModules()) {
    let redirects: Set<string> | null = null;
    for (const c of mod.index.calls) {
      const fn = c.call.fn;
      if (!((fn.k === "name" && fn.id === "url_for") || (fn.k === "attr" && fn.name === "url_for"))) continue;
      const ext = c.call.kw.find((k) => k.name === "_external");
      if (!ext || project.truthy(mod, c.scope, ext.value) !== true) continue;
      if (!project.extPaths(mod, c.scope, fn).some((p) => URL_FOR.has(p))) continue;
      if ((redirects ??= redirectTargets(project, mod)).has(c.call.r)) continue;
      const ctx = project.contextOf(mod, c);
      if (ctx.test || ctx.devOnly) continue;
      // Outside a request (a CLI command, a task queue) url_for uses SERVER_NAME, not a Host header.
      if (!c.scope || routeOwners(project, mod, c.scope, 0).length === 0) continue;
      out.push({ mod, scope: c.scope, r: c.call.r, what: "`url_for(..., _external=True)`", mail: sendsMail(mod) });
    }
  }
  for (const read of requestReads(project, HOST_ATTRS)) {
    out.push({ mod: read.mod, scope: read.where.scope, r: read.r, what: `\`request.${read.attr}\``, mail: sendsMail(read.mod) });
  }
  const line = (u: HostUse) => toRange(u.r).start.line;
  return out.sort((a, b) => Number(b.mail) - Number(a.mail) || (a.mod.path < b.mod.path ? -1 : a.mod.path > b.mod.path ? 1 : line(a) - line(b)));
}

/** Whether a TRUSTED_HOSTS value leaves every host allowed (None or an empty list). */
function allowsAny(project: Project, w: ConfigWrite): boolean {
  const v: Expr = w.value;
  if (v.k === "none") return true;
  if (v.k === "seq" && v.elts.length === 0) return true;
  if (v.k === "name" || v.k === "attr") {
    const vals = project.resolve(w.mod, w.where.scope, v);
    return vals.length > 0 && vals.every((x) => x.t === "const" && x.v === null);
  }
  return false;
}

/** The production SERVER_NAME write that applies to an app, if any. */
function serverName(project: Project, app: FlaskObject): ConfigWrite | null {
  const s = keySource(project, app, "SERVER_NAME");
  return s?.kind === "write" ? s.write : null;
}

export default defineRule({
  id: "FLASK-HOST-001",
  title: "Host header not validated (no TRUSTED_HOSTS)",
  family: "config",
  severity: "low",
  confidence: "medium",
  cwe: [20, 640],
  owasp: "A05:2021",
  tags: ["host-header", "configuration", "password-reset"],
  impact:
    "Absolute links that the app builds during a request take their host from the client's Host header. An attacker who requests a password reset for a victim with `Host: evil.example` gets a reset link pointing at their own server into the victim's inbox; one click hands over the token. Cache poisoning and misrouted redirects follow the same path.",
  fix: 'List the hosts the app serves in `TRUSTED_HOSTS` (Flask 3.1+), read from the environment in the production config: `TRUSTED_HOSTS = os.environ["TRUSTED_HOSTS"].split(",")`. On older Flask, reject unknown hosts at the reverse proxy and build links for emails from a configured base URL.',
  mitigation:
    "Have the reverse proxy answer only for the real host names (a default server that drops other Host values), and do not forward a client-supplied X-Forwarded-Host.",
  docs: {
    what:
      "Reports a production Flask app that builds absolute URLs from the request's host, with `url_for(..., _external=True)` in code that a route runs, or by reading `request.host_url`, `request.url_root` or `request.root_url`, while no config source sets `TRUSTED_HOSTS` (or sets it to `None` or an empty list). When the app sets `SERVER_NAME` instead, the finding is placed on that setting, since it does not restrict which hosts are served.",
    why:
      "Flask answers requests for any Host header unless TRUSTED_HOSTS lists the allowed ones, and it uses that header to build external URLs. Links written into emails (password resets, invitations, confirmations) then point wherever the requester chose. SERVER_NAME is sometimes set in the belief that it pins the host; since Flask 3.1 it does not restrict requests to that domain at all, and before that a mismatch only broke routing.",
    bad: 'app = Flask(__name__)\napp.config["SERVER_NAME"] = "notes.example.com"   # not a host check\n\n@app.post("/reset")\ndef reset():\n    link = url_for("auth.confirm", token=token, _external=True)\n    mail.send(Message(body=link, recipients=[user.email]))',
    good: 'app = Flask(__name__)\napp.config["TRUSTED_HOSTS"] = os.environ["TRUSTED_HOSTS"].split(",")\n\n@app.post("/reset")\ndef reset():\n    link = url_for("auth.confirm", token=token, _external=True)   # host already checked\n    mail.send(Message(body=link, recipients=[user.email]))',
    detection:
      "`url_for` must resolve to Flask's and `_external` must be a true constant; the call must sit in a route's view or in a function a view calls (up to three calls away), because outside a request Flask builds the URL from SERVER_NAME rather than the Host header. `request` must resolve to Flask's request proxy. Tests, `__main__` blocks and code only development or test code calls are ignored. TRUSTED_HOSTS is looked for in every config source (items, `update`, config classes with inheritance and `self.TRUSTED_HOSTS` in `__init__`, config modules); a source the scanner cannot read counts as setting it, as does a write through a receiver it cannot tie to an app (an extension's `init_app(app)`), and so do the Flask-Allowed-Hosts extension and a WSGI wrapper that rewrites `environ[\"HTTP_HOST\"]` itself. A URL passed straight to `redirect(...)` is not counted: it only goes back, as a Location header, to the client that sent the Host header. Severity is medium when the module that builds the URL also sends email (it imports Flask-Mail, Flask-Mailman, smtplib or the email package), since that is where a poisoned link reaches a victim; low otherwise.",
    falsePositives:
      "A reverse proxy that only forwards requests for known host names makes the Host header trustworthy; that is not visible in the code. Host checks written by hand in a `before_request` hook are not recognised either. Suppress the finding with a comment naming the proxy rule or the hook.",
    references: [
      "https://flask.palletsprojects.com/en/stable/config/#TRUSTED_HOSTS",
      "https://flask.palletsprojects.com/en/stable/config/#SERVER_NAME",
      "https://flask.palletsprojects.com/en/stable/api/#flask.Flask.create_url_adapter",
      "https://cwe.mitre.org/data/definitions/640.html",
    ],
  },
  check({ project, report }) {
    const apps = productionApps(project);
    if (apps.length === 0) return;
    if (project.extensions.some((e) => HOST_GUARDS.test(e.cls)) || rewritesHost(project)) return;
    const uses = hostUses(project);
    if (uses.length === 0) return;
    const byApp = new Map<FlaskObject, HostUse[]>();
    for (const u of uses) for (const app of appsServedBy(project, u.mod, u.scope, apps)) byApp.set(app, [...(byApp.get(app) ?? []), u]);
    for (const [app, list] of byApp) {
      const trusted = keySource(project, app, "TRUSTED_HOSTS");
      if (trusted?.kind === "unknown") continue;
      const empty = trusted?.kind === "write" ? trusted.write : null;
      if (empty && !allowsAny(project, empty)) continue;
      const first = list[0]!;
      const server = empty ? null : serverName(project, app);
      const at = `${first.what}${first.scope ? ` in \`${first.scope}\`` : ""} (${first.mod.path}:${toRange(first.r).start.line})`;
      const setting = empty ? "sets TRUSTED_HOSTS to allow every host" : server ? "relies on SERVER_NAME, which does not reject other Host headers," : "never sets TRUSTED_HOSTS";
      const loc = empty ?? server;
      const context = loc ? writeContext(project, loc).ctx.reasons : [];
      report({
        ...(loc ? { file: loc.mod.path, range: toRange(loc.r), scope: loc.where.scope } : { file: app.mod.path, range: toRange(app.call.r), scope: app.scope }),
        message: `This app builds absolute URLs from the request's Host header with ${at} but ${setting}; ${first.mail ? "links sent by email can be pointed at an attacker's host." : "a forged Host header changes the links it generates."}`,
        severity: first.mail ? "medium" : "low",
        confidence: server ? "medium" : first.mail ? "high" : "medium",
        context,
        trace: list.slice(0, 3).map((u) => ({ file: u.mod.path, range: toRange(u.r), message: `${u.what} uses the Host header here` })),
      });
    }
  },
});
