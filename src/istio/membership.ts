import type { KubernetesIstioSpec } from "../../gen/planton/kubernetes/istio/v1/spec_pb.js";
import type { Values } from "./merge.js";
import type { PlannedRelease, PlannedTag, PlannedWorkloadNamespace } from "./types.js";
import { defaultWaypointName, waypointId, waypointLabels } from "./waypoints.js";

/** The labels Istio reads for a namespace's injection mode and revision. */
export function injectionLabels(injection: string, target: string): Record<string, string> {
  switch (injection) {
    case "AMBIENT":
      return { "istio.io/dataplane-mode": "ambient" };
    case "DISABLED":
      return { "istio-injection": "disabled" };
    default:
      // the two conflict: istio-injection=enabled always means the default revision
      return target === "" ? { "istio-injection": "enabled" } : { "istio.io/rev": target };
  }
}

/** The tag id of a tag in plan dependencies: `tag/<name>`. */
export const tagId = (name: string) => `tag/${name}`;

/**
 * Tags a revision's istiod release renders itself, as Helm installs them: declared in
 * `spec.revisionTags` and named in `helmValues.istiod.revisionTags` (an adopted Helm mesh's
 * tags, so adoption hands no object from the release to planton). planton draws no tag of its
 * own for them.
 */
export function releaseRenderedTags(spec: KubernetesIstioSpec): Set<string> {
  const named = (spec.helmValues?.istiod as Values | undefined)?.revisionTags;
  if (!Array.isArray(named)) return new Set();
  return new Set(spec.revisionTags.map((t) => t.name).filter((n) => named.includes(n)));
}

/**
 * Keeps in each revision's istiod release only the `revisionTags` that belong to it: a tag
 * `spec.revisionTags` declares goes to the release of its revision alone, and `default` to the
 * default revision's alone (`helmValues.istiod` reaches every revision, and two releases that
 * render one tag collide on its Service). In place, as the plan's CA values are added. Pure.
 */
export function keepOwnTags(
  spec: KubernetesIstioSpec,
  defaultRevision: string,
  istiods: Map<string, PlannedRelease>,
): void {
  if (spec.revisions.length === 0) return;
  const target = new Map(spec.revisionTags.map((t) => [t.name, t.revision]));
  target.set("default", defaultRevision);
  for (const [revision, release] of istiods) {
    const tags = release.values.revisionTags;
    if (!Array.isArray(tags)) continue;
    const own = tags.filter((t) => !target.has(t) || target.get(t) === revision);
    if (own.length === tags.length) continue;
    // in place of the key, so the values keep their order
    release.values = Object.fromEntries(
      Object.entries(release.values).flatMap(([k, v]) =>
        k !== "revisionTags" ? [[k, v]] : own.length > 0 ? [[k, own]] : [],
      ),
    );
  }
}

/**
 * The revision tags of the plan: each one renders the target revision's istiod chart, with that
 * release's values and `revisionTags: [name]`, so the tag's webhook and Service are the chart's
 * own. Tags the release renders itself (`releaseRenderedTags`) are not drawn again. Pure.
 */
export function planTags(spec: KubernetesIstioSpec, istiods: Map<string, PlannedRelease>): PlannedTag[] {
  const inRelease = releaseRenderedTags(spec);
  return spec.revisionTags
    .filter((t) => !inRelease.has(t.name))
    .map((t) => {
      const release = istiods.get(t.revision);
      if (release === undefined) throw new Error(`tag ${t.name} names undeclared revision ${t.revision}`);
      return {
        name: t.name,
        revision: t.revision,
        release: release.name,
        chart: release.chart,
        source: release.source,
        version: release.version,
        namespace: release.namespace,
        values: { ...release.values, revisionTags: [t.name] },
      };
    });
}

/**
 * The workload namespaces of the plan: their injection labels (plus the manifest's), the
 * revision that injects them (tags resolved), and what must be ready before they are labelled
 * (the tag or istiod the label sends new pods to). Pure.
 */
export function planWorkloadNamespaces(
  spec: KubernetesIstioSpec,
  defaultRevision: string,
  defaultIstiod: string,
  istiods: Map<string, PlannedRelease>,
): PlannedWorkloadNamespace[] {
  const tags = new Map(spec.revisionTags.map((t) => [t.name, t.revision]));
  const inRelease = releaseRenderedTags(spec);
  return spec.namespaces.map((n) => {
    const injection = (n.injection || "SIDECAR") as PlannedWorkloadNamespace["injection"];
    const target = injection === "SIDECAR" ? n.revision : "";
    // the revision-less istiod labels the pods it injects `istio.io/rev: default`, and so does this
    const revision =
      injection !== "SIDECAR"
        ? ""
        : target === ""
          ? defaultRevision || "default"
          : (tags.get(target) ?? target);
    const dependsOn =
      injection !== "SIDECAR"
        ? [defaultIstiod]
        : tags.has(target) && !inRelease.has(target)
          ? [tagId(target)]
          : [istiods.get(revision)?.name ?? defaultIstiod];
    return {
      name: n.name,
      create: n.create === true,
      injection,
      target,
      revision,
      labels: { ...n.labels, ...injectionLabels(injection, target), ...waypointLabels(n) },
      dependsOn: [...dependsOn, ...waypointDependency(n)],
    };
  });
}

