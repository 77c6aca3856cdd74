import type { Diagnostic, SourceFile } from "../../core/types.js";
import type { DeploymentFacts } from "./types.js";
import { parseCompose } from "./compose.js";
import { parseDockerfile } from "./dockerfile.js";
import { parseDotenv } from "./dotenv.js";
import { parseSystemd, parseUwsgiIni } from "./ini.js";
import { parseNginx } from "./nginx.js";
import { parseMakefile, parseProcfile, parseShellScript } from "./script.js";
import { LineIndex } from "./text.js";

export { LineIndex, shellSplit, shellWords } from "./text.js";

/**
 * Extracts environment settings and commands from a deployment file, dispatching on its subkind.
 * Ranges are 1-based and end-exclusive. Subkinds without a parser give empty facts.
 */
export function indexDeployment(file: SourceFile, text: string): { facts: DeploymentFacts; diagnostics: Diagnostic[] } {
  const index = new LineIndex(text);
  const none: Diagnostic[] = [];
  switch (file.subkind) {
    case "dotenv":
    case "dotenv-example": {
      const r = parseDotenv(file.path, index);
      return { facts: { env: r.env, commands: [] }, diagnostics: r.diagnostics };
    }
    case "dockerfile":
      return parseDockerfile(file.path, index);
    case "procfile":
      return parseProcfile(file.path, index);
    case "compose":
      return parseCompose(file.path, index);
    case "script": {
      const base = file.path.slice(file.path.lastIndexOf("/") + 1).toLowerCase();
      const isMake = base === "makefile" || base === "gnumakefile";
      return { facts: isMake ? parseMakefile(index) : parseShellScript(index), diagnostics: none };
    }
    case "systemd":
      return { facts: parseSystemd(index), diagnostics: none };
    case "uwsgi":
      return { facts: parseUwsgiIni(index), diagnostics: none };
    case "nginx":
      return { facts: parseNginx(index), diagnostics: none };
    default:
      return { facts: { env: [], commands: [] }, diagnostics: none };
  }
}
