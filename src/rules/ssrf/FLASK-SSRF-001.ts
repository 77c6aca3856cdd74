import { defineRule } from "../define.js";
import { dataFlowCheck } from "../dataflow.js";

export default defineRule({
  id: "FLASK-SSRF-001",
  title: "Outgoing request to a URL taken from request data (SSRF)",
  family: "ssrf",
  severity: "medium",
  confidence: "high",
  cwe: [918],
  owasp: "A10:2021",
  tags: ["ssrf", "data-flow"],
  impact: "The server fetches what the client names: internal services, cloud metadata endpoints (`169.254.169.254`) holding credentials, or `file://` URLs, from inside the network perimeter.",
  fix: "Fix the host in code and let the request choose only a path or query parameter, or check the parsed URL's scheme and host against an allow-list before fetching. Resolve the host and refuse private, loopback and link-local addresses, and disable redirects or re-check each hop.",
  mitigation: "Send outgoing traffic through an egress proxy that blocks internal ranges, and require tokens for the cloud metadata service (IMDSv2). Always set a timeout.",
  docs: {
    what: "Reports request data that becomes the URL of `requests`, `httpx`, `aiohttp`, `urllib3` or `urllib.request` calls, including session and client objects.",
    why: "A server usually sits where its clients cannot reach: next to databases, admin panels and metadata services. Letting a client choose the URL turns the server into a proxy into that network.",
    bad: 'url = request.args["url"]\nreturn requests.get(url).content',
    good: 'url = request.args["url"]\nif urlparse(url).hostname not in ALLOWED_HOSTS:\n    abort(400)\nreturn requests.get(url, timeout=5, allow_redirects=False).content',
    detection: "Data-flow analysis from the request to the URL argument. A URL whose scheme and host are fixed in code (`\"https://api.example.com/v1/\" + path`) is not reported, nor one checked with `urlparse(...).hostname`/`netloc`/`scheme` against values chosen in code, or signed with an HMAC the code verifies.",
    falsePositives: "An allow-list check done in a helper that returns nothing is not seen; return the checked URL from the helper or suppress with the reason. The spec rates this medium for stand-alone apps; raise it in config for apps deployed inside a private network.",
    references: ["https://owasp.org/Top10/A10_2021-Server-Side_Request_Forgery_%28SSRF%29/", "https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html"],
  },
  check: dataFlowCheck("ssrf", { consequence: "The request can make the server fetch internal addresses." }),
});
