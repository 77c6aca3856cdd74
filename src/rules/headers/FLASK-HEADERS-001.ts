import type { CallFact, Expr } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { ExtensionObject, FlaskObject, Project } from "../../link/project.js";
import { defineRule, type RuleReport } from "../define.js";
import { isDevDeploymentFile } from "../support.js";
import { hasFrameAncestors, parsePolicy, policiesOf, unsafeScriptSources } from "./csp.js";
import { argOf, constStrings, devOrTest, headerWrites } from "./http.js";

/** The three protections the rule asks for. */
type Protection = "csp" | "nosniff" | "frames";

const LABEL: Record<Protection, string> = {
  csp: "Content-Security-Policy",
  nosniff: "X-Content-Type-Options: nosniff",
  frames: "clickjacking protection (X-Frame-Options or CSP frame-ancestors)",
};

/** Libraries that set these headers for an app when used. */
const HEADER_LIBRARIES = /^(flask_talisman|secure|flask_secure_headers|flask_csp|flask_security_headers)(\.|$)/;

const RENDERERS = new Set(["flask.render_template", "flask.render_template_string", "flask.templating.render_template", "flask.templating.render_template_string"]);

function isTalisman(ext: ExtensionObject): boolean {
  return /^flask_talisman(\.talisman)?\.Talisman$/.test(ext.cls);
}

/** What protects every app: the protections found, and whether some source could not be read (so nothing can be claimed). */
interface Coverage {
  found: Set<Protection>;
  unknown: string | null;
}

function protectionsOf(name: string, value: string | null): Protection[] {
  const n = name.toLowerCase();
  if (n === "x-content-type-options") return value === null || /nosniff/i.test(value) ? ["nosniff"] : [];
  if (n === "x-frame-options") return ["frames"];
  if (n === "content-security-policy") return value !== null && hasFrameAncestors(parsePolicy(value)) ? ["csp", "frames"] : ["csp"];
  return [];
}

function coverage(project: Project): Coverage {
  const found = new Set<Protection>();
  let unknown: string | null = null;
  // Talisman sets all three by default; an unbound Talisman may serve any app.
  for (const ext of project.extensions) {
    if (!isTalisman(ext)) continue;
    const site = ext.mod.index.calls.find((c) => c.call === ext.call);
    if (site && devOrTest(project, ext.mod, site).skip) continue;
    for (const p of ["csp", "nosniff", "frames"] as Protection[]) found.add(p);
  }
  for (const mod of project.flaskModules()) {
    if (project.contextOf(mod).test) continue;
    for (const i of mod.index.imports) {
      if (!HEADER_LIBRARIES.test(i.module) || project.modules.get(i.module, mod)) continue;
      unknown ??= `\`${i.module}\` (a security-headers library) is imported in ${mod.path}`;
    }
  }
  const hooks = responseHooks(project);
  for (const w of headerWrites(project)) {
    if (devOrTest(project, w.mod, w.where).skip) continue;
    if (w.name === null) {
      // A hook that sets headers named by settings or a loop may set any of them; a view echoing chosen headers does not protect others.
      if (hooks.has(`${w.mod.path}:${w.where.scope}`)) unknown ??= `\`${w.where.scope}\` in ${w.mod.path} sets response headers whose names come from settings or a loop`;
      continue;
    }
    const value = w.value ? project.constString(w.mod, w.where.scope, w.value) : null;
    for (const p of protectionsOf(w.name, value)) found.add(p);
  }
  for (const d of project.deployment) {
    if (!d.facts.proxy || isDevDeploymentFile(d.file)) continue;
    for (const h of d.facts.proxy.headers) for (const p of protectionsOf(h.name, h.value)) found.add(p);
  }
  return { found, unknown };
}

/** Functions registered to post-process every response ("path:qualname"): `@app.after_request`, `bp.after_app_request`, `app.after_request(f)`. */
function responseHooks(project: Project): Set<string> {
  const out = new Set<string>();
  const HOOKS = new Set(["after_request", "after_app_request"]);
  for (const mod of project.flaskModules()) {
    for (const d of mod.index.defs) {
      if (d.kind === "function" && d.decorators.some((e) => e.k === "attr" && HOOKS.has(e.name))) out.add(`${mod.path}:${d.qualname}`);
    }
    for (const c of mod.index.calls) {
      const fn = c.call.fn;
      const f = c.call.args[0];
      if (fn.k !== "attr" || !HOOKS.has(fn.name) || !f) continue;
      for (const v of project.resolve(mod, c.scope, f)) if (v.t === "def") out.add(`${v.mod.path}:${v.def.qualname}`);
    }
  }
  return out;
}

