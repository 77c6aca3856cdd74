/**
 * Jinja templates to per-file facts: every `{{ ... }}` output with the HTML context it lands in, the
 * tags that link templates together (`include`, `extends`, `import`, `from`), `autoescape` regions, and
 * where each output's value comes from after following the template's own bindings (`set`, `for`,
 * `with`, macro parameters).
 *
 * Hand-written: no kept npm package tokenises Jinja faithfully (see ARCHITECTURE.md, "Templates").
 * One pass over the text: Jinja delimiters are handled where they start, everything else drives a
 * small HTML state machine (data, tag, attribute name and value, script/style raw text, comments).
 * Never throws on bad input: unclosed tags and unbalanced blocks become `errors`.
 */
import type { R } from "./ir.js";

/** Where in the HTML an output lands. */
export type HtmlContext =
  /** Element content. */
  | "text"
  /** A quoted attribute value. */
  | "attr"
  /** An unquoted attribute value: a space in the value starts a new attribute. */
  | "attr-unquoted"
  /** Inside a tag where attribute names go (`<div {{ attrs }}>`). */
  | "tag"
  /** Inside `<script>` with a JavaScript type. */
  | "script"
  /** Inside `<script>` of another type (`text/template`, JSON-LD): not run as JavaScript. */
  | "rawtext"
  | "style"
  | "comment"
  /** `<textarea>`, `<title>`: text that cannot hold elements. */
  | "rcdata";

export interface TemplateOutput {
  /** The whole `{{ ... }}`, delimiters included. */
  r: R;
  /** The expression text, trimmed. */
  expr: string;
  /**
   * Dotted access paths of the free names the value may come from, after following the template's own
   * bindings: context variables ("note.body"), Flask's template globals ("request.args"). Names inside
   * calls of Jinja's and Flask's own helpers (`url_for(...)`) are left out: their result is escaped.
   */
  deps: string[];
  /** A macro parameter or an imported macro feeds the value: its origin is the macro's caller. */
  macro: boolean;
  /** The output is a macro call (`{{ forms.field(x) }}`): the macro's own outputs are checked where it is defined. */
  macroCall?: boolean;
  /** Filters applied at the top level, in order (`["e", "safe"]`). */
  filters: string[];
  html: HtmlContext;
  /** Attribute name (lower case) for "attr" and "attr-unquoted". */
  attr?: string;
  /** The output is the first thing in the attribute value (it decides the URL scheme of an href). */
  attrStart?: boolean;
  /** False inside `{% autoescape false %}`. */
  autoescape: boolean;
  /** Enclosing macro, if any. */
  inMacro?: string;
}

export interface TemplateRef {
  kind: "include" | "extends" | "import" | "from";
  /** Template names named by constant strings (a list for `include [...]`); empty when computed. */
  names: string[];
  r: R;
}

export interface TemplateFacts {
  outputs: TemplateOutput[];
  refs: TemplateRef[];
  /** `{% autoescape false %}` tags. */
  autoescapeOff: R[];
  /** The template writes HTML elements (so it is a web page or part of one, not plain text). */
  markup: boolean;
  errors: { r: R; message: string }[];
}

// ---------- Jinja expressions ----------

interface Tok {
  t: "name" | "str" | "num" | "op";
  v: string;
}

const KEYWORDS = new Set(["and", "or", "not", "in", "is", "if", "else", "true", "false", "none", "True", "False", "None", "recursive", "with", "without", "context", "ignore", "missing", "as", "import"]);
/** Globals and helpers whose results are safe whatever they are given (URLs, tokens, numbers, markup). */
const SAFE_CALLS = new Set(["url_for", "csrf_token", "generate_csrf", "range", "lipsum", "dict", "cycler", "joiner", "namespace", "get_flashed_messages", "super", "caller", "_", "gettext", "ngettext", "static_url", "url"]);
/** Names with a fixed meaning in a template: not context variables. */
const BUILTIN_NAMES = new Set(["loop", "self", "varargs", "kwargs", "caller", "super", ...SAFE_CALLS]);

