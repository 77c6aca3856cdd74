import type { DeploymentFacts } from "./types.js";
import { LineIndex, LogicalLine, shellSplit, shellWords } from "./text.js";

const EXEC_KEYS = new Set(["ExecStart", "ExecStartPre", "ExecStartPost"]);

/**
 * Parses a systemd unit: `ExecStart=` (and its Pre/Post variants) become commands, `Environment=`
 * assignments (space-separated, optionally quoted) become environment settings.
 */
export function parseSystemd(index: LineIndex): DeploymentFacts {
  const facts: DeploymentFacts = { env: [], commands: [] };
  for (let n = 1; n <= index.count; n++) {
    const raw = index.line(n);
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";") || trimmed.startsWith("[")) continue;
    // systemd joins a line ending in a backslash with the next, replacing the pair by a space.
    const line = new LogicalLine();
    let cur = n;
    for (;;) {
      const start = index.lineStart(cur);
      const content = index.text.slice(start, index.lineEnd(cur)).replace(/[ \t]+$/, "");
      if (content.endsWith("\\") && cur < index.count) {
        line.append(index.text, start, start + content.length - 1);
        line.appendChar(" ", start + content.length - 1);
        cur++;
      } else {
        line.append(index.text, start, start + content.length);
        break;
      }
    }
    n = cur;
    const m = /^[ \t]*([A-Za-z][A-Za-z0-9]*)[ \t]*=[ \t]*/.exec(line.text);
    if (!m) continue;
    const key = m[1]!;
    if (EXEC_KEYS.has(key)) {
      // Prefixes such as "-" (ignore failure) or "+" (full privileges) are not part of the command.
      const prefix = /^[-@:+!]*/.exec(line.text.slice(m[0].length))![0].length;
      const start = m[0].length + prefix;
      const text = line.text.slice(start);
      if (text.trim() === "") continue;
      facts.commands.push({ text, argv: shellSplit(text), range: line.range(index, start, line.text.length), source: "script" });
    } else if (key === "Environment") {
      const from = m[0].length;
      for (const w of shellWords(line.text.slice(from), { comments: false })) {
        const eq = w.value.indexOf("=");
        if (eq <= 0) continue;
        facts.env.push({
          name: w.value.slice(0, eq),
          value: w.value.slice(eq + 1),
          range: line.range(index, from + w.start, from + w.end),
          source: "script",
        });
      }
    }
  }
  return facts;
}

/** Parses a uWSGI ini file; only `env = KEY=VALUE` lines are recorded for now. */
export function parseUwsgiIni(index: LineIndex): DeploymentFacts {
  const facts: DeploymentFacts = { env: [], commands: [] };
  for (let n = 1; n <= index.count; n++) {
    const raw = index.line(n);
    const m = /^[ \t]*env[ \t]*=[ \t]*/.exec(raw);
    if (!m) continue;
    const value = raw.slice(m[0].length).replace(/[ \t]+$/, "");
    const eq = value.indexOf("=");
    if (eq <= 0) continue;
    const start = index.lineStart(n) + m[0].length;
    facts.env.push({
      name: value.slice(0, eq).trim(),
      value: value.slice(eq + 1).trim(),
      range: index.range(start, start + value.length),
      source: "script",
    });
  }
  return facts;
}
