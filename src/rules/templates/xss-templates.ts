/**
 * FLASK-XSS-001's template side: outputs that a template prints without escaping or where escaping does not
 * help (unquoted attributes, JavaScript, URLs), judged by what the views that render the template pass in.
 */
import type { Confidence, Severity, TraceStep } from "../../core/types.js";
import type { DefFact, Expr, R } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { TemplateOutput } from "../../index/jinja.js";
import type { ModuleInfo } from "../../link/modules.js";
import { isTestPath, type Project } from "../../link/project.js";
import type { RenderSite, TemplateFeed } from "../../link/templates.js";
import { taintHits, type TaintHit } from "../../taint/index.js";
import { kindBit, MARKUP_CLASSES, REQUEST_ATTRS, SANITISERS } from "../../taint/models.js";
import type { RuleReport } from "../define.js";
import { callersOf } from "../support.js";

/** Filters whose result holds no markup an attacker chose: escaped, a number, JSON, URL-encoded. */
const NEUTRALISING = new Set(["e", "escape", "forceescape", "tojson", "int", "float", "length", "count", "wordcount", "filesizeformat", "round", "abs", "urlencode", "xmlattr"]);
/** Filters that do nothing to text already marked safe: `x|safe|e` still prints x raw. */
const NOOP_ON_MARKUP = new Set(["e", "escape"]);
/** Attributes whose value the browser follows as a URL (`javascript:` runs). */
const URL_ATTRS = new Set(["href", "src", "action", "formaction", "data", "poster", "xlink:href", "background", "srcdoc", "ping"]);
/** Template globals Flask provides that are not request data for this check. */
const FLASK_GLOBALS = new Set(["session", "g", "config", "current_user", "request"]);
/** Calls whose result is safe to print anywhere (numbers, escaped text, URLs, markup the Python side checks). */
const SAFE_CALLS = new Set([
  ...MARKUP_CLASSES,
  ...Object.entries(SANITISERS).filter(([, m]) => (m & kindBit("template-var")) !== 0).map(([p]) => p),
  "flask.url_for", "flask.helpers.url_for", "flask.jsonify", "flask.get_flashed_messages", "flask_wtf.csrf.generate_csrf",
  "flask.render_template", "flask.templating.render_template",
  "builtins.len", "builtins.int", "builtins.float", "builtins.bool", "builtins.round", "builtins.sum", "builtins.abs", "builtins.min", "builtins.max",
  "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.date.today", "time.time", "uuid.uuid4",
]);

/** Template names Flask renders with autoescaping on. */
const FLASK_AUTOESCAPED = /\.(html|htm|xml|xhtml|svg)$/i;

/** Names that by convention hold numbers (ids, counts, sizes). */
const NUMERIC_NAME = /^(id|pk|\w+_id|ids?|count|\w+_count|num|\w+_num|number|index|idx|year|month|day|size|length|total|page|per_page|limit|offset|width|height)$/;

type Kind = "unescaped" | "unquoted" | "script" | "url";

interface Verdict {
  kind: Kind;
  /** Why the context is dangerous, for the message. */
  what: string;
}

/** The dangerous context an output is printed in, or null when escaping protects it. */
export function dangerOf(o: TemplateOutput, extensionOff = false): Verdict | null {
  const f = o.filters;
  const lastSafe = f.lastIndexOf("safe");
  const neutral = (xs: string[]) => xs.some((x) => NEUTRALISING.has(x));
  if (lastSafe >= 0 || !o.autoescape || extensionOff) {
    // `x|e|safe` was escaped first; `x|safe|forceescape` after. `x|safe|e` is not: `e` leaves markup alone.
    const before = lastSafe >= 0 ? f.slice(0, lastSafe) : f;
    const after = lastSafe >= 0 ? f.slice(lastSafe + 1).filter((x) => !NOOP_ON_MARKUP.has(x)) : [];
    if (!neutral(before) && !neutral(after) && o.html !== "rawtext") {
      const why = lastSafe >= 0 ? "`|safe` turns off HTML escaping" : !o.autoescape ? "the `{% autoescape false %}` region prints it without HTML escaping" : "Flask autoescapes only `.html`, `.htm`, `.xml`, `.xhtml` and `.svg` templates, so this one prints it without HTML escaping";
      return { kind: "unescaped", what: why };
    }
    return null;
  }
  if (neutral(f)) return null;
  if (o.html === "attr-unquoted") return { kind: "unquoted", what: `it fills the unquoted \`${o.attr}\` attribute, where escaping leaves spaces alone and a space starts a new attribute such as \`onmouseover\`` };
  if (o.html === "script") return { kind: "script", what: "it is printed inside `<script>`, where HTML escaping does not stop JavaScript injection (use `|tojson`)" };
  if (o.html === "attr" && o.attr && /^on[a-z]+$/.test(o.attr)) {
    return { kind: "script", what: `it is printed inside the \`${o.attr}\` event handler, where the browser decodes the escaped quotes before running the JavaScript (use \`|tojson\`)` };
  }
  if (o.html === "attr" && o.attr && URL_ATTRS.has(o.attr) && o.attrStart) return { kind: "url", what: `it starts the \`${o.attr}\` URL, so a \`javascript:\` value runs script when followed; escaping does not change that` };
  return null;
}