export function tokeniseExpr(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let v = "";
      while (j < src.length && src[j] !== c) {
        if (src[j] === "\\" && j + 1 < src.length) j++;
        v += src[j];
        j++;
      }
      out.push({ t: "str", v });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < src.length && /\w/.test(src[j]!)) j++;
      out.push({ t: "name", v: src.slice(i, j) });
      i = j;
      continue;
    }
    if (/\d/.test(c)) {
      let j = i + 1;
      while (j < src.length && /[\d._eE]/.test(src[j]!)) j++;
      out.push({ t: "num", v: src.slice(i, j) });
      i = j;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (["==", "!=", "<=", ">=", "//", "**"].includes(two)) {
      out.push({ t: "op", v: two });
      i += 2;
      continue;
    }
    out.push({ t: "op", v: c });
    i++;
  }
  return out;
}

/** What an expression reads: free names with their access paths, and its top-level filters. */
export interface ExprInfo {
  /** Free names as dotted paths ("note.body"), in order of appearance, without duplicates. */
  paths: string[];
  filters: string[];
}

export function analyseExpr(toks: Tok[]): ExprInfo {
  const paths: string[] = [];
  const filters: string[] = [];
  let depth = 0;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.t === "op") {
      if (t.v === "(" || t.v === "[" || t.v === "{") depth++;
      else if (t.v === ")" || t.v === "]" || t.v === "}") depth = Math.max(0, depth - 1);
      continue;
    }
    if (t.t !== "name") continue;
    const prev = toks[i - 1];
    const next = toks[i + 1];
    if (prev?.t === "op" && prev.v === ".") continue;
    if (prev?.t === "op" && prev.v === "|") {
      if (depth === 0) filters.push(t.v);
      continue;
    }
    // A test (`x is defined`, `x is not none`).
    if (prev?.t === "name" && (prev.v === "is" || (prev.v === "not" && toks[i - 2]?.v === "is"))) continue;
    if (KEYWORDS.has(t.v)) continue;
    // A keyword argument's name (`url_for("x", id=1)`).
    if (next?.t === "op" && next.v === "=" && depth > 0) continue;
    // Helpers whose result is safe: skip their arguments.
    if (SAFE_CALLS.has(t.v) && next?.t === "op" && next.v === "(") {
      let d = 0;
      let j = i + 1;
      for (; j < toks.length; j++) {
        const x = toks[j]!;
        if (x.t === "op" && x.v === "(") d++;
        else if (x.t === "op" && x.v === ")" && --d === 0) break;
      }
      i = j;
      continue;
    }
    let path = t.v;
    let j = i + 1;
    while (toks[j]?.t === "op" && toks[j]!.v === "." && toks[j + 1]?.t === "name") {
      path += `.${toks[j + 1]!.v}`;
      j += 2;
    }
    // `x["key"]` reads the field too.
    if (toks[j]?.t === "op" && toks[j]!.v === "[" && toks[j + 1]?.t === "str" && toks[j + 2]?.v === "]") path += `.${toks[j + 1]!.v}`;
    if (!paths.includes(path)) paths.push(path);
  }
  return { paths, filters };
}

// ---------- the template ----------

interface Binding {
  deps: string[];
  macro: boolean;
  /** A macro (defined here or imported) or a module of them: calling it yields markup it built. */
  callable?: boolean;
}

const VOID_RAW = new Set(["script", "style"]);
const RCDATA = new Set(["textarea", "title"]);
const JS_TYPES = /^(|text\/javascript|application\/javascript|module|text\/ecmascript|application\/ecmascript|application\/x-javascript)$/i;

/** Jinja's own block tags (each closed by `end<name>`). */
const BLOCK_TAGS = new Set(["for", "if", "macro", "call", "with", "filter", "block", "set", "autoescape", "raw", "trans"]);

