import * as k8s from "@kubernetes/client-node";
import { describeFailure, withDeadline } from "./api.js";
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
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    let reason = "";
    try {
      await withDeadline(() => client.create(manifest, undefined, "All"), 15_000);
      return;
    } catch (err) {
      reason = describeFailure(err);
    }
    if (!webhookNotReady.test(reason) || Date.now() >= deadline || options.signal?.aborted) return;
    await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
  }
}
