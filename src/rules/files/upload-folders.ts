/**
 * FLASK-UPLOAD-001 helpers: where uploads are stored (from the data-flow engine's "upload-store" hits),
 * whether the code around a save checks the file's type, and which download calls serve those folders.
 */
import type { CallFact, Expr, R } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { Project } from "../../link/project.js";
import type { TaintHit } from "../../taint/index.js";

/**
 * Names for the folder a path expression points into: config keys and upper-case constants by name
 * (`app.config["UPLOAD_FOLDER"]`, `Config.UPLOAD_FOLDER` and `UPLOAD_FOLDER` are the same setting), literal
 * strings, and the static folder. The file-name part contributes nothing, so a joined path and its folder agree.
 */
export function folderKeys(project: Project, mod: ModuleInfo, scope: string, e: Expr, depth = 0, out = new Set<string>()): Set<string> {
  if (depth > 5) return out;
  const again = (x: Expr) => folderKeys(project, mod, scope, x, depth + 1, out);
  switch (e.k) {
    case "str":
      // Folder names and paths; a file name with an extension is the file, not the folder.
      for (const seg of e.v.split(/[\\/]+/)) if (seg && seg !== "." && !/\.[A-Za-z0-9]{1,5}$/.test(seg)) out.add(`seg:${seg}`);
      break;
    case "sub":
      if (e.key.k === "str" && e.obj.k === "attr" && e.obj.name === "config") out.add(`key:${e.key.v}`);
      break;
    case "attr":
      if (e.name === "static_folder") out.add("static");
      else if (/^[A-Z][A-Z0-9_]*$/.test(e.name)) out.add(`key:${e.name}`);
      break;
    case "name": {
      if (/^[A-Z][A-Z0-9_]*$/.test(e.id)) {
        out.add(`key:${e.id}`);
        break;
      }
      // A local folder variable: what it was assigned.
      for (const a of project.resolver.assignsIn(mod, scope)) {
        if (a.targets.length === 1 && a.targets[0]!.k === "name" && a.targets[0]!.id === e.id && a.value !== e) again(a.value);
      }
      break;
    }
    case "call":
      if (e.fn.k === "attr" && e.fn.name === "get" && e.fn.obj.k === "attr" && e.fn.obj.name === "config" && e.args[0]?.k === "str") out.add(`key:${e.args[0].v}`);
      else for (const a of e.args) again(a);
      break;
    case "bin":
      again(e.l);
      again(e.rt);
      break;
    case "fstr":
    case "other":
      for (const p of e.parts) again(p);
      break;
    default:
      break;
  }
  return out;
}

/** Calls whose presence near a save shows the file's type is looked at. */
const TYPE_CHECK_CALLS = new Set(["splitext", "endswith", "guess_type", "guess_extension", "what", "from_buffer", "from_file", "verify", "rsplit", "suffix"]);
/** Words in an enclosing `if` that show a type check (`if ext in ALLOWED_EXTENSIONS`, `if f.mimetype.startswith("image/")`). */
const TYPE_CHECK_CONDITION = /allowed|extension|\bext\b|mimetype|content_type|imghdr|whitelist|allowlist|endswith|splitext|suffix|image/i;

/** The innermost function of a module containing a range, as its qualified name ("" at module level). */
function scopeAt(mod: ModuleInfo, r: R): string {
  const start = toRange(r).start;
  let best = "";
  let bestLine = -1;
  for (const d of mod.index.defs) {
    if (d.kind !== "function") continue;
    const dr = toRange(d.r);
    if (dr.start.line > start.line || dr.end.line < start.line) continue;
    if (dr.start.line >= bestLine) {
      best = d.qualname;
      bestLine = dr.start.line;
    }
  }
  return best;
}

