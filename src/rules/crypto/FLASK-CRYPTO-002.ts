import type { DefFact, Expr } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { Step } from "../../index/body.js";
import type { Project } from "../../link/project.js";
import type { FixContext, FixProposal } from "../../fix/types.js";
import { addImport, dottedExpr, enclosingCalls, replaceNode } from "../../fix/python.js";
import { walkBody } from "../auth/bodies.js";
import { callSites, siteAt, type CallSite } from "../calls.js";
import { defineRule } from "../define.js";
import { walkExpr } from "../session/facts.js";
import { useNames, wordsOf, type UseName } from "./purpose.js";

/** Functions of the `random` module (module-level or on a `random.Random()` instance) that draw from the Mersenne Twister. */
const RANDOM_FUNCS = new Set(["random", "randint", "choice", "choices", "getrandbits", "randrange", "sample", "shuffle", "uniform", "randbytes", "triangular", "betavariate", "gauss"]);

/** Call names worth a closer look (`callSites` adds the local names they are imported under). */
const CALL_NAMES = new Set([...RANDOM_FUNCS, "uuid1"]);

/** Words that make a value a secret someone could guess. */
const SECURITY = new Set(["token", "tokens", "password", "passwords", "passwd", "pwd", "pw", "passphrase", "reset", "otp", "totp", "pin", "nonce", "salt", "secret", "secrets", "apikey", "session", "sid", "csrf", "xsrf", "verification", "verify", "verifier", "confirm", "confirmation", "activation", "activate", "invite", "invitation", "magic", "auth", "challenge", "recovery", "2fa", "mfa", "temp_password", "signup", "unsubscribe"]);
/** `code` and `key` are secrets only next to one of these (`reset_code`, `api_key`), not alone (`country_code`, `sort_key`). */
const CODE_CONTEXT = new Set(["sms", "email", "login", "access", "private", "signing", "encryption", "one", "time", "onetime", "security", "auth", "backup", "recovery", "verify", "verification", "confirm", "confirmation", "activation", "reset", "invite", "mfa", "2fa", "otp", "secret", "session"]);
/** Words of harmless randomness: games, quizzes, sampling, jitter, display. */
const BENIGN = new Set(["quiz", "question", "questions", "answer", "answers", "color", "colour", "colors", "jitter", "delay", "backoff", "retry", "sleep", "wait", "demo", "fake", "mock", "seed", "avatar", "greeting", "tip", "tips", "quote", "quotes", "motd", "index", "order", "position", "offset", "weight", "score", "nickname", "game", "dice", "shuffle", "shuffled", "sample", "sampling", "example", "examples", "test", "cache", "port", "filename", "banner", "ad", "ads", "splash", "theme", "layout", "emoji", "mascot", "fortune"]);

/** What the random call draws: "random.choice", "random.Random().choice", "uuid.uuid1"; null when it is not one. */
function drawn(project: Project, site: CallSite): string | null {
  for (const p of project.extPaths(site.mod, site.unit.scope, site.call.fn)) {
    const m = /^random\.(?:(?:Random)\(\)\.)?(\w+)$/.exec(p);
    if (m && RANDOM_FUNCS.has(m[1]!)) return p;
    if (p === "uuid.uuid1") return p;
  }
  // A method of a `random.Random(...)` instance kept in a local or attribute.
  if (site.call.fn.k === "attr" && RANDOM_FUNCS.has(site.call.fn.name)) {
    const vals = project.resolve(site.mod, site.unit.scope, site.call.fn.obj);
    if (vals.some((v) => v.t === "inst" && v.of.t === "ext" && v.of.path === "random.Random")) return `random.Random().${site.call.fn.name}`;
  }
  return null;
}

/** Whether one name says "secret": a security word, or `code`/`key` with the right neighbour. */
function secretName(name: string): boolean {
  const w = wordsOf(name);
  if (w.some((x) => SECURITY.has(x))) return true;
  if ((w.includes("code") || w.includes("key") || w.includes("id")) && w.some((x) => CODE_CONTEXT.has(x))) return true;
  return false;
}

function benignName(name: string): boolean {
  return wordsOf(name).some((x) => BENIGN.has(x));
}

/** Where a random value goes, and whether that makes it a secret. */
function judge(names: UseName[], cookie: boolean, fn: DefFact | null): { secret: UseName | null; benign: boolean } {
  if (names.some((n) => benignName(n.name)) || (fn && benignName(fn.name))) return { secret: null, benign: true };
  const hit = names.find((n) => secretName(n.name));
  if (hit) return { secret: hit, benign: false };
  if (cookie) return { secret: { name: "cookie", how: "a cookie's value" }, benign: false };
  if (fn && secretName(fn.name)) return { secret: { name: fn.name, how: `the result of \`${fn.name}\`` }, benign: false };
  return { secret: null, benign: false };
}

