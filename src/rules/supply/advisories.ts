/**
 * The curated advisory table FLASK-SUPPLY-001 checks dependency versions against. Data only: one entry per
 * advisory, with its IDs, the affected version ranges (`introduced` inclusive, `fixed` exclusive; a null
 * `introduced` means every earlier release), the first fixed release of each branch, our own severity
 * rating and a one-line summary in our own words.
 *
 * Only advisories whose ranges we are sure of are listed; when in doubt an advisory is left out rather than
 * guessed. `needs` names the APIs an advisory is about (resolved through imports): when the project never
 * uses any of them the finding is kept but lowered. `platform` marks advisories that only matter on one OS.
 */
import type { Severity } from "../../core/types.js";

export interface Advisory {
  /** Normalised package name (PEP 503). */
  pkg: string;
  ids: string[];
  affected: { introduced: string | null; fixed: string }[];
  severity: Severity;
  summary: string;
  /**
   * The APIs the flaw is in. `staticRoute`: Flask's built-in static file route goes through them too, so any
   * Flask app or blueprint with a static folder uses them.
   */
  needs?: { paths: string[]; what: string; staticRoute?: boolean };
  platform?: "windows";
  /** The flaw is in the interactive debugger, which only development setups run. */
  debuggerOnly?: boolean;
}

const SAFE_JOIN = { paths: ["werkzeug.security.safe_join", "werkzeug.utils.safe_join", "flask.send_from_directory", "flask.helpers.send_from_directory", "flask.helpers.safe_join", "flask.safe_join", "werkzeug.utils.send_from_directory"], what: "`safe_join` or `send_from_directory`", staticRoute: true };
const SANDBOX = { paths: ["jinja2.sandbox.SandboxedEnvironment", "jinja2.sandbox.ImmutableSandboxedEnvironment"], what: "Jinja2's `SandboxedEnvironment`" };

