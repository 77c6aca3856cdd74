import { defineRule } from "../define.js";
import { dataFlowCheck } from "../dataflow.js";

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
  fix: "Accept JSON (`json.loads`) or another data-only format, and validate the result against a schema. For YAML use `yaml.safe_load`. If objects must cross a trust boundary, sign them (`itsdangerous`) and verify the signature before loading.",
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
});
