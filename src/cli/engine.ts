/**
 * V8 settings for a flaskwarden process, applied before the rest of our code is loaded.
 *
 * V8 optimises a function once it has run for a budget of bytecode. With the default budget the
 * indexer's large functions are optimised before they have seen most kinds of statement, then thrown away
 * and optimised again, tens of milliseconds of a core each time and in every parser thread. A budget 12
 * times larger lets them be compiled about once: a scan of the standard library uses a fifth less CPU
 * (ARCHITECTURE.md, "Performance"; 400k and 1.6M measured worse than 800k). V8 flags are per process, so
 * worker threads started later use it too.
 *
 * The language server is left at V8's default: it runs the same code for hours, so compiling it twice
 * costs nothing in the long run, while a later first optimisation made its first edits slower
 * (bench/lsp.ts: 460 ms instead of 400 ms per edit over the first twenty).
 */
import { setFlagsFromString } from "node:v8";

export const INTERRUPT_BUDGET = 800_000;

let tuned = false;

/** Applies the settings for the command in `args` (the CLI's arguments). */
export function tuneEngine(args: readonly string[] = []): void {
  const command = args.find((a) => !a.startsWith("-"));
  if (tuned || command === "lsp") return;
  tuned = true;
  setFlagsFromString(`--interrupt-budget=${INTERRUPT_BUDGET}`);
}
