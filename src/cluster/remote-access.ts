import * as k8s from "@kubernetes/client-node";
import { stringify } from "yaml";
import { DeployError } from "../errors.js";
import { describeReadFailure, readFileBounded } from "../manifest/read-file.js";
import { poll, withDeadline } from "../poll.js";
import { describeFailure, isNotFound, kubeCall } from "./api.js";
import type { ResolvedCluster } from "./kubeconfig.js";

/** A service account's long-lived token and the cluster CA its token Secret carries (base64). */
export interface ServiceAccountToken {
  token: string;
  caCrt: string;
}

/**
 * Reads the token Kubernetes' token controller writes into a `kubernetes.io/service-account-token`
 * Secret, polling until it is there or `waitMs` is over. Undefined when it is not there (yet):
 * with `waitMs: 0` (a preview) that means "apply will create it". The token is returned to the
 * caller only; it is never part of an error message.
 */
export async function readServiceAccountToken(
  cluster: ResolvedCluster,
  namespace: string,
  name: string,
  options: { waitMs: number; pollMs?: number },
): Promise<ServiceAccountToken | undefined> {
  const core = cluster.config.makeApiClient(k8s.CoreV1Api);
  const readToken = async (): Promise<ServiceAccountToken | undefined> => {
    const secret = await kubeCall(
      `reading Secret ${namespace}/${name} in cluster of context "${cluster.context}"`,
      () => core.readNamespacedSecret({ namespace, name }),
      { context: cluster.context },
    ).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    const token = secret?.data?.token;
    if (token === undefined || token === "") return undefined;
    return { token: Buffer.from(token, "base64").toString("utf8"), caCrt: secret?.data?.["ca.crt"] ?? "" };
  };
  const read = await poll(readToken, (sa) => sa !== undefined, {
    timeoutMs: options.waitMs,
    intervalMs: options.pollMs ?? 200,
  });
  if (read.state === "done") return read.value;
  if (options.waitMs === 0) return undefined;
  throw new DeployError(
    `the token of Secret ${namespace}/${name} in the cluster of context "${cluster.context}" was not issued within ${Math.round(options.waitMs / 1000)}s`,
    "check that kube-controller-manager runs with its service-account token controller (--service-account-private-key-file) in that cluster",
  );
}

/** The remote cluster's API address and CA, as the kubeconfig that reaches it says. */
export function remoteEndpoint(cluster: ResolvedCluster): {
  server: string;
  caData: string;
  insecure: boolean;
} {
  const c = cluster.config.getCurrentCluster();
  if (c === null || c.server === "")
    throw new DeployError(
      `the context "${cluster.context}" of kubeconfig ${cluster.kubeconfigPath} names no cluster server`,
      "fix the kubeconfig of spec.multiCluster.remotes[]",
    );
  let caData = c.caData ?? "";
  if (caData === "" && c.caFile) caData = readClusterCa(c.caFile, cluster.kubeconfigPath);
  return { server: c.server, caData, insecure: c.skipTLSVerify === true };
}

/** A kubeconfig's certificate-authority file, bounded (a CA bundle is small), as base64. */
function readClusterCa(file: string, kubeconfigPath: string): string {
  const limit = 1024 * 1024;
  const r = readFileBounded(file, { limit });
  if (r.kind === "ok") return r.bytes.toString("base64");
  throw new DeployError(
    `the certificate-authority file ${file} of kubeconfig ${kubeconfigPath} ${describeReadFailure(r, limit)}`,
    "fix the kubeconfig of spec.multiCluster.remotes[]",
  );
}

/**
 * The kubeconfig istiod uses to read a remote cluster, as `istioctl create-remote-secret` writes
 * it: one cluster, one context and one user named after the remote cluster, authenticated by the
 * reader service account's token. The cluster CA is the remote kubeconfig's, else the one the
 * token Secret carries.
 */
export function remoteKubeconfig(
  clusterName: string,
  endpoint: { server: string; caData: string; insecure: boolean },
  sa: ServiceAccountToken,
): string {
  const caData = endpoint.caData !== "" ? endpoint.caData : sa.caCrt;
  const cluster: Record<string, unknown> = { server: endpoint.server };
  if (endpoint.insecure) cluster["insecure-skip-tls-verify"] = true;
  else if (caData !== "") cluster["certificate-authority-data"] = caData;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: clusterName, cluster }],
    contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
    "current-context": clusterName,
    preferences: {},
    users: [{ name: clusterName, user: { token: sa.token } }],
  });
}

/**
 * The kubeconfig istiod reads remote cluster `clusterName` with (see `remoteKubeconfig`), for
 * `server` ("": the remote kubeconfig's), once the reader's token Secret has a token (waiting up
 * to `waitMs`), and the token itself; undefined when it has none yet.
 */
export async function readerKubeconfig(
  cluster: ResolvedCluster,
  clusterName: string,
  reader: { namespace: string; tokenSecret: string },
  server: string,
  waitMs: number,
): Promise<{ kubeconfig: string; token: string } | undefined> {
  const sa = await readServiceAccountToken(cluster, reader.namespace, reader.tokenSecret, { waitMs });
  if (sa === undefined) return undefined;
  const endpoint = remoteEndpoint(cluster);
  return {
    token: sa.token,
    kubeconfig: remoteKubeconfig(clusterName, server === "" ? endpoint : { ...endpoint, server }, sa),
  };
}

/** Why a remote cluster's API does not answer (5 s deadline), or undefined when it does. */
export async function unreachableReason(
  cluster: ResolvedCluster,
  timeoutMs = 5_000,
): Promise<string | undefined> {
  try {
    await withDeadline(() => cluster.config.makeApiClient(k8s.VersionApi).getCode(), timeoutMs);
    return undefined;
  } catch (err) {
    return describeFailure(err);
  }
}
