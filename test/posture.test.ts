/**
 * The mitigation posture: verdicts item by item on both example apps, partial and not-applicable
 * verdicts on small projects, the score formula, the `posture` command and the posture in reports.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Posture, PostureItem, PostureVerdict, ScanResult } from "../src/core/types.js";
import { BANDS, CREDIT, computePosture, MITIGATIONS, WEIGHT, scoreOf } from "../src/posture/index.js";
import type { Finding } from "../src/core/types.js";
import { formatReport } from "../src/report/index.js";
import { RULES } from "../src/rules/index.js";
import type { ScanOutput } from "../src/scan.js";
import { initProject } from "../src/cli/init.js";
import { lines, scanDir, scanFiles } from "./support/scan.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(REPO, "bin", "flaskwarden.js");
const EXAMPLES = join(REPO, "examples");

function posture(out: ScanOutput): Posture {
  const p = out.result.posture;
  assert.ok(p, "the scan attaches a posture");
  return p;
}

function verdicts(p: Posture): Record<string, PostureVerdict> {
  return Object.fromEntries(p.items.map((it) => [it.id, it.verdict]));
}

function item(p: Posture, id: string): PostureItem {
  const it = p.items.find((x) => x.id === id);
  assert.ok(it, `posture item ${id}`);
  return it;
}

const has = (id: string) => RULES.some((r) => r.id === id);

describe("posture of the example apps", () => {
  test("examples/hardened-app: every mitigation is implemented", async () => {
    const p = posture(await scanDir(join(EXAMPLES, "hardened-app")));
    assert.deepEqual(verdicts(p), Object.fromEntries(MITIGATIONS.map((m) => [m.id, "implemented"])));
    assert.equal(p.score, 100);
    assert.equal(p.grade, "A");
    for (const it of p.items) {
      assert.ok(it.evidence.some((e) => e.control), `${it.id} names the control it found`);
      assert.ok(!it.evidence.some((e) => !e.control), `${it.id} lists no gap`);
      assert.equal(it.nextStep, "", `${it.id} has no next step`);
    }
    // Evidence points at the real controls.
    const at = (id: string) => item(p, id).evidence.map((e) => `${e.file}:${e.line ?? ""}`);
    assert.ok(at("secret-key").includes("notesapp/config.py:95"), "os.environ['SECRET_KEY'] in ProductionConfig");
    assert.ok(at("host-validation").includes("notesapp/config.py:100"), "TRUSTED_HOSTS in ProductionConfig");
    assert.ok(at("security-headers").includes("notesapp/extensions.py:20"), "Talisman()");
    assert.ok(item(p, "upload-handling").evidence.some((e) => /secure_filename/.test(e.note)));
    assert.ok(item(p, "upload-handling").evidence.some((e) => /allow-list/.test(e.note)));
    assert.ok(item(p, "error-handlers").evidence.some((e) => /handler for 500/.test(e.note)));
    assert.ok(item(p, "per-environment-config").evidence.some((e) => /raises RuntimeError/.test(e.note)));
  });

  test("examples/vulnerable-app: mitigations are missing or partial, with the findings as evidence", async () => {
    const p = posture(await scanDir(join(EXAMPLES, "vulnerable-app")));
    assert.deepEqual(verdicts(p), {
      "debug-off": "missing",
      "secret-key": "missing",
      "session-cookies": "missing",
      // SSTI now; FLASK-XSS-001 adds the `|safe` search term once it is registered.
      autoescape: "partial",
      "input-validation": "partial",
      "upload-handling": "missing",
      "access-control": "partial",
      // The catch-all handler sends the exception text: FLASK-ERROR-001 reports that once it is registered.
      "error-handlers": has("FLASK-ERROR-001") ? "missing" : "partial",
      extensions: "partial",
      "per-environment-config": "partial",
      "rate-limiting": "missing",
      "host-validation": "missing",
      "security-headers": "missing",
      "dependency-hygiene": "missing",
    });
    assert.ok(p.score < 40, `score ${p.score}`);
    assert.equal(p.grade, "F");
    // Gaps cite the findings of the item's rules, at their locations.
    const debug = item(p, "debug-off");
    assert.ok(debug.evidence.some((e) => e.file === "notesapp/config.py" && e.line === 12 && e.note.startsWith("FLASK-DEPLOY-002")));
    assert.ok(item(p, "secret-key").evidence.some((e) => e.file === "notesapp/config.py" && e.line === 14 && !e.control));
    assert.ok(item(p, "extensions").evidence.some((e) => /WTF_CSRF_ENABLED = False/.test(e.note)));
    assert.ok(item(p, "upload-handling").evidence.some((e) => /no MAX_CONTENT_LENGTH/.test(e.note)));
    const validation = item(p, "input-validation");
    assert.ok(validation.evidence.some((e) => /`(make_thumbnail|download_attachment|import_notes|preview|create)`.*without a schema/.test(e.note)));
    assert.ok(validation.evidence.some((e) => e.note.startsWith("FLASK-INJECT-002")));
    for (const it of p.items) if (it.verdict !== "implemented") assert.notEqual(it.nextStep, "", `${it.id} says what to do`);
  });
});

test("the project `flaskwarden init` writes: every mitigation implemented or not applicable", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "fw-posture-init-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  initProject(dir, { force: false });
  const p = posture(await scanDir(dir));
  const weak = p.items.filter((it) => it.verdict === "partial" || it.verdict === "missing").map((it) => `${it.id}: ${it.verdict}`);
  assert.deepEqual(weak, []);
  assert.equal(item(p, "upload-handling").verdict, "not-applicable", "the skeleton takes no uploads");
  assert.equal(p.grade, "A");
});

const reportOpts = { color: false, toolVersion: "0.0.0", rules: [...RULES], showSuppressed: false };

/** An empty scan result to attach a posture to. */
function result(): ScanResult {
  return { root: "/r", findings: [], diagnostics: [], summary: { files: 1, lines: 1, findings: 0, suppressed: 0, baselined: 0, bySeverity: { critical: 0, high: 0, medium: 0, low: 0 }, elapsedMs: 1 } };
}

