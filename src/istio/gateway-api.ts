/**
 * The Gateway API CRDs planton installs (`spec.gatewayApi`): the bundles it ships
 * (bundles/gateway-api, written by scripts/gateway-api-bundles.sh), the default bundle per Istio
 * version, and the decision table that says, for each CRD, what planton may do with the copy the
 * cluster has. Pure: the cluster's CRDs come in as data.
 */

import semverCoerce from "semver/functions/coerce.js";
import type { KubernetesIstioSpec } from "../../gen/planton/kubernetes/istio/v1/spec_pb.js";
import bundles from "../../bundles/gateway-api/bundles.json" with { type: "json" };
import { gatewayApiLimitsFor } from "./compatibility.js";
import { compareVersions } from "./versions.js";

export type GatewayApiChannel = "standard" | "experimental";

/** The label planton puts on the CRDs it installs: only those it ever upgrades or deletes. */
export const gatewayApiOwnerLabel = { "app.kubernetes.io/managed-by": "planton" } as const;
export const bundleVersionAnnotation = "gateway.networking.k8s.io/bundle-version";
export const channelAnnotation = "gateway.networking.k8s.io/channel";
/** Gateway API's safe-upgrades ValidatingAdmissionPolicy (bundles v1.5+ install it). */
export const safeUpgradesPolicy = "safe-upgrades.gateway.networking.k8s.io";
/** The API groups of Gateway API CRDs (standard and experimental `x-k8s.io` kinds). */
export const gatewayApiGroups = ["gateway.networking.k8s.io", "gateway.networking.x-k8s.io"];

/** One shipped bundle: a version and channel, its gzip file, checksum and CRD names. */
export interface ShippedBundle {
  version: string;
  channel: GatewayApiChannel;
  file: string;
  sha256: string;
  crds: string[];
}

/** The shipped versions, oldest first. */
export const shippedGatewayApiVersions: string[] = bundles.versions.map((v) => v.version);

/** The shipped bundle of a version and channel; undefined when planton does not ship it. */
export function shippedBundle(version: string, channel: GatewayApiChannel): ShippedBundle | undefined {
  const entry = bundles.versions.find((v) => v.version === version)?.channels[channel];
  return entry === undefined ? undefined : { version, channel, ...entry };
}

/** A bundle version as istiod compares it: `v1.4.1` → 1.4.1; undefined when it is none. */
export function bundleSemver(value: string | undefined): string | undefined {
  return value === undefined ? undefined : (semverCoerce(value)?.version ?? undefined);
}

/** True when every Istio version watches every CRD of the bundle (within its limits). */
function fits(bundle: ShippedBundle, istioVersions: string[]): boolean {
  const version = bundleSemver(bundle.version) as string;
  return istioVersions.every((istio) =>
    [...gatewayApiLimitsFor(istio)].every(([crd, l]) => {
      if (!bundle.crds.includes(crd)) return true;
      if (l.minimum !== undefined && compareVersions(version, l.minimum) < 0) return false;
      return l.maximum === undefined || compareVersions(version, l.maximum) <= 0;
    }),
  );
}

/**
 * The default bundle version: the newest shipped one that every Istio version of the manifest
 * watches whole (v1.4.1 for 1.28/1.29, v1.6.3 for 1.30); when none fits them all, the newest the
 * newest Istio version watches whole, else the newest shipped.
 */
export function defaultGatewayApiVersion(istioVersions: string[], channel: GatewayApiChannel): string {
  const newestFirst = [...shippedGatewayApiVersions].reverse();
  const sorted = [...istioVersions].sort(compareVersions);
  const newestIstio = sorted.slice(-1);
  for (const istios of [sorted, newestIstio]) {
    const v = newestFirst.find((v) => fits(shippedBundle(v, channel) as ShippedBundle, istios));
    if (v !== undefined) return v;
  }
  return newestFirst[0] as string;
}

