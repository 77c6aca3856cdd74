/**
 * The linked project model: module names, imports across modules, Flask objects, routes and blueprint
 * prefixes, config writes and loads, extensions, and the context of facts. Each test writes a small
 * project to a temporary directory, scans it and inspects `project`.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Expr } from "../src/index/ir.js";
import { commandSegments, isShellCondition, pythonTarget, scriptTarget, shellBranchSpans } from "../src/link/commands.js";
import type { ModuleInfo } from "../src/link/modules.js";
import type { ConfigWrite, FlaskObject, Project, Route } from "../src/link/project.js";
import { lines, scanFiles } from "./support/scan.js";

async function link(files: Record<string, string>): Promise<Project> {
  return (await scanFiles(files)).project;
}

function mod(project: Project, path: string): ModuleInfo {
  const m = project.modules.byPath.get(path);
  assert.ok(m, `no module for ${path}; have ${[...project.modules.byPath.keys()].join(", ")}`);
  return m;
}

/** A dotted name as an expression: "a.b.c" -> attr(attr(name a, b), c). */
function expr(dotted: string): Expr {
  const [first, ...rest] = dotted.split(".");
  let e: Expr = { k: "name", id: first! };
  for (const name of rest) e = { k: "attr", obj: e, name, r: "1:1:1:1" };
  return e;
}

/** A short description of what an expression resolves to, for readable assertions. */
function resolved(project: Project, path: string, dotted: string, scope = ""): string[] {
  return project.resolve(mod(project, path), scope, expr(dotted)).map((v) => {
    switch (v.t) {
      case "ext":
        return `ext ${v.path}`;
      case "module":
        return `module ${v.mod.name}`;
      case "def":
        return `${v.def.kind} ${v.mod.name}.${v.def.qualname}`;
      case "inst":
        return `instance @${v.site}`;
      case "const":
        return `const ${JSON.stringify(v.v)}`;
    }
  });
}

const where = (o: FlaskObject) => `${o.mod.path}${o.scope ? `:${o.scope}` : ""}`;
const routeSummary = (r: Route) => ({ rule: r.rule, methods: r.methods, endpoint: r.endpoint, view: r.view?.name ?? null, via: r.via, fullPaths: r.fullPaths });
const writeSummary = (w: ConfigWrite) => `${w.mod.path}:${w.key}=${w.via}${w.configClass ? `@${w.configClass.def.name}` : ""}`;

describe("module names", () => {
  test("packages, nested packages, src/ layouts and top-level scripts", async () => {
    const project = await link({
      "shop/__init__.py": "",
      "shop/views.py": "",
      "shop/api/__init__.py": "",
      "shop/api/v1/__init__.py": "",
      "shop/api/v1/items.py": "",
      "src/notes/__init__.py": "",
      "src/notes/app.py": "",
      "manage.py": "",
      "scripts/seed.py": "",
    });
    const names = Object.fromEntries(project.pythonModules().map((m) => [m.path, [m.name, m.isPackage]]));
    assert.deepEqual(names, {
      "manage.py": ["manage", false],
      "scripts/seed.py": ["seed", false],
      "shop/__init__.py": ["shop", true],
      "shop/api/__init__.py": ["shop.api", true],
      "shop/api/v1/__init__.py": ["shop.api.v1", true],
      "shop/api/v1/items.py": ["shop.api.v1.items", false],
      "shop/views.py": ["shop.views", false],
      "src/notes/__init__.py": ["notes", true],
      "src/notes/app.py": ["notes.app", false],
    });
    assert.equal(project.modules.get("notes.app")?.path, "src/notes/app.py");
  });
});

