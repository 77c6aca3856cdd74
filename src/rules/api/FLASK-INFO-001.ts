import type { Severity } from "../../core/types.js";
import type { Expr } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { Project } from "../../link/project.js";
import { inventoryOf } from "../../inventory/routes.js";
import { envVarRead } from "../config/secret-leaks.js";
import { defineRule } from "../define.js";
import { routeContext } from "./routes-context.js";

/** Words that make a setting's value a secret wherever it is sent. */
const STRONG = new Set(["SECRET", "PASSWORD", "PASSWD", "PWD", "PASS", "PRIVATE", "CREDENTIAL", "CREDENTIALS", "SALT", "SIGNING"]);
/** Words that make it a secret when it is returned as data (a page may legitimately embed a browser key). */
const WEAK = new Set(["TOKEN", "APIKEY"]);
/** Words naming a setting about a secret rather than the secret itself (`PASSWORD_MIN_LENGTH`, `JWT_TOKEN_LOCATION`). */
const NOT_VALUE = new Set([
  "EXPIRES", "EXPIRE", "EXPIRATION", "EXPIRY", "LENGTH", "LEN", "MIN", "MAX", "LIFETIME", "TTL", "AGE", "LOCATION", "LOCATIONS",
  "HEADER", "NAME", "TYPE", "TYPES", "URL", "URI", "ENABLED", "ENABLE", "DISABLED", "FIELD", "FIELDS", "HASH", "SCHEMES", "ALGORITHM",
  "ALGORITHMS", "POLICY", "REQUIRED", "WITHIN", "PATH", "FILE", "PARAM", "PREFIX", "SIZE", "TIMEOUT", "ROUNDS", "ITERATIONS", "CHANGEABLE",
  "SEND", "CONFIRM", "COMPLEXITY", "CHECK", "ENTROPY", "REGISTER", "FORMAT", "PUBLIC", "PUBLISHABLE", "SITE", "ID", "RECOVERABLE",
  "TEMPLATE", "VIEW", "ENDPOINT", "REGEX", "PATTERN", "RULES", "COUNT",
]);
/** Connection strings that usually embed a password (`postgresql://user:pw@db/app`). */
const CONNECTION = /^(SQLALCHEMY_DATABASE_URI|SQLALCHEMY_BINDS|((DATABASE|DB|MONGO|MONGODB|REDIS|BROKER|CELERY_BROKER|AMQP|POSTGRES|MYSQL)_(URI|URL)))$/;

/** Is a config key or environment variable named like a secret? `strict`: only the unambiguous names. */
export function secretName(key: string, strict: boolean): boolean {
  if (CONNECTION.test(key.toUpperCase())) return true;
  const words = key.toUpperCase().replace(/API_KEY/g, "APIKEY").split(/[^A-Z0-9]+/).filter(Boolean);
  if (words.some((w) => NOT_VALUE.has(w))) return false;
  if (words.some((w) => STRONG.has(w))) return true;
  if (words.length >= 2 && words[words.length - 1] === "KEY" && words.includes("SECRET")) return true;
  // The CSRF token is handed to the page on purpose.
  return !strict && !words.includes("CSRF") && words.some((w) => WEAK.has(w));
}

interface Leak {
  what: string;
  /** Secrets are high; environment and settings dumps depend on what they hold. */
  secret: boolean;
  /** Handed to a template rather than put in the body. */
  rendered?: boolean;
  /** Named only like a token or API key, which may be a public browser key. */
  weak?: boolean;
}

/** Calls whose arguments end up in the response as they are. */
const PASS_THROUGH = /^(flask\.(json\.)?jsonify|flask\.make_response|flask\.(wrappers\.)?Response|werkzeug\.(wrappers\.)?Response|builtins\.(dict|str|repr|list|tuple|sorted)|json\.dumps)$/;
const RENDER = /^flask\.(templating\.)?render_template(_string)?$/;

