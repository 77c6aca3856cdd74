import type { Expr } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { Step } from "../../index/body.js";
import type { Severity } from "../../core/types.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { Project } from "../../link/project.js";
import { inventoryOf, type InventoryRoute } from "../../inventory/routes.js";
import { defineRule, type RuleReport } from "../define.js";
import { pathWords, routeContext } from "../api/routes-context.js";
import { bodyOf, functionBodies, localValues, requestContainer, walkBody, type Cond } from "../auth/bodies.js";
import { FLASK_SESSION, walkExpr } from "../session/facts.js";

const DB_WRITES = new Set(["commit", "insert_one", "insert_many", "update_one", "update_many", "delete_one", "delete_many", "replace_one", "bulk_write", "find_one_and_delete", "find_one_and_update"]);
const SQL_WRITE = /^\s*(insert|update|delete|replace|drop|truncate|alter)\b/i;
const FILE_CALLS: Record<string, string> = {
  "os.remove": "deletes a file",
  "os.unlink": "deletes a file",
  "os.rename": "renames a file",
  "os.replace": "replaces a file",
  "os.rmdir": "removes a directory",
  "shutil.rmtree": "removes a directory tree",
  "shutil.move": "moves files",
};
const MAIL = /^flask_mail(\.[a-z_]+)*\.Mail\(\)\.(send|send_message)$|^smtplib\.SMTP(_SSL)?\(\)\.(sendmail|send_message)$|^flask_mail(\.[a-z_]+)*\.Message\(\)\.send$/;
const LOGOUT = /^flask_login(\.utils)?\.logout_user$|^flask_security(\.utils)?\.logout_user$/;
const SESSION_METHODS = new Set(["pop", "clear", "update", "setdefault", "popitem"]);
/** Paths whose session writes are the protocol's own state (OAuth state, login redirects). */
const AUTH_FLOW_WORDS = new Set(["login", "signin", "oauth", "oauth2", "callback", "authorize", "authorized", "sso", "saml", "openid", "oidc", "auth"]);
/** Query parameter names that carry credentials. */
const SECRET_PARAM = /^(api[-_]?key|apikey|access[-_]?token|auth[-_]?token|token|secret|client[-_]?secret|password|passwd|pwd|private[-_]?key|session[-_]?id|sessionid)$/i;

interface Change {
  what: string;
  severity: Severity;
  r: string | undefined;
}

/** Whether a condition can hold on a GET request; false for `request.method == "POST"` and `form.validate_on_submit()`. */
function holdsOnGet(project: Project, mod: ModuleInfo, scope: string, c: Cond): boolean {
  const t = c.test;
  // `form is not None and form.validate_on_submit()`: a conjunction holds only if every part can;
  // negations and disjunctions follow De Morgan.
  if (t.k === "not") return holdsOnGet(project, mod, scope, { ...c, test: t.e, negated: !c.negated });
  if (t.k === "boolop") {
    const l = holdsOnGet(project, mod, scope, { ...c, test: t.l });
    const r = holdsOnGet(project, mod, scope, { ...c, test: t.rt });
    const conjunction = (t.op === "and") !== c.negated;
    return conjunction ? l && r : l || r;
  }
  const isMethod = (e: Expr) => e.k === "attr" && e.name === "method" && project.extPaths(mod, scope, e.obj).some((p) => /^(flask(\.globals)?|quart)\.request$/.test(p));
  if (t.k === "cmp" && t.operands.length === 2 && t.ops.length === 1) {
    const [a, b] = t.operands as [Expr, Expr];
    const other = isMethod(a) ? b : isMethod(b) ? a : null;
    if (other) {
      const set = other.k === "str" ? [other.v.toUpperCase()] : other.k === "seq" ? other.elts.flatMap((x) => (x.k === "str" ? [x.v.toUpperCase()] : [])) : null;
      if (set) {
        const op = t.ops[0]!;
        const has = set.includes("GET");
        let holds = op === "==" || op === "in" ? has : op === "!=" || op === "not in" ? !has : true;
        if (c.negated) holds = !holds;
        return holds;
      }
    }
  }
  if (!c.negated && t.k === "call" && t.fn.k === "attr" && (t.fn.name === "validate_on_submit" || t.fn.name === "is_submitted")) return false;
  return true;
}

