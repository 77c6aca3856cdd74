import { toRange } from "../../index/ir.js";
import type { Severity } from "../../core/types.js";
import type { ApiOperation } from "../../index/openapi.js";
import type { Project } from "../../link/project.js";
import { inventoryOf, type InventoryRoute } from "../../inventory/routes.js";
import { defineRule } from "../define.js";
import { pathSegments, pathWords, routeContext } from "./routes-context.js";

/** Path words of the routes that serve documentation itself. */
const DOC_ROUTES = new Set(["swagger", "openapi", "apidocs", "apispec", "redoc", "docs", "static", "favicon"]);
const SWAG_FROM = /^flasgger(\.utils)?\.swag_from$/;
const FLASGGER = /^flasgger(\.base)?\.(Swagger|Flasgger)$/;

/** One shape for both notations: "/users/<int:id>/" and "/users/{id}" -> "/users/{}". */
function shape(path: string): string {
  return (path.replace(/<[^>]*>/g, "{}").replace(/\{[^}]*\}/g, "{}").replace(/\/+$/, "") || "/").toLowerCase();
}

function verbs(r: InventoryRoute): string[] {
  return r.methods.filter((m) => m !== "HEAD" && m !== "OPTIONS");
}

/** Routes documented by code rather than the file: flask-smorest blueprints, flasgger `@swag_from`. */
function documentedInCode(project: Project, r: InventoryRoute): boolean {
  if (r.blueprints.some((b) => /^flask_smorest/.test(b.cls))) return true;
  const def = r.viewDef;
  if (!def || !r.viewMod) return false;
  return def.decorators.some((d) => project.extPaths(r.viewMod!, def.scope, d.k === "call" ? d.fn : d).some((p) => SWAG_FROM.test(p)));
}

