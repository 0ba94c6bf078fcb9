/**
 * `planton status`'s checks on API objects shaped as the Kubernetes API returns them (the
 * fields Helm, the istiod and gateway charts and istiod itself write), for a healthy canary mesh
 * and for each way it can be unhealthy.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromJsonString } from "@bufbuild/protobuf";
import type * as k8s from "@kubernetes/client-node";
import { KubernetesIstioStatusReportSchema } from "../../../gen/planton/kubernetes/istio/v1/status_pb.js";
import { parseWait } from "../../../src/cli/commands/status.js";
import {
  helmRecordOf,
  newestHelmRecords,
  type PeerAuthentication,
  type StatusReads,
  stackNamespaces,
} from "../../../src/cluster/status-reads.js";
import {
  checkControlPlane,
  checkCrds,
  checkGateways,
  checkMtls,
  checkNamespaces,
  checkReleases,
  checkWebhooks,
  evaluate,
  imageTag,
  injectedRevision,
  istiodPdbPlanned,
  namespaceStatuses,
  skippedPod,
  workloadOf,
} from "../../../src/deploy/status.js";
import { UsageError } from "../../../src/errors.js";
import { renderStatusJson, renderStatusTable } from "../../../src/output/status.js";
import { createStyle } from "../../../src/output/style.js";
import type { StackState } from "../../../src/pulumi/state.js";
import { assertAllOk, checkNamed, noReleasesState, planOfYaml } from "../../helpers/status-checks.js";
import { helmSecret as helmRecord } from "../adopt/fixtures.js";

/** A canary mesh: two revisions, 1-30-3 holds the default tag; 2 istiod replicas (so a PDB). */
const canary = planOfYaml(`apiVersion: kubernetes.project-planton.org/v1
kind: KubernetesIstio
metadata:
  name: shop-mesh
spec:
  profile: minimal
  revisions:
    - name: 1-29-6
      version: "1.29.6"
    - name: 1-30-3
      version: "1.30.3"
  defaultRevision: 1-30-3
  controlPlane:
    replicas: 2
  ingressGateways:
    - name: istio-ingressgateway
      namespace: istio-ingress
  mtls:
    mode: STRICT
`);

/** An unrevisioned mesh with istiod only. */
const dev = planOfYaml(`apiVersion: kubernetes.project-planton.org/v1
kind: KubernetesIstio
metadata:
  name: dev-mesh
spec:
  profile: minimal
`);

const state = noReleasesState;

// ------------------------------------------------------------------------------------------
// recorded objects

/** A Helm storage Secret as the API returns it, its values holding what must never be copied. */
const helmSecret = (
  name: string,
  namespace: string,
  revision: number,
  status: string,
  chart: string,
  version: string,
): k8s.V1Secret =>
  helmRecord({ name, namespace, revision, status, chart, version, values: { secretValue: "never-copied" } });

function deployment(
  namespace: string,
  name: string,
  opts: { replicas?: number; ready?: number; image?: string; labels?: Record<string, string> } = {},
): k8s.V1Deployment {
  const replicas = opts.replicas ?? 1;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, generation: 2, labels: opts.labels ?? { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        spec: {
          containers: [
            {
              name: opts.image?.includes("pilot") ? "discovery" : "istio-proxy",
              image: opts.image ?? "auto",
            },
          ],
        },
      },
    },
    status: {
      observedGeneration: 2,
      replicas,
      readyReplicas: opts.ready ?? replicas,
      availableReplicas: opts.ready ?? replicas,
      updatedReplicas: replicas,
    },
  };
}

const istiod = (
  rev: string,
  version: string,
  opts: { replicas?: number; ready?: number; image?: string } = {},
) =>
  deployment("istio-system", rev === "default" ? "istiod" : `istiod-${rev}`, {
    replicas: 2,
    image: `docker.io/istio/pilot:${version}`,
    ...opts,
    labels: { app: "istiod", "istio.io/rev": rev, istio: "pilot" },
  });

const pdb = (namespace: string, name: string): k8s.V1PodDisruptionBudget => ({
  apiVersion: "policy/v1",
  kind: "PodDisruptionBudget",
  metadata: { name, namespace },
  spec: { minAvailable: 1, selector: { matchLabels: { app: "istiod" } } },
});

function crd(name: string, establishedStatus = "True"): k8s.V1CustomResourceDefinition {
  const [plural, ...group] = name.split(".");
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name },
    spec: {
      group: group.join("."),
      names: { plural: plural ?? "", kind: "X" },
      scope: "Namespaced",
      versions: [{ name: "v1", served: true, storage: true }],
    },
    status: {
      conditions: [
        { type: "NamesAccepted", status: "True" },
        { type: "Established", status: establishedStatus },
      ],
      acceptedNames: { plural: plural ?? "", kind: "X" },
      storedVersions: ["v1"],
    },
  };
}

