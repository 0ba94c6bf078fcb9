// The checks of a mesh set (see ./mesh-set.ts): each a diagnostic at the offending key of the
// file to change.

import { objectNamePart } from "../istio/multicluster.js";
import type { CaFacts } from "../istio/types.js";
import type { Diagnostic } from "./diagnostic.js";
import type { ManifestSource } from "./load.js";
import type { KubernetesIstioValid } from "../../gen/planton/kubernetes/istio/v1/api_pb.js";

/** One manifest of the set, loaded; `ca`: its plug-in CA's facts (read from its files when absent). */
export interface MeshSetItem {
  file: string;
  manifest: KubernetesIstioValid;
  source: ManifestSource;
  ca?: CaFacts | undefined;
}

export type Report = (
  item: MeshSetItem,
  path: string,
  code: string,
  message: string,
  hint: string,
  severity?: Diagnostic["severity"],
) => void;

/** The set as the checks see it: its items, where to report, and its clusters by name once named. */
export interface MeshSetContext {
  items: MeshSetItem[];
  report: Report;
  /** Each cluster name's first manifest. */
  clusters: Map<string, MeshSetItem>;
  /**
   * Cluster names as object-name parts (`East`, `east`, `EAST` alike; `east.1` as `east-1`) → the
   * name as first written: two clusters whose names only differ so would name the same readers
   * and remote secrets.
   */
  spellings: Map<string, string>;
}

export const isRemote = (m: MeshSetItem["manifest"]) => m.spec.profile === "remote";
export const clusterOf = (m: MeshSetItem["manifest"]) => m.spec.multiCluster?.clusterName ?? "";
const networkOf = (m: MeshSetItem["manifest"]) => m.spec.multiCluster?.network ?? "";

/** Each manifest is its own stack: distinct `metadata.name`s. */
export function checkStackNames({ items, report }: MeshSetContext): void {
  const stacks = new Map<string, MeshSetItem>();
  for (const item of items) {
    const m = item.manifest;
    const other = stacks.get(m.metadata.name);
    if (other !== undefined)
      report(
        item,
        "metadata.name",
        "mesh_set.stack_name_taken",
        `\`${m.metadata.name}\` is also the name of ${other.file}: both would use one stack`,
        "give each cluster's manifest its own metadata.name, e.g. mesh-east and mesh-west",
      );
    else stacks.set(m.metadata.name, item);
  }
}

/** One `meshId`, set in every manifest. */
export function checkMeshId({ items, report }: MeshSetContext): void {
  const meshId = items.map((i) => i.manifest.spec.multiCluster?.meshId ?? "").find((id) => id !== "") ?? "";
  for (const item of items) {
    const id = item.manifest.spec.multiCluster?.meshId ?? "";
    if (id === "")
      report(
        item,
        "spec.multi_cluster.mesh_id",
        "mesh_set.mesh_id_required",
        "manifests given together make one mesh, and this one names no mesh",
        meshId !== ""
          ? `set multiCluster.meshId: ${meshId}, as the others do`
          : "set the same multiCluster.meshId in every manifest, e.g. mesh1",
      );
    else if (id !== meshId)
      report(
        item,
        "spec.multi_cluster.mesh_id",
        "mesh_set.mesh_id_differs",
        `mesh \`${id}\` differs from \`${meshId}\` of the other manifests`,
        `use one meshId in every cluster of the mesh (\`${meshId}\`), or apply the meshes separately`,
      );
  }
}

/** Distinct cluster names (required), also as object names; fills `clusters` and `spellings`. */
export function checkClusterNames({ items, report, clusters, spellings }: MeshSetContext): void {
  for (const item of items) {
    const name = clusterOf(item.manifest);
    const first = spellings.get(objectNamePart(name));
    if (name === "")
      report(
        item,
        "spec.multi_cluster.cluster_name",
        "mesh_set.cluster_name_required",
        "manifests given together make one mesh, and this cluster has no name in it",
        "set multiCluster.clusterName, unique in the mesh, e.g. the cluster's own name",
      );
    else if (first !== undefined)
      report(
        item,
        "spec.multi_cluster.cluster_name",
        "mesh_set.cluster_name_taken",
        first === name
          ? `cluster \`${name}\` is also the cluster of ${clusters.get(first)?.file}`
          : `cluster \`${name}\` and \`${first}\` of ${clusters.get(first)?.file} give the same object names (case, \`.\` and \`_\` aside)`,
        first === name
          ? "give every cluster of the mesh its own clusterName"
          : "give every cluster of the mesh its own clusterName, differing in more than case or punctuation (the readers and remote secrets are named after it)",
      );
    else {
      clusters.set(name, item);
      spellings.set(objectNamePart(name), name);
    }
  }
}

/** A hint when `name` is a cluster of the set spelled otherwise: Istio compares cluster ids exactly. */
function spelledAs({ clusters, spellings }: MeshSetContext, name: string): string | undefined {
  const own = spellings.get(objectNamePart(name));
  return own === undefined
    ? undefined
    : `write \`${own}\` as its manifest (${clusters.get(own)?.file}) spells it: istiod compares cluster names exactly`;
}