describe("posture verdicts on small projects", () => {
  test("a JSON-only app without sessions, templates, uploads or guards: those items are not applicable, with the reason", async () => {
    const p = posture(
      await scanFiles({
        "app.py": lines(
          "from flask import Flask, jsonify, request",
          "app = Flask(__name__)",
          "",
          '@app.route("/sum")',
          "def total():",
          '    a = request.args.get("a", 0, type=int)',
          "    return jsonify(total=a)",
        ),
      }),
    );
    const v = verdicts(p);
    for (const id of ["secret-key", "session-cookies", "autoescape", "upload-handling", "access-control", "extensions", "security-headers"]) {
      assert.equal(v[id], "not-applicable", id);
      assert.ok(item(p, id).evidence[0]?.note, `${id} says why it does not apply`);
    }
    assert.match(item(p, "upload-handling").evidence[0]!.note, /request\.files/);
    assert.match(item(p, "autoescape").evidence[0]!.note, /no Jinja templates/);
    assert.equal(v["input-validation"], "implemented", "type=int converts the argument");
    assert.equal(v["debug-off"], "implemented");
    assert.equal(v["error-handlers"], "missing");
    assert.equal(v["rate-limiting"], "missing");
    assert.equal(v["dependency-hygiene"], "missing", "no manifest records the versions");
    // n/a items are left out of the score: 2 implemented of weight 4 and 3, five missing of weight 2 each.
    assert.equal(p.score, Math.round((100 * (4 + 3)) / (4 + 3 + 2 * 5)));
  });

  test("partial verdicts: half the cookie flags, unchecked views, no type allow-list, 404-only handlers, guards outside blueprints, unpinned deps", async () => {
    const p = posture(
      await scanFiles({
        "app.py": lines(
          "import os",
          "from flask import Flask, abort, render_template, request, session",
          "from flask_login import LoginManager, login_required",
          "from flask_wtf import FlaskForm",
          "from flask_wtf.csrf import CSRFProtect",
          "from werkzeug.utils import secure_filename",
          "from wtforms import StringField",
          "",
          "app = Flask(__name__)",
          'app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]',
          'app.config["SESSION_COOKIE_SECURE"] = True',
          'app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024',
          "login = LoginManager(app)",
          "csrf = CSRFProtect(app)",
          "",
          "class NoteForm(FlaskForm):",
          "    title = StringField()",
          "",
          "@app.errorhandler(404)",
          "def not_found(error):",
          '    return render_template("404.html"), 404',
          "",
          '@app.route("/notes", methods=["POST"])',
          "@login_required",
          "def add_note():",
          "    form = NoteForm()",
          "    if form.validate_on_submit():",
          '        session["last"] = form.title.data',
          '    return render_template("note.html", form=form)',
          "",
          '@app.route("/search")',
          "@login_required",
          "def search():",
          '    return render_template("search.html", q=request.args.get("q", ""))',
          "",
          '@app.route("/upload", methods=["POST"])',
          "@login_required",
          "def upload():",
          '    f = request.files["file"]',
          "    if not f:",
          "        abort(400)",
          '    f.save(os.path.join("/srv/uploads", secure_filename(f.filename)))',
          '    return "ok"',
        ),
        "templates/search.html": "<p>{{ q }}</p>\n",
        "requirements.txt": lines("flask>=3.0", "flask-login==0.6.3", "flask-wtf==1.2.2"),
      }),
    );
    const v = verdicts(p);
    assert.equal(v["secret-key"], "implemented");
    assert.equal(v["session-cookies"], "partial");
    assert.ok(item(p, "session-cookies").evidence.some((e) => /SAMESITE is not set/.test(e.note) && !e.control));
    assert.equal(v["input-validation"], "partial");
    const validation = item(p, "input-validation").evidence.map((e) => e.note);
    assert.ok(validation.some((n) => /`add_note`.*uses `NoteForm`/.test(n)), "a form class counts as declared validation");
    assert.ok(validation.some((n) => /`upload`.*tests the request data/.test(n)));
    assert.ok(validation.some((n) => /`search`.*without a schema/.test(n)));
    assert.equal(v["upload-handling"], "partial");
    assert.ok(item(p, "upload-handling").evidence.some((e) => /any file type/.test(e.note) && !e.control));
    assert.equal(v["error-handlers"], "partial");
    assert.ok(item(p, "error-handlers").evidence.some((e) => /no handler for 500/.test(e.note)));
    assert.equal(v["access-control"], "partial");
    assert.ok(item(p, "access-control").evidence.some((e) => /without blueprints/.test(e.note)));
    assert.equal(v["dependency-hygiene"], "partial");
    assert.ok(item(p, "dependency-hygiene").evidence.some((e) => /2 of 3 runtime dependencies pinned/.test(e.note)));
    assert.equal(v.autoescape, "implemented");
    assert.equal(v.extensions, "implemented");
  });

  test("autoescaping switched off, unescaped template names and a leaking config are caught", async () => {
    const p = posture(
      await scanFiles({
        "app.py": lines(
          "from flask import Flask, render_template",
          "app = Flask(__name__)",
          "app.jinja_env.autoescape = False",
          "",
          '@app.route("/")',
          "def index():",
          '    return render_template("index.j2")',
        ),
      }),
    );
    const it = item(p, "autoescape");
    assert.equal(it.verdict, "missing", "off for every template");
    assert.ok(it.evidence.some((e) => e.line === 3 && /autoescape = False/.test(e.note)));
    assert.ok(it.evidence.some((e) => e.line === 7 && /index\.j2/.test(e.note)));
  });

  test("a template rendered without autoescaping is a partial gap", async () => {
    const p = posture(await scanFiles({ "app.py": lines("from flask import Flask, render_template", "app = Flask(__name__)", "", '@app.route("/")', "def index():", '    return render_template("index.j2")') }));
    assert.equal(item(p, "autoescape").verdict, "partial");
  });

  test("an upload view with every control is implemented; dev-only and test files do not count", async () => {
    const p = posture(
      await scanFiles({
        "app.py": lines(
          "import os, uuid",
          "from flask import Flask, abort, request",
          "from werkzeug.utils import secure_filename",
          "app = Flask(__name__)",
          'app.config["MAX_CONTENT_LENGTH"] = 4 * 1024 * 1024',
          'ALLOWED = {".png", ".jpg"}',
          "",
          '@app.post("/avatar")',
          "def avatar():",
          '    f = request.files["avatar"]',
          "    ext = os.path.splitext(secure_filename(f.filename))[1].lower()",
          "    if ext not in ALLOWED:",
          "        abort(400)",
          '    f.save(os.path.join("/srv/avatars", uuid.uuid4().hex + ext))',
          '    return "", 204',
          "",
          'if __name__ == "__main__":',
          "    app.run(debug=True)",
        ),
        "tests/test_app.py": lines("from app import app", 'app.config["DEBUG"] = True'),
      }),
    );
    assert.equal(item(p, "upload-handling").verdict, "implemented");
    assert.equal(item(p, "debug-off").verdict, "implemented", "the __main__ block and the test file are development only");
  });

  test("a project without any Flask app: every item is not applicable and the grade is N/A", async () => {
    const p = posture(await scanFiles({ "lib.py": lines("def add(a, b):", "    return a + b") }));
    assert.deepEqual(new Set(p.items.map((it) => it.verdict)), new Set(["not-applicable"]));
    assert.equal(p.grade, "N/A");
    // Reports for such a project leave the posture out rather than print an empty grade.
    assert.ok(!formatReport("text", { ...result(), posture: p }, reportOpts).includes("Posture:"));
    assert.ok(!formatReport("markdown", { ...result(), posture: p }, reportOpts).includes("Posture grade"));
  });
});

