import type { CallFact, Expr, Where } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { CallExpr, Project } from "../../link/project.js";
import type { Val } from "../../link/resolve.js";
import { defineRule, type RuleReport } from "../define.js";
import { isDevDeploymentFile } from "../support.js";
import { devOrTest } from "../headers/http.js";
import { addressGetters, addressUses, conditionDecidesOn, isLimiterCall, limiterKey, type AddressSource } from "./clientip.js";

const PROXY_FIX = /^werkzeug\.(middleware\.proxy_fix|contrib\.fixers)\.ProxyFix$/;
/** ProxyFix's hop-count parameters in positional order after the app. */
const HOPS = ["x_for", "x_proto", "x_host", "x_port", "x_prefix"];
/** Hop counts at or above this are more proxies than a deployment plausibly chains in front of the app. */
const IMPLAUSIBLE_HOPS = 3;

/** Whether a class value is Werkzeug's ProxyFix or a project subclass of it. */
function isProxyFixClass(project: Project, v: Val, depth = 0): boolean {
  if (v.t === "ext") return PROXY_FIX.test(v.path);
  if (v.t === "def" && v.def.kind === "class" && depth < 4) return v.def.bases.some((b) => project.resolve(v.mod, v.def.scope, b).some((bv) => isProxyFixClass(project, bv, depth + 1)));
  return false;
}

interface ProxyFixSite {
  mod: ModuleInfo;
  call: CallFact;
}

function proxyFixes(project: Project): ProxyFixSite[] {
  const out: ProxyFixSite[] = [];
  for (const mod of project.flaskModules()) {
    for (const c of mod.index.calls) {
      const fn = c.call.fn;
      const name = fn.k === "name" ? fn.id : fn.k === "attr" ? fn.name : "";
      // A class call (aliases such as `ProxyFix as Fixer` included); lower-case callees cannot be the class.
      if (!/^[A-Z]/.test(name)) continue;
      if (project.resolve(mod, c.scope, fn).some((v) => isProxyFixClass(project, v))) out.push({ mod, call: c });
    }
  }
  return out;
}

/** The constant hop counts a ProxyFix call sets: name, value and the range of its argument. */
function hopCounts(project: Project, mod: ModuleInfo, scope: string, call: CallExpr): { name: string; value: number; r: string }[] {
  const out: { name: string; value: number; r: string }[] = [];
  const read = (name: string, e: Expr | undefined, r: string) => {
    if (!e) return;
    const vals = e.k === "num" ? [{ t: "const", v: e.v } as Val] : project.resolve(mod, scope, e);
    if (vals.length === 1 && vals[0]!.t === "const" && typeof vals[0]!.v === "number") out.push({ name, value: vals[0]!.v, r });
  };
  for (const k of call.kw) if (k.name && (HOPS.includes(k.name) || k.name === "num_proxies")) read(k.name, k.value, k.r);
  HOPS.forEach((name, i) => read(name, call.args[i + 1], call.r));
  return out;
}

function describe(src: AddressSource): string {
  return src.kind === "remote_addr" ? "`request.remote_addr`" : `the \`${headerTitle(src.header)}\` request header`;
}

function headerTitle(h: string): string {
  return h.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase()).replace(/^Cf-/, "CF-").replace(/-Ip$/, "-IP");
}

