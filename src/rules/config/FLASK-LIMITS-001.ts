import type { Expr } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { FlaskObject, Project } from "../../link/project.js";
import { defineRule } from "../define.js";
import { writeContext } from "../support.js";
import { appsServedBy, keySource, productionApps, requestReads } from "./sources.js";

/** `request` attributes that read an upload, and those that read the raw or JSON body. */
const UPLOAD_ATTRS = new Set(["files"]);
const BODY_ATTRS = new Set(["stream", "input_stream"]);
/** Form-field and upload-set classes that accept files. */
const UPLOAD_CLASSES = /^(flask_wtf\.file|flask_wtf|wtforms|wtforms\.fields|wtforms\.fields\.simple)\.(FileField|MultipleFileField)$|^(flask_uploads|flask_reuploaded)\.UploadSet$/;

/** Above these, a form limit no longer protects memory (Werkzeug's defaults: 500 kB per field, 1,000 parts). */
const HUGE: Record<string, number> = { MAX_FORM_MEMORY_SIZE: 100 * 1024 * 1024, MAX_FORM_PARTS: 100_000 };

interface Intake {
  kind: "upload" | "body";
  mod: ModuleInfo;
  scope: string;
  r: string;
  what: string;
}

/** Where the project takes uploads or request bodies, in production code. */
function intakes(project: Project): Intake[] {
  const out: Intake[] = [];
  for (const read of requestReads(project, new Set([...UPLOAD_ATTRS, ...BODY_ATTRS]))) {
    const kind = UPLOAD_ATTRS.has(read.attr) ? "upload" : "body";
    out.push({ kind, mod: read.mod, scope: read.where.scope, r: read.r, what: `\`request.${read.attr}\`` });
  }
  for (const mod of project.pythonModules()) {
    for (const c of mod.index.calls) {
      const fn = c.call.fn;
      const name = fn.k === "name" ? fn.id : fn.k === "attr" ? fn.name : "";
      if (!/(FileField|UploadSet)$/.test(name)) continue;
      const path = project.extPaths(mod, c.scope, fn).find((p) => UPLOAD_CLASSES.test(p));
      if (!path) continue;
      const ctx = project.contextOf(mod, c);
      if (ctx.test || ctx.devOnly) continue;
      out.push({ kind: "upload", mod, scope: c.scope, r: c.call.r, what: `a \`${path.replace(/^.*\./, "")}\`` });
    }
  }
  const line = (i: Intake) => toRange(i.r).start.line;
  return out.sort((a, b) => (a.mod.path < b.mod.path ? -1 : a.mod.path > b.mod.path ? 1 : line(a) - line(b)));
}

/**
 * A production assignment to a `max_content_length` attribute (a Request subclass, or per request in Flask 3.1),
 * or a custom `request_class`, which parses bodies its own way.
 */
function limitsPerRequest(project: Project): boolean {
  const own = (n: string) => n === "max_content_length" || n === "request_class";
  for (const mod of project.pythonModules()) {
    for (const a of mod.index.assigns) {
      if (!a.targets.some((t) => (t.k === "attr" && own(t.name)) || (t.k === "name" && own(t.id) && a.scope !== ""))) continue;
      const ctx = project.contextOf(mod, a);
      if (!ctx.test && !ctx.devOnly) return true;
    }
  }
  return false;
}

function isNone(project: Project, mod: ModuleInfo, scope: string, e: Expr): boolean {
  if (e.k === "none") return true;
  if (e.k !== "name" && e.k !== "attr") return false;
  const vals = project.resolve(mod, scope, e);
  return vals.length > 0 && vals.every((v) => v.t === "const" && v.v === null);
}

function constNumber(project: Project, mod: ModuleInfo, scope: string, e: Expr): number | null {
  if (e.k === "num") return e.v;
  if (e.k !== "name" && e.k !== "attr") return null;
  const vals = project.resolve(mod, scope, e);
  return vals.length === 1 && vals[0]!.t === "const" && typeof vals[0]!.v === "number" ? vals[0]!.v : null;
}

