/** Formats the route inventory: a terminal table, JSON, Markdown, or an OpenAPI 3.1 skeleton. */
import type { RouteRecord } from "../core/types.js";
import type { InventoryRoute, RouteInventory } from "./routes.js";

export const ROUTE_FORMATS = ["table", "json", "markdown", "openapi"] as const;
export type RouteFormat = (typeof ROUTE_FORMATS)[number];

/** The auth guards of a route as short labels; misplaced decorators are flagged. Empty when it has none. */
export function authLabels(r: InventoryRoute): string[] {
  const parts = r.auth.map((a) => `${short(a.name)}${a.optional ? " (optional)" : ""}`);
  if (r.misorderedAuth.length > 0) parts.push(...r.misorderedAuth.map((a) => `!${short(a.name)} above route`));
  return [...new Set(parts)];
}

/** The rate limits of a route: "exempt", its own limits, or the app default ("default 100/hour"). Empty when none. */
export function rateLabels(r: InventoryRoute): string[] {
  if (r.rate.some((x) => x.kind === "exempt")) return ["exempt"];
  const own = r.rate.filter((x) => x.kind !== "default");
  if (own.length > 0) return own.map((x) => x.value ?? x.kind);
  const d = r.rate.find((x) => x.kind === "default");
  return d ? [`default ${d.value ?? ""}`.trim()] : [];
}

/** The path as shown: `sub.<host>/path` for a subdomain route. */
export function pathLabel(r: InventoryRoute): string {
  return r.subdomain ? `${r.subdomain}.<host>${r.path}` : r.path;
}

/** A route as the plain record reports carry (`ScanResult.routes`), with the same cells as the tables. */
export function routeRecord(r: InventoryRoute): RouteRecord {
  return {
    app: r.appLabel,
    methods: [...r.methods],
    path: pathLabel(r),
    endpoint: r.endpoint,
    view: r.view,
    file: r.file,
    line: r.line,
    auth: authLabels(r),
    rateLimit: rateLabels(r),
    csrf: r.csrf.state,
    version: r.version,
  };
}

function authCell(r: InventoryRoute): string {
  const parts = authLabels(r);
  return parts.length > 0 ? parts.join(", ") : "none";
}

function rateCell(r: InventoryRoute): string {
  const parts = rateLabels(r);
  return parts.length > 0 ? parts.join(", ") : "none";
}

function short(name: string): string {
  return name.replace(/\(\)/g, "").split(".").slice(-2).join(".");
}

function rows(inv: RouteInventory): string[][] {
  return inv.routes.map((r) => [r.methods.join(","), pathLabel(r), r.endpoint ?? "?", authCell(r), rateCell(r), r.csrf.state, r.version ?? "-", `${r.file}:${r.line}`]);
}

const MD_HEAD = ["Methods", "Path", "Endpoint", "Auth", "Rate limit", "CSRF", "Version", "Defined at"];
const HEAD = ["METHODS", "PATH", "ENDPOINT", "AUTH", "RATE LIMIT", "CSRF", "VERSION", "DEFINED AT"];

function groups(inv: RouteInventory): [string, number[]][] {
  const out = new Map<string, number[]>();
  inv.routes.forEach((r, i) => {
    const list = out.get(r.appLabel) ?? [];
    list.push(i);
    out.set(r.appLabel, list);
  });
  return [...out];
}

