// Reads for the node-by-node rollout of ambient node agents: nodes, the agents' DaemonSets with
// their current template hash, and the pods on a node. Each object is reduced to the facts the
// rollout's pure model takes (src/deploy/node-rollout/model.ts).
import * as k8s from "@kubernetes/client-node";
import {
  type AgentFacts,
  cordonAnnotation,
  type NodeFacts,
  type PodFacts,
  revisionHashLabel,
} from "./node-facts.js";
import { poll } from "../poll.js";
import { isNotFound, kubeCall } from "./api.js";
import type { ResolvedCluster } from "./kubeconfig.js";

/** A node agent DaemonSet to read. */
export interface AgentRef {
  component: "cni" | "ztunnel";
  namespace: string;
  daemonSet: string;
}

/** Every node's name and whether it is cordoned (and by whom). */
export async function readNodes(cluster: ResolvedCluster): Promise<NodeFacts[]> {
  const core = cluster.config.makeApiClient(k8s.CoreV1Api);
  const list = await kubeCall("listing nodes", () => core.listNode(), { context: cluster.context });
  return list.items.map((n) => ({
    name: n.metadata?.name ?? "",
    unschedulable: n.spec?.unschedulable === true,
    cordonedByPlanton: n.metadata?.annotations?.[cordonAnnotation] !== undefined,
  }));
}

/** A pod as the rollout's model sees it. */
export function podFacts(p: k8s.V1Pod): PodFacts {
  return {
    namespace: p.metadata?.namespace ?? "",
    name: p.metadata?.name ?? "",
    node: p.spec?.nodeName ?? "",
    phase: p.status?.phase ?? "",
    labels: p.metadata?.labels ?? {},
    annotations: p.metadata?.annotations ?? {},
    ownerKinds: (p.metadata?.ownerReferences ?? []).filter((o) => o.controller).map((o) => o.kind),
    hostNetwork: p.spec?.hostNetwork === true,
    ready: (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
    deleting: p.metadata?.deletionTimestamp !== undefined,
  };
}

/** The pods scheduled on one node, in every namespace. */
export async function podsOnNode(cluster: ResolvedCluster, node: string): Promise<PodFacts[]> {
  const core = cluster.config.makeApiClient(k8s.CoreV1Api);
  const list = await kubeCall(
    `listing the pods on node ${node}`,
    () => core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` }),
    { context: cluster.context },
  );
  return list.items.map(podFacts);
}

/** True when the pod no longer exists (its eviction or deletion finished). */
export async function podGone(cluster: ResolvedCluster, namespace: string, name: string): Promise<boolean> {
  const core = cluster.config.makeApiClient(k8s.CoreV1Api);
  return kubeCall(`reading pod ${namespace}/${name}`, () => core.readNamespacedPod({ namespace, name }), {
    context: cluster.context,
  }).then(
    () => false,
    (err: unknown) => {
      if (isNotFound(err)) return true;
      throw err;
    },
  );
}

const selectorOf = (ds: k8s.V1DaemonSet): string =>
  Object.entries(ds.spec?.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(",");

/**
 * Each node agent DaemonSet that exists: the hash of its newest template (from its newest
 * ControllerRevision, once the DaemonSet controller has seen the latest spec, waited for up to
 * `timeoutMs`) and its pods.
 */
export async function readAgents(
  cluster: ResolvedCluster,
  refs: AgentRef[],
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<AgentFacts[]> {
  const apps = cluster.config.makeApiClient(k8s.AppsV1Api);
  const core = cluster.config.makeApiClient(k8s.CoreV1Api);
  const opts = { context: cluster.context };
  const out: AgentFacts[] = [];
  for (const ref of refs) {
    const { namespace, daemonSet: name } = ref;
    const read = () =>
      kubeCall(
        `reading DaemonSet ${namespace}/${name}`,
        () => apps.readNamespacedDaemonSet({ namespace, name }),
        opts,
      ).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
    const seen = (ds: k8s.V1DaemonSet | undefined) =>
      ds === undefined || (ds.status?.observedGeneration ?? 0) >= (ds.metadata?.generation ?? 0);
    const outcome = await poll(read, seen, {
      timeoutMs: options.timeoutMs,
      intervalMs: 500,
      signal: options.signal,
    });
    const ds = outcome.value;
    if (ds === undefined || outcome.state !== "done") continue;
    const labelSelector = selectorOf(ds);
    const [revisions, pods] = await Promise.all([
      kubeCall(
        `listing ControllerRevisions of ${namespace}/${name}`,
        () => apps.listNamespacedControllerRevision({ namespace, labelSelector }),
        opts,
      ),
      kubeCall(
        `listing the pods of ${namespace}/${name}`,
        () => core.listNamespacedPod({ namespace, labelSelector }),
        opts,
      ),
    ]);
    const uid = ds.metadata?.uid;
    const newest = revisions.items
      .filter((r) => (r.metadata?.ownerReferences ?? []).some((o) => o.uid === uid))
      .sort((a, b) => b.revision - a.revision)[0];
    const currentHash = newest?.metadata?.labels?.[revisionHashLabel];
    if (currentHash === undefined) continue;
    const owned = pods.items.filter((p) => (p.metadata?.ownerReferences ?? []).some((o) => o.uid === uid));
    out.push({ ...ref, currentHash, pods: owned.map(podFacts) });
  }
  return out;
}

/** How many nodes a DaemonSet runs on now (0 when it does not exist). */
export async function daemonSetNodes(
  cluster: ResolvedCluster,
  namespace: string,
  name: string,
): Promise<number> {
  const apps = cluster.config.makeApiClient(k8s.AppsV1Api);
  const ds = await kubeCall(
    `reading DaemonSet ${namespace}/${name}`,
    () => apps.readNamespacedDaemonSet({ namespace, name }),
    { context: cluster.context },
  ).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
  return ds?.status?.desiredNumberScheduled ?? 0;
}