/** State changes an expression makes; `target` when it is an assignment target. */
function changesIn(project: Project, mod: ModuleInfo, scope: string, e: Expr, target: boolean, withSession: boolean, out: Change[]): void {
  if (target) {
    if (withSession && e.k === "sub" && project.extPaths(mod, scope, e.obj).some((p) => FLASK_SESSION.test(p))) out.push({ what: "writes to the session", severity: "low", r: e.r });
    return;
  }
  walkExpr(e, (x) => {
    if (x.k !== "call") return;
    const fn = x.fn;
    if (fn.k === "attr" && DB_WRITES.has(fn.name)) {
      // `commit` of a git repository object or similar is rare enough in views; request.* never commits.
      out.push({ what: fn.name === "commit" ? "commits a database transaction" : `writes to the database (\`${fn.name}\`)`, severity: "medium", r: x.r });
      return;
    }
    if (fn.k === "attr" && (fn.name === "execute" || fn.name === "executemany") && x.args[0]?.k === "str" && SQL_WRITE.test(x.args[0].v)) {
      out.push({ what: `runs \`${x.args[0].v.trim().split(/\s+/)[0]!.toUpperCase()}\``, severity: "medium", r: x.r });
      return;
    }
    const paths = project.extPaths(mod, scope, fn);
    for (const p of paths) {
      if (FILE_CALLS[p]) out.push({ what: FILE_CALLS[p]!, severity: "medium", r: x.r });
      else if (MAIL.test(p)) out.push({ what: "sends mail", severity: "medium", r: x.r });
      else if (LOGOUT.test(p)) out.push({ what: "logs the user out", severity: "low", r: x.r });
    }
    if (fn.k === "name" && fn.id === "open" && paths.every((p) => p === "builtins.open" || p === "io.open")) {
      const mode = x.args[1] ?? x.kw.find((k) => k.name === "mode")?.value;
      if (mode?.k === "str" && /[wax+]/.test(mode.v)) out.push({ what: "writes a file", severity: "medium", r: x.r });
    }
    if (withSession && fn.k === "attr" && SESSION_METHODS.has(fn.name) && project.extPaths(mod, scope, fn.obj).some((p) => FLASK_SESSION.test(p))) out.push({ what: `changes the session (\`session.${fn.name}\`)`, severity: "low", r: x.r });
  });
}

/** Whether `value` reads the same constant key of the same object that `target` (`obj[key]`) writes. */
function readsSameKey(target: Extract<Expr, { k: "sub" }>, value: Expr): boolean {
  if (target.key.k !== "str") return false;
  const key = target.key.v;
  const sameObj = (o: Expr) => JSON.stringify(stripRanges(o)) === JSON.stringify(stripRanges(target.obj));
  let found = false;
  walkExpr(value, (x) => {
    if (x.k === "sub" && x.key.k === "str" && x.key.v === key && sameObj(x.obj)) found = true;
    if (x.k === "call" && x.fn.k === "attr" && x.fn.name === "get" && x.args[0]?.k === "str" && x.args[0].v === key && sameObj(x.fn.obj)) found = true;
  });
  return found;
}

function stripRanges(e: Expr): unknown {
  return JSON.parse(JSON.stringify(e, (k, v) => (k === "r" ? undefined : v)));
}

/** State changes a body makes on the GET path; project helpers it calls are followed one level. */
function getChanges(project: Project, mod: ModuleInfo, scope: string, steps: Step[], withSession: boolean, depth: number): Change[] {
  const out: Change[] = [];
  const helpers: Extract<Expr, { k: "call" }>[] = [];
  walkBody(steps, (e, conds, step) => {
    if (!conds.every((c) => holdsOnGet(project, mod, scope, c))) return;
    if (step.s === "if" && e === step.test) return;
    const target = step.s === "assign" && step.targets.includes(e);
    // `session["name"] = session.get("name") or default` only fills in a missing value: not a change
    // another site could force on the visitor.
    if (target && step.s === "assign" && e.k === "sub" && readsSameKey(e, step.value)) return;
    changesIn(project, mod, scope, e, target, withSession, out);
    if (depth === 0 && !target) walkExpr(e, (x) => void (x.k === "call" && helpers.push(x)));
  });
  if (depth === 0 && out.length === 0) {
    for (const call of helpers) {
      for (const v of project.resolve(mod, scope, call.fn)) {
        if (v.t !== "def" || v.def.kind !== "function") continue;
        const body = bodyOf(v.mod, v.def);
        // Modules outside the Flask world keep no bodies; their call facts still name what they call.
        const inner = body ? getChanges(project, v.mod, v.def.qualname, body, false, depth + 1) : indexedChanges(project, v.mod, v.def.qualname);
        if (inner.length > 0) out.push({ ...inner[0]!, what: `${inner[0]!.what} (in \`${v.def.name}\`)`, r: call.r });
      }
    }
  }
  return out;
}

/** State changes of a function read from the per-file index (calls with their callee; arguments only where kept). */
function indexedChanges(project: Project, mod: ModuleInfo, qualname: string): Change[] {
  const out: Change[] = [];
  for (const c of mod.index.calls) {
    if (c.scope !== qualname && !c.scope.startsWith(`${qualname}.`)) continue;
    changesIn(project, mod, c.scope, c.call, false, false, out);
  }
  return out;
}