class Finder {
  readonly leaks: Leak[] = [];
  /** The value also holds all of `os.environ` or the app config: FLASK-API-001's finding, a secret among it adds nothing. */
  whole = false;
  constructor(
    private readonly project: Project,
    private readonly mod: ModuleInfo,
  ) {}

  /** `rendered`: the value goes into a template rather than straight into the body. */
  visit(e: Expr, scope: string, rendered: boolean, depth: number): void {
    if (depth > 6) return;
    const p = this.project;
    const key = this.secretRead(e, scope, rendered);
    if (key) {
      this.leaks.push({ what: `the value of ${key.label}`, secret: true, rendered, weak: !key.strong });
      return;
    }
    if ((e.k === "name" || e.k === "attr") && this.isWhole(e, scope)) {
      this.whole = true;
      return;
    }
    const dump = this.dump(e, scope);
    if (dump) {
      this.leaks.push({ ...dump, rendered });
      return;
    }
    switch (e.k) {
      case "name":
        // One local assignment back: `data = {...}; return jsonify(data)`.
        for (const a of p.resolver.assignsIn(this.mod, scope)) {
          if (a.targets.length === 1 && a.targets[0]!.k === "name" && a.targets[0]!.id === e.id && a.value !== e) this.visit(a.value, scope, rendered, depth + 1);
        }
        return;
      case "call": {
        const paths = p.extPaths(this.mod, scope, e.fn);
        const render = paths.some((x) => RENDER.test(x));
        if (!render && !paths.some((x) => PASS_THROUGH.test(x))) return;
        // render_template's first argument is the template's name.
        e.args.forEach((a, i) => (render && i === 0 ? undefined : this.visit(a, scope, rendered || render, depth + 1)));
        for (const k of e.kw) this.visit(k.value, scope, rendered || render, depth + 1);
        return;
      }
      case "dict":
        for (const it of e.items) this.visit(it.value, scope, rendered, depth + 1);
        return;
      case "seq":
        for (const x of e.elts) this.visit(x, scope, rendered, depth + 1);
        return;
      case "fstr":
        for (const x of e.parts) this.visit(x, scope, rendered, depth + 1);
        return;
      case "bin":
        this.visit(e.l, scope, rendered, depth + 1);
        this.visit(e.rt, scope, rendered, depth + 1);
        return;
      case "cond":
        this.visit(e.body, scope, rendered, depth + 1);
        this.visit(e.orelse, scope, rendered, depth + 1);
        return;
      default:
        return;
    }
  }

  /** The app config, `os.environ` or a settings object's secret-named entry this expression reads. */
  private secretRead(e: Expr, scope: string, rendered: boolean): { label: string; strong: boolean } | null {
    const p = this.project;
    let key: string | null = null;
    let from = "";
    if (e.k === "sub" && this.isConfig(e.obj, scope)) {
      key = p.constString(this.mod, scope, e.key);
      from = "config key";
    } else if (e.k === "call" && e.fn.k === "attr" && e.fn.name === "get" && e.args[0] && this.isConfig(e.fn.obj, scope)) {
      key = p.constString(this.mod, scope, e.args[0]);
      from = "config key";
    } else if (e.k === "attr" && e.name === "secret_key" && this.isApp(e.obj, scope)) {
      return { label: "the app's `secret_key`", strong: true };
    } else if (e.k === "attr" && this.isSettings(e.obj, scope)) {
      key = e.name;
      from = "setting";
    } else {
      key = envVarRead(p, this.mod, scope, e);
      from = "environment variable";
    }
    return key && secretName(key, rendered) ? { label: `${from} ${key}`, strong: secretName(key, true) } : null;
  }

