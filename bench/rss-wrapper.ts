/**
 * Fallback for machines without GNU time: runs the CLI's main() in this process, then writes the
 * process's peak resident set size (kilobytes, worker threads included) to the file named first.
 * Usage: node dist/bench/rss-wrapper.js <rss-file> scan <dir> ...
 */
import { writeFileSync } from "node:fs";
import { tuneEngine } from "../src/cli/engine.js";

// As bin/flaskwarden.js does, before the CLI's code is loaded.
tuneEngine();
const { main } = await import("../src/cli/main.js");

const [rssFile, ...args] = process.argv.slice(2);
if (!rssFile) {
  process.stderr.write("usage: rss-wrapper.js <rss-file> <flaskwarden arguments...>\n");
  process.exit(2);
}
const code = await main(args);
writeFileSync(rssFile, `${process.resourceUsage().maxRSS}\n`);
process.exitCode = code;
