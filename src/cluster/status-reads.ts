import * as k8s from "@kubernetes/client-node";
import { gatewayApiGroups } from "../istio/gateway-api.js";
import type { InstallPlan } from "../istio/types.js";
import { isNotFound, kubeCall } from "./api.js";
import { decodeHelmPayload, newestRecordPerRelease } from "./helm-records.js";
import type { ResolvedCluster } from "./kubeconfig.js";

/** The newest Helm record (`sh.helm.release.v1.<name>.v<n>` Secret) of one release. */
export interface HelmReleaseRecord {
  name: string;
  namespace: string;
  /** Helm's revision number of the record. */
  revision: number;
  /** `deployed`, `failed`, `pending-install`, `pending-upgrade`, `pending-rollback`, `superseded`… */
  status: string;
  /** Chart name and version, from the record's payload; empty when it could not be read. */
  chart: string;
  chartVersion: string;
}

/** A PeerAuthentication as the API returns it (only the fields status reads). */
export interface PeerAuthentication {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: { selector?: unknown; mtls?: { mode?: string } };
}

/**
 * Everything `planton status` reads from the cluster, once per check round. Every kind is read
 * with one list call (Deployments, Services and PodDisruptionBudgets with one per namespace the
 * stack installs into, which the manifest bounds), never one call per object or per pod.
 */
export interface StatusReads {
  /** The newest Helm record of every release in the stack's namespaces. */
  helmReleases: HelmReleaseRecord[];
  /** istiod Deployments (label `app=istiod`) and the planned gateways' Deployments. */
  deployments: k8s.V1Deployment[];
  /** PodDisruptionBudgets in the stack's namespaces. */
  podDisruptionBudgets: k8s.V1PodDisruptionBudget[];
  /** Istio's CRDs (group `istio.io` or `*.istio.io`). */
  crds: k8s.V1CustomResourceDefinition[];
  /** The Gateway API CRDs (groups `gateway.networking.k8s.io`, `gateway.networking.x-k8s.io`). */
  gatewayApiCrds?: k8s.V1CustomResourceDefinition[];
  mutatingWebhooks: k8s.V1MutatingWebhookConfiguration[];
  validatingWebhooks: k8s.V1ValidatingWebhookConfiguration[];
  /** Services in the stack's namespaces. */
  services: k8s.V1Service[];
  /** PeerAuthentications of the control-plane namespace; undefined when the kind is not installed. */
  peerAuthentications: PeerAuthentication[] | undefined;
  namespaces: k8s.V1Namespace[];
  /** Pods of all namespaces that are not finished. */
  pods: k8s.V1Pod[];
  /** With `spec.ca`: the public root-cert.pem of `istio-ca-root-cert` in the control plane's namespace. */
  caRootCert?: string | undefined;
}

/** True for a CRD of one of Istio's API groups. */
export const isIstioCrd = (crd: k8s.V1CustomResourceDefinition): boolean => {
  const group = crd.spec?.group ?? "";
  return group === "istio.io" || group.endsWith(".istio.io");
};

/**
 * Reads the chart and status of a Helm storage Secret. The payload is the release as gzipped
 * JSON, base64-encoded by Helm and again by the Secret; only the chart's name and version are
 * kept (the payload also holds the values, which are never copied out).
 */
export function helmRecordOf(secret: k8s.V1Secret): HelmReleaseRecord | undefined {
  const labels = secret.metadata?.labels ?? {};
  const name = labels.name;
  const namespace = secret.metadata?.namespace;
  if (labels.owner !== "helm" || name === undefined || namespace === undefined) return undefined;
  let chart = "";
  let chartVersion = "";
  const payload = secret.data?.release;
  if (payload !== undefined) {
    try {
      const release = decodeHelmPayload(payload) as {
        chart?: { metadata?: { name?: unknown; version?: unknown } };
      };
      const meta = release.chart?.metadata;
      chart = typeof meta?.name === "string" ? meta.name : "";
      chartVersion = typeof meta?.version === "string" ? meta.version : "";
    } catch {
      // an unreadable payload leaves the version unknown; the status label still counts
    }
  }
  return {
    name,
    namespace,
    revision: Number(labels.version ?? 0) || 0,
    status: labels.status ?? "",
    chart,
    chartVersion,
  };
}

/** The newest record per release (by Helm revision), decoding only those. */
export function newestHelmRecords(secrets: k8s.V1Secret[]): HelmReleaseRecord[] {
  return newestRecordPerRelease(secrets)
    .map(helmRecordOf)
    .filter((r): r is HelmReleaseRecord => r !== undefined);
}

