// `planton status`: the gateways and mesh-wide mutual TLS.

import type { PlannedGatewayInfo } from "../../istio/types.js";
import {
  type CheckFunction,
  combine,
  findDeployment,
  type Issue,
  num,
  obj,
  readinessIssues,
} from "./model.js";

/** True when the gateway chart renders a PodDisruptionBudget with these values. */
export function gatewayPdbPlanned(values: Record<string, unknown>): boolean {
  if (Object.keys(obj(values.podDisruptionBudget)).length === 0) return false;
  const a = obj(values.autoscaling);
  if (a.enabled !== false) return (num(a.minReplicas) ?? 1) > 1;
  return (num(values.replicaCount) ?? 1) > 1;
}

/** The manifest field of a planned gateway: `spec.ingressGateways[name=x]`, or `spec.eastWestGateway` (there is one). */
export function gatewayField(g: PlannedGatewayInfo): string {
  return g.direction === "eastwest" ? "spec.eastWestGateway" : `spec.${g.direction}Gateways[name=${g.name}]`;
}

/** Per gateway: Deployment ready, Service of the planned type, an address for a LoadBalancer. */
export const checkGateways: CheckFunction = (reads, plan) =>
  plan.mesh.gateways.map((g) => {
    const name = `gateway/${g.name}`;
    const what = `gateway ${g.namespace}/${g.name}`;
    const d = findDeployment(reads, g.namespace, g.name);
    const release = plan.releases.find((r) => r.name === g.name && r.namespace === g.namespace);
    const field = gatewayField(g);
    const issues: Issue[] = [];
    if (d === undefined)
      issues.push({
        state: "error",
        message: `${what}: its Deployment is missing`,
        hint: `\`planton apply\` reinstalls it (Helm release ${g.name})`,
      });
    else
      issues.push(
        ...readinessIssues(
          d,
          what,
          `\`kubectl -n ${g.namespace} describe deployment ${g.name}\` shows why`,
          `scale it back: \`kubectl -n ${g.namespace} scale deployment ${g.name} --replicas=1\` (${field}.replicas sets the count)`,
        ),
      );
    const svc = reads.services.find(
      (s) => s.metadata?.namespace === g.namespace && s.metadata?.name === g.name,
    );
    let address = "";
    if (svc === undefined)
      issues.push({
        state: "error",
        message: `${what}: its Service is missing`,
        hint: `\`planton apply\` reinstalls it (Helm release ${g.name})`,
      });
    else {
      const type = svc.spec?.type ?? "ClusterIP";
      if (type !== g.serviceType)
        issues.push({
          state: "error",
          message: `${what}: its Service is ${type}; the manifest plans ${g.serviceType}`,
          hint: `\`planton apply\` restores it (${field}.service.type)`,
        });
      else if (type === "LoadBalancer") {
        const addresses = (svc.status?.loadBalancer?.ingress ?? [])
          .map((i) => i.ip ?? i.hostname ?? "")
          .filter((a) => a !== "");
        if (addresses.length === 0)
          issues.push({
            state: "warning",
            message: `${what}: the LoadBalancer has no external address yet (pending)`,
            hint: `a cluster without a load-balancer controller (kind, bare metal) never assigns one: install one (MetalLB, cloud-provider-kind), or set ${field}.service.type: NodePort`,
          });
        else address = `, address ${addresses.join(", ")}`;
      }
    }
    if (release !== undefined && gatewayPdbPlanned(release.values)) {
      const pdb = reads.podDisruptionBudgets.find(
        (p) => p.metadata?.namespace === g.namespace && p.metadata?.name === g.name,
      );
      if (pdb === undefined)
        issues.push({
          state: "error",
          message: `${what} has no PodDisruptionBudget, though it runs 2 or more replicas`,
          hint: `\`planton apply\` restores it (${field}.replicas or autoscaling.minReplicas of 2 or more renders it)`,
        });
    }
    const ready = d?.status?.readyReplicas ?? 0;
    return combine(
      "gateways",
      name,
      `${what} ready (${ready}/${d?.spec?.replicas ?? 1}), ${g.serviceType}${address}`,
      issues,
    );
  });

/** The mesh-wide PeerAuthentication (control-plane namespace, no selector) matches spec.mtls.mode. */
export const checkMtls: CheckFunction = (reads, plan) => {
  const ns = plan.mesh.namespace;
  const planned = plan.objects.find((o) => o.manifest.kind === "PeerAuthentication");
  const want = planned === undefined ? undefined : String(obj(planned.manifest.spec?.mtls).mode ?? "");
  const meshWide = (reads.peerAuthentications ?? []).filter(
    (p) => (p.metadata?.namespace ?? ns) === ns && p.spec?.selector === undefined,
  );
  const current = meshWide.find((p) => p.metadata?.name === "default") ?? meshWide[0];
  const mode = current?.spec?.mtls?.mode ?? "";
  if (want === undefined)
    return [
      combine(
        "mtls",
        "mtls",
        current === undefined
          ? "mesh-wide mTLS not set (Istio's default, PERMISSIVE); spec.mtls.mode sets it"
          : `mesh-wide mTLS is ${mode || "UNSET"} (${ns}/${current.metadata?.name ?? ""}, not from the manifest)`,
        [],
      ),
    ];
  const issues: Issue[] = [];
  if (reads.peerAuthentications === undefined)
    issues.push({
      state: "error",
      message: `the PeerAuthentication kind is not installed, so spec.mtls.mode ${want} is not enforced`,
      hint: "`planton apply` installs Istio's CRDs (Helm release istio-base) and the policy",
    });
  else if (current === undefined)
    issues.push({
      state: "error",
      message: `the mesh-wide PeerAuthentication ${ns}/default is missing: mTLS is PERMISSIVE, the manifest says ${want}`,
      hint: "`planton apply` recreates it (spec.mtls.mode)",
    });
  else if (mode !== want)
    issues.push({
      state: "error",
      message: `mesh-wide mTLS is ${mode || "UNSET"} (${ns}/${current.metadata?.name ?? ""}); the manifest says ${want}`,
      hint: "`planton apply` restores spec.mtls.mode",
    });
  return [combine("mtls", "mtls", `mesh-wide mTLS is ${want}`, issues)];
};