function checkGetHandlers(project: Project, report: (r: RuleReport) => void): void {
  const done = new Set<string>();
  for (const r of inventoryOf(project).routes) {
    if (!r.methods.includes("GET") || !r.viewDef || !r.viewMod) continue;
    const key = `${r.file}:${r.route.r}`;
    if (done.has(key)) continue;
    const ctx = routeContext(project, r);
    if (ctx.test || ctx.devOnly) continue;
    const steps = r.kind === "route" ? bodyOf(r.viewMod, r.viewDef) : getMethodBody(r);
    if (!steps) continue;
    const scope = r.kind === "route" ? r.viewDef.qualname : `${r.viewDef.qualname}.get`;
    const authFlow = pathWords(r.path).some((w) => AUTH_FLOW_WORDS.has(w)) || (r.endpoint ?? "").split(/[._]/).some((w) => AUTH_FLOW_WORDS.has(w.toLowerCase()));
    const changes = getChanges(project, r.viewMod, scope, steps, !authFlow, 0);
    if (changes.length === 0) continue;
    done.add(key);
    const severity: Severity = changes.some((c) => c.severity === "medium") ? "medium" : "low";
    const whats = [...new Set(changes.filter((c) => c.severity === severity).map((c) => c.what))];
    const only = r.methods.filter((m) => m !== "HEAD" && m !== "OPTIONS");
    report({
      file: r.file,
      range: toRange(r.route.r),
      message: `\`${only.join(",")} ${r.path}\` answers GET and its handler ${whats.join(", ")} on that path: a link, an image tag, a prefetching browser or a crawler can trigger it, and GET requests get no CSRF check. Accept the change only on POST (or PUT/PATCH/DELETE).`,
      severity,
      confidence: severity === "medium" ? "high" : "medium",
      context: [],
      scope: r.viewDef.qualname,
    });
  }
}

/** The `get` method of a MethodView or flask-restful resource. */
function getMethodBody(r: InventoryRoute): Step[] | null {
  const m = r.viewMod!.index.defs.find((d) => d.kind === "function" && d.qualname === `${r.viewDef!.qualname}.get`);
  return m ? bodyOf(r.viewMod!, m) : null;
}

function secretSeverity(name: string): Severity {
  return /^token$/i.test(name) ? "low" : "medium";
}

function checkQuerySecrets(project: Project, report: (r: RuleReport) => void): void {
  const inv = inventoryOf(project);
  const getOnlyViews = new Set(inv.routes.filter((r) => r.kind === "route" && r.methods.every((m) => m === "GET" || m === "HEAD" || m === "OPTIONS")).map((r) => r.viewDef));
  for (const { mod, def, steps } of functionBodies(project)) {
    const scope = def.qualname;
    const ctx = project.contextOf(mod, def);
    if (ctx.test) continue;
    let locals: Map<string, Expr[]> | null = null;
    walkBody(steps, (e) => {
      walkExpr(e, (x) => {
        if (x.k === "ref") return;
        let key: string | null = null;
        let container: string | null = null;
        if (x.k === "call" && x.fn.k === "attr" && x.fn.name === "get" && x.args[0]?.k === "str") {
          container = requestContainer(project, mod, scope, x.fn.obj);
          key = x.args[0].v;
        } else if (x.k === "sub" && x.key.k === "str") {
          container = requestContainer(project, mod, scope, x.obj);
          key = x.key.v;
        }
        if (container && key && (container === "query string" || container === "form or query string") && SECRET_PARAM.test(key) && x.r) {
          // A GET-only view reading a bare `token` is the landing page of a link someone else built
          // (a mailed confirmation, a third-party callback); the url_for check covers links we build.
          if (/^token$/i.test(key) && getOnlyViews.has(def)) return;
          report({
            file: mod.path,
            range: toRange(x.r),
            message: `The credential \`${key}\` is read from the ${container}: URLs end up in server and proxy logs, browser history and Referer headers, so the secret leaks. Take it from a header (\`Authorization\`, \`X-API-Key\`) or a POST body.`,
            severity: ctx.devOnly ? "low" : secretSeverity(key),
            confidence: "high",
            context: ctx.reasons,
            scope,
          });
          return;
        }
        // url_for("endpoint", token=...) builds a query string unless the rule names the parameter.
        if (x.k !== "call" || !x.r || x.args[0]?.k !== "str") return;
        if (!project.extPaths(mod, scope, x.fn).some((p) => /^flask(\.helpers)?\.url_for$/.test(p))) return;
        const endpoint = x.args[0].v;
        const targets = inv.routes.filter((rt) => rt.endpoint === endpoint);
        if (targets.length === 0) return;
        for (const k of x.kw) {
          if (!k.name || !SECRET_PARAM.test(k.name)) continue;
          const name = k.name;
          if (targets.some((rt) => new RegExp(`<(?:[^:>]+:)?${name}>`).test(rt.path))) continue;
          locals ??= localValues(steps);
          report({
            file: mod.path,
            range: toRange(x.r),
            message: `\`url_for("${endpoint}", ${name}=...)\` puts the credential \`${name}\` in the query string (the route has no \`<${name}>\` in its path): it will be logged and sent on in Referer headers. Put it in the path of a single-use link, a POST body or a header.`,
            severity: ctx.devOnly ? "low" : secretSeverity(name),
            confidence: "medium",
            context: ctx.reasons,
            scope,
          });
          return;
        }
      });
    });
  }
}

