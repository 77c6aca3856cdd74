import type { Expr } from "../../index/ir.js";
import { toRange } from "../../index/ir.js";
import type { Project } from "../../link/project.js";
import { walkBody } from "../auth/bodies.js";
import { callSites, walkChildren, type CallSite } from "../calls.js";
import { defineRule } from "../define.js";
import { namesRead, useNames, wordsOf, type UseName } from "./purpose.js";

/** Broken hashes (collisions in seconds) and the fast hashes that are fine for data but not for passwords. */
const WEAK = new Set(["md5", "sha1", "md4", "md5-sha1", "ripemd160", "sha"]);
const FAST = new Set(["sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256", "sha3_384", "sha3_512", "blake2b", "blake2s", "sha512_224", "sha512_256"]);
const HASH_CALL = /^hashlib\.(\w+)$/;
/** Names a call must end with to be looked at (any alias of them is a plain name bound by an import the index also sees). */
const CALL_NAMES = new Set([...WEAK, ...FAST, "new", "HMAC"]);

const PASSWORD = new Set(["password", "passwords", "passwd", "pwd", "pw", "passphrase", "pass", "pword"]);
/** Words that make a digest a credential, a token or a signature. */
const SECURITY = new Set(["token", "tokens", "secret", "secrets", "sign", "signature", "signatures", "sig", "signed", "signing", "auth", "authenticate", "authentication", "credential", "credentials", "apikey", "session", "sid", "nonce", "otp", "reset", "verify", "verification", "salt", "csrf", "hmac", "mac", "login", "confirm", "confirmation", "activation", "invite", "unsubscribe", "magic"]);
/** Words that make it a checksum, cache key or identifier where collisions do not matter. */
const BENIGN = new Set(["etag", "etags", "cache", "cached", "caching", "checksum", "checksums", "fingerprint", "dedup", "dedupe", "duplicate", "duplicates", "gravatar", "avatar", "identicon", "color", "colour", "shard", "bucket", "partition", "filename", "file", "files", "path", "url", "content", "chunk", "chunks", "static", "asset", "assets", "version", "revision", "bust", "cachebust", "md5sum", "sha1sum", "integrity", "lock", "digest_file", "blob", "image", "thumbnail", "thumb", "etag_for"]);

/** Words of HTTP Digest authentication, whose hashes the protocol dictates. */
const PROTOCOL = new Set(["realm", "qop", "cnonce", "ha1", "ha2"]);

/** Words of a request signature (as opposed to a token or a password). */
const SIGNATURE = new Set(["sig", "sign", "signature", "signed", "signing"]);
/** Clients of outgoing HTTP requests. */
const OUTGOING = /^(requests|httpx|aiohttp|urllib3|urllib\.request|urllib2)\./;

/**
 * Whether the function holding the hash also sends an HTTP request to another service. A signature computed
 * there is that service's signing scheme (Last.fm's and Flickr's APIs specify MD5 of the sorted parameters
 * and the shared secret): the app cannot pick another algorithm, so it is not the app's weakness to fix.
 */
function sendsRequest(project: Project, site: CallSite): boolean {
  let found = false;
  walkBody(site.unit.steps, (top) => {
    const visit = (e: Expr) => {
      if (found) return;
      if (e.k === "call" && project.extPaths(site.mod, site.unit.scope, e.fn).some((p) => OUTGOING.test(p))) found = true;
      else walkChildren(e, visit);
    };
    visit(top);
  });
  return found;
}

function has(names: readonly string[], set: ReadonlySet<string>): string | null {
  for (const n of names) for (const w of wordsOf(n)) if (set.has(w)) return n;
  return null;
}

/** The algorithm a hash call computes: `hashlib.md5(...)`, `hashlib.new("md5", ...)`, or null. */
function algorithm(project: Project, site: CallSite): string | null {
  for (const p of project.extPaths(site.mod, site.unit.scope, site.call.fn)) {
    if (p === "hashlib.new") {
      const name = site.call.args[0] ?? site.call.kw.find((k) => k.name === "name")?.value;
      const v = name ? project.constString(site.mod, site.unit.scope, name) : null;
      return v ? v.toLowerCase().replace(/-/g, "_") : null;
    }
    const m = HASH_CALL.exec(p);
    if (m && (WEAK.has(m[1]!) || FAST.has(m[1]!))) return m[1]!;
    if (/^Crypto(dome)?\.Hash\.(MD5|SHA1|SHA)\.new$/.test(p)) return p.split(".")[2]!.toLowerCase();
  }
  return null;
}

