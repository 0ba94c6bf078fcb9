import * as k8s from "@kubernetes/client-node";
import { isNotFound, kubeCall } from "./api.js";
import type { ResolvedCluster } from "./kubeconfig.js";
import { poll } from "../poll.js";

/** Every namespace's labels, by name (one list call). */
export async function namespaceLabels(
  cluster: ResolvedCluster,
): Promise<Map<string, Record<string, string>>> {
  const core = cluster.config.makeApiClient(k8s.CoreV1Api);
  const list = await kubeCall("listing namespaces", () => core.listNamespace(), { context: cluster.context });
  return new Map(list.items.map((n) => [n.metadata?.name ?? "", n.metadata?.labels ?? {}]));
}

/**
 * Waits until each namespace is gone (its deletion finished), polling every `intervalMs`, until
 * `timeoutMs` passes or `signal` aborts. Returns those still there.
 */
export async function waitForNamespacesGone(
  cluster: ResolvedCluster,
  names: string[],
  options: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal },
): Promise<string[]> {
  const core = cluster.config.makeApiClient(k8s.CoreV1Api);
  const exists = (name: string) =>
    kubeCall(`reading namespace ${name}`, () => core.readNamespace({ name }), { timeoutMs: 10_000 }).then(
      () => true,
      (err: unknown) => {
        if (isNotFound(err)) return false;
        throw err;
      },
    );
  let left = [...names];
  const stillThere = async () => {
    const found = await Promise.all(left.map(exists));
    left = left.filter((_, i) => found[i]);
    return left;
  };
  if (left.length === 0) return left;
  await poll(stillThere, (still) => still.length === 0, {
    timeoutMs: options.timeoutMs,
    intervalMs: options.intervalMs ?? 250,
    signal: options.signal,
  });
  return left;
}

/** What `kubectl rollout restart` writes into a pod template to roll it. */
export const restartAnnotation = "kubectl.kubernetes.io/restartedAt";

const strategicMerge = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch);

/**
 * Rolls every Deployment, StatefulSet and DaemonSet of each namespace the way `kubectl rollout
 * restart` does (a new `restartedAt` annotation on the pod template), so their pods are
 * recreated and injected by the revision that now serves the namespace. Only the namespaces
 * given; returns `kind namespace/name` of each workload rolled.
 */
export async function restartWorkloads(
  cluster: ResolvedCluster,
  namespaces: string[],
  now: Date,
  onRestart: (what: string) => void,
): Promise<string[]> {
  const apps = cluster.config.makeApiClient(k8s.AppsV1Api);
  const body = {
    spec: { template: { metadata: { annotations: { [restartAnnotation]: now.toISOString() } } } },
  };
  const done: string[] = [];
  const opts = { context: cluster.context };
  for (const namespace of namespaces) {
    const [deployments, statefulSets, daemonSets] = await Promise.all([
      kubeCall(
        `listing Deployments in ${namespace}`,
        () => apps.listNamespacedDeployment({ namespace }),
        opts,
      ),
      kubeCall(
        `listing StatefulSets in ${namespace}`,
        () => apps.listNamespacedStatefulSet({ namespace }),
        opts,
      ),
      kubeCall(`listing DaemonSets in ${namespace}`, () => apps.listNamespacedDaemonSet({ namespace }), opts),
    ]);
    const targets = [
      ...deployments.items.map((o) => ["Deployment", o.metadata?.name] as const),
      ...statefulSets.items.map((o) => ["StatefulSet", o.metadata?.name] as const),
      ...daemonSets.items.map((o) => ["DaemonSet", o.metadata?.name] as const),
    ];
    for (const [kind, name] of targets) {
      if (name === undefined) continue;
      const what = `${kind} ${namespace}/${name}`;
      const req = { name, namespace, body };
      await kubeCall(
        `restarting ${what}`,
        () =>
          kind === "Deployment"
            ? apps.patchNamespacedDeployment(req, strategicMerge)
            : kind === "StatefulSet"
              ? apps.patchNamespacedStatefulSet(req, strategicMerge)
              : apps.patchNamespacedDaemonSet(req, strategicMerge),
        opts,
      );
      onRestart(what);
      done.push(what);
    }
  }
  return done;
}
