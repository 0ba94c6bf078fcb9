import type { CommandContext } from "../io.js";
import { type ClusterFlags, heading, runCluster, settle } from "../stacks.js";

export interface UnlockFlags extends ClusterFlags {
  force?: boolean;
}

/** `planton unlock`: removes a stack lock left by a killed process. */
export async function unlock(flags: UnlockFlags, ctx: CommandContext): Promise<void> {
  const outcomes = await runCluster(flags, ctx, { verb: "unlock", force: flags.force === true });
  settle(outcomes, () => {
    for (const o of outcomes)
      if (o.ok)
        ctx.io.stdout(
          `${heading(o.member, outcomes.length > 1)}${
            o.result.length > 0
              ? `${o.result.join("\n")}\n`
              : `stack ${o.member.settings.stack} was not locked\n`
          }`,
        );
  });
}
