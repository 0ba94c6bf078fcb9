import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import type { KubernetesIstioSpec } from "../../gen/planton/kubernetes/istio/v1/spec_pb.js";
import { componentReleaseNames, reservedReleaseNames } from "../istio/releases.js";
import { defaultEastWestGatewayName } from "../istio/defaults.js";
import { objectNamePart } from "../istio/multicluster.js";

/** One problem with the multi-cluster settings of one manifest, at a field path. */
export interface MultiClusterProblem {
  path: string;
  code: string;
  message: string;
  hint: string;
}

/**
 * Rules of one manifest's multi-cluster settings that CEL cannot position well: the `remote`
 * profile (its primary and cluster name required; revisions, revision tags, CNI, a mesh CA,
 * remotes, and the fields only the primary's istiod acts on — mtls, meshConfig, proxy,
 * controlPlane, container — refused), `primary` only with that profile, remote cluster names (unique, not this
 * cluster's, both compared as object names, `clusterName` needed beside them), and the east-west gateway (needs a network; its
 * name free). Reads the manifest as written (before defaults). Pure.
 */
export function checkMultiCluster(spec: KubernetesIstioSpec): MultiClusterProblem[] {
  const out: MultiClusterProblem[] = [];
  const add: Add = (path, code, message, hint) => out.push({ path, code, message, hint });
  if (spec.profile === "remote") checkRemoteProfile(spec, add);
  checkPrimary(spec, add);
  checkRemotes(spec, add);
  checkEastWestGateway(spec, add);
  return out;
}

type Add = (path: string, code: string, message: string, hint: string) => void;

const onPrimary = "set it on the primary's manifest";

/**
 * What a remote cluster cannot set, in report order. The fields only the primary's istiod acts
 * on (mtls and after): rendered with the remote profile (configMap false,
 * omitSidecarInjectorConfigMap, no Deployment) they reach nothing but the chart's `values` dump,
 * and the primary injects and configures this cluster's proxies with its own (the fidelity tests
 * render them).
 */
const refusedOnRemote: { set: (spec: KubernetesIstioSpec) => boolean; problem: MultiClusterProblem }[] = [
  {
    set: (spec) => spec.revisions.length > 0,
    problem: {
      path: "spec.revisions",
      code: "remote.revisions",
      message: "a remote cluster runs no istiod of its own, so it has no revisions",
      hint: "remove revisions (and defaultRevision) and set version; revisions belong to the primary",
    },
  },
  {
    set: (spec) => spec.revisionTags.length > 0,
    problem: {
      path: "spec.revision_tags",
      code: "remote.revision_tags",
      message: "a remote cluster has no revisions to tag",
      hint: "remove revisionTags; tag revisions on the primary",
    },
  },
  {
    set: (spec) => spec.cni?.enabled === true,
    problem: {
      path: "spec.cni.enabled",
      code: "remote.cni",
      message:
        "the primary's istiod injects this cluster's pods with its own CNI setting, so the CNI node agent cannot be chosen here",
      hint: "remove cni, or run this cluster as a primary",
    },
  },
  {
    set: (spec) => spec.ca !== undefined,
    problem: {
      path: "spec.ca",
      code: "remote.ca",
      message:
        "a remote cluster's proxies get their certificates from the primary's istiod, whose CA applies",
      hint: "remove ca here and set it on the primary",
    },
  },
  {
    set: (spec) => (spec.multiCluster?.remotes.length ?? 0) > 0,
    problem: {
      path: "spec.multi_cluster.remotes",
      code: "remote.remotes",
      message: "a remote cluster runs no istiod that could read other clusters",
      hint: "list this cluster under the primary's multiCluster.remotes instead",
    },
  },
  {
    set: (spec) => spec.mtls !== undefined,
    problem: {
      path: "spec.mtls",
      code: "remote.mtls",
      message:
        "the PeerAuthentication would be created in this cluster, where no istiod reads it: the primary's istiod reads mesh-wide policy only from its own cluster, so STRICT would not be enforced",
      hint: `remove mtls here; ${onPrimary} (it applies to this cluster's proxies too)`,
    },
  },
  {
    set: (spec) => spec.meshConfig !== undefined,
    problem: {
      path: "spec.mesh_config",
      code: "remote.mesh_config",
      message:
        "a remote cluster's proxies run with the primary's istiod's mesh config; the remote profile renders none",
      hint: `remove meshConfig here; ${onPrimary}`,
    },
  },
  {
    set: (spec) => spec.proxy !== undefined,
    problem: {
      path: "spec.proxy",
      code: "remote.proxy",
      message:
        "the primary's istiod injects this cluster's pods with its own sidecar settings; the remote profile renders no injector template",
      hint: `remove proxy here; ${onPrimary}`,
    },
  },
  {
    set: (spec) => spec.controlPlane !== undefined,
    problem: {
      path: "spec.control_plane",
      code: "remote.control_plane",
      message: "a remote cluster runs no istiod to size",
      hint: `remove controlPlane here; ${onPrimary}`,
    },
  },
  {
    set: (spec) => spec.container !== undefined,
    problem: {
      path: "spec.container",
      code: "remote.container",
      message: "a remote cluster runs no istiod container to size",
      hint: `remove container here; ${onPrimary}`,
    },
  },
  {
    set: (spec) => spec.eastWestGateway?.exposeIstiod === true && spec.eastWestGateway.enabled !== false,
    problem: {
      path: "spec.east_west_gateway.expose_istiod",
      code: "remote.expose_istiod",
      message: "a remote cluster has no istiod to expose",
      hint: "remove exposeIstiod; the primary's east-west gateway exposes its istiod",
    },
  },
];

