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

/** True when every replica of the StatefulSet runs its current template and is ready. */
export function statefulSetReady(s: k8s.V1StatefulSet | undefined): boolean {
  if (s === undefined) return false;
  const want = s.spec?.replicas ?? 1;
  const st = s.status;
  const observed = (st?.observedGeneration ?? 0) >= (s.metadata?.generation ?? 0);
  const current = st?.updateRevision === undefined || st.currentRevision === st.updateRevision;
  return observed && current && (st?.updatedReplicas ?? 0) >= want && (st?.readyReplicas ?? 0) >= want;
}

/** True when the DaemonSet's pod on every node it schedules to runs its template and is available. */
export function daemonSetReady(d: k8s.V1DaemonSet | undefined): boolean {
  if (d === undefined) return false;
  const st = d.status;
  const want = st?.desiredNumberScheduled ?? 0;
  const observed = (st?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
  return observed && (st?.updatedNumberScheduled ?? 0) >= want && (st?.numberAvailable ?? 0) >= want;
}

/**
 * Why a restarted workload will never roll by itself, or undefined: an `OnDelete` update
 * strategy (StatefulSet, DaemonSet), or a StatefulSet partition that holds some pods back.
 */
export function stillWhy(o: unknown): string | undefined {
  const spec = (
    o as { spec?: { updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } } } }
  )?.spec;
  if (spec?.updateStrategy?.type === "OnDelete")
    return "updateStrategy OnDelete: its pods roll only when deleted";
  const partition = spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  if (partition > 0) return `updateStrategy partition ${partition}: pods below it do not roll`;
  return undefined;
}

/** A workload `--restart-workloads` rolls: a Deployment, StatefulSet or DaemonSet. */
export interface WorkloadRef extends ObjectRef {
  kind: "Deployment" | "StatefulSet" | "DaemonSet";
}

type WaitOptions<T> = {
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  onWait?: (t: T) => void;
};

/**
 * Waits until each Deployment has all its replicas updated and available, polling every
 * `intervalMs` (all targets in parallel), until `timeoutMs` passes or `signal` aborts. Returns
 * those still not ready, as `namespace/name`.
 */
export async function waitForDeployments(
  cluster: ResolvedCluster,
  targets: ObjectRef[],
  options: WaitOptions<ObjectRef>,
): Promise<string[]> {
  const refs = targets.map((t) => ({ ...t, kind: "Deployment" as const }));
  const notReady = await waitForWorkloads(cluster, refs, options);
  return notReady.map((w) => w.slice("Deployment ".length));
}

/**
 * Waits until each workload runs its current template on every replica (or node) and is ready,
 * as `waitForDeployments` does. A StatefulSet or DaemonSet that never rolls by itself (`OnDelete`,
 * a partition) is reported at once, with why. Returns those still not ready, as
 * `Kind namespace/name`.
 */
export async function waitForWorkloads(
  cluster: ResolvedCluster,
  targets: WorkloadRef[],
  options: WaitOptions<WorkloadRef>,
): Promise<string[]> {
  const apps = cluster.config.makeApiClient(k8s.AppsV1Api);
  const readers = {
    Deployment: (t: ObjectRef) => apps.readNamespacedDeployment(t),
    StatefulSet: (t: ObjectRef) => apps.readNamespacedStatefulSet(t),
    DaemonSet: (t: ObjectRef) => apps.readNamespacedDaemonSet(t),
  };
  const ready = {
    Deployment: deploymentReady,
    StatefulSet: statefulSetReady,
    DaemonSet: daemonSetReady,
  } as Record<WorkloadRef["kind"], (o: unknown) => boolean>;
  const read = (t: WorkloadRef) => () =>
    kubeCall(
      `reading a ${t.kind}`,
      () => readers[t.kind]({ name: t.name, namespace: t.namespace }) as Promise<unknown>,
      {
        timeoutMs: 10_000,
      },
    ).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
  const waitFor = async (t: WorkloadRef) => {
    const what = `${t.kind} ${t.namespace}/${t.name}`;
    const still = stillWhy(await read(t)());
    if (still !== undefined) return `${what} (${still})`;
    let told = false;
    const outcome = await poll(read(t), ready[t.kind], {
      timeoutMs: options.timeoutMs,
      intervalMs: options.intervalMs ?? 1000,
      signal: options.signal,
      onPending: () => {
        if (!told) options.onWait?.(t);
        told = true;
      },
    });
    return outcome.state === "done" ? undefined : what;
  };
  const results = await Promise.all(targets.map(waitFor));
  return results.filter((x): x is string => x !== undefined);
}
