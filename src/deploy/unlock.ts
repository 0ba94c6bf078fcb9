import { DeployError } from "../errors.js";
import { bucketUnlockPlan, requireForceForRemote, unlockFileBackend } from "../pulumi/locks.js";
import { type DeployRequest, readState, withSession } from "./request.js";

/**
 * `unlock`: in a file backend removes the locks of dead processes on this machine (any lock
 * with `force`); in a bucket (s3://, gs://, azblob://) likewise, from the holders the engine
 * names; in Pulumi Cloud only with `force`, by cancelling the stack's running update.
 */
export async function unlock(
  req: Pick<DeployRequest, "settings" | "env" | "io" | "signal">,
  force: boolean,
): Promise<string[]> {
  if (req.settings.backendUrl.startsWith("file://")) return unlockFileBackend(req.settings, force);
  if (!/^https?:\/\//.test(req.settings.backendUrl)) return unlockBucket(req, force);
  requireForceForRemote(req.settings, force);
  await withSession(req, (session) => session.cancel());
  return [`cancelled the running update of stack ${req.settings.stack}`];
}

/** `unlock` of a bucket backend: names the holders, then removes every lock of the stack. */
async function unlockBucket(
  req: Pick<DeployRequest, "settings" | "env" | "io" | "signal">,
  force: boolean,
): Promise<string[]> {
  if ((await readState(req)) === undefined)
    throw new DeployError(`stack ${req.settings.stack} does not exist`, "check --stack and --backend");
  return withSession(req, async (session) => {
    const holders = await session.lockHolders();
    if (holders.length === 0) return [`stack ${req.settings.stack} is not locked`];
    const lines = bucketUnlockPlan(req.settings.stack, holders, force);
    await session.cancel();
    return lines;
  });
}
