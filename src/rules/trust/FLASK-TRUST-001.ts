import type { DefFact, Expr } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { Step } from "../../index/body.js";
import type { ModuleInfo } from "../../link/modules.js";
import { isTestPath, type Project } from "../../link/project.js";
import type { TaintHit } from "../../taint/index.js";
import { REQUEST_ATTRS, REQUEST_METHODS, REQUEST_OBJECTS } from "../../taint/models.js";
import { functionBodies, localValues, walkBody } from "../auth/bodies.js";
import { hitsBySink } from "../dataflow.js";
import { defineRule } from "../define.js";
import { walkExpr } from "../session/facts.js";

/**
 * Calls that check a credential: a password hash, a signed or one-time token, an LDAP bind. A function
 * that makes one has authenticated the client before it records who they are.
 */
const CREDENTIAL_CHECK = /check_?pass|checkpw|verify|authenticat|check_?cred|check_?auth|check_?login|validate_?(login|password|credentials|token|otp)|compare_digest|^(simple_)?bind(_s)?$|confirm_token|^loads$|password_matches/i;

const LOGIN_USER = /^flask_login(\.utils)?\.login_user$/;

/** Lowered bodies by "path:qualname", built once per project. */
const bodiesCache = new WeakMap<Project, Map<string, { mod: ModuleInfo; def: DefFact; steps: Step[] }>>();

function bodies(project: Project): Map<string, { mod: ModuleInfo; def: DefFact; steps: Step[] }> {
  let m = bodiesCache.get(project);
  if (!m) {
    m = new Map(functionBodies(project).map((b) => [`${b.mod.path}:${b.def.qualname}`, b]));
    bodiesCache.set(project, m);
  }
  return m;
}

/** Whether a function body calls something that checks a credential (anywhere in it). */
function checksCredential(steps: Step[]): boolean {
  let found = false;
  walkBody(steps, (e) => {
    if (found) return;
    walkExpr(e, (x) => {
      if (found || x.k !== "call") return;
      const name = x.fn.k === "name" ? x.fn.id : x.fn.k === "attr" ? x.fn.name : "";
      if (CREDENTIAL_CHECK.test(name)) found = true;
    });
  });
  return found;
}

/** The function that contains a position of a file, from the module's definitions (innermost first). */
function enclosing(project: Project, file: string, r: string): { mod: ModuleInfo; def: DefFact } | null {
  const mod = project.pythonModules().find((m) => m.path === file);
  if (!mod) return null;
  const [line] = r.split(":").map(Number) as [number];
  let best: DefFact | null = null;
  for (const d of mod.index.defs) {
    if (d.kind !== "function") continue;
    const [sl, , el] = d.r.split(":").map(Number) as [number, number, number];
    if (sl <= line && line <= el && (!best || sl >= Number(best.r.split(":")[0]))) best = d;
  }
  return best ? { mod, def: best } : null;
}

/** The functions a hit passes through at its ends: where the data is read and where it is stored. */
function credentialChecked(project: Project, h: TaintHit): boolean {
  const ends = [h.trace[0], h.trace[h.trace.length - 1]].filter((x): x is NonNullable<typeof x> => !!x);
  for (const s of ends) {
    const fn = enclosing(project, s.file, s.r);
    const body = fn ? bodies(project).get(`${fn.mod.path}:${fn.def.qualname}`) : undefined;
    if (body && checksCredential(body.steps)) return true;
  }
  return false;
}

