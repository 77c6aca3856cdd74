/** The nginx reader: response headers a reverse proxy adds, and whether it hands requests to an app server. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { SourceFile } from "../src/core/types.js";
import { indexDeployment } from "../src/index/deploy/index.js";

function nginx(text: string) {
  const file: SourceFile = { path: "deploy/nginx/site.conf", absPath: "/nowhere/site.conf", kind: "deployment", subkind: "nginx", size: 0 };
  return indexDeployment(file, text).facts;
}

describe("nginx", () => {
  test("add_header with quoted and bare values, `always`, comments and nested blocks", () => {
    const facts = nginx(
      [
        "server {",
        "    # add_header X-Frame-Options DENY;",
        "    add_header Content-Security-Policy \"default-src 'self'; frame-ancestors 'none'\" always;",
        "    location /static { add_header X-Content-Type-Options nosniff; }",
        "    location / { proxy_pass http://127.0.0.1:8000; }",
        "}",
      ].join("\n"),
    );
    assert.deepEqual(
      facts.proxy?.headers.map((h) => [h.name, h.value, h.range.start.line]),
      [
        ["Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'", 3],
        ["X-Content-Type-Options", "nosniff", 4],
      ],
    );
    assert.deepEqual(facts.proxy?.passes.map((p) => p.start.line), [5]);
    assert.deepEqual([facts.env, facts.commands], [[], []]);
  });

  test("headers-more's more_set_headers splits name and value", () => {
    const facts = nginx('more_set_headers -s 200 "X-Frame-Options: SAMEORIGIN" "Referrer-Policy: no-referrer";\nuwsgi_pass unix:/run/app.sock;\n');
    assert.deepEqual(facts.proxy?.headers.map((h) => [h.name, h.value]), [["X-Frame-Options", "SAMEORIGIN"], ["Referrer-Policy", "no-referrer"]]);
    assert.equal(facts.proxy?.passes.length, 1);
  });
});
