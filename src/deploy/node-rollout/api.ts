// The cluster calls the node-by-node rollout makes, as one interface: the rollout is driven by
// the cluster/ functions in apply, and by an in-memory cluster in its unit tests.
import { budgetsFor, deletePod, type EvictionResult, evictPod, setCordon } from "../../cluster/drain.js";
import type { ResolvedCluster } from "../../cluster/kubeconfig.js";
import { namespaceLabels } from "../../cluster/namespaces.js";
import { type AgentRef, podGone, podsOnNode, readAgents, readNodes } from "../../cluster/node-agents.js";
import type { AgentFacts, NodeFacts, PodFacts } from "./model.js";

export interface NodeRolloutApi {
  readAgents(refs: AgentRef[], options: { timeoutMs: number; signal?: AbortSignal }): Promise<AgentFacts[]>;
  readNodes(): Promise<NodeFacts[]>;
  podsOnNode(node: string): Promise<PodFacts[]>;
  namespaceLabels(): Promise<Map<string, Record<string, string>>>;
  setCordon(node: string, cordon: boolean): Promise<void>;
  evictPod(namespace: string, name: string): Promise<EvictionResult>;
  budgetsFor(namespace: string, labels: Record<string, string>): Promise<string[]>;
  podGone(namespace: string, name: string): Promise<boolean>;
  deletePod(namespace: string, name: string): Promise<void>;
}

/** The rollout's calls on a real cluster. */
export function clusterRolloutApi(cluster: ResolvedCluster): NodeRolloutApi {
  return {
    readAgents: (refs, options) => readAgents(cluster, refs, options),
    readNodes: () => readNodes(cluster),
    podsOnNode: (node) => podsOnNode(cluster, node),
    namespaceLabels: () => namespaceLabels(cluster),
    setCordon: (node, cordon) => setCordon(cluster, node, cordon),
    evictPod: (namespace, name) => evictPod(cluster, namespace, name),
    budgetsFor: (namespace, labels) => budgetsFor(cluster, namespace, labels),
    podGone: (namespace, name) => podGone(cluster, namespace, name),
    deletePod: (namespace, name) => deletePod(cluster, namespace, name),
  };
}
