import type { InstallPlan, PlannedRelease } from "../../istio/types.js";
import {
  deactivated,
  gatewayConflicts,
  type ImmutableConflict,
  immutableConflicts,
  podTemplateConflicts,
} from "./conflicts.js";
import type { IstioctlComponent, KubeObject, LiveMesh } from "./live.js";

export {
  gatewayConflicts,
  type ImmutableConflict,
  immutableConflicts,
  podTemplateConflicts,
} from "./conflicts.js";

/**
 * What adoption does to the stack and the cluster, decided before anything is written. Pure.
 *
 * - `imports`: resources the stack takes into its state as they are, with the type, logical name
 *   and import ID of the resource planton's program (src/pulumi/program.ts, membership.ts)
 *   declares for them; `parent` names the program's component for a tag's objects.
 * - `ownership`: Helm's ownership metadata to write on each istioctl-installed object, so the
 *   planned release takes it over on its first install instead of refusing or recreating it.
 * - `conflicts`: objects whose immutable fields differ from what the chart renders: Kubernetes
 *   would have to delete and recreate them, so adoption stops and names object, field, choices.
 */

export interface StackImport {
  /** Pulumi type token, e.g. `kubernetes:helm.sh/v3:Release`. */
  type: string;
  /** Logical name the program gives the resource. */
  name: string;
  /** Import ID: `namespace/name` (Releases and namespaced objects) or `name`. */
  id: string;
  /** Logical name of the program's parent component (a tag's `helm.v3.Chart`). */
  parent?: string;
}

