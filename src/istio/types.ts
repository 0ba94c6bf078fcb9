import type { PlannedGatewayApi } from "./gateway-api.js";
import type { PlannedNodeAgents } from "./node-agents.js";

/**
 * The install plan: plain, versioned JSON that says everything that will be installed. `render`
 * prints it, `preview` diffs it, the Pulumi program draws it, and golden files pin it.
 */
export interface InstallPlan {
  /** Format version of this document. */
  version: 1;
  /** Facts about the mesh that the stack outputs and the summary report. */
  mesh: PlannedMesh;
  /** Namespaces to create before any release (empty when `createNamespace: false`). */
  namespaces: PlannedNamespace[];
  /** Helm releases in a valid install order; `dependsOn` names only real prerequisites. */
  releases: PlannedRelease[];
  /** Kubernetes objects to apply after the releases they depend on. */
  objects: PlannedObject[];
  /** Revision tags, each rendered from its target revision's istiod chart and owned apart from it. */
  tags: PlannedTag[];
  /** Workload namespaces planton labels for injection (and creates when asked). */
  workloadNamespaces: PlannedWorkloadNamespace[];
  /** What istiod leaves behind at run time, removed by `destroy` after the releases. */
  cleanup: PlannedCleanup;
  /** The mesh CA, when it is not istiod's self-signed one. */
  ca?: PlannedCa;
  /** Remote secrets: one per `spec.multiCluster.remotes[]` (empty when there are none). */
  remotes: PlannedRemote[];
  /**
   * Labels and annotations planton owns on namespaces it does not create (the control plane's,
   * with `createNamespace: false`): server-side applied with planton's own field manager and
   * removed on destroy, never the namespace itself. Absent when there are none.
   */
  namespacePatches?: PlannedNamespacePatch[];
  /** What `spec.observability` sets up (its objects are in `objects`). Absent without it. */
  observability?: PlannedObservability;
  /** The Gateway API CRD bundle planton installs (`spec.gatewayApi`). Absent when it installs none. */
  gatewayApi?: PlannedGatewayApi;
}

/** The plan's summary of `spec.observability`. */
export interface PlannedObservability {
  /** Names of the mesh config's `extensionProviders` planton writes. */
  providers: string[];
  /** The provider the mesh-wide Telemetry traces to, and its sampling. */
  tracing?: { provider: string; samplingPercent: number } | undefined;
  /** `AUTO`, `ON` or `OFF`; whether the ServiceMonitor and PodMonitor are created, and why not. */
  monitors: { mode: string; create: boolean; reason: string };
  /** Names of the dashboards' ConfigMaps. */
  dashboards: string[];
}

/** A remote secret: this cluster's istiod reads the remote cluster's API through it. */
export interface PlannedRemote {
  /** The remote cluster's name in the mesh (its `multiCluster.clusterName`). */
  clusterName: string;
  /** How to reach the remote cluster: an absolute kubeconfig path ("" = $KUBECONFIG, else ~/.kube/config) and a context ("" = that file's current context). */
  kubeconfig: string;
  context: string;
  /** The remote API server's address as istiod reaches it ("" = the kubeconfig context's server). */
  server: string;
  /** In this cluster: the Secret istiod watches (`istio-remote-secret-<clusterName>` in the control-plane namespace). */
  secret: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  };
  /** In the remote cluster: the reader planton creates: service account and its token Secret in `kube-system` (always there, whatever the remote's install order), a ClusterRole and a ClusterRoleBinding, all named `istio-reader-<this clusterName>-<remote clusterName>` (both as object-name parts: lower case, `_` and `.` as `-`; token Secret `istio-reader-<this>-<remote>-token`). Both names, so renaming the remote in the manifest (same cluster) gives new objects that do not collide with the old ones while Pulumi creates the new before deleting the old. */
  reader: {
    namespace: string;
    serviceAccount: string;
    tokenSecret: string;
    clusterRole: string;
    clusterRoleBinding: string;
  };
  /** The ClusterRole's rules: what the istiod chart's own reader ClusterRole grants (render the real chart and take the rules; profile-dependent if the chart makes them so). */
  rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
  /** Plan releases that must exist first (the control-plane namespace and istiod). */
  dependsOn: string[];
}

