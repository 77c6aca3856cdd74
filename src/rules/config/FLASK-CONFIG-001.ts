import type { Expr, Where } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { ConfigWrite, FlaskObject, Project } from "../../link/project.js";
import { defineRule } from "../define.js";
import { envLookupDefault, isDevDeploymentFile, writeContext } from "../support.js";
import { reportFallbacks, reportLoggedSecrets, SECRET_KEYS } from "./secret-leaks.js";

const PLACEHOLDERS = new Set([
  "changeme", "change-me", "change_me", "changethis", "change-this", "secret", "secretkey", "secret-key", "secret_key",
  "mysecret", "mysecretkey", "supersecret", "super-secret", "super_secret", "dev", "development", "default", "test",
  "testing", "password", "key", "xxx", "todo", "replaceme", "replace-me", "insecure", "notsecret", "not-secret", "flask",
  "your-secret-key", "your_secret_key", "yoursecretkey", "please-change-me", "s3cr3t", "hunter2", "abc123", "123456",
]);

/** Why a literal secret is weak beyond being committed, or null. */
function weakness(value: string): string | null {
  const norm = value.toLowerCase().replace(/\s+/g, "");
  if (PLACEHOLDERS.has(norm) || /change.?me|replace.?me|your.?secret|^dev.?key$|^secret.?key$/.test(norm)) return "a well-known placeholder";
  if (value.length < 16) return `only ${value.length} characters long`;
  if (new Set(value).size < 8) return "low in entropy (few distinct characters)";
  return null;
}

/** Classifies a value written to a secret key: a literal, a literal fallback, or something read at run time. */
function classify(project: Project, mod: ModuleInfo, scope: string, e: Expr): { kind: "literal" | "fallback"; value: string } | null {
  const lit = project.constString(mod, scope, e);
  if (lit !== null) return lit.length > 0 ? { kind: "literal", value: lit } : null;
  // os.environ.get("X", "fallback"), os.getenv("X", "fallback"), environ.get(..., default=...)
  const d = envLookupDefault(project, mod, scope, e);
  const dv = d ? project.constString(mod, scope, d) : null;
  if (dv) return { kind: "fallback", value: dv };
  if (e.k === "boolop" && e.op === "or") {
    // os.environ.get("X") or "fallback"
    const r = classify(project, mod, scope, e.rt);
    if (r) return { kind: "fallback", value: r.value };
  }
  return null;
}

/** Whether the project uses something that needs SECRET_KEY: sessions, Flask-Login, Flask-WTF, JWT, itsdangerous. */
function usesSigning(project: Project): string | null {
  for (const mod of project.pythonModules()) {
    if (project.contextOf(mod).test) continue;
    for (const i of mod.index.imports) {
      const full = i.member ? `${i.module}.${i.member}` : i.module;
      if (full === "flask.session" || full === "flask.flash") return `\`${full}\` is imported in ${mod.path}`;
      if (/^(flask_login|flask_wtf|flask_jwt_extended|flask_security|itsdangerous|flask_session)\b/.test(i.module)) return `\`${i.module}\` is imported in ${mod.path}`;
    }
  }
  return null;
}

