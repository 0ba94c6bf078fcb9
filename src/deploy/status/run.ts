// `planton status`: every check together, and the command itself (waiting through ./wait.ts).

import { serverVersion } from "../../cluster/precheck.js";
import type { ResolvedCluster } from "../../cluster/kubeconfig.js";
import { readMultiCluster } from "../../cluster/multicluster-reads.js";
import { readObservability } from "../../cluster/observability-reads.js";
import { readAmbient } from "../../cluster/ambient-reads.js";
import { readStatus } from "../../cluster/status-reads.js";
import { DeployError, InterruptedError } from "../../errors.js";
import type { InstallPlan } from "../../istio/types.js";
import type { StackState } from "../../pulumi/state.js";
import { timed } from "../../timings.js";
import { type DeployRequest, readState } from "../request.js";
import { checkAmbientNamespaces, checkNodeAgents, checkWaypoints } from "./ambient.js";
import { checkCa } from "./ca.js";
import { checkControlPlane } from "./control-plane.js";
import { checkCrds } from "./crds.js";
import { checkGatewayApi } from "./gateway-api.js";
import { checkGateways, checkMtls } from "./gateways-mtls.js";
import { type CheckFunction, type CheckReads, type StatusResult, worst } from "./model.js";
import { checkRemoteSecrets } from "./multicluster.js";
import { checkObservability } from "./observability.js";
import { checkNamespaces, namespaceStatuses } from "./namespaces.js";
import { checkReleases } from "./releases.js";
import { waitUntilHealthy } from "./wait.js";
import { checkWebhooks } from "./webhooks.js";

/** Every check, in report order. */
export const checkFunctions: CheckFunction[] = [
  checkReleases,
  checkControlPlane,
  checkCrds,
  checkGatewayApi,
  checkWebhooks,
  checkGateways,
  checkMtls,
  (reads, plan) => checkCa(plan, reads.caRootCert),
  checkRemoteSecrets,
  checkObservability,
  checkNamespaces,
  checkNodeAgents,
  checkAmbientNamespaces,
  checkWaypoints,
];

/** One round of reads for the checks: the cluster-wide reads, the multi-cluster and the ambient ones, side by side. */
export async function readChecks(cluster: ResolvedCluster, plan: InstallPlan): Promise<CheckReads> {
  const [reads, multiCluster, ambient, observability] = await Promise.all([
    readStatus(cluster, plan),
    readMultiCluster(cluster, plan),
    readAmbient(cluster, plan),
    readObservability(cluster, plan),
  ]);
  return { ...reads, ...multiCluster, ...ambient, observability };
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

const interrupted = () =>
  new InterruptedError("status --wait was interrupted: nothing was changed (status never changes anything)");

/**
 * `status`: reads the stack's state (it must have been applied) and the cluster, and checks the
 * mesh. With `waitSeconds`, re-checks every 2 s until no check is an error or the time is up,
 * reporting what it waits for through `req.io.info`. Changes nothing.
 */
export async function status(req: DeployRequest, options: StatusOptions = {}): Promise<StatusResult> {
  // the cluster's reads do not depend on the state: they run while the state is read. A missing
  // stack is still the error reported first; the reads' own failure waits until the state is in.
  let firstReads: Promise<CheckReads> | undefined = startFirstReads(req);
  const state = await timed("read state", () => readState(req));
  requireApplied(req.settings.stack, state);
  const round = async (): Promise<StatusResult> => {
    const reads = firstReads ?? readChecks(req.cluster, req.plan);
    firstReads = undefined;
    return {
      stack: req.settings.stack,
      context: req.cluster.context,
      ...evaluate(await reads, req.plan, state),
    };
  };
  const outcome = await waitUntilHealthy(round, {
    waitMs: (options.waitSeconds ?? 0) * 1000,
    intervalMs: options.intervalMs ?? 2000,
    signal: req.signal,
    onWaiting: (failing, left) => req.io.info(`waiting up to ${left}s for: ${failing}`),
    onRetry: (err) => req.io.info(`could not read the cluster (${err.message}); retrying`),
  });
  if (outcome.state === "aborted") throw interrupted();
  return outcome.value;
}

/** The first round of reads, started before the state is read; its failure is handled once the state is in. */
function startFirstReads(req: DeployRequest): Promise<CheckReads> {
  const reads = timed("cluster reads", async () => {
    await serverVersion(req.cluster); // an unreachable cluster is one clear error
    return readChecks(req.cluster, req.plan);
  });
  reads.catch(() => {});
  return reads;
}

/** Refuses a stack that does not exist or has no apply recorded: there is no mesh to check. */
function requireApplied(stack: string, state: StackState | undefined): void {
  if (state === undefined || (state.outputs === undefined && state.releases.length === 0))
    throw new DeployError(
      `stack ${stack} ${state === undefined ? "does not exist" : "has no apply recorded"}: there is no mesh to check`,
      "run `planton apply -f FILE` first, or name the stack that has it with --stack and --backend",
    );
}
