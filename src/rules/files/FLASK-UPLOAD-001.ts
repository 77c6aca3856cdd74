import type { CallFact, Expr } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import { isTestPath, type Project } from "../../link/project.js";
import { taintHits, type TaintHit } from "../../taint/index.js";
import { appsServedBy, keySource, productionApps } from "../config/sources.js";
import { hitsBySink } from "../dataflow.js";
import { defineRule } from "../define.js";
import { functionReach } from "../support.js";
import { uploadFix } from "./upload-fix.js";
import { folderKeys, inlineServes, typeChecked } from "./upload-folders.js";

/** Is a folder expression (or something it was built from) the app's static folder or a `static/` path? */
function servedFolder(project: Project, mod: ModuleInfo, scope: string, e: Expr, depth = 0): string | null {
  if (depth > 6) return null;
  switch (e.k) {
    case "str":
      return /(^|[\\/])static([\\/]|$)/.test(e.v) ? `a path with a "static" segment ("${e.v}")` : null;
    case "attr":
      if (e.name === "static_folder") return "the static folder";
      break;
    case "call":
      for (const a of e.args) {
        const hit = servedFolder(project, mod, scope, a, depth + 1);
        if (hit) return hit;
      }
      return null;
    case "sub":
      // `app.config["UPLOAD_FOLDER"]`: the values written to that key.
      if (e.key.k === "str" && e.obj.k === "attr" && e.obj.name === "config") {
        const key = e.key.v;
        for (const w of project.configWrites) {
          if (w.key !== key) continue;
          const hit = servedFolder(project, w.mod, w.where.scope, w.value, depth + 1);
          if (hit) return `${hit} (config key ${key})`;
        }
      }
      return null;
    case "other":
      for (const p of e.parts) {
        const hit = servedFolder(project, mod, scope, p, depth + 1);
        if (hit) return hit;
      }
      return null;
    default:
      break;
  }
  if (e.k === "name" || e.k === "attr") {
    for (const v of project.resolve(mod, scope, e)) {
      if (v.t === "const" && typeof v.v === "string" && /(^|[\\/])static([\\/]|$)/.test(v.v)) return `a path with a "static" segment ("${v.v}")`;
    }
    // A module constant built from a call (`UPLOADS = os.path.join(BASE, "static", "uploads")`).
    if (e.k === "name") {
      const a = mod.index.assigns.find((x) => x.targets.some((t) => t.k === "name" && t.id === e.id) && (x.scope === "" || x.scope === scope));
      if (a && a.value !== e) return servedFolder(project, mod, a.scope, a.value, depth + 1);
    }
  }
  return null;
}

/** The save call a hit sits on (calls named `save` keep their arguments in the index). */
function saveCall(mod: ModuleInfo, r: string): CallFact | undefined {
  return mod.index.calls.find((c) => c.call.r === r);
}

/** Why the app's request size is unbounded, when it is: the upload can then be as large as the client likes. */
function sizeNote(project: Project, mod: ModuleInfo, scope: string): string | null {
  const apps = appsServedBy(project, mod, scope, productionApps(project));
  for (const app of apps) {
    const src = keySource(project, app, "MAX_CONTENT_LENGTH");
    if (src === null) return "the app sets no MAX_CONTENT_LENGTH, so the upload may also be of any size (FLASK-LIMITS-001 reports that on its own)";
  }
  return null;
}

