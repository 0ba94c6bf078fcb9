import type {
  KubernetesIstioObservability,
  KubernetesIstioSpec,
  KubernetesIstioTelemetryProvider,
} from "../../gen/planton/kubernetes/istio/v1/spec_pb.js";
import { istioDashboards } from "./dashboards/index.js";
import type { InstallPlan, PlannedObject, PlannedObservability } from "./types.js";
import { namespaceDependency } from "./waypoints.js";

/** Default share of requests traced (the brief's production default), in percent. */
export const defaultSamplingPercent = 1;
/** Default label of the Grafana sidecar convention (kube-prometheus-stack, Grafana chart). */
export const defaultDashboardLabel = "grafana_dashboard=1";

const managed = { "app.kubernetes.io/managed-by": "planton" };

/**
 * What the apply knows about the cluster when it plans: whether the Prometheus Operator's
 * ServiceMonitor and PodMonitor CRDs exist. Undefined where no cluster is read (`render`):
 * the plan then shows the monitors `AUTO` would create.
 */
export interface ObservabilityInputs {
  prometheusOperatorCrds?: boolean | undefined;
}

/** One provider as an entry of MeshConfig `extensionProviders`. */
function extensionProvider(p: KubernetesIstioTelemetryProvider): Record<string, unknown> {
  const at = { service: p.service, port: p.port };
  if (p.kind === "ZIPKIN") return { name: p.name, zipkin: at };
  if (p.kind === "OPENTELEMETRY_LOGS") return { name: p.name, envoyOtelAls: at };
  const http = p.protocol === "HTTP" ? { http: { path: p.path || "/v1/traces" } } : {};
  return { name: p.name, opentelemetry: { ...at, ...http } };
}

/** istiod's `meshConfig.extensionProviders`; undefined when the manifest declares none. */
export function extensionProviders(spec: KubernetesIstioSpec): Record<string, unknown>[] | undefined {
  const list = spec.observability?.providers ?? [];
  return list.length > 0 ? list.map(extensionProvider) : undefined;
}

/**
 * The observability objects: the mesh-wide Telemetry (tracing with its sampling, and mesh-wide
 * access logs) in the control-plane namespace, which is Istio's root namespace; an `access-logs`
 * Telemetry in each listed namespace; the ServiceMonitor and PodMonitor (by `metrics.monitors`
 * and whether the CRDs exist); one ConfigMap per dashboard.
 */
export function observabilityObjects(
  spec: KubernetesIstioSpec,
  istiod: string,
  inputs: ObservabilityInputs,
): PlannedObject[] {
  const o = spec.observability;
  if (o === undefined) return [];
  const objects = [
    ...telemetryObjects(o, spec.namespace, istiod),
    ...(monitorsFacts(o, inputs).create ? monitorObjects(o, spec.namespace) : []),
    ...dashboardObjects(o, spec.namespace),
  ];
  // an object in a namespace the manifest creates waits for that namespace
  const created = new Set(spec.namespaces.filter((n) => n.create).map((n) => n.name));
  return objects.map((x) => {
    const ns = x.manifest.metadata.namespace ?? "";
    return created.has(ns) ? { ...x, dependsOn: [...x.dependsOn, namespaceDependency(ns)] } : x;
  });
}

function telemetryObjects(o: KubernetesIstioObservability, ns: string, istiod: string): PlannedObject[] {
  const logs = o.accessLogs;
  const logging = [{ providers: [{ name: logs?.provider || "envoy" }] }];
  const meshSpec: Record<string, unknown> = {};
  if (o.tracing !== undefined)
    meshSpec.tracing = [
      {
        providers: [{ name: o.tracing.provider }],
        randomSamplingPercentage: o.tracing.samplingPercent ?? defaultSamplingPercent,
      },
    ];
  if (logs?.meshWide === true) meshSpec.accessLogging = logging;
  const telemetry = (id: string, name: string, namespace: string, spec: Record<string, unknown>) => ({
    id,
    dependsOn: [istiod],
    manifest: {
      apiVersion: "telemetry.istio.io/v1",
      kind: "Telemetry",
      metadata: { name, namespace, labels: managed },
      spec,
    },
  });
  const out: PlannedObject[] = [];
  if (Object.keys(meshSpec).length > 0)
    out.push(telemetry("telemetry-mesh-default", "mesh-default", ns, meshSpec));
  if (logs?.meshWide !== true)
    for (const n of logs?.namespaces ?? [])
      out.push(telemetry(`telemetry-access-logs-${n}`, "access-logs", n, { accessLogging: logging }));
  return out;
}