export default defineRule({
  id: "FLASK-API-003",
  title: "Routes and API documentation disagree",
  family: "api",
  severity: "medium",
  confidence: "medium",
  cwe: [1059],
  owasp: "A09:2021",
  tags: ["routes", "api-inventory", "openapi", "documentation"],
  impact:
    "Routes the API document does not list are shadow APIs: consumers, gateways, scanners and reviewers work from the document, so those endpoints miss the review, the gateway policies and the tests the documented ones get. Documented paths that no longer exist mislead clients and hide which version is really deployed.",
  fix: "Add the missing operations to the OpenAPI document (or generate it from the code with flask-smorest, flasgger or apispec), remove the routes nobody should call, and delete documented operations the app no longer serves.",
  mitigation: "Check the document against the served routes in CI (`flaskwarden routes -f openapi` prints the routes as an OpenAPI skeleton), and let the gateway allow only documented operations.",
  docs: {
    what:
      "When the repository holds an OpenAPI 3 or Swagger 2 document (files named `openapi.*`/`swagger.*` or `*.openapi.json|yaml`, or one named with `--openapi FILE`) that describes the app, reports routes served under the documented area that the document does not list, operations of documented paths the route does not accept or the document leaves out, and documented operations no route serves.",
    why:
      "OWASP's API inventory risk is mostly about this gap: the endpoints that exist but are not in the inventory are the ones nobody protects, and stale documentation sends clients, gateway rules and security tests to the wrong place. A hand-maintained document drifts from the code a little with every release.",
    bad: '# openapi.yaml documents GET /api/v2/users/{id} only\n\n@api.route("/api/v2/users/<int:user_id>")\ndef get_user(user_id): ...\n\n@api.route("/api/v2/users/export")   # not in the document\ndef export_users(): ...',
    good: "# openapi.yaml\npaths:\n  /api/v2/users/{id}:\n    get: ...\n  /api/v2/users/export:\n    get: ...",
    detection:
      "Documents are parsed with a YAML parser (JSON is read the same way) into operations with their lines; the base path comes from `servers[0].url` or Swagger's `basePath`. Paths are compared after turning `<int:id>` and `{id}` into one placeholder, with and without the base path. A document counts only when at least one of its paths is served, so a client-side description of somebody else's API is ignored. Only routes whose first path segment is one the document uses are checked (the HTML pages of an app with a documented `/api` are not expected in it). Routes documented in code count as documented: flask-smorest blueprints and views decorated with flasgger's `@swag_from`; an app using flasgger docstrings is not checked for missing routes, since the scanner does not read docstrings. Routes that serve the documentation, routes in test files, on test apps or registered only in development are skipped. Undocumented routes are medium without authentication and low behind it; stale documented operations are low.",
    falsePositives:
      "A route that is internal on purpose and kept out of the public document is reported; mark it in the document (an `x-internal` operation) or suppress the finding saying why. flask-restx generates its own documentation, so a hand-written document beside it may report its resources.",
    references: [
      "https://owasp.org/API-Security/editions/2023/en/0xa9-improper-inventory-management/",
      "https://spec.openapis.org/oas/v3.1.0#paths-object",
      "https://flask-smorest.readthedocs.io/en/latest/openapi.html",
      "https://github.com/flasgger/flasgger",
    ],
  },
  check({ project, report }) {
    const documents = project.apiDocuments.filter((d) => d.facts.operations.length > 0);
    if (documents.length === 0) return;
    const inv = inventoryOf(project);
    const routes = inv.routes.filter((r) => {
      if (!r.app || pathWords(r.path).some((w) => DOC_ROUTES.has(w))) return false;
      const ctx = routeContext(project, r);
      return !ctx.test && !ctx.devOnly;
    });
    const served = new Map<string, InventoryRoute[]>();
    for (const r of routes) {
      const k = shape(r.path);
      served.set(k, [...(served.get(k) ?? []), r]);
    }
    const variants = (doc: { facts: { basePath: string } }, op: ApiOperation) => {
      const out = [shape(op.path)];
      if (doc.facts.basePath && op.path.startsWith(doc.facts.basePath)) out.push(shape(op.path.slice(doc.facts.basePath.length) || "/"));
      return out;
    };
    // Documents that describe this app: at least one documented path is served.
    const mine = documents.filter((d) => d.facts.operations.some((op) => variants(d, op).some((v) => served.has(v))));
    if (mine.length === 0) return;
    const documented = new Map<string, Set<string>>();
    const roots = new Set<string>();
    for (const d of mine) {
      // Whether the app serves the documented paths with the base path or without it (a proxy strips it):
      // the documented area (first path segments) is taken from the reading that matches.
      const hits = (i: number) => d.facts.operations.filter((op) => { const v = variants(d, op); return v[i] !== undefined && served.has(v[i]!); }).length;
      const reading = hits(1) > hits(0) ? 1 : 0;
      for (const op of d.facts.operations) {
        const vs = variants(d, op);
        for (const v of vs) {
          const set = documented.get(v) ?? new Set<string>();
          set.add(op.method);
          documented.set(v, set);
        }
        const first = pathSegments(vs[reading] ?? vs[0]!)[0];
        if (first && first !== "{}") roots.add(first);
      }
    }
    const docNames = mine.map((d) => d.path).join(", ");
    const flasgger = project.extensions.some((e) => FLASGGER.test(e.cls));
    // Served but not documented.
    const done = new Set<string>();
    if (!flasgger) {
      for (const r of routes) {
        const first = pathSegments(r.path)[0];
        if (!first || !roots.has(first) || documentedInCode(project, r)) continue;
        const ops = documented.get(shape(r.path));
        const missing = ops ? verbs(r).filter((m) => !ops.has(m)) : verbs(r);
        if (missing.length === 0) continue;
        const key = `${r.file}:${r.route.r}`;
        if (done.has(key)) continue;
        done.add(key);
        const authed = r.auth.length > 0 && !r.auth.every((a) => a.optional);
        const severity: Severity = authed ? "low" : "medium";
        report({
          file: r.file,
          range: toRange(r.route.r),
          message: ops
            ? `\`${missing.join(",")} ${r.path}\` is served, but ${docNames} documents this path only for ${[...ops].join(", ")}: an operation outside the API inventory${authed ? "" : ", and without authentication"}.`
            : `\`${missing.join(",")} ${r.path}\` is served but not in ${docNames}: a shadow endpoint that clients, gateway rules and security tests do not know about${authed ? "" : ", and it has no authentication"}.`,
          severity,
          scope: r.viewDef?.qualname ?? "",
        });
      }
    }
    // Documented but not served.
    for (const d of mine) {
      for (const op of d.facts.operations) {
        const hits = variants(d, op).flatMap((v) => served.get(v) ?? []);
        if (hits.some((r) => verbs(r).includes(op.method) || (op.method === "HEAD" && r.methods.includes("GET")))) continue;
        report({
          file: d.path,
          range: { start: { line: op.line, column: 1 }, end: { line: op.line, column: 1 } },
          evidence: `${op.method.toLowerCase()} ${op.path}`,
          message:
            hits.length > 0
              ? `${d.path} documents \`${op.method} ${op.path}\`, but the route serving this path accepts only ${[...new Set(hits.flatMap(verbs))].join(", ")}: the document is out of date.`
              : `${d.path} documents \`${op.method} ${op.path}\`${op.deprecated ? " (deprecated)" : ""}, but no route of the app serves it: remove it from the document or find where it went.`,
          severity: "low",
          confidence: "medium",
          scope: op.path,
        });
      }
    }
  },
});