test("findings of rules other branches add (FLASK-ERROR-001, FLASK-XSS-001) move the verdicts; an app-wide error-handler note does not count as a leak", async () => {
  const out = await scanFiles({
    "app.py": lines(
      "from defusedxml.ElementTree import fromstring",
      "from flask import Flask, render_template, request",
      "app = Flask(__name__)",
      "",
      "@app.errorhandler(404)",
      "def not_found(error):",
      '    return render_template("404.html", detail=str(error)), 404',
      "",
      '@app.post("/import")',
      "def import_xml():",
      '    root = fromstring(request.files["doc"].read())',
      '    return render_template("done.html", n=len(root))',
    ),
  });
  const fake = (ruleId: string, line: number): Finding => ({
    ruleId, title: "t", severity: "medium", confidence: "medium", file: "app.py", range: { start: { line, column: 1 }, end: { line, column: 2 } },
    evidence: "", message: `${ruleId} at ${line}`, impact: "", fix: "", mitigation: "", falsePositiveNotes: "", cwe: [], owasp: "", scope: "", fingerprint: `${ruleId}${line}`, context: [], excerpt: { startLine: line, lines: [] },
  });
  const base = verdicts(computePosture(out.project, []));
  assert.equal(base["error-handlers"], "partial", "a 404 handler only");
  assert.equal(base.autoescape, "implemented");
  assert.equal(base["input-validation"], "implemented", "a defusedxml parse refuses malformed input");
  // The app-wide "no handler for 500" note sits on the Flask(...) call: the survey already says partial.
  assert.equal(verdicts(computePosture(out.project, [fake("FLASK-ERROR-001", 3)]))["error-handlers"], "partial");
  // Exception text sent by a handler is a leak.
  assert.equal(verdicts(computePosture(out.project, [fake("FLASK-ERROR-001", 7)]))["error-handlers"], "missing");
  assert.equal(verdicts(computePosture(out.project, [fake("FLASK-XSS-001", 12)])).autoescape, "partial");
  // Suppressed findings are accepted risks.
  assert.equal(verdicts(computePosture(out.project, [{ ...fake("FLASK-XSS-001", 12), suppressed: { reason: "ok", file: "app.py", line: 12 } }])).autoescape, "implemented");
});