export default defineRule({
  id: "FLASK-HTTP-001",
  title: "State change on GET, or a secret in the URL",
  family: "http",
  severity: "medium",
  confidence: "high",
  cwe: [650, 598, 352],
  owasp: "A04:2021",
  tags: ["http-methods", "csrf", "information-disclosure", "routes"],
  impact:
    "A GET that deletes, writes or sends mail runs whenever anything fetches the URL: an image tag on another site, a chat preview, a browser prefetch or a crawler, and CSRF protection does not cover GET. Credentials in URLs are copied into access logs, proxy logs, browser history and the Referer header of every outgoing link.",
  fix: "Make the route accept POST (or PUT/PATCH/DELETE) for the change, with a CSRF token when the session is cookie based, and keep GET for reading. Read API keys and tokens from headers or the request body, never from `request.args`, and do not pass them to `url_for` as query parameters.",
  mitigation: "Strip query strings from access logs and set `Referrer-Policy: no-referrer` on pages that receive tokens.",
  docs: {
    what:
      "Reports routes that answer GET and whose handler, on a path a GET request can take, changes state: commits a database transaction or calls a write method (`insert_one`, `delete_many`, ...), runs an INSERT/UPDATE/DELETE statement, deletes, renames or writes files, sends mail, logs the user out (low) or writes to the session (low). It also reports credentials read from the query string (`request.args[\"token\"]`, `request.args.get(\"api_key\")`, `request.values.get(\"password\")`) and `url_for(endpoint, token=...)` calls whose target route does not take that name as a path parameter.",
    why:
      "HTTP promises that GET only reads, and every layer relies on it: browsers prefetch links, mail scanners and chat apps open them to build previews, crawlers follow them, and CSRF defences only look at POST and friends. A `/notes/<id>/delete` served on GET can be triggered by `<img src=...>` on any page the victim visits. A key in the URL lives on in logs and Referer headers long after the request.",
    bad: '@bp.route("/notes/<int:note_id>/delete")\n@login_required\ndef delete(note_id):\n    db.session.delete(Note.query.get_or_404(note_id))\n    db.session.commit()\n    return redirect(url_for("notes.index"))\n\nkey = request.args.get("api_key")',
    good: '@bp.route("/notes/<int:note_id>/delete", methods=["POST"])\n@login_required\ndef delete(note_id):\n    db.session.delete(Note.query.get_or_404(note_id))\n    db.session.commit()\n    return redirect(url_for("notes.index"))\n\nkey = request.headers.get("X-API-Key")',
    detection:
      "Works on the route inventory (routes, `add_url_rule`, the `get` method of MethodView and flask-restful resources) and the lowered view bodies. Branches a GET cannot take are skipped: `if request.method == \"POST\":`, `request.method in (...)` without GET, `form.validate_on_submit()`, and code after `if request.method == \"GET\": return ...`. Project functions the view calls are followed one level for database, file and mail writes. `session` writes are not counted on login, logout and OAuth routes, where they hold the protocol's state. Query-string credentials match `request.args`/`request.values` reads with names such as token, api_key, access_token, secret and password (a bare `token` is low, and not reported in a GET-only view, which is the landing page of a link someone else built: a mailed confirmation or a third-party callback). Routes and reads in test files, on test apps or only registered in development are skipped.",
    falsePositives:
      "A GET that only records a visit (a counter, a last-seen timestamp) is reported when it commits; suppress it if the write is harmless to repeat. Single-use confirmation links must carry their token somewhere; put it in the path and expire it quickly, or suppress the low finding.",
    references: [
      "https://www.rfc-editor.org/rfc/rfc9110#name-safe-methods",
      "https://owasp.org/www-community/vulnerabilities/Information_exposure_through_query_strings_in_url",
      "https://cwe.mitre.org/data/definitions/598.html",
      "https://cwe.mitre.org/data/definitions/650.html",
      "https://flask.palletsprojects.com/en/stable/quickstart/#http-methods",
    ],
  },
  check({ project, report }) {
    checkGetHandlers(project, report);
    checkQuerySecrets(project, report);
  },
});
