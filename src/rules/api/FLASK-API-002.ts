import { toRange } from "../../index/ir.js";
import type { Severity } from "../../core/types.js";
import type { FlaskObject, Project } from "../../link/project.js";
import { inventoryOf, type InventoryRoute } from "../../inventory/routes.js";
import { defineRule, type RuleReport } from "../define.js";
import { pathWords, routeContext } from "./routes-context.js";

const VERSION_SEGMENT = /\/v(\d+(?:\.\d+)?)(?=\/|$)/i;

/** The path with its version segment and parameter names taken out: "/api/v1/users/<int:id>" -> "/api/users/<>". */
function unversioned(path: string): string {
  return path.replace(VERSION_SEGMENT, "").replace(/<[^>]*>/g, "<>").replace(/\/+$/, "") || "/";
}

function versionNumber(v: string): number {
  return Number(v.replace(/^v/i, ""));
}

/** Methods that matter for comparing two versions of an endpoint. */
function verbs(r: InventoryRoute): string[] {
  return r.methods.filter((m) => m !== "HEAD" && m !== "OPTIONS");
}

export default defineRule({
  id: "FLASK-API-002",
  title: "Old API version still served beside its replacement",
  family: "api",
  severity: "medium",
  confidence: "medium",
  cwe: [1059, 672],
  owasp: "A05:2021",
  tags: ["routes", "api-inventory", "versioning"],
  impact:
    "The older version of an endpoint keeps answering with the same production data, usually with the checks the newer version dropped or never got: authentication, rate limits, field filtering. Attackers look for `/v1/` next to `/v2/` precisely because it tends to be the weaker door.",
  fix: "Remove the old version once its clients have moved, or register its blueprint only while a flag says it is still supported, and give it the same authentication, rate limits and response filtering as the current version. Serve one canonical URL per endpoint instead of an unversioned alias.",
  mitigation: "Keep a list of the versions each release serves (`flaskwarden routes`), log calls to deprecated versions to see who still uses them, and block retired prefixes at the gateway.",
  docs: {
    what:
      "Reports, per app, routes of an API version for which a newer version of the same endpoint is also registered (`/api/v1/users/<id>` beside `/api/v2/users/<id>`), unversioned `/api/...` routes that duplicate a versioned endpoint (`/api/users` beside `/api/v2/users`), and version blueprints registered unconditionally although the repository's OpenAPI/Swagger document marks every operation of theirs `deprecated`.",
    why:
      "Versioned APIs accumulate: a v2 is added, clients migrate, and v1 stays routed because nothing forces its removal. It keeps reading the same database, but its code stops getting the fixes and controls the new version gets. An unversioned alias of a versioned endpoint is a second door to the same data that inventories and gateways keyed on `/v2/` miss.",
    bad: 'api_v1 = Blueprint("api_v1", __name__, url_prefix="/api/v1")\napi_v2 = Blueprint("api_v2", __name__, url_prefix="/api/v2")\n\n@api_v1.route("/users/<int:user_id>")\ndef user_v1(user_id): ...\n\n@api_v2.route("/users/<int:user_id>")\n@jwt_required()\ndef user_v2(user_id): ...\n\napp.register_blueprint(api_v1)\napp.register_blueprint(api_v2)',
    good: 'app.register_blueprint(api_v2)\nif app.config["SERVE_API_V1"]:  # until the last client has moved\n    app.register_blueprint(api_v1)',
    detection:
      "Works on the route inventory, which gives every route its full URL after blueprint prefixes and registrations, and its API version from the path (`/v1/`, `/api/v2.1/`). Two routes of the same app are the same endpoint in different versions when their paths are equal after taking out the version segment and parameter names and they share an HTTP method; every route whose version is lower than another's is reported, medium. An unversioned route whose path equals a versioned one with the version taken out is reported, low. When the repository holds an API document, a blueprint whose routes carry a version and whose every documented operation is `deprecated: true` is reported on its registration, medium, if that registration has no condition around it. Routes in test files, on test apps or registered only in development are ignored; a blueprint registered under a condition (`if app.config[...]:`) is not reported, since someone decided when it is served.",
    falsePositives:
      "An API that supports two versions on purpose, with the same controls on both, is reported; suppress the finding on the old version with the date it is due to go. Versions carried only in blueprint names, headers or media types are not compared.",
    references: [
      "https://owasp.org/API-Security/editions/2023/en/0xa9-improper-inventory-management/",
      "https://cwe.mitre.org/data/definitions/1059.html",
      "https://flask.palletsprojects.com/en/stable/blueprints/",
    ],
  },
  check({ project, report }) {
    const inv = inventoryOf(project);
    const byApp = new Map<FlaskObject | null, InventoryRoute[]>();
    for (const r of inv.routes) {
      if (!r.app) continue;
      const ctx = routeContext(project, r);
      if (ctx.test || ctx.devOnly) continue;
      const list = byApp.get(r.app) ?? [];
      list.push(r);
      byApp.set(r.app, list);
    }
    const done = new Set<string>();
    const conditional = (r: InventoryRoute) =>
      r.blueprints.some((bp) => {
        const regs = project.registrations.filter((g) => g.child === bp);
        return regs.length > 0 && regs.every((g) => (g.mod.index.calls.find((c) => c.call.r === g.r)?.conds.length ?? 0) > 0);
      });
    for (const routes of byApp.values()) {
      const groups = new Map<string, InventoryRoute[]>();
      for (const r of routes) {
        const key = unversioned(r.path);
        const list = groups.get(key) ?? [];
        list.push(r);
        groups.set(key, list);
      }
      for (const group of groups.values()) {
        const versioned = group.filter((r) => VERSION_SEGMENT.test(r.path));
        if (versioned.length === 0) continue;
        for (const r of group) {
          const key = `${r.file}:${r.route.r}:${r.path}`;
          if (done.has(key) || conditional(r)) continue;
          const m = VERSION_SEGMENT.exec(r.path);
          const shares = (o: InventoryRoute) => verbs(o).some((x) => verbs(r).includes(x));
          let severity: Severity;
          let message: string;
          if (m) {
            const mine = versionNumber(m[1]!);
            const newer = versioned.filter((o) => o !== r && shares(o) && versionNumber(VERSION_SEGMENT.exec(o.path)![1]!) > mine);
            if (newer.length === 0) continue;
            const latest = newer.reduce((a, b) => (versionNumber(VERSION_SEGMENT.exec(b.path)![1]!) > versionNumber(VERSION_SEGMENT.exec(a.path)![1]!) ? b : a));
            severity = "medium";
            const authNote = r.auth.length === 0 && latest.auth.length > 0 ? " It has no authentication, while the newer one does." : "";
            message = `\`${verbs(r).join(",")} ${r.path}\` (v${m[1]}) is still registered beside its newer version \`${latest.path}\` (${latest.file}:${latest.line}).${authNote} Retire it, or register it only while clients still need it.`;
          } else {
            if (pathWords(r.path)[0] !== "api") continue;
            const twin = versioned.find(shares);
            if (!twin) continue;
            severity = "low";
            message = `\`${verbs(r).join(",")} ${r.path}\` has no version but duplicates the versioned endpoint \`${twin.path}\` (${twin.file}:${twin.line}): a second URL for the same data that version-based retirement and gateway rules miss.`;
          }
          done.add(key);
          report({
            file: r.file,
            range: toRange(r.route.r),
            message,
            severity,
            confidence: "medium",
            scope: r.viewDef?.qualname ?? "",
          });
        }
      }
    }
    deprecatedVersions(project, [...byApp.values()].flat(), conditional, report);
  },
});

