/**
 * The `yaml` package, loaded on first use. Few projects have a compose file or an OpenAPI document,
 * and loading the package (72 CommonJS files) in every parser thread at start-up cost more than
 * parsing a large Python file.
 */
import { createRequire } from "node:module";

type YamlModule = typeof import("yaml");

let loaded: YamlModule | undefined;

export function yaml(): YamlModule {
  return (loaded ??= createRequire(import.meta.url)("yaml") as YamlModule);
}