export const ADVISORIES: readonly Advisory[] = [
  // ---- Flask ----
  { pkg: "flask", ids: ["CVE-2018-1000656", "GHSA-562c-5r94-xh97"], affected: [{ introduced: null, fixed: "0.12.3" }], severity: "high", summary: "JSON request bodies in an unexpected encoding can exhaust memory (denial of service)." },
  { pkg: "flask", ids: ["CVE-2019-1010083", "GHSA-5wv5-4vpf-pj6m"], affected: [{ introduced: null, fixed: "1.0" }], severity: "high", summary: "Crafted JSON input makes request handling use unbounded memory (denial of service)." },
  {
    pkg: "flask",
    ids: ["CVE-2023-30861", "GHSA-m2qf-hxjv-5gpq"],
    affected: [
      { introduced: null, fixed: "2.2.5" },
      { introduced: "2.3.0", fixed: "2.3.2" },
    ],
    severity: "high",
    summary: "Responses that refresh a permanent session cookie can miss `Vary: Cookie`, so a caching proxy may serve one user's session cookie to another.",
  },
  { pkg: "flask", ids: ["CVE-2025-47278", "GHSA-4grg-w6v8-c28g"], affected: [{ introduced: "3.1.0", fixed: "3.1.1" }], severity: "low", summary: "With `SECRET_KEY_FALLBACKS`, new sessions are signed with the oldest fallback key instead of the current one." },

  // ---- Werkzeug ----
  { pkg: "werkzeug", ids: ["CVE-2019-14806", "GHSA-gq9m-qvpx-68hc"], affected: [{ introduced: null, fixed: "0.15.3" }], severity: "high", summary: "The debugger PIN is predictable inside containers, where the machine id it is derived from is shared.", debuggerOnly: true },
  { pkg: "werkzeug", ids: ["CVE-2023-23934", "GHSA-px8h-6qxv-m22q"], affected: [{ introduced: null, fixed: "2.2.3" }], severity: "low", summary: "A nameless cookie such as `=__Host-x=y` is parsed as a cookie named `__Host-x`, letting a sibling subdomain shadow a protected cookie." },
  { pkg: "werkzeug", ids: ["CVE-2023-25577", "GHSA-xg9f-g7g7-2323"], affected: [{ introduced: null, fixed: "2.2.3" }], severity: "high", summary: "The multipart parser accepts an unlimited number of parts, so one request can exhaust CPU and memory." },
  {
    pkg: "werkzeug",
    ids: ["CVE-2023-46136", "GHSA-hrfv-mqp8-q5rw"],
    affected: [
      { introduced: null, fixed: "2.3.8" },
      { introduced: "3.0.0", fixed: "3.0.1" },
    ],
    severity: "medium",
    summary: "Multipart uploads full of CR/LF bytes make the parser re-scan its buffer over and over (CPU denial of service).",
  },
  { pkg: "werkzeug", ids: ["CVE-2024-34069", "GHSA-2g68-c3qc-8985"], affected: [{ introduced: null, fixed: "3.0.3" }], severity: "high", summary: "A malicious site can drive a developer's local debugger console and run code once the developer enters the PIN.", debuggerOnly: true },
  { pkg: "werkzeug", ids: ["CVE-2024-49766", "GHSA-f9vj-2wh5-fj8j"], affected: [{ introduced: null, fixed: "3.0.6" }], severity: "medium", summary: "On Windows with Python before 3.11, `safe_join` lets UNC paths such as `//server/share` escape the base directory.", needs: SAFE_JOIN, platform: "windows" },
  { pkg: "werkzeug", ids: ["CVE-2024-49767", "GHSA-q34m-jh98-gwm2"], affected: [{ introduced: null, fixed: "3.0.6" }], severity: "medium", summary: "Multipart form fields without a size limit per field can exhaust memory." },
  { pkg: "werkzeug", ids: ["CVE-2025-66221", "GHSA-hgf8-39gv-g3f2"], affected: [{ introduced: null, fixed: "3.1.4" }], severity: "medium", summary: "On Windows, `safe_join` accepts device names such as `CON`, so `send_from_directory` can hang reading them.", needs: SAFE_JOIN, platform: "windows" },
  { pkg: "werkzeug", ids: ["CVE-2026-21860", "GHSA-87hc-h4r5-73f7"], affected: [{ introduced: null, fixed: "3.1.5" }], severity: "medium", summary: "On Windows, `safe_join` still accepts device names written with an extension or trailing spaces (`CON.txt`).", needs: SAFE_JOIN, platform: "windows" },
  { pkg: "werkzeug", ids: ["CVE-2026-27199", "GHSA-29vq-49wr-vm6x"], affected: [{ introduced: null, fixed: "3.1.6" }], severity: "medium", summary: "On Windows, `safe_join` accepts a device name in a later path segment (`sub/NUL`).", needs: SAFE_JOIN, platform: "windows" },

  // ---- Jinja2 ----
  { pkg: "jinja2", ids: ["CVE-2016-10745"], affected: [{ introduced: null, fixed: "2.8.1" }], severity: "high", summary: "Sandboxed templates can reach unsafe attributes through `str.format`.", needs: SANDBOX },
  { pkg: "jinja2", ids: ["CVE-2019-10906", "GHSA-462w-v97r-4m45"], affected: [{ introduced: null, fixed: "2.10.1" }], severity: "high", summary: "Sandboxed templates can escape the sandbox through `str.format_map`.", needs: SANDBOX },
  { pkg: "jinja2", ids: ["CVE-2020-28493", "GHSA-g3rq-g295-4j3m"], affected: [{ introduced: null, fixed: "2.11.3" }], severity: "medium", summary: "The `urlize` filter uses a regular expression with catastrophic backtracking (ReDoS)." },
  { pkg: "jinja2", ids: ["CVE-2024-22195", "GHSA-h5c8-rqwp-cp95"], affected: [{ introduced: null, fixed: "3.1.3" }], severity: "medium", summary: "The `xmlattr` filter accepts keys containing spaces, so user-chosen keys can inject extra attributes (XSS)." },
  { pkg: "jinja2", ids: ["CVE-2024-34064", "GHSA-h75v-3vvj-5mfj"], affected: [{ introduced: null, fixed: "3.1.4" }], severity: "medium", summary: "The `xmlattr` filter still accepts keys containing `/`, `>` or `=`, allowing attribute injection (XSS)." },
  { pkg: "jinja2", ids: ["CVE-2024-56201", "GHSA-gmj6-6f8f-6699"], affected: [{ introduced: "3.0.0", fixed: "3.1.5" }], severity: "medium", summary: "A template whose file name and content an attacker controls can run Python code through a compiler bug." },
  { pkg: "jinja2", ids: ["CVE-2024-56326", "GHSA-q2x7-8rv6-6q7h"], affected: [{ introduced: null, fixed: "3.1.5" }], severity: "medium", summary: "Sandboxed templates can call `str.format` indirectly and escape the sandbox.", needs: SANDBOX },
  { pkg: "jinja2", ids: ["CVE-2025-27516", "GHSA-cpwx-vrp4-4pq7"], affected: [{ introduced: null, fixed: "3.1.6" }], severity: "medium", summary: "Sandboxed templates can reach `str.format` through the `|attr` filter and escape the sandbox.", needs: SANDBOX },

  // ---- Flask-CORS ----
  { pkg: "flask-cors", ids: ["CVE-2020-25032", "GHSA-xc3p-ff3m-f46v"], affected: [{ introduced: null, fixed: "3.0.9" }], severity: "medium", summary: "Resource paths are matched before normalisation, so `..`-style paths can pick up another resource's CORS policy." },
  { pkg: "flask-cors", ids: ["CVE-2024-1681", "GHSA-84pr-m4jr-85g5"], affected: [{ introduced: null, fixed: "4.0.1" }], severity: "medium", summary: "With debug logging on, request paths are logged unescaped (log injection through CR/LF)." },
  { pkg: "flask-cors", ids: ["CVE-2024-6221", "GHSA-hxwh-jpp2-84pm"], affected: [{ introduced: null, fixed: "4.0.2" }], severity: "high", summary: "`Access-Control-Allow-Private-Network: true` is sent by default, exposing private-network services to public sites." },
  { pkg: "flask-cors", ids: ["CVE-2024-6839"], affected: [{ introduced: null, fixed: "6.0.0" }], severity: "medium", summary: "Resource patterns are tried by length rather than specificity, so a broad pattern can apply to a protected path." },
  { pkg: "flask-cors", ids: ["CVE-2024-6844", "GHSA-8vgw-p6qm-5gr7"], affected: [{ introduced: null, fixed: "6.0.0" }], severity: "medium", summary: "A `+` in the URL path is read as a space when matching resources, so the wrong CORS policy can apply." },
  { pkg: "flask-cors", ids: ["CVE-2024-6866", "GHSA-43qf-4rqw-9q2g"], affected: [{ introduced: null, fixed: "6.0.0" }], severity: "medium", summary: "Resource paths are matched case-insensitively, so a differently cased path can get a more permissive CORS policy." },

  // ---- Libraries Flask apps commonly pair with (well-known advisories only) ----
  { pkg: "pyyaml", ids: ["CVE-2020-1747", "GHSA-6757-jp84-gxfx"], affected: [{ introduced: null, fixed: "5.3.1" }], severity: "high", summary: "`full_load` and `FullLoader` can construct arbitrary Python objects and run code from untrusted YAML." },
  { pkg: "pyyaml", ids: ["CVE-2020-14343", "GHSA-8q59-q68h-6hv4"], affected: [{ introduced: null, fixed: "5.4" }], severity: "high", summary: "`FullLoader` can still be made to run code through `python/object/new` (incomplete fix of CVE-2020-1747)." },
  { pkg: "requests", ids: ["CVE-2018-18074", "GHSA-x84v-xcm2-53pg"], affected: [{ introduced: null, fixed: "2.20.0" }], severity: "high", summary: "The `Authorization` header is kept when a redirect goes from https to http on the same host, leaking credentials." },
  { pkg: "requests", ids: ["CVE-2023-32681", "GHSA-j8r2-6x86-q33q"], affected: [{ introduced: "2.3.0", fixed: "2.31.0" }], severity: "medium", summary: "`Proxy-Authorization` credentials are forwarded to the destination server on redirects to https." },
  { pkg: "requests", ids: ["CVE-2024-35195", "GHSA-9wx4-h78v-vm56"], affected: [{ introduced: null, fixed: "2.32.0" }], severity: "medium", summary: "After one request with `verify=False`, a `Session` keeps skipping certificate checks for later requests to the same host." },
  { pkg: "requests", ids: ["CVE-2024-47081", "GHSA-9hjg-9r4m-mvj7"], affected: [{ introduced: null, fixed: "2.32.4" }], severity: "medium", summary: "A crafted URL makes requests send `.netrc` credentials for another host." },
];

/** Packages whose version should be fixed or floored at a patched release: the Flask request and template stack and its security extensions. */
export const SECURITY_CRITICAL: ReadonlySet<string> = new Set(["flask", "werkzeug", "jinja2", "itsdangerous", "markupsafe", "flask-cors", "flask-login", "flask-wtf", "flask-jwt-extended"]);
