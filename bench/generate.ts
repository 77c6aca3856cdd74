/**
 * Generates a synthetic but realistic Flask project of a given number of Python files.
 * The output depends only on the file count (a seeded generator, no clock, no randomness
 * from the system), so runs on different machines scan the same text.
 *
 * Layout:
 *   wsgi.py, manage.py, Procfile, requirements.txt
 *   webapp/__init__.py        app factory: config loading, config writes, extensions, areas
 *   webapp/config.py          config classes with inheritance
 *   webapp/extensions.py      db, login manager, csrf, cache, mail
 *   webapp/<area>/__init__.py registers the blueprints of its area
 *   webapp/<area>/<bp>/       __init__ (Blueprint), views, helpers, services, models, forms, schemas, tasks
 *
 * A few lines are deliberately insecure so the scan has findings: a literal fallback secret key that the
 * production config inherits, and (in every 40th blueprint) a module that starts the development server
 * with the debugger at import time.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const WORDS = [
  "orders", "billing", "accounts", "reports", "inventory", "catalog", "shipping", "support",
  "audit", "search", "media", "notify", "profile", "teams", "invoices", "payments",
];
const MODULES = ["__init__", "views", "helpers", "services", "models", "forms", "schemas", "tasks"] as const;
type ModuleKind = (typeof MODULES)[number];
const BLUEPRINTS_PER_AREA = 12;
const PACKAGE = "webapp";

/** Mulberry32: tiny, fast and good enough to vary line counts deterministically. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function between(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

function cap(s: string): string {
  return s
    .split("_")
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join("");
}

interface Blueprint {
  /** e.g. orders_17 */
  name: string;
  area: string;
  modules: ModuleKind[];
  index: number;
}

export interface GeneratedProject {
  root: string;
  pythonFiles: number;
  otherFiles: number;
  lines: number;
}

/** Writes a project with exactly `pyFiles` Python files (at least 8) under `root`. */
export function generateProject(root: string, pyFiles: number): GeneratedProject {
  const want = Math.max(8, Math.floor(pyFiles));
  const fixed = 5; // wsgi.py, manage.py, webapp/__init__.py, config.py, extensions.py
  let remaining = want - fixed;
  const blueprints: Blueprint[] = [];
  const areas: string[] = [];
  while (remaining > 0) {
    const b = blueprints.length;
    if (b % BLUEPRINTS_PER_AREA === 0) {
      // A new area costs its own __init__.py; it needs room for at least one blueprint module too.
      if (remaining < 2) break;
      areas.push(`area_${areas.length}`);
      remaining--;
    }
    const count = Math.min(MODULES.length, remaining);
    blueprints.push({ name: `${WORDS[b % WORDS.length]}_${b}`, area: areas[areas.length - 1]!, modules: MODULES.slice(0, count), index: b });
    remaining -= count;
  }
  // The loop can stop one file short when an area could not be opened; top the last blueprint up.
  while (remaining > 0) {
    const last = blueprints[blueprints.length - 1]!;
    const extra = `extra_${remaining}` as ModuleKind;
    last.modules = [...last.modules, extra];
    remaining--;
  }

  const files = new Map<string, string>();
  const add = (rel: string, text: string) => files.set(rel, text.endsWith("\n") ? text : `${text}\n`);
  const r = rng(want * 2654435761);

  add("wsgi.py", wsgi());
  add("manage.py", manage(r));
  add("Procfile", "web: gunicorn --workers 4 --bind 0.0.0.0:8000 wsgi:app\n");
  add("requirements.txt", ["Flask==3.0.3", "Flask-SQLAlchemy==3.1.1", "Flask-Login==0.6.3", "Flask-WTF==1.2.1", "Flask-Caching==2.3.0", "Flask-Mail==0.10.0", "gunicorn==22.0.0"].join("\n"));
  add(`${PACKAGE}/__init__.py`, factory(areas, r));
  add(`${PACKAGE}/config.py`, config(r));
  add(`${PACKAGE}/extensions.py`, extensions());
  for (const area of areas) {
    add(`${PACKAGE}/${area}/__init__.py`, areaInit(area, blueprints.filter((b) => b.area === area)));
  }
  for (const bp of blueprints) {
    for (const kind of bp.modules) {
      const rel = `${PACKAGE}/${bp.area}/${bp.name}/${kind}.py`;
      add(rel, moduleText(kind, bp, r));
    }
  }

  let lines = 0;
  let python = 0;
  for (const [rel, text] of files) {
    const abs = join(root, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, text);
    lines += text.split("\n").length - 1;
    if (rel.endsWith(".py")) python++;
  }
  return { root, pythonFiles: python, otherFiles: files.size - python, lines };
}

