import { jsonDocument, stacksJson } from "../../output/json.js";
import { renderOutputs } from "../../output/results.js";
import type { CommandContext } from "../io.js";
import { type ClusterFlags, heading, runCluster, settle } from "../stacks.js";

export interface OutputsFlags extends ClusterFlags {
  output?: "text" | "json";
}

/**
 * `planton outputs`: the recorded stack outputs. Needs no cluster: gateway addresses are read
 * live only when a kubeconfig is at hand and the cluster answers.
 */
export async function outputs(flags: OutputsFlags, ctx: CommandContext): Promise<void> {
  const outcomes = await runCluster(flags, ctx, { verb: "outputs" });
  settle(outcomes, () => {
    if (flags.output === "json")
      ctx.io.stdout(
        stacksJson("outputs", outcomes, { fields: (o) => ({ outputs: o }), alone: (o) => jsonDocument(o) }),
      );
    else
      for (const o of outcomes)
        if (o.ok)
          ctx.io.stdout(`${heading(o.member, outcomes.length > 1)}${renderOutputs(o.result, ctx.out)}`);
  });
}
