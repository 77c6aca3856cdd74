import type { Expr } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import { isTestPath, type Project } from "../../link/project.js";
import { dataFlowCheck } from "../dataflow.js";
import { defineRule, type RuleContext } from "../define.js";
import { TemplateXss } from "./xss-templates.js";

const ENVIRONMENTS = new Set(["jinja2.Environment", "jinja2.environment.Environment", "jinja2.sandbox.SandboxedEnvironment"]);
const TEMPLATES = new Set(["jinja2.Template", "jinja2.environment.Template"]);
const SELECT_AUTOESCAPE = new Set(["jinja2.select_autoescape", "jinja2.utils.select_autoescape"]);
const HTML_NAME = /\.(html?|xml|xhtml|svg)$/i;

export default defineRule({
  id: "FLASK-XSS-001",
  title: "Cross-site scripting: user-controlled text reaches the page unescaped",
  family: "templates",
  severity: "high",
  confidence: "medium",
  cwe: [79, 80, 83],
  owasp: "A03:2021",
  tags: ["xss", "templates", "data-flow"],
  impact: "Script of the attacker's choosing runs in the victim's browser with the site's origin: it can read pages and tokens, act as the user, or rewrite what they see.",
  fix: "Let Jinja escape: pass raw values to the template and drop `|safe`, `Markup(...)` and `{% autoescape false %}` on them. Quote every attribute, print values into JavaScript with `|tojson`, and accept only http(s) URLs for links.",
  mitigation: "A Content-Security-Policy without `unsafe-inline` blocks most injected scripts; HttpOnly session cookies keep them out of script's reach.",
  docs: {
    what:
      "Finds places where text a user can control is sent to the browser as markup. In Python: `Markup(...)` around request data, a view returning request data inside a string it builds (f-strings, `+`, `%`, `.format`) or through `make_response`/`Response` without a non-HTML mimetype, Jinja environments and `jinja2.Template` objects created without autoescaping for HTML, `select_autoescape` lists without `html`, and `app.jinja_env.autoescape = False`. In templates: `|safe` and `{% autoescape false %}` on variables (and any variable printed in an HTML template whose extension Flask does not autoescape, such as `.jinja2`), expressions in unquoted attributes, inside `<script>` or `on*` event handlers without `|tojson`, and at the start of `href`/`src`/`action` values that carry request data.",
    why:
      "Jinja escapes `<`, `>`, `&` and quotes, which is enough inside element text and quoted attributes, and nothing else. Marking text as safe switches that off; an unquoted attribute is broken by a space; inside JavaScript the escaped characters are not the dangerous ones; and a URL attribute accepts `javascript:` whatever its escaping.",
    bad:
      '@app.route("/hello")\ndef hello():\n    name = request.args.get("name", "")\n    return render_template("hello.html", name=name)\n\n{# hello.html #}\n<p>Hello {{ name|safe }}</p>\n<a href={{ name }}>profile</a>\n<script>var who = "{{ name }}";</script>',
    good:
      '@app.route("/hello")\ndef hello():\n    name = request.args.get("name", "")\n    return render_template("hello.html", name=name)\n\n{# hello.html #}\n<p>Hello {{ name }}</p>\n<a href="{{ url_for(\'profile\', name=name) }}">profile</a>\n<script>var who = {{ name|tojson }};</script>',
    detection:
      "The data-flow engine follows request data to `Markup`, to response bodies and to the keyword arguments of `render_template`/`render_template_string`; each render call is linked to its template file through the app's and blueprints' `template_folder`s and through `{% include %}`/`{% extends %}`. A template output in a dangerous spot is reported with high severity when request data reaches it (the trace runs from the request to the render call and on to the template line), and with medium severity and low confidence when the view passes a value that is neither constant nor escaped (for example a database row, which may hold stored user content). Values that are constants (also module-level ones), numbers (`int(...)`, `type=int`), `url_for` results, escaped with `escape`/`html.escape`/`bleach.clean`, or returned by a project helper whose every return is such a value are not reported; in unquoted attributes and scripts, neither are unknown values named like numbers (`item.id`, `page_count`); neither are outputs in templates that no view renders, macro parameters, test files and development-only code. `Markup(\"<b>%s</b>\") % x`, `Markup(...).format(x)` and `Markup(...) + x` escape `x` and are not reported. A returned string or `make_response` body counts only when the code builds it as text (f-string, `+`, `%`, `.format`, or a request value itself) and gives it no other type (`mimetype=\"text/plain\"`, a JSON `Content-Type` in the call, the returned tuple or set on the response later).",
    falsePositives:
      "An unknown-origin finding may concern a value that is safe by construction (HTML produced by a trusted renderer and stored); review it and suppress with `{# flaskwarden: ignore[FLASK-XSS-001] reason #}` in the template. Escaping done in a project helper the analysis cannot see through is also reported as unknown.",
    references: [
      "https://owasp.org/www-community/attacks/xss/",
      "https://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html",
      "https://flask.palletsprojects.com/en/stable/web-security/#cross-site-scripting-xss",
      "https://jinja.palletsprojects.com/en/stable/api/#autoescaping",
      "https://markupsafe.palletsprojects.com/en/stable/escaping/",
    ],
  },
  check(ctx) {
    dataFlowCheck("xss", { consequence: "The browser runs any markup or script in it." })(ctx);
    autoescapeSettings(ctx);
    new TemplateXss(ctx.project, ctx.report).run();
  },
});

