import { requireForceForRemote, unlockFileBackend } from "../pulumi/locks.js";
import { type DeployRequest, withSession } from "./request.js";

/**
 * `unlock`: in a file backend removes the locks of dead processes on this machine (any lock
 * with `force`); elsewhere only with `force`, by cancelling the stack's running update.
 */
export async function unlock(
  req: Pick<DeployRequest, "settings" | "env" | "io" | "signal">,
  force: boolean,
): Promise<string[]> {
  if (req.settings.backendUrl.startsWith("file://")) return unlockFileBackend(req.settings, force);
  requireForceForRemote(req.settings, force);
  await withSession(req, (session) => session.cancel());
  return [`cancelled the running update of stack ${req.settings.stack}`];
}
