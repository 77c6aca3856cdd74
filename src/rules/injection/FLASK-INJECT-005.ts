import { defineRule } from "../define.js";
import { dataFlowCheck } from "../dataflow.js";

export default defineRule({
  id: "FLASK-INJECT-005",
  title: "XPath expression built from request data",
  family: "injection",
  severity: "high",
  confidence: "medium",
  cwe: [643],
  owasp: "A03:2021",
  tags: ["injection", "xpath", "data-flow"],
  impact: "A value such as `' or '1'='1` rewrites the XPath query, exposing nodes of the document the user should not read or bypassing a check done with XPath.",
  fix: "Keep the expression constant and pass values as XPath variables: `root.xpath(\"//user[@name=$name]\", name=value)`.",
  mitigation: "Do not keep secrets in XML documents that user-driven queries run against.",
  docs: {
    what: "Reports request data that reaches lxml's `xpath()` method, `etree.XPath` or `etree.ETXPath` as the expression.",
    why: "XPath has no separate channel for data unless variables are used; concatenated values become part of the query.",
    bad: 'name = request.args["name"]\nroot.xpath(f"//user[@name=\'{name}\']")',
    good: 'root.xpath("//user[@name=$name]", name=request.args["name"])',
    detection: "Data-flow analysis from the request to the first argument. Keyword arguments (XPath variables) are not sinks.",
    falsePositives: "ElementTree's `find`/`findall` take a small XPath subset too; they are not matched, because their names are shared with string methods.",
    references: ["https://owasp.org/www-community/attacks/XPATH_Injection", "https://lxml.de/xpathxslt.html#the-xpath-method"],
  },
  check: dataFlowCheck("xpath", { consequence: "The request can change what the XPath query selects." }),
});
