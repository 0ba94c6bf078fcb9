// `planton status`: what only a multi-cluster mesh has: a remote cluster's control plane (the
// primary's istiod, reached through the `istiod` Service) and the remote secrets istiod reads.

import * as k8s from "@kubernetes/client-node";
import { isNotFound, kubeCall } from "../../cluster/api.js";
import type { ResolvedCluster } from "../../cluster/kubeconfig.js";
import type { InstallPlan } from "../../istio/types.js";
import {
  type CheckFunction,
  combine,
  type Issue,
  type MultiClusterReads,
  type RemoteSecretRecord,
  remotePrimary,
} from "./model.js";

/** The Service a remote cluster's webhooks call: the istiod chart's remote profile names it `istiod`. */
export const remoteIstiodService = "istiod";
/** The label istiod watches Secrets by (the one planton's remote secrets carry). */
const watchedLabel = "istio/multiCluster";
/** The ports the remote profile's EndpointSlice opens on the primary: xDS and CA, and the webhooks. */
const primaryPorts = [15012, 15017];

/**
 * True when the istiod chart takes `remotePilotAddress` for an IP address (an EndpointSlice with
 * it) rather than a DNS name (an ExternalName Service): the chart's own two patterns, so status
 * expects what the chart rendered.
 */
export function isChartIp(address: string): boolean {
  return /^([0-9]*\.){3}[0-9]*$/.test(address) || /^([0-9a-fA-F]*:)+[0-9a-fA-F]*$/.test(address);
}

/**
 * Reads what the multi-cluster checks need, only when the plan has it: for profile remote the
 * `istiod` Service's EndpointSlices (one list call), for each planned remote secret that Secret by
 * name (never a list of the namespace's Secrets, which hold the CA's keys). A remote secret is
 * kept as its labels, annotations and data key names: its kubeconfig is never kept or decoded.
 */
