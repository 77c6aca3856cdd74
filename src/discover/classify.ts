import type { FileKind } from "../core/types.js";

export interface Classification {
  kind: FileKind;
  subkind?: string;
}

const TEMPLATE_EXTS = new Set([".html", ".htm", ".jinja", ".jinja2", ".j2", ".xml"]);
const JINJA_EXTS = new Set([".jinja", ".jinja2", ".j2"]);
const DOTENV_EXAMPLES = new Set([".env.example", ".env.sample", ".env.template"]);

const MANIFEST_NAMES: Record<string, string> = {
  "pyproject.toml": "pyproject",
  "poetry.lock": "poetry-lock",
  pipfile: "pipfile",
  "pipfile.lock": "pipfile-lock",
  "uv.lock": "uv-lock",
  "setup.cfg": "setup-cfg",
};

function extOf(name: string): string {
  const dot = name.lastIndexOf(".");
  // A leading dot marks a hidden file (".env"), not an extension.
  return dot > 0 ? name.slice(dot) : "";
}

/**
 * Decides what kind of file `relPath` (forward slashes) is from its name and folders, or null when
 * flaskwarden has nothing to say about it.
 */
export function classify(relPath: string): Classification | null {
  const parts = relPath.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.length === 0) return null;
  // File systems on the platforms users run this on differ in case sensitivity, and people write
  // "dockerfile" or "Requirements.txt"; matching case-insensitively costs nothing and misses less.
  const name = parts[parts.length - 1]!.toLowerCase();
  const dirs = parts.slice(0, -1).map((d) => d.toLowerCase());
  const parent = dirs.length > 0 ? dirs[dirs.length - 1] : undefined;
  const ext = extOf(name);

  if (ext === ".py" || ext === ".pyw") return { kind: "python" };

  // Checked before the deployment names so "Dockerfile.j2" or "nginx.conf.j2" count as the Jinja
  // templates they are rather than as files the deployment parsers would misread.
  if (JINJA_EXTS.has(ext)) return { kind: "template" };

  if (/^requirements.*\.txt$/.test(name) || /^constraints.*\.txt$/.test(name)) return { kind: "manifest", subkind: "requirements" };
  // "dev-requirements.txt", "test_requirements.txt": the other common spelling.
  if (/^[a-z0-9]+[-_]requirements\.txt$/.test(name)) return { kind: "manifest", subkind: "requirements" };
  if (parent === "requirements" && ext === ".txt") return { kind: "manifest", subkind: "requirements" };
  const manifest = MANIFEST_NAMES[name];
  if (manifest !== undefined) return { kind: "manifest", subkind: manifest };

  if (name === "dockerfile" || name === "containerfile" || name.endsWith(".dockerfile")) return { kind: "deployment", subkind: "dockerfile" };
  // "Dockerfile.dockerignore" is the per-Dockerfile ignore list BuildKit reads, not a Dockerfile.
  if ((name.startsWith("dockerfile.") || name.startsWith("containerfile.")) && !name.endsWith(".dockerignore")) {
    return { kind: "deployment", subkind: "dockerfile" };
  }
  if (name === "procfile" || name.startsWith("procfile.")) return { kind: "deployment", subkind: "procfile" };
  if (/^(docker-)?compose([-._].*)?\.ya?ml$/.test(name)) return { kind: "deployment", subkind: "compose" };
  if (DOTENV_EXAMPLES.has(name)) return { kind: "deployment", subkind: "dotenv-example" };
  if (name === ".env" || name.startsWith(".env.") || name === ".flaskenv") return { kind: "deployment", subkind: "dotenv" };
  if (name === "uwsgi.ini" || name.endsWith(".uwsgi.ini") || /^uwsgi[-_.].*\.ini$/.test(name) || (ext === ".ini" && parent === "uwsgi")) return { kind: "deployment", subkind: "uwsgi" };
  if (ext === ".sh" || ext === ".bash" || name === "makefile" || name === "gnumakefile") return { kind: "deployment", subkind: "script" };
  if (ext === ".service") return { kind: "deployment", subkind: "systemd" };
  if (name === "nginx.conf" || ext === ".nginx") return { kind: "deployment", subkind: "nginx" };
  if (ext === ".conf" && (dirs.includes("nginx") || dirs.includes("conf.d"))) return { kind: "deployment", subkind: "nginx" };

  if (/^(openapi|swagger).*\.(json|ya?ml)$/.test(name) || /\.openapi\.(json|ya?ml)$/.test(name)) return { kind: "openapi" };

  if (TEMPLATE_EXTS.has(ext)) {
    if (dirs.includes("templates")) return { kind: "template" };
    // An HTML or XML file elsewhere is a template only when an app or blueprint names its folder as
    // `template_folder`, which the link stage knows; until then it is a candidate that nobody reads.
    return { kind: "template", subkind: "candidate" };
  }

  return null;
}
