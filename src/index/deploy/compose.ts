import type { Document, Node, Pair, YAMLMap } from "yaml";
import { yaml } from "../yaml.js";
import type { Diagnostic, Range } from "../../core/types.js";
import type { DeploymentFacts } from "./types.js";
import { LineIndex, shellSplit } from "./text.js";

type AnyNode = Node | null | undefined;

/**
 * Reads services from a Compose file: `environment` as a map or a `KEY=VALUE` list, and `command` /
 * `entrypoint` as a string or a list. Anchors, aliases and `<<` merge keys are followed.
 */
export function parseCompose(path: string, index: LineIndex): { facts: DeploymentFacts; diagnostics: Diagnostic[] } {
  const facts: DeploymentFacts = { env: [], commands: [] };
  // Compose files rely on YAML 1.1 merge keys (`<<: *defaults`), which YAML 1.2 does not define.
  const doc = yaml().parseDocument(index.text, { merge: true, uniqueKeys: false });
  const error = doc.errors[0];
  if (error !== undefined) {
    const at = Math.min(error.pos[0], index.text.length);
    const pos = index.position(at);
    const reason = error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    return {
      facts,
      diagnostics: [
        {
          file: path,
          severity: "warning",
          code: "parse-error",
          message: `Could not parse ${path} as YAML (line ${pos.line}, column ${pos.column}): ${reason}. Its services were not checked.`,
          range: index.range(at, Math.min(Math.max(error.pos[1], at), index.text.length)),
        },
      ],
    };
  }

  const root = resolve(doc, doc.contents);
  if (!yaml().isMap(root)) return { facts, diagnostics: [] };
  const servicesNode = resolve(doc, entry(doc, root, "services")?.value as AnyNode);
  // Compose file format v1 had no `services:` key: services sat at the top level.
  const services = yaml().isMap(servicesNode) ? servicesNode : looksLikeV1(doc, root) ? root : null;
  if (services === null) return { facts, diagnostics: [] };

  for (const pair of entries(doc, services)) {
    const name = scalarText(doc, pair.key as AnyNode);
    const service = resolve(doc, pair.value as AnyNode);
    if (name === null || !yaml().isMap(service)) continue;
    const environment = resolve(doc, entry(doc, service, "environment")?.value as AnyNode);
    if (yaml().isMap(environment)) {
      for (const e of entries(doc, environment)) {
        const key = scalarText(doc, e.key as AnyNode);
        const valueNode = resolve(doc, e.value as AnyNode);
        // A key without a value passes the variable through from the host; there is no value to record.
        if (key === null || !yaml().isScalar(valueNode) || valueNode.value === null) continue;
        const value = scalarText(doc, valueNode) ?? "";
        facts.env.push({ name: key, value, range: spanRange(index, e.key as AnyNode, e.value as AnyNode), source: "compose" });
      }
    } else if (yaml().isSeq(environment)) {
      for (const item of environment.items) {
        const node = resolve(doc, item as AnyNode);
        const s = scalarText(doc, node);
        if (s === null) continue;
        const eq = s.indexOf("=");
        if (eq <= 0) continue;
        facts.env.push({ name: s.slice(0, eq), value: s.slice(eq + 1), range: nodeRange(index, item as AnyNode), source: "compose" });
      }
    }

    for (const key of ["entrypoint", "command"]) {
      const p = entry(doc, service, key);
      const node = resolve(doc, p?.value as AnyNode);
      if (yaml().isSeq(node)) {
        const argv = node.items.map((it) => scalarText(doc, resolve(doc, it as AnyNode))).filter((x): x is string => x !== null);
        if (argv.length === 0) continue;
        facts.commands.push({ text: argv.join(" "), argv, range: nodeRange(index, p!.value as AnyNode), source: "compose", process: name });
      } else {
        const s = scalarText(doc, node);
        if (s === null || s.trim() === "") continue;
        facts.commands.push({ text: s, argv: shellSplit(s), range: nodeRange(index, p!.value as AnyNode), source: "compose", process: name });
      }
    }
  }
  return { facts, diagnostics: [] };
}

function resolve(doc: Document, node: AnyNode): AnyNode {
  let n = node;
  // Bounded so a pathological alias chain cannot spin.
  for (let i = 0; i < 32 && yaml().isAlias(n); i++) n = n.resolve(doc) as AnyNode;
  return n;
}

/** Pairs of a map with `<<` merge keys expanded; explicit keys win over merged ones, as in YAML 1.1. */
function entries(doc: Document, map: YAMLMap, depth = 0): Pair[] {
  const own: Pair[] = [];
  const merged: Pair[] = [];
  for (const item of map.items) {
    if (!yaml().isPair(item)) continue;
    const keyNode = item.key as AnyNode;
    if (yaml().isScalar(keyNode) && isMergeKey(keyNode.value) && depth < 8) {
      const v = resolve(doc, item.value as AnyNode);
      const sources = yaml().isSeq(v) ? v.items.map((x) => resolve(doc, x as AnyNode)) : [v];
      for (const src of sources) if (yaml().isMap(src)) merged.push(...entries(doc, src, depth + 1));
      continue;
    }
    own.push(item);
  }
  const seen = new Set(own.map((p) => scalarText(doc, p.key as AnyNode)));
  return [...own, ...merged.filter((p) => !seen.has(scalarText(doc, p.key as AnyNode)))];
}

/** With `merge: true` the parser marks merge keys with a symbol; a plain "<<" string is accepted too. */
function isMergeKey(value: unknown): boolean {
  return value === "<<" || (typeof value === "symbol" && value.description === "<<");
}

function entry(doc: Document, map: YAMLMap, key: string): Pair | undefined {
  return entries(doc, map).find((p) => scalarText(doc, p.key as AnyNode) === key);
}

function looksLikeV1(doc: Document, root: YAMLMap): boolean {
  const pairs = entries(doc, root);
  return (
    pairs.length > 0 &&
    pairs.every((p) => {
      const v = resolve(doc, p.value as AnyNode);
      return yaml().isMap(v) && (entry(doc, v, "image") !== undefined || entry(doc, v, "build") !== undefined);
    })
  );
}

/** The scalar as Compose would see it: strings as is, other scalars as written in the file. */
function scalarText(doc: Document, node: AnyNode): string | null {
  const n = resolve(doc, node);
  if (!yaml().isScalar(n)) return null;
  if (typeof n.value === "string") return n.value;
  if (n.value === null) return "";
  // Numbers and booleans: the source spelling ("1.0", "yes") is what the service receives.
  const src = (n as { source?: unknown }).source;
  return typeof src === "string" ? src : String(n.value);
}

function nodeRange(index: LineIndex, node: AnyNode): Range {
  const r = node?.range;
  return r ? index.range(r[0], trimEnd(index.text, r[0], r[1])) : index.range(0, 0);
}

function spanRange(index: LineIndex, from: AnyNode, to: AnyNode): Range {
  const a = from?.range;
  const b = to?.range ?? a;
  return a && b ? index.range(a[0], trimEnd(index.text, a[0], b[1])) : index.range(0, 0);
}

/** Block collections and block scalars end after their last newline; a range should stop at the last character. */
function trimEnd(text: string, start: number, end: number): number {
  let e = end;
  while (e > start && /\s/.test(text[e - 1]!)) e--;
  return e;
}
