import { defineRule } from "../define.js";
import { dataFlowCheck } from "../dataflow.js";

export default defineRule({
  id: "FLASK-REDIRECT-001",
  title: "Redirect to a target taken from request data (open redirect)",
  family: "redirect",
  severity: "low",
  confidence: "high",
  cwe: [601],
  owasp: "A01:2021",
  tags: ["redirect", "data-flow"],
  impact: "A link to the trusted site (`/login?next=https://evil.example`) sends users on to a phishing page after they log in, and can leak OAuth codes or tokens carried in the URL.",
  fix: "Redirect only to paths inside the site: build the target with `url_for(...)`, or accept `next` only when `urlparse(next)` has no scheme and no netloc (and does not start with `//` or `/\\`), falling back to the home page otherwise.",
  mitigation: "Keep a list of the few external destinations the app may send users to and check against it.",
  docs: {
    what: "Reports request data that becomes the target of `redirect()` or of a `Location` header set on a response.",
    why: "Users trust links to your domain. An open redirect borrows that trust for any destination, which makes phishing links look legitimate and defeats redirect-URI checks in OAuth flows.",
    bad: 'next_url = request.args.get("next")\nreturn redirect(next_url)',
    good: 'next_url = request.args.get("next", "")\nif urlparse(next_url).netloc or next_url.startswith(("//", "/\\\\")):\n    next_url = url_for("index")\nreturn redirect(next_url)',
    detection: "Data-flow analysis from the request to the redirect target, across helpers. A target that starts with a fixed path (`\"/search?q=\" + q`, `url_for(...) + query`) or a fixed host is not reported, nor one checked with `urlparse(...).netloc` against values chosen in code or by a project function that performs such a check (`is_safe_url(target)`). The request's own address (`request.url`, `request.host_url`, the Host header) and `request.referrer` are not treated as attacker-chosen here: a third party cannot set the first in a link, and the second only names the page the user came from.",
    falsePositives: "A check with `startswith(\"/\")` alone still allows `//evil.example`; the engine accepts it, so review such checks.",
    references: ["https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html", "https://cwe.mitre.org/data/definitions/601.html"],
  },
  check: dataFlowCheck("redirect", { consequence: "A link to this site can send users anywhere." }),
});