/** The namespaces the plan installs into: the control plane's and the releases'. */
export function stackNamespaces(plan: InstallPlan): string[] {
  return [...new Set([plan.mesh.namespace, ...plan.releases.map((r) => r.namespace)])].sort();
}

/** The ConfigMap the mesh's root certificate is published in. */
const rootCaConfigMap = (plan: InstallPlan) => plan.ca?.istioCsr?.rootCaConfigMap ?? "istio-ca-root-cert";

/** Reads everything `status` checks, all calls in parallel. Any failed call is a `DeployError`. */
export async function readStatus(cluster: ResolvedCluster, plan: InstallPlan): Promise<StatusReads> {
  const { config, context } = cluster;
  const core = config.makeApiClient(k8s.CoreV1Api);
  const apps = config.makeApiClient(k8s.AppsV1Api);
  const policy = config.makeApiClient(k8s.PolicyV1Api);
  const ext = config.makeApiClient(k8s.ApiextensionsV1Api);
  const admission = config.makeApiClient(k8s.AdmissionregistrationV1Api);
  const custom = config.makeApiClient(k8s.CustomObjectsApi);
  const call = <T>(what: string, fn: () => Promise<T>) => kubeCall(what, fn, { context });
  const namespaces = stackNamespaces(plan);
  const perNamespace = async <T>(what: string, fn: (namespace: string) => Promise<{ items: T[] }>) =>
    (
      await Promise.all(namespaces.map((namespace) => call(`${what} in ${namespace}`, () => fn(namespace))))
    ).flatMap((l) => l.items);
  const gatewayNames = new Set(plan.mesh.gateways.map((g) => `${g.namespace}/${g.name}`));

  const [secrets, deployments, pdbs, crds, mutating, validating, services, peer, nsList, pods] =
    await Promise.all([
      perNamespace("listing Helm release records", (namespace) =>
        core.listNamespacedSecret({ namespace, labelSelector: "owner=helm" }),
      ),
      perNamespace("listing Deployments", (namespace) => apps.listNamespacedDeployment({ namespace })),
      perNamespace("listing PodDisruptionBudgets", (namespace) =>
        policy.listNamespacedPodDisruptionBudget({ namespace }),
      ),
      call("listing CustomResourceDefinitions", () => ext.listCustomResourceDefinition()),
      call("listing MutatingWebhookConfigurations", () => admission.listMutatingWebhookConfiguration()),
      call("listing ValidatingWebhookConfigurations", () => admission.listValidatingWebhookConfiguration()),
      perNamespace("listing Services", (namespace) => core.listNamespacedService({ namespace })),
      call("listing PeerAuthentications", () =>
        custom.listNamespacedCustomObject({
          group: "security.istio.io",
          version: "v1",
          namespace: plan.mesh.namespace,
          plural: "peerauthentications",
        }),
      ).catch((err: unknown) => {
        if (isNotFound(err)) return undefined; // the kind is not installed: the CRD check says so
        throw err;
      }),
      call("listing Namespaces", () => core.listNamespace()),
      call("listing Pods", () =>
        core.listPodForAllNamespaces({ fieldSelector: "status.phase!=Succeeded,status.phase!=Failed" }),
      ),
    ]);
  // the mesh CA's root (public): read only when the manifest sets spec.ca
  const caRoot =
    plan.ca === undefined
      ? undefined
      : await call(`reading ConfigMap ${rootCaConfigMap(plan)}`, () =>
          core.readNamespacedConfigMap({ name: rootCaConfigMap(plan), namespace: plan.mesh.namespace }),
        ).catch((err: unknown) => {
          if (isNotFound(err)) return undefined;
          throw err;
        });
  return {
    ...(caRoot === undefined ? {} : { caRootCert: caRoot.data?.["root-cert.pem"] }),
    helmReleases: newestHelmRecords(secrets),
    deployments: deployments.filter(
      (d) =>
        d.metadata?.labels?.app === "istiod" ||
        gatewayNames.has(`${d.metadata?.namespace ?? ""}/${d.metadata?.name ?? ""}`),
    ),
    podDisruptionBudgets: pdbs,
    crds: crds.items.filter(isIstioCrd),
    gatewayApiCrds: crds.items.filter((c) => gatewayApiGroups.includes(c.spec?.group ?? "")),
    mutatingWebhooks: mutating.items,
    validatingWebhooks: validating.items,
    services,
    peerAuthentications:
      peer === undefined
        ? undefined
        : (((peer as { items?: unknown[] }).items ?? []) as PeerAuthentication[]),
    namespaces: nsList.items,
    pods: pods.items,
  };
}
