import { defineRule } from "../define.js";
import { dataFlowCheck } from "../dataflow.js";

export default defineRule({
  id: "FLASK-INJECT-003",
  title: "Python code or module name taken from request data",
  family: "injection",
  severity: "critical",
  confidence: "high",
  cwe: [94, 95],
  owasp: "A03:2021",
  tags: ["injection", "code", "data-flow"],
  impact: "The request runs Python inside the application process: full control of the app, its secrets and the host.",
  fix: "Never evaluate request data. Parse literals with `ast.literal_eval` or `json.loads`, map names to functions through a dictionary of allowed handlers, and import only modules named in code.",
  mitigation: "Run the app with the least privileges possible; there is no safe partial mitigation for evaluating attacker-supplied code.",
  docs: {
    what: "Reports request data that reaches `eval`, `exec`, `compile`, `__import__` or `importlib.import_module`.",
    why: "`eval` and `exec` run whatever Python they are given; importing a module chosen by the request runs that module's top-level code and can load anything on the import path.",
    bad: 'expr = request.args["expr"]\nresult = eval(expr)',
    good: 'import ast\nresult = ast.literal_eval(request.args["expr"])  # literals only\n\nHANDLERS = {"csv": export_csv, "json": export_json}\nhandler = HANDLERS.get(request.args["format"])',
    detection: "Data-flow analysis from the request to the first argument of those functions. An allow-list check on the value (`if name in ALLOWED_PLUGINS:`) clears it.",
    falsePositives: "None known beyond validation the engine cannot see; suppress with the reason if the value is checked elsewhere.",
    references: ["https://cwe.mitre.org/data/definitions/95.html", "https://docs.python.org/3/library/ast.html#ast.literal_eval"],
  },
  check: dataFlowCheck("code", { consequence: "The request can run its own Python code in the app." }),
});
