import type { KubernetesIstioValid } from "../../gen/planton/kubernetes/istio/v1/api_pb.js";
import type { KubernetesIstioSpec } from "../../gen/planton/kubernetes/istio/v1/spec_pb.js";
import { caIstiodValues, type PlanInputs, planCa } from "./ca.js";
import { planGatewayApi } from "./gateway-api.js";
import { mergeValues } from "./merge.js";
import { keepOwnTags, planTags, planWorkloadNamespaces } from "./membership.js";
import { activeEastWest, eastWestObjects, meshMultiCluster, planNamespaces } from "./multicluster.js";
import { observabilityObjects, planObservability } from "./observability.js";
import { planNodeAgents } from "./node-agents.js";
import { planRemotes } from "./remotes.js";
import { controlPlaneReleases, gatewayReleases, type ReleaseFacts, releaseFacts } from "./releases.js";
import type { InstallPlan, PlannedCa, PlannedGatewayInfo, PlannedRelease } from "./types.js";
import { waypointObjects } from "./waypoints.js";

/** Namespaces every cluster has; never created or deleted by planton. */
const builtInNamespaces = new Set(["default", "kube-system", "kube-public", "kube-node-lease"]);

/** What `destroy` removes that the charts leave behind. */
const cleanup: InstallPlan["cleanup"] = {
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
};

/**
 * Turns a valid manifest (defaults resolved by `loadManifest`) into the install plan. Pure: no
 * I/O, no clock, no randomness; the same manifest always gives the same plan.
 *
 * Order: base → istiod (one per revision; the default revision's last, so the `default` tag
 * moves out of one release before another takes it) → cni → ztunnel → gateways, then the
 * mesh-wide PeerAuthentication, the east-west gateway's Istio objects, the observability objects
 * and the namespaces' waypoints. In ambient mode cni
 * waits for istiod and ztunnel for cni; with CNI in sidecar mode, cni needs only base. With
 * profile `remote`, istiod is the chart's remote profile (no Deployment: the injector webhook and
 * an `istiod` Service pointing at the primary). Each gateway's own `helmValues` go last.
 */
export function planIstio(manifest: KubernetesIstioValid, inputs: PlanInputs = {}): InstallPlan {
  const spec = manifest.spec;
  const facts = releaseFacts(spec);
  const eastWest = activeEastWest(spec);
  const externalIstiod = !facts.remote && eastWest?.exposeIstiod === true;
  const { releases: gatewayList, gateways } = gatewayReleases(facts, eastWest);
  const releases = [...controlPlaneReleases(facts), ...gatewayList];
  const ca = planCa(spec, inputs.ca);
  addCaValues(releases, ca, externalIstiod);
  const { namespaces, namespacePatches } = planNamespaces(spec, createdNamespaces(spec, gateways));
  const istiods = istiodsByRevision(facts, releases);
  const defaultRevision = facts.defaultRev?.name ?? "";
  keepOwnTags(spec, defaultRevision, istiods);
  const tags = planTags(spec, istiods);
  const observability = planObservability(spec, inputs);
  const gatewayApi = planGatewayApi(
    spec,
    [...istiods.values()].map((r) => r.version),
  );
  return {
    version: 1,
    mesh: {
      name: manifest.metadata.name,
      ...meshFacts(facts),
      revisionTags: Object.fromEntries(tags.map((t) => [t.name, t.revision])),
      gateways,
      ...meshMultiCluster(spec),
      ...nodeAgentsOf(spec, releases, facts.defaultIstiod),
    },
    namespaces,
    releases,
    objects: [
      ...meshObjects(facts, eastWest),
      ...observabilityObjects(spec, facts.defaultIstiod, inputs),
      ...waypointObjects(spec, facts.defaultIstiod, istiods),
    ],
    tags,
    workloadNamespaces: planWorkloadNamespaces(spec, defaultRevision, facts.defaultIstiod, istiods),
    cleanup,
    ...(ca !== undefined ? { ca } : {}),
    remotes: facts.remote ? [] : planRemotes(spec, facts.meshVersion, facts.defaultIstiod, externalIstiod),
    ...(namespacePatches !== undefined ? { namespacePatches } : {}),
    ...(observability !== undefined ? { observability } : {}),
    ...(gatewayApi !== undefined ? { gatewayApi } : {}),
  };
}

/** The node agents' facts, for the ambient profile only. */
function nodeAgentsOf(spec: KubernetesIstioSpec, releases: PlannedRelease[], istiod: string) {
  const nodeAgents = planNodeAgents(spec, releases, istiod);
  return nodeAgents === undefined ? {} : { nodeAgents };
}

/** The mesh CA's istiod values go under the release's own (and the manifest's helmValues). */
function addCaValues(releases: PlannedRelease[], ca: PlannedCa | undefined, externalIstiod: boolean): void {
  for (const r of releases)
    if (r.component === "istiod") {
      r.values = mergeValues(caIstiodValues(ca), r.values);
      if (externalIstiod) r.values = mergeValues({ global: { externalIstiod: true } }, r.values);
    }
}

/** The namespaces planton creates: the control plane's and the gateways', never a built-in one. */
function createdNamespaces(spec: KubernetesIstioSpec, gateways: PlannedGatewayInfo[]): string[] {
  if (spec.createNamespace === false) return [];
  return [...new Set([spec.namespace, ...gateways.map((g) => g.namespace)])].filter(
    (n) => !builtInNamespaces.has(n),
  );
}

/** Revision name ("" for the revision-less istiod) → its istiod release. */
function istiodsByRevision(f: ReleaseFacts, releases: PlannedRelease[]): Map<string, PlannedRelease> {
  const istiods = new Map<string, PlannedRelease>();
  for (const r of releases.filter((x) => x.component === "istiod"))
    istiods.set(f.revisions.find((v) => v.release === r.name)?.name ?? "", r);
  return istiods;
}

/** The mesh's namespace, version, profile, revisions and istiod Services. */
function meshFacts(f: ReleaseFacts) {
  const ns = f.spec.namespace;
  const istiodService = (rev: string) => `istiod${rev ? `-${rev}` : ""}.${ns}.svc:15012`;
  return {
    namespace: ns,
    version: f.meshVersion,
    profile: f.spec.profile,
    revisions: f.revisions.map((r) => ({
      name: r.name,
      version: r.version,
      release: r.release,
      istiodService: istiodService(r.name),
    })),
    defaultRevision: f.defaultRev?.name ?? "",
    istiodService: istiodService(f.defaultRev?.name ?? ""),
  };
}

/** The mesh-wide PeerAuthentication (with `spec.mtls.mode`) and the east-west gateway's Istio objects. */
function meshObjects(f: ReleaseFacts, eastWest: ReturnType<typeof activeEastWest>): InstallPlan["objects"] {
  const { spec } = f;
  const ns = spec.namespace;
  const objects: InstallPlan["objects"] = [];
  if (spec.mtls?.mode)
    objects.push({
      id: "peer-authentication-default",
      dependsOn: [f.defaultIstiod],
      manifest: {
        apiVersion: "security.istio.io/v1",
        kind: "PeerAuthentication",
        metadata: { name: "default", namespace: ns, labels: { "app.kubernetes.io/managed-by": "planton" } },
        spec: { mtls: { mode: spec.mtls.mode } },
      },
    });
  if (eastWest !== undefined) {
    const host = `istiod${f.defaultRev ? `-${f.defaultRev.name}` : ""}.${ns}.svc.cluster.local`;
    objects.push(...eastWestObjects(eastWest, host, eastWest.name));
  }
  return objects;
}
