/**
 * `planton status` in a mesh over several clusters, on API objects shaped as the Kubernetes API
 * returns them: a remote-profile cluster (no istiod; the `istiod` Service and its EndpointSlice
 * or ExternalName leading to the primary, the injector calling it on this cluster's path, its
 * CA bundle written by the primary's istiod), a primary's remote secrets, and the east-west
 * gateway's field name.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type * as k8s from "@kubernetes/client-node";
import {
  type CheckReads,
  checkControlPlane,
  checkGateways,
  checkRemoteSecrets,
  checkWebhooks,
  evaluate,
  isChartIp,
  namespaceStatuses,
} from "../../../src/deploy/status.js";
import { remoteSecretRecord } from "../../../src/cluster/multicluster-reads.js";
import { checkNamed, noReleasesState, notOk, planOfYaml } from "../../helpers/status-checks.js";

const manifest = (name: string, spec: string) =>
  `apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesIstio\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

/** A remote-profile manifest whose primary is at `address`, then `rest` of the spec. */
const remoteManifest = (address: string, rest = "") =>
  manifest(
    "mesh-remote",
    `  profile: remote
  multiCluster:
    meshId: mesh1
    clusterName: remote
    network: net-remote
    primary:
      clusterName: primary
      address: ${address}
${rest}`,
  );

/** examples/multicluster/primary-remote/remote.yaml */
const remote = planOfYaml(remoteManifest("192.0.2.10", "  eastWestGateway: {}\n"));

/** The same remote with the primary's address a DNS name (the chart renders an ExternalName). */
const remoteByName = planOfYaml(remoteManifest("istiod.hub.example.com"));

/** examples/multicluster/primary-remote/primary.yaml */
const primary = planOfYaml(
  manifest(
    "mesh-primary",
    `  profile: minimal
  multiCluster:
    meshId: mesh1
    clusterName: primary
    network: net-primary
    remotes:
      - clusterName: remote
        context: remote
      - clusterName: edge_1
        context: edge
  eastWestGateway:
    exposeIstiod: true
`,
  ),
);

const state = noReleasesState;

const ca = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString("base64");
const path = "/inject/cluster/remote/net/net-remote";

/** The remote profile's injector as the istiod chart renders it, with the bundle the primary writes. */
function remoteInjector(caBundle = ca, injectPath = path): k8s.V1MutatingWebhookConfiguration {
  const hook = (name: string): k8s.V1MutatingWebhook => ({
    name,
    admissionReviewVersions: ["v1"],
    sideEffects: "None",
    failurePolicy: "Fail",
    clientConfig: {
      service: { name: "istiod", namespace: "istio-system", path: injectPath, port: 443 },
      ...(caBundle === "" ? {} : { caBundle }),
    },
  });
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: {
      name: "istio-sidecar-injector",
      labels: { app: "sidecar-injector", "istio.io/rev": "default", release: "istiod" },
    },
    webhooks: [
      hook("rev.namespace.sidecar-injector.istio.io"),
      hook("rev.object.sidecar-injector.istio.io"),
      hook("namespace.sidecar-injector.istio.io"),
      hook("object.sidecar-injector.istio.io"),
    ],
  };
}

/** base's default validator, calling the same `istiod` Service. */
function defaultValidator(caBundle = ca): k8s.V1ValidatingWebhookConfiguration {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingWebhookConfiguration",
    metadata: { name: "istiod-default-validator", labels: { app: "istiod", "istio.io/rev": "default" } },
    webhooks: [
      {
        name: "validation.istio.io",
        admissionReviewVersions: ["v1"],
        sideEffects: "None",
        failurePolicy: "Fail",
        clientConfig: {
          service: { name: "istiod", namespace: "istio-system", path: "/validate" },
          ...(caBundle === "" ? {} : { caBundle }),
        },
      },
    ],
  };
}

/** The remote profile's `istiod` Service: ClusterIP without a selector, or an ExternalName. */
function istiodService(externalName?: string): k8s.V1Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "istiod", namespace: "istio-system", labels: { "istio.io/rev": "default" } },
    spec: {
      ports: [
        { port: 15012, name: "tcp-istiod", protocol: "TCP" },
        { port: 443, targetPort: 15017, name: "tcp-webhook", protocol: "TCP" },
      ],
      ...(externalName === undefined
        ? { type: "ClusterIP", clusterIP: "10.96.0.20" }
        : { type: "ExternalName", externalName }),
    },
  };
}

