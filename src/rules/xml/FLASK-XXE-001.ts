import type { Expr } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import { isTestPath, type Project } from "../../link/project.js";
import { codeUnits } from "../../taint/lowered.js";
import { taintHits } from "../../taint/index.js";
import { walkBody } from "../auth/bodies.js";
import { callSites, type CallExpr, type CallSite } from "../calls.js";
import { defineRule } from "../define.js";
import { walkExpr } from "../session/facts.js";

/** lxml calls that build a parser, or parse with options of their own. */
const PARSER_BUILDERS = /^lxml\.(etree\.(XMLParser|XMLPullParser|ETCompatXMLParser|iterparse)|objectify\.makeparser)$/;
/** Call names worth a closer look. */
const CALL_NAMES = new Set(["XMLParser", "XMLPullParser", "ETCompatXMLParser", "iterparse", "makeparser", "setFeature"]);
/** SAX features that make the parser fetch external entities. */
const SAX_FEATURES = new Set(["xml.sax.handler.feature_external_ges", "xml.sax.handler.feature_external_pes"]);
const SAX_FEATURE_URIS = new Set(["http://xml.org/sax/features/external-general-entities", "http://xml.org/sax/features/external-parameter-entities"]);

/** What the project's manifests say about lxml: a version below 5.0 pinned, locked or capped (its parsers resolve external entities by default). */
function oldLxml(project: Project): string | null {
  for (const m of project.manifests) {
    for (const d of m.facts.deps) {
      if (d.name !== "lxml" || d.group !== null) continue;
      const exact = d.dialect === "locked" ? /^(\d+)/.exec(d.spec) : /==\s*(\d+)/.exec(d.spec);
      if (exact && Number(exact[1]) < 5) return `${m.file.path} ${d.dialect === "locked" ? "locks" : "pins"} lxml ${d.spec.replace(/^==\s*/, "")}`;
      const cap = /<\s*(\d+)(?:\.(\d+))?/.exec(d.spec);
      if (cap && (Number(cap[1]) < 5 || (Number(cap[1]) === 5 && Number(cap[2] ?? 0) === 0 && !/<=/.test(d.spec)))) return `${m.file.path} keeps lxml below 5.0 (\`${d.spec}\`)`;
    }
  }
  return null;
}

function kw(c: CallExpr, name: string): Expr | undefined {
  return c.kw.find((k) => k.name === name)?.value;
}

/** Why a parser built by this call resolves external entities, or null when it does not. */
function unsafeParser(project: Project, site: CallSite, old: string | null): string | null {
  const scope = site.unit.scope;
  const truth = (e: Expr | undefined) => (e ? project.truthy(site.mod, scope, e) : undefined);
  const resolve = kw(site.call, "resolve_entities");
  const resolveValue = resolve ? (resolve.k === "str" ? resolve.v : truth(resolve)) : undefined;
  const network = truth(kw(site.call, "no_network"));
  const dtd = truth(kw(site.call, "load_dtd"));
  if (resolveValue === true) {
    const extra = [network === false ? "may fetch them over the network (`no_network=False`)" : "", dtd === true ? "loads external DTDs (`load_dtd=True`)" : ""].filter(Boolean);
    return `\`resolve_entities=True\` makes it replace external entities with the files or URLs they name${extra.length ? `, and it ${extra.join(" and ")}` : ""}`;
  }
  // Left at the default: unsafe only on lxml before 5.0, whose default was True.
  if (resolve === undefined && old && (network === false || dtd === true)) return `it keeps the default \`resolve_entities\`, which resolves external entities on lxml before 5.0 (${old}), and ${network === false ? "allows network access (`no_network=False`)" : "loads external DTDs (`load_dtd=True`)"}`;
  return null;
}

/** The call at a range of a module (from its lowered code). */
function callAt(project: Project, mod: ModuleInfo, r: string): CallExpr | null {
  for (const unit of codeUnits(project, mod)) {
    let found: CallExpr | null = null;
    walkBody(unit.steps, (e) =>
      walkExpr(e, (x) => {
        if (!found && x.k === "call" && x.r === r) found = x;
      }),
    );
    if (found) return found;
  }
  return null;
}

