/** Loads web-tree-sitter and the Python grammar's bundled .wasm (no compiler needed on any platform). */
import { createRequire } from "node:module";
import { Language, Parser } from "web-tree-sitter";

const require = createRequire(import.meta.url);
let ready: Promise<Parser> | null = null;

/** One parser per thread, created once. */
export function pythonParser(): Promise<Parser> {
  ready ??= (async () => {
    await Parser.init();
    const wasm = require.resolve("tree-sitter-python/tree-sitter-python.wasm");
    const lang = await Language.load(wasm);
    const p = new Parser();
    p.setLanguage(lang);
    return p;
  })();
  return ready;
}