const ca = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString("base64");

function mutating(
  name: string,
  service: string,
  labels: Record<string, string>,
  caBundle = ca,
): k8s.V1MutatingWebhookConfiguration {
  const hook = (n: string): k8s.V1MutatingWebhook => ({
    name: n,
    admissionReviewVersions: ["v1"],
    sideEffects: "None",
    clientConfig: {
      service: { name: service, namespace: "istio-system", path: "/inject", port: 443 },
      ...(caBundle === "" ? {} : { caBundle }),
    },
  });
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: { name, labels: { app: "sidecar-injector", ...labels } },
    webhooks: [hook("rev.namespace.sidecar-injector.istio.io"), hook("rev.object.sidecar-injector.istio.io")],
  };
}
const injector = (rev: string, caBundle = ca) =>
  mutating(`istio-sidecar-injector-${rev}`, `istiod-${rev}`, { "istio.io/rev": rev }, caBundle);
const tag = (name: string, rev: string) =>
  mutating(`istio-revision-tag-${name}`, `istiod-${rev}`, { "istio.io/rev": rev, "istio.io/tag": name });

function validating(name: string, service: string, rev: string): k8s.V1ValidatingWebhookConfiguration {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingWebhookConfiguration",
    metadata: { name, labels: { app: "istiod", "istio.io/rev": rev } },
    webhooks: [
      {
        name: "rev.validation.istio.io",
        admissionReviewVersions: ["v1"],
        sideEffects: "None",
        failurePolicy: "Fail",
        clientConfig: {
          service: { name: service, namespace: "istio-system", path: "/validate" },
          caBundle: ca,
        },
      },
    ],
  };
}

function service(namespace: string, name: string, type: string, ingress: string[] = []): k8s.V1Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace },
    spec: { type, ports: [{ port: 80, name: "http2" }] },
    status: { loadBalancer: type === "LoadBalancer" ? { ingress: ingress.map((ip) => ({ ip })) } : {} },
  };
}

const peer = (mode: string, name = "default"): PeerAuthentication => ({
  metadata: { name, namespace: "istio-system", labels: { "app.kubernetes.io/managed-by": "planton" } },
  spec: { mtls: { mode } },
});

const namespace = (name: string, labels: Record<string, string> = {}): k8s.V1Namespace => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name, labels: { "kubernetes.io/metadata.name": name, ...labels } },
  status: { phase: "Active" },
});

/** A pod of Deployment `app`; `rev` set means injected by that revision (label + status annotation). */
function pod(
  ns: string,
  app: string,
  i: number,
  opts: {
    rev?: string;
    phase?: string;
    hostNetwork?: boolean;
    annotations?: Record<string, string>;
  } = {},
): k8s.V1Pod {
  const hash = "5d9c7b8f4";
  const injected =
    opts.rev === undefined
      ? {}
      : {
          "sidecar.istio.io/status": JSON.stringify({
            initContainers: ["istio-init"],
            containers: ["istio-proxy"],
            revision: opts.rev,
          }),
        };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `${app}-${hash}-${i}x${i}`,
      namespace: ns,
      labels: {
        app,
        "pod-template-hash": hash,
        ...(opts.rev === undefined ? {} : { "istio.io/rev": opts.rev, "security.istio.io/tlsMode": "istio" }),
      },
      annotations: { ...injected, ...opts.annotations },
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "ReplicaSet", name: `${app}-${hash}`, uid: "u", controller: true },
      ],
    },
    spec: { containers: [{ name: app, image: "nginx" }], ...(opts.hostNetwork ? { hostNetwork: true } : {}) },
    status: { phase: opts.phase ?? "Running" },
  };
}

/** The payments namespace of `healthy()` as status reports it: its one pod on the stable revision. */
const paymentsStatus = {
  name: "payments",
  injection: "istio.io/rev=stable",
  targetRevision: "1-29-6",
  upToDate: 1,
  outdated: 0,
  missing: 0,
};

