import { hasPrometheusOperatorCrds, prometheusOperatorCrds } from "../cluster/prometheus-operator.js";
import { DeployError } from "../errors.js";
import { settleMonitorsOf } from "../istio/observability.js";
import type { DeployRequest } from "./request.js";

/**
 * Settles `spec.observability.metrics.monitors` against the cluster: reads whether the
 * Prometheus Operator's CRDs exist (only when monitors are asked for) and settles the plan's
 * monitors with that answer (the plan is not made again), so `AUTO` without the CRDs creates no
 * monitors and the plan says why; `ON` without them is refused before anything changes.
 */
export async function settleMonitors(req: DeployRequest): Promise<void> {
  const monitors = req.plan.observability?.monitors;
  if (monitors === undefined || monitors.mode === "OFF") return;
  const present = await hasPrometheusOperatorCrds(req.cluster);
  if (!present && monitors.mode === "ON")
    throw new DeployError(
      `spec.observability.metrics.monitors is ON, but the Prometheus Operator's CRDs (${prometheusOperatorCrds.join(", ")}) are not in context "${req.cluster.context}"`,
      "install the Prometheus Operator (e.g. the kube-prometheus-stack chart) first, or set monitors: AUTO to skip the monitors while its CRDs are missing",
    );
  req.plan = settleMonitorsOf(req.plan, req.manifest.spec, present);
}
