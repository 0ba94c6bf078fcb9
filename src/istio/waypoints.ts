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

/** A waypoint as the plan or the stack's state has it. */
export interface WaypointFacts {
  namespace: string;
  name: string;
  /** Its `istio.io/waypoint-for` label. */
  for: string;
  /** Its `istio.io/rev` label ("" for the default revision). */
  revision: string;
}

/** A waypoint that appears, changes (traffic or revision) or goes. */
export interface WaypointChange {
  namespace: string;
  name: string;
  kind: "create" | "update" | "delete";
  before?: WaypointFacts;
  after?: WaypointFacts;
}

/** The facts of a waypoint object (a Gateway of class `istio-waypoint`); undefined for any other object. */
export function waypointFacts(o: {
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}): WaypointFacts | undefined {
  if (o.kind !== "Gateway" || o.spec?.gatewayClassName !== "istio-waypoint") return undefined;
  const labels = o.metadata?.labels ?? {};
  return {
    namespace: o.metadata?.namespace ?? "",
    name: o.metadata?.name ?? "",
    for: labels["istio.io/waypoint-for"] ?? "",
    revision: labels["istio.io/rev"] ?? "",
  };
}

/** Waypoints created, changed or deleted between the recorded stack and the plan. Pure. */
export function diffWaypoints(
  plan: { objects: PlannedObject[] },
  recorded: WaypointFacts[],
): WaypointChange[] {
  const key = (w: WaypointFacts) => `${w.namespace}/${w.name}`;
  const planned = plan.objects.flatMap((o) => waypointFacts(o.manifest) ?? []);
  const before = new Map(recorded.map((w) => [key(w), w]));
  const out: WaypointChange[] = [];
  for (const after of planned) {
    const b = before.get(key(after));
    if (b === undefined) out.push({ namespace: after.namespace, name: after.name, kind: "create", after });
    else if (b.for !== after.for || b.revision !== after.revision)
      out.push({ namespace: after.namespace, name: after.name, kind: "update", before: b, after });
  }
  const kept = new Set(planned.map(key));
  for (const b of recorded)
    if (!kept.has(key(b))) out.push({ namespace: b.namespace, name: b.name, kind: "delete", before: b });
  return out;
}