describe("posture score", () => {
  const it = (verdict: PostureVerdict, weight: number): PostureItem => ({ id: `x${weight}${verdict}`, title: "x", verdict, weight, evidence: [], nextStep: "", rules: [] });

  test("weighted mean of credits over applicable items, with the documented bands", () => {
    assert.deepEqual(scoreOf([it("implemented", 3), it("partial", 2), it("missing", 1), it("not-applicable", 4)]), { score: Math.round((100 * (3 + 1)) / 6), grade: "D" });
    assert.deepEqual(scoreOf([it("implemented", 3), it("implemented", 2), it("partial", 1)]), { score: 92, grade: "A" });
    assert.deepEqual(scoreOf([it("implemented", 2), it("partial", 2)]), { score: 75, grade: "C" });
    assert.deepEqual(scoreOf([it("not-applicable", 2)]), { score: 0, grade: "N/A" });
  });

  test("a missing critical item caps the grade at D", () => {
    const items = [it("missing", 4), ...Array.from({ length: 20 }, (_, i) => ({ ...it("implemented", 3), id: `ok${i}` }))];
    const s = scoreOf(items);
    assert.ok(s.score >= 90, `score ${s.score}`);
    assert.equal(s.grade, "D");
  });

  test("every mitigation's weight comes from the severity it exposes", () => {
    const weight = { critical: 4, high: 3, medium: 2, low: 1 };
    assert.equal(new Set(MITIGATIONS.map((m) => m.id)).size, MITIGATIONS.length);
    for (const m of MITIGATIONS) {
      assert.ok(m.why.length > 10, `${m.id} explains its weight`);
      assert.ok(m.rules.length > 0, `${m.id} names its rules`);
      for (const id of m.rules) assert.match(id, /^FLASK-[A-Z]+-\d{3}$/);
      assert.ok(weight[m.exposes] > 0);
    }
  });
});

