import * as k8s from "@kubernetes/client-node";
import { isNotFound, kubeCall } from "./api.js";
import type { ResolvedCluster } from "./kubeconfig.js";
import { poll } from "../poll.js";

/** A Deployment (or Service) by namespace and name. */
export interface ObjectRef {
  name: string;
  namespace: string;
}

/** Reads the external addresses of gateway Services (empty while pending or when unreadable). */
export async function serviceAddresses(
  cluster: ResolvedCluster,
  services: ObjectRef[],
): Promise<Record<string, string[]>> {
  const core = cluster.config.makeApiClient(k8s.CoreV1Api);
  const out: Record<string, string[]> = {};
  await Promise.all(
    services.map(async (s) => {
      const svc = await kubeCall("reading a gateway Service", () => core.readNamespacedService(s), {
        timeoutMs: 5000,
      }).catch(() => undefined);
      out[s.name] = (svc?.status?.loadBalancer?.ingress ?? [])
        .map((i) => i.ip ?? i.hostname ?? "")
        .filter((x) => x !== "");
    }),
  );
  return out;
}

/** True when every wanted replica of the Deployment is updated and available. */
export function deploymentReady(d: k8s.V1Deployment | undefined): boolean {
  if (d === undefined) return false;
  const want = d.spec?.replicas ?? 1;
  const observed = (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
  return observed && (d.status?.availableReplicas ?? 0) >= want && (d.status?.updatedReplicas ?? 0) >= want;
}

/**
 * Waits until each Deployment has all its replicas updated and available, polling every
 * `intervalMs` (all targets in parallel), until `timeoutMs` passes or `signal` aborts. Returns
 * those still not ready, as `namespace/name`.
 */
export async function waitForDeployments(
  cluster: ResolvedCluster,
  targets: ObjectRef[],
  options: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal; onWait?: (t: ObjectRef) => void },
): Promise<string[]> {
  const apps = cluster.config.makeApiClient(k8s.AppsV1Api);
  const read = (t: ObjectRef) => () =>
    kubeCall("reading a Deployment", () => apps.readNamespacedDeployment(t), { timeoutMs: 10_000 }).catch(
      (err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      },
    );
  const waitFor = async (t: ObjectRef) => {
    let told = false;
    const outcome = await poll(read(t), deploymentReady, {
      timeoutMs: options.timeoutMs,
      intervalMs: options.intervalMs ?? 1000,
      signal: options.signal,
      onPending: () => {
        if (!told) options.onWait?.(t);
        told = true;
      },
    });
    return outcome.state === "done" ? undefined : `${t.namespace}/${t.name}`;
  };
  const results = await Promise.all(targets.map(waitFor));
  return results.filter((x): x is string => x !== undefined);
}