/** What a view passes for one variable. */
interface Origin {
  tainted: TaintHit[];
  /** Sites that pass a value of unknown origin (not constant, not escaped). */
  unknown: RenderSite[];
}

export class TemplateXss {
  private readonly hitsBySite = new Map<string, TaintHit[]>();
  /** The same for "template-url": request data not made safe as a URL (escaping does not count). */
  private readonly urlHitsBySite = new Map<string, TaintHit[]>();

  constructor(
    private readonly project: Project,
    private readonly report: (r: RuleReport) => void,
  ) {
    for (const [kind, map] of [["template-var", this.hitsBySite], ["template-url", this.urlHitsBySite]] as const) {
      for (const h of taintHits(project, kind)) {
        if (isTestPath(h.file)) continue;
        const k = `${h.file}\0${h.r}`;
        const list = map.get(k);
        if (list) list.push(h);
        else map.set(k, [h]);
      }
    }
  }

  run(): void {
    const model = this.project.templates;
    for (const t of model.files.values()) {
      if (isTestPath(t.path)) continue;
      const feeds = model.feedsOf(t.path).filter((f) => this.production(f.site));
      // Flask's `select_jinja_autoescape`: other extensions (`.jinja2`, `.j2`) render unescaped.
      const extOff = t.facts.markup && !FLASK_AUTOESCAPED.test(t.path);
      for (const o of t.facts.outputs) this.check(o, feeds, t.path, o.r, null, extOff);
    }
    // `render_template_string("...")` with a constant source: its outputs, reported at the call.
    for (const s of model.sites) {
      if (!s.inline || isTestPath(s.mod.path) || !this.production(s)) continue;
      for (const o of s.inline.outputs) this.check(o, [{ site: s, via: [] }], s.mod.path, s.call.r, s);
    }
  }

  private production(s: RenderSite): boolean {
    const ctx = this.project.contextOf(s.mod, s.where);
    return !ctx.test && !ctx.devOnly;
  }