/** Every cluster a `multiCluster.remotes` entry names is one of the manifests. */
export function checkRemotesKnown(ctx: MeshSetContext): void {
  const { items, report, clusters } = ctx;
  for (const item of items)
    item.manifest.spec.multiCluster?.remotes.forEach((r, i) => {
      if (!clusters.has(r.clusterName))
        report(
          item,
          `spec.multi_cluster.remotes[${i}].cluster_name`,
          "mesh_set.remote_unknown",
          `no manifest given is cluster \`${r.clusterName}\``,
          spelledAs(ctx, r.clusterName) ??
            `give its manifest too (-f), or use one of the clusters given: ${[...clusters.keys()].join(", ")}`,
        );
    });
}

/**
 * Each remote cluster's primary is one of the manifests and not remote itself; it reads the
 * remote cluster (names it among its `remotes`) and exposes its istiod through its east-west
 * gateway.
 */
export function checkPrimaries(ctx: MeshSetContext): void {
  for (const item of ctx.items) {
    const p = item.manifest.spec.multiCluster?.primary;
    if (p === undefined || !isRemote(item.manifest)) continue;
    const primary = knownPrimary(ctx, item, p.clusterName);
    if (primary !== undefined) checkPrimaryServes(ctx.report, item, primary);
  }
}

/** The manifest of a remote cluster's primary, when it is one of the set and runs an istiod. */
function knownPrimary(ctx: MeshSetContext, item: MeshSetItem, name: string): MeshSetItem | undefined {
  const primary = ctx.clusters.get(name);
  if (primary === undefined)
    ctx.report(
      item,
      "spec.multi_cluster.primary.cluster_name",
      "mesh_set.primary_unknown",
      `no manifest given is cluster \`${name}\``,
      spelledAs(ctx, name) ??
        `give the primary's manifest too (-f), or use one of the clusters given: ${[...ctx.clusters.keys()].join(", ")}`,
    );
  else if (isRemote(primary.manifest))
    ctx.report(
      item,
      "spec.multi_cluster.primary.cluster_name",
      "mesh_set.primary_is_remote",
      `\`${name}\` (${primary.file}) is a remote cluster itself and runs no istiod`,
      "name a cluster whose profile is not remote",
    );
  else return primary;
  return undefined;
}

/** The primary reads the remote cluster `item` and exposes its istiod to it. */
function checkPrimaryServes(report: Report, item: MeshSetItem, primary: MeshSetItem): void {
  const self = clusterOf(item.manifest);
  const pmc = primary.manifest.spec.multiCluster;
  if (self !== "" && !(pmc?.remotes ?? []).some((r) => r.clusterName === self))
    report(
      primary,
      "spec.multi_cluster.remotes",
      "mesh_set.remote_not_read",
      `remote cluster \`${self}\` (${item.file}) uses this cluster's istiod, which does not read it`,
      `add {clusterName: ${self}, context: <its context>} to multiCluster.remotes`,
    );
  const ew = primary.manifest.spec.eastWestGateway;
  if (ew === undefined || ew.enabled === false || ew.exposeIstiod !== true)
    report(
      primary,
      ew === undefined ? "spec.east_west_gateway" : "spec.east_west_gateway.expose_istiod",
      "mesh_set.istiod_not_exposed",
      `remote cluster \`${self}\` (${item.file}) reaches this istiod through the east-west gateway, which does not expose it`,
      "set eastWestGateway: {exposeIstiod: true} and give its address as the remote's multiCluster.primary.address",
    );
}

/** When networks differ, each cluster names its network and has an east-west gateway exposing its services. */
export function checkNetworks({ items, report }: MeshSetContext): void {
  const networks = new Set(items.map((i) => networkOf(i.manifest)));
  if (networks.size < 2) return;
  for (const item of items) {
    const net = networkOf(item.manifest);
    if (net === "") {
      report(
        item,
        "spec.multi_cluster.network",
        "mesh_set.network_required",
        `the other clusters name their networks (${[...networks].filter(Boolean).join(", ")}), this one does not`,
        "set multiCluster.network: the same name as a cluster whose pods it reaches directly, else its own",
      );
      continue;
    }
    const ew = item.manifest.spec.eastWestGateway;
    if (ew === undefined || ew.enabled === false || ew.exposeServices === false)
      report(
        item,
        ew === undefined || ew.enabled === false
          ? "spec.east_west_gateway"
          : "spec.east_west_gateway.expose_services",
        "mesh_set.network_unreachable",
        `network \`${net}\` is reached from the other networks only through an east-west gateway exposing its services`,
        "add eastWestGateway: {} (it exposes services by default)",
      );
  }
}

/** A primary reads every other cluster's API, or their services stay unknown to its proxies (a warning). */
export function checkClustersRead({ items, report, clusters }: MeshSetContext): void {
  for (const item of items) {
    if (isRemote(item.manifest)) continue;
    const read = new Set(item.manifest.spec.multiCluster?.remotes.map((r) => r.clusterName));
    const self = clusterOf(item.manifest);
    const servedHere = (c: string) => {
      const m = clusters.get(c)?.manifest;
      return m !== undefined && isRemote(m) && m.spec.multiCluster?.primary?.clusterName === self;
    };
    // the remote clusters this one serves are checkPrimaries' to report
    const rest = [...clusters.keys()].filter((c) => c !== self && !read.has(c) && !servedHere(c));
    if (self !== "" && rest.length > 0)
      report(
        item,
        "spec.multi_cluster.remotes",
        "mesh_set.cluster_not_read",
        `istiod of \`${self}\` does not read ${rest.map((c) => `\`${c}\``).join(", ")}: services there stay unknown to its proxies`,
        "list every other cluster of the mesh in multiCluster.remotes",
        "warning",
      );
  }
}