export default defineRule({
  id: "FLASK-PROXY-001",
  title: "Client address taken from headers the client controls",
  family: "proxy",
  severity: "medium",
  confidence: "medium",
  cwe: [348, 290],
  owasp: "A04:2021",
  tags: ["proxy", "x-forwarded-for", "rate-limiting", "ip-allowlist"],
  impact:
    "Anyone can send `X-Forwarded-For: 127.0.0.1`. When the app trusts that header (directly, or through ProxyFix told to trust more proxies than there are), a client picks its own address: it escapes per-IP rate limits and bans, passes IP allowlists for admin pages, and writes false addresses into audit logs. Behind a proxy without ProxyFix the opposite happens: every client has the proxy's address, so one abuser locks out everyone, and a `127.0.0.1` allowlist admits the whole internet.",
  fix:
    "Wrap the app once in `ProxyFix(app.wsgi_app, x_for=N, x_proto=N)` where N is the exact number of proxies you run, and use `request.remote_addr` everywhere. Never read `X-Forwarded-For`/`X-Real-IP` yourself; if you must, take only the entry your own proxy appended (the last one).",
  mitigation:
    "Make the proxy overwrite (not append to) `X-Forwarded-For` and `X-Real-IP`, and keep the application server reachable only from the proxy, so the header cannot reach the app unfiltered.",
  docs: {
    what:
      "Finds three ways of getting the client's address wrong: Werkzeug's `ProxyFix` (or a subclass) with a hop count of 3 or more for `x_for`, `x_proto`, `x_host`, `x_port` or `x_prefix` (or the old `num_proxies`); a client-address header (`X-Forwarded-For`, `X-Real-IP`, `X-Client-IP`, `True-Client-IP`, `CF-Connecting-IP`, `Forwarded`, also via `request.environ[\"HTTP_...\"]` or `request.access_route`) that decides something: it is compared in an `if` (`ip in ALLOWED`, `ip == \"127.0.0.1\"`, `ip.startswith(...)`, `is_banned(ip)`) or keys a Flask-Limiter rate limit (`key_func`); and `request.remote_addr` making the same decisions when an nginx config in the repository proxies to the app and no `ProxyFix` is applied anywhere.",
    why:
      "Proxies append the address they saw to `X-Forwarded-For`; everything to the left of your own proxy's entry was written by the client. ProxyFix trusts exactly as many entries from the right as it is told, so a count larger than the real number of proxies hands the choice of address to the client. Code that reads the header itself usually takes the first (leftmost) entry, the one the client wrote.",
    bad:
      'app.wsgi_app = ProxyFix(app.wsgi_app, x_for=5, x_host=5)\n\ndef client_ip():\n    return request.headers.get("X-Forwarded-For", request.remote_addr)\n\nlimiter = Limiter(key_func=client_ip, app=app)\n\n@app.before_request\ndef admin_only_from_office():\n    ip = request.headers.get("X-Real-IP")\n    if request.path.startswith("/admin") and ip not in OFFICE_IPS:\n        abort(403)',
    good:
      'app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)   # one nginx in front\nlimiter = Limiter(key_func=get_remote_address, app=app)\n\n@app.before_request\ndef admin_only_from_office():\n    if request.path.startswith("/admin") and request.remote_addr not in OFFICE_IPS:\n        abort(403)',
    detection:
      "`request` must resolve to Flask's request proxy and the ProxyFix class to Werkzeug's (through imports, aliases and project subclasses). A header read counts as a decision only when its value (directly, through a local variable, or through a helper function that returns it) is compared or passed to a call in an `if` condition, or is a rate limiter's `key_func`; reading it to display or log the address is not reported. Taking the last entry (`...split(\",\")[-1]`, `access_route[-1]`) is treated as safe, since that entry comes from your own proxy. Hop counts of 1 and 2 are not reported: the scanner cannot count the proxies (CDN, load balancer) outside the repository. Test files, `__main__` blocks and development-only branches are skipped. A finding is high severity when it decides access (an `if`) and medium when it keys a rate limit or is a hop count.",
    falsePositives:
      "A hop count of 3 or more is right when that many proxies really are chained; say so in a suppression. A header check may only gate something harmless (a greeting, a locale); suppress it with that reason. The `remote_addr` report assumes the nginx config in the repository is how the app is deployed.",
    references: [
      "https://werkzeug.palletsprojects.com/en/stable/middleware/proxy_fix/",
      "https://flask.palletsprojects.com/en/stable/deploying/proxy_fix/",
      "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/X-Forwarded-For#security_and_privacy_concerns",
      "https://cwe.mitre.org/data/definitions/348.html",
    ],
  },
  check({ project, report }) {
    const seen = new Set<string>();
    const emit = (r: RuleReport) => {
      const key = `${r.file}:${r.range.start.line}:${r.range.start.column}`;
      if (seen.has(key)) return;
      seen.add(key);
      report(r);
    };
    const fixes = proxyFixes(project).filter((f) => !devOrTest(project, f.mod, f.call).skip);
    checkHopCounts(project, fixes, emit);
    const getters = addressGetters(project);
    checkLimiters(project, getters, fixes.length > 0, emit);
    checkConditions(project, getters, fixes.length > 0, emit);
  },
});

