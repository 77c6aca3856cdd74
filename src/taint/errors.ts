/**
 * Exceptions as a source of FLASK-ERROR-001 and authorisation state as a sink of FLASK-TRUST-001: which
 * caught exceptions may carry internals, which calls format the current exception, which functions are
 * error handlers (and what they receive), and which session keys and `g` attributes decide access.
 */
import type { DefFact, Expr } from "../index/ir.js";
import type { ModuleInfo } from "../link/modules.js";
import type { Project } from "../link/project.js";
import type { Val } from "../link/resolve.js";

/**
 * Built-in exceptions whose text describes the input the code was given (`int("x")`, a missing key) rather
 * than the server's internals; catching one is how code validates client data.
 */
const INPUT_ERRORS = new Set(["ValueError", "KeyError", "IndexError", "LookupError", "UnicodeError", "UnicodeDecodeError", "UnicodeEncodeError", "StopIteration", "AssertionError"]);

/** Library exceptions meant to be shown to the client: HTTP errors and validation errors. */
const CLIENT_ERRORS = /^(werkzeug\.exceptions\.|flask\.(json\.)?|json\.(decoder\.)?JSONDecodeError$|jwt\.|flask_jwt_extended\.|itsdangerous\.)|(Validation|Invalid|Schema|Form|CSRF|Expired)[A-Za-z]*(Error|Exception)?$|\.(BadRequest|NotFound|Forbidden|Unauthorized|HTTPException)$/;

/** The type a caught exception may be, when its text may reveal internals; null when it is meant for the client. */
export function leakyException(project: Project, mod: ModuleInfo, scope: string, type: Expr): { name: string; label: string } | null {
  if (type.k === "seq") {
    for (const x of type.elts) {
      const got = leakyException(project, mod, scope, x);
      if (got) return got;
    }
    return null;
  }
  const vals = project.resolve(mod, scope, type);
  for (const v of vals) {
    const got = leakyVal(v);
    if (got) return got;
  }
  return null;
}

function leakyVal(v: Val): { name: string; label: string } | null {
  if (v.t === "ext") {
    const path = v.path.replace(/^exceptions\./, "builtins.");
    const name = path.slice(path.lastIndexOf(".") + 1);
    if (path.startsWith("builtins.")) {
      if (INPUT_ERRORS.has(name)) return null;
      if (name === "Exception" || name === "BaseException") return { name, label: "broad exception" };
      return /(Error|Exception)$/.test(name) ? { name, label: "system error" } : null;
    }
    if (CLIENT_ERRORS.test(path)) return null;
    // Database, network and subprocess errors describe the systems behind the app.
    return /(Error|Exception|Fault|Failure)$/.test(name) || /\.exc(eptions?)?\./.test(path) ? { name, label: "library error" } : null;
  }
  // The project's own exception classes carry messages the app wrote for its users.
  return null;
}

/** Calls that return the current exception's text or traceback. */
const DETAIL_CALLS = new Set(["traceback.format_exc", "traceback.format_exception", "traceback.format_exception_only", "traceback.format_tb", "traceback.extract_tb", "sys.exc_info"]);

/** The call (from its resolved paths) when it formats the exception being handled. */
export function exceptionDetail(paths: readonly string[]): string | null {
  return paths.find((p) => DETAIL_CALLS.has(p)) ?? null;
}

export interface ErrorHandler {
  mod: ModuleInfo;
  /** The handler function; null when it is not a project function (a lambda, a library's handler). */
  def: DefFact | null;
  /** The receiver (`app`, `bp`), and the module and scope of the registration. */
  on: Expr;
  registeredIn: ModuleInfo;
  scope: string;
  /** What the handler handles: "500", "Exception", "HTTPException", "404". */
  handles: string;
  /** Set when the first parameter is an exception whose text may reveal internals (a label for messages). */
  exception?: string;
  /** Handles unhandled exceptions (500, InternalServerError, Exception, HTTPException): the app's last word on failures. */
  catchAll: boolean;
}

const cache = new WeakMap<Project, ErrorHandler[]>();

/**
 * Functions registered with `@app.errorhandler(X)`, `@bp.app_errorhandler(X)`/`errorhandler(X)` or
 * `app.register_error_handler(X, fn)`.
 */