/** Where a login's user object comes from: request data used to look a user up (not to create one). */
function lookedUpFromRequest(project: Project, mod: ModuleInfo, def: DefFact, e: Expr, locals: Map<string, Expr[]>, urlParams: Set<string>, depth = 0): string | null {
  if (depth > 5) return null;
  let found: string | null = null;
  walkExpr(e, (x) => {
    if (found) return;
    if (x.k === "name") {
      if (urlParams.has(x.id)) found = `URL parameter \`${x.id}\``;
      else for (const v of locals.get(x.id) ?? []) found ??= lookedUpFromRequest(project, mod, def, v, locals, urlParams, depth + 1);
    } else if (x.k === "attr" && REQUEST_ATTRS.has(x.name) && x.name !== "environ" && project.extPaths(mod, def.qualname, x.obj).some((p) => REQUEST_OBJECTS.has(p))) {
      found = `\`request.${x.name}\``;
    } else if (x.k === "call" && x.fn.k === "attr" && REQUEST_METHODS.has(x.fn.name) && project.extPaths(mod, def.qualname, x.fn.obj).some((p) => REQUEST_OBJECTS.has(p))) {
      found = `\`request.${x.fn.name}()\``;
    }
  });
  if (!found) return null;
  // `User(name=form.name.data)` creates the account the client just registered: logging it in is the point.
  if (e.k === "call") {
    const vals = project.resolve(mod, def.qualname, e.fn);
    const name = e.fn.k === "name" ? e.fn.id : e.fn.k === "attr" ? e.fn.name : "";
    if (vals.some((v) => v.t === "def" && v.def.kind === "class") || (!vals.some((v) => v.t === "def") && /^[A-Z]/.test(name))) return null;
  }
  return found;
}