/** Does the code on the way from the request to this save look at the file's type (extension, MIME type, content)? */
export function typeChecked(project: Project, hit: TaintHit, save: CallFact, mod: ModuleInfo): boolean {
  if (save.conds.some((c) => TYPE_CHECK_CONDITION.test(c))) return true;
  // A server-chosen extension in the destination (`uuid4().hex + ".png"`).
  const dest = save.call.args[0] ?? save.call.kw.find((k) => k.name === "dst")?.value;
  if (dest && hasFixedExtension(dest)) return true;
  // The functions the upload passes through: the save's and the one that read the request.
  const scopes: { mod: ModuleInfo; scope: string }[] = [{ mod, scope: save.scope }];
  const first = hit.trace[0];
  if (first) {
    const m = project.modules.byPath.get(first.file);
    if (m) scopes.push({ mod: m, scope: scopeAt(m, first.r) });
  }
  for (const { mod: m, scope } of scopes) {
    if (!scope) continue;
    for (const c of m.index.calls) {
      if (c.scope !== scope && !c.scope.startsWith(`${scope}.`)) continue;
      if (c.conds.some((x) => TYPE_CHECK_CONDITION.test(x))) return true;
      const name = c.call.fn.k === "attr" ? c.call.fn.name : c.call.fn.k === "name" ? c.call.fn.id : "";
      if (TYPE_CHECK_CALLS.has(name) || /allowed|valid|check_(file|image|upload|type)/i.test(name)) return true;
      // Re-encoding through Pillow keeps only real images.
      if (project.extPaths(m, c.scope, c.call.fn).some((p) => p.startsWith("PIL."))) return true;
    }
  }
  return false;
}

function hasFixedExtension(e: Expr, depth = 0): boolean {
  if (depth > 5) return false;
  switch (e.k) {
    case "str":
      return /\.[A-Za-z0-9]{2,5}$/.test(e.v);
    case "bin":
      return hasFixedExtension(e.rt, depth + 1);
    case "fstr":
      return e.parts.length > 0 && hasFixedExtension(e.parts[e.parts.length - 1]!, depth + 1);
    case "call":
      return e.args.some((a) => hasFixedExtension(a, depth + 1));
    default:
      return false;
  }
}

export const SERVE = /^(flask|flask\.helpers|werkzeug\.utils)\.(send_from_directory|send_file)$/;
/** Types a browser will not run as a page when forced as the response's type. */
const SAFE_MIME = /^(application\/octet-stream|text\/plain|image\/(png|jpeg|gif|webp|avif)|application\/pdf)$/;

export interface InlineServe {
  mod: ModuleInfo;
  call: CallFact;
  keys: Set<string>;
  fn: string;
}

/** `send_from_directory`/`send_file` calls that serve a file inline (no `as_attachment=True`, no forced safe type). */
export function inlineServes(project: Project): InlineServe[] {
  const out: InlineServe[] = [];
  for (const mod of project.flaskModules()) {
    for (const c of mod.index.calls) {
      const paths = project.extPaths(mod, c.scope, c.call.fn);
      const p = paths.find((x) => SERVE.test(x));
      if (!p) continue;
      const att = c.call.kw.find((k) => k.name === "as_attachment");
      if (att && !(att.value.k === "bool" && !att.value.v) && att.value.k !== "none") continue;
      const mime = c.call.kw.find((k) => k.name === "mimetype");
      if (mime && mime.value.k === "str" && SAFE_MIME.test(mime.value.v)) continue;
      const target = c.call.args[0] ?? c.call.kw.find((k) => k.name === "directory" || k.name === "path_or_file")?.value;
      if (!target) continue;
      // A fixed file (`send_from_directory(folder, "robots.txt")`) is not one a client uploaded.
      const isDir = p.endsWith("send_from_directory");
      const file = isDir ? (c.call.args[1] ?? c.call.kw.find((k) => k.name === "path" || k.name === "filename")?.value) : target;
      if (!file || file.k === "str" || (!isDir && hasFixedExtension(file))) continue;
      const keys = folderKeys(project, mod, c.scope, target);
      if (keys.size > 0) out.push({ mod, call: c, keys, fn: p.slice(p.lastIndexOf(".") + 1) });
    }
  }
  return out;
}
