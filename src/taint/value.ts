/**
 * Taint values: which request data may reach a value, through which steps, and which kinds of sink
 * it has already been made safe for. Values are immutable; every operation returns a new one.
 */
import type { R } from "../index/ir.js";
import { ALL_KINDS } from "./models.js";

/** One step of a trace, linked to the step before it (traces share their prefixes). */
export interface TraceLink {
  file: string;
  r: R;
  message: string;
  prev: TraceLink | null;
  len: number;
}

/** Longest trace kept; later steps are dropped (the source and the sink are always shown). */
const MAX_TRACE = 24;
/** Most flows one value keeps; more would only repeat the same finding with other traces. */
const MAX_FLOWS = 12;
/** Longest field path tracked on a parameter. */
const MAX_PATH = 3;

/**
 * One way request data reaches a value. `param` >= 0 marks data that came in through that parameter
 * of the function being summarised (a placeholder filled in at each call site); -1 marks request data.
 */
export interface Flow {
  /** What the data is: "request.args", "URL parameter `name`", or the parameter's name. */
  origin: string;
  param: number;
  /** For parameter flows: the fields read from the parameter (["." + "name", "key"]), so a caller substitutes only that part. */
  path?: readonly string[];
  /** Kinds of sink this flow has been made safe for (mask of kindBit). */
  cleared: number;
  trace: TraceLink | null;
}

export class TV {
  constructor(
    /** Flows into the value as a whole (any part of it, any key). */
    readonly flows: readonly Flow[],
    /** Per-key values of containers and objects built with constant keys (".name" for attributes). */
    readonly fields: ReadonlyMap<string, TV> | null = null,
  ) {}

  /** Holds request data not yet made safe for every kind of sink. */
  get tainted(): boolean {
    if (this.flows.some((f) => f.cleared !== ALL_KINDS)) return true;
    if (this.fields) for (const v of this.fields.values()) if (v.tainted) return true;
    return false;
  }

  /** Every flow, the whole and each field's. */
  all(): Flow[] {
    if (!this.fields) return this.flows as Flow[];
    let out = this.flows as Flow[];
    for (const v of this.fields.values()) out = mergeFlows(out, v.all());
    return out;
  }

  /** The value flattened: what reaches any part of it. */
  flat(): TV {
    return this.fields ? new TV(this.all()) : this;
  }

  /** The value at a constant key, or at an unknown key (null: any field may be read). */
  field(key: string | null): TV {
    if (key === null) return this.flat();
    const f = this.fields?.get(key);
    // A parameter's field is a placeholder of its own: the caller fills in just that part.
    const base = this.flows.some((x) => x.param >= 0) ? this.flows.map((x) => (x.param >= 0 && (x.path?.length ?? 0) < MAX_PATH ? { ...x, path: [...(x.path ?? []), key] } : x)) : (this.flows as Flow[]);
    if (!f) return this.fields || base !== this.flows ? new TV(base) : this;
    return new TV(mergeFlows(base, f.all()));
  }

  /** `field` along a path. */
  fieldPath(path: readonly string[]): TV {
    let v: TV = this;
    for (const k of path) v = v.field(k);
    return v;
  }

  /** A copy with one field replaced (a strong update of `d["k"] = v` or `obj.x = v`). */
  withField(key: string, v: TV): TV {
    const fields = new Map(this.fields ?? []);
    fields.set(key, v);
    return new TV(this.flows, fields);
  }
}

export const CLEAN = new TV([]);

function flowKey(f: Flow): string {
  return `${f.param}\0${f.origin}\0${f.cleared}\0${f.path?.join("\u0001") ?? ""}`;
}

export function mergeFlows(a: readonly Flow[], b: readonly Flow[]): Flow[] {
  if (b.length === 0) return a as Flow[];
  if (a.length === 0) return b as Flow[];
  const out = a.slice();
  const keys = new Set(a.map(flowKey));
  for (const f of b) {
    if (out.length >= MAX_FLOWS) break;
    const k = flowKey(f);
    if (!keys.has(k)) {
      keys.add(k);
      out.push(f);
    }
  }
  return out;
}

export function union(a: TV, b: TV): TV {
  if (a === b || (!b.tainted && !b.fields)) return a;
  if (!a.tainted && !a.fields) return b;
  const flows = mergeFlows(a.flows, b.flows);
  if (!a.fields && !b.fields) return new TV(flows);
  const fields = new Map<string, TV>();
  const keys = new Set([...(a.fields?.keys() ?? []), ...(b.fields?.keys() ?? [])]);
  for (const k of keys) fields.set(k, union(a.fields?.get(k) ?? CLEAN, b.fields?.get(k) ?? CLEAN));
  return new TV(flows, fields);
}

export function unionAll(vs: TV[]): TV {
  let out = CLEAN;
  for (const v of vs) out = union(out, v);
  return out;
}

export function link(file: string, r: R, message: string, prev: TraceLink | null): TraceLink {
  if (prev && prev.len >= MAX_TRACE) return prev;
  return { file, r, message, prev, len: (prev?.len ?? 0) + 1 };
}

/** The value with one more trace step on every flow (flattened). */
export function step(v: TV, file: string, r: R, message: string): TV {
  if (!v.tainted) return v;
  const flows = v.flows.map((f) => ({ ...f, trace: link(file, r, message, f.trace) }));
  if (!v.fields) return new TV(flows);
  const fields = new Map<string, TV>();
  for (const [k, x] of v.fields) fields.set(k, step(x, file, r, message));
  return new TV(flows, fields);
}

/** The value with `mask` added to every flow's cleared kinds; ALL clears it completely. */
export function sanitise(v: TV, mask: number): TV {
  if (!v.tainted) return v;
  return new TV(v.all().map((f) => ({ ...f, cleared: f.cleared | mask })));
}