describe("imports", () => {
  const files = {
    "shop/__init__.py": lines("from . import views", "from .views import index as home"),
    "shop/views.py": lines("def index():", "    return 'ok'"),
    "shop/config.py": lines("class Settings:", "    DEBUG = False", "PAGE_SIZE = 20"),
    "shop/api/__init__.py": "",
    "shop/api/v1.py": lines("from ..config import Settings", "from .. import config as cfg", "from shop.views import index"),
    "app.py": lines("import flask as f", "from flask import Blueprint as BP", "import shop.views", "import werkzeug.security as ws", "from shop import views as v"),
  };

  test("relative imports from a package and from a subpackage", async () => {
    const project = await link(files);
    assert.deepEqual(resolved(project, "shop/__init__.py", "views"), ["module shop.views"]);
    assert.deepEqual(resolved(project, "shop/__init__.py", "home"), ["function shop.views.index"]);
    assert.deepEqual(resolved(project, "shop/api/v1.py", "Settings"), ["class shop.config.Settings"]);
    assert.deepEqual(resolved(project, "shop/api/v1.py", "cfg.PAGE_SIZE"), ["const 20"]);
    assert.deepEqual(resolved(project, "shop/api/v1.py", "index"), ["function shop.views.index"]);
  });

  test("aliases of external and project modules", async () => {
    const project = await link(files);
    assert.deepEqual(resolved(project, "app.py", "f.Flask"), ["ext flask.Flask"]);
    assert.deepEqual(resolved(project, "app.py", "BP"), ["ext flask.Blueprint"]);
    assert.deepEqual(resolved(project, "app.py", "ws.generate_password_hash"), ["ext werkzeug.security.generate_password_hash"]);
    assert.deepEqual(resolved(project, "app.py", "v.index"), ["function shop.views.index"]);
    // `import shop.views` binds the top package; the submodule is reached through it.
    assert.deepEqual(resolved(project, "app.py", "shop.views.index"), ["function shop.views.index"]);
    assert.deepEqual(project.extPaths(mod(project, "app.py"), "", expr("f.Flask")), ["flask.Flask"]);
  });
});

describe("Flask objects", () => {
  test("apps built through aliases, in a factory and from a project subclass", async () => {
    const project = await link({
      "notes/__init__.py": lines(
        "from flask import Flask as F",
        "",
        "def create_app():",
        "    app = F(__name__)",
        "    return app",
      ),
      "wsgi.py": lines("from notes import create_app", "", "app = create_app()"),
      "api.py": lines("import flask as fl", "", "class Api(fl.Flask):", "    pass", "", "api = Api('api')"),
      "other.py": lines("class Flask:", "    pass", "", "fake = Flask()"),
    });
    assert.deepEqual(
      project.apps.map((a) => [where(a), a.cls, a.kind]),
      [
        ["api.py", "flask.Flask", "app"],
        ["notes/__init__.py:create_app", "flask.Flask", "app"],
      ],
    );
    assert.equal(project.apps.find((a) => a.mod.path === "api.py")?.name, "api");
    // The factory's result is that same app where it is called.
    const viaFactory = project.appsOf(mod(project, "wsgi.py"), "", expr("app"));
    assert.equal(viaFactory.isApp, true);
    assert.deepEqual(viaFactory.apps.map(where), ["notes/__init__.py:create_app"]);
    // A project class that happens to be called Flask is not an app.
    assert.equal(project.appsOf(mod(project, "other.py"), "", expr("fake")).isApp, false);
  });

  test("current_app counts as an app whose identity is unknown", async () => {
    const project = await link({ "views.py": lines("from flask import current_app as cap") });
    assert.deepEqual(project.appsOf(mod(project, "views.py"), "", expr("cap")), { apps: [], isApp: true });
  });
});

