import { toRange } from "../../index/ir.js";
import type { Severity } from "../../core/types.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { FlaskObject, Project } from "../../link/project.js";
import { inventoryOf, type InventoryRoute } from "../../inventory/routes.js";
import { defineRule } from "../define.js";
import { pathWords, routeContext } from "../api/routes-context.js";

/** Path words of routes that are public on purpose. */
const PUBLIC_WORDS = new Set([
  "login", "logout", "signin", "signout", "signup", "register", "registration", "reset", "forgot", "recover", "verify", "confirm", "confirmation",
  "activate", "activation", "callback", "oauth", "oauth2", "authorize", "authorized", "sso", "saml", "openid", "oidc", "health", "healthz",
  "healthcheck", "ping", "status", "ready", "readiness", "liveness", "alive", "static", "favicon", "robots", "sitemap", "webhook", "webhooks",
  "unsubscribe", "public", "well-known", "version", "about", "contact", "help", "docs", "swagger", "openapi", "metrics",
]);
/** Path words of administrative or internal areas. */
const ADMIN_WORDS = new Set(["admin", "admins", "administration", "administrator", "manage", "management", "internal", "staff", "superuser", "sudo", "backoffice"]);
/** Resources that hold per-user or private data: walking their ids is scraping. */
const PRIVATE_WORDS = new Set([
  "user", "users", "account", "accounts", "profile", "profiles", "customer", "customers", "member", "members", "employee", "employees",
  "patient", "patients", "order", "orders", "invoice", "invoices", "payment", "payments", "message", "messages", "note", "notes",
  "document", "documents", "attachment", "attachments", "address", "addresses", "contact", "contacts", "subscription", "subscriptions",
  "ticket", "tickets", "booking", "bookings", "transaction", "transactions", "session", "sessions", "key", "keys", "token", "tokens",
]);
/** Extensions whose presence on an app means it authenticates users somewhere. */
const AUTH_EXTENSIONS = /^(flask_login\.LoginManager|flask_jwt_extended\.JWTManager|flask_jwt\.JWT|flask_httpauth\.|flask_security\.Security|flask_praetorian\.Praetorian|flask_user\.UserManager|flask_oidc\.OpenIDConnect|flask_dance\.|authlib\.integrations\.flask_client\.OAuth|flask_simplelogin\.SimpleLogin|flask_basicauth\.BasicAuth)/;
const WRITE_METHODS = new Set(["commit", "insert_one", "insert_many", "update_one", "update_many", "delete_one", "delete_many", "replace_one", "bulk_write"]);
const ID_PARAM = /<(?:(int|uuid|string|path)(?:\([^)]*\))?:)?([A-Za-z_][A-Za-z0-9_]*)>/g;

interface Sensitivity {
  severity: Severity;
  why: string;
}

/** Whether the view itself writes to a database (`db.session.commit()`, `collection.insert_one(...)`). */
function viewWrites(mod: ModuleInfo, qualname: string): boolean {
  return mod.index.calls.some((c) => (c.scope === qualname || c.scope.startsWith(`${qualname}.`)) && c.call.fn.k === "attr" && WRITE_METHODS.has(c.call.fn.name));
}

function idParams(path: string): string[] {
  const out: string[] = [];
  for (const m of path.matchAll(ID_PARAM)) {
    const [, conv, name] = m;
    if (conv === "int" || conv === "uuid" || /(^|_)(id|uuid|pk|guid)$/i.test(name!)) out.push(name!);
  }
  return out;
}