function wsgi(): string {
  return `"""WSGI entry point; the Procfile starts it with gunicorn."""
import os

from ${PACKAGE} import create_app

app = create_app(os.environ.get("APP_CONFIG", "production"))
`;
}

function manage(r: () => number): string {
  const out = [
    `"""Maintenance commands: python manage.py <command>."""`,
    "import sys",
    "",
    "import click",
    "",
    `from ${PACKAGE} import create_app`,
    `from ${PACKAGE}.extensions import db`,
    "",
    'app = create_app("development")',
    "",
  ];
  const n = between(r, 6, 9);
  for (let i = 0; i < n; i++) {
    out.push(
      `@app.cli.command("task-${i}")`,
      `@click.option("--dry-run", is_flag=True, help="Only print what would change.")`,
      `@click.option("--limit", default=${50 * (i + 1)}, show_default=True)`,
      `def task_${i}(dry_run, limit):`,
      `    """Housekeeping job number ${i}."""`,
      "    with app.app_context():",
      `        rows = db.session.execute(db.text("SELECT id FROM jobs WHERE kind = :k LIMIT :n"), {"k": ${i}, "n": limit})`,
      "        count = 0",
      "        for row in rows:",
      "            count += 1",
      "            if not dry_run:",
      `                db.session.execute(db.text("UPDATE jobs SET done = 1 WHERE id = :id"), {"id": row.id})`,
      "        if not dry_run:",
      "            db.session.commit()",
      `        click.echo(f"task-${i}: {count} rows")`,
      "",
    );
  }
  out.push(
    'if __name__ == "__main__":',
    "    if len(sys.argv) > 1:",
    "        app.cli.main()",
    "    else:",
    "        # Local development only.",
    "        app.run(debug=True)",
  );
  return out.join("\n");
}

function factory(areas: string[], r: () => number): string {
  const out = [
    `"""Application factory."""`,
    "import logging",
    "import os",
    "",
    "from flask import Flask, jsonify, request",
    "",
    "from .config import CONFIGS",
    "from .extensions import cache, csrf, db, login_manager, mail",
    "",
    "log = logging.getLogger(__name__)",
    "",
    "",
    "def create_app(config_name=None):",
    '    """Builds and configures the Flask application."""',
    "    app = Flask(__name__, instance_relative_config=True)",
    '    name = config_name or os.environ.get("APP_CONFIG", "production")',
    "    app.config.from_object(CONFIGS[name])",
    '    app.config.from_prefixed_env("WEBAPP")',
    "    app.config.update(",
    "        SESSION_COOKIE_SECURE=True,",
    "        SESSION_COOKIE_HTTPONLY=True,",
    '        SESSION_COOKIE_SAMESITE="Lax",',
    "    )",
    '    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024',
    "    register_extensions(app)",
    "    register_areas(app)",
    "    register_error_handlers(app)",
    "    return app",
    "",
    "",
    "def register_extensions(app):",
    "    db.init_app(app)",
    "    login_manager.init_app(app)",
    "    csrf.init_app(app)",
    "    cache.init_app(app)",
    "    mail.init_app(app)",
    "",
    "",
    "def register_areas(app):",
  ];
  for (const a of areas) out.push(`    from .${a} import register as register_${a}`);
  for (const a of areas) out.push(`    register_${a}(app)`);
  if (areas.length === 0) out.push("    return None");
  out.push("", "", "def register_error_handlers(app):");
  const codes = [400, 401, 403, 404, 405, 409, 413, 422, 429, 500];
  const n = between(r, 6, codes.length);
  for (let i = 0; i < n; i++) {
    const c = codes[i]!;
    out.push(
      `    @app.errorhandler(${c})`,
      `    def handle_${c}(err):`,
      `        log.info("error ${c} on %s", request.path)`,
      `        return jsonify(error=getattr(err, "description", "error ${c}")), ${c}`,
      "",
    );
  }
  return out.join("\n");
}

