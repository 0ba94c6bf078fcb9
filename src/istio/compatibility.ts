/**
 * What an Istio version accepts from the rest of the cluster: the Gateway API CRD bundle versions
 * its istiod watches, and the proxies whose configuration it breaks. Read from Istio's source at
 * each release tag (pkg/kube/kclient/crdwatcher.go, pkg/config/schema/gatewayapi/
 * minimumversions.go, pilot/pkg/networking/core/listener.go); moving a fact here is a
 * reviewable diff.
 */

import { compareVersions, parseVersion } from "./versions.js";

/** A Gateway API CRD's accepted bundle versions (`gateway.networking.k8s.io/bundle-version`). */
export interface BundleLimits {
  /** istiod ignores the CRD below this bundle version, and without the annotation. */
  minimum?: string;
  /** istiod ignores the CRD above this bundle version. */
  maximum?: string;
}

/** From which Istio version (inclusive) a limit applies, until the next entry of the same CRD replaces it. */
interface LimitEntry {
  crd: string;
  since: string;
  limits: BundleLimits;
}

const gatewayApiLimits: LimitEntry[] = [
  // every Istio planton installs (1.24+) watches GRPCRoute only from bundle v1.1.0
  { crd: "grpcroutes.gateway.networking.k8s.io", since: "1.24.0", limits: { minimum: "1.1.0" } },
  { crd: "backendtlspolicies.gateway.networking.k8s.io", since: "1.28.0", limits: { minimum: "1.4.0" } },
  // 1.28.6+ and 1.29.2+ ignore TLSRoute above v1.4.1 (its v1 schema); 1.30 needs v1.5.0+
  { crd: "tlsroutes.gateway.networking.k8s.io", since: "1.28.6", limits: { maximum: "1.4.1" } },
  { crd: "tlsroutes.gateway.networking.k8s.io", since: "1.29.0", limits: {} },
  { crd: "tlsroutes.gateway.networking.k8s.io", since: "1.29.2", limits: { maximum: "1.4.1" } },
  { crd: "tlsroutes.gateway.networking.k8s.io", since: "1.30.0", limits: { minimum: "1.5.0" } },
  // TCPRoute v1 (bundle v1.6.0) from 1.31 (1.31.0 release candidates)
  { crd: "tcproutes.gateway.networking.k8s.io", since: "1.31.0", limits: { minimum: "1.6.0" } },
];

/** The bundle-version limits `istioVersion` applies to each Gateway API CRD it restricts. */
export function gatewayApiLimitsFor(istioVersion: string): Map<string, BundleLimits> {
  const out = new Map<string, BundleLimits>();
  const sorted = [...gatewayApiLimits].sort((a, b) => compareVersions(a.since, b.since));
  for (const e of sorted) if (compareVersions(e.since, istioVersion) <= 0) out.set(e.crd, e.limits);
  for (const [crd, limits] of out)
    if (limits.minimum === undefined && limits.maximum === undefined) out.delete(crd);
  return out;
}

/**
 * istiod versions that put the `istio.hashable_string` filter-state factory into the listeners of
 * waypoints (connect_terminate, inner_connect_originate) and of multi-network ambient ingress
 * gateways, which proxies older than 1.29.2 do not know: those listeners are rejected. Fixed in
 * 1.29.5 and 1.30.2 ("Sidecars prior to 1.29.2 break on upgrade", which changed only those).
 */
const hashableStringRanges: [from: string, fixedIn: string][] = [
  ["1.29.2", "1.29.5"],
  ["1.30.0", "1.30.2"],
];

/** The first proxy version that understands what those istiod versions send. */
export const hashableStringProxy = "1.29.2";

/** True when istiod `istiodVersion` sends configuration a proxy of `proxyVersion` rejects. */
export function breaksProxy(istiodVersion: string, proxyVersion: string): boolean {
  if (parseVersion(istiodVersion) === undefined || parseVersion(proxyVersion) === undefined) return false;
  if (compareVersions(proxyVersion, hashableStringProxy) >= 0) return false;
  return hashableStringRanges.some(
    ([from, fixed]) => compareVersions(istiodVersion, from) >= 0 && compareVersions(istiodVersion, fixed) < 0,
  );
}