/** Everything a healthy canary mesh shows. */
function healthy(): StatusReads {
  return {
    helmReleases: newestHelmRecords([
      helmSecret("istio-base", "istio-system", 1, "superseded", "base", "1.29.6"),
      helmSecret("istio-base", "istio-system", 2, "deployed", "base", "1.30.3"),
      helmSecret("istiod-1-29-6", "istio-system", 1, "deployed", "istiod", "1.29.6"),
      helmSecret("istiod-1-30-3", "istio-system", 1, "deployed", "istiod", "1.30.3"),
      helmSecret("istio-ingressgateway", "istio-ingress", 3, "deployed", "gateway", "1.30.3"),
    ]),
    deployments: [
      istiod("1-29-6", "1.29.6"),
      istiod("1-30-3", "1.30.3"),
      deployment("istio-ingress", "istio-ingressgateway"),
    ],
    podDisruptionBudgets: [pdb("istio-system", "istiod-1-29-6"), pdb("istio-system", "istiod-1-30-3")],
    crds: [
      crd("virtualservices.networking.istio.io"),
      crd("destinationrules.networking.istio.io"),
      crd("peerauthentications.security.istio.io"),
    ],
    mutatingWebhooks: [
      injector("1-29-6"),
      injector("1-30-3"),
      tag("default", "1-30-3"),
      tag("stable", "1-29-6"),
    ],
    validatingWebhooks: [
      validating("istio-validator-1-30-3-istio-system", "istiod-1-30-3", "1-30-3"),
      validating("istiod-default-validator", "istiod-1-30-3", "1-30-3"),
    ],
    services: [
      service("istio-system", "istiod-1-29-6", "ClusterIP"),
      service("istio-system", "istiod-1-30-3", "ClusterIP"),
      service("istio-ingress", "istio-ingressgateway", "LoadBalancer", ["203.0.113.7"]),
    ],
    peerAuthentications: [peer("STRICT")],
    namespaces: [
      namespace("default"),
      namespace("istio-system"),
      namespace("shop", { "istio-injection": "enabled" }),
      namespace("payments", { "istio.io/rev": "stable" }),
    ],
    pods: [
      pod("shop", "web", 1, { rev: "1-30-3" }),
      pod("shop", "web", 2, { rev: "1-30-3" }),
      pod("payments", "api", 1, { rev: "1-29-6" }),
      pod("default", "plain", 1),
    ],
  };
}

// ------------------------------------------------------------------------------------------

describe("status: a healthy mesh", () => {
  it("every check is ok, in report order, and the namespaces are counted", () => {
    const r = evaluate(healthy(), canary, state);
    assertAllOk(r.checks, [
      "release/istio-base",
      "release/istiod-1-29-6",
      "release/istiod-1-30-3",
      "release/istio-ingressgateway",
      "istiod/1-29-6",
      "istiod/1-30-3",
      "crds",
      "injector/1-29-6",
      "injector/1-30-3",
      "tag/default",
      "tag/stable",
      "validation",
      "gateway/istio-ingressgateway",
      "mtls",
      "namespace/payments",
      "namespace/shop",
    ]);
    assert.equal(r.state, "ok");
    assert.deepEqual(r.namespaces, [
      paymentsStatus,
      {
        name: "shop",
        injection: "istio-injection=enabled",
        targetRevision: "1-30-3",
        upToDate: 2,
        outdated: 0,
        missing: 0,
      },
    ]);
    assert.match(checkNamed(r.checks, "gateway/istio-ingressgateway").message, /address 203\.0\.113\.7/);
    assert.match(checkNamed(r.checks, "tag/default").message, /default tag → 1-30-3/);
  });

  it("an unrevisioned mesh: istiod, its injector and no tag check", () => {
    const reads: StatusReads = {
      ...healthy(),
      helmReleases: newestHelmRecords([
        helmSecret("istio-base", "istio-system", 1, "deployed", "base", dev.mesh.version),
        helmSecret("istiod", "istio-system", 1, "deployed", "istiod", dev.mesh.version),
      ]),
      deployments: [istiod("default", dev.mesh.version, { replicas: 1 })],
      podDisruptionBudgets: [],
      mutatingWebhooks: [mutating("istio-sidecar-injector", "istiod", { "istio.io/rev": "default" })],
      validatingWebhooks: [validating("istiod-default-validator", "istiod", "default")],
      peerAuthentications: [],
      namespaces: [namespace("shop", { "istio-injection": "enabled" })],
      pods: [pod("shop", "web", 1, { rev: "default" })],
    };
    const r = evaluate(reads, dev, state);
    assertAllOk(r.checks, [
      "release/istio-base",
      "release/istiod",
      "istiod/default",
      "crds",
      "injector/default",
      "validation",
      "mtls",
      "namespace/shop",
    ]);
    assert.equal(r.namespaces[0]?.targetRevision, "default");
    assert.equal(r.namespaces[0]?.upToDate, 1);
  });
});