function config(r: () => number): string {
  const extra: string[] = [];
  const n = between(r, 10, 16);
  for (let i = 0; i < n; i++) extra.push(`    FEATURE_${i}_ENABLED = ${i % 3 === 0 ? "True" : "False"}`, `    FEATURE_${i}_LIMIT = ${(i + 1) * 25}`);
  return `"""Configuration classes, selected by name in create_app."""
import os
from datetime import timedelta


class BaseConfig:
    """Settings shared by every environment."""

    # Deliberately weak for the benchmark: a literal fallback key that production inherits.
    SECRET_KEY = os.environ.get("SECRET_KEY", "change-me")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite:///app.db")
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    CACHE_TYPE = "SimpleCache"
    CACHE_DEFAULT_TIMEOUT = 300
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    DEBUG = False
    TESTING = False
${extra.join("\n")}


class DevelopmentConfig(BaseConfig):
    DEBUG = True
    SQLALCHEMY_ECHO = True
    SECRET_KEY = "dev"


class TestingConfig(BaseConfig):
    TESTING = True
    WTF_CSRF_ENABLED = False
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SECRET_KEY = "test"


class ProductionConfig(BaseConfig):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


class StagingConfig(ProductionConfig):
    SQLALCHEMY_ECHO = False


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "staging": StagingConfig,
    "production": ProductionConfig,
}
`;
}

function extensions(): string {
  return `"""Extension instances, bound to the app in create_app."""
from flask_caching import Cache
from flask_login import LoginManager
from flask_mail import Mail
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

db = SQLAlchemy()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
csrf = CSRFProtect()
cache = Cache()
mail = Mail()


@login_manager.user_loader
def load_user(user_id):
    from .area_0.accounts_2.models import Accounts2

    return db.session.get(Accounts2, int(user_id))
`;
}

function areaInit(area: string, bps: Blueprint[]): string {
  const out = [`"""Blueprints of ${area}."""`, "", "", "def register(app):"];
  for (const b of bps) {
    if (b.modules.length === 0) continue;
    out.push(`    from .${b.name} import bp as ${b.name}_bp`);
    out.push(`    app.register_blueprint(${b.name}_bp, url_prefix="/${area}/${b.name}")`);
  }
  out.push("    return app");
  return out.join("\n");
}

function moduleText(kind: ModuleKind, bp: Blueprint, r: () => number): string {
  switch (kind) {
    case "__init__":
      return bpInit(bp);
    case "views":
      return views(bp, r);
    case "helpers":
      return helpers(bp, r);
    case "services":
      return services(bp, r);
    case "models":
      return models(bp, r);
    case "forms":
      return forms(bp, r);
    case "schemas":
      return schemas(bp, r);
    case "tasks":
      return tasks(bp, r);
    default:
      return helpers(bp, r);
  }
}

function has(bp: Blueprint, kind: ModuleKind): boolean {
  return bp.modules.includes(kind);
}

function bpInit(bp: Blueprint): string {
  const lines = [
    `"""The ${bp.name} blueprint."""`,
    "from flask import Blueprint",
    "",
    `bp = Blueprint("${bp.name}", __name__, template_folder="templates")`,
    "",
    "",
    "def init_app(app):",
    `    app.config.setdefault("${bp.name.toUpperCase()}_PAGE_SIZE", 20)`,
    `    app.config.setdefault("${bp.name.toUpperCase()}_EXPORT_FORMAT", "csv")`,
    "",
  ];
  if (has(bp, "views")) lines.push("", "from . import views  # noqa: E402,F401  (registers the routes)");
  return lines.join("\n");
}