/** Labels and annotations planton sets on a namespace that exists already. */
export interface PlannedNamespacePatch {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** One certificate of the plug-in CA, as `render` shows it. */
export interface CaCertificateFacts {
  /** The file it is in: ca-cert.pem, root-cert.pem or cert-chain.pem. */
  file: string;
  subject: string;
  issuer: string;
  /** SHA-256 fingerprint. */
  fingerprint: string;
  /** Expiry, ISO 8601. */
  notAfter: string;
}

/** The plug-in CA's certificates, and a checksum of the three certificate files (never of the key). */
export interface CaFacts {
  certificates: CaCertificateFacts[];
  checksum: string;
}

/** The mesh's certificate authority (`spec.ca`); never holds a private key, only file paths. */
export interface PlannedCa {
  type: "PLUGIN" | "ISTIO_CSR";
  /** PLUGIN: the `cacerts` Secret in the control plane's namespace, which every istiod release waits for. */
  secret?: {
    name: string;
    namespace: string;
    /** planton creates (and on destroy deletes) it; false: it must exist (`existingSecret`). */
    create: boolean;
    /** Secret key → absolute path of the file the program reads (empty when not created). */
    files: Record<string, string>;
    /** The certificates' subjects, fingerprints and expiry (not the key). */
    certificates: CaCertificateFacts[];
    /** SHA-256 of the three certificate files, istiod's pod annotation. */
    checksum: string;
  };
  /** ISTIO_CSR: where proxies send CSRs, and istio-csr's Service when it is in the cluster. */
  istioCsr?: {
    address: string;
    service: { name: string; namespace: string } | undefined;
    /** The ConfigMap holding the root istio-csr distributes in every namespace. */
    rootCaConfigMap: string;
  };
}

export interface PlannedMesh {
  name: string;
  /** Control-plane namespace. */
  namespace: string;
  /** Istio version of the default revision (or of the only istiod). */
  version: string;
  profile: string;
  revisions: { name: string; version: string; release: string; istiodService: string }[];
  /** Revision that holds the `default` tag; empty for an unrevisioned install. */
  defaultRevision: string;
  /** In-cluster address of the default istiod. */
  istiodService: string;
  /** Revision tags: tag → revision. */
  revisionTags: Record<string, string>;
  gateways: PlannedGatewayInfo[];
  /** This cluster in a multi-cluster mesh (absent otherwise): its name and network, and for profile remote the primary it uses. */
  multiCluster?: {
    meshId: string;
    clusterName: string;
    network: string;
    primary?: { clusterName: string; address: string };
  };
  /** The ambient profile's node agents and how they are upgraded (absent for other profiles). */
  nodeAgents?: PlannedNodeAgents;
}

/**
 * A revision tag: the `istio-revision-tag-<name>` MutatingWebhookConfiguration and the
 * `istiod-revision-tag-<name>` Service, exactly as the istiod chart renders them for the target
 * revision with `revisionTags: [name]`; the program keeps only those two objects.
 */
export interface PlannedTag {
  name: string;
  /** The revision it points at, and that revision's istiod release (which must be ready first). */
  revision: string;
  release: string;
  chart: string;
  source: ChartSource;
  version: string;
  namespace: string;
  /** The target istiod release's values, with `revisionTags: [name]`. */
  values: Record<string, unknown>;
}

/** A workload namespace and the labels planton owns on it. */
export interface PlannedWorkloadNamespace {
  name: string;
  /** planton creates (and on destroy deletes) it; otherwise it only sets and removes its labels. */
  create: boolean;
  injection: "SIDECAR" | "AMBIENT" | "DISABLED";
  /** The revision or tag the manifest names (empty: the default revision). */
  target: string;
  /** The revision that injects its pods, tags resolved (`default` for the revision-less istiod); empty when no sidecar is injected. */
  revision: string;
  labels: Record<string, string>;
  /** Plan releases, tags and objects (the waypoint its label names) that must be ready before the labels are set. */
  dependsOn: string[];
}

export interface PlannedGatewayInfo {
  name: string;
  namespace: string;
  /** `eastwest`: the network gateway of `spec.eastWestGateway`. */
  direction: "ingress" | "egress" | "eastwest";
  serviceType: string;
  /** In-cluster DNS name of its Service. */
  service: string;
}

export interface PlannedNamespace {
  name: string;
  labels: Record<string, string>;
  /** Absent when there are none (only the remote profile's `topology.istio.io/controlPlaneClusters`). */
  annotations?: Record<string, string>;
}

/** Where a chart comes from. */
export type ChartSource =
  | { type: "repository"; url: string }
  | { type: "oci"; ref: string }
  | { type: "archive"; path: string };

export type Component = "base" | "istiod" | "cni" | "ztunnel" | "gateway";

export interface PlannedRelease {
  /** Helm release name; a gateway's is exactly the gateway's name. */
  name: string;
  component: Component;
  /** Chart name in Istio's repository. */
  chart: string;
  source: ChartSource;
  /** Chart version, which is also the Istio version. */
  version: string;
  namespace: string;
  /** Names of releases that must be installed (and ready) first. */
  dependsOn: string[];
  /** Helm values, exactly as sent to the chart. */
  values: Record<string, unknown>;
  /** Wait for readiness the way `helm --wait` does. Off for LoadBalancer gateways, whose Service
   *  may never get an address (kind, bare metal); their Deployment is waited for separately. */
  helmWait: boolean;
  /** How long the release may take to install or upgrade, in seconds. */
  timeoutSeconds: number;
}

export interface PlannedObject {
  /** Stable name for this object in the plan, e.g. `peer-authentication-default`. */
  id: string;
  /** Plan releases, and `namespace/<name>` for a workload namespace (a waypoint's), to exist first. */
  dependsOn: string[];
  manifest: {
    apiVersion: string;
    kind: string;
    metadata: {
      name: string;
      namespace?: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    };
    /** Absent only for a ConfigMap, which has `data` instead. */
    spec?: Record<string, unknown>;
    data?: Record<string, string>;
  };
}

export interface PlannedCleanup {
  /** Label selectors of webhook configurations istiod or istioctl may create outside Helm. */
  webhookSelectors: string[];
  /** ConfigMaps istiod writes into every namespace. */
  configMapsInAllNamespaces: string[];
  /** Objects istiod creates in its own namespace (kind/name). */
  controlPlaneObjects: { kind: "Secret" | "ConfigMap" | "Lease"; name: string }[];
  /** Istio's CRD group suffix, for `--purge-crds`. */
  crdGroups: string[];
}

/** A Helm release that the engine was installing or upgrading when its process was killed. */
export interface InterruptedRelease {
  name: string;
  namespace: string;
  /** `creating`: Pulumi never recorded the release; `updating`: an upgrade was cut off. */
  operation: string;
}