/** For `hmac.new(key, msg, digestmod)`: the digest when it is MD5, else null. */
function hmacMd5(project: Project, site: CallSite): boolean {
  if (!project.extPaths(site.mod, site.unit.scope, site.call.fn).some((p) => p === "hmac.new" || p === "hmac.HMAC")) return false;
  const d = site.call.args[2] ?? site.call.kw.find((k) => k.name === "digestmod")?.value;
  if (!d) return false;
  const s = project.constString(site.mod, site.unit.scope, d);
  if (s) return s.toLowerCase() === "md5";
  return project.extPaths(site.mod, site.unit.scope, d).includes("hashlib.md5");
}

function dataArgs(site: CallSite, hmac: boolean): Expr[] {
  const c = site.call;
  if (hmac) return [c.args[1], c.kw.find((k) => k.name === "msg")?.value].filter((x): x is Expr => !!x);
  const isNew = c.fn.k === "attr" && c.fn.name === "new";
  return [...c.args.slice(isNew ? 1 : 0), ...c.kw.filter((k) => k.name === "data" || k.name === "string").map((k) => k.value)];
}

function show(u: UseName | undefined, fallback: string): string {
  return u ? u.how : fallback;
}

export default defineRule({
  id: "FLASK-CRYPTO-001",
  title: "Weak hash for passwords, tokens or signatures",
  family: "crypto",
  severity: "medium",
  confidence: "medium",
  cwe: [328, 916, 327],
  owasp: "A02:2021",
  tags: ["cryptography", "passwords", "hashing"],
  impact:
    "Password hashes made with a fast hash fall to offline guessing as soon as the database leaks: a single GPU tries billions of MD5 or SHA-256 candidates per second, and unsalted hashes are looked up in precomputed tables. MD5 and SHA-1 also have practical collisions, so a signature or token built on them can be forged or made to match a second value.",
  fix: "Hash passwords with a slow, salted key-derivation function: `werkzeug.security.generate_password_hash`/`check_password_hash`, `bcrypt`, `argon2-cffi`, or `hashlib.scrypt`/`pbkdf2_hmac` with a random salt and a high work factor. Sign data with `hmac` and SHA-256 (or `itsdangerous`), and make tokens with `secrets.token_urlsafe()`.",
  mitigation: "Rehash existing password hashes on the user's next login, and rotate any token or signing scheme that relied on MD5 or SHA-1.",
  docs: {
    what:
      "Reports `hashlib.md5`, `hashlib.sha1` and `hashlib.new(\"md5\"/\"sha1\")` (also PyCryptodome's `MD5`/`SHA1`) used for passwords, tokens or signatures; passwords hashed with any fast hash (SHA-2, SHA-3, BLAKE2 included); and `hmac.new(..., digestmod=hashlib.md5)` used for signatures. What a hash is for is judged from the names around it: the data hashed (`password`, `secret`), the variable, attribute, dict key or keyword the digest is stored under, the function that returns it, and one step further where a local holding it goes (`user.reset_token = digest`).",
    why:
      "Hashing is only a protection when reversing or colliding it is expensive. Passwords need a deliberately slow, salted function because people choose guessable ones; tokens and signatures need a function without known collisions. MD5 and SHA-1 fail the second test and every fast hash fails the first.",
    bad: 'user.password_hash = hashlib.md5(password.encode()).hexdigest()\n\nreset_token = hashlib.sha1(f"{user.email}{time.time()}".encode()).hexdigest()',
    good: 'user.password_hash = generate_password_hash(password)\n\nreset_token = secrets.token_urlsafe(32)',
    detection:
      "Calls are resolved through imports and aliases. A hash whose input names a password (`password`, `passwd`, `pwd`, `passphrase`) is reported whatever the algorithm, at high severity for MD5/SHA-1. MD5 and SHA-1 are reported for tokens and signatures when a security word (`token`, `secret`, `signature`, `sign`, `auth`, `session`, `nonce`, `otp`, `reset`, `salt`, `csrf`, `api_key`, `verify`, ...) names the input, the result or the function, and no word of a harmless use does. Not reported: `usedforsecurity=False`; ETags, cache keys, checksums, file fingerprints and deduplication, Gravatar URLs, colours and shard keys (recognised by `etag`, `cache`, `checksum`, `file`, `path`, `url`, `content`, `gravatar`, `color`, ... in the same names); HMAC with SHA-1 or better (HMAC-SHA1 has no practical attack and TOTP specifies it); the hashes of HTTP Digest authentication (inputs named `realm`, `qop`, `cnonce`, `HA1`), which the protocol fixes; hashes with no telling name at all; code in tests and `__main__` blocks.",
    falsePositives:
      "A signature computed in a function that also sends an HTTP request (`requests`, `httpx`, `aiohttp`, `urllib`) is taken to be the remote API's own signing scheme (Last.fm and Flickr prescribe MD5 of the sorted parameters and a shared secret) and is not reported, since the app cannot choose the algorithm; the same shape used for the app's own links is a miss. Names can mislead: a function called `sign_url` that only makes a cache-busting suffix is reported; rename it or suppress the finding with the reason. A password hashed with a fast hash inside a KDF of your own (many rounds, a salt) is still reported, since the rule cannot judge the work factor; prefer a standard KDF. A password's hash that is not stored under a password or hash name, in a function that sends an HTTP request, is taken to be the remote service's scheme (the Pwned Passwords range API asks for the SHA-1's first five hex digits) and is not reported.",
    references: [
      "https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html",
      "https://cwe.mitre.org/data/definitions/916.html",
      "https://docs.python.org/3/library/hashlib.html#hashlib.new",
      "https://werkzeug.palletsprojects.com/en/stable/utils/#werkzeug.security.generate_password_hash",
    ],
  },
  check({ project, report }) {
    for (const site of callSites(project, /^(hashlib|hmac|Crypto|Cryptodome)(\.|$)/, CALL_NAMES)) {
      if (site.devOnly) continue;
      const hmac = hmacMd5(project, site);
      const alg = hmac ? "md5" : algorithm(project, site);
      if (!alg) continue;
      const off = site.call.kw.find((k) => k.name === "usedforsecurity");
      if (off && project.truthy(site.mod, site.unit.scope, off.value) === false) continue;
      const weak = WEAK.has(alg);
      const inputs = dataArgs(site, hmac).flatMap((a) => namesRead(project, site, a));
      const { names } = useNames(project, site);
      const outputs = [...names.map((n) => n.name), ...(site.unit.def ? [site.unit.def.name] : [])];
      const label = hmac ? "HMAC-MD5" : alg.toUpperCase().replace(/_/g, "-");
      // HTTP Digest authentication (RFC 7616) fixes its hash of the password; the app cannot choose another.
      if (has(inputs, PROTOCOL)) continue;
      const pw = has(inputs, PASSWORD);
      // A password stored under a cache-like name is still a password; its hash is the secret.
      if (pw && !hmac) {
        const to = names.find((n) => wordsOf(n.name).some((w) => PASSWORD.has(w) || w === "hash"));
        // Not stored, and the function calls another service: that service's scheme (the Pwned Passwords
        // range API takes the first five hex digits of the password's SHA-1).
        if (!to && sendsRequest(project, site)) continue;
        report({
          file: site.mod.path,
          range: toRange(site.call.r),
          message: `A password (\`${pw}\`) is hashed with ${label}${to ? ` and stored as ${show(to, "")}` : ""}: ${weak ? "a broken, fast hash" : "a fast hash"} with no work factor, so leaked hashes are cracked by brute force. Use a salted KDF such as \`generate_password_hash\`, bcrypt or argon2.`,
          severity: weak ? "high" : "medium",
          scope: site.unit.scope,
        });
        continue;
      }
      if (!weak) continue;
      const benign = has([...inputs, ...outputs], BENIGN);
      if (benign) continue;
      const inputWord = has(inputs, SECURITY);
      const use = names.find((n) => has([n.name], SECURITY) || has([n.name], PASSWORD));
      const fnWord = site.unit.def && (has([site.unit.def.name], SECURITY) || has([site.unit.def.name], PASSWORD)) ? site.unit.def.name : null;
      if (!inputWord && !use && !fnWord && !hmac) continue;
      const signature = has([...inputs, ...outputs], SIGNATURE);
      if (signature && sendsRequest(project, site)) continue;
      if (hmac && !inputWord && !use && !fnWord) {
        // HMAC is for authenticating data by definition; with MD5 it is weak but not broken, so low.
        report({ file: site.mod.path, range: toRange(site.call.r), message: "This HMAC uses MD5: prefer SHA-256 (`digestmod=hashlib.sha256`) for message authentication.", severity: "low", scope: site.unit.scope });
        continue;
      }
      const why = use ? `its result is used as ${use.how}` : fnWord ? `it is computed in \`${fnWord}\`` : `it hashes \`${inputWord}\``;
      report({
        file: site.mod.path,
        range: toRange(site.call.r),
        message: `${label} is used for a security value (${why}): it has practical collisions and is fast to guess. Use \`secrets.token_urlsafe()\` for tokens and HMAC-SHA256 or \`itsdangerous\` for signatures.`,
        scope: site.unit.scope,
      });
    }
  },
});