function views(bp: Blueprint, r: () => number): string {
  const C = cap(bp.name);
  const out = [
    `"""HTTP views of the ${bp.name} blueprint."""`,
    "from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for",
    "from flask_login import current_user, login_required",
    "",
    `from ${PACKAGE}.extensions import cache, db`,
    "from . import bp",
  ];
  if (has(bp, "helpers")) out.push(`from .helpers import clean_query, page_window, row_summary`);
  if (has(bp, "services")) out.push(`from .services import ${C}Service`);
  if (has(bp, "models")) out.push(`from .models import ${C}Item`);
  if (has(bp, "forms")) out.push(`from .forms import ${C}Form`);
  out.push(
    "",
    "",
    '@bp.route("/")',
    "@login_required",
    "@cache.cached(timeout=60, query_string=True)",
    "def index():",
    '    page = request.args.get("page", 1, type=int)',
    `    size = current_app.config.get("${bp.name.toUpperCase()}_PAGE_SIZE", 20)`,
    has(bp, "helpers") ? '    query = clean_query(request.args.get("q", ""))' : '    query = request.args.get("q", "").strip()',
    has(bp, "helpers") ? "    first, last = page_window(page, size)" : "    first, last = (page - 1) * size, page * size",
    has(bp, "models") ? `    items = ${C}Item.query.filter(${C}Item.name.contains(query)).slice(first, last).all()` : "    items = []",
    `    return render_template("${bp.name}/index.html", items=items, query=query, page=page)`,
    "",
  );
  const n = between(r, 4, 7);
  for (let i = 0; i < n; i++) {
    out.push(
      "",
      `@bp.route("/item/<int:item_id>/step-${i}", methods=["GET", "POST"])`,
      "@login_required",
      `def step_${i}(item_id):`,
      has(bp, "models") ? `    item = db.get_or_404(${C}Item, item_id)` : "    item = None",
      "    if item is not None and item.owner_id != current_user.id and not current_user.is_admin:",
      "        abort(403)",
      has(bp, "forms") ? `    form = ${C}Form(obj=item)` : "    form = None",
      "    if form is not None and form.validate_on_submit():",
      has(bp, "services") ? `        ${C}Service(db.session).apply_${i % 4}(item, form.data)` : "        db.session.commit()",
      `        flash("Step ${i} saved.", "success")`,
      `        return redirect(url_for("${bp.name}.index"))`,
      has(bp, "helpers") ? "    summary = row_summary(item)" : "    summary = {}",
      `    if request.accept_mimetypes.best == "application/json":`,
      "        return jsonify(summary)",
      `    return render_template("${bp.name}/step.html", form=form, item=item, summary=summary, step=${i})`,
      "",
    );
  }
  if (bp.index % 5 === 0) {
    out.push(
      "",
      'if __name__ == "__main__":',
      `    from ${PACKAGE} import create_app`,
      "",
      '    create_app("development").run(debug=True)',
    );
  }
  return out.join("\n");
}

function helpers(bp: Blueprint, r: () => number): string {
  const out = [
    `"""Pure helpers of the ${bp.name} blueprint."""`,
    "import re",
    "from datetime import datetime, timezone",
    "",
    '_SPACES = re.compile(r"\\s+")',
    "",
    "",
    "def clean_query(text, limit=80):",
    '    """Trims, folds spaces and caps the length of a search string."""',
    '    text = _SPACES.sub(" ", (text or "").strip())',
    "    return text[:limit]",
    "",
    "",
    "def page_window(page, size):",
    "    page = max(1, int(page))",
    "    size = min(max(1, int(size)), 200)",
    "    return (page - 1) * size, page * size",
    "",
    "",
    "def row_summary(item):",
    "    if item is None:",
    "        return {}",
    "    return {",
    '        "id": item.id,',
    '        "name": item.name,',
    '        "age_days": (datetime.now(timezone.utc) - item.created_at).days,',
    "    }",
    "",
  ];
  const n = between(r, 5, 9);
  for (let i = 0; i < n; i++) {
    out.push(
      "",
      `def score_${i}(values, weight=${i + 1}):`,
      `    """Weighted score number ${i}."""`,
      "    total = 0",
      "    for idx, value in enumerate(values):",
      `        if value is None or idx % ${i + 2} == 0:`,
      "            continue",
      "        total += value * weight",
      "    return total / max(1, len(values))",
      "",
    );
  }
  return out.join("\n");
}

