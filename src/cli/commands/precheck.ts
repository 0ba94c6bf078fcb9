import {
  type FindingCode,
  findingCodes,
  isFindingCode,
  type PrecheckResult,
  precheckExitCode,
} from "../../deploy/precheck.js";
import { DeployError, ExitCode, UnhealthyError, UsageError } from "../../errors.js";
import { jsonResult } from "../../output/json.js";
import { precheckJsonValue, renderPrecheckJson, renderPrecheckTable } from "../../output/precheck.js";
import type { CommandContext } from "../io.js";
import { type ClusterFlags, runCluster } from "../stacks.js";

export interface PrecheckFlags extends ClusterFlags {
  output?: "text" | "json";
  /** `--skip-check CODE` (repeatable): findings of these codes are listed as waived. */
  skipCheck?: string[];
}

/** `--skip-check` values, each a known code; an unknown one is a usage error naming them all. */
export function parseSkipChecks(values: string[] | undefined): FindingCode[] {
  return (values ?? []).map((v) => {
    const code = v.trim().toUpperCase();
    if (!isFindingCode(code))
      throw new UsageError(
        `--skip-check ${JSON.stringify(v)} is not a precheck code`,
        `use one of ${Object.keys(findingCodes).join(", ")}`,
      );
    return code;
  });
}

/**
 * `planton precheck -f FILE…`: reads each manifest's cluster (never writes) and reports what
 * would break installing or upgrading to it. Exit 0 nothing would break, 4 an error finding, 1 a
 * check could not be made (or a cluster could not be read), 2 bad input.
 */
export async function precheck(flags: PrecheckFlags, ctx: CommandContext): Promise<void> {
  const waived = parseSkipChecks(flags.skipCheck);
  const outcomes = await runCluster(flags, ctx, { verb: "precheck", options: { waived } });
  const results = outcomes.flatMap((o) => (o.ok ? [o.result] : []));
  const failures = outcomes.flatMap((o) => (o.ok ? [] : [o.error]));
  if (failures.length > 0 && results.length === 0) throw failures[0];
  ctx.io.stdout(render(results, flags, ctx));
  for (const f of failures) ctx.io.stderr(`${ctx.err.red("error:")} ${(f as Error).message}\n`);
  const error = verdict(results, failures.length);
  if (error !== undefined) throw error;
}

function render(results: PrecheckResult[], flags: PrecheckFlags, ctx: CommandContext): string {
  if (flags.output === "json")
    return results.length === 1 && flags.file.length === 1
      ? renderPrecheckJson(results[0] as PrecheckResult)
      : jsonResult("precheck", { stacks: results.map(precheckJsonValue) });
  return results.map((r) => renderPrecheckTable(r, ctx.out)).join("\n");
}

/** The error that carries the exit code, or undefined for exit 0. */
function verdict(results: PrecheckResult[], failed: number): Error | undefined {
  const codes = results.map(precheckExitCode);
  if (codes.includes(ExitCode.unhealthy)) {
    const errors = results.flatMap((r) => r.findings.filter((f) => f.severity === "ERROR" && !f.waived));
    const named = [...new Set(errors.map((f) => f.code))].join(", ");
    return new UnhealthyError(
      `the install would break: ${named}`,
      "each finding above says how to fix it; `--skip-check CODE` waives one you accept",
    );
  }
  const unchecked = results.flatMap((r) => r.unchecked.map((u) => u.code));
  if (unchecked.length > 0 || failed > 0)
    return new DeployError(
      failed > 0
        ? `${failed} of ${failed + results.length} clusters could not be checked`
        : `could not check ${[...new Set(unchecked)].join(", ")}`,
      "the reasons are above; use a kubeconfig user that may read the cluster and rerun",
    );
  return undefined;
}
