// `planton status`: the checks of what only a multi-cluster mesh has (cluster/multicluster-reads.ts reads it): a remote cluster's control plane (the
// primary's istiod, reached through the `istiod` Service) and the remote secrets istiod reads.

import { remoteIstiodService } from "../../cluster/multicluster-reads.js";
import { type CheckFunction, combine, type Issue, remotePrimary } from "./model.js";
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
