import * as k8s from "@kubernetes/client-node";
import { describeFailure } from "./api.js";
import { poll, withDeadline } from "../poll.js";
import type { ResolvedCluster } from "./kubeconfig.js";

/** An admission webhook could not be called (not answering yet, or no CA bundle patched in yet). */
const webhookNotReady = /failed calling webhook|no endpoints available for service|connection refused/i;

/**
 * Waits until the API server would admit `manifest`: a server-side dry-run create, repeated
 * while it fails because an admission webhook cannot be called yet. On a fresh install istiod is
 * ready before it has patched its CA bundle into its validating webhook (whose failure policy is
 * Fail), and the first Istio object then fails with "x509: certificate signed by unknown
 * authority". Any other answer ends the wait at once: accepted, already there (an update), or a
 * real rejection, which the engine's own create then reports. Gives up silently after
 * `timeoutMs` (the engine's create reports the failure).
 */
export async function waitUntilAdmitted(
  cluster: ResolvedCluster,
  manifest: k8s.KubernetesObject,
  options: { timeoutMs: number; pollMs?: number; signal?: AbortSignal },
): Promise<void> {
  const client = k8s.KubernetesObjectApi.makeApiClient(cluster.config);
  /** The reason the dry-run failed; empty when it was admitted. */
  const dryRun = () =>
    withDeadline(() => client.create(manifest, undefined, "All"), 15_000).then(
      () => "",
      (err: unknown) => describeFailure(err),
    );
  await poll(dryRun, (reason) => !webhookNotReady.test(reason), {
    timeoutMs: options.timeoutMs,
    intervalMs: options.pollMs ?? 500,
    signal: options.signal,
  });
}