function istiodSlice(address = "192.0.2.10", ports = [15012, 15017]): k8s.V1EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: "istiod",
      namespace: "istio-system",
      labels: { "kubernetes.io/service-name": "istiod", "endpointslice.kubernetes.io/managed-by": "Helm" },
    },
    addressType: "IPv4",
    endpoints: [{ addresses: [address] }],
    ports: ports.map((port) => ({
      port,
      protocol: "TCP",
      name: port === 15012 ? "tcp-istiod" : "tcp-webhook",
    })),
  };
}

function gatewayDeployment(name: string, replicas: number, ready: number): k8s.V1Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "istio-system", labels: { app: name, istio: "eastwestgateway" } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { spec: { containers: [{ name: "istio-proxy", image: "auto" }] } },
    },
    status: { replicas, readyReplicas: ready },
  };
}

const gatewayService = (name: string, type = "LoadBalancer", ip = "198.51.100.4"): k8s.V1Service => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "istio-system" },
  spec: { type, ports: [{ port: 15443, name: "tls" }] },
  status: { loadBalancer: type === "LoadBalancer" ? { ingress: [{ ip }] } : {} },
});

const helm = (name: string, chart: string, version: string) => ({
  name,
  namespace: "istio-system",
  revision: 1,
  status: "deployed",
  chart,
  chartVersion: version,
});

const namespace = (name: string, labels: Record<string, string> = {}): k8s.V1Namespace => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name, labels: { "kubernetes.io/metadata.name": name, ...labels } },
});

/** A pod the primary's istiod injected through this cluster's injector (revision `default`). */
const injectedPod = (ns: string, name: string): k8s.V1Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name,
    namespace: ns,
    labels: { app: name, "security.istio.io/tlsMode": "istio" },
    annotations: {
      "sidecar.istio.io/status": JSON.stringify({ containers: ["istio-proxy"], revision: "default" }),
    },
  },
  spec: { containers: [{ name: "app", image: "nginx" }] },
  status: { phase: "Running" },
});

/** What a healthy remote cluster shows: no istiod Deployment, the primary reached through `istiod`. */
function healthyRemote(): CheckReads {
  const version = remote.mesh.version;
  return {
    helmReleases: [
      helm("istio-base", "base", version),
      helm("istiod", "istiod", version),
      helm("istio-eastwestgateway", "gateway", version),
    ],
    deployments: [gatewayDeployment("istio-eastwestgateway", 1, 1)],
    podDisruptionBudgets: [],
    crds: [
      {
        metadata: { name: "virtualservices.networking.istio.io" },
        spec: {
          group: "networking.istio.io",
          names: { plural: "virtualservices", kind: "VirtualService" },
          scope: "Namespaced",
          versions: [],
        },
        status: {
          conditions: [{ type: "Established", status: "True" }],
          acceptedNames: { plural: "x", kind: "X" },
          storedVersions: [],
        },
      },
    ],
    mutatingWebhooks: [remoteInjector()],
    validatingWebhooks: [defaultValidator()],
    services: [istiodService(), gatewayService("istio-eastwestgateway")],
    peerAuthentications: [],
    namespaces: [namespace("istio-system"), namespace("shop", { "istio-injection": "enabled" })],
    pods: [injectedPod("shop", "web")],
    istiodEndpointSlices: [istiodSlice()],
  };
}

/** A remote secret as `istioctl create-remote-secret` (and planton) shapes it. */
function remoteSecret(cluster: string, over: Partial<k8s.V1ObjectMeta> = {}, key = cluster): k8s.V1Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: `istio-remote-secret-${cluster.replace("_", "-")}`,
      namespace: "istio-system",
      labels: { "istio/multiCluster": "true", "app.kubernetes.io/managed-by": "planton" },
      annotations: { "networking.istio.io/cluster": cluster },
      ...over,
    },
    type: "Opaque",
    data: {
      [key]: Buffer.from("apiVersion: v1\nkind: Config\nusers: [{user: {token: sekret-token}}]\n").toString(
        "base64",
      ),
    },
  };
}

