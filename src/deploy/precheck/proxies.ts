// precheck: every proxy against the istiod that will serve it once the plan is applied.

import type { ObjectRef } from "../../cluster/precheck-reads.js";
import type { ProxyPod } from "../../cluster/proxy-pods.js";
import { breaksProxy, hashableStringProxy } from "../../istio/compatibility.js";
import type { InstallPlan } from "../../istio/types.js";
import { compareVersions, parseVersion } from "../../istio/versions.js";
import { type Check, type Finding, finding } from "./model.js";

/** The revisions the plan runs an istiod for (`default` for an unrevisioned one), by name → version. */
export function plannedRevisions(plan: InstallPlan): Map<string, string> {
  if (plan.mesh.profile === "remote") return new Map();
  if (plan.mesh.revisions.length === 0) return new Map([["default", plan.mesh.version]]);
  return new Map(plan.mesh.revisions.map((r) => [r.name, r.version]));
}

/** The Istio version that will serve a proxy after the apply; undefined when no planned istiod serves it. */
export function servingVersion(plan: InstallPlan, pod: ProxyPod): string | undefined {
  if (pod.kind === "ztunnel") return plan.mesh.profile === "remote" ? undefined : plan.mesh.version;
  const version = plannedRevisions(plan).get(pod.revision);
  // a waypoint without a revision of its own is served by the default revision
  if (
    version === undefined &&
    pod.kind === "waypoint" &&
    pod.revision === "default" &&
    plan.mesh.profile !== "remote"
  )
    return plan.mesh.version;
  return version;
}

/**
 * Proxies that get the listeners of the pre-1.29.2 break: waypoints (every one), and ingress
 * gateways when ambient spans several networks (double HBONE).
 */
function hboneListeners(plan: InstallPlan, pod: ProxyPod): boolean {
  if (pod.kind === "waypoint") return true;
  return pod.kind === "gateway" && plan.mesh.profile === "ambient" && plan.mesh.multiCluster !== undefined;
}

/** Pods that are (or will be) running: finished ones serve nothing. */
export const live = (p: ProxyPod) => p.phase !== "Succeeded" && p.phase !== "Failed";

/** At most `max` names, then how many more. */
export function someOf(names: string[], max = 10): string[] {
  return names.length <= max ? names : [...names.slice(0, max), `… and ${names.length - max} more`];
}

const namespaceRef = (name: string): ObjectRef => ({
  apiVersion: "v1",
  kind: "Namespace",
  namespace: "",
  name,
});

/** Live proxies with a known version, grouped by namespace, proxy version and serving version. */
function groups(plan: InstallPlan, pods: ProxyPod[]) {
  const out = new Map<string, { namespace: string; proxy: string; istiod: string; pods: ProxyPod[] }>();
  for (const p of pods) {
    const istiod = servingVersion(plan, p);
    if (!live(p) || p.version === undefined || istiod === undefined) continue;
    const key = `${p.namespace}\0${p.version}\0${istiod}`;
    const g = out.get(key) ?? { namespace: p.namespace, proxy: p.version, istiod, pods: [] };
    g.pods.push(p);
    out.set(key, g);
  }
  return [...out.values()];
}

const podNames = (pods: ProxyPod[]) => someOf(pods.map((p) => `${p.kind} ${p.namespace}/${p.name}`));

/** PROXY_VERSION_SKEW: more than one minor version behind its istiod, or newer than it. */
export const proxySkew: Check = {
  codes: ["PROXY_VERSION_SKEW"],
  needs: ["pods"],
  run: (plan, s) => {
    const out: Finding[] = [];
    for (const g of groups(plan, s.pods ?? [])) {
      const proxy = parseVersion(g.proxy);
      const istiod = parseVersion(g.istiod);
      if (proxy === undefined || istiod === undefined) continue;
      const behind = (istiod.major - proxy.major) * 1000 + istiod.minor - proxy.minor;
      if (behind <= 1 && behind >= 0) continue;
      const count = `${g.pods.length} ${g.pods.length === 1 ? "proxy" : "proxies"}`;
      out.push(
        behind > 1
          ? finding(
              "PROXY_VERSION_SKEW",
              `${count} of ${g.proxy} in ${g.namespace} would be served by istiod ${g.istiod}, ${behind} minor versions ahead (at most 1 is supported)`,
              { object: namespaceRef(g.namespace), details: podNames(g.pods) },
            )
          : finding(
              "PROXY_VERSION_SKEW",
              `${count} of ${g.proxy} in ${g.namespace} would be served by the older istiod ${g.istiod}`,
              {
                object: namespaceRef(g.namespace),
                details: podNames(g.pods),
                severity: "WARNING",
                hint: "proxies newer than their control plane are not supported: upgrade istiod first",
              },
            ),
      );
    }
    return out;
  },
};

/** PROXY_INPLACE_BREAK: waypoints (and multi-network ambient gateways) that reject the configuration their istiod will send. */
export const proxyInplaceBreak: Check = {
  codes: ["PROXY_INPLACE_BREAK"],
  needs: ["pods"],
  run: (plan, s) =>
    groups(
      plan,
      (s.pods ?? []).filter((p) => hboneListeners(plan, p)),
    )
      .filter((g) => breaksProxy(g.istiod, g.proxy))
      .sort((a, b) => a.namespace.localeCompare(b.namespace) || compareVersions(a.proxy, b.proxy))
      .map((g) =>
        finding(
          "PROXY_INPLACE_BREAK",
          `${g.pods.length} ${g.pods.length === 1 ? "proxy" : "proxies"} of ${g.proxy} in ${g.namespace} would reject the listeners of istiod ${g.istiod} (proxies older than ${hashableStringProxy} do not know its istio.hashable_string filter state)`,
          { object: namespaceRef(g.namespace), details: podNames(g.pods) },
        ),
      ),
};