  private check(o: TemplateOutput, feeds: TemplateFeed[], file: string, at: R, inline: RenderSite | null, extOff = false): void {
    const danger = o.macroCall ? null : dangerOf(o, extOff);
    if (!danger) return;
    const shown = `{{ ${o.expr} }}`;
    const where = inline ? ` in the template string rendered here (line ${toRange(o.r).start.line} of it)` : "";
    const tplStep: TraceStep = { file, range: toRange(at), message: `printed as \`${shown}\` in ${inline ? "the template string" : file}` };
    // Request data the template reads itself (`request.args.q`).
    const direct = o.deps.find((d) => {
      const [root, attr] = d.split(".");
      return root === "request" && attr !== undefined && REQUEST_ATTRS.has(attr);
    });
    if (direct) {
      this.report({
        file,
        range: toRange(at),
        message: `\`${shown}\` prints \`${direct}\`, request data the template reads itself: ${danger.what}.`,
        severity: "high",
        confidence: "high",
        scope: o.inMacro,
        trace: [{ file, range: toRange(at), message: `\`${direct}\` is read in the template` }, tplStep],
      });
      return;
    }
    const origin: Origin = { tainted: [], unknown: [] };
    for (const dep of o.deps) {
      const root = dep.split(".")[0]!;
      if (FLASK_GLOBALS.has(root)) continue;
      for (const f of feeds) this.originAt(f.site, root, origin, danger.kind === "url" ? this.urlHitsBySite : this.hitsBySite, inline ? null : (f.via[0] ?? file));
    }
    const tainted = danger.kind === "url" ? origin.tainted.filter((h) => !((h.cleared ?? 0) & kindBit("redirect"))) : origin.tainted;
    if (tainted.length > 0) {
      tainted.sort((a, b) => a.trace.length - b.trace.length || (a.origin < b.origin ? -1 : 1));
      const h = tainted[0]!;
      const renderer = this.viewOf(h.file, h.r, h.scope);
      const first = h.trace[0];
      const entry = first ? this.functionAt(first.file, toRange(first.r).start.line) : null;
      const from = first ? ` read ${entry && entry !== h.scope ? `in \`${entry}\` ` : ""}at ${first.file}:${toRange(first.r).start.line}` : "";
      this.report({
        file,
        range: toRange(at),
        message: `\`${shown}\`${where} prints request data (${show(h.origin)}${from}) passed as \`${h.variant === "*" ? o.deps[0] : h.variant}\` by ${renderer}: ${danger.what}.`,
        severity: "high",
        confidence: "high",
        scope: o.inMacro,
        trace: [...h.trace.map((s) => ({ file: s.file, range: toRange(s.r), message: s.message })), tplStep],
      });
      return;
    }
    if (danger.kind === "url" || origin.unknown.length === 0) return;
    // Outside `|safe`, an unknown value named as a number (`item.id`, `page_count`) is most likely one.
    if (danger.kind !== "unescaped" && o.deps.length > 0 && o.deps.every((d) => NUMERIC_NAME.test(d.slice(d.lastIndexOf(".") + 1)))) return;
    const s = origin.unknown[0]!;
    const view = this.viewOf(s.mod.path, s.call.r, s.where.scope);
    const severity: Severity = "medium";
    const confidence: Confidence = danger.kind === "unquoted" ? "medium" : "low";
    this.report({
      file,
      range: toRange(at),
      message: `\`${shown}\`${where}: ${danger.what}. The value comes from ${view}, which passes something other than a constant or escaped text (its origin, such as stored user content, is not visible to the analysis).`,
      severity,
      confidence,
      context: ["no request data was traced into this value; severity and confidence are lowered because its origin is unknown"],
      scope: o.inMacro,
      trace: [{ file: s.mod.path, range: toRange(s.call.r), message: `\`${s.fn}\` renders the template` }, tplStep],
    });
  }

  /** Adds what one render site passes for `name` when it renders the template `rendered` (null: a template string). */
  private originAt(site: RenderSite, name: string, out: Origin, bySite: Map<string, TaintHit[]>, rendered: string | null): void {
    const hits = bySite.get(`${site.mod.path}\0${site.call.r}`) ?? [];
    const mine = hits.filter((h) => (h.variant === name || (h.variant === "*" && !site.vars.has(name))) && this.renders(h.templates, rendered));
    if (mine.length > 0) {
      out.tainted.push(...mine);
      return;
    }
    const e = site.vars.get(name);
    if (e) {
      if (!this.isSafeValue(site.mod, site.where.scope, e, 0)) out.unknown.push(site);
    } else if (site.openSpread && !this.wrapperPassesSafe(site, name, rendered)) out.unknown.push(site);
  }

  /** Whether template names a call is limited to (none: any of the site's) include the rendered file. */
  private renders(names: readonly string[] | undefined, rendered: string | null): boolean {
    if (!names || rendered === null) return true;
    return names.some((n) => this.project.templates.resolveName(n)?.path === rendered);
  }

  /**
   * A render wrapper (`def page(name, **context): return render_template(name, **context)`): the spread is
   * the function's `**` parameter, and every caller passes `name` as a safe value or not at all (request
   * data they pass is the data-flow engine's part). False when a caller spreads a mapping of its own,
   * or when there are no callers to look at.
   */
  /** Callers of each render wrapper, found once (every variable of every template it renders asks). */
  private readonly wrapperCallers = new Map<DefFact, ReturnType<typeof callersOf>>();

  private wrapperPassesSafe(site: RenderSite, name: string, rendered: string | null): boolean {
    const spread = site.openSpread;
    if (spread?.k !== "name") return false;
    const def = this.project.resolver.def(site.mod, site.where.scope);
    if (def?.kind !== "function" || !def.params.some((p) => p.kind === "dstar" && p.name === spread.id)) return false;
    let callers = this.wrapperCallers.get(def);
    if (!callers) this.wrapperCallers.set(def, (callers = callersOf(this.project, site.mod, def)));
    if (callers.length === 0) return false;
    // The wrapper's parameter that names the template, if it has one: a caller naming another template is not this one's.
    const nameArg = site.call.args[0] ?? site.call.kw.find((k) => k.name === "template_name_or_list")?.value;
    // (Methods are left out: their callers do not pass `self` as an argument, so positions would not line up.)
    const isMethod = this.project.resolver.def(site.mod, def.scope)?.kind === "class";
    const nameParam = nameArg?.k === "name" && !isMethod ? def.params.findIndex((p) => p.name === nameArg.id && p.kind === "pos") : -1;
    return callers.every(({ mod, call }) => {
      if (nameParam >= 0) {
        const given = call.call.kw.find((k) => k.name === def.params[nameParam]!.name)?.value ?? call.call.args[nameParam];
        const names = given ? this.project.templates.namesOf(mod, call.scope, given) : [];
        if (names.length > 0 && !this.renders(names, rendered)) return true;
      }
      if (call.call.kw.some((k) => k.name === null)) return false;
      const kw = call.call.kw.find((k) => k.name === name);
      return !kw || this.isSafeValue(mod, call.scope, kw.value, 0);
    });
  }

  /** A value that cannot hold markup an attacker chose: constants, numbers, escaped text, URLs. */
  private isSafeValue(mod: ModuleInfo, scope: string, e: Expr, depth: number): boolean {
    if (depth > 4) return false;
    switch (e.k) {
      case "str":
      case "num":
      case "bool":
      case "none":
      case "cmp":
      case "not":
        return true;
      case "fstr":
        return e.parts.every((p) => this.isSafeValue(mod, scope, p, depth + 1));
      case "bin":
        return this.isSafeValue(mod, scope, e.l, depth + 1) && this.isSafeValue(mod, scope, e.rt, depth + 1);
      case "cond":
        return this.isSafeValue(mod, scope, e.body, depth + 1) && this.isSafeValue(mod, scope, e.orelse, depth + 1);
      case "seq":
        return e.elts.every((x) => this.isSafeValue(mod, scope, x, depth + 1));
      case "dict":
        return e.items.every((it) => this.isSafeValue(mod, scope, it.value, depth + 1));
      case "call": {
        const paths = this.project.extPaths(mod, scope, e.fn).map((p) => p.replace(/^flask\.globals\./, "flask."));
        if (paths.some((p) => SAFE_CALLS.has(p))) return true;
        // `request.args.get("page", 1, type=int)`.
        const type = e.kw.find((k) => k.name === "type")?.value;
        if (type && this.project.extPaths(mod, scope, type).some((p) => /^builtins\.(int|float|bool)$/.test(p))) return true;
        // A project helper whose every return is safe (`return bleach.clean(markdown(text))`).
        const defs = this.project.resolve(mod, scope, e.fn).filter((v) => v.t === "def" && v.def.kind === "function");
        return defs.length > 0 && defs.every((v) => v.t === "def" && this.returnsSafe(v.mod, v.def.qualname, depth + 1));
      }
      case "name":
      case "attr": {
        const vals = this.project.resolve(mod, scope, e);
        if (vals.length > 0 && vals.every((v) => v.t === "const")) return true;
        if (e.k !== "name") return false;
        const bound = (sc: string) => this.project.resolver.assignsIn(mod, sc).filter((a) => a.targets.some((t) => t.k === "name" && t.id === e.id));
        // A local, else a module-level constant (`NAV = [("Home", "/")]`).
        let at = scope;
        let assigns = bound(scope);
        if (assigns.length === 0 && scope !== "" && !this.isParam(mod, scope, e.id)) assigns = bound((at = ""));
        return assigns.length > 0 && assigns.every((a) => a.op === "=" && this.isSafeValue(mod, at, a.value, depth + 1));
      }
      default:
        return false;
    }
  }

  private isParam(mod: ModuleInfo, scope: string, name: string): boolean {
    return this.project.resolver.def(mod, scope)?.params.some((p) => p.name === name) ?? false;
  }

  /** Every `return` of a project function gives a safe value (and there is at least one). */
  private returnsSafe(mod: ModuleInfo, qualname: string, depth: number): boolean {
    const rets = mod.index.returns.filter((r) => r.scope === qualname);
    return rets.length > 0 && rets.every((r) => r.value !== null && this.isSafeValue(mod, qualname, r.value, depth));
  }

  /** The innermost function whose definition spans a line of a Python file. */
  private functionAt(file: string, line: number): string | null {
    const mod = this.project.pythonModules().find((m) => m.path === file);
    let best: { name: string; size: number } | null = null;
    for (const d of mod?.index.defs ?? []) {
      if (d.kind !== "function") continue;
      const r = toRange(d.r);
      const size = r.end.line - r.start.line;
      if (r.start.line <= line && line <= r.end.line && (!best || size < best.size)) best = { name: d.qualname, size };
    }
    return best?.name ?? null;
  }

  private viewOf(file: string, r: R, scope: string): string {
    return `the \`render_template\` call in ${scope ? `\`${scope}\`` : "module code"} (${file}:${toRange(r).start.line})`;
  }
}

function show(origin: string): string {
  return origin.startsWith("request.") ? `\`${origin}\`` : origin;
}
