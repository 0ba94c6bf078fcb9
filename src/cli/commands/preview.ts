import { ChangesFoundError } from "../../errors.js";
import { stacksJson } from "../../output/json.js";
import { renderChangeSummary } from "../../output/results.js";
import { previewFields, renderPreview } from "../../output/stack-fields.js";
import type { CommandContext } from "../io.js";
import { type ClusterFlags, heading, runCluster, settle } from "../stacks.js";

export interface PreviewFlags extends ClusterFlags {
  refresh?: boolean;
  expectNoChanges?: boolean;
}

/**
 * `planton preview`: what apply would change, per release and in Pulumi's summary; several
 * manifests side by side. Never changes anything; never prompts.
 */
export async function preview(flags: PreviewFlags, ctx: CommandContext): Promise<void> {
  const outcomes = await runCluster(flags, ctx, {
    verb: "preview",
    options: { refresh: flags.refresh === true },
  });
  const several = outcomes.length > 1;
  settle(outcomes, () => {
    if (flags.json) ctx.io.stdout(stacksJson("preview", outcomes, { fields: previewFields }));
    else
      for (const o of outcomes)
        if (o.ok) ctx.io.stdout(`${heading(o.member, several)}${renderPreview(o.result, ctx.out)}`);
  });
  if (!flags.expectNoChanges) return;
  const changed = outcomes.flatMap((o) => (o.ok && o.result.hasChanges ? [o] : []));
  const [one] = changed;
  if (one === undefined) return;
  throw new ChangesFoundError(
    several
      ? `${changed.map((o) => o.member.label).join(", ")} would change`
      : `stack ${one.result.stack} would change: ${renderChangeSummary(one.result.summary, "plan")}`,
  );
}
