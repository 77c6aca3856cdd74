/**
 * OpenAPI (3.x) and Swagger (2.0) documents to the operations they declare: path, method, line,
 * deprecation. JSON is a subset of YAML 1.2, so one real YAML parser reads both and gives line numbers.
 */
import type { Node } from "yaml";
import { yaml } from "./yaml.js";
import type { Diagnostic } from "../core/types.js";

export interface ApiOperation {
  /** The path as documented, base path included: "/api/v1/users/{id}". */
  path: string;
  method: string;
  line: number;
  deprecated: boolean;
}

export interface OpenApiFacts {
  /** "openapi 3.1.0" or "swagger 2.0". */
  spec: string;
  /** Base path from `servers[0].url` (OpenAPI 3) or `basePath` (Swagger 2), "" when none. */
  basePath: string;
  operations: ApiOperation[];
}

const METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

function scalar(n: unknown): string | null {
  return yaml().isScalar(n) && (typeof n.value === "string" || typeof n.value === "number") ? String(n.value) : null;
}

/** The path part of a server URL: "https://x.example/api/v1" -> "/api/v1"; template variables left as they are. */
function pathOfUrl(url: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/i.exec(url);
  const p = m ? (m[1] ?? "") : url;
  return p.replace(/\/+$/, "").startsWith("/") || p === "" ? p.replace(/\/+$/, "") : "";
}

/** Reads one document; facts are null when the file is not an OpenAPI/Swagger document with paths. */
export function indexOpenApi(path: string, text: string): { facts: OpenApiFacts | null; diagnostics: Diagnostic[] } {
  const lc = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter: lc, uniqueKeys: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    return { facts: null, diagnostics: [{ file: path, severity: "warning", code: "openapi-parse", message: `could not read the API document: ${e.message.split("\n")[0]}` }] };
  }
  const root = doc.contents;
  if (!yaml().isMap(root)) return { facts: null, diagnostics: [] };
  const version = scalar(root.get("openapi", true)) ?? null;
  const swagger = scalar(root.get("swagger", true)) ?? null;
  if (!version && !swagger) return { facts: null, diagnostics: [] };
  let basePath = "";
  if (swagger) basePath = (scalar(root.get("basePath", true)) ?? "").replace(/\/+$/, "");
  else {
    const servers = root.get("servers", true) as Node | undefined;
    const first = servers && "items" in servers && Array.isArray(servers.items) ? servers.items[0] : undefined;
    const url = yaml().isMap(first) ? scalar(first.get("url", true)) : null;
    if (url) basePath = pathOfUrl(url);
  }
  const paths = root.get("paths", true);
  const operations: ApiOperation[] = [];
  if (yaml().isMap(paths)) {
    for (const pair of paths.items) {
      const p = scalar(pair.key);
      if (!p || !yaml().isMap(pair.value)) continue;
      for (const op of pair.value.items) {
        const method = scalar(op.key)?.toLowerCase();
        if (!method || !METHODS.has(method)) continue;
        const keyNode = op.key as Node;
        const line = keyNode.range ? lc.linePos(keyNode.range[0]).line : 1;
        const deprecated = yaml().isMap(op.value) && op.value.get("deprecated") === true;
        operations.push({ path: `${basePath}${p.startsWith("/") ? p : `/${p}`}`, method: method.toUpperCase(), line, deprecated });
      }
    }
  }
  return { facts: { spec: version ? `openapi ${version}` : `swagger ${swagger}`, basePath, operations }, diagnostics: [] };
}
