// The Helm releases of a plan: their names, chart sources, order and values.

import type {
  KubernetesIstioGateway,
  KubernetesIstioSpec,
} from "../../gen/planton/kubernetes/istio/v1/spec_pb.js";
import { mergeValues, type Values } from "./merge.js";
import { type activeEastWest, eastWestValues, remoteIstiodValues } from "./multicluster.js";
import type { ChartSource, Component, PlannedGatewayInfo, PlannedRelease } from "./types.js";
import { baseValues, cniValues, gatewayValues, istiodValues, ztunnelValues } from "./values.js";
import { compareVersions } from "./versions.js";

/** How long a release may take; base has no workloads. */
const timeouts: Record<Component, number> = { base: 300, istiod: 600, cni: 600, ztunnel: 600, gateway: 600 };

/** The Helm release names of planton's own components. */
export const componentReleaseNames = {
  base: "istio-base",
  istiod: "istiod",
  cni: "istio-cni",
  ztunnel: "ztunnel",
} as const;

/** The Helm release of a revision's istiod. */
export function istiodReleaseName(revision: string): string {
  return `${componentReleaseNames.istiod}-${revision}`;
}

/**
 * Every release name planton takes for itself in a mesh with these revisions (whether or not
 * the component is enabled), which a gateway's release (its name) must not reuse.
 */
export function reservedReleaseNames(revisions: string[]): Set<string> {
  return new Set([...Object.values(componentReleaseNames), ...revisions.map(istiodReleaseName)]);
}

/** Where a chart comes from, given `spec.charts.repository` (already resolved to an absolute directory when local). */
export function chartSource(repository: string, chart: string, version: string): ChartSource {
  if (repository.startsWith("oci://"))
    return { type: "oci", ref: `${repository.replace(/\/+$/, "")}/${chart}` };
  if (repository.includes("://")) return { type: "repository", url: repository.replace(/\/+$/, "") };
  return { type: "archive", path: `${repository.replace(/\/+$/, "")}/${chart}-${version}.tgz` };
}

function helmValuesFor(spec: KubernetesIstioSpec, component: Component): Values {
  const hv = spec.helmValues;
  const struct = hv?.[component];
  return struct === undefined ? {} : (struct as Values);
}

function activeGateways(list: KubernetesIstioGateway[]): KubernetesIstioGateway[] {
  return list.filter((g) => g.enabled !== false);
}

/** A revision of the manifest with its istiod release. */
export interface PlannedRevisionFacts {
  name: string;
  version: string;
  release: string;
}

/** What the releases are planned from: the manifest's spec and the facts derived from it once. */
export interface ReleaseFacts {
  spec: KubernetesIstioSpec;
  revisions: PlannedRevisionFacts[];
  defaultRev: PlannedRevisionFacts | undefined;
  /** The default revision's version (the manifest's version without revisions). */
  meshVersion: string;
  /** The newest revision's version: CRDs go first at it (base is upgraded before the new istiod). */
  baseVersion: string;
  /** The istiod release the gateways, cni and the mesh's objects wait for. */
  defaultIstiod: string;
  ambient: boolean;
  cni: boolean;
  remote: boolean;
}

/** The revisions, the default one and the versions the releases take. */
export function releaseFacts(spec: KubernetesIstioSpec): ReleaseFacts {
  const revisions = spec.revisions.map((r) => ({
    name: r.name,
    version: r.version,
    release: istiodReleaseName(r.name),
  }));
  const defaultRev = revisions.find((r) => r.name === spec.defaultRevision) ?? revisions[0];
  const ambient = spec.profile === "ambient";
  return {
    spec,
    revisions,
    defaultRev,
    meshVersion: defaultRev?.version ?? spec.version,
    baseVersion:
      revisions
        .map((r) => r.version)
        .sort(compareVersions)
        .at(-1) ?? spec.version,
    defaultIstiod: defaultRev?.release ?? componentReleaseNames.istiod,
    ambient,
    cni: ambient || spec.cni?.enabled === true,
    remote: spec.profile === "remote",
  };
}

/** One release of a component: the manifest's `helmValues` of the component over `values`, then `own`. */
interface ReleaseInput {
  name: string;
  component: Component;
  version: string;
  namespace: string;
  dependsOn: string[];
  values: Values;
  helmWait?: boolean;
  own?: Values;
}

function releaseOf(spec: KubernetesIstioSpec, r: ReleaseInput): PlannedRelease {
  const chart = r.component;
  return {
    name: r.name,
    component: r.component,
    chart,
    source: chartSource(spec.charts?.repository ?? "", chart, r.version),
    version: r.version,
    namespace: r.namespace,
    dependsOn: r.dependsOn,
    values: mergeValues(mergeValues(r.values, helmValuesFor(spec, r.component)), r.own ?? {}),
    helmWait: r.helmWait ?? true,
    timeoutSeconds: timeouts[r.component],
  };
}