/** Profile remote: its primary and cluster name are required, and what only a primary has is refused. */
function checkRemoteProfile(spec: KubernetesIstioSpec, add: Add): void {
  const mc = spec.multiCluster;
  if (mc?.primary === undefined)
    add(
      "spec.multi_cluster.primary",
      "remote.primary_required",
      "profile remote needs the primary cluster whose istiod serves this one",
      "add multiCluster.primary: {clusterName: <the primary's clusterName>, address: <its east-west gateway's IP or DNS name>}",
    );
  if ((mc?.clusterName ?? "") === "")
    add(
      "spec.multi_cluster.cluster_name",
      "remote.cluster_name_required",
      "profile remote needs this cluster's name in the mesh",
      "set multiCluster.clusterName; the primary's remote secret for this cluster uses the same name",
    );
  for (const { set, problem } of refusedOnRemote)
    if (set(spec)) add(problem.path, problem.code, problem.message, problem.hint);
}

/** `primary`: only with profile remote, and not this cluster itself. */
function checkPrimary(spec: KubernetesIstioSpec, add: Add): void {
  const mc = spec.multiCluster;
  const clusterName = mc?.clusterName ?? "";
  if (spec.profile !== "remote" && mc?.primary !== undefined)
    add(
      "spec.multi_cluster.primary",
      "multi_cluster.primary_without_remote",
      "primary is read only with profile remote",
      "set profile: remote to make this a remote cluster of that primary, or remove primary",
    );
  if (mc?.primary !== undefined && clusterName !== "" && mc.primary.clusterName === clusterName)
    add(
      "spec.multi_cluster.primary.cluster_name",
      "remote.primary_is_self",
      `\`${clusterName}\` is this cluster's own name`,
      "name the primary cluster, whose clusterName differs from this one's",
    );
}

/**
 * `remotes`: they need this cluster's name beside them; each is listed once and is not this
 * cluster, both compared as object names (`East` and `east` would name the same reader and Secret).
 */
