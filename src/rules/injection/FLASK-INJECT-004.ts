import { defineRule } from "../define.js";
import { dataFlowCheck } from "../dataflow.js";

export default defineRule({
  id: "FLASK-INJECT-004",
  title: "LDAP filter or DN built from request data",
  family: "injection",
  severity: "high",
  confidence: "medium",
  cwe: [90],
  owasp: "A03:2021",
  tags: ["injection", "ldap", "data-flow"],
  impact: "A crafted value such as `*)(uid=*))(|(uid=*` changes the directory query: it can list every entry, read attributes the user should not see, or make a login check accept any password.",
  fix: "Escape values before they enter a filter with `ldap3.utils.conv.escape_filter_chars` (or `ldap.filter.escape_filter_chars` / `filter_format` in python-ldap), and DN parts with `escape_rdn` / `escape_dn_chars`.",
  mitigation: "Bind with a directory account that can read only what the application needs.",
  docs: {
    what: "Reports request data that reaches the search base or filter of ldap3 `Connection.search` or python-ldap `search_s`, `search_st`, `search_ext` and `search_ext_s` without the libraries' escaping functions.",
    why: "LDAP filters are a small language of their own: parentheses, `*`, `&` and `|` change which entries match.",
    bad: 'user = request.form["user"]\nconn.search("dc=example,dc=com", f"(uid={user})")',
    good: 'from ldap3.utils.conv import escape_filter_chars\nuser = escape_filter_chars(request.form["user"])\nconn.search("dc=example,dc=com", f"(uid={user})")',
    detection: "Data-flow analysis from the request to the base (first) and filter (second for ldap3, third for python-ldap) arguments. ldap3's `search` is matched only when the connection resolves to `ldap3.Connection`; python-ldap's method names are specific enough to match on any receiver.",
    falsePositives: "A connection created somewhere the resolver cannot follow is missed rather than guessed.",
    references: ["https://cheatsheetseries.owasp.org/cheatsheets/LDAP_Injection_Prevention_Cheat_Sheet.html", "https://ldap3.readthedocs.io/en/latest/searches.html"],
  },
  check: dataFlowCheck(["ldap", "ldap-dn"], { consequence: "The request can change which directory entries the search matches." }),
});
