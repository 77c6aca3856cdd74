#!/usr/bin/env node
import { tuneEngine } from "../dist/src/cli/engine.js";

// Before the rest of the code is loaded (see src/cli/engine.ts).
tuneEngine(process.argv.slice(2));
const { main } = await import("../dist/src/cli/main.js");
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
