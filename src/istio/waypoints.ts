import type { KubernetesIstioSpec } from "../../gen/planton/kubernetes/istio/v1/spec_pb.js";
import type { PlannedObject, PlannedRelease } from "./types.js";

/** The name of a namespace's waypoint when the manifest names none (istioctl's too). */
export const defaultWaypointName = "waypoint";

/** The labels that attach a namespace to a waypoint; planton sets them from `waypoint`. */
export const waypointLabelKeys = ["istio.io/use-waypoint", "istio.io/use-waypoint-namespace"];

/** The object id of a namespace's waypoint in the plan. */
export const waypointId = (namespace: string, name: string) => `waypoint-${namespace}-${name}`;

/** A plan dependency on a workload namespace (its Namespace or label patch), not a release. */
export const namespaceDependency = (name: string) => `namespace/${name}`;

type WorkloadNamespace = KubernetesIstioSpec["namespaces"][number];

/** The labels that send a namespace's ambient traffic through its waypoint (or another namespace's). */
export function waypointLabels(n: WorkloadNamespace): Record<string, string> {
  const w = n.waypoint;
  if (w === undefined) return {};
  const name = w.name || defaultWaypointName;
  return w.namespace === ""
    ? { "istio.io/use-waypoint": name }
    : { "istio.io/use-waypoint": name, "istio.io/use-waypoint-namespace": w.namespace };
}

/**
 * The waypoint `Gateway` of each namespace whose waypoint planton creates, in the shape
 * `istioctl waypoint apply` gives it: class `istio-waypoint`, one HBONE listener `mesh` on 15008,
 * `istio.io/waypoint-for` (SERVICE unless said otherwise) and `istio.io/rev` when a revision is
 * named (tags resolved for the dependency only: the label keeps the tag, as istiod reads it).
 * Each one after the istiod that runs it (and the namespace, when planton creates it). istiod's deployment
 * controller then creates the waypoint's Deployment and Service. Pure.
 */
export function waypointObjects(
  spec: KubernetesIstioSpec,
  defaultIstiod: string,
  istiods: Map<string, PlannedRelease>,
): PlannedObject[] {
  const tags = new Map(spec.revisionTags.map((t) => [t.name, t.revision]));
  return spec.namespaces.flatMap((n) => {
    const w = n.waypoint;
    if (w === undefined || w.namespace !== "") return [];
    const name = w.name || defaultWaypointName;
    const istiod =
      w.revision === ""
        ? defaultIstiod
        : (istiods.get(tags.get(w.revision) ?? w.revision)?.name ?? defaultIstiod);
    const labels: Record<string, string> = {
      "istio.io/waypoint-for": (w.for || "SERVICE").toLowerCase(),
      ...(w.revision !== "" ? { "istio.io/rev": w.revision } : {}),
    };
    return [
      {
        id: waypointId(n.name, name),
        // a namespace planton only labels exists already, and its label waits for the waypoint
        dependsOn: n.create === true ? [istiod, namespaceDependency(n.name)] : [istiod],
        manifest: {
          apiVersion: "gateway.networking.k8s.io/v1",
          kind: "Gateway",
          metadata: { name, namespace: n.name, labels },
          spec: {
            gatewayClassName: "istio-waypoint",
            listeners: [{ name: "mesh", port: 15008, protocol: "HBONE" }],
          },
        },
      },
    ];
  });
}
