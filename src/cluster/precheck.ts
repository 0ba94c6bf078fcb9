import * as k8s from "@kubernetes/client-node";
import semver from "semver";
import { DeployError } from "../errors.js";
import { apiTimeoutMs, describeFailure, kubeCall } from "./api.js";
import { withDeadline } from "../poll.js";
import { type ResolvedCluster, unreachable } from "./kubeconfig.js";

/** The Kubernetes version the API server reports, parsed, and as it reports it (`v1.34.1-gke.100`). */
export interface ServerVersion {
  version: semver.SemVer;
  gitVersion: string;
}

/** Asks the API server its version; a server that does not answer is a clear error naming the context. */
export async function serverVersion(
  cluster: ResolvedCluster,
  timeoutMs = apiTimeoutMs,
): Promise<ServerVersion> {
  let info: k8s.VersionInfo;
  try {
    info = await withDeadline(() => cluster.config.makeApiClient(k8s.VersionApi).getCode(), timeoutMs);
  } catch (err) {
    throw unreachable(cluster, describeFailure(err));
  }
  // gitVersion is the precise one (v1.34.1-gke.100); major/minor may carry a '+' (EKS, GKE)
  const parsed =
    semver.coerce(info.gitVersion) ??
    semver.coerce(`${info.major.replace(/\D/g, "")}.${info.minor.replace(/\D/g, "")}`);
  if (parsed === null)
    throw new DeployError(
      `the cluster of context "${cluster.context}" reports an unreadable Kubernetes version (${JSON.stringify(info.gitVersion).slice(0, 60)})`,
      "check that the kubeconfig points at a Kubernetes API server",
    );
  return {
    version: parsed,
    gitVersion: /^v?\d+\.\d+[\w.+-]*$/.test(info.gitVersion) ? info.gitVersion : parsed.version,
  };
}

/** True when the server's `MAJOR.MINOR` is below `minimum` (`MAJOR.MINOR`). */
export function olderThan(server: ServerVersion, minimum: string): boolean {
  const { version } = server;
  const min = semver.coerce(minimum);
  return min !== null && semver.lt(`${version.major}.${version.minor}.0`, `${min.major}.${min.minor}.0`);
}

/** Refuses a cluster older than the minimum `MAJOR.MINOR` Istio needs. */
export function requireKubernetes(server: ServerVersion, minimum: string, istioVersion: string): void {
  const min = semver.coerce(minimum);
  if (min !== null && olderThan(server, minimum))
    throw new DeployError(
      `Kubernetes ${server.gitVersion} is older than ${min.major}.${min.minor}, the minimum for Istio ${istioVersion}`,
      "upgrade the cluster, or install an older Istio (spec.version)",
    );
}

/** An istiod Deployment found in the cluster. */
export interface ControlPlane {
  namespace: string;
  name: string;
  /** The Helm release that installed it (`meta.helm.sh/release-name`), if any. */
  release?: string;
  /** Its `istio.io/rev` label. */
  revision: string;
}

/** Every istiod Deployment in the cluster (one list call). */
export async function listControlPlanes(cluster: ResolvedCluster): Promise<ControlPlane[]> {
  const apps = cluster.config.makeApiClient(k8s.AppsV1Api);
  const list = await kubeCall(
    "listing istiod Deployments",
    () => apps.listDeploymentForAllNamespaces({ labelSelector: "app=istiod" }),
    { context: cluster.context },
  );
  return list.items.map((d) => {
    const release = d.metadata?.annotations?.["meta.helm.sh/release-name"];
    return {
      namespace: d.metadata?.namespace ?? "",
      name: d.metadata?.name ?? "",
      ...(release === undefined ? {} : { release }),
      revision: d.metadata?.labels?.["istio.io/rev"] ?? "default",
    };
  });
}

/** What a stack can prove it owns: its releases and the namespace of its control plane. */
export interface Ownership {
  /** Namespace the stack recorded for its control plane (or, before any apply, the planned one). */
  namespace: string;
  /** Helm releases the stack's state holds, by name → namespace. */
  releases: Map<string, string>;
}

/**
 * The control planes that are not the stack's own: an istiod counts as the stack's only when a
 * Helm release the stack records, in the namespace the stack records, installed it.
 */
export function foreignControlPlanes(all: ControlPlane[], own: Ownership): ControlPlane[] {
  return all.filter((d) => !(d.release !== undefined && own.releases.get(d.release) === d.namespace));
}

/** `ns/name (Helm release x)` for messages. */
export function describeControlPlane(d: ControlPlane): string {
  return `${d.namespace}/${d.name} (${d.release ? `Helm release ${d.release}` : "not installed by Helm"})`;
}
