// `planton status`: every check together, and the command itself (with its wait loop).

import { serverVersion } from "../../cluster/precheck.js";
import type { ResolvedCluster } from "../../cluster/kubeconfig.js";
import { readStatus } from "../../cluster/status-reads.js";
import { DeployError, InterruptedError } from "../../errors.js";
import type { InstallPlan } from "../../istio/types.js";
import type { StackState } from "../../pulumi/state.js";
import { timed } from "../../timings.js";
import { type DeployRequest, readState } from "../request.js";
import { checkCa } from "../status-ca.js";
import { checkControlPlane } from "./control-plane.js";
import { checkCrds } from "./crds.js";
import { checkGateways, checkMtls } from "./gateways-mtls.js";
import { type CheckFunction, type CheckReads, type StatusResult, worst } from "./model.js";
import { checkRemoteSecrets, readMultiCluster } from "./multicluster.js";
import { checkNamespaces, namespaceStatuses } from "./namespaces.js";
import { checkReleases } from "./releases.js";
import { checkWebhooks } from "./webhooks.js";

/** Every check, in report order. */
export const checkFunctions: CheckFunction[] = [
  checkReleases,
  checkControlPlane,
  checkCrds,
  checkWebhooks,
  checkGateways,
  checkMtls,
  (reads, plan) => checkCa(plan, reads.caRootCert),
  checkRemoteSecrets,
  checkNamespaces,
];

/** One round of reads for the checks: the cluster-wide reads and the multi-cluster ones, side by side. */
export async function readChecks(cluster: ResolvedCluster, plan: InstallPlan): Promise<CheckReads> {
  const [reads, multiCluster] = await Promise.all([
    readStatus(cluster, plan),
    readMultiCluster(cluster, plan),
  ]);
  return { ...reads, ...multiCluster };
}

/** Runs every check on one round of reads. Pure. */
export function evaluate(
  reads: CheckReads,
  plan: InstallPlan,
  state: StackState | undefined,
): Omit<StatusResult, "stack" | "context"> {
  const checks = checkFunctions.flatMap((f) => f(reads, plan, state));
  return { state: worst(checks.map((c) => c.state)), checks, namespaces: namespaceStatuses(reads, plan) };
}

export interface StatusOptions {
  /** Re-check until healthy (no error) or this many seconds passed. */
  waitSeconds?: number;
  /** Pause between rounds while waiting. Default 2000 ms. */
  intervalMs?: number;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

const interrupted = () =>
  new InterruptedError("status --wait was interrupted: nothing was changed (status never changes anything)");

/**
 * `status`: reads the stack's state (it must have been applied) and the cluster, and checks the
 * mesh. With `waitSeconds`, re-checks every 2 s until no check is an error or the time is up,
 * reporting what it waits for through `req.io.info`. Changes nothing.
 */
export async function status(req: DeployRequest, options: StatusOptions = {}): Promise<StatusResult> {
  const stack = req.settings.stack;
  // the cluster's reads do not depend on the state: they run while the state is read. A missing
  // stack is still the error reported first; the reads' own failure waits until the state is in.
  const firstReads = timed("cluster reads", async () => {
    await serverVersion(req.cluster); // an unreachable cluster is one clear error
    return readChecks(req.cluster, req.plan);
  });
  firstReads.catch(() => {}); // handled below, once the state was read
  // read with the Pulumi CLI directly: the SDK is never loaded (one is installed when there is none)
  const state = await timed("read state", () => readState(req));
  if (state === undefined || (state.outputs === undefined && state.releases.length === 0))
    throw new DeployError(
      `stack ${stack} ${state === undefined ? "does not exist" : "has no apply recorded"}: there is no mesh to check`,
      "run `planton apply -f FILE` first, or name the stack that has it with --stack and --backend",
    );
  const round = async (reads?: CheckReads): Promise<StatusResult> => ({
    stack,
    context: req.cluster.context,
    ...evaluate(reads ?? (await readChecks(req.cluster, req.plan)), req.plan, state),
  });
  const waitMs = (options.waitSeconds ?? 0) * 1000;
  const deadline = Date.now() + waitMs;
  let result: StatusResult | undefined;
  try {
    result = await round(await firstReads);
  } catch (err) {
    // with --wait, a failed first read is retried like any later one: right after an apply the
    // API server can still answer 429 for a CRD whose storage is initializing
    if (!(err instanceof DeployError) || waitMs <= 0) throw err;
    req.io.info(`could not read the cluster (${err.message}); retrying`);
  }
  if (result !== undefined && (waitMs <= 0 || result.state !== "error")) return result;
  let told = "";
  for (;;) {
    if (req.signal.aborted) throw interrupted();
    if (result !== undefined) {
      const failing = result.checks.filter((c) => c.state === "error").map((c) => c.message);
      const left = Math.ceil((deadline - Date.now()) / 1000);
      if (left <= 0) return result;
      const line = failing.join("; ");
      if (line !== told) {
        req.io.info(`waiting up to ${left}s for: ${line}`);
        told = line;
      }
    }
    await sleep(Math.min(options.intervalMs ?? 2000, Math.max(deadline - Date.now(), 0)), req.signal);
    if (req.signal.aborted) throw interrupted();
    try {
      result = await round();
    } catch (err) {
      // a failed read while waiting (an API server restarting) is retried until the time is up
      if (!(err instanceof DeployError) || Date.now() >= deadline) throw err;
      req.io.info(`could not read the cluster (${err.message}); retrying`);
      continue;
    }
    if (result.state !== "error") return result;
  }
}
