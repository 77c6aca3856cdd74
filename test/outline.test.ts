/**
 * Index depth: a module that imports only the standard library (and modules of its own package) is first
 * indexed in outline, and in full once it turns out to be connected to a module that imports Flask
 * (src/link/outline.ts). These tests check what an outline keeps, which modules get completed, and that a
 * rule finding inside a connected helper's function is reported while the same code in an unconnected
 * script is not.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { SourceFile } from "../src/core/types.js";
import type { ModuleIndex } from "../src/index/ir.js";
import { decodeResult } from "../src/index/wire.js";
import { processFile } from "../src/parse/file.js";
import { pythonParser } from "../src/parse/treesitter.js";
import { activeFindings, lines, scanFiles } from "./support/scan.js";

async function index(text: string, depth: "auto" | "full" = "auto"): Promise<ModuleIndex> {
  const file: SourceFile = { path: "m.py", absPath: "/nonexistent/m.py", kind: "python", size: text.length, text };
  const r = decodeResult(processFile(await pythonParser(), file, undefined, depth));
  assert.ok(r.python);
  return r.python;
}

const callNames = (m: ModuleIndex) => m.calls.map((c) => (c.call.fn.k === "name" ? c.call.fn.id : c.call.fn.k === "attr" ? c.call.fn.name : "?")).sort();

const HELPER = lines(
  "import random",
  "import string",
  "",
  "ALPHABET = string.ascii_letters",
  "",
  "",
  "class Tokens:",
  "    LENGTH = int('32')",
  "",
  "    @staticmethod",
  "    def make(n=LENGTH):",
  "        from os import urandom",
  "        return ''.join(random.choice(ALPHABET) for _ in range(n))",
  "",
  "",
  "def token():",
  "    value = Tokens.make()",
  "    return value",
);

describe("outline indexing", () => {
  test("a module importing only the standard library keeps its top level, class bodies, definitions and every import", async () => {
    const m = await index(HELPER);
    assert.equal(m.outline, true);
    assert.equal(m.standalone, true);
    assert.deepEqual(m.defs.map((d) => d.qualname), ["Tokens", "Tokens.make", "token"]);
    assert.deepEqual(m.defs.find((d) => d.qualname === "Tokens.make")!.params.map((p) => p.name), ["n"]);
    // `int('32')` in the class body and the decorator stay; calls inside function bodies do not.
    assert.deepEqual(callNames(m), ["int"]);
    assert.deepEqual(m.assigns.map((a) => a.scope), ["", "Tokens"]);
    assert.deepEqual(m.returns, []);
    // The import inside a method is kept, with its scope, so that connections through it are seen.
    assert.deepEqual(m.imports.map((i) => `${i.scope}:${i.module}`), [":random", ":string", "Tokens.make:os"]);
  });

  test("the same module indexed in full has the facts inside its functions", async () => {
    const m = await index(HELPER, "full");
    assert.equal(m.outline, undefined);
    assert.equal(m.standalone, true, "still marked standalone, so that it can be put back in outline");
    assert.deepEqual(callNames(m), ["choice", "int", "join", "make", "range"]);
    assert.equal(m.returns.length, 2);
  });

  test("importing Flask, another package or the project by absolute name means a full index; relative imports do not", async () => {
    for (const head of ["from flask import request", "import requests", "from shop.models import User"]) {
      const m = await index(`${head}\n${HELPER}`);
      assert.equal(m.outline, undefined, head);
      assert.equal(m.standalone, undefined, head);
    }
    const rel = await index(`from . import models\nfrom .util import x\n${HELPER}`);
    assert.equal(rel.outline, true);
  });

  test("the word import in strings, comments and names does not count as an import", async () => {
    const m = await index(lines('"""import flask"""', "# from flask import x", "important = 1", "x = __import__('os')", "def f():", "    s = 'import requests'"));
    assert.equal(m.outline, true);
    assert.deepEqual(m.imports, []);
  });

  test("syntax errors and Python 2 statements inside function bodies are still found in outline", async () => {
    const py2 = await index(lines("import os", "def f():", "    print 'hello'"));
    assert.equal(py2.outline, true);
    assert.equal(py2.python2, true);
    const broken = await index(lines("import os", "def f():", "    x = (1,", "", "y = 2"));
    assert.equal(broken.outline, true);
    assert.ok(broken.syntaxErrors.length > 0);
    const fine = await index(lines("import os", "def f():", "    print('hello')", "    exec_this = 1"));
    assert.equal(fine.python2, false);
  });

  test("a container literal keeps its first 256 elements", async () => {
    const m = await index(`TABLE = [${Array.from({ length: 300 }, (_, i) => `"s${i}"`).join(", ")}]\nSMALL = {"a": 1}\n`);
    const table = m.assigns[0]!.value;
    assert.equal(table.k, "seq");
    assert.equal(table.k === "seq" && table.elts.length, 256);
    const small = m.assigns[1]!.value;
    assert.equal(small.k === "dict" && small.items.length, 1);
  });
});

const TOKEN_HELPER = lines("import random", "", "", "def make_token():", "    # expect: FLASK-CRYPTO-002", "    return ''.join(random.choice('abcdef0123456789') for _ in range(32))");

const VIEW = (imp: string) =>
  lines(
    "from flask import Flask, session",
    imp,
    "",
    "app = Flask(__name__)",
    "",
    "",
    '@app.post("/login")',
    "def login():",
    '    session["csrf"] = make_token()',
    '    return "ok"',
  );

async function depths(files: Record<string, string>): Promise<{ outline: string[]; crypto: string[] }> {
  const out = await scanFiles(files);
  const outline = out.project.modules.all().filter((m) => m.index.outline).map((m) => m.path).sort();
  const crypto = activeFindings(out).filter((f) => f.ruleId === "FLASK-CRYPTO-002").map((f) => f.file).sort();
  return { outline, crypto };
}

describe("completing outlines of connected modules", () => {
  test("a helper imported by absolute name from a Flask module is indexed in full and its finding reported", async () => {
    const r = await depths({ "app.py": VIEW("from helpers import make_token"), "helpers.py": TOKEN_HELPER });
    assert.deepEqual(r, { outline: [], crypto: ["helpers.py"] });
  });

  test("the same code in a script no Flask module reaches keeps only its outline", async () => {
    const r = await depths({ "app.py": VIEW("from helpers import make_token"), "helpers.py": TOKEN_HELPER, "scripts/gen.py": TOKEN_HELPER });
    assert.deepEqual(r, { outline: ["scripts/gen.py"], crypto: ["helpers.py"] });
  });

  test("connections run through relative imports and through modules that do not import Flask themselves", async () => {
    const r = await depths({
      "shop/__init__.py": VIEW("from .services import make_token"),
      "shop/services.py": lines("import requests", "from .util import make_token", "", "", "def fetch(url):", "    return requests.get(url, timeout=5)"),
      "shop/util.py": TOKEN_HELPER,
    });
    assert.deepEqual(r, { outline: [], crypto: ["shop/util.py"] });
  });

  test("a module that imports a Flask module is connected too (an entry point calling the app)", async () => {
    const out = await scanFiles({
      "shop/__init__.py": lines("from flask import Flask", "", "app = Flask(__name__)"),
      "shop/__main__.py": lines("from . import app", "", "", "def main():", "    app.run(debug=True)", "", "", "main()"),
    });
    assert.equal(out.project.modules.byPath.get("shop/__main__.py")!.index.outline, undefined);
    assert.ok(activeFindings(out).some((f) => f.ruleId === "FLASK-DEPLOY-002" && f.file === "shop/__main__.py"));
  });

  test("a project package named like a library module is followed when it holds Flask code; a plain module named like one is not", async () => {
    const r = await depths({
      "email/__init__.py": VIEW("from email.tokens import make_token"),
      "email/tokens.py": TOKEN_HELPER,
      "os.py": TOKEN_HELPER,
      "main.py": lines("import os", "from email import app"),
    });
    // `import os` means the standard library, so the project's os.py stays in outline.
    assert.deepEqual(r, { outline: ["os.py"], crypto: ["email/tokens.py"] });
  });
});