/** Whether a function returns what a random call in it computes (directly or through a local). */
function returnsRandom(steps: Step[], call: Expr, locals: Map<string, Expr[]>): boolean {
  const holders = new Set<string>();
  for (const [name, vals] of locals) {
    for (const v of vals) {
      let inside = false;
      walkExpr(v, (x) => {
        if (x === call) inside = true;
      });
      if (inside) holders.add(name);
    }
  }
  let found = false;
  walkBody(steps, (e, _c, st) => {
    if (found || st.s !== "return" || e !== st.e) return;
    walkExpr(e, (x) => {
      if (x === call || (x.k === "name" && holders.has(x.id))) found = true;
    });
  });
  return found;
}

/** The `secrets` spelling of a `random` module function, when it behaves the same; null when there is none. */
const SAME_IN_SECRETS: Record<string, string> = {
  choice: "secrets.choice",
  getrandbits: "secrets.randbits",
  randint: "secrets.SystemRandom().randint",
  random: "secrets.SystemRandom().random",
  choices: "secrets.SystemRandom().choices",
  sample: "secrets.SystemRandom().sample",
  shuffle: "secrets.SystemRandom().shuffle",
  uniform: "secrets.SystemRandom().uniform",
  randrange: "secrets.SystemRandom().randrange",
};

function replacement(path: string, c: Extract<Expr, { k: "call" }>): string | null {
  const m = /^random\.(\w+)$/.exec(path);
  if (!m) return null;
  // `randrange(n)` with one argument is exactly `randbelow(n)`.
  if (m[1] === "randrange" && c.args.length === 1 && c.kw.length === 0) return "secrets.randbelow";
  return SAME_IN_SECRETS[m[1]!] ?? null;
}

/** What the finding says about the fix. */
function fixNote(path: string, c: Extract<Expr, { k: "call" }>): string {
  const r = replacement(path, c);
  if (r) return `\`${r}\` draws from the operating system's generator with the same behaviour (\`flaskwarden scan --fix\` makes the change)`;
  if (path === "uuid.uuid1") return "`uuid1()` has no drop-in replacement that keeps its time-based layout: use `secrets.token_urlsafe()` (or `uuid.uuid4()` where a UUID is required)";
  if (path.startsWith("random.Random()")) return "replace the `random.Random()` instance with `secrets.SystemRandom()` (a seeded generator is predictable by design, so this is not changed automatically)";
  return "use the `secrets` module (`secrets.token_urlsafe()`, `secrets.token_hex()`, `secrets.randbelow()`); this function has no exact equivalent there, so it is not changed automatically";
}

/** `random.choice(x)` → `secrets.choice(x)` (and the other exact equivalents), adding `import secrets`. */
function fixRandom({ project, mod, finding, node, source, tree }: FixContext): FixProposal | null {
  const call = enclosingCalls(node)[0];
  const fn = call?.childForFieldName("function");
  if (!call || !fn) return null;
  const e = dottedExpr(fn);
  if (!e) return null;
  const path = project.extPaths(mod, finding.scope, e).find((p) => /^random\.\w+$/.test(p));
  if (!path) return null;
  const args = call.childForFieldName("arguments");
  const positional = args ? args.namedChildren.filter((a) => a && a.type !== "keyword_argument" && a.type !== "comment").length : 0;
  const keywords = args ? args.namedChildren.filter((a) => a?.type === "keyword_argument").length : 0;
  const m = /^random\.(\w+)$/.exec(path)!;
  const target = m[1] === "randrange" && positional === 1 && keywords === 0 ? "secrets.randbelow" : SAME_IN_SECRETS[m[1]!];
  if (!target) return null;
  const edits = [replaceNode(fn, target)];
  const imported = mod.index.imports.some((f) => f.module === "secrets" && f.member === null && f.local === "secrets" && f.scope === "");
  if (!imported) {
    const add = addImport(source, tree, "secrets");
    if (!add) return null;
    edits.push(add);
  }
  return { description: `\`${fn.text}\` → \`${target}\``, edits };
}