export interface OwnershipChange {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  /** The planned release that takes it over. */
  release: string;
  releaseNamespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface AdoptionPlan {
  imports: StackImport[];
  ownership: OwnershipChange[];
  conflicts: ImmutableConflict[];
  /** istioctl objects no planned release takes over (left as they are, and named). */
  unclaimed: string[];
  /**
   * Injectors istioctl's default tag turned off (never-match selectors) that the hand-over turns
   * back on, as the chart renders them: the tag's webhook stays istioctl's and injects too.
   */
  reactivated: string[];
}

export const releaseType = "kubernetes:helm.sh/v3:Release";
const namespaceType = "kubernetes:core/v1:Namespace";

const describe = (o: KubeObject) =>
  `${o.kind ?? "?"} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name ?? ""}`;

/** Imports of the releases, namespaces, mesh-wide PeerAuthentication and tags the cluster has. */
function imports(
  plan: InstallPlan,
  mesh: LiveMesh,
  namespaces: Set<string>,
  services: Set<string>,
): StackImport[] {
  const out: StackImport[] = [];
  for (const r of plan.releases)
    if (mesh.releases.some((l) => l.name === r.name && l.namespace === r.namespace))
      out.push({ type: releaseType, name: r.name, id: `${r.namespace}/${r.name}` });
  for (const n of plan.namespaces)
    if (namespaces.has(n.name)) out.push({ type: namespaceType, name: n.name, id: n.name });
  const planned = new Set(plan.namespaces.map((n) => n.name));
  for (const n of plan.workloadNamespaces)
    if (n.create && !planned.has(n.name) && namespaces.has(n.name))
      out.push({ type: namespaceType, name: `workload-${n.name}`, id: n.name });
  const pa = plan.objects.find((o) => o.id === "peer-authentication-default");
  if (pa !== undefined && mesh.peerAuthentication?.namespace === plan.mesh.namespace)
    out.push({
      type: "kubernetes:security.istio.io/v1:PeerAuthentication",
      name: pa.id,
      id: `${plan.mesh.namespace}/default`,
    });
  for (const t of plan.tags) {
    const live = mesh.tags.find((x) => x.name === t.name);
    if (live === undefined || live.owner.kind === "helm") continue;
    const hook = `istio-revision-tag-${t.name}`;
    out.push({
      type: "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration",
      name: hook,
      id: hook,
      parent: `tag-${t.name}`,
    });
    const svc = `${t.namespace}/istiod-revision-tag-${t.name}`;
    if (services.has(svc))
      out.push({ type: "kubernetes:core/v1:Service", name: svc, id: svc, parent: `tag-${t.name}` });
  }
  return out;
}

/** The planned release that takes over an istioctl component's object, if any. */
function releaseFor(plan: InstallPlan, c: IstioctlComponent, o: KubeObject): PlannedRelease | undefined {
  const of = plan.releases.filter((r) => r.component === c.chart);
  if (c.chart === "gateway") {
    const app = o.metadata?.labels?.app ?? o.metadata?.name;
    return of.find((r) => r.name === app && r.namespace === o.metadata?.namespace);
  }
  if (c.chart === "istiod") {
    const rev = c.revision === "default" ? "" : c.revision;
    const revisioned = plan.mesh.revisions.find((r) => r.name === rev);
    return of.find((r) => r.name === (revisioned?.release ?? "istiod"));
  }
  return of[0];
}

/** The default tag's webhook, istioctl's, which the default revision's istiod release renders in planton's plan. */
function defaultTagOwnership(plan: InstallPlan, mesh: LiveMesh): OwnershipChange[] {
  const tag = mesh.tags.find((t) => t.name === "default");
  const rel = plan.releases.find(
    (r) => r.component === "istiod" && (r.values.revisionTags as unknown[] | undefined)?.includes("default"),
  );
  if (tag === undefined || tag.owner.kind !== "istioctl" || rel === undefined) return [];
  return [
    ownership(
      {
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "MutatingWebhookConfiguration",
        metadata: { name: "istio-revision-tag-default" },
      },
      rel,
    ),
  ];
}

/**
 * `istiod-default-validator`, which istioctl writes with the default tag (no component label):
 * planton's base release renders it when it has a default revision, so it takes it over.
 */
function defaultValidatorOwnership(plan: InstallPlan, live: KubeObject | undefined): OwnershipChange[] {
  if (live === undefined || live.metadata?.annotations?.["meta.helm.sh/release-name"] !== undefined)
    return [];
  const base = plan.releases.find((r) => r.component === "base");
  if (base === undefined || !base.values.defaultRevision) return [];
  return [ownership(live, base)];
}

function ownership(o: KubeObject, r: PlannedRelease): OwnershipChange {
  return {
    apiVersion: o.apiVersion ?? "",
    kind: o.kind ?? "",
    ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
    name: o.metadata?.name ?? "",
    release: r.name,
    releaseNamespace: r.namespace,
    labels: { "app.kubernetes.io/managed-by": "Helm" },
    annotations: { "meta.helm.sh/release-name": r.name, "meta.helm.sh/release-namespace": r.namespace },
  };
}

/**
 * The adoption plan of `plan` (the manifest's) over `mesh`. `namespaces` and `services` are the
 * names (`ns/name` for Services) the cluster has; `rendered` is what each planned release's chart
 * renders (by release name), needed only for istioctl-installed objects.
 */
export function adoptionPlan(
  plan: InstallPlan,
  mesh: LiveMesh,
  cluster: {
    namespaces: string[];
    services: string[];
    rendered?: Map<string, KubeObject[]>;
    defaultValidator?: KubeObject;
  },
): AdoptionPlan {
  const ownershipChanges: OwnershipChange[] = [
    ...defaultTagOwnership(plan, mesh),
    ...defaultValidatorOwnership(plan, cluster.defaultValidator),
  ];
  const conflicts: ImmutableConflict[] = [];
  const unclaimed: string[] = [];
  const reactivated: string[] = [];
  for (const c of mesh.istioctl)
    for (const o of c.objects) {
      if (ownershipChanges.some((x) => x.kind === o.kind && x.name === o.metadata?.name && !x.namespace))
        continue;
      const r = releaseFor(plan, c, o);
      if (r === undefined) {
        unclaimed.push(describe(o));
        continue;
      }
      ownershipChanges.push(ownership(o, r));
      if (c.chart === "gateway") conflicts.push(...gatewayConflicts(o, r));
      conflicts.push(...podTemplateConflicts(o, r));
      if (deactivated(o)) reactivated.push(describe(o));
      const rendered = cluster.rendered
        ?.get(r.name)
        ?.find((x) => x.kind === o.kind && x.metadata?.name === o.metadata?.name);
      if (rendered !== undefined) conflicts.push(...immutableConflicts(o, rendered));
    }
  return {
    imports: imports(plan, mesh, new Set(cluster.namespaces), new Set(cluster.services)),
    ownership: ownershipChanges,
    conflicts,
    unclaimed,
    reactivated,
  };
}