/**
 * The waypoint a namespace's label sends traffic to, which must exist before the label is set on
 * a namespace whose pods already run: another namespace's waypoint, or its own when planton only
 * labels the namespace. A namespace planton creates comes before its own waypoint; the program
 * sets its use-waypoint labels with a separate patch once the waypoint exists.
 */
function waypointDependency(n: KubernetesIstioSpec["namespaces"][number]): string[] {
  const w = n.waypoint;
  if (w === undefined || (w.namespace === "" && n.create === true)) return [];
  return [waypointId(w.namespace || n.name, w.name || defaultWaypointName)];
}

/** What the stack recorded about tags and namespaces at its last apply. */
export interface RecordedMembership {
  revisionTags: Record<string, string>;
  namespaces: { name: string; revision: string; labels: Record<string, string> }[];
}

/** A tag that appears, moves or goes. */
export interface TagChange {
  tag: string;
  kind: "create" | "move" | "delete";
  from?: string;
  to?: string;
}

/** A workload namespace whose labels or injecting revision change. */
export interface NamespaceChange {
  name: string;
  kind: "create" | "update" | "delete";
  /** planton creates the namespace itself (so no pod runs in it yet). */
  created: boolean;
  labelsBefore: Record<string, string>;
  labelsAfter: Record<string, string>;
  /** The revision injecting its pods before and after (tags resolved; "" when none). */
  revisionBefore: string;
  revisionAfter: string;
}

const sameLabels = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/** Tag and namespace changes between the recorded stack and the plan. Pure. */
export function diffMembership(
  plan: { mesh: { revisionTags: Record<string, string> }; workloadNamespaces: PlannedWorkloadNamespace[] },
  recorded: RecordedMembership,
): { tags: TagChange[]; namespaces: NamespaceChange[] } {
  const tags: TagChange[] = [];
  for (const [tag, to] of Object.entries(plan.mesh.revisionTags)) {
    const from = recorded.revisionTags[tag];
    if (from === undefined) tags.push({ tag, kind: "create", to });
    else if (from !== to) tags.push({ tag, kind: "move", from, to });
  }
  for (const [tag, from] of Object.entries(recorded.revisionTags))
    if (!(tag in plan.mesh.revisionTags)) tags.push({ tag, kind: "delete", from });
  const namespaces: NamespaceChange[] = [];
  const before = new Map(recorded.namespaces.map((n) => [n.name, n]));
  for (const n of plan.workloadNamespaces) {
    const b = before.get(n.name);
    if (b === undefined)
      namespaces.push({
        name: n.name,
        kind: "create",
        created: n.create,
        labelsBefore: {},
        labelsAfter: n.labels,
        revisionBefore: "",
        revisionAfter: n.revision,
      });
    else if (!sameLabels(b.labels, n.labels) || b.revision !== n.revision)
      namespaces.push({
        name: n.name,
        kind: "update",
        created: n.create,
        labelsBefore: b.labels,
        labelsAfter: n.labels,
        revisionBefore: b.revision,
        revisionAfter: n.revision,
      });
  }
  const planned = new Set(plan.workloadNamespaces.map((n) => n.name));
  for (const b of recorded.namespaces)
    if (!planned.has(b.name))
      namespaces.push({
        name: b.name,
        kind: "delete",
        created: false,
        labelsBefore: b.labels,
        labelsAfter: {},
        revisionBefore: b.revision,
        revisionAfter: "",
      });
  return { tags, namespaces };
}

/**
 * The namespaces whose pods run a proxy of another revision (or none) than the one that now
 * injects them: a namespace newly labelled, or whose injecting revision changed (a label change
 * or a tag that moved).
 */
export function namespacesToRestart(changes: NamespaceChange[]): string[] {
  return changes
    .filter(
      (c) =>
        c.kind !== "delete" &&
        !(c.kind === "create" && c.created) &&
        c.revisionAfter !== "" &&
        c.revisionBefore !== c.revisionAfter,
    )
    .map((c) => c.name);
}