  /** A whole settings object: `request.environ`, `vars(Config)`, `Config.__dict__`, `vars(settings_module)`. */
  private dump(e: Expr, scope: string): Leak | null {
    const p = this.project;
    if (e.k === "attr" && e.name === "environ" && p.extPaths(this.mod, scope, e.obj).some((x) => x === "flask.request" || x === "flask.globals.request")) {
      return { what: "the whole WSGI environment (`request.environ`)", secret: false };
    }
    // (`vars(app.config)` holds only the mapping's own attributes; the whole config is FLASK-API-001's.)
    const whole = (x: Expr) => this.isSettings(x, scope);
    if (e.k === "call" && e.args.length === 1 && p.extPaths(this.mod, scope, e.fn).includes("builtins.vars") && whole(e.args[0]!)) {
      return { what: "every attribute of a settings object (`vars(...)`)", secret: true };
    }
    if (e.k === "attr" && e.name === "__dict__" && whole(e.obj)) return { what: "every attribute of a settings object (`__dict__`)", secret: true };
    return null;
  }

  private isWhole(e: Expr, scope: string): boolean {
    if (this.project.extPaths(this.mod, scope, e).some((x) => x === "os.environ" || x === "flask.current_app.config")) return true;
    return e.k === "attr" && e.name === "config" && this.isApp(e.obj, scope);
  }

  private isApp(e: Expr, scope: string): boolean {
    return this.project.appsOf(this.mod, scope, e).isApp || this.project.extPaths(this.mod, scope, e).includes("flask.current_app");
  }

  private isConfig(e: Expr, scope: string): boolean {
    if (this.project.extPaths(this.mod, scope, e).includes("flask.current_app.config")) return true;
    return e.k === "attr" && e.name === "config" && this.isApp(e.obj, scope);
  }

  /** A config class of the project, or a module that config is loaded from (`settings.py`). */
  private isSettings(e: Expr, scope: string): boolean {
    if (e.k !== "name" && e.k !== "attr") return false;
    for (const v of this.project.resolve(this.mod, scope, e)) {
      if (v.t === "def" && v.def.kind === "class" && this.project.configClasses.some((c) => c.def === v.def)) return true;
      if (v.t === "inst" && v.of.t === "def" && this.project.configClasses.some((c) => v.of.t === "def" && c.def === v.of.def)) return true;
      if (v.t === "module" && this.project.configLoads.some((l) => l.targets.some((t) => t.t === "module" && t.mod === v.mod))) return true;
    }
    return false;
  }
}