/** Why an unauthenticated route is sensitive, or null when it is not (or is public by design). */
function sensitivity(r: InventoryRoute): Sensitivity | null {
  const words = pathWords(r.path);
  const epWords = (r.endpoint ?? "").split(/[._]+/).map((w) => w.toLowerCase());
  if (r.path === "/" || r.path === "") return null;
  if (words.some((w) => PUBLIC_WORDS.has(w)) || (words.length === 0 && epWords.some((w) => PUBLIC_WORDS.has(w)))) return null;
  const admin = words.find((w) => ADMIN_WORDS.has(w));
  if (admin) return { severity: "high", why: `it sits under the \`${admin}\` area` };
  const ids = idParams(r.path);
  const privateWord = words.find((w) => PRIVATE_WORDS.has(w));
  const writes = r.viewMod !== null && r.viewDef !== null && viewWrites(r.viewMod, r.viewDef.qualname);
  // A method list alone changes nothing (an echo service accepts DELETE); the view must write or address a record.
  const changing = r.methods.filter((m) => m === "PUT" || m === "PATCH" || m === "DELETE");
  if (changing.length > 0 && (writes || ids.length > 0)) return { severity: "high", why: `it accepts ${changing.join("/")} ${writes ? "and its view writes to the database" : `on a record named by \`${ids[0]}\``}` };
  if (r.methods.includes("POST") && writes) return { severity: "high", why: "it accepts POST and its view writes to the database" };
  if (ids.length > 0 && privateWord) return { severity: "medium", why: `it returns records under \`/${privateWord}\` by \`${ids[0]}\`, an identifier anyone can walk` };
  return null;
}

function appAuthenticates(project: Project, app: FlaskObject | null, routes: InventoryRoute[]): boolean {
  if (routes.some((r) => r.auth.length > 0 || r.misorderedAuth.length > 0)) return true;
  if (!app) return project.extensions.some((e) => AUTH_EXTENSIONS.test(e.cls));
  return project.extensions.some((e) => AUTH_EXTENSIONS.test(e.cls) && (e.apps.includes(app) || e.apps.length === 0));
}