test("docs/posture.md documents every mitigation with its weight, and the formula's numbers", () => {
  const page = readFileSync(join(REPO, "docs", "posture.md"), "utf8");
  for (const m of MITIGATIONS) {
    const row = page.split("\n").find((l) => l.startsWith(`| \`${m.id}\` |`));
    assert.ok(row, `docs/posture.md has a row for ${m.id}`);
    assert.ok(row.includes(`${m.exposes}`) && row.includes(`(${WEIGHT[m.exposes]})`), `${m.id}: weight ${m.exposes} (${WEIGHT[m.exposes]}) in the docs`);
    for (const r of m.rules) if (!/INJECT-00[2-5]/.test(r)) assert.ok(row.includes(r), `${m.id}: rule ${r} in the docs`);
  }
  for (const [sev, w] of Object.entries(WEIGHT)) assert.ok(page.includes(`${sev} ${w}`), `weight ${sev} ${w}`);
  for (const [v, c] of Object.entries(CREDIT)) assert.ok(page.includes(`${v} ${c}`), `credit ${v} ${c}`);
  for (const b of BANDS.filter((x) => x.min > 0)) assert.ok(page.includes(`${b.grade} ≥ ${b.min}`), `band ${b.grade}`);
});

describe("posture in reports", () => {
  const hostile = "</script><script>alert(1)</script> <img src=x onerror=alert(1)> ``` [click](https://evil.example) |";
  const result: ScanResult = {
    root: "/r",
    findings: [],
    diagnostics: [],
    summary: { files: 1, lines: 1, findings: 0, suppressed: 0, baselined: 0, bySeverity: { critical: 0, high: 0, medium: 0, low: 0 }, elapsedMs: 1 },
    posture: {
      score: 50,
      grade: "F",
      formula: "f",
      items: [
        { id: "debug-off", title: "Debug mode off", verdict: "missing", weight: 4, evidence: [{ file: `weird${hostile}.py`, line: 3, note: `view \`x\` ${hostile}`, control: false }], nextStep: "Switch it off.", rules: ["FLASK-DEPLOY-002"] },
        { id: "secret-key", title: "Secret key", verdict: "implemented", weight: 3, evidence: [{ file: "", note: "summary line without a file", control: true }], nextStep: "", rules: ["FLASK-CONFIG-001"] },
      ],
    },
  };
  const opts = { color: false, toolVersion: "0.0.0", rules: [...RULES], showSuppressed: false };

  test("markdown: grade in the summary, a posture table, and nothing from the scanned text renders", () => {
    const md = formatReport("markdown", result, opts);
    assert.ok(md.includes("| **Posture grade** | **F** (50/100) |"));
    assert.ok(md.includes("| Mitigation | Verdict | Evidence | Next step |"));
    assert.ok(md.includes("| Debug mode off | ❌ missing |"));
    assert.ok(md.includes("| Secret key | ✅ implemented | summary line without a file | \\- |"));
    assert.ok(!md.includes("<script"), "no live script tag");
    assert.ok(!md.includes("<img"), "no live img tag");
    assert.ok(!md.includes("](https"), "no link syntax");
    assert.ok(!md.includes("```"), "no fence opened from evidence");
    // The table row keeps its four cells: the hostile `|` is escaped.
    const row = md.split("\n").find((l) => l.startsWith("| Debug mode off"))!;
    assert.equal(row.split(/(?<!\\)\|/).length, 6, row);
  });

  test("json and sarif carry the posture; text prints one grade line", () => {
    const json = JSON.parse(formatReport("json", result, opts)) as { posture: Posture };
    assert.deepEqual(Object.keys(json.posture), ["score", "grade", "formula", "items"]);
    assert.deepEqual(Object.keys(json.posture.items[0]!), ["id", "title", "verdict", "weight", "evidence", "nextStep", "rules"]);
    const sarif = JSON.parse(formatReport("sarif", result, opts)) as { runs: { properties?: { posture?: Posture } }[] };
    assert.equal(sarif.runs[0]!.properties?.posture?.grade, "F");
    const text = formatReport("text", result, opts);
    assert.match(text, /^Posture: grade F \(50\/100\): 1 implemented, 0 partial, 1 missing, 0 not applicable/m);
  });
});

