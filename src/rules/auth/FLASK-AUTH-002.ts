import type { Expr } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { Severity } from "../../core/types.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { Project } from "../../link/project.js";
import { inventoryOf } from "../../inventory/routes.js";
import { defineRule, type RuleReport } from "../define.js";
import { writeContext } from "../support.js";
import { routeContext } from "../api/routes-context.js";
import { bodyOf, expectedValue, functionBodies, localValues, namesIn, requestRead, SECRET_NAME, walkBody, type Cond } from "./bodies.js";

const JWT_DECODE = new Set(["jwt.decode", "jwt.api_jwt.decode", "jose.jwt.decode"]);
const IDENTITY_READS = /^flask_jwt_extended(\.[a-z_]+)*\.(get_jwt_identity|get_jwt|current_user|get_current_user|verify_jwt_in_request)$/;

/** Every comparison in an expression, with the operands joined to it by `and` (possible guards). */
function comparisons(e: Expr, siblings: Expr[], out: { cmp: Extract<Expr, { k: "cmp" }>; siblings: Expr[] }[]): void {
  switch (e.k) {
    case "cmp":
      out.push({ cmp: e, siblings });
      for (const x of e.operands) comparisons(x, [], out);
      return;
    case "boolop":
      if (e.op === "and") {
        comparisons(e.l, [...siblings, e.rt], out);
        comparisons(e.rt, [...siblings, e.l], out);
      } else {
        comparisons(e.l, siblings, out);
        comparisons(e.rt, siblings, out);
      }
      return;
    case "not":
      comparisons(e.e, siblings, out);
      return;
    case "call":
      for (const a of e.args) comparisons(a, [], out);
      for (const k of e.kw) comparisons(k.value, [], out);
      return;
    case "cond":
      comparisons(e.test, [], out);
      comparisons(e.body, [], out);
      comparisons(e.orelse, [], out);
      return;
    case "other":
      for (const x of e.parts) comparisons(x, [], out);
      return;
    default:
      return;
  }
}

/** Whether a condition tests the truth of one of the names (`if not key:`, `key is None`, `key and ...`). */
function testsNames(conds: Expr[], names: Set<string>): boolean {
  return conds.some((c) => [...namesIn(c)].some((n) => names.has(n)));
}

/** Whether a module guards its own constant: a statement under `if not NAME:` (raise at import time). */
function moduleGuards(mod: ModuleInfo, name: string): boolean {
  const re = new RegExp(`\\b${name}\\b`);
  return mod.index.calls.some((c) => c.scope === "" && c.conds.some((t) => re.test(t)));
}

