import * as k8s from "@kubernetes/client-node";
import { parse } from "yaml";
import type { InstallPlan } from "../istio/types.js";
import { isNotFound, kubeCall } from "./api.js";
import type { ResolvedCluster } from "./kubeconfig.js";
import { hasPrometheusOperatorCrds } from "./prometheus-operator.js";

/** The mesh config one istiod reads: its ConfigMap, and the extension providers it names. */
export interface LiveMeshConfig {
  revision: string;
  /** `istio` for the revision-less istiod, `istio-<revision>` otherwise. */
  configMap: string;
  /** Names of `extensionProviders`; undefined when the ConfigMap is missing or its `mesh` unreadable. */
  providers: string[] | undefined;
  /** Why `providers` is undefined. */
  problem?: string;
}

/** What `status` reads for `spec.observability` (nothing is read without it). */
export interface ObservabilityReads {
  meshConfigs: LiveMeshConfig[];
  /** `Kind namespace/name` of every planton-labelled Telemetry, monitor and dashboard ConfigMap found. */
  present: string[];
  /** Whether the Prometheus Operator's ServiceMonitor and PodMonitor CRDs exist. */
  monitorCrds: boolean;
}

const managedBy = "app.kubernetes.io/managed-by=planton";

/** `Kind namespace/name`, the key of `present`. */
export const objectKey = (kind: string, namespace: string, name: string) => `${kind} ${namespace}/${name}`;

/** The `istio` ConfigMap name of a revision. */
export const meshConfigMapName = (revision: string) => (revision ? `istio-${revision}` : "istio");

/** The extension provider names of a `mesh` document; throws on YAML that is not a mapping. */
export function providerNames(mesh: string): string[] {
  const doc: unknown = parse(mesh);
  if (doc === null || doc === undefined) return [];
  if (typeof doc !== "object" || Array.isArray(doc)) throw new Error("the mesh config is not a mapping");
  const list = (doc as { extensionProviders?: unknown }).extensionProviders;
  if (!Array.isArray(list)) return [];
  return list
    .map((p) => (p as { name?: unknown } | null)?.name)
    .filter((n): n is string => typeof n === "string");
}

function liveMeshConfig(revision: string, cms: k8s.V1ConfigMap[]): LiveMeshConfig {
  const configMap = meshConfigMapName(revision);
  const cm = cms.find((c) => c.metadata?.name === configMap);
  if (cm === undefined) return { revision, configMap, providers: undefined, problem: "ConfigMap not found" };
  try {
    return { revision, configMap, providers: providerNames(cm.data?.mesh ?? "") };
  } catch (err) {
    return {
      revision,
      configMap,
      providers: undefined,
      problem: `its mesh config does not parse: ${(err as Error).message}`,
    };
  }
}

const keysOf = (kind: string, list: unknown): string[] =>
  (((list as { items?: unknown[] } | undefined)?.items ?? []) as k8s.KubernetesObject[]).map((o) =>
    objectKey(kind, o.metadata?.namespace ?? "", o.metadata?.name ?? ""),
  );

/**
 * Reads what `status` checks of `spec.observability`: each revision's mesh config, and planton's
 * Telemetry objects, monitors and dashboards, one list call per kind. Undefined without the block.
 */
export async function readObservability(
  cluster: ResolvedCluster,
  plan: InstallPlan,
): Promise<ObservabilityReads | undefined> {
  if (plan.observability === undefined) return undefined;
  const { context } = cluster;
  const core = cluster.config.makeApiClient(k8s.CoreV1Api);
  const custom = cluster.config.makeApiClient(k8s.CustomObjectsApi);
  const call = <T>(what: string, fn: () => Promise<T>) => kubeCall(what, fn, { context });
  const objects = plan.objects.map((o) => o.manifest);
  const namespacesOf = (kind: string) =>
    [...new Set(objects.filter((o) => o.kind === kind).map((o) => o.metadata.namespace ?? ""))].sort();
  const listCustom = (group: string, plural: string, namespace: string) =>
    call(`listing ${plural}.${group} in ${namespace}`, () =>
      custom.listNamespacedCustomObject({
        group,
        version: "v1",
        namespace,
        plural,
        labelSelector: managedBy,
      }),
    ).catch((err: unknown) => {
      if (isNotFound(err)) return undefined; // the kind is not installed
      throw err;
    });
  const monitorCrds = await hasPrometheusOperatorCrds(cluster);
  const monitorNamespaces = monitorCrds
    ? [...new Set([...namespacesOf("ServiceMonitor"), ...namespacesOf("PodMonitor")])]
    : [];
  const [meshCms, dashboards, telemetries, serviceMonitors, podMonitors] = await Promise.all([
    call(`listing ConfigMaps in ${plan.mesh.namespace}`, () =>
      core.listNamespacedConfigMap({ namespace: plan.mesh.namespace }),
    ),
    Promise.all(
      namespacesOf("ConfigMap").map((namespace) =>
        call(`listing ConfigMaps in ${namespace}`, () =>
          core.listNamespacedConfigMap({ namespace, labelSelector: managedBy }),
        ),
      ),
    ),
    Promise.all(namespacesOf("Telemetry").map((ns) => listCustom("telemetry.istio.io", "telemetries", ns))),
    Promise.all(monitorNamespaces.map((ns) => listCustom("monitoring.coreos.com", "servicemonitors", ns))),
    Promise.all(monitorNamespaces.map((ns) => listCustom("monitoring.coreos.com", "podmonitors", ns))),
  ]);
  return {
    // a mesh without revisions has one istiod, reading the `istio` ConfigMap
    meshConfigs: (plan.mesh.revisions.length > 0 ? plan.mesh.revisions.map((r) => r.name) : [""]).map((r) =>
      liveMeshConfig(r, meshCms.items),
    ),
    present: [
      ...dashboards.flatMap((l) => keysOf("ConfigMap", l)),
      ...telemetries.flatMap((l) => keysOf("Telemetry", l)),
      ...serviceMonitors.flatMap((l) => keysOf("ServiceMonitor", l)),
      ...podMonitors.flatMap((l) => keysOf("PodMonitor", l)),
    ],
    monitorCrds,
  };
}