describe("status: releases", () => {
  it("a failed, a pending, a missing release and one at another chart version are errors naming the fix", () => {
    const reads = healthy();
    reads.helmReleases = newestHelmRecords([
      helmSecret("istio-base", "istio-system", 3, "failed", "base", "1.30.3"),
      helmSecret("istiod-1-29-6", "istio-system", 2, "pending-upgrade", "istiod", "1.29.6"),
      helmSecret("istiod-1-30-3", "istio-system", 1, "deployed", "istiod", "1.29.6"),
    ]);
    const checks = checkReleases(reads, canary, state);
    assert.deepEqual(
      checks.map((c) => [c.name, c.state]),
      [
        ["release/istio-base", "error"],
        ["release/istiod-1-29-6", "error"],
        ["release/istiod-1-30-3", "error"],
        ["release/istio-ingressgateway", "error"],
      ],
    );
    assert.match(
      checkNamed(checks, "release/istio-base").message,
      /istio-system\/istio-base is failed \(Helm revision 3\)/,
    );
    assert.match(checkNamed(checks, "release/istio-base").hint, /helm -n istio-system history istio-base/);
    assert.match(
      checkNamed(checks, "release/istiod-1-29-6").hint,
      /planton apply.*repairs interrupted releases/,
    );
    assert.match(
      checkNamed(checks, "release/istiod-1-30-3").message,
      /runs chart istiod 1\.29\.6; the manifest plans 1\.30\.3/,
    );
    assert.match(checkNamed(checks, "release/istio-ingressgateway").message, /is not installed/);
  });

  it("a release the stack records but the manifest dropped is a warning", () => {
    const withOld: StackState = {
      ...state,
      releases: [
        {
          name: "istio-egressgateway",
          namespace: "istio-egress",
          chart: "gateway",
          version: "1.30.3",
          values: {},
        },
      ],
    };
    const c = checkNamed(checkReleases(healthy(), canary, withOld), "release/istio-egressgateway");
    assert.equal(c.state, "warning");
    assert.match(c.hint, /planton apply` removes it/);
  });

  it("Helm records: only the newest per release is decoded; chart and version come from the payload", () => {
    const records = newestHelmRecords([
      helmSecret("istiod", "istio-system", 1, "superseded", "istiod", "1.29.6"),
      helmSecret("istiod", "istio-system", 10, "deployed", "istiod", "1.30.3"),
      helmSecret("istiod", "istio-system", 9, "superseded", "istiod", "1.30.2"),
    ]);
    assert.deepEqual(records, [
      {
        name: "istiod",
        namespace: "istio-system",
        revision: 10,
        status: "deployed",
        chart: "istiod",
        chartVersion: "1.30.3",
      },
    ]);
    assert.doesNotMatch(JSON.stringify(records), /never-copied/);
    const unreadable = helmSecret("x", "ns", 1, "deployed", "x", "1");
    unreadable.data = { release: "bm90IGd6aXA=" };
    assert.deepEqual(helmRecordOf(unreadable), {
      name: "x",
      namespace: "ns",
      revision: 1,
      status: "deployed",
      chart: "",
      chartVersion: "",
    });
  });

  it("the namespaces read are the control plane's and the releases'", () => {
    assert.deepEqual(stackNamespaces(canary), ["istio-ingress", "istio-system"]);
  });
});

describe("status: control plane", () => {
  it("istiod not ready is an error naming istiod and how to look closer", () => {
    const reads = healthy();
    reads.deployments[1] = istiod("1-30-3", "1.30.3", { ready: 1 });
    const checks = checkControlPlane(reads, canary, state);
    const c = checkNamed(checks, "istiod/1-30-3");
    assert.equal(c.state, "error");
    assert.match(c.message, /istiod istio-system\/istiod-1-30-3 has 1 of 2 replicas ready/);
    assert.match(c.hint, /kubectl -n istio-system logs deployment\/istiod-1-30-3/);
    assert.equal(checkNamed(checks, "istiod/1-29-6").state, "ok");
  });

  it("istiod scaled to 0 is an error, and so is a missing istiod", () => {
    const reads = healthy();
    reads.deployments = [istiod("1-30-3", "1.30.3", { replicas: 0, ready: 0 })];
    const checks = checkControlPlane(reads, canary, state);
    assert.match(checkNamed(checks, "istiod/1-30-3").message, /istiod-1-30-3 is scaled to 0 replicas/);
    assert.match(
      checkNamed(checks, "istiod/1-30-3").hint,
      /kubectl -n istio-system scale deployment istiod-1-30-3/,
    );
    assert.match(checkNamed(checks, "istiod/1-29-6").message, /istiod-1-29-6 is missing/);
    assert.equal(evaluate(reads, canary, state).state, "error");
  });

  it("an image tag other than the planned version is an error; a distroless variant of it is not", () => {
    const reads = healthy();
    reads.deployments[0] = istiod("1-29-6", "1.29.6", { image: "gcr.io/istio-release/pilot:1.29.5" });
    reads.deployments[1] = istiod("1-30-3", "1.30.3", {
      image: "gcr.io/istio-release/pilot:1.30.3-distroless",
    });
    const checks = checkControlPlane(reads, canary, state);
    assert.match(
      checkNamed(checks, "istiod/1-29-6").message,
      /runs image gcr\.io\/istio-release\/pilot:1\.29\.5; the manifest plans 1\.29\.6/,
    );
    assert.equal(checkNamed(checks, "istiod/1-30-3").state, "ok");
    assert.equal(imageTag("localhost:5000/istio/pilot:1.30.3@sha256:abc"), "1.30.3");
    assert.equal(imageTag("istio/pilot"), "latest");
  });

  it("a PodDisruptionBudget is required where planned (2+ replicas) and not otherwise", () => {
    const reads = healthy();
    reads.podDisruptionBudgets = [pdb("istio-system", "istiod-1-29-6")];
    const c = checkNamed(checkControlPlane(reads, canary, state), "istiod/1-30-3");
    assert.equal(c.state, "error");
    assert.match(c.message, /has no PodDisruptionBudget/);
    assert.equal(istiodPdbPlanned({ pilot: { autoscaleEnabled: false, replicaCount: 2 } }), true);
    assert.equal(istiodPdbPlanned({ pilot: { autoscaleEnabled: true, autoscaleMin: 2 } }), true);
    assert.equal(istiodPdbPlanned({ pilot: {} }), false, "chart defaults: autoscaling from 1, no PDB");
    assert.equal(
      istiodPdbPlanned({
        global: { defaultPodDisruptionBudget: { enabled: false } },
        pilot: { replicaCount: 3, autoscaleEnabled: false },
      }),
      false,
    );
    // dev plans 1 replica: no PDB wanted, none present, ok
    const devReads = {
      ...healthy(),
      deployments: [istiod("default", dev.mesh.version, { replicas: 1 })],
      podDisruptionBudgets: [],
    };
    assert.equal(checkNamed(checkControlPlane(devReads, dev, state), "istiod/default").state, "ok");
  });
});

describe("status: CRDs", () => {
  it("a CRD not Established is an error listing it; no CRDs at all is an error too", () => {
    const reads = healthy();
    reads.crds = [crd("virtualservices.networking.istio.io"), crd("gateways.networking.istio.io", "False")];
    const [c] = checkCrds(reads, canary, state);
    assert.equal(c?.state, "error");
    assert.match(c?.message ?? "", /1 of 2 Istio CRDs not Established/);
    assert.deepEqual(c?.details, ["gateways.networking.istio.io"]);
    const [none] = checkCrds({ ...reads, crds: [] }, canary, state);
    assert.match(none?.message ?? "", /no Istio CRDs are installed/);
    assert.match(none?.hint ?? "", /istio-base/);
  });
});

describe("status: webhooks and tags", () => {
  it("an injector without a CA bundle is an error saying how istiod rewrites it", () => {
    const reads = healthy();
    reads.mutatingWebhooks[1] = injector("1-30-3", "");
    const c = checkNamed(checkWebhooks(reads, canary, state), "injector/1-30-3");
    assert.equal(c.state, "error");
    assert.match(c.message, /istio-sidecar-injector-1-30-3 has no CA bundle/);
    assert.match(c.hint, /rollout restart deployment\/istiod-1-30-3/);
  });

  it("a missing injector is an error", () => {
    const reads = healthy();
    reads.mutatingWebhooks = reads.mutatingWebhooks.filter(
      (w) => w.metadata?.name !== "istio-sidecar-injector-1-29-6",
    );
    const c = checkNamed(checkWebhooks(reads, canary, state), "injector/1-29-6");
    assert.equal(c.state, "error");
    assert.match(c.message, /no sidecar-injector webhook calls istio-system\/istiod-1-29-6/);
  });

  it("the default tag on another revision than spec.defaultRevision is an error", () => {
    const reads = healthy();
    reads.mutatingWebhooks[2] = tag("default", "1-29-6");
    const c = checkNamed(checkWebhooks(reads, canary, state), "tag/default");
    assert.equal(c.state, "error");
    assert.match(
      c.message,
      /the default tag points at revision 1-29-6; the manifest says 1-30-3 \(spec\.defaultRevision\)/,
    );
    assert.match(c.hint, /planton apply` moves it/);
  });

  it("a missing default tag is an error; a tag on a revision the mesh does not run is a warning", () => {
    const reads = healthy();
    reads.mutatingWebhooks = [injector("1-29-6"), injector("1-30-3"), tag("old", "1-28-10")];
    const checks = checkWebhooks(reads, canary, state);
    assert.match(checkNamed(checks, "tag/default").message, /the default tag is missing/);
    const old = checkNamed(checks, "tag/old");
    assert.equal(old.state, "warning");
    assert.match(old.message, /tag old points at revision 1-28-10, which this mesh does not run/);
    assert.match(old.hint, /istioctl tag set old --revision REVISION/);
  });

  it("a default tag the manifest leaves out (helmValues.istiod.revisionTags, as adopted) is missing as a warning, not an error", () => {
    const reads = healthy();
    reads.mutatingWebhooks = [injector("1-29-6"), injector("1-30-3")];
    const adopted = structuredClone(canary);
    for (const r of adopted.releases) if (r.component === "istiod") r.values.revisionTags = ["stable"];
    const c = checkNamed(checkWebhooks(reads, adopted, state), "tag/default");
    assert.equal(c.state, "warning");
    assert.match(c.message, /the default tag is missing: .*helmValues\.istiod\.revisionTags leaves it out/);
    assert.match(c.hint, /add `default` to helmValues\.istiod\.revisionTags/);
  });

  it("the revision that injected a pod is read from injection's annotations, the label only as a fallback", () => {
    const meta = (labels: Record<string, string>, annotations: Record<string, string>) => ({
      metadata: { labels, annotations },
    });
    assert.equal(
      injectedRevision(meta({ "istio.io/rev": "1-30-3" }, { "istio.io/rev": "1-29-6" })),
      "1-29-6",
    );
    assert.equal(
      injectedRevision(meta({}, { "sidecar.istio.io/status": JSON.stringify({ revision: "1-29-6" }) })),
      "1-29-6",
    );
    assert.equal(
      injectedRevision(meta({ "istio.io/rev": "1-30-3" }, { "sidecar.istio.io/status": "{}" })),
      "1-30-3",
    );
    assert.equal(injectedRevision(meta({}, {})), "default");
  });

  it("a tag of spec.revisionTags: ok where the manifest points it, an error elsewhere or missing", () => {
    const tagged = { ...canary, mesh: { ...canary.mesh, revisionTags: { "prod-stable": "1-29-6" } } };
    const reads = healthy();
    reads.mutatingWebhooks.push(tag("prod-stable", "1-29-6"));
    assert.equal(checkNamed(checkWebhooks(reads, tagged, state), "tag/prod-stable").state, "ok");
    reads.mutatingWebhooks[reads.mutatingWebhooks.length - 1] = tag("prod-stable", "1-30-3");
    const moved = checkNamed(checkWebhooks(reads, tagged, state), "tag/prod-stable");
    assert.equal(moved.state, "error");
    assert.match(
      moved.message,
      /tag prod-stable points at revision 1-30-3; the manifest says 1-29-6 \(spec\.revisionTags\)/,
    );
    reads.mutatingWebhooks.pop();
    assert.match(
      checkNamed(checkWebhooks(reads, tagged, state), "tag/prod-stable").message,
      /tag prod-stable is missing/,
    );
  });

  it("a validating webhook without a CA bundle is an error naming the istiod to restart", () => {
    const reads = healthy();
    const v = validating("istiod-default-validator", "istiod-1-30-3", "1-30-3");
    for (const h of v.webhooks ?? []) delete h.clientConfig.caBundle;
    reads.validatingWebhooks[1] = v;
    const c = checkNamed(checkWebhooks(reads, canary, state), "validation");
    assert.equal(c.state, "error");
    assert.match(c.message, /validating webhook istiod-default-validator has no CA bundle/);
    assert.match(c.hint, /logs deployment\/istiod-1-30-3/);
  });

  it("no validating webhook calling istiod is an error", () => {
    const reads = healthy();
    reads.validatingWebhooks = [];
    const c = checkNamed(checkWebhooks(reads, canary, state), "validation");
    assert.equal(c.state, "error");
    assert.match(c.message, /no validating webhook calls istiod in istio-system/);
  });
});