function checkComparisons(project: Project, report: (r: RuleReport) => void): void {
  for (const { mod, def, steps } of functionBodies(project)) {
    const scope = def.qualname;
    let locals: Map<string, Expr[]> | null = null;
    walkBody(steps, (e, conds: Cond[]) => {
      const found: { cmp: Extract<Expr, { k: "cmp" }>; siblings: Expr[] }[] = [];
      comparisons(e, [], found);
      for (const { cmp, siblings } of found) {
        if (cmp.ops.length !== 1 || (cmp.ops[0] !== "==" && cmp.ops[0] !== "!=") || cmp.operands.length !== 2 || !cmp.r) continue;
        locals ??= localValues(steps);
        const [a, b] = cmp.operands as [Expr, Expr];
        let req = requestRead(project, mod, scope, a, locals);
        let exp = req ? expectedValue(project, mod, scope, b, locals) : null;
        if (!req || !exp) {
          req = requestRead(project, mod, scope, b, locals);
          exp = req ? expectedValue(project, mod, scope, a, locals) : null;
        }
        if (!req || !exp) continue;
        if (!SECRET_NAME.test(exp.key ?? "") && !SECRET_NAME.test(req.key ?? "")) continue;
        const ctx = project.contextOf(mod, def);
        if (ctx.test) continue;
        const names = new Set([...namesIn(a), ...namesIn(b)]);
        const guarded = testsNames([...conds.map((c) => c.test), ...siblings], names) || [...names].some((n) => moduleGuards(mod, n));
        const failOpen = req.mayBeNone && exp.mayBeNone && !guarded;
        const what = `${exp.source === "environment" ? "environment variable" : "config key"} ${exp.key ? `\`${exp.key}\`` : "(computed name)"}`;
        const sent = `the ${req.from}${req.key ? ` value \`${req.key}\`` : ""}`;
        let severity: Severity = failOpen ? "high" : "medium";
        const context = [...ctx.reasons];
        if (ctx.devOnly) severity = "low";
        report({
          file: mod.path,
          range: toRange(cmp.r),
          message: failOpen
            ? `This check lets every request through when ${what} is unset: ${sent} is then None as well, and \`None ${cmp.ops[0]} None\` is ${cmp.ops[0] === "!=" ? "False" : "True"}. It also compares the secret with \`${cmp.ops[0]}\`, which leaks timing; refuse when the expected value is empty and use \`hmac.compare_digest\`.`
            : `${sent[0]!.toUpperCase()}${sent.slice(1)} is compared with ${what} using \`${cmp.ops[0]}\`, which returns as soon as a character differs; use \`hmac.compare_digest\` so the response time does not reveal how much of the secret was right.`,
          severity,
          confidence: failOpen ? "high" : "medium",
          context,
          scope,
        });
      }
    });
  }
}

function dictFalse(e: Expr | undefined, key: string): boolean {
  return !!e && e.k === "dict" && e.items.some((it) => it.key?.k === "str" && it.key.v === key && it.value.k === "bool" && !it.value.v);
}

function checkJwtDecode(project: Project, report: (r: RuleReport) => void): void {
  for (const mod of project.pythonModules()) {
    for (const c of mod.index.calls) {
      const fn = c.call.fn;
      if (fn.k !== "attr" || fn.name !== "decode") continue;
      if (!project.extPaths(mod, c.scope, fn).some((p) => JWT_DECODE.has(p))) continue;
      const ctx = project.contextOf(mod, c);
      if (ctx.test) continue;
      const kw = (n: string) => c.call.kw.find((k) => k.name === n)?.value;
      const options = kw("options");
      const problems: { text: string; severity: Severity }[] = [];
      const noSignature = dictFalse(options, "verify_signature") || kw("verify")?.k === "bool" && (kw("verify") as { v: boolean }).v === false;
      if (noSignature) {
        // Reading claims before a verifying decode in the same function is a known, safe pattern.
        const verifiedLater = mod.index.calls.some((o) => o !== c && o.scope === c.scope && o.call.fn.k === "attr" && o.call.fn.name === "decode" && project.extPaths(mod, o.scope, o.call.fn).some((p) => JWT_DECODE.has(p)) && !dictFalse(o.call.kw.find((k) => k.name === "options")?.value, "verify_signature"));
        if (!verifiedLater) problems.push({ text: "turns signature verification off, so anyone can forge a token with any claims", severity: "high" });
      }
      if (dictFalse(options, "verify_exp")) problems.push({ text: "turns the expiry check off, so a stolen or logged-out token works forever", severity: "medium" });
      const algs = kw("algorithms");
      if (algs && algs.k === "seq" && algs.elts.some((x) => x.k === "str" && x.v.toLowerCase() === "none")) problems.push({ text: "accepts the `none` algorithm, so an unsigned token passes", severity: "high" });
      if (problems.length === 0) continue;
      let severity: Severity = problems.some((p) => p.severity === "high") ? "high" : "medium";
      if (ctx.devOnly) severity = "low";
      report({
        file: mod.path,
        range: toRange(c.call.r),
        message: `This \`jwt.decode\` call ${problems.map((p) => p.text).join("; it also ")}.`,
        severity,
        confidence: "high",
        context: ctx.reasons,
        scope: c.scope,
      });
    }
  }
}