describe("status on a remote-profile cluster", () => {
  it("healthy: one control-plane check, served by the primary; nothing expects a local istiod", () => {
    const r = evaluate(healthyRemote(), remote, state);
    assert.deepEqual(notOk(r.checks), []);
    const cp = r.checks.filter((c) => c.category === "control-plane");
    assert.deepEqual(
      cp.map((c) => [c.name, c.message]),
      [
        [
          "istiod/primary",
          "served by the primary primary at 192.0.2.10 (Service istio-system/istiod → EndpointSlice 192.0.2.10)",
        ],
      ],
    );
    assert.match(
      checkNamed(r.checks, "injector/default").message,
      /^injector istio-sidecar-injector calls istiod → the primary primary \(\/inject\/cluster\/remote\/net\/net-remote\), CA bundle set$/,
    );
    // the pods the primary injected are up to date, not "a revision this mesh does not run"
    assert.deepEqual(namespaceStatuses(healthyRemote(), remote), [
      {
        name: "shop",
        injection: "istio-injection=enabled",
        targetRevision: "default",
        upToDate: 1,
        outdated: 0,
        missing: 0,
      },
    ]);
  });

  it("a DNS name: the istiod Service is an ExternalName of it", () => {
    const reads = {
      ...healthyRemote(),
      services: [istiodService("istiod.hub.example.com")],
      istiodEndpointSlices: [],
    };
    const [c] = checkControlPlane(reads, remoteByName, state);
    assert.equal(c?.state, "ok", c?.message);
    assert.equal(
      c?.message,
      "served by the primary primary at istiod.hub.example.com (Service istio-system/istiod → ExternalName istiod.hub.example.com)",
    );
    const wrong = checkControlPlane(
      { ...reads, services: [istiodService("old.example.com")] },
      remoteByName,
      state,
    )[0];
    assert.equal(wrong?.state, "error");
    assert.match(
      wrong?.message ?? "",
      /is an ExternalName of old\.example\.com, not an ExternalName of the primary primary at istiod\.hub\.example\.com/,
    );
    assert.match(wrong?.hint ?? "", /points it at spec\.multiCluster\.primary\.address/);
  });

  it("the chart's IP patterns decide between an EndpointSlice and an ExternalName", () => {
    assert.ok(isChartIp("192.0.2.10"));
    assert.ok(isChartIp("2001:db8::10"));
    assert.ok(!isChartIp("istiod.hub.example.com"));
  });

  const failing: [string, (r: CheckReads) => CheckReads, RegExp, RegExp][] = [
    [
      "the istiod Service is missing",
      (r) => ({ ...r, services: r.services.filter((s) => s.metadata?.name !== "istiod") }),
      /the Service istio-system\/istiod is missing: the injector webhook cannot reach the primary primary at 192\.0\.2\.10/,
      /planton apply` reinstalls it \(Helm release istiod, profile remote\)/,
    ],
    [
      "no EndpointSlice",
      (r) => ({ ...r, istiodEndpointSlices: [] }),
      /the Service istio-system\/istiod has no EndpointSlice: it points nowhere/,
      /reinstalls it/,
    ],
    [
      "the EndpointSlice points elsewhere",
      (r) => ({ ...r, istiodEndpointSlices: [istiodSlice("192.0.2.99")] }),
      /points at 192\.0\.2\.99, not the primary primary at 192\.0\.2\.10 \(spec\.multiCluster\.primary\.address\)/,
      /points it at spec\.multiCluster\.primary\.address/,
    ],
    [
      "the webhook port is missing",
      (r) => ({ ...r, istiodEndpointSlices: [istiodSlice("192.0.2.10", [15012])] }),
      /lacks port 15017 of the primary primary/,
      /reinstalls it/,
    ],
  ];
  for (const [what, change, message, hint] of failing)
    it(`${what}: the control-plane check is an error with its fix`, () => {
      const checks = checkControlPlane(change(healthyRemote()), remote, state);
      assert.equal(checks.length, 1);
      assert.equal(checks[0]?.name, "istiod/primary");
      assert.equal(checks[0]?.state, "error");
      assert.match(checks[0]?.message ?? "", message);
      assert.match(checks[0]?.hint ?? "", hint);
    });

  it("a missing CA bundle is an error pointing at the primary's istiod and its remote secret, not at a local istiod", () => {
    const reads = {
      ...healthyRemote(),
      mutatingWebhooks: [remoteInjector("")],
      validatingWebhooks: [defaultValidator("")],
    };
    const checks = checkWebhooks(reads, remote, state);
    for (const name of ["injector/default", "validation"]) {
      const c = checkNamed(checks, name);
      assert.equal(c.state, "error", name);
      assert.match(c.message, /has no CA bundle .*: the API server cannot call the primary primary's istiod/);
      assert.match(c.hint, /istio-remote-secret-remote/);
      assert.doesNotMatch(c.hint, /kubectl -n istio-system logs deployment\/istiod/);
    }
  });

  it("the injector calling another cluster's path is an error", () => {
    const reads = {
      ...healthyRemote(),
      mutatingWebhooks: [remoteInjector(ca, "/inject/cluster/other/net/net-remote")],
    };
    const c = checkNamed(checkWebhooks(reads, remote, state), "injector/default");
    assert.equal(c.state, "error");
    assert.match(
      c.message,
      /calls path \/inject\/cluster\/other\/net\/net-remote .*; the primary serves this cluster on \/inject\/cluster\/remote\/net\/net-remote/,
    );
  });

  it("apply's verification of a remote cluster passes on what a remote cluster has (no istiod, PDB or tags)", () => {
    const r = evaluate(healthyRemote(), remote, state);
    assert.equal(r.state, "ok");
    assert.ok(
      !r.checks.some((c) =>
        /istiod istio-system\/istiod|PodDisruptionBudget|tag\//.test(`${c.name} ${c.message}`),
      ),
    );
  });
});

describe("status: the east-west gateway", () => {
  it("its fix names spec.eastWestGateway", () => {
    const reads = { ...healthyRemote(), deployments: [gatewayDeployment("istio-eastwestgateway", 0, 0)] };
    const [c] = checkGateways(reads, remote, state);
    assert.equal(c?.state, "error");
    assert.match(c?.hint ?? "", /\(spec\.eastWestGateway\.replicas sets the count\)/);
    const wrongType = {
      ...healthyRemote(),
      services: [istiodService(), gatewayService("istio-eastwestgateway", "NodePort")],
    };
    assert.match(
      checkGateways(wrongType, remote, state)[0]?.hint ?? "",
      /spec\.eastWestGateway\.service\.type/,
    );
  });
});

describe("status: remote secrets on a primary", () => {
  const reads = (secrets: Record<string, k8s.V1Secret | undefined>): CheckReads =>
    ({
      remoteSecrets: Object.fromEntries(
        Object.entries(secrets).map(([k, s]) => [k, s === undefined ? undefined : remoteSecretRecord(s)]),
      ),
    }) as unknown as CheckReads;

  it("each planned remote's Secret present, labelled and annotated, with its kubeconfig key", () => {
    const checks = checkRemoteSecrets(
      reads({ remote: remoteSecret("remote"), edge_1: remoteSecret("edge_1") }),
      primary,
      state,
    );
    assert.deepEqual(
      checks.map((c) => [c.name, c.category, c.state, c.message]),
      [
        [
          "remote-secret/remote",
          "remote-secrets",
          "ok",
          "remote secret istio-system/istio-remote-secret-remote present: istiod reads cluster remote",
        ],
        [
          "remote-secret/edge_1",
          "remote-secrets",
          "ok",
          "remote secret istio-system/istio-remote-secret-edge-1 present: istiod reads cluster edge_1",
        ],
      ],
    );
  });

  it("only metadata and key names are kept: the kubeconfig and its token go no further", () => {
    const record = remoteSecretRecord(remoteSecret("remote"));
    assert.deepEqual(record.dataKeys, ["remote"]);
    assert.ok(!JSON.stringify(record).includes(Buffer.from("sekret").toString("base64").slice(0, 6)));
    assert.ok(!JSON.stringify(record).includes("sekret"));
  });

  const broken: [string, k8s.V1Secret | undefined, RegExp][] = [
    ["missing", undefined, /istio-remote-secret-remote is missing: istiod does not read cluster remote/],
    [
      "without the label",
      remoteSecret("remote", { labels: { "app.kubernetes.io/managed-by": "planton" } }),
      /lacks the label istio\/multiCluster: "true": istiod ignores it/,
    ],
    [
      "annotated for another cluster",
      remoteSecret("remote", { annotations: { "networking.istio.io/cluster": "west" } }),
      /has the annotation networking\.istio\.io\/cluster: "west"; it names cluster "remote"/,
    ],
    [
      "without the annotation",
      remoteSecret("remote", { annotations: {} }),
      /has the annotation networking\.istio\.io\/cluster: \(none\)/,
    ],
    [
      "the kubeconfig under another key",
      remoteSecret("remote", {}, "west"),
      /holds no kubeconfig under the key remote \(keys: west\)/,
    ],
  ];
  for (const [what, secret, message] of broken)
    it(`${what}: an error that planton apply recreates it, never the kubeconfig`, () => {
      const c = checkNamed(
        checkRemoteSecrets(reads({ remote: secret, edge_1: remoteSecret("edge_1") }), primary, state),
        "remote-secret/remote",
      );
      assert.equal(c.state, "error");
      assert.match(c.message, message);
      assert.equal(c.hint, "`planton apply` recreates it");
      assert.ok(!`${c.message}${c.details.join("")}`.includes("sekret"));
    });

  it("a plan without remotes has no remote-secret check", () => {
    assert.deepEqual(checkRemoteSecrets(reads({}), remote, state), []);
  });
});