describe("status: gateways", () => {
  it("a LoadBalancer without an address is a warning, and the mesh stays healthy", () => {
    const reads = healthy();
    reads.services[2] = service("istio-ingress", "istio-ingressgateway", "LoadBalancer");
    const c = checkNamed(checkGateways(reads, canary, state), "gateway/istio-ingressgateway");
    assert.equal(c.state, "warning");
    assert.match(c.message, /no external address yet \(pending\)/);
    assert.match(c.hint, /MetalLB|NodePort/);
    assert.equal(evaluate(reads, canary, state).state, "warning");
  });

  it("a Service of another type, and a gateway not ready, are errors", () => {
    const reads = healthy();
    reads.services[2] = service("istio-ingress", "istio-ingressgateway", "NodePort");
    reads.deployments[2] = deployment("istio-ingress", "istio-ingressgateway", { replicas: 2, ready: 0 });
    const c = checkNamed(checkGateways(reads, canary, state), "gateway/istio-ingressgateway");
    assert.equal(c.state, "error");
    assert.match(c.message + c.details.join("\n"), /0 of 2 replicas ready/);
    assert.match(
      c.message + c.details.join("\n"),
      /its Service is NodePort; the manifest plans LoadBalancer/,
    );
    assert.match(c.hint, /spec\.ingressGateways\[name=istio-ingressgateway\]\.service\.type/);
  });
});

