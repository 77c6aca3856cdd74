import { defineRule } from "../define.js";
import { dataFlowCheck } from "../dataflow.js";
import type { FixContext, FixProposal } from "../../fix/types.js";
import { callArguments, dottedExpr, enclosingCalls, keywordArg, positionalArgs, removeArgument, replaceNode } from "../../fix/python.js";

/** PyYAML loading functions and the safe function that replaces each. */
const YAML_SAFE: Record<string, string> = {
  "yaml.load": "safe_load",
  "yaml.unsafe_load": "safe_load",
  "yaml.load_all": "safe_load_all",
  "yaml.unsafe_load_all": "safe_load_all",
};
/** Loaders that build arbitrary Python objects; the safe functions take no Loader, so these are dropped. */
const UNSAFE_LOADERS = /^yaml(\.loader|\.cyaml)?\.(Loader|FullLoader|UnsafeLoader|CLoader|CFullLoader|CUnsafeLoader)$/;

/**
 * `yaml.load(data)` / `yaml.load(data, Loader=yaml.Loader)` → `yaml.safe_load(data)`. Only the attribute form
 * is renamed (a `from yaml import load` name would need a new import); a loader that is not one of PyYAML's
 * unsafe ones (a project subclass, a variable) is left for review, since it may add constructors the code needs.
 */
function yamlFix({ project, mod, finding, node, source }: FixContext): FixProposal | null {
  for (const call of enclosingCalls(node)) {
    const fn = call.childForFieldName("function");
    if (!fn || fn.type !== "attribute") continue;
    const e = dottedExpr(fn);
    const path = e ? project.extPaths(mod, finding.scope, e).find((p) => YAML_SAFE[p]) : undefined;
    if (!path) continue;
    if (callArguments(call).some((a) => a.type === "list_splat" || a.type === "dictionary_splat")) return null;
    const edits = [replaceNode(fn.childForFieldName("attribute")!, YAML_SAFE[path]!)];
    const loader = keywordArg(call, "Loader") ?? positionalArgs(call)[1] ?? null;
    if (loader) {
      const value = loader.type === "keyword_argument" ? loader.childForFieldName("value") : loader;
      const le = value ? dottedExpr(value) : null;
      if (!le || !project.extPaths(mod, finding.scope, le).some((p) => UNSAFE_LOADERS.test(p))) return null;
      const remove = removeArgument(source, call, loader);
      if (!remove) return null;
      edits.push(remove);
    }
    if (callArguments(call).length - (loader ? 1 : 0) !== 1) return null;
    return { description: `\`${fn.text}\` → \`${fn.childForFieldName("object")!.text}.${YAML_SAFE[path]}\`${loader ? " (unsafe loader dropped)" : ""}`, edits };
  }
  return null;
}

export default defineRule({
  id: "FLASK-DESER-001",
  title: "Request data deserialised with an unsafe format",
  family: "deserialization",
  severity: "critical",
  confidence: "high",
  cwe: [502],
  owasp: "A08:2021",
  tags: ["deserialization", "data-flow"],
  impact: "Pickle-style formats rebuild arbitrary objects and call their constructors while loading: a crafted payload runs code in the application process.",
  fix: "Accept JSON (`json.loads`) or another data-only format, and validate the result against a schema. For YAML use `yaml.safe_load` (`flaskwarden scan --fix` rewrites `yaml.load(data)` and `yaml.load(data, Loader=yaml.Loader)` to it). If objects must cross a trust boundary, sign them (`itsdangerous`) and verify the signature before loading.",
  mitigation: "Run the app with minimal privileges and without network access it does not need, to limit what injected code can reach.",
  docs: {
    what: "Reports request data that reaches `pickle`/`cPickle`/`dill`/`marshal` loading functions, `shelve.open`, `jsonpickle.decode`, `pandas.read_pickle`, `joblib.load`, `torch.load`, `yaml.unsafe_load`, or `yaml.load` without a safe loader.",
    why: "These loaders execute code chosen by whoever wrote the bytes. A cookie, upload or form field that is unpickled is a remote code execution endpoint.",
    bad: 'data = base64.b64decode(request.cookies["state"])\nstate = pickle.loads(data)',
    good: 'state = json.loads(request.cookies["state"])\n\nconfig = yaml.safe_load(request.data)',
    detection: "Data-flow analysis from the request to the loaded data. `yaml.load` is reported unless `Loader` is `SafeLoader`, `CSafeLoader`, `BaseLoader` or `CBaseLoader`.",
    falsePositives: "Data that was signed and verified before loading is still marked; suppress with the reason after checking the verification.",
    references: ["https://docs.python.org/3/library/pickle.html", "https://owasp.org/Top10/A08_2021-Software_and_Data_Integrity_Failures/", "https://pyyaml.org/wiki/PyYAMLDocumentation"],
  },
  check: dataFlowCheck("deser", { consequence: "A crafted payload runs code while it is loaded." }),
  autofix: yamlFix,
});