export default defineRule({
  id: "FLASK-UPLOAD-001",
  title: "Uploaded file stored under a client-chosen path, in the static folder, or served back inline",
  family: "files",
  severity: "high",
  confidence: "high",
  cwe: [434, 22],
  owasp: "A04:2021",
  tags: ["uploads", "files", "path-traversal", "data-flow"],
  impact:
    "The client decides where the file lands: `../` in the file name writes outside the upload folder (over templates, source files or another user's data), and a name ending in `.html`, `.svg` or `.js` inside a folder the web server serves becomes script that runs in the site's origin for every visitor.",
  fix: "Store uploads under a name the server makes up (`uuid4().hex` plus an extension from an allow-list), or at least pass the client's name through `werkzeug.utils.secure_filename` (`flaskwarden scan --fix` wraps an `upload.filename` used directly in the `save` call); keep the folder outside `static/`, and cap the size with `MAX_CONTENT_LENGTH`.",
  mitigation: "Serve user files from a separate domain or with `Content-Disposition: attachment` and `X-Content-Type-Options: nosniff`, and give the app's user write access to the upload folder only.",
  docs: {
    what:
      "Reports the `save(...)` of an uploaded file (`request.files[...]`, `request.files.get(...)`, `request.files.getlist(...)` items, or the `.data` of a Flask-WTF/WTForms file field) whose destination is built from data the client sent, usually `upload.filename`, without `secure_filename` or another cleaning step. The finding is high when the destination is the static folder or a `static/` path, where a stored `.html` or `.svg` file is served back as a page; it notes when the app has no `MAX_CONTENT_LENGTH` (FLASK-LIMITS-001 reports the missing limit itself, once per app). Two more findings concern where uploads go: an upload saved into the static folder (or a `static/` path) under a cleaned name when nothing on the way looks at its type, and a `send_from_directory`/`send_file` call that hands back files of a folder taking uploads of any type inline, without `as_attachment=True` or a forced harmless `mimetype` (medium).",
    why:
      "The file name in a multipart upload is just a string the browser, or an attacker's script, puts in the request. `os.path.join(folder, name)` keeps `../../app/templates/base.html` as it is and lets an absolute name replace the folder altogether, so saving under it is an arbitrary file write. Even a clean name decides the extension, and with it how the web server will serve the file later.",
    bad: 'f = request.files["avatar"]\nf.save(os.path.join(app.static_folder, "avatars", f.filename))',
    good: 'f = request.files["avatar"]\next = os.path.splitext(secure_filename(f.filename))[1].lower()\nif ext not in {".png", ".jpg"}:\n    abort(400)\nf.save(os.path.join(app.instance_path, "avatars", uuid.uuid4().hex + ext))',
    detection:
      "Data-flow analysis: the receiver of `save` must hold an uploaded file (from Flask's request proxy or a form field whose form class derives from Flask-WTF or WTForms), and the first argument (or `dst=`) must carry request data; a `save` method of any other object is not considered. Helpers that receive the upload and save it are followed across modules. `secure_filename`, `os.path.basename` and `safe_join` clear the name, and so does replacing it by a generated one. Views in test files and code reachable only from `__main__` or development switches are not reported. The destination counts as web-served when it is built from `static_folder`, a string with a `static` path segment, or a config key written with such a value. A save counts as type-checked when an enclosing or nearby condition (in the saving function or the view that read the upload) mentions an extension, MIME type or allow-list, when those functions call `splitext`, `rsplit`, `endswith`, `mimetypes`, `imghdr`, `python-magic`, Pillow or a function named like `allowed_file`/`validate_*`, or when the destination ends in a fixed extension. A download serves an upload folder when its folder argument names the same config key or constant (`app.config[\"UPLOAD_FOLDER\"]`, `Config.UPLOAD_FOLDER` and `UPLOAD_FOLDER` are one setting) and the same literal path parts as the save's destination. `FLASK-LIMITS-001` owns the missing size limit and `FLASK-PATH-001` owns request data in other file paths.",
    falsePositives:
      "A name checked against a strict pattern by hand-written code the engine does not recognise (a custom regex helper) is still reported; declare such a helper as a sanitiser under `[dataflow]` in the config. Saving under a client name into a folder nobody serves and that holds nothing else is lower risk, but traversal still applies. The type check is recognised by its shape, not proven: a check on the client-sent `mimetype` counts although the client chooses it, so an inline download next to such a check is not reported.",
    references: [
      "https://flask.palletsprojects.com/en/stable/patterns/fileuploads/",
      "https://werkzeug.palletsprojects.com/en/stable/utils/#werkzeug.utils.secure_filename",
      "https://owasp.org/www-community/vulnerabilities/Unrestricted_File_Upload",
      "https://cheatsheetseries.owasp.org/cheatsheets/File_Upload_Cheat_Sheet.html",
    ],
  },
  autofix: uploadFix,
  check({ project, report }) {
    const groups = hitsBySink(project, ["upload"]);
    for (const hits of groups) {
      const h = hits[0]!;
      const mod = project.modules.byPath.get(h.file);
      if (!mod) continue;
      const call = saveCall(mod, h.r);
      const context: string[] = [];
      if (call) {
        const ctx = project.contextOf(mod, call);
        if (ctx.test || ctx.devOnly) continue;
        if (call.scope && functionReach(project, mod, call.scope.split(".")[0]!) === "dev-only") continue;
        const dest = call.call.args[0] ?? call.call.kw.find((k) => k.name === "dst")?.value;
        const served = dest ? servedFolder(project, mod, call.scope, dest) : null;
        if (served) {
          context.push(`the destination is built from ${served}, which the web server hands out as it is: an uploaded .html or .svg file becomes a page on the site`);
        }
      }
      const size = sizeNote(project, mod, h.scope);
      if (size) context.push(size);
      const origin = h.origin.startsWith("request.") ? `\`${h.origin}\`` : h.origin;
      report({
        file: h.file,
        range: toRange(h.r),
        message: `The upload is saved to a path built from ${origin}${h.trace.length > 2 ? ` (in ${h.trace.length - 1} steps, see the trace)` : ""} without \`secure_filename\`: the client picks the file's name and folder, including \`../\` and the extension it will be served with.`,
        scope: h.scope,
        context,
        trace: h.trace.map((s) => ({ file: s.file, range: toRange(s.r), message: s.message })),
      });
    }

    // Every save of an upload, whatever its name: a static destination, and the folders that take any type.
    const clientNamed = new Set(groups.map((g) => `${g[0]!.file}\0${g[0]!.r}`));
    const anyType: { keys: Set<string>; file: string; line: number }[] = [];
    const stores = new Map<string, TaintHit>();
    for (const h of taintHits(project, "upload-store")) {
      if (isTestPath(h.file)) continue;
      const k = `${h.file}\0${h.r}`;
      const old = stores.get(k);
      if (!old || h.trace.length < old.trace.length) stores.set(k, h);
    }
    for (const [k, h] of stores) {
      const mod = project.modules.byPath.get(h.file);
      const call = mod ? saveCall(mod, h.r) : undefined;
      if (!mod || !call) continue;
      const ctx = project.contextOf(mod, call);
      if (ctx.test || ctx.devOnly) continue;
      if (call.scope && functionReach(project, mod, call.scope.split(".")[0]!) === "dev-only") continue;
      const dest = call.call.args[0] ?? call.call.kw.find((x) => x.name === "dst")?.value;
      if (!dest || typeChecked(project, h, call, mod)) continue;
      const line = toRange(h.r).start.line;
      anyType.push({ keys: folderKeys(project, mod, call.scope, dest), file: h.file, line });
      if (clientNamed.has(k)) continue;
      const served = servedFolder(project, mod, call.scope, dest);
      if (!served) continue;
      const context = [`the destination is built from ${served}`];
      const size = sizeNote(project, mod, h.scope);
      if (size) context.push(size);
      report({
        file: h.file,
        range: toRange(h.r),
        message: "The upload is saved into the web-served static folder and nothing on the way checks its extension or type: a client can store an .html or .svg file there and send people a link that runs script in the site's origin.",
        scope: h.scope,
        context,
        trace: h.trace.map((s) => ({ file: s.file, range: toRange(s.r), message: s.message })),
      });
    }

    // Downloads that hand those folders' files back inline.
    if (anyType.length === 0) return;
    for (const s of inlineServes(project)) {
      const ctx = project.contextOf(s.mod, s.call);
      if (ctx.test || ctx.devOnly || isTestPath(s.mod.path)) continue;
      if (s.call.scope && functionReach(project, s.mod, s.call.scope.split(".")[0]!) === "dev-only") continue;
      const store = anyType.find((a) => a.keys.size > 0 && [...a.keys].every((x) => s.keys.has(x)));
      if (!store) continue;
      report({
        file: s.mod.path,
        range: toRange(s.call.call.r),
        message: `\`${s.fn}\` serves uploaded files inline, and the upload at ${store.file}:${store.line} accepts any type: an uploaded .html or .svg file opens as a page of the site and its script runs with the visitor's session.`,
        severity: "medium",
        confidence: "medium",
        scope: s.call.scope,
        impact: "A visitor who opens the link to an uploaded .html or .svg file gets it as a page of the site: its script reads what the visitor can read and acts with their session.",
        fix: "Pass `as_attachment=True` (or force a harmless `mimetype` such as `application/octet-stream`) when serving user files, and accept only an allow-list of extensions when saving them. `flaskwarden scan --fix` adds `as_attachment=True` to the call.",
      });
    }
  },
});
