import { defineRule } from "../define.js";
import { dataFlowCheck } from "../dataflow.js";

export default defineRule({
  id: "FLASK-PATH-001",
  title: "File path built from request data (path traversal)",
  family: "files",
  severity: "high",
  confidence: "high",
  cwe: [22, 73],
  owasp: "A01:2021",
  tags: ["path-traversal", "files", "data-flow"],
  impact: "With `../` sequences or an absolute path the request reads, overwrites or deletes files outside the intended folder: configuration, keys, source code, other users' uploads.",
  fix: "Serve files with `send_from_directory(folder, name)` (it rejects paths that leave the folder), clean names with `werkzeug.utils.secure_filename`, or build paths with `werkzeug.security.safe_join` and reject a `None` result.",
  mitigation: "Keep user-accessible files in a dedicated folder, mount the rest of the file system read-only, and run as a user without access to secrets.",
  docs: {
    what: "Reports request data that reaches a file-system path: `open`/`io.open`/`codecs.open`, `send_file`, `os.remove`/`unlink`/`rename`/`makedirs`/`listdir`, `shutil` copy, move and delete functions, `tarfile.open`, `zipfile.ZipFile`, and `pathlib.Path` objects' `read_text`/`read_bytes`/`write_text`/`write_bytes`. `os.path.join` passes the data on rather than being reported itself, so a joined path is reported where it is used. Saving an upload under the client's file name is FLASK-UPLOAD-001's finding, not this rule's.",
    why: "`os.path.join(base, name)` does not confine `name` to `base`: `..` walks out of it, and an absolute `name` replaces `base` entirely.",
    bad: 'name = request.args["file"]\nreturn send_file(os.path.join(UPLOADS, name))',
    good: 'name = request.args["file"]\nreturn send_from_directory(UPLOADS, name)',
    detection: "Data-flow analysis from the request to the path argument. `secure_filename`, `os.path.basename`, `safe_join`, integer conversion and allow-list checks clear the data, and so does a branch that checks the resolved path with `startswith(base)` or leaves when `os.path.relpath(path, base)` starts with `os.pardir` (which clears both the joined path and the part joined onto the base).",
    falsePositives: "A prefix check on a path that was not normalised (`os.path.realpath`) first still lets `..` through; the engine accepts any `startswith` check, so review such checks by hand.",
    references: ["https://owasp.org/www-community/attacks/Path_Traversal", "https://flask.palletsprojects.com/en/stable/api/#flask.send_from_directory", "https://werkzeug.palletsprojects.com/en/stable/utils/#werkzeug.utils.secure_filename"],
  },
  check: dataFlowCheck("path", { consequence: "The request can point the app at files outside the intended folder." }),
});
