import { crdExists } from "./crd-exists.js";
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
  for (const name of prometheusOperatorCrds) if (!(await crdExists(cluster, name))) return false;
  return true;
}