describe("routes and blueprints", () => {
  const files = {
    "app/__init__.py": lines(
      "from flask import Flask",
      "",
      "from .admin import bp as admin_bp",
      "from .api import api",
      "from .pages import pages",
      "",
      "def create_app():",
      "    app = Flask(__name__)",
      "    app.register_blueprint(admin_bp)",
      "    app.register_blueprint(pages, url_prefix='/p')",
      "    app.register_blueprint(api)",
      "",
      "    @app.route('/', methods=['GET', 'post'])",
      "    def index():",
      "        return 'home'",
      "",
      "    return app",
    ),
    "app/admin.py": lines(
      "from flask import Blueprint",
      "",
      "bp = Blueprint('admin', __name__, url_prefix='/admin')",
      "",
      "@bp.get('/users')",
      "def users():",
      "    return []",
      "",
      "@bp.post('/users/<int:user_id>/ban')",
      "def ban(user_id):",
      "    return ''",
    ),
    "app/pages.py": lines(
      "import flask",
      "",
      "pages = flask.Blueprint('pages', __name__, url_prefix='/pages')",
      "",
      "@pages.route('/about')",
      "def about():",
      "    return 'about'",
    ),
    "app/api/__init__.py": lines(
      "from flask import Blueprint",
      "",
      "from .v1 import v1",
      "",
      "api = Blueprint('api', __name__, url_prefix='/api')",
      "api.register_blueprint(v1)",
    ),
    "app/api/v1.py": lines(
      "from flask import Blueprint",
      "from flask.views import MethodView",
      "",
      "v1 = Blueprint('v1', __name__, url_prefix='/v1')",
      "",
      "class ItemAPI(MethodView):",
      "    def get(self, item_id):",
      "        return {}",
      "",
      "def health():",
      "    return 'ok'",
      "",
      "v1.add_url_rule('/items/<int:item_id>', view_func=ItemAPI.as_view('item'), methods=['GET', 'PUT'])",
      "v1.add_url_rule('/health', 'health_check', health)",
    ),
    "app/jobs.py": lines(
      "class JobRouter:",
      "    def route(self, name):",
      "        return lambda fn: fn",
      "",
      "router = JobRouter()",
      "",
      "@router.route('/nightly')",
      "def nightly():",
      "    pass",
    ),
  };

  test("blueprints with their own url_prefix", async () => {
    const project = await link(files);
    assert.deepEqual(
      project.blueprints.map((b) => [b.name, b.urlPrefix, b.mod.path]).sort(),
      [
        ["admin", "/admin", "app/admin.py"],
        ["api", "/api", "app/api/__init__.py"],
        ["pages", "/pages", "app/pages.py"],
        ["v1", "/v1", "app/api/v1.py"],
      ],
    );
  });

  test("registrations, including a blueprint nested in another", async () => {
    const project = await link(files);
    assert.deepEqual(
      project.registrations.map((r) => [r.parent.kind === "app" ? `app in ${where(r.parent)}` : r.parent.name, r.child.name, r.urlPrefix]).sort(),
      [
        ["api", "v1", null],
        ["app in app/__init__.py:create_app", "admin", null],
        ["app in app/__init__.py:create_app", "api", null],
        ["app in app/__init__.py:create_app", "pages", "/p"],
      ],
    );
  });

  test("decorator routes: methods from route(), get() and post(), full paths through prefixes", async () => {
    const project = await link(files);
    const byView = (name: string) => routeSummary(project.routes.find((r) => r.view?.name === name)!);
    assert.deepEqual(byView("index"), { rule: "/", methods: ["GET", "POST"], endpoint: "index", view: "index", via: "decorator", fullPaths: ["/"] });
    assert.deepEqual(byView("users"), { rule: "/users", methods: ["GET"], endpoint: "users", view: "users", via: "decorator", fullPaths: ["/admin/users"] });
    assert.deepEqual(byView("ban"), { rule: "/users/<int:user_id>/ban", methods: ["POST"], endpoint: "ban", view: "ban", via: "decorator", fullPaths: ["/admin/users/<int:user_id>/ban"] });
    // register_blueprint(url_prefix=...) overrides the blueprint's own prefix.
    assert.deepEqual(byView("about").fullPaths, ["/p/about"]);
  });

  test("add_url_rule with a class-based view and with a positional endpoint", async () => {
    const project = await link(files);
    const rules = project.routes.filter((r) => r.via === "add_url_rule").map(routeSummary);
    assert.deepEqual(rules, [
      { rule: "/items/<int:item_id>", methods: ["GET", "PUT"], endpoint: "item", view: "ItemAPI", via: "add_url_rule", fullPaths: ["/api/v1/items/<int:item_id>"] },
      { rule: "/health", methods: ["GET"], endpoint: "health_check", view: "health", via: "add_url_rule", fullPaths: ["/api/v1/health"] },
    ]);
  });

  test("self.add_url_rule in a method of a Flask subclass routes on every app built from it (or from a subclass)", async () => {
    const project = await link({
      "site/__init__.py": lines(
        "import flask",
        "from site import views",
        "",
        "class Base(flask.Flask):",
        "    def setup_routes(self):",
        '        self.add_url_rule("/", view_func=views.index)',
        "",
        "class Site(Base):",
        "    def __init__(self):",
        "        flask.Flask.__init__(self, __name__)",
        "        self.setup_routes()",
        '        self.config["MAX_CONTENT_LENGTH"] = 1024',
        "",
        "class Helper:",
        "    def setup_routes(self):",
        '        self.add_url_rule("/not-a-route", view_func=views.index)',
        "",
        "def make_app():",
        "    return Site()",
      ),
      "site/views.py": lines("def index():", '    return "hi"'),
    });
    assert.deepEqual(project.routes.map(routeSummary), [{ rule: "/", methods: ["GET"], endpoint: "index", view: "index", via: "add_url_rule", fullPaths: ["/"] }]);
    assert.equal(project.routes[0]!.owner.scope, "make_app");
    assert.deepEqual(
      project.configWrites.filter((w) => w.key === "MAX_CONTENT_LENGTH").map((w) => w.apps.map((a) => a.scope)),
      [["make_app"]],
    );
  });

  test("add_url_rule in a loop over a literal list is unrolled: one route per element, getattr(module, name) as the view", async () => {
    const project = await link({
      "site/__init__.py": lines(
        "import flask",
        "from site import views",
        "",
        "app = flask.Flask(__name__)",
        "for endpoint, rule in [",
        '    ("index", "/"),',
        '    ("blob", "/<repo>/blob/"),',
        '    ("raw", "/<repo>/raw/"),',
        "]:",
        "    app.add_url_rule(rule, view_func=getattr(views, endpoint))",
        '    app.add_url_rule("/mirror" + rule, endpoint="m_" + endpoint, view_func=getattr(views, endpoint))',
        '    if "<repo>" in rule:',
        '        app.add_url_rule("/~<ns>" + rule, view_func=getattr(views, endpoint))',
        'for page in ("about", "help"):',
        '    app.add_url_rule("/" + page, view_func=views.index, endpoint=page)',
      ),
      "site/views.py": lines(
        "from flask.views import View",
        "",
        "def index():",
        '    return "hi"',
        "",
        "def blob(repo):",
        "    return repo",
        "",
        "class RawView(View):",
        "    def dispatch_request(self, repo):",
        "        return repo",
        "",
        'raw = RawView.as_view("raw_file")',
      ),
    });
    assert.deepEqual(
      project.routes.map((r) => `${r.rule ?? "<dynamic>"} ${r.view?.name ?? "?"} ${r.endpoint ?? "?"}`),
      [
        "/ index index",
        "/<repo>/blob/ blob blob",
        "/<repo>/raw/ RawView raw_file",
        "/mirror/ index m_index",
        "/mirror/<repo>/blob/ blob m_blob",
        "/mirror/<repo>/raw/ RawView m_raw",
        "<dynamic> ? ?",
        "/about index about",
        "/help index help",
      ],
    );
  });

  test("route() on an object that is not Flask declares no route", async () => {
    const project = await link(files);
    assert.deepEqual(project.routes.filter((r) => r.mod.path === "app/jobs.py"), []);
    assert.equal(project.routes.length, 6);
  });
});

