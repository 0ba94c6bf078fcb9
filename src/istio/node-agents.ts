import type { KubernetesIstioSpec } from "../../gen/planton/kubernetes/istio/v1/spec_pb.js";
import type { Values } from "./merge.js";
import type { PlannedRelease } from "./types.js";

/** How an ambient mesh's node agents (ztunnel and the CNI node agent) take a new version. */
export type NodeAgentUpgrade = "NODE_BY_NODE" | "ROLLING";

/** One node agent DaemonSet the plan installs. */
export interface PlannedNodeAgent {
  component: "cni" | "ztunnel";
  release: string;
  namespace: string;
  /** The DaemonSet's name (the cni chart's is fixed; ztunnel's follows `resourceName`). */
  daemonSet: string;
  version: string;
}

/** The plan's node agents, in the order a node takes them (CNI before ztunnel). */
export interface PlannedNodeAgents {
  upgrade: NodeAgentUpgrade;
  /** The version of the istiod the agents connect to (the default revision's). */
  controlPlaneVersion: string;
  agents: PlannedNodeAgent[];
}

/** `spec.ambient.upgrade` resolved: NODE_BY_NODE unless ROLLING; undefined outside the ambient profile. */
export function nodeAgentUpgrade(spec: KubernetesIstioSpec): NodeAgentUpgrade | undefined {
  if (spec.profile !== "ambient") return undefined;
  return spec.ambient?.upgrade === "ROLLING" ? "ROLLING" : "NODE_BY_NODE";
}

/**
 * The DaemonSet update strategy of the cni and ztunnel charts (§6, §7: key `updateStrategy`,
 * default RollingUpdate): `OnDelete` for a node-by-node upgrade, so a new template reaches a node
 * only when planton replaces its pod.
 * `rollingUpdate: null` drops the chart's default rolling parameters (rendered as null: absent).
 */
export function nodeAgentStrategy(spec: KubernetesIstioSpec): Values | undefined {
  if (nodeAgentUpgrade(spec) !== "NODE_BY_NODE") return undefined;
  return { type: "OnDelete", rollingUpdate: null };
}

/** What the deploy layer needs to roll the node agents; undefined outside the ambient profile. */
export function planNodeAgents(
  spec: KubernetesIstioSpec,
  releases: PlannedRelease[],
  istiodRelease: string,
): PlannedNodeAgents | undefined {
  const upgrade = nodeAgentUpgrade(spec);
  const istiod = releases.find((r) => r.name === istiodRelease);
  if (upgrade === undefined || istiod === undefined) return undefined;
  const agents = releases
    .filter((r) => r.component === "cni" || r.component === "ztunnel")
    .map((r) => ({
      component: r.component as "cni" | "ztunnel",
      release: r.name,
      namespace: r.namespace,
      daemonSet: r.component === "cni" ? "istio-cni-node" : ztunnelName(r.values),
      version: r.version,
    }));
  return { upgrade, controlPlaneVersion: istiod.version, agents };
}

function ztunnelName(values: Values): string {
  const name = values.resourceName;
  return typeof name === "string" && name !== "" ? name : "ztunnel";
}
