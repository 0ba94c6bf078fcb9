import { type DestroyResult, destroy as destroyStack } from "../../deploy/destroy.js";
import { renderDestroyed } from "../../output/engine.js";
import { jsonResult } from "../../output/json.js";
import type { CommandContext } from "../io.js";
import { type ClusterFlags, requestFor } from "./cluster-command.js";

export interface DestroyFlags extends ClusterFlags {
  purgeCrds?: boolean;
}

/** `planton destroy`: the stack's releases in reverse order, then only the leftovers proven its own. */
export async function destroy(flags: DestroyFlags, ctx: CommandContext): Promise<void> {
  const { req, done } = requestFor(flags, ctx);
  const r = await destroyStack(req, { purgeCrds: flags.purgeCrds === true }).finally(done);
  if (flags.json) ctx.io.stdout(jsonResult("destroy", destroyFields(r)));
  else if (r.existed) ctx.io.stderr(renderDestroyed(r, ctx.err));
}

/** The fields of `destroy --json` for one stack. */
export function destroyFields(r: DestroyResult): Record<string, unknown> {
  return {
    stack: r.stack,
    context: r.context,
    existed: r.existed,
    releases: r.releases,
    namespaces: r.namespaces,
    summary: r.summary,
    cleanedUp: r.cleanup.removed,
    kept: r.cleanup.kept,
    crdsKept: r.crdsKept,
    durationSeconds: r.durationSeconds,
  };
}
