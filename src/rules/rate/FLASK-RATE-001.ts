import { toRange } from "../../index/ir.js";
import type { Expr } from "../../index/ir.js";
import type { FlaskObject, Project } from "../../link/project.js";
import { inventoryOf, type InventoryRoute } from "../../inventory/routes.js";
import { defineRule } from "../define.js";
import { writeContext } from "../support.js";
import { pathWords, routeContext } from "../api/routes-context.js";

/** Path or endpoint words of routes that check a secret a client can guess at. */
const CREDENTIAL_WORDS: Record<string, string> = {
  login: "login",
  signin: "login",
  logon: "login",
  authenticate: "login",
  token: "token",
  tokens: "token",
  otp: "one-time code",
  totp: "one-time code",
  mfa: "one-time code",
  "2fa": "one-time code",
  reset: "password reset",
  forgot: "password reset",
  password: "password",
};
const LIMITER = /^flask_limiter(\.extension)?\.Limiter$/;
const MEMORY_KEYS = new Set(["RATELIMIT_STORAGE_URI", "RATELIMIT_STORAGE_URL"]);

/** What secret an endpoint checks ("login", "password reset"), from its path words or, for `/`-less rules, its endpoint. */
function credentialKind(r: InventoryRoute): string | null {
  if (!r.methods.some((m) => m === "POST" || m === "PUT")) return null;
  const words = [...pathWords(r.path), ...(r.endpoint ?? "").split(/[._]+/).slice(-1).flatMap((w) => w.toLowerCase().split(/_/))];
  for (const w of words) if (CREDENTIAL_WORDS[w]) return CREDENTIAL_WORDS[w]!;
  return null;
}

function limitersOf(project: Project, app: FlaskObject | null) {
  return project.extensions.filter((e) => LIMITER.test(e.cls) && (e.apps.length === 0 || (app !== null && e.apps.includes(app))));
}

function isMemory(project: Project, mod: Parameters<Project["constString"]>[0], scope: string, e: Expr): boolean {
  const s = project.constString(mod, scope, e);
  return s !== null && /^memory:\/\//.test(s);
}

