// What the node-by-node rollout reads of nodes and pods: plain facts, no client, so the
// rollout's decisions (src/deploy/node-rollout/model.ts) stay pure.

/** What the rollout reads of a node. */
export interface NodeFacts {
  name: string;
  unschedulable: boolean;
  /** Cordoned by a planton rollout that was stopped before it could uncordon. */
  cordonedByPlanton: boolean;
}

/** What the rollout reads of a pod. */
export interface PodFacts {
  namespace: string;
  name: string;
  node: string;
  phase: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Kinds of its controller owner references (ReplicaSet, DaemonSet, …). */
  ownerKinds: string[];
  hostNetwork: boolean;
  ready: boolean;
  deleting: boolean;
}

/** One node agent DaemonSet as it runs: its current template's hash and its pods. */
export interface AgentFacts {
  component: "cni" | "ztunnel";
  namespace: string;
  daemonSet: string;
  /** `controller-revision-hash` of the DaemonSet's newest ControllerRevision. */
  currentHash: string;
  pods: PodFacts[];
}

/** The label the DaemonSet controller puts on each pod: the hash of the template it was made from. */
export const revisionHashLabel = "controller-revision-hash";
/** Marks a node a planton rollout cordoned, so a later apply uncordons it if the first was stopped. */
export const cordonAnnotation = "planton.io/node-rollout";
