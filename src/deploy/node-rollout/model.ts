// The pure half of the node-by-node rollout of an ambient mesh's node agents: which nodes, in
// which order, which pods leave a node first, whether the versions allow it. No I/O.
import type { ReleaseChange } from "../../istio/upgrade.js";
import type { PlannedNodeAgents } from "../../istio/node-agents.js";
import { compareVersions, parseVersion } from "../../istio/versions.js";
import {
  type AgentFacts,
  type NodeFacts,
  type PodFacts,
  revisionHashLabel,
} from "../../cluster/node-facts.js";

export type { AgentFacts, NodeFacts, PodFacts };

const dataplaneMode = "istio.io/dataplane-mode";

/**
 * A pod of the ambient mesh that must leave a node before its ztunnel is replaced: its
 * connections run through that ztunnel. Meshed: labelled `istio.io/dataplane-mode=ambient`
 * itself, or in a namespace labelled so (unless the pod opts out with `none`), or already
 * captured (`ambient.istio.io/redirection: enabled`, set by the CNI agent). Not evicted, as with
 * `kubectl drain`: finished pods, pods on the host network (never captured), mirror pods and
 * DaemonSet pods (the DaemonSet would put them back on the cordoned node at once).
 */
export function podsToEvict(
  pods: PodFacts[],
  namespaceLabels: Map<string, Record<string, string>>,
): PodFacts[] {
  return pods.filter((p) => {
    if (p.phase === "Succeeded" || p.phase === "Failed" || p.deleting || p.hostNetwork) return false;
    if (p.ownerKinds.includes("DaemonSet") || "kubernetes.io/config.mirror" in p.annotations) return false;
    if (p.annotations["ambient.istio.io/redirection"] === "enabled") return true;
    const own = p.labels[dataplaneMode];
    if (own !== undefined) return own === "ambient";
    return namespaceLabels.get(p.namespace)?.[dataplaneMode] === "ambient";
  });
}

/** A node's agent pods that run an older template than their DaemonSet's. */
export interface OutdatedAgent {
  component: "cni" | "ztunnel";
  namespace: string;
  daemonSet: string;
  pod: string;
}

/** Node → its agent pods on an older template, CNI before ztunnel (the order a node takes them). */
export function outdatedAgents(agents: AgentFacts[]): Map<string, OutdatedAgent[]> {
  const out = new Map<string, OutdatedAgent[]>();
  const ordered = [...agents].sort((a, b) =>
    a.component === b.component ? 0 : a.component === "cni" ? -1 : 1,
  );
  for (const a of ordered)
    for (const p of a.pods) {
      if (p.deleting || p.labels[revisionHashLabel] === a.currentHash) continue;
      const list = out.get(p.node) ?? [];
      list.push({ component: a.component, namespace: a.namespace, daemonSet: a.daemonSet, pod: p.name });
      out.set(p.node, list);
    }
  return out;
}

/** One node's turn: the agent pods to replace (none: it only has to be uncordoned). */
export interface NodeStep {
  node: string;
  outdated: OutdatedAgent[];
  /** The node was schedulable before (or planton cordoned it): uncordon it when done. */
  uncordon: boolean;
}

/**
 * The nodes to roll, one at a time: first those a stopped rollout left cordoned, then every node
 * with an outdated agent pod, by name, so progress reads the same on every run. A node an
 * administrator cordoned stays cordoned.
 */
export function rolloutOrder(nodes: NodeFacts[], outdated: Map<string, OutdatedAgent[]>): NodeStep[] {
  const byName = [...nodes].sort((a, b) => a.name.localeCompare(b.name));
  const step = (n: NodeFacts): NodeStep => ({
    node: n.name,
    outdated: outdated.get(n.name) ?? [],
    uncordon: !n.unschedulable || n.cordonedByPlanton,
  });
  const leftover = byName.filter((n) => n.cordonedByPlanton);
  const rest = byName.filter((n) => !n.cordonedByPlanton && outdated.has(n.name));
  return [...leftover, ...rest].map(step);
}

/** Why the node agents may not be rolled to the plan's versions; undefined when they may. */
export interface SkewRefusal {
  message: string;
  hint: string;
}

/**
 * The skew rule of node agents: never newer than the control plane they connect to, at most one
 * minor version behind it. Checked for the versions the plan installs and, since the agents are
 * replaced after the control plane, for the versions running now (recorded in the stack) against
 * the new control plane.
 */
export function nodeAgentSkew(
  agents: PlannedNodeAgents,
  recorded: Record<string, { version: string }>,
): SkewRefusal | undefined {
  const cp = agents.controlPlaneVersion;
  for (const a of agents.agents)
    for (const [when, version] of [
      ["will run", a.version],
      ["runs", recorded[a.release]?.version],
    ] as const) {
      if (version === undefined) continue;
      const behind = minorsBehind(version, cp);
      if (compareVersions(version, cp) > 0)
        return {
          message: `${a.component} ${when} ${version}, newer than the control plane's ${cp}: node agents must never be newer than istiod`,
          hint: "planton replaces the node agents after istiod, so an in-place downgrade would run newer agents on an older istiod; go back with a canary revision (spec.revisions) instead",
        };
      if (behind > 1)
        return {
          message: `${a.component} ${when} ${version}, ${behind} minor versions behind the control plane's ${cp}: node agents may be at most one minor version behind istiod`,
          hint: `upgrade one minor version at a time: apply ${intermediate(version)} first`,
        };
    }
  return undefined;
}

function minorsBehind(agent: string, controlPlane: string): number {
  const a = parseVersion(agent);
  const c = parseVersion(controlPlane);
  if (a === undefined || c === undefined) return 0;
  return a.major !== c.major ? Number.POSITIVE_INFINITY : c.minor - a.minor;
}

function intermediate(from: string): string {
  const v = parseVersion(from);
  return v === undefined ? "an intermediate version" : `${v.major}.${v.minor + 1}.x`;
}

/**
 * Whether applying the plan changes a node agent DaemonSet that already runs (its chart version
 * or values), so a node-by-node rollout would follow: the releases that change.
 */
export function changedAgents(agents: PlannedNodeAgents | undefined, changes: ReleaseChange[]): string[] {
  if (agents === undefined || agents.upgrade !== "NODE_BY_NODE") return [];
  const names = new Set(agents.agents.map((a) => a.release));
  return changes.filter((c) => names.has(c.release) && c.kind === "update").map((c) => c.release);
}
