import type { KubeObject } from "./live.js";

/**
 * What adopt finds an istioctl object's hand-over would do beyond its metadata, decided before
 * any write: an immutable field Kubernetes would recreate the object for, or a pod template the
 * chart renders otherwise (every pod replaced). Pure.
 */

const describe = (o: KubeObject) =>
  `${o.kind ?? "?"} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name ?? ""}`;

export interface ImmutableConflict {
  /** `Kind namespace/name`. */
  object: string;
  field: string;
  live: unknown;
  chart: unknown;
  /** What the hand-over would do to it: recreate the object, or replace its pods. */
  consequence: string;
  choices: string[];
}

/** A webhook configuration istioctl turned off (`istioctl tag set default` does so to the old injector). */
export const deactivated = (o: KubeObject): boolean =>
  o.kind === "MutatingWebhookConfiguration" &&
  ((o as { webhooks?: unknown[] }).webhooks ?? []).some(
    (w) =>
      (at(w, "namespaceSelector.matchLabels") as Record<string, string> | undefined)?.[
        "istio.io/deactivated"
      ] === "never-match",
  );

const instanceLabel = "app.kubernetes.io/instance";

/**
 * Istio's charts label pods with the Helm release's name (`app.kubernetes.io/instance`), and
 * istioctl renders them as release `istio`: a release of another name changes the pod template,
 * so every pod of the Deployment or DaemonSet would be replaced.
 */
export function podTemplateConflicts(live: KubeObject, r: { name: string }): ImmutableConflict[] {
  if (live.kind !== "Deployment" && live.kind !== "DaemonSet") return [];
  const labels = at(live, "spec.template.metadata.labels") as Record<string, string> | undefined;
  const have = labels?.[instanceLabel];
  if (have === undefined || have === r.name) return [];
  const object = describe(live);
  const patch = JSON.stringify({ spec: { template: { metadata: { labels: { [instanceLabel]: r.name } } } } });
  return [
    {
      object,
      field: `spec.template.metadata.labels.${instanceLabel}`,
      live: have,
      chart: r.name,
      consequence: `the chart labels its pods with the Helm release's name, ${r.name}, so every pod would be replaced`,
      choices: [
        `roll it yourself first, as a rolling update you watch: \`kubectl -n ${live.metadata?.namespace ?? ""} patch ${live.kind?.toLowerCase()} ${live.metadata?.name ?? ""} --field-manager planton --type merge -p '${patch}'\` (planton's field manager, so that apply's precheck counts the field as its own); then adopt again`,
        "keep this mesh as istioctl installed it",
      ],
    },
  ];
}

const at = (v: unknown, path: string): unknown =>
  path
    .split(".")
    .reduce<unknown>(
      (cur, k) => (typeof cur === "object" && cur !== null ? (cur as Record<string, unknown>)[k] : undefined),
      v,
    );

/** JSON with map keys sorted, so equal values compare equal whatever their key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (typeof v === "object" && v !== null)
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v) ?? "undefined";
}

/** Fields Kubernetes will not change in place, per kind. */
const immutable: Record<string, string[]> = {
  Deployment: ["spec.selector"],
  DaemonSet: ["spec.selector"],
  StatefulSet: ["spec.selector", "spec.serviceName"],
  Service: ["spec.clusterIP"],
  RoleBinding: ["roleRef"],
  ClusterRoleBinding: ["roleRef"],
};

const choices = (object: string, field: string): string[] => [
  `keep this component as istioctl installed it: leave it out of the manifest and adopt the rest`,
  field === "spec.selector"
    ? `let Kubernetes recreate it: \`kubectl delete ${object.split(" ")[0]?.toLowerCase()} --cascade=orphan\` keeps its pods running, then adopt again (the new ${field} replaces the pods in one rollout)`
    : `let Kubernetes recreate it: delete ${object} and adopt again (clients of the old ${field} lose it)`,
  `install the chart's version beside it (a new revision or gateway name), move workloads over, then remove the istioctl one`,
];

/**
 * The service account of a gateway Deployment's pods: istioctl's gateways chart names it
 * `<name>-service-account`, the gateway chart `serviceAccount.name` or the release's name.
 * Different, the hand-over changes the pod template, so every pod of the gateway is replaced.
 */
export function gatewayConflicts(live: KubeObject, r: { name: string; values: object }): ImmutableConflict[] {
  if (live.kind !== "Deployment") return [];
  const field = "spec.template.spec.serviceAccountName";
  const have = at(live, field);
  const want = at(r.values, "serviceAccount.name") || r.name;
  if (have === undefined || have === want) return [];
  const object = describe(live);
  return [
    {
      object,
      field,
      live: have,
      chart: want,
      consequence:
        "istioctl's gateways chart renders another pod template than the gateway chart, so every pod of the gateway would be replaced",
      choices: [
        "keep this gateway as istioctl installed it: leave it out of the manifest (planton adopt --write-manifest does) and adopt the rest",
        `install planton's gateway beside it under another name, move its traffic to the new Service, then remove ${object}`,
      ],
    },
  ];
}

/** Immutable fields the chart renders differently from the live object (a field the chart leaves unset never conflicts). */
export function immutableConflicts(live: KubeObject, rendered: KubeObject): ImmutableConflict[] {
  const out: ImmutableConflict[] = [];
  for (const field of immutable[live.kind ?? ""] ?? []) {
    const want = at(rendered, field);
    const have = at(live, field);
    if (want === undefined || canonical(want) === canonical(have)) continue;
    const object = describe(live);
    out.push({
      object,
      field,
      live: have,
      chart: want,
      consequence: "Kubernetes cannot change it in place, so the object would be recreated",
      choices: choices(object, field),
    });
  }
  return out;
}