function services(bp: Blueprint, r: () => number): string {
  const C = cap(bp.name);
  const out = [
    `"""Business logic of the ${bp.name} blueprint."""`,
    "import logging",
    "",
    `from ${PACKAGE}.extensions import mail`,
  ];
  if (has(bp, "helpers")) out.push("from .helpers import clean_query, score_0");
  out.push(
    "",
    "log = logging.getLogger(__name__)",
    "",
    "",
    `class ${C}Service:`,
    '    """Applies changes to items and sends notifications."""',
    "",
    "    def __init__(self, session):",
    "        self.session = session",
    "",
  );
  for (let i = 0; i < 4; i++) {
    out.push(
      `    def apply_${i}(self, item, data):`,
      `        name = ${has(bp, "helpers") ? 'clean_query(data.get("name", ""))' : 'data.get("name", "").strip()'}`,
      "        if not name:",
      '            raise ValueError("name is required")',
      "        item.name = name",
      `        item.score = ${has(bp, "helpers") ? 'score_0(data.get("values", []))' : "0"}`,
      "        self.session.add(item)",
      "        self.session.commit()",
      `        log.info("applied change ${i} to %s", item.id)`,
      "        return item",
      "",
    );
  }
  const n = between(r, 3, 6);
  for (let i = 0; i < n; i++) {
    out.push(
      `    def notify_${i}(self, recipients, item):`,
      "        sent = 0",
      "        for address in recipients:",
      '            if "@" not in address:',
      '                log.warning("skipping bad address %r", address)',
      "                continue",
      `            mail.send_message(subject="Update ${i}", recipients=[address], body=str(item.name))`,
      "            sent += 1",
      "        return sent",
      "",
    );
  }
  return out.join("\n");
}

function models(bp: Blueprint, r: () => number): string {
  const C = cap(bp.name);
  const out = [
    `"""Database models of the ${bp.name} blueprint."""`,
    "from datetime import datetime, timezone",
    "",
    "from flask_login import UserMixin",
    "",
    `from ${PACKAGE}.extensions import db`,
    "",
    "",
    `class ${C}Item(db.Model):`,
    `    __tablename__ = "${bp.name}_items"`,
    "",
    "    id = db.Column(db.Integer, primary_key=True)",
    "    name = db.Column(db.String(120), nullable=False, index=True)",
    "    owner_id = db.Column(db.Integer, nullable=False)",
    "    score = db.Column(db.Float, default=0.0)",
    "    created_at = db.Column(db.DateTime(timezone=True), default=lambda: datetime.now(timezone.utc))",
    "",
    "    def __repr__(self):",
    `        return f"<${C}Item {self.id} {self.name!r}>"`,
    "",
  ];
  const n = between(r, 3, 5);
  for (let i = 0; i < n; i++) {
    out.push(
      "",
      `class ${C}Detail${i}(db.Model):`,
      `    __tablename__ = "${bp.name}_detail_${i}"`,
      "",
      "    id = db.Column(db.Integer, primary_key=True)",
      `    item_id = db.Column(db.Integer, db.ForeignKey("${bp.name}_items.id"), nullable=False)`,
      "    label = db.Column(db.String(64), nullable=False)",
      "    value = db.Column(db.Text)",
      `    item = db.relationship("${C}Item", backref="details_${i}")`,
      "",
      "    def as_dict(self):",
      '        return {"id": self.id, "label": self.label, "value": self.value}',
      "",
    );
  }
  if (bp.name.startsWith("accounts")) {
    out.push(
      "",
      `class ${C}(UserMixin, db.Model):`,
      `    __tablename__ = "${bp.name}_users"`,
      "    id = db.Column(db.Integer, primary_key=True)",
      "    email = db.Column(db.String(255), unique=True, nullable=False)",
      "    is_admin = db.Column(db.Boolean, default=False)",
    );
  }
  return out.join("\n");
}

