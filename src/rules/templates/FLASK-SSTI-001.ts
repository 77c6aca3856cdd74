import { defineRule } from "../define.js";
import { dataFlowCheck } from "../dataflow.js";

export default defineRule({
  id: "FLASK-SSTI-001",
  title: "Template source built from request data (server-side template injection)",
  family: "templates",
  severity: "critical",
  confidence: "high",
  cwe: [1336, 94],
  owasp: "A03:2021",
  tags: ["ssti", "templates", "data-flow"],
  impact: "Jinja expressions in the request are evaluated on the server: `{{ config }}` leaks secrets, and known gadget chains reach `os.popen` for remote code execution.",
  fix: "Keep templates in files or constants and pass request data as context: `render_template_string(\"Hello {{ name }}\", name=name)` or `render_template(\"hello.html\", name=name)`.",
  mitigation: "If users must author templates, render them in `jinja2.sandbox.SandboxedEnvironment`, in an isolated process, with a current Jinja release.",
  docs: {
    what: "Reports request data that becomes the template source of `render_template_string`, `jinja2.Template(...)`, `Environment.from_string(...)` or Mako's `Template`, including text assembled with `+`, f-strings, `%` or `.format()` before rendering.",
    why: "A template is code. Concatenating user input into one lets the user write that code, which Jinja then runs with the application's objects in reach.",
    bad: 'name = request.args.get("name", "")\nreturn render_template_string("<h1>Hello " + name + "</h1>")',
    good: 'name = request.args.get("name", "")\nreturn render_template_string("<h1>Hello {{ name }}</h1>", name=name)',
    detection: "Data-flow analysis from the request to the first argument (the source); values passed as keyword context are not sinks.",
    falsePositives: "None known; the template source is never safe to take from a request.",
    references: ["https://portswigger.net/web-security/server-side-template-injection", "https://jinja.palletsprojects.com/en/stable/sandbox/"],
  },
  check: dataFlowCheck("ssti", { consequence: "Template syntax in the request runs on the server." }),
});
