/** Small numeric helpers for the benchmark: summaries of repeated timings and number formatting. */

export interface Spread {
  min: number;
  median: number;
  max: number;
  /** Every sample, in the order it was taken. */
  samples: number[];
}

export function spread(samples: number[]): Spread {
  if (samples.length === 0) return { min: NaN, median: NaN, max: NaN, samples: [] };
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { min: s[0]!, median, max: s[s.length - 1]!, samples: [...samples] };
}

/** Rounds to a fixed number of decimals, keeping the JSON output free of float noise. */
export function round(n: number, decimals = 0): number {
  if (!Number.isFinite(n)) return n;
  const f = 10 ** decimals;
  return Math.round(n * f) / f;
}

/** Thousands separators without depending on the machine's locale. */
export function group(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const [int, frac] = String(Math.round(n)).split(".");
  const neg = int!.startsWith("-");
  const digits = neg ? int!.slice(1) : int!;
  const out = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return (neg ? "-" : "") + out + (frac ? `.${frac}` : "");
}

export function ms(n: number): string {
  return Number.isFinite(n) ? `${Math.round(n)} ms` : "n/a";
}

export function spreadText(s: Spread): string {
  return `${ms(s.median)} (min ${Math.round(s.min)}, max ${Math.round(s.max)})`;
}
