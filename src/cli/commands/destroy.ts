import type { DestroyOptions } from "../../deploy/destroy.js";
import { stacksJson } from "../../output/json.js";
import { renderDestroyed } from "../../output/results.js";
import { destroyFields } from "../../output/stack-fields.js";
import type { CommandContext } from "../io.js";
import { type ClusterFlags, runCluster, settle, stackWriter } from "../stacks.js";

export interface DestroyFlags extends ClusterFlags {
  purgeCrds?: boolean;
  forgetUnreachableRemotes?: boolean;
}

/** The options of each stack's destroy. */
export function destroyOptions(flags: DestroyFlags): DestroyOptions {
  return {
    purgeCrds: flags.purgeCrds === true,
    forgetUnreachableRemotes: flags.forgetUnreachableRemotes === true,
  };
}

/**
 * `planton destroy`: the stack's releases in reverse order, then only the leftovers proven its
 * own. With several manifests: one question, remotes before their primary. A remote cluster whose
 * kubeconfig or context is gone is reported by destroy (with what to do), not refused here.
 */
export async function destroy(flags: DestroyFlags, ctx: CommandContext): Promise<void> {
  const outcomes = await runCluster(flags, ctx, { verb: "destroy", options: destroyOptions(flags) });
  const several = outcomes.length > 1;
  settle(outcomes, () => {
    if (flags.json) ctx.io.stdout(stacksJson("destroy", outcomes, { fields: destroyFields }));
    else
      for (const o of outcomes)
        if (o.ok && o.result.existed)
          stackWriter(ctx, several ? o.member.label : undefined)(renderDestroyed(o.result, ctx.err));
  });
}
