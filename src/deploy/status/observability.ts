// `planton status`: what `spec.observability` set up — the providers in each istiod's live mesh
// config, the Telemetry objects (present means istiod's validating webhook accepted them), the
// monitors (or why there are none) and the dashboards.

import { type ObservabilityReads, objectKey } from "../../cluster/observability-reads.js";
import type { InstallPlan, PlannedObject } from "../../istio/types.js";
import { type CheckFunction, combine, type Issue, plural, type StatusCheck } from "./model.js";

const reapply = "run `planton apply -f FILE`: it creates what the manifest declares";

const keyOf = (o: PlannedObject) =>
  objectKey(o.manifest.kind, o.manifest.metadata.namespace ?? "", o.manifest.metadata.name);

/** The planned objects of `kinds` that are not in the cluster, as `Kind namespace/name`. */
function missing(
  plan: InstallPlan,
  reads: ObservabilityReads,
  keep: (o: PlannedObject) => boolean,
): string[] {
  const present = new Set(reads.present);
  return plan.objects
    .filter(keep)
    .map(keyOf)
    .filter((k) => !present.has(k));
}

function providersCheck(plan: InstallPlan, reads: ObservabilityReads): StatusCheck {
  const wanted = plan.observability?.providers ?? [];
  const issues: Issue[] = reads.meshConfigs.flatMap((m): Issue[] => {
    if (m.providers === undefined)
      return [
        {
          state: "error",
          message: `mesh config ${m.configMap}: ${m.problem ?? "unreadable"}`,
          hint: reapply,
        },
      ];
    const lacking = wanted.filter((p) => !m.providers?.includes(p));
    return lacking.length === 0
      ? []
      : [
          {
            state: "error",
            message: `mesh config ${m.configMap} lacks the extension ${lacking.length === 1 ? "provider" : "providers"} ${lacking.join(", ")}`,
            hint: reapply,
          },
        ];
  });
  const ok =
    wanted.length === 0
      ? "no extension providers declared"
      : `${plural(reads.meshConfigs.length, "mesh config")} hold ${wanted.join(", ")}`;
  return combine("observability", "observability/providers", ok, issues);
}

function telemetryCheck(plan: InstallPlan, reads: ObservabilityReads): StatusCheck | undefined {
  const planned = plan.objects.filter((o) => o.manifest.kind === "Telemetry");
  if (planned.length === 0) return undefined;
  const lacking = missing(plan, reads, (o) => o.manifest.kind === "Telemetry");
  const issues: Issue[] = lacking.map((k) => ({ state: "error", message: `${k} is missing`, hint: reapply }));
  return combine(
    "observability",
    "observability/telemetry",
    `${plural(planned.length, "Telemetry object")} accepted by istiod's validation (${planned.map(keyOf).join(", ")})`,
    issues,
  );
}

function monitorsCheck(plan: InstallPlan, reads: ObservabilityReads): StatusCheck | undefined {
  const mode = plan.observability?.monitors.mode ?? "OFF";
  if (mode === "OFF") return undefined;
  const name = "observability/monitors";
  if (!reads.monitorCrds)
    return {
      name,
      category: "observability",
      state: mode === "ON" ? "error" : "warning",
      message: "no ServiceMonitor or PodMonitor: the Prometheus Operator's CRDs are not in the cluster",
      hint:
        mode === "ON"
          ? "install the Prometheus Operator (or its CRDs), then run `planton apply`"
          : "metrics.monitors is AUTO: install the Prometheus Operator's CRDs and run `planton apply` to get them",
      details: [],
    };
  const isMonitor = (o: PlannedObject) =>
    o.manifest.kind === "ServiceMonitor" || o.manifest.kind === "PodMonitor";
  const lacking = missing(plan, reads, isMonitor);
  const issues: Issue[] = lacking.map((k) => ({
    state: "error",
    message: `${k} is missing`,
    hint: "run `planton apply -f FILE`: with the Prometheus Operator's CRDs now in the cluster it creates them",
  }));
  const planned = plan.objects.filter(isMonitor).map(keyOf);
  return combine("observability", name, `${planned.join(", ")} present`, issues);
}

function dashboardsCheck(plan: InstallPlan, reads: ObservabilityReads): StatusCheck | undefined {
  const isDashboard = (o: PlannedObject) => o.id.startsWith("dashboard-");
  const planned = plan.objects.filter(isDashboard);
  if (planned.length === 0) return undefined;
  const lacking = missing(plan, reads, isDashboard);
  const issues: Issue[] =
    lacking.length === 0
      ? []
      : [
          {
            state: "error",
            message: `${plural(lacking.length, "dashboard ConfigMap")} missing`,
            hint: reapply,
          },
        ];
  const namespace = planned[0]?.manifest.metadata.namespace ?? "";
  return combine(
    "observability",
    "observability/dashboards",
    `${plural(planned.length, "dashboard ConfigMap")} present in ${namespace}`,
    issues,
    lacking,
  );
}

/** The observability rows; none without `spec.observability`. */
export const checkObservability: CheckFunction = (reads, plan) => {
  const o = reads.observability;
  if (o === undefined || plan.observability === undefined) return [];
  return [
    providersCheck(plan, o),
    telemetryCheck(plan, o),
    monitorsCheck(plan, o),
    dashboardsCheck(plan, o),
  ].filter((c): c is StatusCheck => c !== undefined);
};