export default defineRule({
  id: "FLASK-INFO-001",
  title: "View returns secrets or settings dumps",
  family: "api",
  severity: "high",
  confidence: "high",
  cwe: [200, 497],
  owasp: "A01:2021",
  tags: ["information-disclosure", "secrets"],
  impact:
    "Whoever calls the route reads what the server keeps to itself: the key that signs sessions (so they can forge any user's session), database and API passwords, tokens for third-party services, or the server's own environment.",
  fix: "Return only the fields the client needs, built explicitly; never put config values named like secrets, `request.environ` or whole settings objects into a response or a template context.",
  mitigation: "Rotate every secret that was reachable this way, keep secrets in a store the web process reads once at start-up, and put diagnostics behind operator-only authentication on an internal network.",
  docs: {
    what:
      "Reports routes whose view returns, or passes to `render_template`, a secret value: a config key named like a secret (`SECRET_KEY`, `DB_PASSWORD`, `STRIPE_SECRET_KEY`, `PASSWORD_SALT`, database and broker connection strings such as `SQLALCHEMY_DATABASE_URI`, and for returned data also `*_TOKEN` and `*_API_KEY`) read from `app.config`/`current_app.config`, the app's `secret_key`, such an environment variable, or such an attribute of a config class or settings module; and routes that return `request.environ` or a whole settings object through `vars(...)`/`__dict__`. Whole `os.environ`, whole `app.config` and process details are FLASK-API-001's finding (it reports the route as a leftover diagnostics endpoint), so this rule does not report them again, nor a secret returned in the same value as such a dump.",
    why:
      "A secret sent once is a secret lost: responses end up in browser caches, proxies, logs and screenshots. With the session-signing key an attacker mints sessions for any account; with a database password or API token they skip the application altogether. The WSGI environment carries server paths, internal host names and, under some servers, variables set for the process.",
    bad: '@app.get("/api/client-config")\ndef client_config():\n    return jsonify(stripe_key=current_app.config["STRIPE_SECRET_KEY"], debug=app.debug)',
    good: '@app.get("/api/client-config")\ndef client_config():\n    return jsonify(stripe_key=current_app.config["STRIPE_PUBLISHABLE_KEY"])',
    detection:
      "Works on the route inventory: for each view the return values are followed through `jsonify`, `make_response`, `Response`, `dict`/`str`/`json.dumps`, dict and list literals, f-strings, concatenation and one local assignment, and `render_template`'s context arguments. Config reads count only on a Flask app or `current_app` (resolved through imports and factories); attributes count only on project config classes (or their instances) and modules loaded with `from_object`/`from_pyfile`; `request` must be Flask's. A value handed to any other call (`jwt.encode(payload, key)`, `hmac.new(key, ...)`) is used, not returned, and is not reported. Names that describe a secret without holding it (`PASSWORD_MIN_LENGTH`, `JWT_TOKEN_LOCATION`, `*_PUBLIC_KEY`, `*_SITE_KEY`, `*_ID`) are ignored. In templates, token and API-key names are not reported, since pages often embed browser keys meant to be public. Severity high without authentication, medium behind it; `request.environ` and values named only like a token or API key (which may be public browser keys) are medium, or low behind authentication, with medium confidence. Routes in test files and dev-only blocks are not reported.",
    falsePositives:
      "A setting named like a secret that holds something public (a publishable key stored as `STRIPE_TOKEN`) is reported; rename the key or suppress the finding with a reason.",
    references: [
      "https://owasp.org/Top10/A01_2021-Broken_Access_Control/",
      "https://cwe.mitre.org/data/definitions/200.html",
      "https://flask.palletsprojects.com/en/stable/config/#SECRET_KEY",
    ],
  },
  check({ project, report }) {
    const inv = inventoryOf(project);
    const seen = new Set<string>();
    for (const r of inv.routes) {
      if (!r.viewDef || !r.viewMod) continue;
      const viewKey = `${r.viewMod.path}:${r.viewDef.qualname}`;
      if (seen.has(viewKey)) continue;
      seen.add(viewKey);
      const ctx = routeContext(project, r);
      if (ctx.test || ctx.devOnly) continue;
      const scope = r.viewDef.qualname;
      const authed = r.auth.length > 0 && !r.auth.every((a) => a.optional);
      for (const ret of r.viewMod.index.returns) {
        if (!ret.value || !(ret.scope === scope || ret.scope.startsWith(`${scope}.`))) continue;
        if (ret.scope !== scope && r.viewDef.kind !== "class") continue;
        const f = new Finder(project, r.viewMod);
        f.visit(ret.value, ret.scope, false, 0);
        if (f.leaks.length === 0 || f.whole) continue;
        const whats = [...new Set(f.leaks.map((l) => l.what))];
        const secret = f.leaks.some((l) => l.secret && !l.weak);
        const weakOnly = f.leaks.every((l) => l.weak);
        const how = f.leaks.every((l) => l.rendered) ? "hands the template" : "sends the client";
        let severity: Severity = secret ? "high" : "medium";
        if (authed) severity = secret ? "medium" : "low";
        report({
          file: r.viewMod.path,
          range: toRange(ret.r),
          message: `The view of \`${r.methods.join(",")} ${r.path}\` ${how} ${whats.length > 1 ? `${whats.slice(0, -1).join(", ")} and ${whats[whats.length - 1]}` : whats[0]}${how === "hands the template" ? " to put in the page" : ""}.`,
          severity,
          confidence: secret ? "high" : "medium",
          scope: ret.scope,
          context: [
            ...(authed ? [`the route requires authentication (${r.auth[0]!.name}), which limits who can read it`] : []),
            ...(weakOnly ? ["the setting is named only like a token or API key; if it is a browser key that is public by design (maps, analytics, Firebase web config), suppress the finding with that reason"] : []),
          ],
        });
      }
    }
  },
});
