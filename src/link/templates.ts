/**
 * Templates in the project model: where each app and blueprint looks for templates, which template every
 * `render_template(...)` call renders (with the variables it passes), and which templates include or
 * extend which, so a template can be traced back to the views that feed it.
 */
import { dirname, posix } from "node:path";
import type { CallExpr } from "./project.js";
import type { Diagnostic, SourceFile } from "../core/types.js";
import { readSource } from "../discover/read.js";
import { scanTemplateComments, type SuppressionComment } from "../filter/suppress.js";
import type { Expr, Where } from "../index/ir.js";
import { toRange } from "../index/ir.js";
import { indexTemplate, type TemplateFacts } from "../index/jinja.js";
import type { ModuleInfo } from "./modules.js";
import type { FlaskObject, Project } from "./project.js";

/** A template file and its facts. */
export interface TemplateFile {
  path: string;
  facts: TemplateFacts;
}

/** A folder templates are looked up in, in Jinja's search order (the app's own first, then blueprints'). */
export interface TemplateRoot {
  /** Folder relative to the scan root ("" for the root itself). */
  dir: string;
  /** The app or blueprint that declares it; null for a `templates` folder found by name only. */
  owner: FlaskObject | null;
}

/** One call that renders a template. */
export interface RenderSite {
  mod: ModuleInfo;
  where: Where;
  call: CallExpr;
  /** "render_template", "render_template_string" or "stream_template". */
  fn: string;
  /** Template names the call may render (constant strings; several for a list or a conditional). */
  names: string[];
  /** The files those names resolve to. */
  templates: TemplateFile[];
  /** Variables passed by keyword, with their expressions; `**dict` entries with constant keys included. */
  vars: Map<string, Expr>;
  /** A `**mapping` whose keys are not known: any variable may come from it. */
  openSpread: Expr | null;
  /** For `render_template_string` with a constant source: that source's facts. */
  inline?: TemplateFacts;
}

/** A render site reaching a template, and the include/extends chain in between (outermost first). */
export interface TemplateFeed {
  site: RenderSite;
  via: string[];
}

const RENDER_FUNCS: Record<string, string> = {
  "flask.render_template": "render_template",
  "flask.templating.render_template": "render_template",
  "flask.render_template_string": "render_template_string",
  "flask.templating.render_template_string": "render_template_string",
  "flask.stream_template": "stream_template",
  "flask.templating.stream_template": "stream_template",
  "quart.render_template": "render_template",
};

export class TemplateModel {
  readonly files = new Map<string, TemplateFile>();
  readonly roots: TemplateRoot[] = [];
  readonly sites: RenderSite[] = [];
  /** Templates each template includes or extends (resolved), by path. */
  private readonly refsOut = new Map<string, { kind: string; target: string }[]>();
  private readonly feeds = new Map<string, TemplateFeed[]>();

  /** Suppression comments of templates read here (candidates under a declared folder); the scan applies them. */
  readonly suppressions: SuppressionComment[] = [];
  /** Problems reading or tokenising those templates. */
  readonly diagnostics: Diagnostic[] = [];
  /** How many of those templates were read. */
  lateCount = 0;

  constructor(
    private readonly project: Project,
    templates: TemplateFile[],
    candidates: readonly SourceFile[] = [],
  ) {
    for (const t of templates) this.files.set(t.path, t);
    this.findRoots();
    this.readCandidates(candidates);
    this.findSites();
    for (const t of this.files.values()) {
      const out: { kind: string; target: string }[] = [];
      for (const ref of t.facts.refs) {
        for (const n of ref.names) {
          const target = this.resolveName(n, t.path);
          if (target) out.push({ kind: ref.kind, target: target.path });
        }
      }
      this.refsOut.set(t.path, out);
    }
  }

  /** The file a template name refers to, searching the roots in order (and the folder of `from`, if given). */
  resolveName(name: string, from?: string): TemplateFile | null {
    const key = `${from ?? ""}\0${name}`;
    const known = this.resolved.get(key);
    if (known !== undefined) return known;
    const out = this.resolveUncached(name, from);
    this.resolved.set(key, out);
    return out;
  }

