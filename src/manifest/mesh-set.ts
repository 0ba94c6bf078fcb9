import type { KubernetesIstioValid } from "../../gen/planton/kubernetes/istio/v1/api_pb.js";
import type { CaFacts } from "../istio/types.js";
import { readCaFacts } from "./ca.js";
import { type Diagnostic, diagnostic, sortDiagnostics } from "./diagnostic.js";
import type { ManifestSource } from "./load.js";
import { locatePath } from "./locate.js";
import { objectNamePart } from "../istio/multicluster.js";

/**
 * Several manifests given together (`planton apply -f east.yaml -f west.yaml`) make one mesh:
 * checks across them, each a diagnostic at the offending key of the file to change, and the
 * order in which their clusters are changed.
 */

/** One manifest of the set, loaded; `ca`: its plug-in CA's facts (read from its files when absent). */
export interface MeshSetItem {
  file: string;
  manifest: KubernetesIstioValid;
  source: ManifestSource;
  ca?: CaFacts | undefined;
}

const isRemote = (m: KubernetesIstioValid) => m.spec.profile === "remote";
const clusterOf = (m: KubernetesIstioValid) => m.spec.multiCluster?.clusterName ?? "";
const networkOf = (m: KubernetesIstioValid) => m.spec.multiCluster?.network ?? "";

/** The fingerprints of a plug-in CA's root certificates, sorted; undefined when unknown. */
function rootOf(facts: CaFacts | undefined): string | undefined {
  const roots = facts?.certificates.filter((c) => c.file === "root-cert.pem").map((c) => c.fingerprint);
  return roots !== undefined && roots.length > 0 ? roots.sort().join(",") : undefined;
}

/**
 * Checks that the manifests make one mesh: the same `meshId`; distinct cluster names (required);
 * distinct `metadata.name`s (each is a stack); one trust root among the primaries (a plug-in CA,
 * the same root in each: two self-signed istiods would sign with two roots); every remote and
 * primary named in a `multiCluster` block is one of the manifests, a primary names its remote
 * clusters among its `remotes`, and a primary serving remote clusters exposes its istiod; and
 * when networks differ, each cluster has an east-west gateway exposing its services. Reads the
 * plug-in CA's certificate files for items without `ca`, nothing else. One manifest: no checks.
 */
