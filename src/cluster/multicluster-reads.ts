// `planton status`: the reads only a multi-cluster mesh needs (the checks are in deploy/status/).

import * as k8s from "@kubernetes/client-node";
import type { InstallPlan } from "../istio/types.js";
import { isNotFound, kubeCall } from "./api.js";
import type { ResolvedCluster } from "./kubeconfig.js";

/** The Service a remote cluster's webhooks call: the istiod chart's remote profile names it `istiod`. */
export const remoteIstiodService = "istiod";

/**
 * A remote secret as status keeps it: its metadata and the names of its non-empty data keys.
 * The kubeconfig itself (and its token) is dropped as soon as the Secret is read.
 */
export interface RemoteSecretRecord {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  dataKeys: string[];
}

/**
 * What only a multi-cluster mesh needs read: absent for a single-cluster plan, and in tests
 * that do not need it.
 */
export interface MultiClusterReads {
  /** Profile remote: the EndpointSlices of the control-plane namespace's `istiod` Service. */
  istiodEndpointSlices?: k8s.V1EndpointSlice[];
  /** `spec.multiCluster.remotes`: each planned remote secret as found, or undefined when it is missing. */
  remoteSecrets?: Record<string, RemoteSecretRecord | undefined>;
}

/** A remote secret's metadata and non-empty data key names; the values go no further. */
export function remoteSecretRecord(s: k8s.V1Secret): RemoteSecretRecord {
  return {
    labels: { ...(s.metadata?.labels ?? {}) },
    annotations: { ...(s.metadata?.annotations ?? {}) },
    dataKeys: Object.entries(s.data ?? {})
      .filter(([, v]) => v !== "")
      .map(([k]) => k)
      .sort(),
  };
}

type Call = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

/** Profile remote: the EndpointSlices of the `istiod` Service (one list call). */
async function readIstiodEndpointSlices(cluster: ResolvedCluster, ns: string, call: Call) {
  const discovery = cluster.config.makeApiClient(k8s.DiscoveryV1Api);
  const list = await call(`listing the EndpointSlices of ${ns}/${remoteIstiodService}`, () =>
    discovery.listNamespacedEndpointSlice({
      namespace: ns,
      labelSelector: `kubernetes.io/service-name=${remoteIstiodService}`,
    }),
  );
  return list.items;
}

/** Each planned remote secret by name (never a list of the namespace's Secrets, which hold the CA's keys). */
async function readRemoteSecrets(cluster: ResolvedCluster, plan: InstallPlan, call: Call) {
  const core = cluster.config.makeApiClient(k8s.CoreV1Api);
  const secrets: Record<string, RemoteSecretRecord | undefined> = {};
  await Promise.all(
    plan.remotes.map((r) =>
      call(`reading Secret ${r.secret.namespace}/${r.secret.name}`, () =>
        core.readNamespacedSecret({ name: r.secret.name, namespace: r.secret.namespace }),
      ).then(
        (s) => {
          secrets[r.clusterName] = remoteSecretRecord(s);
        },
        (err: unknown) => {
          if (!isNotFound(err)) throw err;
          secrets[r.clusterName] = undefined;
        },
      ),
    ),
  );
  return secrets;
}

/**
 * Reads what the multi-cluster checks need, only when the plan has it: for profile remote the
 * `istiod` Service's EndpointSlices, for each planned remote secret that Secret by name. A remote
 * secret is kept as its labels, annotations and data key names: its kubeconfig is never kept or
 * decoded.
 */
export async function readMultiCluster(
  cluster: ResolvedCluster,
  plan: InstallPlan,
): Promise<MultiClusterReads> {
  const call: Call = (what, fn) => kubeCall(what, fn, { context: cluster.context });
  const ns = plan.mesh.namespace;
  const [istiodEndpointSlices, remoteSecrets] = await Promise.all([
    plan.mesh.profile === "remote" ? readIstiodEndpointSlices(cluster, ns, call) : undefined,
    plan.remotes.length > 0 ? readRemoteSecrets(cluster, plan, call) : undefined,
  ]);
  return {
    ...(istiodEndpointSlices === undefined ? {} : { istiodEndpointSlices }),
    ...(remoteSecrets === undefined ? {} : { remoteSecrets }),
  };
}