function forms(bp: Blueprint, r: () => number): string {
  const C = cap(bp.name);
  const out = [
    `"""Forms of the ${bp.name} blueprint."""`,
    "from flask_wtf import FlaskForm",
    "from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField",
    "from wtforms.validators import DataRequired, Length, NumberRange, Optional",
    "",
    "",
    `class ${C}Form(FlaskForm):`,
    "    name = StringField(\"Name\", validators=[DataRequired(), Length(max=120)])",
    "    notes = TextAreaField(\"Notes\", validators=[Optional(), Length(max=2000)])",
    "    active = BooleanField(\"Active\", default=True)",
    "",
  ];
  const n = between(r, 6, 10);
  for (let i = 0; i < n; i++) {
    out.push(
      "",
      `class ${C}Filter${i}Form(FlaskForm):`,
      `    """Filter form ${i}."""`,
      "",
      "    q = StringField(\"Search\", validators=[Optional(), Length(max=80)])",
      `    limit = IntegerField("Limit", default=${10 * (i + 1)}, validators=[NumberRange(min=1, max=500)])`,
      '    order = SelectField("Order", choices=[("asc", "Ascending"), ("desc", "Descending")])',
      "",
      "    def validate_q(self, field):",
      "        if field.data and field.data.startswith(\"-\"):",
      '            field.errors.append("may not start with a dash")',
      "            return False",
      "        return True",
      "",
    );
  }
  return out.join("\n");
}

function schemas(bp: Blueprint, r: () => number): string {
  const out = [`"""Serialisers of the ${bp.name} blueprint."""`, "", "", "def dump_item(item):", "    return {", '        "id": item.id,', '        "name": item.name,', '        "score": round(item.score or 0, 2),', '        "created": item.created_at.isoformat() if item.created_at else None,', "    }", ""];
  const n = between(r, 7, 11);
  for (let i = 0; i < n; i++) {
    out.push(
      "",
      `def load_payload_${i}(payload):`,
      `    """Validates incoming JSON number ${i}; returns (data, errors)."""`,
      "    errors = {}",
      "    data = {}",
      '    name = payload.get("name")',
      "    if not isinstance(name, str) or not name.strip():",
      '        errors["name"] = "required"',
      "    else:",
      '        data["name"] = name.strip()[:120]',
      `    count = payload.get("count", ${i})`,
      "    if not isinstance(count, int) or count < 0:",
      '        errors["count"] = "must be a non-negative integer"',
      "    else:",
      '        data["count"] = count',
      "    return data, errors",
      "",
    );
  }
  return out.join("\n");
}

function tasks(bp: Blueprint, r: () => number): string {
  const out = [
    `"""Background jobs of the ${bp.name} blueprint."""`,
    "import logging",
    "import time",
    "",
    `from ${PACKAGE} import create_app`,
    `from ${PACKAGE}.extensions import db`,
    "",
    "log = logging.getLogger(__name__)",
    "",
  ];
  const n = between(r, 6, 10);
  for (let i = 0; i < n; i++) {
    out.push(
      "",
      `def job_${i}(batch_size=${100 * (i + 1)}, pause=0.1):`,
      `    """Periodic job ${i}: processes rows in batches."""`,
      '    app = create_app("production")',
      "    with app.app_context():",
      "        offset = 0",
      "        while True:",
      `            rows = db.session.execute(db.text("SELECT id FROM ${bp.name}_items ORDER BY id LIMIT :n OFFSET :o"), {"n": batch_size, "o": offset}).all()`,
      "            if not rows:",
      "                break",
      "            offset += len(rows)",
      `            log.debug("job ${i}: %d rows", len(rows))`,
      "            time.sleep(pause)",
      "    return offset",
      "",
    );
  }
  if (bp.index % 40 === 7) {
    out.push(
      "",
      "# Deliberately insecure for the benchmark: the development server with the debugger, started on import.",
      'debug_app = create_app("production")',
      'debug_app.run(host="0.0.0.0", port=5001, debug=True)',
    );
  }
  return out.join("\n");
}
