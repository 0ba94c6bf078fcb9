import { DeployError, InterruptedError } from "../../errors.js";
import type { StackState } from "../../pulumi/state.js";
import type { DeployRequest } from "../request.js";
import type { StatusCheck } from "./model.js";
import { evaluate, readChecks } from "./run.js";

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
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  const cancelled = () =>
    new InterruptedError(
      "cancelled while verifying the mesh: the changes were applied",
      "run planton status to check it",
    );
  let told = "";
  for (;;) {
    let checks: StatusCheck[];
    try {
      checks = evaluate(await readChecks(req.cluster, req.plan), req.plan, state).checks;
    } catch (err) {
      // right after an apply the API server can answer 429 for a CRD whose storage is still
      // initializing: a failed read is retried until the deadline, then it is the error
      if (req.signal.aborted) throw cancelled();
      if (!(err instanceof DeployError) || Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 2000));
      continue;
    }
    const failing = checks.filter((c) => c.state === "error");
    if (failing.length === 0) return checks.filter((c) => c.state === "warning");
    if (req.signal.aborted) throw cancelled();
    if (Date.now() >= deadline)
      throw new DeployError(
        `the mesh is not healthy ${options.timeoutSeconds}s after apply: ${failing.map((c) => c.message).join("; ")}`,
        `${failing[0]?.hint || "see planton status -f FILE"}; planton status -f FILE shows every check, apply --no-verify skips this one`,
      );
    const line = failing.map((c) => c.message).join("; ");
    if (line !== told) {
      req.io.info(`verifying: waiting for ${line}`);
      told = line;
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 2000));
  }
}
