/** Reading Content-Security-Policy values (Talisman dicts and header strings) from the project model. */
import type { Expr } from "../../index/ir.js";
import type { ModuleInfo } from "../../link/modules.js";
import type { Project } from "../../link/project.js";
import { constStrings, definitions } from "./http.js";

/** A policy as directive -> sources (lower-cased directive names). */
export type Policy = Map<string, string[]>;

/** Parses a CSP header value: "default-src 'self'; script-src 'self' cdn.example". */
export function parsePolicy(text: string): Policy {
  const out: Policy = new Map();
  for (const part of text.split(";")) {
    const words = part.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) continue;
    const name = words[0]!.toLowerCase();
    if (!out.has(name)) out.set(name, words.slice(1));
  }
  return out;
}

/**
 * The policies an expression may hold: a header string, or Talisman's dict form whose values are a
 * string or a list of sources. Null when some part is not a constant (read from config or built at run time).
 */
export function policiesOf(project: Project, mod: ModuleInfo, scope: string, e: Expr): Policy[] | null {
  const out: Policy[] = [];
  for (const d of definitions(project, mod, scope, e)) {
    if (d.e.k === "dict") {
      const p: Policy = new Map();
      for (const it of d.e.items) {
        const key = it.key ? project.constString(d.mod, d.scope, it.key) : null;
        if (key === null) return null;
        const sources = constStrings(project, d.mod, d.scope, it.value);
        if (sources === null) return null;
        p.set(key.toLowerCase(), sources.flatMap((s) => s.split(/\s+/).filter(Boolean)));
      }
      out.push(p);
      continue;
    }
    const s = project.constString(d.mod, d.scope, d.e);
    if (s === null) return null;
    out.push(parsePolicy(s));
  }
  return out;
}

/** The sources that govern scripts: script-src, else default-src; null when the policy leaves scripts open. */
export function scriptSources(p: Policy): string[] | null {
  return p.get("script-src") ?? p.get("default-src") ?? null;
}

/**
 * What makes a policy's script protection void: 'unsafe-eval', or 'unsafe-inline' without a nonce or
 * hash (browsers ignore 'unsafe-inline' when a nonce or hash is present). `nonce` says a nonce is added at run time.
 */
export function unsafeScriptSources(p: Policy, nonce: boolean): string[] {
  const src = scriptSources(p);
  if (!src) return [];
  const lower = src.map((s) => s.toLowerCase());
  const out: string[] = [];
  const hasNonceOrHash = nonce || lower.some((s) => /^'(nonce|sha256|sha384|sha512)-/.test(s));
  if (lower.includes("'unsafe-inline'") && !hasNonceOrHash) out.push("'unsafe-inline'");
  if (lower.includes("'unsafe-eval'")) out.push("'unsafe-eval'");
  return out;
}

/** Whether a policy restricts framing (frame-ancestors). */
export function hasFrameAncestors(p: Policy): boolean {
  return p.has("frame-ancestors");
}
