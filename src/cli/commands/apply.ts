import { apply as applyStack } from "../../deploy/apply.js";
import { hasChanges } from "../../deploy/preview.js";
import {
  renderChangeSummary,
  renderMembershipChanges,
  renderOutputs,
  renderReleaseChanges,
  renderRestartAdvice,
} from "../../output/engine.js";
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

/** `planton apply`: preview, confirm, apply with progress, wait for gateways, then a summary. */
export async function apply(flags: ApplyFlags, ctx: CommandContext): Promise<void> {
  const { req, done } = requestFor(flags, ctx);
  const r = await applyStack(req, {
    refresh: flags.refresh === true,
    ...(flags.timeout === undefined ? {} : { timeoutSeconds: flags.timeout }),
    restartWorkloads: flags.restartWorkloads === true,
    skipPreview: flags.yes === true,
    noVerify: flags.verify === false,
    // the changes are shown before the question, as soon as the preview has them
    onPreview: (p) => {
      ctx.io.stderr(renderReleaseChanges(p.changes, ctx.err));
      ctx.io.stderr(renderMembershipChanges(p.tags, p.namespaces, ctx.err));
      if (hasChanges(p.summary)) ctx.io.stderr(`Resources: ${renderChangeSummary(p.summary, "plan")}\n`);
    },
  }).finally(done);
  if (flags.json) {
    ctx.io.stdout(
      jsonResult("apply", {
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
      }),
    );
  } else {
    if (r.changed)
      ctx.io.stderr(
        `${ctx.err.green("Applied")} in ${r.durationSeconds.toFixed(1)}s: ${renderChangeSummary(r.summary, "done")}.\n`,
      );
    ctx.io.stdout(renderOutputs(r.outputs, ctx.out));
    ctx.io.stderr(
      renderRestartAdvice(r.toRestart, `planton apply -f ${flags.file} --restart-workloads`, ctx.err),
    );
  }
}
