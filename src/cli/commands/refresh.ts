import { refresh as refreshStack } from "../../deploy/refresh.js";
import { renderChangeSummary } from "../../output/results.js";
import { jsonResult } from "../../output/json.js";
import type { CommandContext } from "../io.js";
import { type ClusterFlags, requestFor } from "./cluster-command.js";

/** `planton refresh`: reconciles the state with the cluster and reports drift. */
export async function refresh(flags: ClusterFlags, ctx: CommandContext): Promise<void> {
  const { req, done } = requestFor(flags, ctx);
  const r = await refreshStack(req).finally(done);
  if (flags.json)
    ctx.io.stdout(
      jsonResult("refresh", { stack: r.stack, context: r.context, summary: r.summary, drift: r.drift }),
    );
  else
    ctx.io.stdout(
      r.drift
        ? `Drift found and recorded: ${renderChangeSummary(r.summary, "done")}. Run planton apply to put the cluster back.\n`
        : "No drift: the cluster matches the state.\n",
    );
}
