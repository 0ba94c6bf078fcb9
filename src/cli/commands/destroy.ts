import { type DestroyOptions, type DestroyResult, destroy as destroyStack } from "../../deploy/destroy.js";
import { renderDestroyed } from "../../output/results.js";
import { jsonResult } from "../../output/json.js";
import type { CommandContext } from "../io.js";
import { type ClusterFlags, requestFor } from "./cluster-command.js";

export interface DestroyFlags extends ClusterFlags {
  purgeCrds?: boolean;
  forgetUnreachableRemotes?: boolean;
}

/** The options of one stack's destroy. */
export function destroyOptions(flags: DestroyFlags): DestroyOptions {
  return {
    purgeCrds: flags.purgeCrds === true,
    forgetUnreachableRemotes: flags.forgetUnreachableRemotes === true,
  };
}

/** `planton destroy`: the stack's releases in reverse order, then only the leftovers proven its own. */
export async function destroy(flags: DestroyFlags, ctx: CommandContext): Promise<void> {
  // the engine deletes with the providers its state recorded: a remote cluster whose kubeconfig
  // or context is gone is reported by destroy (with what to do), not refused here
  const { req, done } = requestFor(flags, ctx, { lenientRemotes: true });
  const r = await destroyStack(req, destroyOptions(flags)).finally(done);
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