export default defineRule({
  id: "FLASK-CRYPTO-002",
  title: "Predictable random values used as secrets",
  family: "crypto",
  severity: "medium",
  confidence: "medium",
  cwe: [338, 330],
  owasp: "A02:2021",
  tags: ["cryptography", "randomness", "tokens", "autofix"],
  impact:
    "Python's `random` module is a Mersenne Twister: after seeing enough of its output (a few hundred values, such as tokens the attacker requested for their own account) anyone can compute every value it produces next and the ones before. Reset codes, invitation links, session ids and API keys made with it can be predicted and used to take over other accounts. `uuid1()` is built from the clock and the machine's address and is no better.",
  fix: "Use the `secrets` module: `secrets.token_urlsafe(32)` or `secrets.token_hex(16)` for tokens and keys, `secrets.randbelow(10**6)` for numeric codes, `secrets.choice(alphabet)` for generated passwords, `secrets.SystemRandom()` where a `random.Random` interface is needed.",
  mitigation: "Expire reset and verification codes quickly, allow only a few attempts, and store only their hashes.",
  docs: {
    what:
      "Reports `random.random/randint/choice/choices/getrandbits/randrange/sample/shuffle/uniform/randbytes`, the same methods on a `random.Random()` instance, and `uuid.uuid1()` when the value is a secret: a token, password, reset or verification code, OTP or PIN, nonce, salt, session id, CSRF token, API key or invitation link. That is judged from the names the value is known by (the variable, attribute, dict key or keyword it is stored under, the function returning it) and, one step on, where a local holding it goes: into `session[...]`, a cookie set with `set_cookie`, a response field or a model column named like a secret. A helper with a neutral name (`random_string(n)`) counts when a caller stores its result under such a name; the finding is reported at the random call in the helper.",
    why:
      "A secret is only as strong as the generator behind it. `random` is designed for simulations, where reproducibility is a feature; its internal state can be recovered from its output, after which every 'random' token is known in advance.",
    bad: 'reset_code = "".join(random.choice(string.digits) for _ in range(6))\nsession["csrf_token"] = str(random.getrandbits(64))',
    good: 'reset_code = "".join(secrets.choice(string.digits) for _ in range(6))\nsession["csrf_token"] = secrets.token_urlsafe(32)',
    detection:
      "Calls are resolved through imports and aliases (`from random import choice as pick`). Secret words: `token`, `password`, `pwd`, `reset`, `otp`, `pin`, `nonce`, `salt`, `secret`, `session`, `sid`, `csrf`, `verification`, `confirm`, `activation`, `invite`, `magic`, `auth`, `challenge`, `recovery`, `api_key`, and `code`/`key`/`id` next to one of `sms`, `email`, `login`, `access`, `reset`, `verify`, `otp`, `session`, `secret`, ... Not reported: names of harmless uses (`quiz`, `question`, `color`, `jitter`, `backoff`, `retry`, `sample`, `shuffle`, `demo`, `fake`, `seed`, `index`, `order`, `filename`, ...), values with no telling name, `random.SystemRandom()` and `secrets` (which are safe), and code in tests and `__main__` blocks. `scan --fix` rewrites module-level calls to the `secrets` function with exactly the same behaviour: `choice` → `secrets.choice`, `getrandbits` → `secrets.randbits`, `randrange(n)` → `secrets.randbelow(n)`, and `randint`, `random`, `choices`, `sample`, `shuffle`, `uniform` and multi-argument `randrange` → the same method of `secrets.SystemRandom()`; it adds `import secrets`. `random.Random(...)` instances, `randbytes` (whose `secrets` counterpart returns a different type of value for the same argument only on old Pythons), the distribution functions and `uuid1()` are left for a person; the finding says what to use instead.",
    falsePositives:
      "A name can suggest a secret where there is none (`session_colour_seed`): the harmless words win when both appear, otherwise suppress with the reason. Randomness for a test fixture outside a test folder is reported.",
    references: [
      "https://docs.python.org/3/library/random.html",
      "https://docs.python.org/3/library/secrets.html",
      "https://cwe.mitre.org/data/definitions/338.html",
      "https://cheatsheetseries.owasp.org/cheatsheets/Cryptographic_Storage_Cheat_Sheet.html#secure-random-number-generation",
    ],
  },
  check({ project, report }) {
    const reported = new Set<string>();
    const say = (site: CallSite, path: string, use: UseName, via: string | null) => {
      const k = `${site.mod.path}\0${site.call.r}`;
      if (reported.has(k)) return;
      reported.add(k);
      const fname = path.replace(/^random\.Random\(\)\./, "Random().");
      report({
        file: site.mod.path,
        range: toRange(site.call.r),
        message: `\`${fname}()\` is predictable, yet its result is used as ${use.how}${via ? ` ${via}` : ""}: ${fixNote(path, site.call)}.`,
        scope: site.unit.scope,
      });
    };
    const neutralHelpers: { site: CallSite; path: string; def: DefFact }[] = [];
    for (const site of callSites(project, /^(random|uuid)(\.|$)/, CALL_NAMES)) {
      if (site.devOnly) continue;
      const path = drawn(project, site);
      if (!path) continue;
      const { names, cookie } = useNames(project, site);
      const verdict = judge(names, cookie, site.unit.def);
      if (verdict.secret) say(site, path, verdict.secret, null);
      else if (!verdict.benign && site.unit.def && returnsRandom(site.unit.steps, site.call, site.locals)) neutralHelpers.push({ site, path, def: site.unit.def });
    }
    // Neutral helpers (`random_string(n)`): judged by where their callers store the result.
    for (const h of neutralHelpers) {
      for (const mod of project.pythonModules()) {
        for (const c of mod.index.calls) {
          const fn = c.call.fn;
          const name = fn.k === "name" ? fn.id : fn.k === "attr" ? fn.name : "";
          if (name !== h.def.name || !project.resolve(mod, c.scope, fn).some((v) => v.t === "def" && v.def === h.def)) continue;
          const caller = siteAt(project, mod, c.call.r);
          if (!caller || caller.devOnly) continue;
          const { names, cookie } = useNames(project, caller);
          const verdict = judge(names, cookie, caller.unit.def);
          if (verdict.secret) say(h.site, h.path, verdict.secret, `where \`${h.def.name}()\` is called (${mod.path}:${toRange(c.call.r).start.line})`);
        }
      }
    }
  },
  autofix: fixRandom,
});
