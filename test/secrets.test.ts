/** Reports never carry secret values: a hard-coded key is reported, but its value is masked in every format. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatReport } from "../src/report/index.js";
import { RULES } from "../src/rules/index.js";
import { activeFindings, lines, scanFiles } from "./support/scan.js";

test("a hard-coded SECRET_KEY is reported without its value in text, JSON, SARIF, Markdown and HTML", async () => {
  const secret = "hunter2-correct-horse-battery";
  const envSecret = "q8Zr3vN1xLw0pT7s";
  const out = await scanFiles({
    "app.py": lines("from flask import Flask, session", "app = Flask(__name__)", `app.config["SECRET_KEY"] = "${secret}"`),
    ".env": lines(`SECRET_KEY=${envSecret}`),
  });
  const found = activeFindings(out).filter((f) => f.ruleId === "FLASK-CONFIG-001");
  assert.equal(found.length, 2, "both the code and the .env value are reported");
  for (const f of found) assert.match(f.evidence, /«secret, \d+ characters»/);
  const opts = { color: false, toolVersion: "0.0.0", rules: [...RULES], showSuppressed: false };
  for (const format of ["text", "json", "sarif", "markdown", "html"] as const) {
    const text = formatReport(format, out.result, opts);
    assert.ok(text.includes("FLASK-CONFIG-001"), `${format} report lists the finding`);
    assert.ok(!text.includes(secret), `${format} report leaks the key from app.py`);
    assert.ok(!text.includes(envSecret), `${format} report leaks the key from .env`);
  }
});