export default defineRule({
  id: "FLASK-AUTH-001",
  title: "Sensitive route without authentication",
  family: "auth",
  severity: "high",
  confidence: "medium",
  cwe: [306, 862, 639],
  owasp: "A01:2021",
  tags: ["routes", "authentication", "access-control", "api-inventory"],
  impact:
    "Anyone who can reach the app can call the route: change or delete data, use the administrative area, or read private records one identifier after another (the scraping that exposed millions of profiles in well-known API breaches).",
  fix: "Put the app's guard on the route, below the route decorator (`@bp.route(...)` then `@login_required`, `@jwt_required()` or your own guard), or guard the whole blueprint with a `before_request` hook that refuses anonymous requests. Check that the caller may see the object the identifier names, not only that someone is logged in.",
  mitigation: "Restrict administrative paths at the reverse proxy, rate-limit identifier lookups, and prefer identifiers that cannot be enumerated (random UUIDs) for records reachable from outside.",
  docs: {
    what:
      "Reports routes with no authentication control that are sensitive: they sit under an administrative or internal path (`/admin`, `/manage`, `/internal`), accept PUT, PATCH or DELETE on a record named in the URL or with a view that writes to a database, accept POST with a view that writes (`commit()`, `insert_one()`, ...), or return per-user records by an identifier in the URL (`/users/<int:user_id>`). It also reports an authentication decorator placed above the route decorator, which leaves the registered view unprotected, and, for an app with no authentication anywhere, one finding on the app instead of one per route.",
    why:
      "Missing authentication on one route is enough: attackers list routes from JavaScript bundles, mobile apps and old documentation, and try the ones without a guard. Routes that take a numeric id are the easiest to harvest, since the ids can be counted. Flask registers the function as it is when the route decorator runs, so a `@login_required` written above `@app.route` wraps a function nobody calls and the route stays open while the code looks protected.",
    bad: '@bp.route("/admin/users/<int:user_id>")\ndef admin_user(user_id):\n    return jsonify(load_user_row(user_id))\n\n@login_required            # above the route: does not protect it\n@bp.route("/notes/<int:note_id>", methods=["DELETE"])\ndef delete_note(note_id): ...',
    good: '@bp.route("/admin/users/<int:user_id>")\n@login_required\n@admin_required\ndef admin_user(user_id):\n    return jsonify(load_user_row(user_id))\n\n@bp.route("/notes/<int:note_id>", methods=["DELETE"])\n@login_required\ndef delete_note(note_id): ...',
    detection:
      "Works on the route inventory, which resolves every guard through imports: Flask-Login `login_required`/`fresh_login_required`, Flask-JWT-Extended `jwt_required()` and `verify_jwt_in_request()` in the view, Flask-HTTPAuth `auth.login_required`, Flask-Security and Flask-User decorators, `MethodView.decorators` and flask-restful `method_decorators`, `before_request` hooks of the app or the blueprint, and custom decorators, defined in any module, whose wrapper refuses the request (aborts with or returns 401/403, raises Unauthorized/Forbidden, redirects to a login endpoint, calls the login manager's `unauthorized()`). Names listed in `[tool.flaskwarden.routes] auth-decorators` count as guards too. Routes that are public by design are skipped: the index `/`, and paths naming login, signup, password reset, confirmation, OAuth callbacks, health and status checks, static files, webhooks, docs. An app with no guard on any route and no authentication extension gets one app-level finding listing its sensitive routes. Routes in test files, on apps built for tests, or registered only in dev-only blocks are ignored.",
    falsePositives:
      "Guards the scanner cannot see (a check in the reverse proxy, an API gateway, a WSGI middleware, a hook that does not refuse with 401/403 or a login redirect) lead to findings on protected routes; name custom guards in `[tool.flaskwarden.routes] auth-decorators`, or suppress the finding naming where the check happens. A route that serves public records by id on purpose (a public profile page) is reported when its path names a private resource such as users or orders.",
    references: [
      "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/",
      "https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/",
      "https://flask-login.readthedocs.io/en/latest/#flask_login.login_required",
      "https://flask.palletsprojects.com/en/stable/patterns/viewdecorators/",
      "https://cwe.mitre.org/data/definitions/306.html",
    ],
  },
  check({ project, report }) {
    const inv = inventoryOf(project);
    const byApp = new Map<FlaskObject | null, InventoryRoute[]>();
    for (const r of inv.routes) {
      const ctx = routeContext(project, r);
      if (ctx.test || ctx.devOnly) continue;
      const list = byApp.get(r.app) ?? [];
      list.push(r);
      byApp.set(r.app, list);
    }
    const done = new Set<string>();
    for (const [app, routes] of byApp) {
      const sensitive = routes.map((r) => ({ r, s: r.auth.length === 0 ? sensitivity(r) : null })).filter((x) => x.s !== null);
      // Guards placed above the route decorator.
      for (const r of routes) {
        if (r.misorderedAuth.length === 0 || r.auth.length > 0) continue;
        const m = r.misorderedAuth[0]!;
        const key = `${r.file}:${m.r}`;
        if (done.has(key)) continue;
        done.add(key);
        report({
          file: m.file,
          range: toRange(m.r),
          message: `\`${m.name.replace(/\(\)/g, "")}\` is placed above the route decorator of \`${r.methods.join(",")} ${r.path}\`: Flask registered the undecorated view, so the route is not protected. Move it below \`@...route(...)\`.`,
          severity: "high",
          confidence: "high",
          scope: r.viewDef?.qualname ?? "",
        });
      }
      if (!appAuthenticates(project, app, routes)) {
        if (sensitive.length === 0 || !app) continue;
        const examples = sensitive.slice(0, 3).map((x) => `\`${x.r.methods.join(",")} ${x.r.path}\``);
        report({
          file: app.mod.path,
          range: toRange(app.call.r),
          message: `No route of this app has authentication and no login extension is bound to it, yet ${sensitive.length} route${sensitive.length === 1 ? " is" : "s are"} sensitive (${examples.join(", ")}${sensitive.length > 3 ? ", ..." : ""}).`,
          severity: sensitive.some((x) => x.s!.severity === "high") ? "high" : "medium",
          confidence: "low",
          scope: app.scope,
        });
        continue;
      }
      for (const { r, s } of sensitive) {
        if (r.misorderedAuth.length > 0) continue;
        const key = `${r.file}:${r.route.r}`;
        if (done.has(key)) continue;
        done.add(key);
        report({
          file: r.file,
          range: toRange(r.route.r),
          message: `\`${r.methods.join(",")} ${r.path}\` has no authentication although ${s!.why}; other routes of this app are protected.`,
          severity: s!.severity,
          scope: r.viewDef?.qualname ?? "",
        });
      }
    }
  },
});