/** The Markdown outside fenced code blocks (CommonMark's closing rule: a fence at least as long as the opener). */
function prose(md: string): string {
  const out: string[] = [];
  let fence = "";
  for (const line of md.split("\n")) {
    if (fence === "") {
      const open = /^(`{3,})[^`]*$/.exec(line);
      if (open) fence = open[1]!;
      else out.push(line);
    } else if (new RegExp(`^\`{${fence.length},}\\s*$`).test(line)) fence = "";
  }
  assert.equal(fence, "", "every fence is closed");
  return out.join("\n");
}

test("markdown report of a hostile project: counts, top findings, posture and details, and nothing from the project renders", async () => {
  const evil = "</script><script>alert(1)</script><img src=x onerror=alert(2)>";
  const name = "v`[x](https:__evil.example)<img src=x onerror=alert(3)>.py";
  const out = await scanFiles({
    "app.py": lines("from flask import Flask", "app = Flask(__name__)", `app.config["SECRET_KEY"] = "${evil} \`\`\`\` [a](https://evil.example)"`, "app.run(debug=True)"),
    [name]: lines("from flask import Flask, request", "import subprocess", "app2 = Flask(__name__)", "", `@app2.route("/x\`\`\`<b>")`, "def x():", '    return subprocess.check_output(request.args["c"], shell=True)'),
  });
  const md = formatReport("markdown", out.result, { color: false, toolVersion: "0.0.0", rules: [...RULES], showSuppressed: false });
  assert.match(md, /^\| \*\*Posture grade\*\* \| \*\*[A-F]\*\* \(\d+\/100\) \|$/m);
  const top = md.slice(md.indexOf("### Top findings"), md.indexOf("### Mitigation posture"));
  const bullets = top.split("\n").filter((l) => l.startsWith("- "));
  assert.ok(bullets.length > 0 && bullets.length <= 5, top);
  assert.ok(bullets[0]!.startsWith("- **Critical**"), "the most severe finding comes first");
  assert.equal(md.match(/<details><summary>/g)?.length, out.result.findings.filter((f) => !f.suppressed).length, "one folded section per finding");
  // Outside fences, drop backslash escapes and code spans (both literal in CommonMark): what is left renders.
  const text = prose(md).replace(/\\[\s\S]/g, "").replace(/(`+)(?!`)[^]*?(?<!`)\1(?!`)/g, "");
  assert.ok(!/<script|<img|<b>/i.test(text), "no HTML from the project outside code blocks and code spans");
  assert.ok(!text.includes("](https"), "no link syntax");
  assert.ok(!text.includes("https://evil"), "no bare URL to autolink");
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: NodeJS.ProcessEnv = { NO_COLOR: "1" }): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, FORCE_COLOR: undefined, ...env }, encoding: "utf8", timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : null;
      if (code === null) reject(err);
      else resolve({ code, stdout, stderr });
    });
  });
}

