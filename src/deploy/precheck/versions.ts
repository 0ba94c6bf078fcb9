// precheck: the Kubernetes version, Istio's CRDs and the Gateway API CRDs against the versions the plan installs.

import semverCoerce from "semver/functions/coerce.js";
import { olderThan } from "../../cluster/precheck.js";
import type { ObjectRef, VersionedCrd } from "../../cluster/precheck-reads.js";
import { type BundleLimits, gatewayApiLimitsFor } from "../../istio/compatibility.js";
import type { InstallPlan } from "../../istio/types.js";
import { compareVersions, minimumKubernetesFor, minorDistance } from "../../istio/versions.js";
import { gatewayApiCrdsAfterApply } from "./gateway-api.js";
import { type Check, type Finding, finding } from "./model.js";

const crdRef = (name: string): ObjectRef => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  namespace: "",
  name,
});

/** Every Istio version the plan installs (its istiod revisions, base, gateways…), oldest first. */
export function plannedVersions(plan: InstallPlan): string[] {
  return [...new Set(plan.releases.map((r) => r.version))].sort(compareVersions);
}

/** K8S_VERSION: the cluster against the minimum of every Istio version the plan installs. */
export const kubernetesVersion: Check = {
  codes: ["K8S_VERSION"],
  needs: ["server"],
  run: (plan, s) => {
    const server = s.server;
    if (server === undefined) return [];
    return plannedVersions(plan)
      .filter((v) => olderThan(server, minimumKubernetesFor(v)))
      .slice(0, 1)
      .map((v) =>
        finding(
          "K8S_VERSION",
          `Kubernetes ${server.gitVersion} is older than ${minimumKubernetesFor(v)}, the minimum for Istio ${v}`,
        ),
      );
  },
};

/** ISTIO_CRD_DOWNGRADE: Istio's CRDs installed by a newer chart than the plan's base release. */
export const istioCrdDowngrade: Check = {
  codes: ["ISTIO_CRD_DOWNGRADE"],
  needs: ["istioCrds"],
  run: (plan, s) => {
    const base = plan.releases.find((r) => r.component === "base")?.version;
    if (base === undefined) return [];
    const newer = (s.istioCrds ?? []).filter(
      (c) => c.version !== undefined && compareVersions(c.version, base) > 0,
    );
    const byVersion = new Map<string, VersionedCrd[]>();
    for (const c of newer)
      byVersion.set(c.version as string, [...(byVersion.get(c.version as string) ?? []), c]);
    return [...byVersion].map(([version, crds]) =>
      finding(
        "ISTIO_CRD_DOWNGRADE",
        `${crds.length} Istio CRDs were installed by Istio ${version}, newer than the ${base} this manifest installs`,
        {
          object: crdRef((crds[0] as VersionedCrd).name),
          details: crds.map((c) => c.name).sort(),
          // a newer patch of the same minor keeps the schemas; a newer minor drops fields
          severity: minorDistance(version, base) === 0 ? "WARNING" : "ERROR",
        },
      ),
    );
  },
};

/** A bundle version as istiod compares it: `v1.4.1-rc.1` → 1.4.1 (pre-releases rounded up). */
function bundle(value: string | undefined): string | undefined {
  return value === undefined ? undefined : (semverCoerce(value)?.version ?? undefined);
}

function gatewayApiFinding(crd: VersionedCrd, limits: BundleLimits, istio: string): Finding | undefined {
  const found = bundle(crd.version);
  const kind = crd.name.split(".")[0];
  const object = crdRef(crd.name);
  if (limits.minimum !== undefined && (found === undefined || compareVersions(found, limits.minimum) < 0))
    return finding(
      "GATEWAY_API_CRD_TOO_OLD",
      `istiod ${istio} ignores ${kind} below Gateway API bundle v${limits.minimum}; the CRD has ${crd.version === undefined ? "no bundle-version annotation" : `bundle ${crd.version}`}`,
      { object, hint: `install the Gateway API CRDs of bundle v${limits.minimum} or newer` },
    );
  if (limits.maximum !== undefined && found !== undefined && compareVersions(found, limits.maximum) > 0)
    return finding(
      "GATEWAY_API_CRD_TOO_NEW",
      `istiod ${istio} ignores ${kind} above Gateway API bundle v${limits.maximum}; the CRD has bundle ${crd.version}`,
      { object, hint: `install Gateway API bundle v${limits.maximum}, or Istio 1.30 or newer` },
    );
  return undefined;
}

/** GATEWAY_API_CRD_TOO_OLD / _TOO_NEW: installed Gateway API CRDs every planned istiod would watch. */
export const gatewayApiCrds: Check = {
  codes: ["GATEWAY_API_CRD_TOO_OLD", "GATEWAY_API_CRD_TOO_NEW"],
  needs: ["gatewayApiCrds"],
  run: (plan, s) => {
    const istiods = [...new Set(plan.releases.filter((r) => r.component === "istiod").map((r) => r.version))];
    const out = new Map<string, Finding>();
    for (const istio of istiods.sort(compareVersions).reverse()) {
      const limits = gatewayApiLimitsFor(istio);
      // as they will be: the CRDs planton installs or upgrades first are checked at the bundle's version
      for (const crd of gatewayApiCrdsAfterApply(plan, s)) {
        const l = limits.get(crd.name);
        const f = l === undefined ? undefined : gatewayApiFinding(crd, l, istio);
        if (f !== undefined && !out.has(`${f.code}/${crd.name}`)) out.set(`${f.code}/${crd.name}`, f);
      }
    }
    return [...out.values()];
  },
};
