// Writes of the node-by-node rollout: cordon and uncordon a node, evict a pod through the
// Eviction API (which enforces PodDisruptionBudgets), delete a node agent pod, and name the
// budgets that block an eviction.
import * as k8s from "@kubernetes/client-node";
import { DeployError } from "../errors.js";
import { httpStatus, isNotFound, kubeCall } from "./api.js";
import type { ResolvedCluster } from "./kubeconfig.js";
import { cordonAnnotation } from "./node-facts.js";

const mergePatch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);

/**
 * Cordons (or uncordons) a node. The annotation marks a cordon as planton's, so an apply after
 * one that was stopped before it could uncordon knows the node is its own to uncordon.
 */
export async function setCordon(
  cluster: ResolvedCluster,
  node: string,
  cordon: boolean,
  timeoutMs?: number,
): Promise<void> {
  const core = cluster.config.makeApiClient(k8s.CoreV1Api);
  const body = {
    metadata: { annotations: { [cordonAnnotation]: cordon ? "cordoned" : null } },
    spec: { unschedulable: cordon ? true : null },
  };
  await kubeCall(
    `${cordon ? "cordoning" : "uncordoning"} node ${node}`,
    () => core.patchNode({ name: node, body }, mergePatch),
    { context: cluster.context, ...(timeoutMs === undefined ? {} : { timeoutMs }) },
  );
}

/** How one eviction request ended. */
export type EvictionResult = "evicted" | "gone" | "blocked";

/**
 * Asks the Eviction API to evict one pod. `blocked` (HTTP 429): a PodDisruptionBudget allows no
 * disruption now; the caller waits and asks again, never deletes the pod itself.
 */
export async function evictPod(
  cluster: ResolvedCluster,
  namespace: string,
  name: string,
): Promise<EvictionResult> {
  const core = cluster.config.makeApiClient(k8s.CoreV1Api);
  const body: k8s.V1Eviction = {
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name, namespace },
  };
  try {
    await kubeCall(`evicting pod ${namespace}/${name}`, () =>
      core.createNamespacedPodEviction({ name, namespace, body }),
    );
    return "evicted";
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    if (isNotFound(err)) return "gone";
    if (httpStatus(err) === 429 || httpStatus(cause) === 429) return "blocked";
    if (err instanceof Error && /more than one PodDisruptionBudget/.test(err.message))
      throw new DeployError(
        `pod ${namespace}/${name} is selected by more than one PodDisruptionBudget, which the Eviction API refuses to evict`,
        "keep one PodDisruptionBudget per pod (merge them or narrow their selectors), then run apply again",
      );
    throw err;
  }
}

/** Deletes a pod (a node agent's, which its DaemonSet recreates); a pod already gone is fine. */
export async function deletePod(cluster: ResolvedCluster, namespace: string, name: string): Promise<void> {
  const core = cluster.config.makeApiClient(k8s.CoreV1Api);
  await kubeCall(`deleting pod ${namespace}/${name}`, () => core.deleteNamespacedPod({ name, namespace }), {
    context: cluster.context,
  }).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
}

/** The PodDisruptionBudgets that select a pod, each as `namespace/name (N disruptions allowed)`. */
export async function budgetsFor(
  cluster: ResolvedCluster,
  namespace: string,
  labels: Record<string, string>,
): Promise<string[]> {
  const policy = cluster.config.makeApiClient(k8s.PolicyV1Api);
  const list = await kubeCall(`listing PodDisruptionBudgets in ${namespace}`, () =>
    policy.listNamespacedPodDisruptionBudget({ namespace }),
  );
  return list.items
    .filter((b) => selects(b.spec?.selector, labels))
    .map(
      (b) => `${namespace}/${b.metadata?.name} (${b.status?.disruptionsAllowed ?? 0} disruptions allowed)`,
    );
}

/** Whether a label selector selects these labels (policy/v1: an empty selector selects every pod of the namespace, an absent one none). */
function selects(selector: k8s.V1LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (selector === undefined) return false;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every((e) => {
    const value = labels[e.key];
    switch (e.operator) {
      case "In":
        return value !== undefined && (e.values ?? []).includes(value);
      case "NotIn":
        return value === undefined || !(e.values ?? []).includes(value);
      case "Exists":
        return value !== undefined;
      case "DoesNotExist":
        return value === undefined;
      default:
        return false;
    }
  });
  return byLabels && byExpressions;
}