/** Whether the monitors are created, and why (for the plan, `status` and apply's refusal). */
export function monitorsFacts(
  o: KubernetesIstioObservability,
  inputs: ObservabilityInputs,
): { mode: string; create: boolean; reason: string } {
  const mode = o.metrics === undefined ? "OFF" : o.metrics.monitors || "AUTO";
  if (mode === "OFF")
    return {
      mode,
      create: false,
      reason: o.metrics === undefined ? "metrics not asked for" : "monitors: OFF",
    };
  if (inputs.prometheusOperatorCrds === false)
    return {
      mode,
      create: false,
      reason: "the Prometheus Operator's ServiceMonitor and PodMonitor CRDs are not in the cluster",
    };
  return {
    mode,
    create: true,
    reason:
      inputs.prometheusOperatorCrds === undefined && mode === "AUTO"
        ? "created when the Prometheus Operator's CRDs are in the cluster"
        : "",
  };
}

/** The Prometheus Operator's API group, the monitors' apiVersion. */
const monitorsApiVersion = "monitoring.coreos.com/v1";

/**
 * A plan made without reading the cluster (`prometheusOperatorCrds` unset), as planning with the
 * cluster's answer would have made it: the monitors' facts restated and, when they are not
 * created, their objects left out. Pure; everything else in the plan stands as it is.
 */
export function settleMonitorsOf(plan: InstallPlan, spec: KubernetesIstioSpec, crds: boolean): InstallPlan {
  const o = spec.observability;
  if (o === undefined || plan.observability === undefined) return plan;
  const monitors = monitorsFacts(o, { prometheusOperatorCrds: crds });
  return {
    ...plan,
    objects: monitors.create
      ? plan.objects
      : plan.objects.filter((x) => x.manifest.apiVersion !== monitorsApiVersion),
    observability: { ...plan.observability, monitors },
  };
}

function monitorObjects(o: KubernetesIstioObservability, controlPlane: string): PlannedObject[] {
  const namespace = o.metrics?.namespace || controlPlane;
  const labels = { ...o.metrics?.labels, ...managed };
  const apiVersion = monitorsApiVersion;
  return [
    {
      id: "service-monitor-istiod",
      dependsOn: [],
      manifest: {
        apiVersion,
        kind: "ServiceMonitor",
        metadata: { name: "istiod", namespace, labels },
        spec: {
          // every istiod Service (one per revision): its monitoring port, 15014
          selector: { matchLabels: { app: "istiod" } },
          namespaceSelector: { matchNames: [controlPlane] },
          endpoints: [{ port: "http-monitoring", path: "/metrics" }],
        },
      },
    },
    {
      id: "pod-monitor-istio-proxies",
      dependsOn: [],
      manifest: {
        apiVersion,
        kind: "PodMonitor",
        metadata: { name: "istio-proxies", namespace, labels },
        spec: {
          // every pod with a proxy (sidecars and gateways name 15090 `http-envoy-prom`), in every
          // namespace, except those that opt out as Istio's own scrape config lets them
          selector: { matchExpressions: [{ key: "istio-prometheus-ignore", operator: "DoesNotExist" }] },
          namespaceSelector: { any: true },
          podMetricsEndpoints: [{ port: "http-envoy-prom", path: "/stats/prometheus" }],
        },
      },
    },
  ];
}

/** A dashboard file's ConfigMap name: `istio-<what>-dashboard` (pilot is the control plane). */
export function dashboardConfigMapName(file: string): string {
  const what = file
    .replace(/(\.gen)?\.json$/, "")
    .replace(/-dashboard$/, "")
    .replace(/^istio-/, "");
  return `istio-${what}-dashboard`;
}

function dashboardObjects(o: KubernetesIstioObservability, controlPlane: string): PlannedObject[] {
  if (o.dashboards === undefined) return [];
  const [key, value = ""] = (o.dashboards.label || defaultDashboardLabel).split("=");
  const namespace = o.dashboards.namespace || controlPlane;
  return istioDashboards.map(({ file, dashboard }) => {
    const name = dashboardConfigMapName(file);
    return {
      id: `dashboard-${name}`,
      dependsOn: [],
      manifest: {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name, namespace, labels: { [key ?? ""]: value, ...managed } },
        data: { [`${name}.json`]: JSON.stringify(dashboard) },
      },
    };
  });
}

/** The plan's summary of observability; undefined when the manifest has no such block. */
export function planObservability(
  spec: KubernetesIstioSpec,
  inputs: ObservabilityInputs,
): PlannedObservability | undefined {
  const o = spec.observability;
  if (o === undefined) return undefined;
  return {
    providers: o.providers.map((p) => p.name),
    tracing: o.tracing
      ? { provider: o.tracing.provider, samplingPercent: o.tracing.samplingPercent ?? defaultSamplingPercent }
      : undefined,
    monitors: monitorsFacts(o, inputs),
    dashboards: o.dashboards ? istioDashboards.map((d) => dashboardConfigMapName(d.file)) : [],
  };
}