describe("flaskwarden posture", { concurrency: true }, () => {
  test("--format json prints every item with its verdict, evidence and the score; exit 0 even for grade F", async () => {
    const run = await cli(["posture", join(EXAMPLES, "vulnerable-app"), "--format", "json"]);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as { version: number; posture: Posture };
    assert.equal(doc.version, 1);
    assert.deepEqual(doc.posture.items.map((i) => i.id), MITIGATIONS.map((m) => m.id));
    assert.equal(doc.posture.grade, "F");
    assert.equal(doc.posture.items.find((i) => i.id === "debug-off")?.verdict, "missing");
    assert.match(doc.posture.formula, /weight/);
  });

  test("text: a table without colour when NO_COLOR is set or output is not a terminal; --color forces it", async () => {
    const plain = await cli(["posture", join(EXAMPLES, "hardened-app")]);
    assert.equal(plain.code, 0);
    assert.match(plain.stdout, /^Mitigation posture: grade A \(100\/100\): 14 implemented/m);
    assert.match(plain.stdout, /^implemented {2}Debug mode off in production \[debug-off, weight 4\]$/m);
    assert.doesNotMatch(plain.stdout, /\x1b\[/);
    const coloured = await cli(["posture", join(EXAMPLES, "hardened-app"), "--color"], {});
    assert.match(coloured.stdout, /\x1b\[/);
  });

  test("markdown, --help with the formula, and usage errors", async () => {
    const md = await cli(["posture", join(EXAMPLES, "hardened-app"), "-f", "markdown"]);
    assert.match(md.stdout, /^## flaskwarden mitigation posture$/m);
    assert.match(md.stdout, /^\| Mitigation \| Verdict \| Evidence \| Next step \|$/m);
    const help = await cli(["posture", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /credit: implemented 1, partial 0\.5, missing 0/);
    assert.match(help.stdout, /grade: A ≥ 90/);
    const missing = await cli(["posture", "no/such/dir"]);
    assert.equal(missing.code, 2);
    const format = await cli(["posture", ".", "--format", "sarif"]);
    assert.equal(format.code, 2);
  });

  test("scan: the text report ends with a posture line, which --quiet drops", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "fw-posture-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, ".git"));
    const file = join(dir, "app.py");
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, lines("from flask import Flask", "app = Flask(__name__)", "", '@app.route("/")', "def index():", '    return "hi"'));
    const run = await cli(["scan", dir]);
    assert.match(run.stdout, /^Posture: grade \w+ \(\d+\/100\): \d+ implemented, \d+ partial, \d+ missing, \d+ not applicable/m);
    const quiet = await cli(["scan", dir, "--quiet"]);
    assert.doesNotMatch(quiet.stdout, /^Posture:/m);
  });
});