function checkHopCounts(project: Project, fixes: ProxyFixSite[], emit: (r: RuleReport) => void): void {
  for (const { mod, call } of fixes) {
    const counts = hopCounts(project, mod, call.scope, call.call).filter((h) => h.value >= IMPLAUSIBLE_HOPS);
    if (counts.length === 0) continue;
    const first = counts[0]!;
    emit({
      file: mod.path,
      range: toRange(call.call.r),
      message: `ProxyFix trusts ${counts.map((h) => `${h.value} hops of ${h.name === "num_proxies" ? "X-Forwarded-For (num_proxies)" : `X-Forwarded-${headerSuffix(h.name)}`}`).join(", ")}; with fewer real proxies in front, clients choose the ${first.name === "x_for" || first.name === "num_proxies" ? "address" : "value"} the app sees.`,
      scope: call.scope,
      context: devOrTest(project, mod, call).reasons,
    });
  }
}

function headerSuffix(name: string): string {
  return { x_for: "For", x_proto: "Proto", x_host: "Host", x_port: "Port", x_prefix: "Prefix" }[name] ?? name;
}

/** nginx configs in the repository that pass requests on to an application server. */
function proxyEvidence(project: Project): string | null {
  for (const d of project.deployment) {
    if (d.facts.proxy && d.facts.proxy.passes.length > 0 && !isDevDeploymentFile(d.file)) return d.file.path;
  }
  return null;
}

function checkLimiters(project: Project, getters: Map<string, AddressSource>, hasProxyFix: boolean, emit: (r: RuleReport) => void): void {
  const proxy = proxyEvidence(project);
  for (const mod of project.flaskModules()) {
    for (const c of mod.index.calls) {
      if (!c.call.kw.some((k) => k.name === "key_func")) continue;
      if (!isLimiterCall(project, mod, c.scope, c.call)) continue;
      const src = limiterKey(project, mod, c.scope, c.call, getters);
      if (!src) continue;
      const ctx = devOrTest(project, mod, c);
      if (ctx.skip) continue;
      const r = toRange(c.call.kw.find((k) => k.name === "key_func")!.r);
      if (src.kind === "header") {
        emit({ file: mod.path, range: r, message: `This rate limit is keyed on ${describe(src)}, which the client sets: each request can claim a new address and escape the limit.`, scope: c.scope, context: ctx.reasons });
      } else if (proxy && !hasProxyFix) {
        emit({
          file: mod.path,
          range: r,
          message: `This rate limit is keyed on \`request.remote_addr\`, but ${proxy} proxies to the app and no ProxyFix restores the client address: every client shares the proxy's address and one abuser exhausts the limit for all.`,
          scope: c.scope,
          context: [...ctx.reasons, `${proxy} passes requests to the app`],
        });
      }
    }
  }
}

/** Facts with their conditions, by module and scope. */
function factsIn(mod: ModuleInfo): Where[] {
  return [...mod.index.calls, ...mod.index.assigns, ...mod.index.returns];
}