export default defineRule({
  id: "FLASK-XXE-001",
  title: "XML parser that resolves external entities (XXE)",
  family: "xml",
  severity: "high",
  confidence: "medium",
  cwe: [611, 776],
  owasp: "A05:2021",
  tags: ["xxe", "xml", "data-flow"],
  impact:
    "A document that declares `<!ENTITY x SYSTEM \"file:///etc/passwd\">` and uses `&x;` gets the file's contents pasted into the parsed tree, and from there into the response or an error message. With network access the parser also requests URLs of the attacker's choosing from inside the network (SSRF), and nested entities can exhaust memory.",
  fix: "Parse untrusted XML with `defusedxml` (`defusedxml.lxml`, `defusedxml.ElementTree`), or build lxml parsers with `resolve_entities=False, no_network=True, load_dtd=False`; leave SAX's external-entity features off.",
  mitigation: "Require lxml 5.0 or later (its default no longer resolves external entities) and keep the XML-handling process away from secrets on disk and from internal networks.",
  docs: {
    what:
      "Reports lxml parsers built to resolve external entities (`etree.XMLParser(resolve_entities=True)`, also with `no_network=False` or `load_dtd=True`, `XMLPullParser`, `iterparse(..., resolve_entities=True)`, `objectify.makeparser(...)`), parsers that leave `resolve_entities` at its default while allowing network access or DTD loading when the project pins lxml below 5.0, request data parsed by lxml's `fromstring`/`XML`/`parse`/`iterparse` with the default parser when the project pins lxml below 5.0, and SAX parsers (`xml.sax.make_parser()`, also as used by `xml.dom.pulldom`) with the external-entity features switched on through `setFeature(feature_external_ges, True)`.",
    why:
      "External entities let the document, not the program, decide which files and URLs the parser reads. An application that parses XML from clients (SOAP or SAML endpoints, uploads of office documents, SVG, RSS) hands every client that power, which is enough to read configuration files with secrets or to reach internal services.",
    bad: 'parser = etree.XMLParser(resolve_entities=True)\ndoc = etree.fromstring(request.data, parser)',
    good: 'from defusedxml.lxml import fromstring\n\ndoc = fromstring(request.data)',
    detection:
      "Calls are resolved through imports and aliases. lxml's default changed in 5.0 (released at the end of 2023): before it, `resolve_entities` defaulted to True; since then it defaults to `'internal'`, which expands entities declared inside the document but not external ones. The rule therefore reports an explicit `resolve_entities=True` always, and the default only when a requirements file, lock file or Pipfile pins, locks or caps lxml below 5.0; for default-parser parsing it also needs request data to reach the parsed document (data flow). Python's own `xml.etree.ElementTree`, `xml.dom.minidom` and `xml.sax` with default features do not fetch external entities on Python 3 (expat is used without external entity loading, and SAX's external-entity features are off by default since 3.7.1), so they are not reported; nor is `defusedxml`. Parsers in test files and `__main__` blocks are skipped.",
    falsePositives:
      "A parser that reads only the application's own files (templates, bundled configuration) with `resolve_entities=True` on purpose is reported; if no outside document can reach it, suppress with that reason. The manifest check cannot see which lxml a system package or an image installs; pin it in the requirements to let the rule know.",
    references: [
      "https://cheatsheetseries.owasp.org/cheatsheets/XML_External_Entity_Prevention_Cheat_Sheet.html",
      "https://lxml.de/FAQ.html#how-do-i-use-lxml-safely-as-a-web-service-endpoint",
      "https://docs.python.org/3/library/xml.html#xml-vulnerabilities",
      "https://github.com/tiran/defusedxml",
    ],
  },
  check({ project, report }) {
    const old = oldLxml(project);
    for (const site of callSites(project, /^(lxml|xml)(\.|$)/, CALL_NAMES)) {
      if (site.devOnly) continue;
      const paths = project.extPaths(site.mod, site.unit.scope, site.call.fn);
      if (paths.some((p) => PARSER_BUILDERS.test(p))) {
        const why = unsafeParser(project, site, old);
        if (why) report({ file: site.mod.path, range: toRange(site.call.r), message: `This lxml parser resolves external entities: ${why}. Any document it parses can read local files into the result.`, scope: site.unit.scope });
        continue;
      }
      // `parser.setFeature(feature_external_ges, True)` on a SAX parser.
      if (site.call.fn.k === "attr" && site.call.fn.name === "setFeature" && site.call.args.length >= 2) {
        const [feature, value] = site.call.args as [Expr, Expr];
        const named = project.extPaths(site.mod, site.unit.scope, feature).some((p) => SAX_FEATURES.has(p)) || SAX_FEATURE_URIS.has(project.constString(site.mod, site.unit.scope, feature) ?? "");
        if (named && project.truthy(site.mod, site.unit.scope, value) === true) {
          report({ file: site.mod.path, range: toRange(site.call.r), message: "This SAX parser is told to load external entities, so a document it parses can pull local files or URLs into the events it reports.", scope: site.unit.scope });
        }
      }
    }
    // Request data parsed with lxml's default parser on lxml before 5.0.
    if (!old) return;
    const seen = new Set<string>();
    for (const h of taintHits(project, "xxe")) {
      if (isTestPath(h.file) || seen.has(`${h.file}\0${h.r}`)) continue;
      seen.add(`${h.file}\0${h.r}`);
      const mod = project.pythonModules().find((m) => m.path === h.file);
      const call = mod ? callAt(project, mod, h.r) : null;
      if (!call || call.args[1] || kw(call, "parser")) continue;
      report({
        file: h.file,
        range: toRange(h.r),
        message: `Data from ${h.origin.startsWith("request.") ? `\`${h.origin}\`` : h.origin} is parsed by \`${h.sink}\` with lxml's default parser, which resolves external entities before lxml 5.0 (${old}).`,
        scope: h.scope,
        trace: h.trace.map((s) => ({ file: s.file, range: toRange(s.r), message: s.message })),
      });
    }
  },
});