describe("config writes and loads", () => {
  const files = {
    "site/__init__.py": lines(
      "import os",
      "",
      "from flask import Flask",
      "",
      "from . import config",
      "from .config import ProductionConfig",
      "",
      "def create_app():",
      "    app = Flask(__name__)",
      "    app.config['SESSION_COOKIE_SECURE'] = True",
      "    app.config.update(DEBUG=False, TESTING=False)",
      "    app.config.from_mapping({'MAX_CONTENT_LENGTH': 1024}, PREFERRED_URL_SCHEME='https')",
      "    app.config.setdefault('SERVER_NAME', 'example.com')",
      "    app.config.from_object(ProductionConfig)",
      "    app.config.from_object('site.config.StagingConfig')",
      "    app.config.from_object('site.defaults')",
      "    app.config.from_pyfile('local.py', silent=True)",
      "    app.config.from_envvar('SITE_SETTINGS')",
      "    app.config.from_prefixed_env()",
      "    app.secret_key = os.environ['SECRET_KEY']",
      "    return app",
    ),
    "site/config.py": lines(
      "class Config:",
      "    SESSION_COOKIE_HTTPONLY = True",
      "    helper = 'lower-case names are not config'",
      "",
      "class ProductionConfig(Config):",
      "    DEBUG = False",
      "",
      "class StagingConfig(Config):",
      "    DEBUG = True",
    ),
    "site/defaults.py": lines("PAGE_SIZE = 25", "timeout = 3"),
    "site/local.py": lines("UPLOAD_FOLDER = '/srv/uploads'"),
    "site/unused.py": lines("NEVER_LOADED = 1"),
  };

  test("writes through config[...], update, from_mapping, setdefault and secret_key", async () => {
    const project = await link(files);
    const direct = project.configWrites.filter((w) => w.mod.path === "site/__init__.py");
    assert.deepEqual(
      direct.map((w) => [w.key, w.via, w.apps.map(where)]),
      [
        ["SESSION_COOKIE_SECURE", "item", ["site/__init__.py:create_app"]],
        ["SECRET_KEY", "attribute", ["site/__init__.py:create_app"]],
        ["DEBUG", "update", ["site/__init__.py:create_app"]],
        ["TESTING", "update", ["site/__init__.py:create_app"]],
        ["PREFERRED_URL_SCHEME", "from_mapping", ["site/__init__.py:create_app"]],
        ["MAX_CONTENT_LENGTH", "from_mapping", ["site/__init__.py:create_app"]],
        ["SERVER_NAME", "setdefault", ["site/__init__.py:create_app"]],
      ],
    );
  });

  test("from_object with a class and a dotted string, and from_pyfile, become loads and writes", async () => {
    const project = await link(files);
    assert.deepEqual(
      project.configLoads.map((l) => [l.method, l.targets.map((t) => (t.t === "class" ? `class ${t.cls.def.name}` : `module ${t.mod.name}`))]),
      [
        ["from_object", ["class ProductionConfig"]],
        ["from_object", ["class StagingConfig"]],
        ["from_object", ["module site.defaults"]],
        ["from_pyfile", ["module site.local"]],
        ["from_envvar", []],
        ["from_prefixed_env", []],
      ],
    );
    const loaded = project.configClasses.filter((c) => c.loaded).map((c) => c.def.name).sort();
    assert.deepEqual(loaded, ["ProductionConfig", "StagingConfig"]);
    const indirect = project.configWrites.filter((w) => w.mod.path !== "site/__init__.py").map(writeSummary).sort();
    assert.deepEqual(indirect, [
      "site/config.py:DEBUG=from_object@ProductionConfig",
      "site/config.py:DEBUG=from_object@StagingConfig",
      "site/config.py:SESSION_COOKIE_HTTPONLY=from_object@Config",
      "site/defaults.py:PAGE_SIZE=module-constant",
      "site/local.py:UPLOAD_FOLDER=module-constant",
    ]);
  });

  test("config classes: environment by name, attributes through inheritance", async () => {
    const project = await link(files);
    const cls = (name: string) => project.configClasses.find((c) => c.def.name === name)!;
    assert.deepEqual(
      project.configClasses.map((c) => [c.def.name, c.env]).sort(),
      [
        ["Config", "base"],
        ["ProductionConfig", "production"],
        ["StagingConfig", "production"],
      ],
    );
    assert.equal(project.configAttr(cls("ProductionConfig"), "SESSION_COOKIE_HTTPONLY")?.owner, cls("Config"));
    assert.equal(project.configAttr(cls("Config"), "DEBUG"), null);
    assert.deepEqual(project.subclassesOf(cls("Config")).map((c) => c.def.name).sort(), ["ProductionConfig", "StagingConfig"]);
  });

  test("from_object(__name__) loads the module's own constants", async () => {
    const project = await link({
      "app.py": lines("from flask import Flask", "", "DEBUG = True", "SECRET_KEY = 'x'", "", "app = Flask(__name__)", "app.config.from_object(__name__)"),
    });
    assert.deepEqual(project.configWrites.map(writeSummary), ["app.py:DEBUG=module-constant", "app.py:SECRET_KEY=module-constant"]);
  });

  test("writes on objects that are not Flask apps are not config", async () => {
    const project = await link({
      "app.py": lines(
        "from flask import Flask",
        "",
        "class Mailer:",
        "    def __init__(self):",
        "        self.config = {}",
        "        self.config['SECRET_KEY'] = 'x'",
        "",
        "settings = {}",
        "settings['DEBUG'] = True",
        "signer = Mailer()",
        "signer.secret_key = 'y'",
        "signer.config.update(DEBUG=True)",
        "app = Flask(__name__)",
      ),
    });
    assert.deepEqual(project.configWrites, []);
  });
});

