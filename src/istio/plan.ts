import type { KubernetesIstioValid } from "../../gen/planton/kubernetes/istio/v1/api_pb.js";
import type {
  KubernetesIstioGateway,
  KubernetesIstioSpec,
} from "../../gen/planton/kubernetes/istio/v1/spec_pb.js";
import { caIstiodValues, type PlanInputs, planCa } from "./ca.js";
import { mergeValues, type Values } from "./merge.js";
import { planTags, planWorkloadNamespaces } from "./membership.js";
import {
  activeEastWest,
  eastWestObjects,
  eastWestValues,
  meshMultiCluster,
  planNamespaces,
  planRemotes,
  remoteIstiodValues,
} from "./multicluster.js";
import { compareVersions } from "./versions.js";
import type { ChartSource, Component, InstallPlan, PlannedGatewayInfo, PlannedRelease } from "./types.js";
import { baseValues, cniValues, gatewayValues, istiodValues, ztunnelValues } from "./values.js";

/** Namespaces every cluster has; never created or deleted by planton. */
const builtInNamespaces = new Set(["default", "kube-system", "kube-public", "kube-node-lease"]);

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

/**
 * Turns a valid manifest (defaults resolved by `loadManifest`) into the install plan. Pure: no
 * I/O, no clock, no randomness; the same manifest always gives the same plan.
 *
 * Order: base → istiod (one per revision; the default revision's last, so the `default` tag
 * moves out of one release before another takes it) → cni → ztunnel → gateways, then the
 * mesh-wide PeerAuthentication and the east-west gateway's Istio objects. In ambient mode cni
 * waits for istiod and ztunnel for cni; with CNI in sidecar mode, cni needs only base. With
 * profile `remote`, istiod is the chart's remote profile (no Deployment: the injector webhook and
 * an `istiod` Service pointing at the primary). Each gateway's own `helmValues` go last.
 */
