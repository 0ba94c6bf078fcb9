import * as k8s from "@kubernetes/client-node";
import semverCoerce from "semver/functions/coerce.js";
import { kubeCall } from "./api.js";
import type { ResolvedCluster } from "./kubeconfig.js";

/** A pod that runs an Istio proxy, reduced to what precheck needs. */
export interface ProxyPod {
  namespace: string;
  name: string;
  /** `Running`, `Pending`, `Succeeded`, `Failed` or `Unknown`. */
  phase: string;
  /**
   * `sidecar`: injected into an application pod; `waypoint`: an ambient waypoint istiod deployed
   * (`gateway.istio.io/managed=istio.io-mesh-controller`); `gateway`: another pod that is only a
   * proxy; `ztunnel`.
   */
  kind: "sidecar" | "waypoint" | "gateway" | "ztunnel";
  /** The revision that injected it (`istio.io/rev` label or `sidecar.istio.io/status`); "" for ztunnel. */
  revision: string;
  /** The proxy's image. */
  image: string;
  /** `MAJOR.MINOR.PATCH` from the image tag; undefined when the tag names no version. */
  version: string | undefined;
  /** The kind/name of the pod's controller, for example `ReplicaSet/shop-7d9c`. */
  owner: string;
  /**
   * True when a controller `--restart-workloads` rolls owns the pod: a Deployment's ReplicaSet
   * (named `<deployment>-<pod-template-hash>`), a StatefulSet or a DaemonSet. Not a bare pod, a
   * Job's, or a ReplicaSet of another controller (an Argo Rollout's).
   */
  restartable: boolean;
}

/** True when the controller reference is one `--restart-workloads` rolls (see `restartable`). */
function rolledController(owner: k8s.V1OwnerReference | undefined, labels: Record<string, string>): boolean {
  if (owner === undefined) return false;
  if (owner.kind === "StatefulSet" || owner.kind === "DaemonSet") return true;
  const hash = labels["pod-template-hash"];
  return owner.kind === "ReplicaSet" && hash !== undefined && owner.name.endsWith(`-${hash}`);
}

/** Pods per page: 2,000 pods are four round trips. */
const pageSize = 500;

/** The revision recorded in `sidecar.istio.io/status` (JSON), if any. */
function statusRevision(annotation: string | undefined): string | undefined {
  if (annotation === undefined) return undefined;
  try {
    const r = (JSON.parse(annotation) as { revision?: unknown }).revision;
    return typeof r === "string" && r !== "" ? r : undefined;
  } catch {
    return undefined;
  }
}

/** `MAJOR.MINOR.PATCH` of an image's tag (`proxyv2:1.29.1-distroless` → 1.29.1); digests and `latest` tell nothing. */
export function imageVersion(image: string): string | undefined {
  const tag = image.split("@")[0]?.split("/").at(-1)?.split(":")[1];
  if (tag === undefined || !/^v?\d+\.\d+\.\d+/.test(tag)) return undefined;
  return semverCoerce(tag)?.version;
}

/** The proxy of a pod, or undefined for a pod without one. */
export function proxyPodOf(pod: k8s.V1Pod): ProxyPod | undefined {
  const meta = pod.metadata ?? {};
  const labels = meta.labels ?? {};
  const containers = pod.spec?.containers ?? [];
  const proxy = [...containers, ...(pod.spec?.initContainers ?? [])].find((c) => c.name === "istio-proxy");
  if (proxy === undefined) return undefined;
  const ztunnel = labels.app === "ztunnel";
  const onlyProxy = containers.length === 1 && containers[0]?.name === "istio-proxy";
  const image = proxy.image ?? "";
  const owner = meta.ownerReferences?.find((o) => o.controller) ?? meta.ownerReferences?.[0];
  return {
    namespace: meta.namespace ?? "",
    name: meta.name ?? "",
    phase: pod.status?.phase ?? "Unknown",
    kind: ztunnel
      ? "ztunnel"
      : labels["gateway.istio.io/managed"] === "istio.io-mesh-controller"
        ? "waypoint"
        : onlyProxy
          ? "gateway"
          : "sidecar",
    revision: ztunnel
      ? ""
      : (labels["istio.io/rev"] ??
        statusRevision(meta.annotations?.["sidecar.istio.io/status"]) ??
        "default"),
    image,
    version: imageVersion(image),
    owner: owner === undefined ? "" : `${owner.kind}/${owner.name}`,
    restartable: rolledController(owner, labels),
  };
}

/**
 * Every pod that runs an Istio proxy, in all namespaces, finished ones too (they are named, not
 * counted): one paginated list of all pods, each reduced to its proxy as soon as it arrives.
 */
export async function listProxyPods(cluster: ResolvedCluster): Promise<ProxyPod[]> {
  const core = cluster.config.makeApiClient(k8s.CoreV1Api);
  const found: ProxyPod[] = [];
  let token: string | undefined;
  do {
    const page: k8s.V1PodList = await kubeCall(
      "listing Pods",
      () =>
        core.listPodForAllNamespaces({
          limit: pageSize,
          ...(token === undefined ? {} : { _continue: token }),
        }),
      { context: cluster.context },
    );
    for (const pod of page.items) {
      const p = proxyPodOf(pod);
      if (p !== undefined) found.push(p);
    }
    token = page.metadata?._continue || undefined;
  } while (token !== undefined);
  return found;
}
