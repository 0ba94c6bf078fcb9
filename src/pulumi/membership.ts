import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { tagId } from "../istio/membership.js";
import { namespaceDependency, waypointId, waypointLabelKeys } from "../istio/waypoints.js";
import type { InstallPlan } from "../istio/types.js";
import { templateChartArgs } from "./chart-inputs.js";

/** A Kubernetes object as `helm template` renders it. */
export interface RenderedObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  webhooks?: { clientConfig?: { caBundle?: unknown } }[];
  [key: string]: unknown;
}

/** The two objects of a tag among everything the istiod chart renders. */
export function isTagObject(o: RenderedObject, tag: string): boolean {
  const name = o.metadata?.name ?? "";
  if (o.kind === "MutatingWebhookConfiguration")
    return name === `istio-revision-tag-${tag}` || name.startsWith(`istio-revision-tag-${tag}-`);
  return o.kind === "Service" && name === `istiod-revision-tag-${tag}`;
}

/**
 * Keeps a tag's webhook and Service as the chart rendered them, with two changes: the webhooks'
 * `caBundle` is left out (istiod writes it at run time; owning it would blank it on every
 * update), and `app.kubernetes.io/managed-by` says planton (no Helm release owns them). Every
 * other object of the chart becomes an empty List, which registers nothing. In place, as
 * `helm.v3.Chart` transformations work.
 */
export function keepTagObjects(tag: string): (o: RenderedObject) => void {
  return (o) => {
    if (!isTagObject(o, tag)) {
      // metadata stays: later transformations (skipAwait) read it
      for (const k of Object.keys(o)) if (k !== "metadata") delete o[k];
      Object.assign(o, { apiVersion: "v1", kind: "List", items: [] });
      o.metadata = { ...(o.metadata ?? {}) };
      return;
    }
    const labels = o.metadata?.labels;
    if (labels !== undefined) labels["app.kubernetes.io/managed-by"] = "planton";
    for (const w of o.webhooks ?? []) if (w.clientConfig) delete w.clientConfig.caBundle;
  };
}

/**
 * One `helm.v3.Chart` per revision tag: the target revision's istiod chart rendered with
 * `revisionTags: [tag]`, reduced to the tag's webhook and Service, after that istiod is ready.
 * The resources are the stack's own, named by tag, so moving or swapping tags updates them in
 * place in one apply.
 */
export function drawTags(
  plan: InstallPlan,
  provider: k8s.Provider,
  releases: Map<string, pulumi.Resource>,
): Map<string, pulumi.Resource> {
  const out = new Map<string, pulumi.Resource>();
  for (const t of plan.tags) {
    const after = releases.get(t.release);
    out.set(
      tagId(t.name),
      new k8s.helm.v3.Chart(
        `tag-${t.name}`,
        {
          ...templateChartArgs(t.source, t.chart),
          version: t.version,
          namespace: t.namespace,
          values: t.values,
          skipAwait: true,
          transformations: [keepTagObjects(t.name) as (o: unknown) => void],
        },
        { provider, ...(after === undefined ? {} : { dependsOn: [after] }) },
      ),
    );
  }
  return out;
}

/**
 * The workload namespaces: created ones as Namespaces (deleted on destroy), adopted ones as
 * NamespacePatches, which server-side apply only planton's labels under their own field manager
 * and remove only those on destroy. Labelled after what their labels name is ready (the tag or
 * istiod, the waypoint). A namespace the plan creates anyway (a gateway's) gets the labels on its
 * Namespace. `which` draws the created ones (before the objects, which may live in them) or the
 * patched ones (after the objects, so a waypoint exists before a namespace is sent to it).
 * Returns `namespace/<name>` → the resource that holds its labels.
 */
export function drawWorkloadNamespaces(
  plan: InstallPlan,
  provider: k8s.Provider,
  ready: Map<string, pulumi.Resource>,
  which: "created" | "patched",
  waypointReady?: WaypointReady,
): Map<string, pulumi.Resource> {
  const planned = new Set(plan.namespaces.map((n) => n.name));
  const out = new Map<string, pulumi.Resource>();
  for (const n of plan.workloadNamespaces) {
    if (planned.has(n.name)) continue;
    if (n.create && which === "patched") drawWaypointLabels(n, provider, ready, waypointReady);
    if (n.create !== (which === "created")) continue;
    const dependsOn = n.dependsOn
      .map((d) => ready.get(d))
      .filter((r): r is pulumi.Resource => r !== undefined);
    const metadata = { name: n.name, labels: afterWaypoint(n, n.labels, ready, waypointReady) };
    const resource = n.create
      ? new k8s.core.v1.Namespace(
          `workload-${n.name}`,
          {
            metadata: {
              name: n.name,
              labels: { ...withoutWaypointLabels(n.labels), "app.kubernetes.io/managed-by": "planton" },
              annotations: namespaceAnnotations,
            },
          },
          { provider, dependsOn },
        )
      : new k8s.core.v1.NamespacePatch(`workload-${n.name}`, { metadata }, { provider, dependsOn });
    out.set(namespaceDependency(n.name), resource);
  }
  return out;
}