export function formatTable(inv: RouteInventory): string {
  const all = rows(inv);
  if (all.length === 0) return "No Flask routes found.\n";
  const widths = HEAD.map((h, i) => Math.max(h.length, ...all.map((r) => r[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  let out = "";
  for (const [label, idx] of groups(inv)) {
    out += `App ${label}: ${idx.length} route${idx.length === 1 ? "" : "s"}\n`;
    out += `${fmt(HEAD)}\n`;
    for (const i of idx) out += `${fmt(all[i]!)}\n`;
    out += "\n";
  }
  const unauth = inv.routes.filter((r) => r.auth.length === 0).length;
  out += `${inv.routes.length} route${inv.routes.length === 1 ? "" : "s"}, ${unauth} without authentication.\n`;
  return out;
}

export function formatMarkdown(inv: RouteInventory): string {
  const all = rows(inv);
  if (all.length === 0) return "No Flask routes found.\n";
  const esc = (s: string) => s.replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  let out = "# Route inventory\n";
  for (const [label, idx] of groups(inv)) {
    out += `\n## App ${esc(label)}\n\n| ${MD_HEAD.join(" | ")} |\n|${HEAD.map(() => "---").join("|")}|\n`;
    for (const i of idx) out += `| ${all[i]!.map((c, j) => (j === 1 || j === 2 || j === 7 ? `\`${c}\`` : esc(c))).join(" | ")} |\n`;
  }
  return out;
}

export function formatJson(inv: RouteInventory): string {
  const data = inv.routes.map((r) => ({
    app: r.appLabel,
    methods: r.methods,
    path: r.path,
    subdomain: r.subdomain,
    endpoint: r.endpoint,
    view: r.view,
    kind: r.kind,
    file: r.file,
    line: r.line,
    auth: r.auth.map((a) => ({ name: a.name, via: a.via, file: a.file, line: a.line, optional: a.optional, headerToken: a.headerToken })),
    misorderedAuth: r.misorderedAuth.map((a) => ({ name: a.name, file: a.file, line: a.line })),
    rateLimit: r.rate.map((x) => ({ kind: x.kind, value: x.value, via: x.via, file: x.file, line: x.line })),
    csrf: { state: r.csrf.state, source: r.csrf.source },
    version: r.version,
    blueprints: r.blueprints.map((b) => b.name),
  }));
  return `${JSON.stringify({ routes: data }, null, 2)}\n`;
}

/** Flask's `<int:id>` converters as OpenAPI `{id}` parameters with a schema type. */
function openapiPath(path: string): { path: string; params: { name: string; type: string }[] } {
  const params: { name: string; type: string }[] = [];
  const p = path.replace(/<(?:([a-z_]+)(?:\([^)]*\))?:)?([A-Za-z_][A-Za-z0-9_]*)>/g, (_m, conv: string | undefined, name: string) => {
    params.push({ name, type: conv === "int" ? "integer" : conv === "float" ? "number" : "string" });
    return `{${name}}`;
  });
  return { path: p, params };
}

export function formatOpenapi(inv: RouteInventory, title: string): string {
  const paths: Record<string, Record<string, unknown>> = {};
  let needsSecurity = false;
  for (const r of inv.routes) {
    if (r.path.includes("<dynamic>")) continue;
    const { path, params } = openapiPath(r.path);
    const entry = (paths[path] ??= {});
    for (const m of r.methods) {
      const verb = m.toLowerCase();
      if (verb === "head" || verb === "options" || entry[verb]) continue;
      const op: Record<string, unknown> = { operationId: `${r.endpoint ?? path}_${verb}`, summary: r.view ?? r.endpoint ?? path };
      if (r.version) op["tags"] = [r.version];
      if (params.length > 0) op["parameters"] = params.map((x) => ({ name: x.name, in: "path", required: true, schema: { type: x.type } }));
      op["responses"] = { default: { description: "not documented" } };
      if (r.auth.length > 0) {
        needsSecurity = true;
        op["security"] = r.auth.every((a) => a.optional) ? [{}, { flaskwarden_auth: [] }] : [{ flaskwarden_auth: [] }];
      } else op["security"] = [];
      op["x-flaskwarden"] = { ...(r.subdomain ? { subdomain: r.subdomain } : {}), file: r.file, line: r.line, auth: r.auth.map((a) => a.name), rateLimit: r.rate.map((x) => x.value ?? x.kind), csrf: r.csrf.state };
      entry[verb] = op;
    }
  }
  const sorted = Object.fromEntries(Object.keys(paths).sort().map((k) => [k, paths[k]]));
  const doc: Record<string, unknown> = { openapi: "3.1.0", info: { title, version: "0.0.0", description: "Skeleton generated by flaskwarden from the routes found in the source; fill in request and response schemas." }, paths: sorted };
  if (needsSecurity) doc["components"] = { securitySchemes: { flaskwarden_auth: { type: "http", scheme: "bearer", description: "Placeholder for the authentication the routes require (see x-flaskwarden.auth)." } } };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export function formatRoutes(inv: RouteInventory, format: RouteFormat, title = "Flask application"): string {
  switch (format) {
    case "json":
      return formatJson(inv);
    case "markdown":
      return formatMarkdown(inv);
    case "openapi":
      return formatOpenapi(inv, title);
    default:
      return formatTable(inv);
  }
}
