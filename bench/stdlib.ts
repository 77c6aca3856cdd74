/** Finds Debian's copy of the Python 3.11 standard library through dpkg's file lists. */
import { spawnSync } from "node:child_process";
import { dirname, sep } from "node:path";

const PACKAGES = ["libpython3.11-stdlib", "libpython3.11-minimal"];

export type StdlibLookup = { dir: string; listed: number } | { dir: null; reason: string };

/**
 * Asks dpkg which files the packages installed and returns the top-level folder holding the most
 * listed .py files (the python3.11 folder under the system's lib dir).
 */
export function findStdlib(): StdlibLookup {
  const r = spawnSync("dpkg", ["-L", ...PACKAGES], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    return { dir: null, reason: code === "ENOENT" ? "dpkg is not installed (not a Debian-based system)" : `dpkg failed: ${r.error.message}` };
  }
  const files = r.stdout.split("\n").filter((l) => l.endsWith(".py"));
  if (files.length === 0) {
    const why = r.stderr.trim().split("\n")[0] ?? "";
    return { dir: null, reason: `dpkg lists no .py files for ${PACKAGES.join(", ")}${why ? ` (${why})` : ""}` };
  }
  // Count every ancestor folder; the deepest folder that still holds most of the files wins.
  const counts = new Map<string, number>();
  for (const f of files) {
    for (let d = dirname(f); d !== dirname(d); d = dirname(d)) counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best: string | null = null;
  let bestCount = 0;
  for (const [d, n] of counts) {
    if (n * 2 <= files.length) continue;
    const depth = d.split(sep).length;
    if (best === null || depth > best.split(sep).length || (depth === best.split(sep).length && n > bestCount)) {
      best = d;
      bestCount = n;
    }
  }
  if (best === null) return { dir: null, reason: "the .py files dpkg lists are not under one folder" };
  return { dir: best, listed: bestCount };
}