export default defineRule({
  id: "FLASK-CONFIG-001",
  title: "Hard-coded, weak or missing secret key",
  family: "config",
  severity: "high",
  confidence: "high",
  cwe: [798, 321, 1391, 532],
  owasp: "A02:2021",
  tags: ["secrets", "configuration", "session"],
  impact:
    "Flask signs session cookies (and Flask-WTF CSRF tokens, itsdangerous tokens, password-reset links) with SECRET_KEY. Anyone who reads the key from the repository, an image or a leaked .env can forge a session for any user, including administrators, and bypass CSRF protection.",
  fix: 'Read the key from the environment or a secret manager and fail when it is missing: `SECRET_KEY = os.environ["SECRET_KEY"]`. Generate it with `python -c "import secrets; print(secrets.token_hex(32))"`, rotate the leaked one, and list the old one in SECRET_KEY_FALLBACKS only for the rotation window.',
  mitigation:
    "Rotate the exposed key now (every existing session is then invalid), remove it from the repository history, and keep .env files out of version control with .gitignore.",
  docs: {
    what:
      "Finds `SECRET_KEY`, `JWT_SECRET_KEY`, `WTF_CSRF_SECRET_KEY` and `SECURITY_PASSWORD_SALT` set to a literal in code (`app.config[...]`, `app.secret_key`, `config.update(...)`, config classes loaded with `from_object`, config modules), used as the fallback of `os.environ.get(...)`, or committed in a `.env`/`.flaskenv` file, Dockerfile `ENV` or compose `environment:`. It names weak values (placeholders such as `changeme` or `dev`, short or low-entropy keys). It also reports an app that uses sessions or signing but never sets SECRET_KEY at all, `SECRET_KEY_FALLBACKS` entries that are literals or that repeat the current key, and secret keys (or the whole `app.config`) passed to `print` or a logger.",
    why:
      "The secret key is the only thing that stops a client from writing its own session cookie. Flask sessions are signed, not encrypted, and the signature is all the server checks. A key that is in the repository, a built image or an obvious placeholder is a key every attacker has.",
    bad: 'app.config["SECRET_KEY"] = "changeme"\n\nclass Config:\n    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-key")\n    SECRET_KEY_FALLBACKS = ["old-key-from-2022"]\n\napp.logger.info("starting with key %s", app.config["SECRET_KEY"])',
    good: 'app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]   # raises at start-up when unset\n# previous keys, only while a rotation settles\napp.config["SECRET_KEY_FALLBACKS"] = [k for k in os.environ.get("OLD_SECRET_KEYS", "").split(",") if k]\n\nclass TestingConfig(Config):\n    SECRET_KEY = "test"   # tests only',
    detection:
      "A value read from the environment (`os.environ[...]`, `os.getenv(...)` without a literal fallback) or produced at run time is fine. Literals are followed through constants (`KEY = \"...\"; SECRET_KEY = KEY`). Config classes are followed through inheritance, so a base-class literal is reported only when a non-development config inherits it. Silent for test files, testing and development config classes, `__main__` blocks, functions only called from those, `.env.example`-style files and `${VAR}` placeholders in compose files. A missing key is reported only when no config source could provide it (a `from_pyfile`, `from_envvar` or `from_prefixed_env` load counts as providing it) and the app uses sessions, Flask-Login, Flask-WTF, JWT or itsdangerous. Weak values are placeholders from a list of common ones (`changeme`, `dev`, `secret`, ...), keys shorter than 16 characters and keys with fewer than 8 distinct characters. A `SECRET_KEY_FALLBACKS` list is reported when an entry is a literal, or when it names the same environment variable or setting as SECRET_KEY. Output calls count when the callee resolves to `print`, the `logging` module or a logger from `logging.getLogger`, loguru or structlog, or an app's `logger`; the argument must read a secret key from an app's config, `app.secret_key`, the environment, or be the whole `app.config` (also inside f-strings and through one local variable). Printing in tests, `__main__` blocks and CLI commands (`@app.cli.command()`, `@click.command()`, whose output goes to the operator's terminal) is ignored.",
    falsePositives:
      "A literal that is really a test key in a file that does not look like a test (rename the class `TestingConfig` or move it under tests/). A missing-key finding can be wrong when the key is set by code the scanner cannot see, such as a WSGI wrapper outside the repository.",
    references: [
      "https://flask.palletsprojects.com/en/stable/config/#SECRET_KEY",
      "https://flask.palletsprojects.com/en/stable/config/#SECRET_KEY_FALLBACKS",
      "https://cwe.mitre.org/data/definitions/798.html",
    ],
  },
  check({ project, report }) {
    for (const w of project.configWrites) {
      if (!SECRET_KEYS.has(w.key)) continue;
      const found = classify(project, w.mod, w.where.scope, w.value);
      if (!found) continue;
      const { ctx } = writeContext(project, w);
      if (ctx.test || ctx.devOnly) continue;
      const weak = weakness(found.value);
      const what = found.kind === "fallback" ? `${w.key} falls back to a hard-coded value when the environment variable is unset` : `${w.key} is hard-coded in the source`;
      report({
        file: w.mod.path,
        range: toRange(w.r),
        message: `${what}${weak ? `, and the value is ${weak}` : ""}.`,
        severity: "high",
        confidence: found.kind === "fallback" ? "medium" : "high",
        scope: w.where.scope,
        context: ctx.reasons,
        secrets: [found.value],
      });
    }
    for (const { file, env } of project.envSettings()) {
      if (!SECRET_KEYS.has(env.name) || file.subkind === "dotenv-example" || isDevDeploymentFile(file)) continue;
      let v = env.value.trim();
      // `${SECRET_KEY:-dev}` ships its default wherever the variable is unset, like os.environ.get(..., "dev").
      const fallback = /^\$\{[A-Za-z_][A-Za-z0-9_]*:?-(.*)\}$/.exec(v)?.[1]?.trim();
      if (fallback) v = fallback;
      else if (v === "" || /^\$\{?[A-Za-z_]/.test(v) || /^<.*>$/.test(v)) continue;
      const weak = weakness(v);
      const where = env.source === "dotenv" ? "a committed environment file" : env.source === "dockerfile" ? "the Dockerfile (it ends up in every image layer)" : "a deployment file";
      const what = fallback ? `${env.name} falls back to a literal in ${where} when the variable is unset` : `${env.name} is stored in ${where}`;
      report({ file: file.path, range: env.range, message: `${what}${weak ? `, and the value is ${weak}` : ""}.`, secrets: [v], ...(fallback ? { confidence: "medium" as const } : {}) });
    }
    reportMissing(project, report);
    reportFallbacks(project, report);
    reportLoggedSecrets(project, report);
  },
});

function reportMissing(project: Project, report: Parameters<Parameters<typeof defineRule>[0]["check"]>[0]["report"]): void {
  if (project.apps.length === 0) return;
  // Writes through `current_app` or an unbound config class may belong to any app.
  if (project.configWrites.some((w) => w.key === "SECRET_KEY" && w.apps.length === 0 && !w.configClass)) return;
  const signing = usesSigning(project);
  if (!signing) return;
  // A key written through a receiver the model could not resolve (a wrapper object, a dict passed around)
  // may still reach the app: then "missing" cannot be claimed.
  if (unresolvedSecretWrite(project)) return;
  for (const app of project.apps) {
    const ctx = project.contextOf(app.mod, app.mod.index.calls.find((c) => c.call === app.call));
    if (ctx.test || ctx.devOnly) continue;
    if (hasSecretSource(project, app)) continue;
    report({
      file: app.mod.path,
      range: toRange(app.call.r),
      message: `This app never gets a SECRET_KEY from any config source, yet ${signing}; Flask cannot sign sessions without one, and the usual quick fix is a hard-coded key.`,
      severity: "high",
      confidence: "medium",
      scope: app.scope,
    });
  }
}

function unresolvedSecretWrite(project: Project): boolean {
  for (const mod of project.pythonModules()) {
    // A key that only tests or development blocks set never reaches the deployed app.
    const production = (w: Where) => {
      const ctx = project.contextOf(mod, w);
      return !ctx.test && !ctx.devOnly;
    };
    for (const a of mod.index.assigns) {
      for (const t of a.targets) {
        if (t.k === "attr" && t.name === "secret_key" && production(a)) return true;
        if (t.k === "sub" && t.key.k === "str" && t.key.v === "SECRET_KEY" && production(a)) return true;
      }
    }
    for (const c of mod.index.calls) if (c.call.kw.some((k) => k.name === "SECRET_KEY") && production(c)) return true;
  }
  return false;
}

function hasSecretSource(project: Project, app: FlaskObject): boolean {
  // A key that only tests or development code set is missing in production.
  const reaches = (w: ConfigWrite) => {
    const { ctx } = writeContext(project, w);
    return !ctx.test && !ctx.devOnly;
  };
  if (project.configWrites.some((w) => w.key === "SECRET_KEY" && w.apps.includes(app) && reaches(w))) return true;
  for (const load of project.configLoads) {
    if (load.apps.length > 0 && !load.apps.includes(app)) continue;
    if (load.method !== "from_object") return true; // env var, file or mapping we cannot read: assume it may set the key
    if (load.targets.length === 0) return true;
    for (const t of load.targets) {
      if (t.t === "module") continue; // its constants are config writes already
      if (project.configAttr(t.cls, "SECRET_KEY")) return true;
    }
  }
  return false;
}
