/** Jinja templates: the tokeniser's outputs and HTML contexts, and linking render calls to template files. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { indexTemplate, type TemplateOutput } from "../src/index/jinja.js";
import { lines, scanFiles } from "./support/scan.js";

const byExpr = (outs: TemplateOutput[], expr: string): TemplateOutput => {
  const o = outs.find((x) => x.expr === expr);
  assert.ok(o, `no output \`${expr}\` among ${outs.map((x) => x.expr).join(", ")}`);
  return o;
};

describe("Jinja tokeniser", () => {
  test("outputs carry their HTML context, attribute and position", () => {
    const t = indexTemplate(
      lines(
        "<h1>{{ title }}</h1>",
        "<a href={{ url }} title='{{ tip }}'>x</a>",
        '<a href="/u/{{ user }}" onclick="go(\'{{ name }}\')">y</a>',
        "<script>var a = {{ data|tojson }};</script>",
        '<script type="application/ld+json">{"n": "{{ ld }}"}</script>',
        "<style>.x { color: {{ colour }} }</style>",
        "<!-- {{ note }} --><textarea>{{ body }}</textarea>",
        "<div {{ attrs }}></div>",
      ),
    ).outputs;
    assert.equal(byExpr(t, "title").html, "text");
    assert.equal(byExpr(t, "title").r, "1:5:1:16");
    assert.deepEqual([byExpr(t, "url").html, byExpr(t, "url").attr, byExpr(t, "url").attrStart], ["attr-unquoted", "href", true]);
    assert.deepEqual([byExpr(t, "tip").html, byExpr(t, "tip").attr], ["attr", "title"]);
    assert.deepEqual([byExpr(t, "user").attr, byExpr(t, "user").attrStart], ["href", false]);
    assert.equal(byExpr(t, "name").attr, "onclick");
    assert.deepEqual([byExpr(t, "data|tojson").html, byExpr(t, "data|tojson").filters], ["script", ["tojson"]]);
    assert.equal(byExpr(t, "ld").html, "rawtext");
    assert.equal(byExpr(t, "colour").html, "style");
    assert.equal(byExpr(t, "note").html, "comment");
    assert.equal(byExpr(t, "body").html, "rcdata");
    assert.equal(byExpr(t, "attrs").html, "tag");
  });

  test("whitespace control, strings holding delimiters, comments and raw blocks", () => {
    const t = indexTemplate(
      lines(
        "{#- a comment with {{ fake }} -#}",
        '{{- "a %} b }}" ~ x -}}',
        "{% raw %}<p>{{ literal }}</p>{% endraw %}",
        '{%- if "%}" in y -%}{{ y|safe }}{%- endif %}',
      ),
    );
    assert.deepEqual(t.outputs.map((o) => o.expr), ['"a %} b }}" ~ x', "y|safe"]);
    assert.deepEqual(t.outputs[0]!.deps, ["x"]);
    assert.deepEqual(t.errors, []);
  });

  test("set, for, with and macro bindings are followed back to context variables", () => {
    const t = indexTemplate(
      lines(
        '{% set greeting = "Hi " ~ user.name %}{{ greeting|safe }}',
        "{% for n in notes if n.public %}{{ n.body|safe }} {{ loop.index }}{% endfor %}",
        "{% with shown = items[0] %}{{ shown }}{% endwith %}",
        "{% macro card(text) %}{{ text|safe }}{% endmacro %}{{ card(x) }}",
        '{% from "forms.html" import field %}{% import "ui.html" as ui %}{{ field(y) }}{{ ui.button(z) }}',
        "{{ url_for('view', id=secret) }} {{ csrf_token() }}",
        "{% set block %}<b>{{ inner }}</b>{% endset %}{{ block|safe }}",
      ),
    ).outputs;
    assert.deepEqual(byExpr(t, "greeting|safe").deps, ["user.name"]);
    assert.deepEqual(byExpr(t, "n.body|safe").deps, ["notes.body"]);
    assert.deepEqual(byExpr(t, "loop.index").deps, []);
    assert.deepEqual(byExpr(t, "shown").deps, ["items"]);
    const param = byExpr(t, "text|safe");
    assert.deepEqual([param.deps, param.macro, param.inMacro], [[], true, "card"]);
    assert.equal(byExpr(t, "card(x)").macroCall, true);
    assert.equal(byExpr(t, "field(y)").macroCall, true);
    assert.equal(byExpr(t, "ui.button(z)").macroCall, true);
    assert.deepEqual(byExpr(t, "url_for('view', id=secret)").deps, []);
    assert.deepEqual(byExpr(t, "block|safe").deps, []);
  });

  test("autoescape regions and template references", () => {
    const t = indexTemplate(
      lines(
        '{% extends "base.html" %}',
        '{% include ["a.html", "b.html"] ignore missing %}',
        '{% include "c.html" with context %}',
        "{% include name %}",
        "{% autoescape false %}{{ a }}{% autoescape true %}{{ b }}{% endautoescape %}{{ c }}{% endautoescape %}{{ d }}",
      ),
    );
    assert.deepEqual(t.refs.map((r) => [r.kind, r.names]), [["extends", ["base.html"]], ["include", ["a.html", "b.html"]], ["include", ["c.html"]], ["include", []]]);
    assert.deepEqual(t.outputs.map((o) => [o.expr, o.autoescape]), [["a", false], ["b", true], ["c", false], ["d", true]]);
    assert.equal(t.autoescapeOff.length, 1);
  });

  test("broken templates give errors, not exceptions", () => {
    assert.match(indexTemplate("<p>{{ x </p>").errors[0]!.message, /never closed/);
    assert.match(indexTemplate("{% endfor %}").errors[0]!.message, /without an open/);
    assert.match(indexTemplate("{% raw %}abc").errors[0]!.message, /raw/);
    assert.match(indexTemplate("{# open").errors[0]!.message, /comment/);
    assert.match(indexTemplate("{% for x in y %}{{ x }}").errors[0]!.message, /`\{% for %\}` is never closed/);
    // Tags of Jinja extensions are not Jinja's own blocks: no error for them.
    assert.deepEqual(indexTemplate("{% cache 60 %}{{ x }}{% endcache %}").errors, []);
    // Arbitrary bytes and unbalanced markup never throw.
    for (const junk of ["<<<{{{%%}}}>>>", "<a href='{{'>", "{{ '", "<script>{{ x }}", "</ >{% %}{{}}{##}"]) indexTemplate(junk);
  });
});

describe("template linking", () => {
  test("render calls resolve through the app's and blueprints' template folders; includes and extends carry the context", async () => {
    const out = await scanFiles({
      "site/__init__.py": lines(
        "from flask import Flask",
        "from .shop import shop",
        "app = Flask(__name__, template_folder='../templates')",
        "app.register_blueprint(shop)",
      ),
      "site/pages.py": lines(
        "from flask import render_template, request",
        "from . import app",
        "@app.route('/')",
        "def home():",
        "    ctx = {'user': request.args.get('u'), 'n': 1}",
        "    return render_template('home.html', title='Home', **ctx)",
      ),
      "site/shop/__init__.py": lines(
        "from flask import Blueprint, render_template",
        "shop = Blueprint('shop', __name__, template_folder='templates')",
        "@shop.route('/cart')",
        "def cart():",
        "    return render_template('shop/cart.html' if True else 'shop/empty.html', items=[])",
      ),
      "templates/home.html": '{% extends "layout.html" %}{% block b %}{% include "_user.html" %}{% endblock %}',
      "templates/layout.html": "<title>{{ title }}</title>{% block b %}{% endblock %}",
      "templates/_user.html": "<b>{{ user }}</b>",
      "site/shop/templates/shop/cart.html": "{{ items }}",
      "site/shop/templates/shop/empty.html": "empty",
      "templates/orphan.html": "{{ nobody }}",
    });
    const m = out.project.templates;
    assert.deepEqual(m.roots.map((r) => [r.dir, r.owner?.kind ?? null]), [["templates", "app"], ["site/shop/templates", "blueprint"]]);
    const home = m.sites.find((s) => s.where.scope === "home")!;
    assert.deepEqual(home.templates.map((t) => t.path), ["templates/home.html"]);
    assert.deepEqual([...home.vars.keys()].sort(), ["n", "title", "user"]);
    const cart = m.sites.find((s) => s.where.scope === "cart")!;
    assert.deepEqual(cart.names, ["shop/cart.html", "shop/empty.html"]);
    assert.deepEqual(cart.templates.map((t) => t.path), ["site/shop/templates/shop/cart.html", "site/shop/templates/shop/empty.html"]);
    assert.deepEqual(m.feedsOf("templates/_user.html").map((f) => [f.site.where.scope, f.via]), [["home", ["templates/home.html"]]]);
    assert.deepEqual(m.feedsOf("templates/layout.html").map((f) => f.site.where.scope), ["home"]);
    assert.equal(m.isLinked("templates/orphan.html"), false);
  });

  test("a template that cannot be tokenised gets a diagnostic and the scan goes on", async () => {
    const out = await scanFiles({
      "app.py": lines("from flask import Flask, render_template, request", "app = Flask(__name__)", "@app.route('/')", "def i():", "    return render_template('ok.html', q=request.args['q'])"),
      "templates/bad.html": "<p>{{ q </p>",
      "templates/ok.html": "<p>{{ q|safe }}</p>",
    });
    const diag = out.result.diagnostics.find((d) => d.code === "template-syntax");
    assert.equal(diag?.file, "templates/bad.html");
    assert.deepEqual(out.result.findings.filter((f) => f.ruleId === "FLASK-XSS-001").map((f) => `${f.file}:${f.range.start.line}`), ["templates/ok.html:1"]);
  });

  test("a template suppression comment silences the finding below it", async () => {
    const out = await scanFiles({
      "app.py": lines("from flask import Flask, render_template, request", "app = Flask(__name__)", "@app.route('/')", "def i():", "    return render_template('ok.html', q=request.args['q'])"),
      "templates/ok.html": lines("{# flaskwarden: ignore[FLASK-XSS-001] sanitised upstream by the proxy #}", "<p>{{ q|safe }}</p>"),
    });
    const f = out.result.findings.filter((x) => x.ruleId === "FLASK-XSS-001");
    assert.equal(f.length, 1);
    assert.ok(f[0]!.suppressed);
  });

  test("a template finding's trace runs from the request to the render call and on to the template line", async () => {
    const out = await scanFiles({
      "app.py": lines(
        "from flask import Flask, render_template, request",
        "app = Flask(__name__)",
        "def greeting(name):",
        "    return 'Hello ' + name",
        "@app.route('/')",
        "def index():",
        "    who = request.args.get('who', '')",
        "    return render_template('index.html', msg=greeting(who))",
      ),
      "templates/index.html": "<p>{{ msg|safe }}</p>",
    });
    const f = out.result.findings.find((x) => x.ruleId === "FLASK-XSS-001")!;
    assert.equal(f.severity, "high");
    assert.match(f.message, /passed as `msg` by the `render_template` call in `index` \(app\.py:8\)/);
    const steps = f.trace!.map((s) => `${s.file}:${s.range.start.line}`);
    assert.equal(steps[0], "app.py:7");
    assert.equal(steps[steps.length - 1], "templates/index.html:1");
    assert.ok(steps.includes("app.py:8"));
  });
});

describe("template variables in the data-flow engine", () => {
  test("each keyword and each constant key of a **dict is its own sink; escaping clears HTML but not URLs", async () => {
    const out = await scanFiles({
      "app.py": lines(
        "from flask import Flask, escape, render_template, request",
        "app = Flask(__name__)",
        "@app.route('/')",
        "def i():",
        "    q = request.args.get('q', '')",
        "    ctx = {'a': q, 'b': 'fixed', 'c': escape(q)}",
        "    return render_template('t.html', n=len(q), raw=q, **ctx)",
      ),
      "templates/t.html": "{{ raw }}",
    });
    const { taintHits } = await import("../src/taint/index.js");
    const vars = taintHits(out.project, "template-var").map((h) => h.variant).sort();
    const urls = taintHits(out.project, "template-url").map((h) => h.variant).sort();
    assert.deepEqual(vars, ["a", "raw"]);
    assert.deepEqual(urls, ["a", "c", "raw"]);
  });
});