/**
 * The istiod releases: one unrevisioned release (the remote profile's, which has no Deployment,
 * or the only one), else one per revision with the default revision's last, so the `default` tag
 * moves out of one release before another takes it.
 */
function istiodReleases(f: ReleaseFacts): ReleaseInput[] {
  const { spec, cni } = f;
  const common = { component: "istiod" as const, namespace: spec.namespace };
  const base = componentReleaseNames.base;
  if (f.remote || f.revisions.length === 0)
    return [
      {
        ...common,
        name: componentReleaseNames.istiod,
        version: spec.version,
        dependsOn: [base],
        values: f.remote
          ? remoteIstiodValues(spec)
          : istiodValues({ spec, version: spec.version, revision: "", defaultTag: false, cni }),
      },
    ];
  const others = f.revisions.filter((r) => r !== f.defaultRev);
  const ordered = [...others, ...(f.defaultRev === undefined ? [] : [f.defaultRev])];
  return ordered.map((r) => {
    const isDefault = r === f.defaultRev;
    return {
      ...common,
      name: r.release,
      version: r.version,
      dependsOn: isDefault ? [base, ...others.map((o) => o.release)] : [base],
      values: istiodValues({ spec, version: r.version, revision: r.name, defaultTag: isDefault, cni }),
    };
  });
}

/**
 * The control plane's releases in order: base → istiod(s) → cni → ztunnel. In ambient mode cni
 * waits for istiod and ztunnel for cni; with CNI in sidecar mode, cni needs only base.
 */
export function controlPlaneReleases(f: ReleaseFacts): PlannedRelease[] {
  const { spec, meshVersion } = f;
  const ns = spec.namespace;
  const revision = f.defaultRev?.name ?? "";
  const inputs: ReleaseInput[] = [
    {
      name: componentReleaseNames.base,
      component: "base",
      version: f.baseVersion,
      namespace: ns,
      dependsOn: [],
      values: baseValues(spec, revision),
    },
    ...istiodReleases(f),
  ];
  if (f.cni)
    inputs.push({
      name: componentReleaseNames.cni,
      component: "cni",
      version: meshVersion,
      namespace: ns,
      dependsOn: f.ambient ? [f.defaultIstiod] : [componentReleaseNames.base],
      values: cniValues(spec, meshVersion, revision),
    });
  if (f.ambient)
    inputs.push({
      name: componentReleaseNames.ztunnel,
      component: "ztunnel",
      version: meshVersion,
      namespace: ns,
      dependsOn: [componentReleaseNames.cni],
      values: ztunnelValues(spec, meshVersion, revision),
    });
  return inputs.map((r) => releaseOf(spec, r));
}

/**
 * The gateways' releases and what the plan says of each: ingress, then egress, then the
 * east-west gateway; each one's own `helmValues` go last. Helm waits for a gateway unless its
 * Service is a LoadBalancer (whose address may never come).
 */
export function gatewayReleases(
  f: ReleaseFacts,
  eastWest: ReturnType<typeof activeEastWest>,
): { releases: PlannedRelease[]; gateways: PlannedGatewayInfo[] } {
  const { spec } = f;
  const releases: PlannedRelease[] = [];
  const gateways: PlannedGatewayInfo[] = [];
  for (const { g, direction, values } of [
    ...activeGateways(spec.ingressGateways).map((g) => ({ g, direction: "ingress" as const, values: {} })),
    ...activeGateways(spec.egressGateways).map((g) => ({ g, direction: "egress" as const, values: {} })),
    ...(eastWest ? [{ g: eastWest, direction: "eastwest" as const, values: eastWestValues(spec) }] : []),
  ]) {
    const serviceType = g.service?.type || (direction === "egress" ? "ClusterIP" : "LoadBalancer");
    releases.push(
      releaseOf(spec, {
        name: g.name,
        component: "gateway",
        version: f.meshVersion,
        namespace: g.namespace,
        dependsOn: [f.defaultIstiod],
        values: mergeValues(gatewayValues(spec, g), values),
        helmWait: serviceType !== "LoadBalancer",
        own: (g.helmValues ?? {}) as Values,
      }),
    );
    const service = `${g.name}.${g.namespace}.svc.cluster.local`;
    gateways.push({ name: g.name, namespace: g.namespace, direction, serviceType, service });
  }
  return { releases, gateways };
}