describe("status: mutual TLS", () => {
  it("a mesh-wide PeerAuthentication with another mode, or none, is an error naming spec.mtls.mode", () => {
    const reads = healthy();
    const [wrong] = checkMtls({ ...reads, peerAuthentications: [peer("PERMISSIVE")] }, canary, state);
    assert.equal(wrong?.state, "error");
    assert.match(wrong?.message ?? "", /mesh-wide mTLS is PERMISSIVE .*; the manifest says STRICT/);
    const [missing] = checkMtls({ ...reads, peerAuthentications: [] }, canary, state);
    assert.match(missing?.message ?? "", /PeerAuthentication istio-system\/default is missing/);
    const [noKind] = checkMtls({ ...reads, peerAuthentications: undefined }, canary, state);
    assert.match(noKind?.message ?? "", /PeerAuthentication kind is not installed/);
    // a workload-scoped policy is not the mesh-wide one
    const scoped = {
      ...peer("DISABLE", "web"),
      spec: { selector: { matchLabels: { app: "web" } }, mtls: { mode: "DISABLE" } },
    };
    const [withScoped] = checkMtls(
      { ...reads, peerAuthentications: [scoped, peer("STRICT")] },
      canary,
      state,
    );
    assert.equal(withScoped?.state, "ok");
  });

  it("without spec.mtls it only reports what the cluster has", () => {
    const [c] = checkMtls({ ...healthy(), peerAuthentications: [] }, dev, state);
    assert.equal(c?.state, "ok");
    assert.match(c?.message ?? "", /not set/);
  });
});

