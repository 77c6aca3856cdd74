/** Runs Microsoft's SARIF multitool over a log and says what it found; shared by the report and CLI tests. */
import { accessSync, chmodSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type * as Sarif from "sarif";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const BIN = join(REPO_ROOT, "node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");

export interface SarifValidation {
  /** Validator results about the log at level "error", as "RULE: arguments". */
  errors: string[];
  /** Every other validator result about the log (warnings and notes), same form. */
  warnings: string[];
  /** Errors the validator reported about its own run (a crash, an unreadable file). */
  toolErrors: string[];
}

/** Why validation cannot run here, or null when the Linux multitool is installed. */
export function sarifValidatorMissing(): string | null {
  if (process.platform !== "linux") return "the SARIF multitool package used here is the Linux build";
  if (!existsSync(BIN)) return "@microsoft/sarif-multitool-linux is not installed";
  return null;
}

/**
 * Validates `sarifText` against the SARIF 2.1.0 schema and the SARIF and GitHub rule sets.
 * The validator silently skips a file it cannot deserialise, which would pass for "valid"; so a
 * canary copy with one known defect (a zero line number) is validated alongside, and if the
 * validator does not report that defect this throws instead of returning an empty result.
 */
export function validateSarif(sarifText: string): SarifValidation {
  try {
    accessSync(BIN, constants.X_OK);
  } catch {
    // npm 11 does not run the package's install script, which is what would make it executable.
    chmodSync(BIN, statSync(BIN).mode | 0o755);
  }
  const log = JSON.parse(sarifText) as Sarif.Log;
  const canaryLog = JSON.parse(sarifText) as Sarif.Log;
  const located = canaryLog.runs.flatMap((r) => r.results ?? []).find((r) => r.locations?.[0]?.physicalLocation?.region);
  if (!located) throw new Error("validateSarif needs a log with at least one result that has a region, to build its canary");
  located.locations![0]!.physicalLocation!.region!.startLine = 0;
  if (log.runs.length === 0) throw new Error("the log has no runs");

  const dir = mkdtempSync(join(tmpdir(), "flaskwarden-sarif-"));
  try {
    const input = join(dir, "report.sarif");
    const canary = join(dir, "canary.sarif");
    const output = join(dir, "validation.sarif");
    writeFileSync(input, sarifText);
    writeFileSync(canary, JSON.stringify(canaryLog, null, 2));
    const run = spawnSync(BIN, ["validate", input, canary, "--output", output, "--log", "ForceOverwrite", "--rule-kind", "Sarif;Gh"], {
      encoding: "utf8",
      // Without ICU the .NET runtime refuses to start unless told to use the invariant culture.
      env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: "1" },
      timeout: 60_000,
    });
    if (!existsSync(output)) throw new Error(`the SARIF validator wrote no output: ${run.error?.message ?? ""}\n${run.stdout}\n${run.stderr}`);
    const report = JSON.parse(readFileSync(output, "utf8")) as Sarif.Log;
    const results = report.runs[0]?.results ?? [];
    const about = (name: string) => results.filter((r) => r.locations?.[0]?.physicalLocation?.artifactLocation?.uri?.endsWith(`/${name}`));
    const describe = (r: Sarif.Result) => `${r.ruleId}: ${JSON.stringify(r.message.arguments ?? r.message.text ?? "")}`;
    if (!about("canary.sarif").some((r) => r.ruleId === "JSON1008")) {
      throw new Error(`the SARIF validator did not report the canary's known defect, so its silence about the real log means nothing; its output:\n${run.stdout}`);
    }
    const ours = about("report.sarif");
    return {
      errors: ours.filter((r) => (r.level ?? "warning") === "error").map(describe),
      warnings: ours.filter((r) => (r.level ?? "warning") !== "error").map(describe),
      toolErrors: (report.runs[0]?.invocations ?? [])
        .flatMap((i) => i.toolExecutionNotifications ?? [])
        .filter((n) => n.level === "error")
        .map((n) => n.message.text ?? ""),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
