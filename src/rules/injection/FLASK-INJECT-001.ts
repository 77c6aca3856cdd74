import { defineRule } from "../define.js";
import { dataFlowCheck } from "../dataflow.js";

export default defineRule({
  id: "FLASK-INJECT-001",
  title: "SQL or NoSQL query built from request data",
  family: "injection",
  severity: "high",
  confidence: "high",
  cwe: [89, 943],
  owasp: "A03:2021",
  tags: ["injection", "sql", "data-flow"],
  impact:
    "Whoever sends the request can change the meaning of the query: read other users' rows, bypass a login check, modify or delete data, and on some databases run commands on the database server.",
  fix: "Keep the SQL text constant and pass values separately: `cursor.execute(\"SELECT * FROM users WHERE name = ?\", (name,))`, `text(\"... WHERE id = :id\").bindparams(id=value)`, or the ORM's query methods (`User.query.filter_by(name=name)`).",
  mitigation:
    "Give the application's database account only the rights it needs (no DDL, no access to other schemas), and validate identifiers such as sort columns against an allow-list before they reach a query.",
  docs: {
    what:
      "Follows request data (query string, form, JSON body, headers, cookies, URL parameters, Flask-WTF fields) through assignments, string building, containers and helper functions in any module, and reports when it becomes the text of a database query: DB-API `execute`/`executemany`/`executescript` on a connection or cursor, SQLAlchemy `text()`, `literal_column()` and `exec_driver_sql()`, raw SQL strings handed to query methods (`.filter(f\"name = '{x}'\")`, `.order_by(\"name \" + direction)`), pandas `read_sql`, and MongoDB `$where` clauses (JavaScript run by the database).",
    why:
      "A query assembled with an f-string, `+`, `%` or `.format()` lets the request decide where the data ends and the SQL begins. Injection remains one of the most exploited flaws in web applications, and automated tools find it within minutes of deployment.",
    bad: 'name = request.args["name"]\ncur.execute(f"SELECT * FROM users WHERE name = \'{name}\'")',
    good: 'name = request.args["name"]\ncur.execute("SELECT * FROM users WHERE name = ?", (name,))',
    detection:
      "Data-flow analysis from Flask's request object to the query argument. Only the query text is a sink: values passed as parameters (the second argument of `execute`) are safe. Conversions that leave no text (`int()`, `float()`, `uuid.UUID()`, `%d` formatting), allow-list checks (`if col not in ALLOWED: abort(400)`), comparisons with constants and regular-expression full matches clear the data. The trace shows every step from the request to the query, across functions and modules. Findings in test files are not reported.",
    falsePositives:
      "A custom validation the engine cannot see (a helper that raises on bad input but returns nothing) leaves the data marked. Return the validated value from the helper, or suppress the finding with the reason.",
    references: ["https://owasp.org/Top10/A03_2021-Injection/", "https://cheatsheetseries.owasp.org/cheatsheets/Query_Parameterization_Cheat_Sheet.html", "https://docs.sqlalchemy.org/en/20/core/sqlelement.html#sqlalchemy.sql.expression.text"],
  },
  check: dataFlowCheck("sql", { consequence: "The request can rewrite the query; pass values as query parameters instead." }),
});
