import type { DeploymentFacts, ProxyHeader } from "./types.js";
import type { LineIndex } from "./text.js";

/** Directives that hand a request on to an application server. */
const PASS_DIRECTIVES = new Set(["proxy_pass", "uwsgi_pass", "fastcgi_pass", "scgi_pass", "grpc_pass"]);

interface Token {
  text: string;
  start: number;
  end: number;
}

/**
 * Reads the response headers an nginx config adds (`add_header Name value [always];`, headers-more's
 * `more_set_headers "Name: value";`) and whether it passes requests on to an upstream. Blocks and
 * includes are not followed: a header counts wherever it is set in the file.
 */
export function parseNginx(index: LineIndex): DeploymentFacts {
  const headers: ProxyHeader[] = [];
  const passes: DeploymentFacts["env"][number]["range"][] = [];
  for (const directive of directives(index.text)) {
    const [head, ...args] = directive;
    if (!head) continue;
    const range = index.range(head.start, (args[args.length - 1] ?? head).end);
    if (head.text === "add_header" && args.length >= 2) headers.push({ name: args[0]!.text, value: args[1]!.text, range });
    else if (head.text === "more_set_headers") {
      for (const a of args) {
        if (a.text.startsWith("-")) continue; // -s / -t filters
        const colon = a.text.indexOf(":");
        if (colon > 0) headers.push({ name: a.text.slice(0, colon).trim(), value: a.text.slice(colon + 1).trim(), range });
      }
    } else if (PASS_DIRECTIVES.has(head.text)) passes.push(range);
  }
  const facts: DeploymentFacts = { env: [], commands: [] };
  if (headers.length > 0 || passes.length > 0) facts.proxy = { headers, passes };
  return facts;
}

/** Splits nginx config text into directives (words up to `;`), skipping comments and block braces. */
function directives(text: string): Token[][] {
  const out: Token[][] = [];
  let cur: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === "#") {
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? text.length : nl;
    } else if (ch === ";" || ch === "{" || ch === "}") {
      if (ch === ";" && cur.length > 0) out.push(cur);
      cur = [];
      i++;
    } else if (/\s/.test(ch)) i++;
    else if (ch === '"' || ch === "'") {
      let j = i + 1;
      let value = "";
      while (j < text.length && text[j] !== ch) {
        if (text[j] === "\\" && j + 1 < text.length) j++;
        value += text[j];
        j++;
      }
      cur.push({ text: value, start: i, end: Math.min(j + 1, text.length) });
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && !/[\s;{}]/.test(text[j]!)) j++;
      cur.push({ text: text.slice(i, j), start: i, end: j });
      i = j;
    }
  }
  return out;
}