function checkRemotes(spec: KubernetesIstioSpec, add: Add): void {
  const remotes = spec.multiCluster?.remotes ?? [];
  const clusterName = spec.multiCluster?.clusterName ?? "";
  if (remotes.length > 0 && clusterName === "" && spec.profile !== "remote")
    add(
      "spec.multi_cluster.cluster_name",
      "multi_cluster.cluster_name_required",
      "remotes need this cluster's name in the mesh",
      "set multiCluster.clusterName; the reader planton creates in each remote cluster is named after it",
    );
  const seen = new Map<string, string>();
  remotes.forEach((r, i) => {
    const path = `spec.multi_cluster.remotes[${i}].cluster_name`;
    if (r.clusterName === "") return;
    const key = objectNamePart(r.clusterName);
    const first = seen.get(key);
    if (first !== undefined)
      add(
        path,
        "multi_cluster.remotes_duplicate",
        first === r.clusterName
          ? `remote \`${r.clusterName}\` is listed twice`
          : `remote \`${r.clusterName}\` and \`${first}\` give the same remote secret and reader names (case, \`.\` and \`_\` aside)`,
        first === r.clusterName
          ? "list each remote cluster once"
          : "list each remote cluster once; clusters of the mesh need names that differ in more than case or punctuation",
      );
    else seen.set(key, r.clusterName);
    // compared as object names: `East` and `east` would name the same reader and Secret
    if (clusterName !== "" && key === objectNamePart(clusterName))
      add(
        path,
        "multi_cluster.remote_is_self",
        r.clusterName === clusterName
          ? `\`${r.clusterName}\` is this cluster's own name`
          : `\`${r.clusterName}\` and this cluster's name \`${clusterName}\` give the same object names (case, \`.\` and \`_\` aside)`,
        "istiod reads its own cluster without a remote secret; list only the other clusters, each under a name that differs from this one in more than case or punctuation",
      );
  });
}

/** The east-west gateway needs a network, and its name must be free. */
function checkEastWestGateway(spec: KubernetesIstioSpec, add: Add): void {
  const mc = spec.multiCluster;
  const ew = spec.eastWestGateway;
  if (ew !== undefined && ew.enabled !== false) {
    if ((mc?.network ?? "") === "")
      add(
        "spec.east_west_gateway",
        "east_west_gateway.network_required",
        "the east-west gateway is the gateway of this cluster's network, and no network is set",
        "set multiCluster.network, e.g. network1 (each network of the mesh needs its own name)",
      );
    const name = ew.name || defaultEastWestGatewayName;
    const path = ew.name !== "" ? "spec.east_west_gateway.name" : "spec.east_west_gateway";
    if ([...spec.ingressGateways, ...spec.egressGateways].some((g) => g.name === name))
      add(
        path,
        "east_west_gateway.name_taken",
        `\`${name}\` is also the name of an ingress or egress gateway`,
        "give the east-west gateway its own name (it is its Helm release and Service name)",
      );
    else if (reservedReleaseNames(spec.revisions.map((r) => r.name)).has(name))
      add(
        path,
        "gateway.name_reserved",
        `\`${name}\` is the name of one of planton's own Helm releases`,
        `rename the gateway (its name is its Helm release name); planton's releases are ${Object.values(componentReleaseNames).join(", ")} and istiod-<revision>`,
      );
  }
}

/**
 * Rewrites the remotes' kubeconfig paths as absolute ones (after validation), relative to the
 * manifest's folder and with `~` expanded, so the plan and the program read the same files
 * whatever the working directory. Empty stays empty ($KUBECONFIG, else ~/.kube/config).
 */
export function resolveRemotePaths(spec: KubernetesIstioSpec, manifestDir: string): void {
  for (const r of spec.multiCluster?.remotes ?? []) {
    const p = r.kubeconfig;
    if (p === "") continue;
    r.kubeconfig = p.startsWith("~/")
      ? join(homedir(), p.slice(2))
      : isAbsolute(p)
        ? p
        : resolve(manifestDir, p);
  }
}