describe("extensions", () => {
  test("bound with init_app in the factory of another module, or through the constructor", async () => {
    const project = await link({
      "blog/extensions.py": lines(
        "from flask_sqlalchemy import SQLAlchemy",
        "from flask_wtf.csrf import CSRFProtect",
        "from flask_login import LoginManager",
        "",
        "db = SQLAlchemy()",
        "csrf = CSRFProtect()",
        "login_manager = LoginManager()",
      ),
      "blog/__init__.py": lines(
        "from flask import Flask",
        "from flask_cors import CORS",
        "",
        "from .extensions import csrf, db",
        "",
        "def create_app():",
        "    app = Flask(__name__)",
        "    db.init_app(app)",
        "    csrf.init_app(app)",
        "    CORS(app, origins=['https://example.com'])",
        "    return app",
      ),
    });
    const summary = project.extensions.map((e) => [e.cls, e.mod.path, e.apps.map(where)]).sort();
    assert.deepEqual(summary, [
      ["flask_cors.CORS", "blog/__init__.py", ["blog/__init__.py:create_app"]],
      ["flask_login.LoginManager", "blog/extensions.py", []],
      ["flask_sqlalchemy.SQLAlchemy", "blog/extensions.py", ["blog/__init__.py:create_app"]],
      ["flask_wtf.csrf.CSRFProtect", "blog/extensions.py", ["blog/__init__.py:create_app"]],
    ]);
  });
});