function checkJwtCookieCsrf(project: Project, report: (r: RuleReport) => void): void {
  const locations = project.configWrites.filter((w) => w.key === "JWT_TOKEN_LOCATION");
  const usesCookies = locations.some((w) => {
    const v = w.value;
    const strs = v.k === "str" ? [v.v] : v.k === "seq" ? v.elts.flatMap((x) => (x.k === "str" ? [x.v] : [])) : [];
    return strs.includes("cookies") && !writeContext(project, w).ctx.devOnly && !writeContext(project, w).ctx.test;
  });
  if (!usesCookies) return;
  for (const w of project.configWrites) {
    if (w.key !== "JWT_COOKIE_CSRF_PROTECT" || w.value.k !== "bool" || w.value.v) continue;
    const { ctx } = writeContext(project, w);
    if (ctx.test || ctx.devOnly) continue;
    report({
      file: w.mod.path,
      range: toRange(w.r),
      message: "JWT_COOKIE_CSRF_PROTECT is off while Flask-JWT-Extended reads tokens from cookies: the browser sends the cookie with any cross-site request, so another site can act as the logged-in user.",
      severity: "high",
      confidence: "high",
      context: ctx.reasons,
      scope: w.where.scope,
    });
  }
}

function checkOptionalJwt(project: Project, report: (r: RuleReport) => void): void {
  const seen = new Set<string>();
  for (const r of inventoryOf(project).routes) {
    if (r.auth.length === 0 || !r.auth.every((a) => a.optional)) continue;
    const changing = r.methods.filter((m) => m === "POST" || m === "PUT" || m === "PATCH" || m === "DELETE");
    if (changing.length === 0) continue;
    const ctx = routeContext(project, r);
    if (ctx.test || ctx.devOnly) continue;
    // A view that reads the identity and branches on it decides for itself who may proceed.
    if (r.viewDef && r.viewMod) {
      const steps = bodyOf(r.viewMod, r.viewDef);
      let checks = false;
      if (steps)
        walkBody(steps, (_e, conds) => {
          for (const c of conds) {
            const mod = r.viewMod!;
            const scope = r.viewDef!.qualname;
            let hit = false;
            const visit = (x: Expr) => {
              if (hit) return;
              if ((x.k === "name" || x.k === "attr" || x.k === "call") && project.extPaths(mod, scope, x.k === "call" ? x.fn : x).some((p) => IDENTITY_READS.test(p))) hit = true;
            };
            const locals = localValues(steps!);
            for (const n of namesIn(c.test)) {
              visit({ k: "name", id: n });
              for (const v of locals.get(n) ?? []) visit(v);
            }
            if (hit) checks = true;
          }
        });
      if (checks) continue;
    }
    const a = r.auth[0]!;
    const key = `${r.file}:${r.route.r}`;
    if (seen.has(key)) continue;
    seen.add(key);
    report({
      file: r.file,
      range: toRange(r.route.r),
      message: `\`${changing.join(",")} ${r.path}\` is only behind \`jwt_required(optional=True)\` (${a.file}:${a.line}), which lets requests without a token in, and the view never checks the identity before changing data.`,
      severity: "medium",
      confidence: "medium",
      context: [],
      scope: r.viewDef?.qualname ?? "",
    });
  }
}