function checkConditions(project: Project, getters: Map<string, AddressSource>, hasProxyFix: boolean, emit: (r: RuleReport) => void): void {
  const proxy = proxyEvidence(project);
  const uses = addressUses(project);
  const remoteAddrMatters = Boolean(proxy) && !hasProxyFix;
  for (const mod of project.flaskModules()) {
    const facts = factsIn(mod);
    // Conditions by scope, gathered once per module (a scan of every fact per scope was quadratic).
    const byScope = new Map<string, Set<string>>();
    for (const f of facts) {
      if (f.conds.length === 0) continue;
      let set = byScope.get(f.scope);
      if (!set) byScope.set(f.scope, (set = new Set()));
      for (const c of f.conds) set.add(c);
    }
    const condsIn = (scope: string) => [...(byScope.get(scope) ?? [])];
    // Header values held in variables (directly or from a helper) and compared in an `if`.
    for (const use of uses.filter((u) => u.mod === mod)) {
      if (use.src.kind !== "header" || !use.variable) continue;
      const cond = condsIn(use.where.scope).find((c) => conditionDecidesOn(c, use.variable!));
      if (cond) reportDecision(project, use.mod, use.where, use.r, use.src, cond, emit);
    }
    for (const a of mod.index.assigns) {
      const t = a.targets[0];
      if (a.value.k !== "call" || !t || t.k !== "name") continue;
      const src = getterCall(project, mod, a.scope, a.value, getters);
      if (!src || src.kind !== "header") continue;
      const cond = condsIn(a.scope).find((c) => conditionDecidesOn(c, t.id));
      if (cond) reportDecision(project, mod, a, a.value.r, src, cond, emit);
    }
    // Helpers and reads used inside the condition itself: `if client_ip() in BANNED`, `if request.remote_addr != "127.0.0.1"`.
    // Only worth looking when some helper returns a client-set address, or remote_addr is the proxy's.
    if (getters.size === 0 && !remoteAddrMatters) continue;
    for (const scope of byScope.keys()) {
      for (const cond of condsIn(scope)) {
        for (const m of cond.matchAll(/([A-Za-z_][\w.]*)\(\s*\)/g)) {
          const callee = m[1]!;
          if (!conditionDecidesOn(cond, `${callee}()`)) continue;
          const src = getterCall(project, mod, scope, { k: "call", fn: dotted(callee), args: [], kw: [], r: "0:0:0:0" }, getters);
          if (src?.kind !== "header") continue;
          const at = facts.find((f) => f.scope === scope && f.conds.includes(cond));
          if (at) reportDecision(project, mod, at, rangeOf(at), src, cond, emit);
        }
        if (remoteAddrMatters) {
          for (const m of cond.matchAll(/([A-Za-z_]\w*)\.remote_addr\b/g)) {
            if (!conditionDecidesOn(cond, `${m[1]}.remote_addr`)) continue;
            if (!project.extPaths(mod, scope, { k: "name", id: m[1]! }).some((p) => p === "flask.request" || p === "flask.globals.request")) continue;
            const at = facts.find((f) => f.scope === scope && f.conds.includes(cond));
            if (!at) continue;
            const ctx = devOrTest(project, mod, at);
            if (ctx.skip) continue;
            emit({
              file: mod.path,
              range: toRange(rangeOf(at)),
              message: `This branch depends on \`request.remote_addr\` (\`${cond}\`), but ${proxy} proxies to the app and no ProxyFix restores the client address, so every request appears to come from the proxy.`,
              severity: "high",
              scope,
              context: [...ctx.reasons, `${proxy} passes requests to the app`],
            });
          }
        }
      }
    }
  }
}

function dotted(name: string): Expr {
  const parts = name.split(".");
  let e: Expr = { k: "name", id: parts[0]! };
  for (const p of parts.slice(1)) e = { k: "attr", obj: e, name: p };
  return e;
}

function rangeOf(w: Where): string {
  const f = w as Where & { r?: string; call?: CallExpr };
  return f.call ? f.call.r : (f.r ?? "1:1:1:1");
}

/** The address a call returns when it calls a project helper that reads one. */
function getterCall(project: Project, mod: ModuleInfo, scope: string, call: CallExpr, getters: Map<string, AddressSource>): AddressSource | null {
  for (const v of project.resolve(mod, scope, call.fn)) {
    if (v.t === "def") {
      const g = getters.get(`${v.mod.path}:${v.def.qualname}`);
      if (g) return g;
    }
  }
  return null;
}

function reportDecision(project: Project, mod: ModuleInfo, where: Where, r: string, src: AddressSource, cond: string, emit: (r: RuleReport) => void): void {
  const ctx = devOrTest(project, mod, where);
  if (ctx.skip) return;
  emit({
    file: mod.path,
    range: toRange(r),
    message: `${describe(src)[0]!.toUpperCase()}${describe(src).slice(1)} is client-controlled, yet it decides \`${cond}\`: a client can put any address it likes there.`,
    severity: "high",
    scope: where.scope,
    context: ctx.reasons,
  });
}
