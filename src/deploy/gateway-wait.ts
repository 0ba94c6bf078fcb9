// The wait for the gateways after an update: apply's and adopt's.

import { waitForDeployments } from "../cluster/workloads.js";
import { DeployError, InterruptedError } from "../errors.js";
import { timed } from "../timings.js";
import { type DeployRequest, gatewayReleases } from "./request.js";

/** How long gateways may take to become ready, unless --timeout says otherwise. */
const gatewayWaitMs = 600_000;

/**
 * Waits for the gateways (never Helm's to wait for: `gatewayReleases`), every 250 ms, until every
 * replica is updated and available; fails when one is not ready in `timeoutSeconds` (10 minutes
 * unless given).
 */
export async function waitForGateways(req: DeployRequest, timeoutSeconds: number | undefined): Promise<void> {
  const gateways = gatewayReleases(req.plan).map((r) => ({ name: r.name, namespace: r.namespace }));
  const timeoutMs = timeoutSeconds === undefined ? gatewayWaitMs : timeoutSeconds * 1000;
  const notReady = await timed("gateway wait", () =>
    waitForDeployments(req.cluster, gateways, {
      timeoutMs,
      intervalMs: 250,
      signal: req.signal,
      onWait: (t) => req.io.info(`waiting for gateway ${t.namespace}/${t.name} to become ready…`),
    }),
  );
  if (req.signal.aborted)
    throw new InterruptedError(
      "cancelled while waiting for gateways: the releases were applied",
      "run apply again to check them",
    );
  if (notReady.length > 0)
    throw new DeployError(
      `gateways not ready after ${timeoutMs / 1000} s: ${notReady.join(", ")}`,
      "check the pods with kubectl describe; rerun apply once fixed",
    );
}
