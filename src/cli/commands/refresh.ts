import { stacksJson } from "../../output/json.js";
import { refreshFields, renderRefreshed } from "../../output/stack-fields.js";
import type { CommandContext } from "../io.js";
import { type ClusterFlags, heading, runCluster, settle } from "../stacks.js";

/** `planton refresh`: reconciles the state with the cluster and reports drift. */
export async function refresh(flags: ClusterFlags, ctx: CommandContext): Promise<void> {
  const outcomes = await runCluster(flags, ctx, { verb: "refresh" });
  settle(outcomes, () => {
    if (flags.json) ctx.io.stdout(stacksJson("refresh", outcomes, { fields: refreshFields }));
    else
      for (const o of outcomes)
        if (o.ok) ctx.io.stdout(`${heading(o.member, outcomes.length > 1)}${renderRefreshed(o.result)}`);
  });
}