describe("fact context", () => {
  test("test files, __main__ blocks and debug switches, including negated ones", async () => {
    const project = await link({
      "app.py": lines(
        "from flask import Flask",
        "",
        "app = Flask(__name__)",
        "if app.debug:",
        "    app.config['A'] = 1",
        "if not app.debug:",
        "    app.config['B'] = 1",
        "else:",
        "    app.config['C'] = 1",
        "if app.config['ENV'] != 'development':",
        "    app.config['D'] = 1",
        "if __name__ == '__main__':",
        "    app.config['E'] = 1",
      ),
      "tests/test_app.py": lines("from app import app", "app.config['F'] = 1"),
    });
    const ctx = Object.fromEntries(
      project.configWrites.map((w) => {
        const c = project.contextOf(w.mod, w.where);
        return [w.key, [c.test, c.devOnly]];
      }),
    );
    assert.deepEqual(ctx, {
      A: [false, true],
      B: [false, false],
      C: [false, true],
      D: [false, false],
      E: [false, true],
      F: [true, false],
    });
  });

  test("a file a production deployment file runs with python has a production __main__ block", async () => {
    const project = await link({
      "wsgi.py": lines("from flask import Flask", "app = Flask(__name__)", "if __name__ == '__main__':", "    app.run()"),
      "tool.py": lines("print('hi')"),
      "svc/__init__.py": "",
      "svc/__main__.py": lines("print('svc')"),
      Procfile: lines("web: python wsgi.py", "worker: python -m svc"),
      "Dockerfile.dev": lines("FROM python:3.12", 'CMD ["python", "tool.py"]'),
      "docker-compose.yml": lines("services:", "  web:", "    command: sh -c \"flask db upgrade && python3 -u wsgi.py\""),
    });
    assert.deepEqual(
      project.launches.map((l) => [l.file.path, l.mod.path, l.cmd.text]),
      [
        ["Procfile", "wsgi.py", "python wsgi.py"],
        ["Procfile", "svc/__main__.py", "python -m svc"],
        ["docker-compose.yml", "wsgi.py", 'sh -c "flask db upgrade && python3 -u wsgi.py"'],
      ],
    );
    const run = mod(project, "wsgi.py").index.calls.find((c) => c.call.fn.k === "attr" && c.call.fn.name === "run")!;
    assert.equal(project.contextOf("wsgi.py", run).devOnly, false);
    assert.equal(project.launchedDirectly.has("tool.py"), false, "Dockerfile.dev is a development file");
  });
});