export function validateMeshSet(items: MeshSetItem[]): Diagnostic[] {
  if (items.length < 2) return [];
  const out: Diagnostic[] = [];
  const report = (
    item: MeshSetItem,
    path: string,
    code: string,
    message: string,
    hint: string,
    severity: Diagnostic["severity"] = "error",
  ) => {
    const where = locatePath(item.source.index, path);
    out.push(diagnostic(item.source.position(where.offset), where.display, code, message, hint, severity));
  };

  // stacks, mesh id, cluster names
  const stacks = new Map<string, MeshSetItem>();
  const clusters = new Map<string, MeshSetItem>();
  // cluster names as object-name parts (`East`, `east`, `EAST` alike; `east.1` as `east-1`): two
  // clusters whose names only differ so would name the same readers and remote secrets
  const spellings = new Map<string, string>();
  const meshId = items.map((i) => i.manifest.spec.multiCluster?.meshId ?? "").find((id) => id !== "") ?? "";
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
    const id = m.spec.multiCluster?.meshId ?? "";
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
    const name = clusterOf(m);
    if (name === "")
      report(
        item,
        "spec.multi_cluster.cluster_name",
        "mesh_set.cluster_name_required",
        "manifests given together make one mesh, and this cluster has no name in it",
        "set multiCluster.clusterName, unique in the mesh, e.g. the cluster's own name",
      );
    else if (spellings.has(objectNamePart(name))) {
      const first = spellings.get(objectNamePart(name)) ?? "";
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
    } else {
      clusters.set(name, item);
      spellings.set(objectNamePart(name), name);
    }
  }

  checkTrustRoot(items, report);

  /** A hint when `name` is a cluster of the set spelled otherwise: Istio compares cluster ids exactly. */
  const spelledAs = (name: string): string | undefined => {
    const own = spellings.get(objectNamePart(name));
    return own === undefined
      ? undefined
      : `write \`${own}\` as its manifest (${clusters.get(own)?.file}) spells it: istiod compares cluster names exactly`;
  };

  // references: remotes and primaries name manifests of the set
  for (const item of items) {
    const mc = item.manifest.spec.multiCluster;
    mc?.remotes.forEach((r, i) => {
      if (!clusters.has(r.clusterName))
        report(
          item,
          `spec.multi_cluster.remotes[${i}].cluster_name`,
          "mesh_set.remote_unknown",
          `no manifest given is cluster \`${r.clusterName}\``,
          spelledAs(r.clusterName) ??
            `give its manifest too (-f), or use one of the clusters given: ${[...clusters.keys()].join(", ")}`,
        );
    });
    const p = mc?.primary;
    if (p === undefined || !isRemote(item.manifest)) continue;
    const primary = clusters.get(p.clusterName);
    if (primary === undefined) {
      report(
        item,
        "spec.multi_cluster.primary.cluster_name",
        "mesh_set.primary_unknown",
        `no manifest given is cluster \`${p.clusterName}\``,
        spelledAs(p.clusterName) ??
          `give the primary's manifest too (-f), or use one of the clusters given: ${[...clusters.keys()].join(", ")}`,
      );
      continue;
    }
    if (isRemote(primary.manifest)) {
      report(
        item,
        "spec.multi_cluster.primary.cluster_name",
        "mesh_set.primary_is_remote",
        `\`${p.clusterName}\` (${primary.file}) is a remote cluster itself and runs no istiod`,
        "name a cluster whose profile is not remote",
      );
      continue;
    }
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

  // networks: clusters on other networks are reached through east-west gateways
  const networks = new Set(items.map((i) => networkOf(i.manifest)));
  if (networks.size > 1) {
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

  // a primary reads every other cluster's API, or their services stay unknown to its proxies
  for (const item of items) {
    if (isRemote(item.manifest)) continue;
    const read = new Set(item.manifest.spec.multiCluster?.remotes.map((r) => r.clusterName));
    const self = clusterOf(item.manifest);
    const missing = [...clusters.keys()].filter((c) => c !== self && !read.has(c));
    const servedHere = (c: string) => {
      const m = clusters.get(c)?.manifest;
      return m !== undefined && isRemote(m) && m.spec.multiCluster?.primary?.clusterName === self;
    };
    const rest = missing.filter((c) => !servedHere(c)); // those are reported above
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
  return sortDiagnostics(out);
}

type Report = (
  item: MeshSetItem,
  path: string,
  code: string,
  message: string,
  hint: string,
  severity?: Diagnostic["severity"],
) => void;

/** Two or more primaries sign with one root: each a plug-in CA (or each istio-csr), the same root certificate. */
function checkTrustRoot(items: MeshSetItem[], report: Report): void {
  const primaries = items.filter((i) => !isRemote(i.manifest));
  if (primaries.length < 2) return;
  const typeOf = (i: MeshSetItem) => i.manifest.spec.ca?.type || "SELF_SIGNED";
  const shared = primaries.map(typeOf).find((t) => t !== "SELF_SIGNED");
  let root: { fingerprint: string; file: string } | undefined;
  for (const item of primaries) {
    const type = typeOf(item);
    if (type === "SELF_SIGNED") {
      report(
        item,
        "spec.ca",
        "mesh_set.trust_root_self_signed",
        "every primary's istiod would sign with its own self-signed root, which the other clusters do not trust",
        "give every primary a plug-in CA signed by one root: ca: {type: PLUGIN, plugin: {directory: ./certs/<cluster>}}",
      );
      continue;
    }
    if (type !== shared) {
      report(
        item,
        "spec.ca.type",
        "mesh_set.trust_root_differs",
        `the CA type ${type} differs from ${shared} of the other primaries`,
        "use one kind of CA, with one root, in every primary",
      );
      continue;
    }
    if (type !== "PLUGIN") continue;
    const fingerprint = rootOf("ca" in item ? item.ca : readCaFacts(item.manifest));
    if (fingerprint === undefined) continue; // an existing Secret, or files validate reported
    if (root === undefined) root = { fingerprint, file: item.file };
    else if (root.fingerprint !== fingerprint)
      report(
        item,
        "spec.ca.plugin",
        "mesh_set.trust_root_differs",
        `root-cert.pem differs from the root of ${root.file}`,
        "sign every cluster's intermediate CA with the same root, and give that root-cert.pem to each",
      );
  }
}

/**
 * The wave of each manifest, by index: remote-profile clusters whose primary is in the set after
 * it (wave 1), everyone else first (wave 0). `remotes` links never order (two primaries read each
 * other); apply runs waves forward, destroy backward.
 */
export function meshSetWaves(items: Pick<MeshSetItem, "manifest">[]): number[] {
  const primaries = new Set(items.filter((i) => !isRemote(i.manifest)).map((i) => clusterOf(i.manifest)));
  return items.map((i) => {
    const p = i.manifest.spec.multiCluster?.primary?.clusterName ?? "";
    return isRemote(i.manifest) && p !== "" && primaries.has(p) ? 1 : 0;
  });
}

/** The set's files in waves (see `meshSetWaves`): `[[primaries…], [remotes…]]`, without empty waves. */
export function orderMeshSet(items: Pick<MeshSetItem, "file" | "manifest">[]): string[][] {
  const waves = meshSetWaves(items);
  const out: string[][] = [];
  for (const w of [0, 1]) {
    const files = items.filter((_, i) => waves[i] === w).map((i) => i.file);
    if (files.length > 0) out.push(files);
  }
  return out;
}
