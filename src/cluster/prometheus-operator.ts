import * as k8s from "@kubernetes/client-node";
import { isNotFound, kubeCall } from "./api.js";
import type { ResolvedCluster } from "./kubeconfig.js";

/** The Prometheus Operator's CRDs planton's monitors are objects of. */
export const prometheusOperatorCrds = [
  "servicemonitors.monitoring.coreos.com",
  "podmonitors.monitoring.coreos.com",
] as const;

/**
 * Whether the cluster has the Prometheus Operator's ServiceMonitor and PodMonitor CRDs (both:
 * planton creates one object of each). Any answer but "found" or "not found" is an error.
 */
export async function hasPrometheusOperatorCrds(cluster: ResolvedCluster): Promise<boolean> {
  const ext = cluster.config.makeApiClient(k8s.ApiextensionsV1Api);
  for (const name of prometheusOperatorCrds) {
    try {
      await kubeCall(
        `reading CustomResourceDefinition ${name}`,
        () => ext.readCustomResourceDefinition({ name }),
        {
          context: cluster.context,
        },
      );
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
  return true;
}
