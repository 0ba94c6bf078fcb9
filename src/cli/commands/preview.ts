import { blocking } from "../../deploy/gate.js";
import { ChangesFoundError, UnhealthyError } from "../../errors.js";
import { stacksJson } from "../../output/json.js";
import { renderChangeSummary } from "../../output/results.js";
import { previewFields, renderPreview } from "../../output/stack-fields.js";
import type { CommandContext } from "../io.js";
import { type ClusterFlags, heading, runCluster, settle } from "../stacks.js";
import { parseSkipChecks } from "./precheck.js";

export interface PreviewFlags extends ClusterFlags {
  refresh?: boolean;
  expectNoChanges?: boolean;
  /** `--skip-check CODE` (repeatable): findings of these codes are listed as waived. */
  skipCheck?: string[];
}

/**
 * `planton preview`: what apply would change, per release and in Pulumi's summary, and what
 * apply's gate would find; several manifests side by side. Never changes anything; never prompts.
 * With --expect-no-changes: exit 4 when the gate would stop apply, else 3 when anything changes.
 */
export async function preview(flags: PreviewFlags, ctx: CommandContext): Promise<void> {
  const outcomes = await runCluster(flags, ctx, {
    verb: "preview",
    options: { refresh: flags.refresh === true, waived: parseSkipChecks(flags.skipCheck) },
  });
  const several = outcomes.length > 1;
  settle(outcomes, () => {
    if (flags.json) ctx.io.stdout(stacksJson("preview", outcomes, { fields: previewFields }));
    else
      for (const o of outcomes)
        if (o.ok) ctx.io.stdout(`${heading(o.member, several)}${renderPreview(o.result, ctx.out)}`);
  });
  if (!flags.expectNoChanges) return;
  const stopped = outcomes.flatMap((o) => (o.ok ? blocking(o.result.precheck) : []));
  if (stopped.length > 0)
    throw new UnhealthyError(
      `apply's precheck gate would stop: ${[...new Set(stopped.map((f) => f.code))].join(", ")} would break the install`,
      "each finding above says how to fix it; `--skip-check CODE` waives a check you accept",
    );
  const changed = outcomes.flatMap((o) => (o.ok && o.result.hasChanges ? [o] : []));
  const [one] = changed;
  if (one === undefined) return;
  throw new ChangesFoundError(
    several
      ? `${changed.map((o) => o.member.label).join(", ")} would change`
      : `stack ${one.result.stack} would change: ${renderChangeSummary(one.result.summary, "plan")}`,
  );
}
