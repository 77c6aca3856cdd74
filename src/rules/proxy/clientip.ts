/** Where the app reads the client's address, and where that address decides something. */
import type { Expr, Where } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { CallExpr, Project } from "../../link/project.js";
import type { Val } from "../../link/resolve.js";
import { argOf, isFlaskRequest, requestHeaderRead } from "../headers/http.js";

/** Request headers that carry a client address set by whoever sent the request. */
export const CLIENT_IP_HEADERS = new Set([
  "x-forwarded-for", "x-real-ip", "x-client-ip", "true-client-ip", "cf-connecting-ip", "forwarded", "x-cluster-client-ip", "fastly-client-ip",
]);

export type AddressSource = { kind: "header"; header: string } | { kind: "remote_addr" };

/** The client address an expression reads directly (`request.headers.get("X-Forwarded-For")`, `request.remote_addr`). */
export function addressRead(project: Project, mod: ModuleInfo, scope: string, e: Expr): AddressSource | null {
  if (e.k === "attr" && e.name === "remote_addr" && isFlaskRequest(project, mod, scope, e.obj)) return { kind: "remote_addr" };
  const h = requestHeaderRead(project, mod, scope, e);
  return h && CLIENT_IP_HEADERS.has(h) ? { kind: "header", header: h } : null;
}

/** Finds an address read inside an expression; `safe` when it is only used through its last element (`[-1]`). */
export function findRead(project: Project, mod: ModuleInfo, scope: string, e: Expr, depth = 0): { src: AddressSource; safe: boolean; e: Expr } | null {
  if (depth > 12) return null;
  const direct = addressRead(project, mod, scope, e);
  if (direct) return { src: direct, safe: false, e };
  const kids: Expr[] = [];
  switch (e.k) {
    case "attr":
      kids.push(e.obj);
      break;
    case "sub": {
      const inner = findRead(project, mod, scope, e.obj, depth + 1);
      // The right-most X-Forwarded-For entry is the one the nearest (trusted) proxy appended.
      if (inner && e.key.k === "num" && e.key.v < 0) return { ...inner, safe: true };
      return inner;
    }
    case "call":
      kids.push(e.fn, ...e.args, ...e.kw.map((k) => k.value));
      break;
    case "boolop":
      kids.push(e.l, e.rt);
      break;
    case "cond":
      kids.push(e.body, e.orelse);
      break;
    case "seq":
      kids.push(...e.elts);
      break;
    default:
      return null;
  }
  for (const k of kids) {
    const r = findRead(project, mod, scope, k, depth + 1);
    if (r) return r;
  }
  return null;
}

/** A place where a client address is obtained: a read, a local variable holding it, or a helper returning it. */
export interface AddressUse {
  src: AddressSource;
  mod: ModuleInfo;
  where: Where;
  /** Range of the read (call, assignment or return). */
  r: string;
  /** Local variable the value is assigned to, if any. */
  variable: string | null;
}

/** Every unsafe address read in the project with the variable that holds it. */
export function addressUses(project: Project): AddressUse[] {
  const out: AddressUse[] = [];
  for (const mod of project.flaskModules()) {
    for (const a of mod.index.assigns) {
      const read = findRead(project, mod, a.scope, a.value);
      if (!read || read.safe) continue;
      const t = a.targets.find((x) => x.k === "name");
      out.push({ src: read.src, mod, where: a, r: read.e.k === "call" ? read.e.r : a.r, variable: t && t.k === "name" ? t.id : null });
    }
    for (const ret of mod.index.returns) {
      if (!ret.value) continue;
      const read = findRead(project, mod, ret.scope, ret.value);
      if (read && !read.safe) out.push({ src: read.src, mod, where: ret, r: read.e.k === "call" ? read.e.r : ret.r, variable: null });
    }
  }
  return out;
}

/** Functions ("path:qualname") that return a client address, with what they read. */
export function addressGetters(project: Project): Map<string, AddressSource> {
  const out = new Map<string, AddressSource>();
  for (const mod of project.flaskModules()) {
    for (const ret of mod.index.returns) {
      if (!ret.value || !ret.scope) continue;
      let read = findRead(project, mod, ret.scope, ret.value);
      if (!read && ret.value.k === "name") {
        // `ip = request.headers.get(...); return ip`
        const name = ret.value.id;
        for (const a of project.resolver.assignsIn(mod, ret.scope)) {
          if (!a.targets.some((t) => t.k === "name" && t.id === name)) continue;
          read = findRead(project, mod, a.scope, a.value);
          if (read) break;
        }
      }
      if (read && !read.safe) out.set(`${mod.path}:${ret.scope}`, read.src);
    }
  }
  return out;
}

const LIMITER_KEY_FUNCS: Record<string, AddressSource> = {
  "flask_limiter.util.get_remote_address": { kind: "remote_addr" },
  // get_ipaddr (removed in Flask-Limiter 2) returned the first X-Forwarded-For entry, which the client chooses.
  "flask_limiter.util.get_ipaddr": { kind: "header", header: "x-forwarded-for" },
};

/** The client address a rate limiter's `key_func` uses, when it is one. */
export function limiterKey(project: Project, mod: ModuleInfo, scope: string, call: CallExpr, getters: Map<string, AddressSource>): AddressSource | null {
  const key = argOf(call, "key_func");
  if (!key) return null;
  for (const v of project.resolve(mod, scope, key) as Val[]) {
    if (v.t === "ext" && LIMITER_KEY_FUNCS[v.path]) return LIMITER_KEY_FUNCS[v.path]!;
    if (v.t === "def") {
      const g = getters.get(`${v.mod.path}:${v.def.qualname}`);
      if (g) return g;
    }
  }
  return null;
}

/** Rate-limiter calls: `Limiter(...)`, `limiter.limit(...)`, `limiter.shared_limit(...)` of Flask-Limiter. */
export function isLimiterCall(project: Project, mod: ModuleInfo, scope: string, call: CallExpr): boolean {
  const fn = call.fn;
  if (fn.k === "attr" && (fn.name === "limit" || fn.name === "shared_limit")) {
    return project.resolve(mod, scope, fn.obj).some((v) => v.t === "inst" && v.of.t === "ext" && /^flask_limiter\b/.test(v.of.path));
  }
  return project.extPaths(mod, scope, fn).some((p) => /^flask_limiter(\.extension)?\.Limiter$/.test(p));
}

/**
 * Whether an `if` condition compares or tests `name` (`ip in ALLOWED`, `ip == "127.0.0.1"`, `ip.startswith("10.")`,
 * `is_trusted(ip)`), rather than only checking that it is set.
 */
export function conditionDecidesOn(cond: string, name: string): boolean {
  const n = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const v = `(?<![\\w.])${n}(?![\\w])`;
  const patterns = [
    `${v}(\\s*\\[[^\\]]*\\])?\\s*(==|!=|\\bnot\\s+in\\b|\\bin\\b)`,
    `(==|!=|\\bin\\b)\\s*${v}`,
    `${v}\\.(startswith|endswith)\\(`,
    // Passed to a check (`is_banned(ip)`, `ip_address(ip).is_private`), but not to len(), str() and the like.
    `(?<![\\w.])(?!(?:len|str|repr|bool|print|isinstance|type|hash|int|format)\\()[A-Za-z_][\\w.]*\\(\\s*${v}\\s*[,)]`,
  ];
  return patterns.some((p) => new RegExp(p).test(cond));
}