export default defineRule({
  id: "FLASK-AUTH-002",
  title: "Secret or token check that can be bypassed",
  family: "auth",
  severity: "high",
  confidence: "medium",
  cwe: [287, 208, 347, 352],
  owasp: "A07:2021",
  tags: ["authentication", "jwt", "api-key", "timing"],
  impact:
    "The check that is meant to keep callers out admits them: when the expected key is missing from the environment, when a token's signature or expiry is never checked, or when the server answers a little faster for a key that starts right, which lets an attacker recover the key one character at a time.",
  fix: "Refuse the request when the expected secret is empty or unset, compare with `hmac.compare_digest`, and decode tokens with verification on, an explicit list of real algorithms and the expiry checked. With Flask-JWT-Extended in cookies, keep `JWT_COOKIE_CSRF_PROTECT` on and use `jwt_required()` without `optional` on routes that change data.",
  mitigation: "Fail at start-up when a required secret is not configured, and rate-limit the endpoints that check keys so guessing stays slow.",
  docs: {
    what:
      "Reports hand-written secret checks that fail open or leak timing: a request value compared with `==`/`!=` against an environment variable or config key that holds a secret, high when both sides can be None (`request.headers.get(...)` against `os.getenv(...)` with no default and no emptiness check); `jwt.decode` calls that switch off signature or expiry verification or accept the `none` algorithm; `JWT_COOKIE_CSRF_PROTECT = False` when Flask-JWT-Extended takes tokens from cookies; and routes that change data behind `jwt_required(optional=True)` only, with a view that never looks at the identity.",
    why:
      "`os.getenv(\"API_KEY\")` is None when the variable was not set in a deployment, and `request.headers.get(\"X-API-Key\")` is None when the caller sends no header: `None != None` is False, so the guard waves everyone through, exactly when nobody notices. String equality stops at the first differing character, so response times reveal how much of a guessed key was right. A JWT decoded without checking the signature is just base64 the client wrote. Cookie-carried tokens ride along with cross-site requests unless the double-submit CSRF check stays on.",
    bad: 'def require_key(view):\n    @wraps(view)\n    def wrapped(*a, **kw):\n        if request.headers.get("X-API-Key") != os.getenv("API_KEY"):\n            abort(401)\n        return view(*a, **kw)\n    return wrapped\n\nclaims = jwt.decode(token, options={"verify_signature": False})',
    good: 'def require_key(view):\n    @wraps(view)\n    def wrapped(*a, **kw):\n        expected = os.environ.get("API_KEY", "")\n        supplied = request.headers.get("X-API-Key", "")\n        if not expected or not hmac.compare_digest(supplied, expected):\n            abort(401)\n        return view(*a, **kw)\n    return wrapped\n\nclaims = jwt.decode(token, key, algorithms=["HS256"])',
    detection:
      "Reads the lowered bodies of functions in modules that reach Flask. A comparison counts when one side is request data (`request.headers`, `args`, `form`, `values`, `cookies`, `json`, `get_json()`, `request.authorization`, directly or through local names and `or` chains) and the other an environment lookup (`os.getenv`, `os.environ.get`, `os.environ[...]`) or an app config read, directly, through a local, or through a module constant in any module, and either key names a credential (key, token, secret, password, signature). It fails open when both sides can be None and no condition around it, no `and` operand beside it and no module-level check tests either value. `jwt.decode` is matched by its resolved path (PyJWT, python-jose); a signature-less decode followed by a verifying one in the same function (reading the header claims first) is not reported. The cookie CSRF switch is reported only when a production `JWT_TOKEN_LOCATION` includes cookies. Test files are skipped; development-only code is reported as low.",
    falsePositives:
      "A deployment that guarantees the variable is set (and a start-up check the scanner cannot see, such as one in a WSGI wrapper) still gets the fail-open finding; the timing part remains true. An optional-JWT route whose view checks the identity in a helper function is reported; suppress it with a comment naming the helper.",
    references: [
      "https://docs.python.org/3/library/hmac.html#hmac.compare_digest",
      "https://pyjwt.readthedocs.io/en/stable/api.html#jwt.decode",
      "https://flask-jwt-extended.readthedocs.io/en/stable/options.html#jwt-cookie-csrf-protect",
      "https://cwe.mitre.org/data/definitions/208.html",
      "https://owasp.org/Top10/A07_2021-Identification_and_Authentication_Failures/",
    ],
  },
  check({ project, report }) {
    checkComparisons(project, report);
    checkJwtDecode(project, report);
    checkJwtCookieCsrf(project, report);
    checkOptionalJwt(project, report);
  },
});