/** Where text in element content or raw text can change state: a tag or a Jinja delimiter. */
const SPECIAL = /[<{]/g;

type HState = "data" | "tagname" | "endtag" | "beforeattr" | "attrname" | "afterattr" | "beforevalue" | "dq" | "sq" | "uq" | "comment" | "raw" | "bogus";

/** Tokenises a Jinja template. `text` is the whole file. */
export function indexTemplate(text: string): TemplateFacts {
  const facts: TemplateFacts = { outputs: [], refs: [], autoescapeOff: [], errors: [], markup: false };
  const lineStarts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  const pos = (off: number): [number, number] => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    return [lo + 1, off - lineStarts[lo]! + 1];
  };
  const range = (a: number, b: number): R => {
    const [sl, sc] = pos(a);
    const [el, ec] = pos(b);
    return `${sl}:${sc}:${el}:${ec}`;
  };

  // Bindings: a stack of frames (for, macro, with, call blocks open one).
  const frames: { tag: string; names: Map<string, Binding>; macro?: string }[] = [{ tag: "", names: new Map() }];
  const lookup = (name: string): Binding | undefined => {
    for (let i = frames.length - 1; i >= 0; i--) {
      const b = frames[i]!.names.get(name);
      if (b) return b;
    }
    return undefined;
  };
  /** Free paths of an expression with local names replaced by what they were bound to. */
  const resolveExpr = (src: string): Binding & { filters: string[] } => {
    const info = analyseExpr(tokeniseExpr(src));
    const deps: string[] = [];
    let macro = false;
    for (const p of info.paths) {
      const root = p.split(".")[0]!;
      if (BUILTIN_NAMES.has(root)) continue;
      const b = lookup(root);
      if (b) {
        macro ||= b.macro;
        for (const d of b.deps) {
          // `{% for n in notes %}{{ n.body }}`: the field read from an element of `notes`.
          const rest = p.slice(root.length);
          const full = d + rest;
          if (!deps.includes(full)) deps.push(full);
        }
        continue;
      }
      if (!deps.includes(p)) deps.push(p);
    }
    return { deps, macro, filters: info.filters };
  };
  const bind = (names: string[], b: Binding) => {
    const top = frames[frames.length - 1]!;
    for (const n of names) top.names.set(n, b);
  };
  const currentMacro = (): string | undefined => {
    for (let i = frames.length - 1; i >= 0; i--) if (frames[i]!.macro) return frames[i]!.macro;
    return undefined;
  };

  const autoescape: boolean[] = [true];
  const blockStack: string[] = [];

  // HTML state.
  let hs: HState = "data";
  let tagName = "";
  let isEndTag = false;
  let attrName = "";
  let attrValue = "";
  let attrs = new Map<string, string>();
  let rawTag = "";
  let rawKind: HtmlContext = "text";

  const closeTag = () => {
    const name = tagName.toLowerCase();
    if (!isEndTag && /^[a-z][a-z0-9-]*$/.test(name)) facts.markup = true;
    if (!isEndTag && VOID_RAW.has(name)) {
      hs = "raw";
      rawTag = name;
      rawKind = name === "style" ? "style" : JS_TYPES.test((attrs.get("type") ?? "").trim()) ? "script" : "rawtext";
    } else if (!isEndTag && RCDATA.has(name)) {
      hs = "raw";
      rawTag = name;
      rawKind = "rcdata";
    } else hs = "data";
  };
  const endAttr = () => {
    if (attrName) attrs.set(attrName.toLowerCase(), attrValue);
    attrName = "";
    attrValue = "";
  };

  /** Feeds one character of HTML (text outside Jinja delimiters) at offset i; returns how many were consumed. */
  const html = (i: number): number => {
    const c = text[i]!;
    switch (hs) {
      case "data":
        if (c === "<") {
          if (text.startsWith("<!--", i)) {
            hs = "comment";
            return 4;
          }
          const n = text[i + 1] ?? "";
          if (n === "/" && /[A-Za-z]/.test(text[i + 2] ?? "")) {
            hs = "tagname";
            isEndTag = true;
            tagName = "";
            return 2;
          }
          if (/[A-Za-z]/.test(n)) {
            hs = "tagname";
            isEndTag = false;
            tagName = "";
            attrs = new Map();
            return 1;
          }
          if (n === "!" || n === "?") {
            hs = "bogus";
            return 2;
          }
        }
        return 1;
      case "bogus":
        if (c === ">") hs = "data";
        return 1;
      case "comment":
        if (text.startsWith("-->", i)) {
          hs = "data";
          return 3;
        }
        return 1;
      case "raw": {
        if (c === "<" && text[i + 1] === "/" && text.slice(i + 2, i + 2 + rawTag.length).toLowerCase() === rawTag && /[\s/>]/.test(text[i + 2 + rawTag.length] ?? ">")) {
          hs = "endtag";
          return 2 + rawTag.length;
        }
        return 1;
      }
      case "endtag":
        if (c === ">") hs = "data";
        return 1;
      case "tagname":
        if (/[\s/]/.test(c)) hs = isEndTag ? "endtag" : "beforeattr";
        else if (c === ">") closeTag();
        else tagName += c;
        return 1;
      case "beforeattr":
        if (c === ">") closeTag();
        else if (!/[\s/]/.test(c)) {
          hs = "attrname";
          attrName = c;
          attrValue = "";
        }
        return 1;
      case "attrname":
        if (c === "=") hs = "beforevalue";
        else if (/\s/.test(c)) hs = "afterattr";
        else if (c === ">") {
          endAttr();
          closeTag();
        } else if (c === "/") {
          endAttr();
          hs = "beforeattr";
        } else attrName += c;
        return 1;
      case "afterattr":
        if (c === "=") hs = "beforevalue";
        else if (c === ">") {
          endAttr();
          closeTag();
        } else if (!/[\s/]/.test(c)) {
          endAttr();
          hs = "attrname";
          attrName = c;
        }
        return 1;
      case "beforevalue":
        if (c === '"') hs = "dq";
        else if (c === "'") hs = "sq";
        else if (c === ">") {
          endAttr();
          closeTag();
        } else if (!/\s/.test(c)) {
          hs = "uq";
          attrValue = c;
        }
        return 1;
      case "dq":
      case "sq":
        if ((hs === "dq" && c === '"') || (hs === "sq" && c === "'")) {
          endAttr();
          hs = "beforeattr";
        } else attrValue += c;
        return 1;
      case "uq":
        if (/\s/.test(c)) {
          endAttr();
          hs = "beforeattr";
        } else if (c === ">") {
          endAttr();
          closeTag();
        } else attrValue += c;
        return 1;
    }
  };

  /** The HTML context of an output starting now; moves the state as if the output wrote text. */
  const outputContext = (): Pick<TemplateOutput, "html" | "attr" | "attrStart"> => {
    switch (hs) {
      case "data":
        return { html: "text" };
      case "comment":
        return { html: "comment" };
      case "raw":
        return { html: rawKind };
      case "dq":
      case "sq": {
        const out = { html: "attr" as const, attr: attrName.toLowerCase(), attrStart: attrValue.trim() === "" };
        attrValue += "\0";
        return out;
      }
      case "beforevalue":
        hs = "uq";
        attrValue = "\0";
        return { html: "attr-unquoted", attr: attrName.toLowerCase(), attrStart: true };
      case "uq": {
        const out = { html: "attr-unquoted" as const, attr: attrName.toLowerCase(), attrStart: attrValue === "" };
        attrValue += "\0";
        return out;
      }
      case "beforeattr":
      case "afterattr":
        if (hs === "afterattr") endAttr();
        hs = "attrname";
        attrName = "\0";
        return { html: "tag" };
      case "attrname":
      case "tagname":
      case "endtag":
      case "bogus":
        return { html: "tag" };
    }
  };

  /** End of a Jinja tag's inner text: skips string literals so `"%}"` inside one does not close it. */
  const findClose = (from: number, close: string): number => {
    let i = from;
    while (i < text.length) {
      const c = text[i]!;
      if (c === "'" || c === '"') {
        let j = i + 1;
        while (j < text.length && text[j] !== c && text[j] !== "\n") {
          if (text[j] === "\\") j++;
          j++;
        }
        // An unclosed quote on the line is more likely an apostrophe in a broken tag than a string.
        if (text[j] === c) {
          i = j + 1;
          continue;
        }
      }
      if (text.startsWith(close, i)) return i;
      i++;
    }
    return -1;
  };

  const stripWs = (s: string): string => s.replace(/^[-+]/, "").replace(/-$/, "").trim();

  const handleTag = (inner: string, start: number, end: number): void => {
    const m = /^(\w+)\s*([\s\S]*)$/.exec(inner);
    if (!m) return;
    const name = m[1]!;
    const rest = m[2]!.trim();
    const r = range(start, end);
    const strings = (s: string) => tokeniseExpr(s).filter((t) => t.t === "str").map((t) => t.v);
    switch (name) {
      case "for": {
        // `for a, b in expr [if cond] [recursive]`
        const fm = /^([\w\s,()]+?)\s+in\s+([\s\S]+?)(?:\s+recursive)?$/.exec(rest);
        frames.push({ tag: "for", names: new Map() });
        blockStack.push("for");
        if (fm) {
          const iter = fm[2]!.replace(/\s+if\s+[\s\S]*$/, "");
          const b = resolveExpr(iter);
          bind(fm[1]!.split(/[\s,()]+/).filter(Boolean), { deps: b.deps, macro: b.macro });
        }
        return;
      }
      case "macro": {
        const mm = /^(\w+)\s*\(([\s\S]*)\)\s*$/.exec(rest);
        if (mm) bind([mm[1]!], { deps: [], macro: true, callable: true });
        frames.push({ tag: "macro", names: new Map(), macro: mm?.[1] ?? "?" });
        blockStack.push("macro");
        if (mm) {
          const params = mm[2]!.split(",").map((p) => p.split("=")[0]!.trim()).filter(Boolean);
          bind([...params, "varargs", "kwargs", "caller"], { deps: [], macro: true });
        }
        return;
      }
      case "call":
      case "with":
      case "filter": {
        frames.push({ tag: name, names: new Map() });
        blockStack.push(name);
        if (name === "call") {
          const cm = /^\(([^)]*)\)/.exec(rest);
          if (cm) bind(cm[1]!.split(",").map((p) => p.split("=")[0]!.trim()).filter(Boolean), { deps: [], macro: true });
        }
        if (name === "with") {
          for (const part of splitTop(rest)) {
            const am = /^(\w+)\s*=\s*([\s\S]+)$/.exec(part.trim());
            if (am) {
              const b = resolveExpr(am[2]!);
              bind([am[1]!], { deps: b.deps, macro: b.macro });
            }
          }
        }
        return;
      }
      case "set": {
        const sm = /^([\w\s,.]+?)\s*=\s*([\s\S]+)$/.exec(rest);
        if (sm) {
          const b = resolveExpr(sm[2]!);
          bind(sm[1]!.split(/[\s,]+/).filter((x) => x && !x.includes(".")), { deps: b.deps, macro: b.macro });
        } else {
          // `{% set x %}...{% endset %}`: the rendered (escaped) block.
          bind([rest.split(/[\s|]/)[0]!], { deps: [], macro: false });
          blockStack.push("set");
        }
        return;
      }
      case "autoescape": {
        const v = rest.trim();
        autoescape.push(/^(false|False)$/.test(v) ? false : /^(true|True)$/.test(v) ? true : autoescape[autoescape.length - 1]!);
        if (/^(false|False)$/.test(v)) facts.autoescapeOff.push(r);
        blockStack.push("autoescape");
        return;
      }
      case "include":
      case "extends": {
        facts.refs.push({ kind: name, names: strings(rest.replace(/\s+(ignore\s+missing|with(out)?\s+context)\b[\s\S]*$/, "")), r });
        return;
      }
      case "import": {
        const im = /^([\s\S]+?)\s+as\s+(\w+)/.exec(rest);
        facts.refs.push({ kind: "import", names: strings(im?.[1] ?? rest), r });
        if (im) bind([im[2]!], { deps: [], macro: true, callable: true });
        return;
      }
      case "from": {
        const fm = /^([\s\S]+?)\s+import\s+([\s\S]+)$/.exec(rest);
        facts.refs.push({ kind: "from", names: strings(fm?.[1] ?? rest), r });
        if (fm) {
          const names = fm[2]!.replace(/\s+with(out)?\s+context\s*$/, "").split(",").map((p) => p.trim().split(/\s+as\s+/).pop()!.trim()).filter(Boolean);
          bind(names, { deps: [], macro: true, callable: true });
        }
        return;
      }
      case "block":
      case "if":
      case "trans":
        blockStack.push(name);
        return;
      default:
        break;
    }
    if (name.startsWith("end")) {
      const what = name.slice(3);
      const at = blockStack.lastIndexOf(what);
      if (at < 0) {
        // Tags of extensions (`{% cache %}...{% endcache %}`) are not tracked, so only Jinja's own blocks are checked.
        if (BLOCK_TAGS.has(what)) facts.errors.push({ r, message: `\`{% ${name} %}\` without an open \`${what}\` block` });
        return;
      }
      for (let k = blockStack.length - 1; k >= at; k--) {
        const b = blockStack.pop()!;
        if (b === "autoescape") autoescape.pop();
        if (b === "for" || b === "macro" || b === "call" || b === "with" || b === "filter") if (frames.length > 1) frames.pop();
      }
    }
  };

  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "{" && (text[i + 1] === "{" || text[i + 1] === "%" || text[i + 1] === "#")) {
      const kind = text[i + 1]!;
      if (kind === "#") {
        const e = text.indexOf("#}", i + 2);
        if (e < 0) {
          facts.errors.push({ r: range(i, i + 2), message: "comment `{#` is never closed" });
          break;
        }
        i = e + 2;
        continue;
      }
      const close = kind === "{" ? "}}" : "%}";
      const e = findClose(i + 2, close);
      if (e < 0) {
        facts.errors.push({ r: range(i, i + 2), message: `\`${kind === "{" ? "{{" : "{%"}\` is never closed` });
        break;
      }
      const inner = stripWs(text.slice(i + 2, e));
      const end = e + 2;
      if (kind === "{") {
        const b = resolveExpr(inner);
        const ctx = outputContext();
        const out: TemplateOutput = { r: range(i, end), expr: inner, deps: b.deps, macro: b.macro, filters: b.filters, ...ctx, autoescape: autoescape[autoescape.length - 1]! };
        const head = /^([A-Za-z_]\w*)(?:\.\w+)*\s*\(/.exec(inner);
        if (head && lookup(head[1]!)?.callable) out.macroCall = true;
        const mac = currentMacro();
        if (mac) out.inMacro = mac;
        facts.outputs.push(out);
        i = end;
        continue;
      }
      if (/^raw\b/.test(inner)) {
        // Literal text up to `{% endraw %}`: HTML, not Jinja.
        const re = /\{%[-+]?\s*endraw\s*[-+]?%\}/g;
        re.lastIndex = end;
        const m = re.exec(text);
        const stop = m ? m.index : text.length;
        if (!m) facts.errors.push({ r: range(i, end), message: "`{% raw %}` is never closed" });
        let k = end;
        while (k < stop) k += html(k);
        i = m ? m.index + m[0].length : text.length;
        continue;
      }
      handleTag(inner, i, end);
      i = end;
      continue;
    }
    // Text runs between markup and Jinja delimiters change no state: skip them in one step.
    if ((hs === "data" || hs === "raw") && c !== "<") {
      SPECIAL.lastIndex = i + 1;
      const m = SPECIAL.exec(text);
      i = m ? m.index : text.length;
      continue;
    }
    i += html(i);
  }
  for (const b of blockStack) if (BLOCK_TAGS.has(b)) facts.errors.push({ r: range(text.length, text.length), message: `\`{% ${b} %}\` is never closed` });
  return facts;
}

/** Splits at top-level commas (not inside brackets or strings). */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  let q: string | null = null;
  for (const c of s) {
    if (q) {
      if (c === q) q = null;
    } else if (c === "'" || c === '"') q = c;
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (c === "," && depth === 0) {
      out.push(cur);
      cur = "";
      continue;
    }
    cur += c;
  }
  if (cur.trim()) out.push(cur);
  return out;
}