const withoutWaypointLabels = (labels: Record<string, string>) =>
  Object.fromEntries(Object.entries(labels).filter(([k]) => !waypointLabelKeys.includes(k)));

/**
 * A namespace planton creates gets its `use-waypoint` labels from a NamespacePatch once the
 * namespace and the waypoint exist: on a later apply its pods already run, and must never be sent
 * to a waypoint that is not there yet (a created namespace cannot wait for its own waypoint,
 * which lives in it).
 */
function drawWaypointLabels(
  n: WorkloadNamespace,
  provider: k8s.Provider,
  ready: Map<string, pulumi.Resource>,
  waypointReady: WaypointReady | undefined,
): void {
  const name = n.labels["istio.io/use-waypoint"];
  if (name === undefined) return;
  const labels = Object.fromEntries(Object.entries(n.labels).filter(([k]) => waypointLabelKeys.includes(k)));
  const waypoint = waypointId(n.labels["istio.io/use-waypoint-namespace"] ?? n.name, name);
  const dependsOn = [namespaceDependency(n.name), waypoint]
    .map((d) => ready.get(d))
    .filter((r): r is pulumi.Resource => r !== undefined);
  new k8s.core.v1.NamespacePatch(
    `workload-waypoint-${n.name}`,
    { metadata: { name: n.name, labels: afterWaypoint(n, labels, ready, waypointReady) } },
    { provider, dependsOn },
  );
}

type WorkloadNamespace = InstallPlan["workloadNamespaces"][number];
type WaypointReady = (namespace: string, name: string) => Promise<void>;

/**
 * The labels of a namespace sent to a waypoint planton creates, once that waypoint's Deployment
 * is ready (after its Gateway, which the labels depend on): istiod reports the Gateway
 * `Programmed` as soon as its Service has an address, before any waypoint pod runs. Never waited
 * for in a preview; other labels are returned as they are.
 */
function afterWaypoint(
  n: WorkloadNamespace,
  labels: Record<string, string>,
  ready: Map<string, pulumi.Resource>,
  waypointReady: WaypointReady | undefined,
): pulumi.Input<Record<string, string>> {
  const name = labels["istio.io/use-waypoint"];
  if (name === undefined || waypointReady === undefined) return labels;
  const namespace = labels["istio.io/use-waypoint-namespace"] ?? n.name;
  const gateway = ready.get(waypointId(namespace, name));
  if (gateway === undefined) return labels;
  return gateway.urn.apply(async () => {
    if (!pulumi.runtime.isDryRun()) await waypointReady(namespace, name);
    return labels;
  });
}

/**
 * Annotations of the namespaces planton creates: the provider does not wait for a namespace's
 * deletion (its poll backs off to seconds); `destroy` waits for them itself, polling fast
 * (src/cluster/namespaces.ts), so destroy takes as long as the cluster needs and no longer.
 */
export const namespaceAnnotations = { "pulumi.com/skipAwait": "true" };

/** Labels of the namespaces the plan creates, with the injection labels of those that are also workload namespaces. */
export function plannedNamespaceLabels(plan: InstallPlan, name: string, labels: Record<string, string>) {
  const w = plan.workloadNamespaces.find((n) => n.name === name);
  return w === undefined ? labels : { ...w.labels, ...labels };
}

/**
 * Labels and annotations on namespaces planton does not create (the control plane's with
 * `createNamespace: false`): NamespacePatches, which server-side apply only these fields under
 * planton's field manager and remove only them on destroy.
 */
export function drawNamespacePatches(plan: InstallPlan, provider: k8s.Provider): void {
  for (const n of plan.namespacePatches ?? [])
    new k8s.core.v1.NamespacePatch(
      `namespace-patch-${n.name}`,
      { metadata: { name: n.name, labels: n.labels, annotations: n.annotations } },
      { provider },
    );
}