export function errorHandlers(project: Project): ErrorHandler[] {
  const known = cache.get(project);
  if (known) return known;
  const out: ErrorHandler[] = [];
  const classify = (mod: ModuleInfo, scope: string, arg: Expr | undefined): Pick<ErrorHandler, "handles" | "exception" | "catchAll"> | null => {
    if (!arg) return null;
    if (arg.k === "num") return { handles: String(arg.v), catchAll: arg.v === 500 };
    const vals = project.resolve(mod, scope, arg);
    for (const v of vals) {
      if (v.t === "const" && typeof v.v === "number") return { handles: String(v.v), catchAll: v.v === 500 };
      if (v.t !== "ext") continue;
      const name = v.path.slice(v.path.lastIndexOf(".") + 1);
      if (/^werkzeug\.exceptions\./.test(v.path)) return { handles: name, catchAll: name === "InternalServerError" || name === "HTTPException" };
      const leaky = leakyVal(v);
      return { handles: name, exception: leaky ? `${leaky.label} (\`${name}\`)` : undefined, catchAll: name === "Exception" || name === "BaseException" };
    }
    const text = arg.k === "name" ? arg.id : arg.k === "attr" ? arg.name : "?";
    return { handles: text, catchAll: false };
  };
  for (const mod of project.flaskModules()) {
    for (const def of mod.index.defs) {
      if (def.kind !== "function") continue;
      for (const d of def.decorators) {
        if (d.k !== "call" || d.fn.k !== "attr" || (d.fn.name !== "errorhandler" && d.fn.name !== "app_errorhandler")) continue;
        const c = classify(mod, def.scope, d.args[0]);
        if (c) out.push({ mod, def, on: d.fn.obj, registeredIn: mod, scope: def.scope, ...c });
      }
    }
    for (const call of mod.index.calls) {
      const c = call.call;
      if (c.fn.k !== "attr" || c.fn.name !== "register_error_handler") continue;
      const fn = c.args[1] ?? c.kw.find((k) => k.name === "f")?.value;
      if (!fn) continue;
      const k = classify(mod, call.scope, c.args[0] ?? c.kw.find((x) => x.name === "code_or_exception")?.value);
      if (!k) continue;
      const defs = project.resolve(mod, call.scope, fn).flatMap((v) => (v.t === "def" && v.def.kind === "function" ? [v] : []));
      for (const v of defs) out.push({ mod: v.mod, def: v.def, on: c.fn.obj, registeredIn: mod, scope: call.scope, ...k });
      if (defs.length === 0) out.push({ mod, def: null, on: c.fn.obj, registeredIn: mod, scope: call.scope, ...k });
    }
  }
  cache.set(project, out);
  return out;
}

/**
 * Session keys and `g` attributes that decide who the user is or what they may do. Anything else
 * (`lang`, `theme`, `next`, `cart`, `last_search`) is a preference the client may set.
 */
const AUTH_WORDS = new Set([
  "user", "userid", "uid", "username", "login", "logged", "role", "roles", "admin", "administrator", "superuser", "staff",
  "auth", "authenticated", "authorized", "authorised", "permission", "permissions", "perms", "privilege", "privileges",
  "groups", "scopes", "tenant", "account", "owner", "identity", "principal", "verified",
  "mfa", "otp", "2fa", "member", "membership", "customer", "impersonate", "impersonating", "acting",
]);
/** Words of interface state that happens to mention a user (`user_sort`, `login_next`, `account_tab`). */
const UI_WORDS = new Set(["next", "redirect", "return", "url", "lang", "language", "locale", "theme", "filter", "filters", "sort", "order", "page", "search", "query", "tab", "view", "prefs", "preferences", "flash", "message", "last", "draft"]);

/** True when a session key or `g` attribute holds authorisation state. */
export function authorisationKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  if (words.length === 0 || words.some((w) => UI_WORDS.has(w))) return false;
  if (["is", "can", "has"].includes(words[0]!) && words.length > 1) return true;
  return words.some((w) => AUTH_WORDS.has(w) || (w.endsWith("id") && AUTH_WORDS.has(w.slice(0, -2))));
}