export async function readMultiCluster(
  cluster: ResolvedCluster,
  plan: InstallPlan,
): Promise<MultiClusterReads> {
  const { config, context } = cluster;
  const ns = plan.mesh.namespace;
  const call = <T>(what: string, fn: () => Promise<T>) => kubeCall(what, fn, { context });
  const out: MultiClusterReads = {};
  const reads: Promise<void>[] = [];
  if (remotePrimary(plan) !== undefined) {
    const discovery = config.makeApiClient(k8s.DiscoveryV1Api);
    reads.push(
      call(`listing the EndpointSlices of ${ns}/${remoteIstiodService}`, () =>
        discovery.listNamespacedEndpointSlice({
          namespace: ns,
          labelSelector: `kubernetes.io/service-name=${remoteIstiodService}`,
        }),
      ).then((l) => {
        out.istiodEndpointSlices = l.items;
      }),
    );
  }
  if (plan.remotes.length > 0) {
    const core = config.makeApiClient(k8s.CoreV1Api);
    const secrets: Record<string, RemoteSecretRecord | undefined> = {};
    out.remoteSecrets = secrets;
    for (const r of plan.remotes)
      reads.push(
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
      );
  }
  await Promise.all(reads);
  return out;
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

/**
 * Profile remote: no istiod runs here, so instead of one check per revision, one check that the
 * `istiod` Service the webhooks call leads to the primary's address
 * (`spec.multiCluster.primary.address`): its EndpointSlice holds that address with the xDS and
 * webhook ports, or, for a DNS name, the Service is an ExternalName of it. Whether the primary
 * answers there cannot be seen from this cluster: its webhook CA bundle (webhooks) is the sign.
 */
export const checkServedByPrimary: CheckFunction = (reads, plan) => {
  const primary = remotePrimary(plan);
  if (primary === undefined) return [];
  const ns = plan.mesh.namespace;
  const svcName = `${ns}/${remoteIstiodService}`;
  const where = `the primary ${primary.clusterName} at ${primary.address}`;
  const reinstall = "`planton apply` reinstalls it (Helm release istiod, profile remote)";
  const repoint = "`planton apply` points it at spec.multiCluster.primary.address";
  const issues: Issue[] = [];
  const svc = reads.services.find(
    (s) => s.metadata?.namespace === ns && s.metadata?.name === remoteIstiodService,
  );
  let via = "";
  if (svc === undefined)
    issues.push({
      state: "error",
      message: `the Service ${svcName} is missing: the injector webhook cannot reach ${where}, so pods of injected namespaces are not created`,
      hint: reinstall,
    });
  else if (isChartIp(primary.address)) {
    const slices = reads.istiodEndpointSlices ?? [];
    const addresses = [...new Set(slices.flatMap((s) => (s.endpoints ?? []).flatMap((e) => e.addresses)))];
    const ports = new Set(slices.flatMap((s) => (s.ports ?? []).map((p) => p.port)));
    if (slices.length === 0)
      issues.push({
        state: "error",
        message: `the Service ${svcName} has no EndpointSlice: it points nowhere, so nothing here reaches ${where}`,
        hint: reinstall,
      });
    else if (!addresses.includes(primary.address))
      issues.push({
        state: "error",
        message: `the Service ${svcName} points at ${addresses.join(", ") || "no address"}, not ${where} (spec.multiCluster.primary.address)`,
        hint: repoint,
      });
    else {
      const missing = primaryPorts.filter((p) => !ports.has(p));
      if (missing.length > 0)
        issues.push({
          state: "error",
          message: `the EndpointSlice of ${svcName} lacks port ${missing.join(", ")} of ${where} (15012: proxies' configuration and certificates, 15017: webhooks)`,
          hint: reinstall,
        });
      via = `Service ${svcName} → EndpointSlice ${addresses.join(", ")}`;
    }
  } else {
    const type = svc.spec?.type ?? "ClusterIP";
    const name = svc.spec?.externalName ?? "";
    if (type !== "ExternalName" || name !== primary.address)
      issues.push({
        state: "error",
        message: `the Service ${svcName} is ${type === "ExternalName" ? `an ExternalName of ${name}` : type}, not an ExternalName of ${where}`,
        hint: repoint,
      });
    via = `Service ${svcName} → ExternalName ${name}`;
  }
  return [combine("control-plane", "istiod/primary", `served by ${where} (${via})`, issues)];
};

/**
 * `spec.multiCluster.remotes`: each remote secret istiod reads the remote cluster through,
 * present with the label istiod watches (`istio/multiCluster: "true"`), the annotation naming
 * the cluster, and a kubeconfig under the cluster's name. Only its metadata and key names are
 * read; whether the token still authenticates is not checked here.
 */
export const checkRemoteSecrets: CheckFunction = (reads, plan) =>
  plan.remotes.map((r) => {
    const what = `remote secret ${r.secret.namespace}/${r.secret.name}`;
    const found = reads.remoteSecrets?.[r.clusterName];
    const recreate = "`planton apply` recreates it";
    const issues: Issue[] = [];
    if (found === undefined)
      issues.push({
        state: "error",
        message: `${what} is missing: istiod does not read cluster ${r.clusterName}, so its services and endpoints are not in the mesh`,
        hint: recreate,
      });
    else {
      if (found.labels[watchedLabel] !== "true")
        issues.push({
          state: "error",
          message: `${what} lacks the label ${watchedLabel}: "true": istiod ignores it, so cluster ${r.clusterName} is not read`,
          hint: recreate,
        });
      for (const [key, want] of Object.entries(r.secret.annotations))
        if (found.annotations[key] !== want)
          issues.push({
            state: "error",
            message: `${what} has the annotation ${key}: ${found.annotations[key] === undefined ? "(none)" : `"${found.annotations[key]}"`}; it names cluster "${want}"`,
            hint: recreate,
          });
      if (!found.dataKeys.includes(r.clusterName))
        issues.push({
          state: "error",
          message: `${what} holds no kubeconfig under the key ${r.clusterName}${found.dataKeys.length > 0 ? ` (keys: ${found.dataKeys.join(", ")})` : ""}: istiod cannot reach that cluster`,
          hint: recreate,
        });
    }
    return combine(
      "remote-secrets",
      `remote-secret/${r.clusterName}`,
      `${what} present: istiod reads cluster ${r.clusterName}`,
      issues,
    );
  });