export function planIstio(manifest: KubernetesIstioValid, inputs: PlanInputs = {}): InstallPlan {
  const spec = manifest.spec;
  const ns = spec.namespace;
  const repo = spec.charts?.repository ?? "";
  const ambient = spec.profile === "ambient";
  const cni = ambient || spec.cni?.enabled === true;
  const remote = spec.profile === "remote";
  const eastWest = activeEastWest(spec);
  const externalIstiod = !remote && eastWest?.exposeIstiod === true;

  const revisions = spec.revisions.map((r) => ({
    name: r.name,
    version: r.version,
    release: istiodReleaseName(r.name),
  }));
  const defaultRev = revisions.find((r) => r.name === spec.defaultRevision) ?? revisions[0];
  const meshVersion = defaultRev?.version ?? spec.version;
  // CRDs go first at the newest version (Istio's canary flow upgrades base before the new istiod)
  const baseVersion =
    revisions
      .map((r) => r.version)
      .sort(compareVersions)
      .at(-1) ?? spec.version;
  const defaultIstiod = defaultRev?.release ?? componentReleaseNames.istiod;

  const release = (
    name: string,
    component: Component,
    chart: string,
    version: string,
    namespace: string,
    dependsOn: string[],
    values: Values,
    helmWait = true,
    own: Values = {},
  ): PlannedRelease => ({
    name,
    component,
    chart,
    source: chartSource(repo, chart, version),
    version,
    namespace,
    dependsOn,
    values: mergeValues(mergeValues(values, helmValuesFor(spec, component)), own),
    helmWait,
    timeoutSeconds: timeouts[component],
  });

  const releases: PlannedRelease[] = [
    release(
      componentReleaseNames.base,
      "base",
      "base",
      baseVersion,
      ns,
      [],
      baseValues(spec, defaultRev?.name ?? ""),
    ),
  ];
  if (remote || revisions.length === 0) {
    // one unrevisioned istiod release: the remote profile's (no Deployment) or the only one
    releases.push(
      release(
        componentReleaseNames.istiod,
        "istiod",
        "istiod",
        spec.version,
        ns,
        [componentReleaseNames.base],
        remote
          ? remoteIstiodValues(spec)
          : istiodValues({ spec, version: spec.version, revision: "", defaultTag: false, cni }),
      ),
    );
  } else {
    const others = revisions.filter((r) => r !== defaultRev);
    for (const r of others) {
      releases.push(
        release(
          r.release,
          "istiod",
          "istiod",
          r.version,
          ns,
          [componentReleaseNames.base],
          istiodValues({ spec, version: r.version, revision: r.name, defaultTag: false, cni }),
        ),
      );
    }
    if (defaultRev !== undefined) {
      releases.push(
        release(
          defaultRev.release,
          "istiod",
          "istiod",
          defaultRev.version,
          ns,
          [componentReleaseNames.base, ...others.map((r) => r.release)],
          istiodValues({
            spec,
            version: defaultRev.version,
            revision: defaultRev.name,
            defaultTag: true,
            cni,
          }),
        ),
      );
    }
  }
  if (cni) {
    releases.push(
      release(
        componentReleaseNames.cni,
        "cni",
        "cni",
        meshVersion,
        ns,
        ambient ? [defaultIstiod] : [componentReleaseNames.base],
        cniValues(spec, meshVersion, defaultRev?.name ?? ""),
      ),
    );
  }
  if (ambient) {
    releases.push(
      release(
        componentReleaseNames.ztunnel,
        "ztunnel",
        "ztunnel",
        meshVersion,
        ns,
        [componentReleaseNames.cni],
        ztunnelValues(spec, meshVersion, defaultRev?.name ?? ""),
      ),
    );
  }

  // ingress, then egress, then the east-west gateway; each one's own helmValues go last
  const gateways: PlannedGatewayInfo[] = [];
  for (const { g, direction, values } of [
    ...activeGateways(spec.ingressGateways).map((g) => ({ g, direction: "ingress" as const, values: {} })),
    ...activeGateways(spec.egressGateways).map((g) => ({ g, direction: "egress" as const, values: {} })),
    ...(eastWest ? [{ g: eastWest, direction: "eastwest" as const, values: eastWestValues(spec) }] : []),
  ]) {
    const serviceType = g.service?.type || (direction === "egress" ? "ClusterIP" : "LoadBalancer");
    releases.push(
      release(
        g.name,
        "gateway",
        "gateway",
        meshVersion,
        g.namespace,
        [defaultIstiod],
        mergeValues(gatewayValues(spec, g), values),
        serviceType !== "LoadBalancer",
        (g.helmValues ?? {}) as Values,
      ),
    );
    const service = `${g.name}.${g.namespace}.svc.cluster.local`;
    gateways.push({ name: g.name, namespace: g.namespace, direction, serviceType, service });
  }

  // the mesh CA's istiod values go under the release's own (and the manifest's helmValues)
  const ca = planCa(spec, inputs.ca);
  for (const r of releases)
    if (r.component === "istiod") {
      r.values = mergeValues(caIstiodValues(ca), r.values);
      if (externalIstiod) r.values = mergeValues({ global: { externalIstiod: true } }, r.values);
    }

  const { namespaces, namespacePatches } = planNamespaces(
    spec,
    spec.createNamespace === false
      ? []
      : [...new Set([ns, ...gateways.map((g) => g.namespace)])].filter((n) => !builtInNamespaces.has(n)),
  );

  const objects: InstallPlan["objects"] = [];
  if (spec.mtls?.mode) {
    objects.push({
      id: "peer-authentication-default",
      dependsOn: [defaultIstiod],
      manifest: {
        apiVersion: "security.istio.io/v1",
        kind: "PeerAuthentication",
        metadata: { name: "default", namespace: ns, labels: { "app.kubernetes.io/managed-by": "planton" } },
        spec: { mtls: { mode: spec.mtls.mode } },
      },
    });
  }

  // revision name ("" for the revision-less istiod) → its istiod release
  const istiods = new Map<string, PlannedRelease>();
  for (const r of releases.filter((x) => x.component === "istiod"))
    istiods.set(revisions.find((v) => v.release === r.name)?.name ?? "", r);
  const tags = planTags(spec, istiods);
  const workloadNamespaces = planWorkloadNamespaces(spec, defaultRev?.name ?? "", defaultIstiod, istiods);
  const istiodService = (rev: string) => `istiod${rev ? `-${rev}` : ""}.${ns}.svc:15012`;
  if (eastWest !== undefined) {
    const host = `istiod${defaultRev ? `-${defaultRev.name}` : ""}.${ns}.svc.cluster.local`;
    objects.push(...eastWestObjects(eastWest, host, eastWest.name));
  }
  const remotes = remote ? [] : planRemotes(spec, meshVersion, defaultIstiod, externalIstiod);
  return {
    version: 1,
    mesh: {
      name: manifest.metadata.name,
      namespace: ns,
      version: meshVersion,
      profile: spec.profile,
      revisions: revisions.map((r) => ({
        name: r.name,
        version: r.version,
        release: r.release,
        istiodService: istiodService(r.name),
      })),
      defaultRevision: defaultRev?.name ?? "",
      istiodService: istiodService(defaultRev?.name ?? ""),
      revisionTags: Object.fromEntries(tags.map((t) => [t.name, t.revision])),
      gateways,
      ...meshMultiCluster(spec),
    },
    namespaces,
    releases,
    objects,
    tags,
    workloadNamespaces,
    cleanup: {
      webhookSelectors: ["app=sidecar-injector", "app=istiod", "istio.io/tag"],
      configMapsInAllNamespaces: ["istio-ca-root-cert"],
      controlPlaneObjects: [
        { kind: "Secret", name: "istio-ca-secret" },
        { kind: "ConfigMap", name: "istio-leader" },
        { kind: "ConfigMap", name: "istio-namespace-controller-election" },
        { kind: "ConfigMap", name: "istio-gateway-status-leader" },
        { kind: "ConfigMap", name: "istio-gateway-deployment-default" },
      ],
      crdGroups: ["istio.io"],
    },
    ...(ca !== undefined ? { ca } : {}),
    remotes,
    ...(namespacePatches !== undefined ? { namespacePatches } : {}),
  };
}