/** Where the project shows it serves HTML pages: a template rendered in production code, or a templates folder. */
function servesHtml(project: Project): string | null {
  for (const mod of project.flaskModules()) {
    if (project.contextOf(mod).test) continue;
    for (const c of mod.index.calls) {
      const fn = c.call.fn;
      const name = fn.k === "name" ? fn.id : fn.k === "attr" ? fn.name : "";
      if (!name.startsWith("render_template")) continue;
      if (project.extPaths(mod, c.scope, fn).some((p) => RENDERERS.has(p))) return `${mod.path} renders HTML templates`;
    }
  }
  const tpl = project.files.find((f) => f.kind === "template" && f.subkind !== "candidate" && !/(^|\/)(tests?|docs?|examples?)\//.test(f.path));
  return tpl ? `the project has HTML templates (${tpl.path})` : null;
}

/** Every call that configures one Talisman object: its constructor and its `init_app` calls. */
function talismanCalls(project: Project, ext: ExtensionObject): { mod: ModuleInfo; call: CallFact }[] {
  const out: { mod: ModuleInfo; call: CallFact }[] = [];
  const ctor = ext.mod.index.calls.find((c) => c.call === ext.call);
  if (ctor) out.push({ mod: ext.mod, call: ctor });
  for (const mod of project.flaskModules()) {
    for (const c of mod.index.calls) {
      const fn = c.call.fn;
      if (fn.k !== "attr" || fn.name !== "init_app") continue;
      if (project.resolve(mod, c.scope, fn.obj).some((v) => v.t === "inst" && v.site === ext.site)) out.push({ mod, call: c });
    }
  }
  return out;
}

/** Whether Talisman is told to add a nonce to script-src (`content_security_policy_nonce_in=["script-src"]`). */
function nonceForScripts(project: Project, mod: ModuleInfo, scope: string, e: Expr | undefined): boolean {
  if (!e) return false;
  const v = constStrings(project, mod, scope, e);
  return v === null || v.some((s) => s === "script-src" || s === "default-src");
}

function isOff(project: Project, mod: ModuleInfo, scope: string, e: Expr): boolean {
  if (e.k === "dict") return e.items.length === 0;
  if (e.k === "str") return e.v.trim() === "";
  return project.truthy(mod, scope, e) === false;
}

export default defineRule({
  id: "FLASK-HEADERS-001",
  title: "Browser security headers missing or weakened",
  family: "headers",
  severity: "medium",
  confidence: "medium",
  cwe: [693, 1021, 1173],
  owasp: "A05:2021",
  tags: ["headers", "csp", "clickjacking", "talisman"],
  impact:
    "Without a Content-Security-Policy any injected markup can run script, so a single XSS bug becomes account takeover; without frame protection another site can load the pages invisibly and trick users into clicking (clickjacking); without `nosniff` browsers may execute an uploaded file as script or style.",
  fix:
    "Set the headers once for every response: add Flask-Talisman (`Talisman(app, content_security_policy={...})`), or an `after_request` hook that sets `Content-Security-Policy` (with `frame-ancestors`), `X-Frame-Options: DENY` and `X-Content-Type-Options: nosniff`, or add them at the reverse proxy and keep that config in the repository. Keep `'unsafe-inline'` and `'unsafe-eval'` out of script sources; use nonces for the inline scripts you need.",
  mitigation:
    "If a CDN or load balancer outside the repository adds the headers, confirm it for every host name that serves the app and suppress the finding with that reason.",
  docs: {
    what:
      "Reports a production Flask app that serves HTML pages and gets none of the three baseline browser protections (a Content-Security-Policy, `X-Content-Type-Options: nosniff`, and `X-Frame-Options` or CSP `frame-ancestors`) from anywhere the scanner can see: Flask-Talisman, a security-headers library, a header written in code, or an nginx config in the repository. When some but not all are set, it names the missing ones at low severity. It also reports Flask-Talisman configured to switch its protection off (`content_security_policy=None`/`False`/`{}`, `content_security_policy_report_only=True`, `force_https=False`) and policies whose script sources allow `'unsafe-inline'` (without a nonce or hash) or `'unsafe-eval'`, whether given to Talisman or written as a header.",
    why:
      "These headers are the browser-side safety net. A CSP that forbids inline script turns most XSS bugs into harmless text; frame protection stops clickjacking, where a hostile page overlays the app in an invisible frame; `nosniff` stops browsers from guessing that a user upload is a script. A policy with `'unsafe-inline'` or `'unsafe-eval'` in its script sources looks like protection but lets injected script run.",
    bad:
      'app = Flask(__name__)          # no Talisman, no after_request, no proxy config\n\nTalisman(app, content_security_policy={"script-src": "\'self\' \'unsafe-inline\'"})\nTalisman(app, content_security_policy=None, force_https=False)',
    good:
      'talisman = Talisman()           # extensions.py\n\ndef create_app():\n    app = Flask(__name__)\n    talisman.init_app(app, content_security_policy={"default-src": "\'self\'", "frame-ancestors": "\'none\'"},\n                      content_security_policy_nonce_in=["script-src"])\n    return app',
    detection:
      "Protection counts wherever it is applied: a Talisman object created in one module and bound with `init_app` in a factory elsewhere, `after_request` hooks and views writing `resp.headers[...]`, `headers.set/add/update`, `Response(headers={...})`, and `add_header`/`more_set_headers` in nginx configs (`nginx.conf`, `*.nginx`, `nginx/*.conf`, `conf.d/*.conf`). A header whose name is not a constant (set from settings or in a loop) or an imported security-headers library (`secure`, `flask_secure_headers`) silences the missing-headers report, since the scanner cannot see what they set. The missing-headers report needs evidence of HTML (a `render_template` call in production code or a templates folder); JSON-only services are left alone. Apps built in tests, test helpers or `__main__` blocks are skipped, as are Talisman calls there, and deployment files named for development. `'unsafe-inline'` is not reported when the policy also has a nonce or hash (browsers then ignore it) or Talisman adds a nonce to script-src; `'unsafe-inline'` in `style-src` is not reported.",
    falsePositives:
      "Headers added by a CDN, load balancer or web server whose configuration is not in the repository (Apache and Caddy configs are not read), and CSP set through `<meta http-equiv>` in templates, are invisible to the rule: confirm and suppress with that reason. `force_https=False` is fine when the proxy in front redirects HTTP to HTTPS and sends HSTS.",
    references: [
      "https://github.com/GoogleCloudPlatform/flask-talisman",
      "https://developer.mozilla.org/en-US/docs/Web/HTTP/CSP",
      "https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Headers_Cheat_Sheet.html",
      "https://flask.palletsprojects.com/en/stable/web-security/#security-headers",
    ],
  },
  check({ project, report }) {
    checkTalisman(project, report);
    checkHandWrittenPolicies(project, report);
    checkMissing(project, report);
  },
});

function checkMissing(project: Project, report: (r: RuleReport) => void): void {
  if (project.apps.length === 0) return;
  const html = servesHtml(project);
  if (!html) return;
  const cov = coverage(project);
  if (cov.unknown) return;
  const missing = (["csp", "nosniff", "frames"] as Protection[]).filter((p) => !cov.found.has(p));
  if (missing.length === 0) return;
  for (const app of project.apps) {
    if (!productionApp(project, app) || !servesRequests(project, app)) continue;
    const none = missing.length === 3;
    report({
      file: app.mod.path,
      range: toRange(app.call.r),
      message: none
        ? "This app sends no Content-Security-Policy, no `X-Content-Type-Options: nosniff` and no clickjacking protection: no Talisman, no header set in code and no reverse-proxy config in the repository adds them."
        : `This app never sets ${missing.map((p) => LABEL[p]).join(" or ")}; only ${[...cov.found].map((p) => LABEL[p]).join(" and ")} ${cov.found.size === 1 ? "is" : "are"} set.`,
      severity: none ? "medium" : "low",
      confidence: "medium",
      scope: app.scope,
      context: [html, "headers added by a proxy or CDN outside the repository are not visible"],
    });
  }
}

function productionApp(project: Project, app: FlaskObject): boolean {
  const site = app.mod.index.calls.find((c) => c.call === app.call);
  return !site || !devOrTest(project, app.mod, site).skip;
}

/**
 * Whether an app serves pages: it has routes or blueprints, or it is an instance of a project subclass of
 * Flask (which registers its own views). An app built only to reach the config in a CLI command does not.
 */
function servesRequests(project: Project, app: FlaskObject): boolean {
  if (project.routes.some((r) => r.owner === app) || project.registrations.some((r) => r.parent === app)) return true;
  return project.resolve(app.mod, app.scope, app.call.fn).some((v) => v.t === "def" && v.def.kind === "class");
}

function checkTalisman(project: Project, report: (r: RuleReport) => void): void {
  for (const ext of project.extensions) {
    if (!isTalisman(ext)) continue;
    for (const { mod, call } of talismanCalls(project, ext)) {
      const ctx = devOrTest(project, mod, call);
      if (ctx.skip) continue;
      const scope = call.scope;
      const csp = argOf(call.call, "content_security_policy");
      const kwRange = (name: string) => call.call.kw.find((k) => k.name === name)?.r ?? call.call.r;
      if (csp && isOff(project, mod, scope, csp)) {
        report({ file: mod.path, range: toRange(kwRange("content_security_policy")), message: "Talisman is configured without a Content-Security-Policy, so injected script runs unhindered.", scope, context: ctx.reasons });
      } else if (csp) {
        const nonce = nonceForScripts(project, mod, scope, argOf(call.call, "content_security_policy_nonce_in"));
        for (const p of policiesOf(project, mod, scope, csp) ?? []) {
          const unsafe = unsafeScriptSources(p, nonce);
          if (unsafe.length === 0) continue;
          report({
            file: mod.path,
            range: toRange(kwRange("content_security_policy")),
            message: `The Content-Security-Policy given to Talisman allows ${unsafe.join(" and ")} for scripts, which lets injected script run.`,
            scope,
            context: ctx.reasons,
          });
          break;
        }
      }
      const reportOnly = argOf(call.call, "content_security_policy_report_only");
      if (reportOnly && project.truthy(mod, scope, reportOnly) === true) {
        report({ file: mod.path, range: toRange(kwRange("content_security_policy_report_only")), message: "Talisman sends the policy as report-only, so browsers do not enforce it.", severity: "low", scope, context: ctx.reasons });
      }
      const https = argOf(call.call, "force_https");
      if (https && project.truthy(mod, scope, https) === false) {
        report({
          file: mod.path,
          range: toRange(kwRange("force_https")),
          message: "`force_https=False` turns off Talisman's redirect to HTTPS, so the app also answers over plain HTTP.",
          severity: "low",
          confidence: "medium",
          scope,
          context: [...ctx.reasons, "harmless when the proxy in front redirects to HTTPS and sends HSTS"],
        });
      }
    }
  }
}

function checkHandWrittenPolicies(project: Project, report: (r: RuleReport) => void): void {
  for (const w of headerWrites(project)) {
    if (w.name?.toLowerCase() !== "content-security-policy" || !w.value) continue;
    const ctx = devOrTest(project, w.mod, w.where);
    if (ctx.skip) continue;
    for (const p of policiesOf(project, w.mod, w.where.scope, w.value) ?? []) {
      const unsafe = unsafeScriptSources(p, false);
      if (unsafe.length === 0) continue;
      report({
        file: w.mod.path,
        range: toRange(w.r),
        message: `This Content-Security-Policy allows ${unsafe.join(" and ")} for scripts, which lets injected script run.`,
        scope: w.where.scope,
        context: ctx.reasons,
      });
      break;
    }
  }
  // The same policy check for nginx configs in the repository.
  for (const d of project.deployment) {
    if (!d.facts.proxy || isDevDeploymentFile(d.file)) continue;
    for (const h of d.facts.proxy.headers) {
      if (h.name.toLowerCase() !== "content-security-policy") continue;
      const unsafe = unsafeScriptSources(parsePolicy(h.value), false);
      if (unsafe.length > 0) report({ file: d.file.path, range: h.range, message: `The Content-Security-Policy added by this proxy config allows ${unsafe.join(" and ")} for scripts.` });
    }
  }
}