describe("deployment commands", () => {
  test("shell wrappers and command lists are split into simple commands", () => {
    assert.deepEqual(commandSegments(["sh", "-c", "flask db upgrade && exec gunicorn app:app"]), [
      ["flask", "db", "upgrade"],
      ["gunicorn", "app:app"],
    ]);
    assert.deepEqual(commandSegments(["/bin/bash", "-ec", "FLASK_APP=app flask run; echo done"]), [["flask", "run"], ["echo", "done"]]);
    assert.deepEqual(commandSegments(["gunicorn", "-w", "2", "app:app"]), [["gunicorn", "-w", "2", "app:app"]]);
  });

  test("what a python command starts", () => {
    assert.deepEqual(pythonTarget(["python", "-u", "wsgi.py"]), { file: "wsgi.py" });
    assert.deepEqual(pythonTarget(["python3.12", "-X", "dev", "run.py", "--port", "80"]), { file: "run.py" });
    assert.deepEqual(pythonTarget(["python", "-m", "flask", "run"]), { module: "flask" });
    assert.equal(pythonTarget(["python", "-c", "import app"]), null);
    assert.equal(pythonTarget(["gunicorn", "wsgi:app"]), null);
  });

  test("what a command starts by path, and which script lines depend on a condition", () => {
    assert.equal(scriptTarget(["./docker-entrypoint.sh"]), "./docker-entrypoint.sh");
    assert.equal(scriptTarget(["bash", "-e", "/app/start.sh", "web"]), "/app/start.sh");
    assert.equal(scriptTarget(["gunicorn", "app:app"]), null);
    const at = (line: number, ...argv: string[]) => ({ argv, range: { start: { line }, end: { line } } });
    const spans = shellBranchSpans([at(2, "serve()", "{"), at(3, "flask", "run"), at(4, "}"), at(5, "if", "[", "-n", "$DEV", "];", "then"), at(6, "flask", "run"), at(7, "fi"), at(8, "gunicorn", "app:app")]);
    assert.deepEqual(spans.sort((a, b) => a[0] - b[0]), [[2, 4], [5, 7]]);
    assert.equal(isShellCondition(["[", "-n", "$DEV", "]", "&&", "flask", "run"]), true);
    assert.equal(isShellCondition(["exec", "gunicorn", "app:app"]), false);
  });

  test("shell scripts that production starts, and the lines of them that always run", async () => {
    const project = await link({
      "app.py": "from flask import Flask\napp = Flask(__name__)\n",
      Dockerfile: 'FROM python:3.12\nCOPY docker/entrypoint.sh /usr/local/bin/\nENTRYPOINT ["entrypoint.sh"]\n',
      "docker/entrypoint.sh": "#!/bin/sh\nsh /srv/bin/boot.sh\nif [ -n \"$DEV\" ]; then\n  python app.py\nfi\n",
      "bin/boot.sh": "#!/bin/sh\nexec python app.py\n",
      "scripts/dev.sh": "#!/bin/sh\npython app.py\n",
    });
    assert.deepEqual([...project.startedScripts.keys()].sort(), ["bin/boot.sh", "docker/entrypoint.sh"]);
    assert.deepEqual(project.launches.map((l) => `${l.file.path} -> ${l.mod.path}`), ["bin/boot.sh -> app.py"]);
  });
});
