import type { Range } from "../../core/types.js";

/** An environment variable set by a deployment file (.env, .flaskenv, Dockerfile ENV, compose environment). */
export interface EnvSetting {
  name: string;
  value: string;
  range: Range;
  source: "dotenv" | "dockerfile" | "compose" | "script";
}

/** A command a deployment file runs (Dockerfile CMD/ENTRYPOINT/RUN, Procfile process, compose command, shell script line). */
export interface CommandLine {
  /** The command as written (JSON-array forms joined with spaces). */
  text: string;
  /** Shell-like split of the command. */
  argv: string[];
  range: Range;
  source: "dockerfile-cmd" | "dockerfile-entrypoint" | "dockerfile-run" | "procfile" | "compose" | "script";
  /** Procfile process type or compose service name, when known. */
  process?: string;
}

export interface DeploymentFacts {
  env: EnvSetting[];
  commands: CommandLine[];
  /** Reverse-proxy facts (nginx): present only when the file sets response headers or passes requests on. */
  proxy?: ProxyFacts;
}

/** A response header a reverse-proxy config adds (nginx `add_header`, `more_set_headers`). */
export interface ProxyHeader {
  name: string;
  value: string;
  range: Range;
}

export interface ProxyFacts {
  headers: ProxyHeader[];
  /** Directives that hand requests to an application server (`proxy_pass`, `uwsgi_pass`, ...). */
  passes: Range[];
}