describe("status: namespaces and their pods", () => {
  it("pods become outdated when their namespace's tag points elsewhere, listed by workload", () => {
    const reads = healthy();
    reads.mutatingWebhooks[3] = tag("stable", "1-30-3"); // `istioctl tag set stable --revision 1-30-3`
    const c = checkNamed(checkNamespaces(reads, canary, state), "namespace/payments");
    assert.equal(c.state, "warning");
    assert.match(
      c.message,
      /payments \(istio\.io\/rev=stable → 1-30-3\): 1 on an older proxy than 1-30-3, of 1 pod/,
    );
    assert.deepEqual(c.details, ["deployment/api: 1 pod on revision 1-29-6"]);
    assert.match(c.hint, /kubectl -n payments rollout restart deployment\/NAME/);
    assert.deepEqual(
      namespaceStatuses(reads, canary).find((n) => n.name === "payments"),
      {
        name: "payments",
        injection: "istio.io/rev=stable",
        targetRevision: "1-30-3",
        upToDate: 0,
        outdated: 1,
        missing: 0,
      },
    );
  });

  it("a pod without a proxy in a labelled namespace is missing one; opted-out, host-network and finished pods are skipped", () => {
    const reads = healthy();
    reads.pods.push(
      pod("shop", "cart", 1),
      pod("shop", "cart", 2),
      pod("shop", "batch", 1, { annotations: { "sidecar.istio.io/inject": "false" } }),
      pod("shop", "node-agent", 1, { hostNetwork: true }),
      pod("shop", "job", 1, { phase: "Succeeded" }),
      pod("shop", "job", 2, { phase: "Failed" }),
      pod("default", "unlabelled-ns", 1),
    );
    const c = checkNamed(checkNamespaces(reads, canary, state), "namespace/shop");
    assert.equal(c.state, "warning");
    assert.match(c.message, /shop \(istio-injection=enabled → 1-30-3\): 2 without a proxy, of 4 pods/);
    assert.deepEqual(c.details, ["deployment/cart: 2 pods without a proxy"]);
    const shop = namespaceStatuses(reads, canary).find((n) => n.name === "shop");
    assert.deepEqual(
      { ...shop },
      {
        name: "shop",
        injection: "istio-injection=enabled",
        targetRevision: "1-30-3",
        upToDate: 2,
        outdated: 0,
        missing: 2,
      },
    );
    assert.equal(
      evaluate(reads, canary, state).state,
      "warning",
      "workloads to restart do not make the mesh unhealthy",
    );
  });

  it("istio-injection wins over istio.io/rev, disabled turns injection off, an unknown revision is a warning", () => {
    const reads = healthy();
    reads.namespaces = [
      namespace("both", { "istio-injection": "enabled", "istio.io/rev": "1-29-6" }),
      namespace("off", { "istio-injection": "disabled", "istio.io/rev": "1-29-6" }),
      namespace("typo", { "istio.io/rev": "1-30-9" }),
    ];
    reads.pods = [pod("typo", "web", 1)];
    const statuses = namespaceStatuses(reads, canary);
    assert.deepEqual(
      statuses.map((n) => [n.name, n.targetRevision]),
      [
        ["both", "1-30-3"],
        ["typo", ""],
      ],
    );
    const c = checkNamed(checkNamespaces(reads, canary, state), "namespace/typo");
    assert.equal(c.state, "warning");
    assert.match(c.message, /asks for revision 1-30-9, which this mesh does not run/);
    assert.match(c.hint, /kubectl label namespace typo istio\.io\/rev=1-30-3 --overwrite/);
  });

  it("workloads and skipped pods are recognised from the pod alone", () => {
    assert.equal(workloadOf(pod("a", "web", 1)), "deployment/web");
    const bare = pod("a", "solo", 1);
    bare.metadata = { ...bare.metadata, ownerReferences: [] };
    assert.equal(workloadOf({ ...bare, metadata: { name: "solo", namespace: "a" } }), "pod/solo");
    const sts = pod("a", "db", 1);
    sts.metadata = {
      ...sts.metadata,
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "StatefulSet", name: "db", uid: "u", controller: true },
      ],
    };
    assert.equal(workloadOf(sts), "statefulset/db");
    const labelOptOut = pod("a", "x", 1);
    labelOptOut.metadata = { ...labelOptOut.metadata, labels: { "sidecar.istio.io/inject": "false" } };
    assert.equal(skippedPod(labelOptOut), true);
    assert.equal(skippedPod(pod("a", "x", 1, { phase: "Pending" })), false);
  });
});

