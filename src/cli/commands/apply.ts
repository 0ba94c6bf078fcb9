import { type ApplyOptions, type ApplyResult, apply as applyStack } from "../../deploy/apply.js";
import { hasChanges } from "../../deploy/preview.js";
import {
  renderChangeSummary,
  renderMembershipChanges,
  renderOutputs,
  renderReleaseChanges,
  renderRestartAdvice,
} from "../../output/results.js";
import { jsonResult } from "../../output/json.js";
import type { CommandContext } from "../io.js";
import { type ClusterFlags, requestFor } from "./cluster-command.js";

export interface ApplyFlags extends ClusterFlags {
  refresh?: boolean;
  /** Seconds, already validated by the option's parser. */
  timeout?: number;
  restartWorkloads?: boolean;
  /** commander's `--no-verify` sets this false. */
  verify?: boolean;
}

/** The options of one stack's apply; the preview's changes are written with `write` before the question. */
export function applyOptions(
  flags: ApplyFlags,
  write: (s: string) => void,
  ctx: CommandContext,
): ApplyOptions {
  return {
    refresh: flags.refresh === true,
    ...(flags.timeout === undefined ? {} : { timeoutSeconds: flags.timeout }),
    restartWorkloads: flags.restartWorkloads === true,
    skipPreview: flags.yes === true,
    noVerify: flags.verify === false,
    // the changes are shown before the question, as soon as the preview has them
    onPreview: (p) => {
      write(
        renderReleaseChanges(p.changes, ctx.err) +
          renderMembershipChanges(p.tags, p.namespaces, ctx.err) +
          (hasChanges(p.summary) ? `Resources: ${renderChangeSummary(p.summary, "plan")}\n` : ""),
      );
    },
  };
}

/** `planton apply`: preview, confirm, apply with progress, wait for gateways, then a summary. */
export async function apply(flags: ApplyFlags, ctx: CommandContext): Promise<void> {
  const { req, done } = requestFor(flags, ctx);
  const r = await applyStack(req, applyOptions(flags, ctx.io.stderr, ctx)).finally(done);
  if (flags.json) ctx.io.stdout(jsonResult("apply", applyFields(r)));
  else reportApplied(r, `planton apply -f ${flags.file} --restart-workloads`, ctx);
}

/** The fields of `apply --json` for one stack. */
export function applyFields(r: ApplyResult): Record<string, unknown> {
  return {
    stack: r.stack,
    context: r.context,
    changes: r.changes,
    tags: r.tags,
    namespaces: r.namespaces,
    restarted: r.restarted,
    stillOnOldProxy: r.toRestart,
    summary: r.summary,
    changed: r.changed,
    durationSeconds: r.durationSeconds,
    outputs: r.outputs,
  };
}

/** The summary, the stack outputs and restart advice of one applied stack, for people. */
export function reportApplied(r: ApplyResult, restartCommand: string, ctx: CommandContext): void {
  if (r.changed)
    ctx.io.stderr(
      `${ctx.err.green("Applied")} in ${r.durationSeconds.toFixed(1)}s: ${renderChangeSummary(r.summary, "done")}.\n`,
    );
  ctx.io.stdout(renderOutputs(r.outputs, ctx.out));
  ctx.io.stderr(renderRestartAdvice(r.toRestart, restartCommand, ctx.err));
}
