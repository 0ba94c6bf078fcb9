import type { InstallPlan, PlannedRelease } from "../istio/types.js";
import { type GitopsCluster, managedBy } from "./types.js";

/**
 * A release's values as the GitOps tool sends them to the chart: the plan's values, plus the
 * revision tags that point at this release added to its `revisionTags`, which the istiod chart renders as the
 * tag's webhook and Service — the same objects planton takes from that rendering.
 */
export function releaseValues(plan: InstallPlan, release: PlannedRelease): Record<string, unknown> {
  const tags = plan.tags.filter((t) => t.release === release.name).map((t) => t.name);
  if (tags.length === 0) return release.values;
  const own = release.values.revisionTags; // the `default` tag, which the release renders itself
  const before = Array.isArray(own) ? (own as unknown[]) : [];
  return { ...release.values, revisionTags: [...new Set([...before, ...tags])] };
}

/** How an object the tool must never delete is marked (a namespace planton only labels). */
export interface KeepMarks {
  annotations: Record<string, string>;
}

/** A Namespace object holding only labels (and annotations) planton owns. */
function namespace(
  name: string,
  labels: Record<string, string>,
  annotations: Record<string, string>,
): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name, labels };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  return { apiVersion: "v1", kind: "Namespace", metadata };
}

/** Namespaces the plan creates, with their labels and annotations (Flux has no managed metadata). */
export function plannedNamespaces(plan: InstallPlan): Record<string, unknown>[] {
  return plan.namespaces.map((n) => namespace(n.name, n.labels, n.annotations ?? {}));
}

/**
 * The plan's objects other than releases, applied after every release: its custom resources
 * (PeerAuthentication, Telemetry, the east-west Gateway…), the workload namespaces it creates or
 * labels, and the labels it sets on a control-plane namespace it does not create. A namespace
 * planton only labels is marked with `keep`, so the tool never deletes it.
 */
export function otherObjects(plan: InstallPlan, keep: KeepMarks): Record<string, unknown>[] {
  const docs: Record<string, unknown>[] = [];
  for (const p of plan.namespacePatches ?? [])
    docs.push(namespace(p.name, p.labels, { ...p.annotations, ...keep.annotations }));
  for (const w of plan.workloadNamespaces)
    docs.push(
      w.create
        ? namespace(w.name, { ...managedBy, ...w.labels }, {})
        : namespace(w.name, w.labels, keep.annotations),
    );
  for (const o of plan.objects) docs.push(o.manifest as unknown as Record<string, unknown>);
  return docs;
}

/**
 * The Gateway API CRDs as the tool applies them: marked with `keep`, so neither a prune nor the
 * deletion of the Application or Kustomization deletes them (and with them every team's Gateway
 * and route), as `planton destroy` keeps them unless told `--purge-crds`.
 */
export function gatewayApiCrdDocs(c: GitopsCluster, keep: KeepMarks): Record<string, unknown>[] {
  return (c.gatewayApiCrds ?? []).map((crd) => {
    const metadata = (crd.metadata ?? {}) as Record<string, unknown>;
    const annotations = {
      ...(metadata.annotations as Record<string, string> | undefined),
      ...keep.annotations,
    };
    return { ...crd, metadata: { ...metadata, annotations } };
  });
}