  private readonly resolved = new Map<string, TemplateFile | null>();

  private resolveUncached(name: string, from?: string): TemplateFile | null {
    const clean = name.replace(/^\.?\//, "");
    const tryDir = (dir: string) => this.files.get(posix.normalize(dir ? `${dir}/${clean}` : clean)) ?? null;
    // The root the referring template lives in first (blueprint templates include their own partials).
    if (from) {
      const own = this.roots.find((r) => from.startsWith(r.dir ? `${r.dir}/` : ""));
      const hit = own ? tryDir(own.dir) : null;
      if (hit) return hit;
    }
    for (const r of this.roots) {
      const hit = tryDir(r.dir);
      if (hit) return hit;
    }
    return null;
  }

  /** The render sites that reach a template, directly or through templates that include or extend it. */
  feedsOf(path: string): TemplateFeed[] {
    const known = this.feeds.get(path);
    if (known) return known;
    const out: TemplateFeed[] = [];
    const seen = new Set<string>();
    const visit = (p: string, via: string[]) => {
      if (seen.has(p)) return;
      seen.add(p);
      for (const s of this.sites) if (s.templates.some((t) => t.path === p)) out.push({ site: s, via });
      // An included template sees the context of the one including it; a base template that of its child.
      for (const [from, refs] of this.refsOut) {
        if (refs.some((r) => r.target === p && (r.kind === "include" || r.kind === "extends"))) visit(from, [from, ...via]);
      }
    };
    visit(path, []);
    this.feeds.set(path, out);
    return out;
  }

  /** Whether any render call reaches the template (directly or through an include/extends chain). */
  isLinked(path: string): boolean {
    return this.feedsOf(path).length > 0;
  }

  /**
   * HTML and XML files outside `templates` folders become templates when they lie in a folder an app or
   * blueprint declares with `template_folder=`; they are read and tokenised here, on the main thread.
   */
  private readCandidates(candidates: readonly SourceFile[]): void {
    const declared = this.roots.filter((r) => r.owner !== null).map((r) => r.dir);
    if (declared.length === 0) return;
    for (const f of candidates) {
      if (this.files.has(f.path) || !declared.some((d) => d === "" || f.path.startsWith(`${d}/`))) continue;
      const read = readSource(f);
      this.diagnostics.push(...read.diagnostics);
      if (read.text === null) continue;
      const facts = indexTemplate(read.text);
      for (const e of facts.errors) {
        this.diagnostics.push({ file: f.path, severity: "warning", code: "template-syntax", message: `${e.message}; the template was analysed up to there`, range: toRange(e.r) });
      }
      this.files.set(f.path, { path: f.path, facts });
      this.lateCount++;
      this.suppressions.push(...scanTemplateComments(read.text, f.path));
    }
  }

  private findRoots(): void {
    const add = (dir: string, owner: FlaskObject | null) => {
      const d = posix.normalize(dir).replace(/^\.\/?$/, "").replace(/\/$/, "");
      if (!this.roots.some((r) => r.dir === d)) this.roots.push({ dir: d, owner });
    };
    const folderOf = (o: FlaskObject): string | null | undefined => {
      const kw = o.call.kw.find((k) => k.name === "template_folder");
      if (!kw) return o.kind === "app" ? "templates" : null;
      return this.project.constString(o.mod, o.scope, kw.value) ?? undefined;
    };
    for (const o of [...this.project.apps, ...this.project.blueprints]) {
      const folder = folderOf(o);
      if (!folder) continue;
      const base = dirname(o.mod.path);
      add(posix.join(base === "." ? "" : base, folder), o);
    }
    // Folders named `templates` that no app declares (an app the model could not see, a factory in a
    // library): searched after the declared ones, so names still resolve.
    const byName = new Set<string>();
    for (const p of this.files.keys()) {
      const parts = p.split("/");
      const at = parts.lastIndexOf("templates", parts.length - 2);
      if (at >= 0) byName.add(parts.slice(0, at + 1).join("/"));
    }
    for (const d of [...byName].sort()) add(d, null);
  }

  private findSites(): void {
    const FUNCS = new Set(["render_template", "render_template_string", "stream_template"]);
    for (const mod of this.project.pythonModules()) {
      // Only calls named like a render function (or an alias of one) are resolved.
      const names = new Set(FUNCS);
      for (const f of mod.index.imports) if (f.member !== null && FUNCS.has(f.member)) names.add(f.local);
      for (const c of mod.index.calls) {
        const fn = c.call.fn;
        const last = fn.k === "name" ? fn.id : fn.k === "attr" ? fn.name : "";
        if (!names.has(last)) continue;
        const fnName = this.project.extPaths(mod, c.scope, fn).map((p) => RENDER_FUNCS[p]).find((x) => x !== undefined);
        if (!fnName) continue;
        const first = c.call.args[0] ?? c.call.kw.find((k) => k.name === (fnName === "render_template_string" ? "source" : "template_name_or_list"))?.value;
        const site: RenderSite = { mod, where: c, call: c.call, fn: fnName, names: [], templates: [], vars: new Map(), openSpread: null };
        if (first) {
          if (fnName === "render_template_string") {
            const src = this.project.constString(mod, c.scope, first);
            if (src !== null) site.inline = indexTemplate(src);
          } else {
            site.names = this.namesOf(mod, c.scope, first);
            for (const n of site.names) {
              const t = this.resolveName(n);
              if (t && !site.templates.includes(t)) site.templates.push(t);
            }
          }
        }
        for (const k of c.call.kw) {
          if (k.name !== null) {
            if (k.name !== "source" && k.name !== "template_name_or_list") site.vars.set(k.name, k.value);
            continue;
          }
          const dict = this.dictOf(mod, c.scope, k.value);
          if (dict) for (const [name, v] of dict) site.vars.set(name, v);
          else site.openSpread = k.value;
        }
        this.sites.push(site);
      }
    }
  }

  /** The entries of a dict literal with constant keys, directly or through the one local name it is assigned to. */
  private dictOf(mod: ModuleInfo, scope: string, e: Expr): [string, Expr][] | null {
    const lit = (d: Expr): [string, Expr][] | null => (d.k === "dict" && d.items.every((it) => it.key?.k === "str") ? d.items.map((it) => [(it.key as { v: string }).v, it.value]) : null);
    if (e.k === "dict") return lit(e);
    if (e.k !== "name") return null;
    const assigns = this.project.resolver.assignsIn(mod, scope).filter((a) => a.targets.some((t) => t.k === "name" && t.id === e.id));
    if (assigns.length !== 1 || assigns[0]!.op !== "=") return null;
    const entries = lit(assigns[0]!.value);
    if (!entries) return null;
    // Keys added later (`ctx["x"] = ...`) are not known here: treat them as an open spread.
    const grown = this.project.resolver.assignsIn(mod, scope).some((a) => a.targets.some((t) => t.k === "sub" && t.obj.k === "name" && t.obj.id === e.id));
    return grown ? null : entries;
  }

  /**
   * Constant template names an expression may hold: a string, a list of them, either branch of a
   * conditional, or every value a name can have when all of them are constant strings (the name
   * parameter of a render wrapper whose callers each pass a literal).
   */
  namesOf(mod: ModuleInfo, scope: string, e: Expr): string[] {
    if (e.k === "seq") return e.elts.flatMap((x) => this.namesOf(mod, scope, x));
    if (e.k === "cond") return [...this.namesOf(mod, scope, e.body), ...this.namesOf(mod, scope, e.orelse)];
    const s = this.project.constString(mod, scope, e);
    if (s !== null) return [s];
    if (e.k !== "name") return [];
    const vals = this.project.resolve(mod, scope, e);
    const names = vals.flatMap((v) => (v.t === "const" && typeof v.v === "string" ? [v.v] : []));
    return names.length > 0 && names.length === vals.length ? [...new Set(names)] : [];
  }
}