describe("status: output", () => {
  it("-o json is the KubernetesIstioStatusReport message, every field present", () => {
    const reads = healthy();
    reads.deployments[1] = istiod("1-30-3", "1.30.3", { ready: 0 });
    const r = { stack: "shop-mesh", context: "kind-e2e", ...evaluate(reads, canary, state) };
    const text = renderStatusJson(r);
    const parsed = JSON.parse(text) as Record<string, unknown>;
    assert.equal(parsed.state, "error");
    assert.equal(parsed.stack, "shop-mesh");
    const checks = parsed.checks as Record<string, unknown>[];
    assert.deepEqual(Object.keys(checks[0] ?? {}), [
      "name",
      "category",
      "state",
      "message",
      "hint",
      "details",
    ]);
    assert.deepEqual((parsed.namespaces as unknown[])[0], paymentsStatus);
    // it reads back as the proto message
    const back = fromJsonString(KubernetesIstioStatusReportSchema, text);
    assert.equal(back.checks.length, r.checks.length);
  });

  it("the table: one line per check, the fix under a problem, details under an error, and a verdict", () => {
    const reads = healthy();
    reads.crds = [crd("gateways.networking.istio.io", "False")];
    reads.services[2] = service("istio-ingress", "istio-ingressgateway", "LoadBalancer");
    const r = { stack: "shop-mesh", context: "kind-e2e", ...evaluate(reads, canary, state) };
    const out = renderStatusTable(r, createStyle(false));
    const lines = out.split("\n");
    assert.ok(
      lines.some((l) => /^ok {4}releases +istio-base 1\.30\.3 deployed$/.test(l)),
      out,
    );
    assert.ok(
      lines.some((l) => /^FAIL {2}crds +1 of 1 Istio CRD not Established/.test(l)),
      out,
    );
    assert.ok(
      lines.some((l) => /^ +gateways\.networking\.istio\.io$/.test(l)),
      out,
    );
    assert.ok(
      lines.some((l) =>
        /^warn {2}gateways +gateway istio-ingress\/istio-ingressgateway: the LoadBalancer/.test(l),
      ),
      out,
    );
    assert.ok(
      lines.some((l) => /^ +fix: a cluster without a load-balancer controller/.test(l)),
      out,
    );
    assert.ok(
      lines.some((l) => /^NAMESPACE +REVISION +UP-TO-DATE +OUTDATED +MISSING$/.test(l)),
      out,
    );
    assert.ok(
      lines.some((l) => /^shop +1-30-3 +2 +0 +0$/.test(l)),
      out,
    );
    assert.match(out, /Mesh of stack shop-mesh \(context kind-e2e\): unhealthy \(1 error, 1 warning\)\.\n$/);
  });
});

describe("status: --wait", () => {
  it("takes seconds or a duration; anything else is a usage error", () => {
    assert.equal(parseWait(undefined), 0);
    assert.equal(parseWait("90"), 90);
    assert.equal(parseWait("5m"), 300);
    assert.equal(parseWait("1h"), 3600);
    assert.throws(() => parseWait("soon"), UsageError);
    assert.throws(() => parseWait("2d"), UsageError);
  });
});