/** A Gateway API CRD as the cluster has it. */
export interface ObservedGatewayApiCrd {
  name: string;
  /** The `gateway.networking.k8s.io/bundle-version` annotation. */
  version: string | undefined;
  /** The `gateway.networking.k8s.io/channel` annotation. */
  channel: string | undefined;
  /** It carries planton's owner label. */
  planton: boolean;
}

/**
 * What planton does with one CRD of the bundle: `install` (absent), `upgrade` (planton's own, at
 * an older bundle or another channel), `unchanged` (planton's own, the same), `foreign` (another
 * owner's: left as it is, only checked), `downgrade` (planton's own at a newer bundle: refused),
 * `channel-switch` (standard → experimental where the safe-upgrades policy would refuse it).
 */
export type GatewayApiAction =
  | "install"
  | "upgrade"
  | "unchanged"
  | "foreign"
  | "downgrade"
  | "channel-switch";

export interface GatewayApiDecision {
  name: string;
  action: GatewayApiAction;
  /** The cluster's copy (absent for `install`). */
  found?: { version: string | undefined; channel: string | undefined };
}

/** Actions that write the CRD (the program draws it); the others leave it as it is. */
export const writes = (a: GatewayApiAction) => a === "install" || a === "upgrade" || a === "unchanged";

/** Actions that planton refuses before any change. */
export const refused = (a: GatewayApiAction) => a === "downgrade" || a === "channel-switch";

function decideOne(want: ShippedBundle, crd: ObservedGatewayApiCrd, policy: boolean): GatewayApiAction {
  if (!crd.planton) return "foreign";
  const found = bundleSemver(crd.version);
  const wanted = bundleSemver(want.version) as string;
  const order = found === undefined ? -1 : compareVersions(found, wanted);
  if (order > 0) return "downgrade";
  const switching = crd.channel !== want.channel;
  if (switching && policy && crd.channel === "standard" && want.channel === "experimental")
    return "channel-switch";
  return order < 0 || switching ? "upgrade" : "unchanged";
}

/**
 * The decision table: for each CRD of the wanted bundle, from the cluster's copy of it (if any)
 * and whether the cluster has the safe-upgrades policy. Never takes over another owner's CRD;
 * where another owner installed any Gateway API CRD, the Gateway API is theirs: planton adds none
 * beside them either (a bundle of two owners and two versions is neither's), every CRD is `foreign`.
 */
export function decideGatewayApiCrds(
  want: ShippedBundle,
  observed: ObservedGatewayApiCrd[],
  policy: boolean,
): GatewayApiDecision[] {
  const byName = new Map(observed.map((c) => [c.name, c]));
  const othersOwn = observed.some((c) => !c.planton);
  return want.crds.map((name) => {
    const crd = byName.get(name);
    if (crd === undefined) return { name, action: othersOwn ? "foreign" : "install" };
    return {
      name,
      action: decideOne(want, crd, policy),
      found: { version: crd.version, channel: crd.channel },
    };
  });
}

/** `spec.gatewayApi` as the plan carries it: the bundle planton installs, and its label. */
export interface PlannedGatewayApi extends ShippedBundle {
  labels: Record<string, string>;
}

/**
 * The Gateway API bundle the plan installs: present when `spec.gatewayApi.install` is true, or
 * absent and the profile is ambient. Version defaults per the Istio versions the plan installs.
 */
export function planGatewayApi(
  spec: Pick<KubernetesIstioSpec, "profile" | "gatewayApi">,
  istioVersions: string[],
): PlannedGatewayApi | undefined {
  const install = spec.gatewayApi?.install ?? spec.profile === "ambient";
  if (!install) return undefined;
  const channel: GatewayApiChannel =
    spec.gatewayApi?.channel === "EXPERIMENTAL" ? "experimental" : "standard";
  const version = spec.gatewayApi?.version || defaultGatewayApiVersion(istioVersions, channel);
  const bundle = shippedBundle(version, channel);
  // the manifest's rules admit only shipped versions
  if (bundle === undefined) throw new Error(`Gateway API ${version} (${channel}) is not shipped`);
  return { ...bundle, labels: { ...gatewayApiOwnerLabel } };
}