/** Jinja environments and Flask settings that switch autoescaping off for HTML. */
function autoescapeSettings({ project, report }: RuleContext): void {
  const CALLEES = new Set(["Environment", "SandboxedEnvironment", "Template", "select_autoescape"]);
  for (const mod of project.pythonModules()) {
    if (isTestPath(mod.path)) continue;
    // Resolve only calls named like one of these (or an alias of one): most modules have none.
    const names = new Set(CALLEES);
    for (const f of mod.index.imports) if (f.member !== null && CALLEES.has(f.member)) names.add(f.local);
    for (const c of mod.index.calls) {
      const fn = c.call.fn;
      if (!names.has(fn.k === "name" ? fn.id : fn.k === "attr" ? fn.name : "")) continue;
      const ctx = project.contextOf(mod, c);
      if (ctx.devOnly || ctx.test) continue;
      const paths = project.extPaths(mod, c.scope, c.call.fn);
      if (paths.some((p) => SELECT_AUTOESCAPE.has(p))) {
        const list = c.call.args[0] ?? c.call.kw.find((k) => k.name === "enabled_extensions")?.value;
        const exts = list ? stringsOf(list) : null;
        if (exts && !exts.some((x) => /^\.?(html?)$/i.test(x))) {
          report({ file: mod.path, range: toRange(c.call.r), message: `\`select_autoescape\` enables escaping only for ${exts.length ? exts.map((x) => `\`${x}\``).join(", ") : "no extension"}, so \`.html\` templates render variables unescaped.`, scope: c.scope, severity: "medium" });
        }
        continue;
      }
      if (paths.some((p) => TEMPLATES.has(p))) {
        // `Template("<p>{{ x }}</p>")` builds its own environment, without escaping unless asked.
        const src = c.call.args[0] ? project.constString(mod, c.scope, c.call.args[0]) : null;
        const kw = c.call.kw.find((k) => k.name === "autoescape");
        if (src !== null && /<[a-z!/]/i.test(src) && (!kw || (kw.value.k === "bool" && !kw.value.v))) {
          report({ file: mod.path, range: toRange(c.call.r), message: "`jinja2.Template` compiles markup without autoescaping (Jinja's default), so every variable is printed unescaped; pass `autoescape=True` or render through Flask.", scope: c.scope, severity: "medium" });
        }
        continue;
      }
      if (!paths.some((p) => ENVIRONMENTS.has(p))) continue;
      const kw = c.call.kw.find((k) => k.name === "autoescape");
      const off = !kw ? "without `autoescape`" : kw.value.k === "bool" && !kw.value.v ? "with `autoescape=False`" : null;
      if (!off) continue;
      const html = htmlUse(project, mod, c.call.r);
      if (!html) continue;
      report({ file: mod.path, range: toRange(c.call.r), message: `A Jinja environment created ${off} (Jinja's default is no escaping) renders HTML (${html}), so every variable is printed unescaped.`, scope: c.scope, severity: "medium" });
    }
    for (const a of mod.index.assigns) {
      if (a.value.k !== "bool" || a.value.v) continue;
      for (const t of a.targets) {
        if (t.k !== "attr" || t.name !== "autoescape" || t.obj.k !== "attr" || t.obj.name !== "jinja_env") continue;
        const ctx = project.contextOf(mod, a);
        if (ctx.devOnly || ctx.test) continue;
        if (!project.appsOf(mod, a.scope, t.obj.obj).isApp) continue;
        report({ file: mod.path, range: toRange(a.r), message: "`jinja_env.autoescape = False` turns off HTML escaping for every template the app renders.", scope: a.scope, severity: "high" });
      }
    }
  }
}

/** Evidence that the environment built at `r` renders HTML: a `.html` template or markup source given to it. */
function htmlUse(project: Project, envMod: ModuleInfo, r: string): string | null {
  const site = `${envMod.path}:${r.split(":").slice(0, 2).join(":")}`;
  for (const mod of project.pythonModules()) {
    for (const c of mod.index.calls) {
      const fn = c.call.fn;
      if (fn.k !== "attr" || !/^(get_template|select_template|from_string|get_or_select_template)$/.test(fn.name)) continue;
      const arg = c.call.args[0];
      if (!arg) continue;
      const recv = project.resolve(mod, c.scope, fn.obj);
      if (!recv.some((v) => v.t === "inst" && v.site === site)) continue;
      const names = stringsOf(arg) ?? [project.constString(mod, c.scope, arg)].filter((x): x is string => x !== null);
      for (const n of names) {
        if (fn.name === "from_string" ? /<[a-z!/]/i.test(n) : HTML_NAME.test(n)) return fn.name === "from_string" ? "`from_string` with markup" : `\`${n}\``;
      }
    }
  }
  return null;
}

function stringsOf(e: Expr): string[] | null {
  if (e.k === "str") return [e.v];
  if (e.k === "seq" && e.elts.every((x) => x.k === "str")) return e.elts.map((x) => (x as { v: string }).v);
  return null;
}