export default defineRule({
  id: "FLASK-RATE-001",
  title: "Credential endpoint without rate limiting",
  family: "rate",
  severity: "medium",
  confidence: "medium",
  cwe: [307, 770],
  owasp: "A07:2021",
  tags: ["rate-limiting", "brute-force", "authentication", "routes"],
  impact:
    "Without a limit an attacker can try passwords, one-time codes or reset requests as fast as the server answers: credential stuffing against the login form, guessing a six-digit code in minutes, or flooding users with reset emails.",
  fix: 'Add Flask-Limiter, bind it to the app, and put a tight limit on each credential endpoint: `@limiter.limit("5 per minute;30 per hour", methods=["POST"])` on login, OTP and reset routes, with a shared store (`storage_uri="redis://..."`) in production.',
  mitigation: "Lock or slow down an account after repeated failures, add a CAPTCHA after a few failed attempts, and rate-limit the same paths at the reverse proxy.",
  docs: {
    what:
      "Reports endpoints that check a secret a client can guess at (login, token issuing, one-time codes, password reset) and accept POST or PUT, when no Flask-Limiter limit applies to them: no limiter exists for their app (one finding on the app listing them), or the limiter has no default limits and the route no limit of its own or of its blueprint, or the route is marked `exempt`. Also reports Flask-Limiter set to in-memory storage (`memory://`) in production configuration, where every worker process counts on its own.",
    why:
      "Login and code-verification endpoints are where online guessing happens. A limit per client address (and per account) turns millions of attempts into a handful. An in-memory store keeps a separate counter in each gunicorn worker and forgets it on restart, so the effective limit is multiplied by the number of workers.",
    bad: 'limiter = Limiter(key_func=get_remote_address)\n\n@auth.route("/login", methods=["POST"])\ndef login(): ...\n\n@auth.route("/otp/verify", methods=["POST"])\n@limiter.exempt\ndef verify_code(): ...',
    good: 'limiter = Limiter(key_func=get_remote_address, default_limits=["300 per hour"], storage_uri=os.environ["RATELIMIT_STORAGE_URI"])\n\n@auth.route("/login", methods=["POST"])\n@limiter.limit("5 per minute;30 per hour")\ndef login(): ...',
    detection:
      "Works on the route inventory, which resolves Flask-Limiter objects through imports and `init_app`, `@limiter.limit`/`shared_limit`/`exempt` decorators, limits applied to blueprints (`limiter.limit(...)(bp)`), and `default_limits`/`application_limits` or `RATELIMIT_DEFAULT`/`RATELIMIT_APPLICATION` in config. An endpoint counts as a credential endpoint when its URL or endpoint name contains login, signin, token, otp/totp/mfa/2fa, reset, forgot or password and it accepts POST or PUT (a GET that only renders the form is not one). Routes in test files or registered only in development code are ignored; so are apps without any route of that kind. `memory://` storage is reported only from production code or production config classes.",
    falsePositives:
      "Limits enforced outside the app (the reverse proxy, an API gateway, a WAF) are not visible; suppress the finding naming that control. A token endpoint that only refreshes an already authenticated session is reported like a login.",
    references: [
      "https://flask-limiter.readthedocs.io/en/stable/",
      "https://owasp.org/www-community/controls/Blocking_Brute_Force_Attacks",
      "https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#login-throttling",
      "https://cwe.mitre.org/data/definitions/307.html",
    ],
  },
  check({ project, report }) {
    const inv = inventoryOf(project);
    const byApp = new Map<FlaskObject | null, { r: InventoryRoute; kind: string }[]>();
    const seen = new Set<string>();
    for (const r of inv.routes) {
      const kind = credentialKind(r);
      if (!kind) continue;
      const ctx = routeContext(project, r);
      if (ctx.test || ctx.devOnly) continue;
      const key = `${r.file}:${r.route.r}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const list = byApp.get(r.app) ?? [];
      list.push({ r, kind });
      byApp.set(r.app, list);
    }
    for (const [app, creds] of byApp) {
      if (limitersOf(project, app).length === 0) {
        if (!app) continue;
        const names = creds.slice(0, 3).map((c) => `\`${c.r.methods.join(",")} ${c.r.path}\``);
        report({
          file: app.mod.path,
          range: toRange(app.call.r),
          message: `No rate limiter is bound to this app, so its credential endpoints (${names.join(", ")}${creds.length > 3 ? ", ..." : ""}) accept unlimited guesses.`,
          scope: app.scope,
        });
        continue;
      }
      // Defaults of a limiter whose binding could not be followed, or set in config, still apply.
      const defaults =
        limitersOf(project, app).some((l) => l.call.kw.some((k) => (k.name === "default_limits" || k.name === "application_limits") && !(k.value.k === "seq" && k.value.elts.length === 0))) ||
        project.configWrites.some((w) => w.key === "RATELIMIT_DEFAULT" || w.key === "RATELIMIT_APPLICATION");
      for (const { r, kind } of creds) {
        const exempt = r.rate.find((x) => x.kind === "exempt");
        if ((r.rate.length > 0 || defaults) && !exempt) continue;
        report({
          file: r.file,
          range: toRange(r.route.r),
          message: exempt
            ? `\`${r.methods.join(",")} ${r.path}\` is a ${kind} endpoint exempted from rate limiting (${exempt.via}, ${exempt.file}:${exempt.line}).`
            : `\`${r.methods.join(",")} ${r.path}\` is a ${kind} endpoint with no rate limit: the limiter has no default limits and neither the route nor its blueprint sets one.`,
          scope: r.viewDef?.qualname ?? "",
        });
      }
    }
    // In-memory storage in production.
    for (const l of project.extensions.filter((e) => LIMITER.test(e.cls))) {
      const arg = l.call.kw.find((k) => k.name === "storage_uri");
      if (!arg) continue;
      const call = l.mod.index.calls.find((c) => c.call === l.call);
      const ctx = call ? project.contextOf(l.mod, call) : null;
      if (!ctx || ctx.test || ctx.devOnly || !isMemory(project, l.mod, call!.scope, arg.value)) continue;
      report({
        file: l.mod.path,
        range: toRange(arg.r),
        message: "Flask-Limiter keeps its counters in process memory (`memory://`): each worker counts separately and restarts reset the limits. Use a shared store such as Redis in production.",
        severity: "low",
      });
    }
    for (const w of project.configWrites) {
      if (!MEMORY_KEYS.has(w.key) || !isMemory(project, w.mod, w.where.scope, w.value)) continue;
      const { ctx } = writeContext(project, w);
      if (ctx.test || ctx.devOnly) continue;
      report({
        file: w.mod.path,
        range: toRange(w.r),
        message: `\`${w.key}\` points Flask-Limiter at in-process memory: each worker counts separately and restarts reset the limits. Use a shared store such as Redis in production.`,
        severity: "low",
        scope: w.where.scope,
      });
    }
  },
});