/** Documented operations by method and path shape, from the API documents in the repo. */
function documentedOps(project: Project): Map<string, boolean> {
  const out = new Map<string, boolean>();
  const shape = (p: string) => (p.replace(/<[^>]*>/g, "{}").replace(/\{[^}]*\}/g, "{}").replace(/\/+$/, "") || "/").toLowerCase();
  for (const d of project.apiDocuments) {
    for (const op of d.facts.operations) {
      const paths = [op.path];
      if (d.facts.basePath && op.path.startsWith(d.facts.basePath)) paths.push(op.path.slice(d.facts.basePath.length) || "/");
      for (const p of paths) out.set(`${op.method} ${shape(p)}`, op.deprecated);
    }
  }
  return out;
}

/**
 * A version blueprint whose every documented operation the API document marks `deprecated`, registered
 * without a condition: the retirement was announced but the code still serves it to everyone.
 */
function deprecatedVersions(project: Project, routes: InventoryRoute[], conditional: (r: InventoryRoute) => boolean, report: (r: RuleReport) => void): void {
  if (project.apiDocuments.length === 0) return;
  const ops = documentedOps(project);
  const shape = (p: string) => (p.replace(/<[^>]*>/g, "{}").replace(/\/+$/, "") || "/").toLowerCase();
  const byBlueprint = new Map<FlaskObject, InventoryRoute[]>();
  for (const r of routes) {
    if (!r.version || conditional(r)) continue;
    const bp = r.blueprints[r.blueprints.length - 1];
    if (!bp) continue;
    byBlueprint.set(bp, [...(byBlueprint.get(bp) ?? []), r]);
  }
  for (const [bp, list] of byBlueprint) {
    const flags = list.flatMap((r) => verbs(r).flatMap((m) => (ops.has(`${m} ${shape(r.path)}`) ? [ops.get(`${m} ${shape(r.path)}`)!] : [])));
    if (flags.length === 0 || !flags.every((f) => f)) continue;
    const reg = project.registrations.find((g) => g.child === bp && (g.mod.index.calls.find((c) => c.call.r === g.r)?.conds.length ?? 0) === 0);
    if (!reg) continue;
    const ctx = project.contextOf(reg.mod, reg.mod.index.calls.find((c) => c.call.r === reg.r));
    if (ctx.test || ctx.devOnly) continue;
    report({
      file: reg.mod.path,
      range: toRange(reg.r),
      message: `Blueprint \`${bp.name ?? "?"}\` serves API ${list[0]!.version}, which the API document marks deprecated on every operation it lists (${flags.length}), yet it is registered unconditionally: announce-and-forget keeps the old version live. Register it behind a setting with an end date, or remove it.`,
      severity: "medium",
      confidence: "medium",
      scope: reg.mod.index.calls.find((c) => c.call.r === reg.r)?.scope ?? "",
    });
  }
}
