import { DeployError, InterruptedError } from "../../errors.js";
import type { StackState } from "../../pulumi/state.js";
import type { DeployRequest } from "../request.js";
import type { StatusCheck } from "./model.js";
import { evaluate, readChecks } from "./run.js";
import { failingMessages, waitUntilHealthy } from "./wait.js";

/**
 * The end of `apply`: the same checks as `status`, until no check is an error or `timeoutSeconds`
 * passed (re-checking every `intervalMs`). The namespaces' outdated or missing proxies are warnings
 * (a restart moves them); anything else still failing at the deadline fails the apply (exit 1),
 * naming each failing check and what fixes it. Returns the warnings.
 */
export async function verifyApplied(
  req: DeployRequest,
  state: StackState | undefined,
  options: { timeoutSeconds: number; intervalMs?: number },
): Promise<StatusCheck[]> {
  const round = async () => evaluate(await readChecks(req.cluster, req.plan), req.plan, state);
  const outcome = await waitUntilHealthy(round, {
    waitMs: options.timeoutSeconds * 1000,
    intervalMs: options.intervalMs ?? 2000,
    signal: req.signal,
    onWaiting: (failing) => req.io.info(`verifying: waiting for ${failing}`),
  });
  if (outcome.state === "aborted")
    throw new InterruptedError(
      "cancelled while verifying the mesh: the changes were applied",
      "run planton status to check it",
    );
  const checks = outcome.value.checks;
  if (outcome.state === "done") return checks.filter((c) => c.state === "warning");
  const failing = checks.filter((c) => c.state === "error");
  throw new DeployError(
    `the mesh is not healthy ${options.timeoutSeconds}s after apply: ${failingMessages(checks)}`,
    `${failing[0]?.hint || "see planton status -f FILE"}; planton status -f FILE shows every check, apply --no-verify skips this one`,
  );
}
