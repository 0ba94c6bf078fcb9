import type { ApplyOptions } from "../../deploy/apply.js";
import { stacksJson } from "../../output/json.js";
import { renderChangeSummary, renderOutputs, renderRestartAdvice } from "../../output/results.js";
import { applyFields, renderPlanned } from "../../output/stack-fields.js";
import type { ApplyResult } from "../../deploy/apply.js";
import type { CommandContext } from "../io.js";
import { type ClusterFlags, heading, runCluster, settle } from "../stacks.js";
import { parseSkipChecks } from "./precheck.js";

export interface ApplyFlags extends ClusterFlags {
  refresh?: boolean;
  /** Seconds, already validated by the option's parser. */
  timeout?: number;
  restartWorkloads?: boolean;
  /** commander's `--no-verify` sets this false. */
  verify?: boolean;
  /** `--skip-check CODE` (repeatable): the gate waives findings of these codes. */
  skipCheck?: string[];
}

/** The options of each stack's apply. */
export function applyOptions(flags: ApplyFlags): ApplyOptions {
  return {
    refresh: flags.refresh === true,
    ...(flags.timeout === undefined ? {} : { timeoutSeconds: flags.timeout }),
    restartWorkloads: flags.restartWorkloads === true,
    skipPreview: flags.yes === true,
    noVerify: flags.verify === false,
    waived: parseSkipChecks(flags.skipCheck),
  };
}

/**
 * `planton apply`: preview and precheck's gate (an error finding stops it, exit 4), confirm, apply with progress, wait for gateways, then a summary. With
 * several manifests: every stack previewed, one question, applied a primary before its remotes.
 */
export async function apply(flags: ApplyFlags, ctx: CommandContext): Promise<void> {
  const outcomes = await runCluster(
    flags,
    ctx,
    { verb: "apply", options: applyOptions(flags) },
    // the changes are shown before the question, as soon as the preview has them
    (write) => (p) => write(renderPlanned(p, ctx.err)),
  );
  settle(outcomes, () => {
    if (flags.json) ctx.io.stdout(stacksJson("apply", outcomes, { fields: applyFields }));
    else
      for (const o of outcomes)
        if (o.ok) {
          ctx.io.stdout(heading(o.member, outcomes.length > 1));
          reportApplied(o.result, `planton apply -f ${o.member.file} --restart-workloads`, ctx);
        }
  });
}

/** The summary, the stack outputs and restart advice of one applied stack, for people. */
function reportApplied(r: ApplyResult, restartCommand: string, ctx: CommandContext): void {
  if (r.changed)
    ctx.io.stderr(
      `${ctx.err.green("Applied")} in ${r.durationSeconds.toFixed(1)}s: ${renderChangeSummary(r.summary, "done")}.\n`,
    );
  ctx.io.stdout(renderOutputs(r.outputs, ctx.out));
  ctx.io.stderr(renderRestartAdvice(r.toRestart, restartCommand, ctx.err));
}