function where(i: Intake): string {
  return `${i.what}${i.scope ? ` in \`${i.scope}\`` : ""}, ${i.mod.path}:${toRange(i.r).start.line}`;
}

export default defineRule({
  id: "FLASK-LIMITS-001",
  title: "Request body and form parsing without size limits",
  family: "config",
  severity: "medium",
  confidence: "medium",
  cwe: [770, 400],
  owasp: "A05:2021",
  tags: ["denial-of-service", "uploads", "configuration"],
  impact:
    "Without MAX_CONTENT_LENGTH, Flask accepts request bodies of any size: one client can fill the disk with spooled uploads, hold workers busy reading gigabytes, or exhaust memory with a huge JSON or raw body. Form limits switched off let a single multipart request allocate memory per field or per part without bound.",
  fix: "Set `MAX_CONTENT_LENGTH` to the largest body the app really needs (for example `16 * 1024 * 1024`), keep `MAX_FORM_MEMORY_SIZE` and `MAX_FORM_PARTS` at their defaults or lower, and raise a limit per view (`request.max_content_length` in Flask 3.1) only where a larger upload is expected.",
  mitigation: "Cap request sizes at the reverse proxy or platform too (nginx `client_max_body_size`, a load balancer limit), and run the app with worker timeouts.",
  docs: {
    what:
      "Reports a production Flask app that takes file uploads (`request.files`, Flask-WTF/WTForms `FileField`, Flask-Uploads `UploadSet`) or streams request bodies (`request.stream`, `request.input_stream`) while no config source sets `MAX_CONTENT_LENGTH`, or sets it to `None`. Also reports `MAX_FORM_MEMORY_SIZE` or `MAX_FORM_PARTS` set to `None` (no limit) or to very large constants.",
    why:
      "Werkzeug's default is to accept a body of any length. Uploads are written to temporary files and streamed bodies are read for as long as the client keeps sending, so a few oversized requests are enough to fill a disk or tie up every worker. The form limits that do exist by default guard memory inside multipart parsing; disabling them removes that guard as well.",
    bad: 'app = Flask(__name__)\n\n@app.post("/avatar")\ndef avatar():\n    request.files["file"].save(path)\n\nclass Config:\n    MAX_FORM_PARTS = None',
    good: 'app = Flask(__name__)\napp.config["MAX_CONTENT_LENGTH"] = 8 * 1024 * 1024   # 8 MiB\n\nclass Config:\n    MAX_FORM_PARTS = 200',
    detection:
      "The `request` in `request.files` and the other reads must resolve to Flask's request proxy, and the form classes to Flask-WTF, WTForms or Flask-Uploads. Reads in tests, `__main__` blocks and code only development or test code calls do not count. When a read sits in a route's view, or in a helper that views call, only the apps that serve those routes (through blueprint registrations) are checked. The limit is looked for in every config source: `app.config` items and `update`, config classes loaded with `from_object` (also `self.MAX_CONTENT_LENGTH` set in their `__init__`), and modules loaded with `from_object` or `from_pyfile`; a source the scanner cannot read (`from_envvar`, `from_prefixed_env`, an unresolved `from_object`) counts as setting it, as does a write through a receiver the scanner cannot tie to an app (an extension's `init_app(app)` calling `app.config.setdefault(...)`), any assignment to `max_content_length` (a Request subclass or a per-request limit) or a custom `request_class`, which handles bodies its own way. The finding is placed on the app's constructor call (or on the write that sets `None`). Medium severity with uploads, low when bodies are only streamed. JSON and form bodies alone do not trigger the rule: most APIs read small JSON documents, and a proxy limit is the usual guard there. Form limits count as very large above 100 MiB (`MAX_FORM_MEMORY_SIZE`) or 100,000 parts (`MAX_FORM_PARTS`); values built with arithmetic are not evaluated.",
    falsePositives:
      "A limit enforced outside the app (a reverse proxy, a WSGI middleware such as a body-size limiter, or the platform) is not visible in the code. If such a limit is in place, say so in a suppression comment; keeping MAX_CONTENT_LENGTH in the app as well is still recommended.",
    references: [
      "https://flask.palletsprojects.com/en/stable/config/#MAX_CONTENT_LENGTH",
      "https://flask.palletsprojects.com/en/stable/config/#MAX_FORM_MEMORY_SIZE",
      "https://flask.palletsprojects.com/en/stable/patterns/fileuploads/",
      "https://cwe.mitre.org/data/definitions/770.html",
    ],
  },
  check({ project, report }) {
    for (const w of project.configWrites) {
      if (!(w.key in HUGE)) continue;
      const none = isNone(project, w.mod, w.where.scope, w.value);
      const n = none ? null : constNumber(project, w.mod, w.where.scope, w.value);
      if (!none && (n === null || n <= HUGE[w.key]!)) continue;
      const { ctx } = writeContext(project, w);
      if (ctx.test || ctx.devOnly) continue;
      report({
        file: w.mod.path,
        range: toRange(w.r),
        message: none
          ? `${w.key} = None removes Werkzeug's limit, so one multipart request can make the parser ${w.key === "MAX_FORM_PARTS" ? "handle any number of parts" : "hold form fields of any size in memory"}.`
          : `${w.key} = ${n} is far above Werkzeug's default (${w.key === "MAX_FORM_PARTS" ? "1,000 parts" : "500 kB"}) and no longer bounds what one request can make the form parser ${w.key === "MAX_FORM_PARTS" ? "process" : "hold in memory"}.`,
        severity: "medium",
        confidence: "high",
        scope: w.where.scope,
        context: ctx.reasons,
      });
    }
    const apps = productionApps(project);
    if (apps.length === 0) return;
    const found = intakes(project);
    if (found.length === 0 || limitsPerRequest(project)) return;
    const byApp = new Map<FlaskObject, Intake[]>();
    for (const i of found) for (const app of appsServedBy(project, i.mod, i.scope, apps)) byApp.set(app, [...(byApp.get(app) ?? []), i]);
    for (const [app, list] of byApp) {
      const source = keySource(project, app, "MAX_CONTENT_LENGTH");
      if (source?.kind === "unknown") continue;
      const explicit = source?.kind === "write" ? source.write : null;
      if (explicit && !isNone(project, explicit.mod, explicit.where.scope, explicit.value)) continue;
      const upload = list.find((i) => i.kind === "upload");
      const first = upload ?? list[0]!;
      const what = upload ? `takes file uploads (${where(first)})` : `streams request bodies (${where(first)})`;
      const loc = explicit ? { file: explicit.mod.path, range: toRange(explicit.r), scope: explicit.where.scope } : { file: app.mod.path, range: toRange(app.call.r), scope: app.scope };
      report({
        ...loc,
        message: `This app ${what} but ${explicit ? "sets MAX_CONTENT_LENGTH to None" : "never sets MAX_CONTENT_LENGTH"}, so requests of any size are accepted${upload ? " and spooled to disk" : ", however long the client keeps sending"}.`,
        severity: upload ? "medium" : "low",
        confidence: upload ? "high" : "medium",
        trace: [{ file: first.mod.path, range: toRange(first.r), message: `${first.what} reads the request here` }],
      });
    }
  },
});