export default defineRule({
  id: "FLASK-TRUST-001",
  title: "Request data trusted as identity or authorisation state",
  family: "trust",
  severity: "high",
  confidence: "medium",
  cwe: [501, 639, 287],
  owasp: "A01:2021",
  tags: ["trust-boundary", "session", "authorization", "data-flow"],
  impact:
    "The client decides who it is or what it may do: by sending another user's id it becomes that user, by sending `role=admin` it becomes an administrator, and the app's own signature on the session or token makes the forged claim look genuine to every later request.",
  fix: "Record identity only after checking a credential (a password hash, a signed token, an SSO assertion), and store what the server looked up (`session[\"user_id\"] = user.id`), never what the client sent. Derive roles and flags from the database on each request instead of accepting them from forms, query strings or headers.",
  mitigation: "Load the user and their permissions from the server's own records in a `before_request` hook or Flask-Login's user loader, so a wrong value in the session can at worst name a user, not grant rights.",
  docs: {
    what:
      "Reports request data (query string, form, JSON body, headers, cookies, URL parameters, also converted with `int()` or turned into a flag by a comparison) stored as authorisation state without a credential check on the way: written to a `session` key or `g` attribute that holds identity or rights, used to look up the user handed to Flask-Login's `login_user`, or signed into a token (`jwt.encode`, Flask-JWT-Extended's `create_access_token`, itsdangerous serializers and signers). Session keys and `g` attributes count as authorisation state when their name speaks of the user or their rights: a word such as `user`, `uid`, `username`, `account`, `customer`, `role`, `admin`, `permissions`, `groups`, `scopes`, `tenant`, `owner`, `auth`, `verified`, `otp`, or an `is_`/`can_`/`has_` prefix, and no word of interface state (`next`, `url`, `lang`, `theme`, `sort`, `filter`, `page`, `search`, `tab`, `view`, `prefs`, `last`, `draft`: `user_sort` or `login_next` are preferences). Other keys (`lang`, `theme`, `next`, `cart`, `group_by`, `level`) are preferences the client may set. `email` alone does not count: apps keep a typed address to fill in a form again far more often than they keep identity under that name.",
    why:
      "Flask signs the session cookie, so the app trusts whatever it finds there. Writing client input into it converts an unverified claim into a signed one. The same goes for tokens the app issues and for `g`, which later code reads as the authenticated user.",
    bad: '@app.post("/switch")\ndef switch():\n    session["user_id"] = request.form["user_id"]\n    return redirect("/")',
    good: '@app.post("/login")\ndef login():\n    user = User.query.filter_by(email=request.form["email"]).first()\n    if user is None or not check_password_hash(user.password_hash, request.form["password"]):\n        abort(401)\n    session["user_id"] = user.id\n    return redirect("/")',
    detection:
      "Session, `g` and token writes use the data-flow engine (request data to a `session[...]`/`g.x` assignment or a token-signing call, across helper functions). A value compared with values chosen in code first (`if role not in ALLOWED_ROLES: abort(400)`) is not reported, nor one in a function (where the data is read or where it is stored) that checks a credential: a call named like `check_password_hash`, `check_password`, `checkpw`, `verify...`, `authenticate...`, `compare_digest`, an LDAP `bind`, or a serializer's `loads`. `login_user` is checked within its function: the user object must come from a lookup whose arguments include request data or a URL parameter, and the function must not check a credential; a user object built by the project's own class (a sign-up) is not reported. `request.environ` is not treated as client data here (the WSGI server sets `REMOTE_USER`). Test files are skipped.",
    falsePositives:
      "A credential check the rule cannot see by name (a helper called `is_good(pw)`) leaves the finding in place; rename the helper or suppress with the reason. Identity taken from a header that a trusted authentication proxy sets (and strips from client requests) is reported: say so in a suppression.",
    references: [
      "https://cwe.mitre.org/data/definitions/501.html",
      "https://owasp.org/Top10/A01_2021-Broken_Access_Control/",
      "https://flask-login.readthedocs.io/en/latest/#how-it-works",
    ],
  },
  check({ project, report }) {
    for (const hits of hitsBySink(project, ["trust"], { skip: (h) => h.origin === "request.environ" })) {
      const open = hits.filter((h) => !credentialChecked(project, h));
      if (open.length === 0) continue;
      const h = open[0]!;
      const origin = h.origin.startsWith("request.") ? `\`${h.origin}\`` : h.origin;
      const token = h.what !== "authorisation state" && h.what !== "the name of a session key";
      const via = h.trace.length > 2 ? ` in ${h.trace.length - 1} steps (see the trace)` : "";
      report({
        file: h.file,
        range: toRange(h.r),
        message: token
          ? `Data from ${origin} reaches \`${h.sink}\` as ${h.what}${via} with no credential check on the way: the app signs whatever identity the client sends.`
          : h.what === "the name of a session key"
            ? `Data from ${origin} chooses which session key \`${h.sink}\` writes${via}: the client can set any key of its signed session, including the ones that say who it is.`
            : `Data from ${origin} is stored as ${h.sink}${via} with no credential check on the way: the client decides who it is or what it may do.`,
        scope: h.scope,
        trace: h.trace.map((s) => ({ file: s.file, range: toRange(s.r), message: s.message })),
      });
    }

    // `login_user(...)` with a user looked up from request data, and no credential checked in the function.
    const views = new Map<DefFact, Set<string>>();
    for (const r of project.routes) {
      if (!r.view || r.view.kind !== "function") continue;
      const names = new Set<string>();
      for (const rule of [r.rule ?? "", ...r.fullPaths]) for (const m of rule.matchAll(/<(?:[a-zA-Z_]\w*(?:\([^)]*\))?:)?([a-zA-Z_]\w*)>/g)) names.add(m[1]!);
      views.set(r.view, new Set([...(views.get(r.view) ?? []), ...names]));
    }
    for (const { mod, def, steps } of bodies(project).values()) {
      if (isTestPath(mod.path)) continue;
      const logins: Extract<Expr, { k: "call" }>[] = [];
      walkBody(steps, (e) =>
        walkExpr(e, (x) => {
          if (x.k === "call" && project.extPaths(mod, def.qualname, x.fn).some((p) => LOGIN_USER.test(p))) logins.push(x);
        }),
      );
      if (logins.length === 0 || checksCredential(steps)) continue;
      const locals = localValues(steps);
      const urlParams = views.get(def) ?? new Set<string>();
      for (const c of logins) {
        const arg = c.args[0] ?? c.kw.find((k) => k.name === "user")?.value;
        if (!arg) continue;
        const from = lookedUpFromRequest(project, mod, def, arg, locals, urlParams);
        if (!from) continue;
        report({
          file: mod.path,
          range: toRange(c.r),
          message: `\`login_user\` logs in a user looked up from ${from}, and \`${def.name}\` checks no password or token first: the client picks the account it is logged into.`,
          scope: def.qualname,
        });
      }
    }
  },
});
