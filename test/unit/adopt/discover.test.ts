import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { discoverMesh } from "../../../src/deploy/adopt/discover.js";
import { adoptionRefusals, meshIn } from "../../../src/deploy/adopt/refusals.js";
import { emptyCluster, helmSecret, planOf, tagWebhook } from "./fixtures.js";
import { istioctlInstall } from "./istioctl-fixtures.js";

/** A mesh installed with Helm the way Istio's docs do it: revision 1-29-6, a tag, a gateway. */
function helmCluster() {
  const c = emptyCluster();
  const ns = "istio-system";
  c.helmSecrets = [
    helmSecret({
      name: "istio-base",
      namespace: ns,
      chart: "base",
      version: "1.29.6",
      values: { defaultRevision: "" },
    }),
    helmSecret({
      name: "istiod-1-29-6",
      namespace: ns,
      chart: "istiod",
      version: "1.29.6",
      values: { revision: "1-29-6" },
      revision: 1,
      status: "superseded",
    }),
    helmSecret({
      name: "istiod-1-29-6",
      namespace: ns,
      chart: "istiod",
      version: "1.29.6",
      values: {
        revision: "1-29-6",
        revisionTags: ["prod"],
        pilot: { resources: { requests: { cpu: "200m" } } },
      },
      revision: 2,
    }),
    helmSecret({
      name: "istio-ingress",
      namespace: "istio-ingress",
      chart: "gateway",
      version: "1.29.6",
      values: { service: { type: "ClusterIP" } },
    }),
    helmSecret({
      name: "cert-manager",
      namespace: "cert-manager",
      chart: "cert-manager",
      version: "1.16.2",
      values: {},
    }),
    helmSecret({
      name: "old-gw",
      namespace: "istio-ingress",
      chart: "gateway",
      version: "1.28.10",
      values: {},
      status: "uninstalled",
    }),
  ];
  c.mutatingWebhooks = [
    tagWebhook("default", "1-29-6"),
    {
      ...tagWebhook("prod", "1-29-6"),
      metadata: {
        name: "istio-revision-tag-prod",
        labels: { "istio.io/rev": "1-29-6", "istio.io/tag": "prod", "app.kubernetes.io/managed-by": "Helm" },
        annotations: { "meta.helm.sh/release-name": "istiod-1-29-6", "meta.helm.sh/release-namespace": ns },
      },
    },
    {
      kind: "MutatingWebhookConfiguration",
      metadata: { name: "istio-sidecar-injector-1-29-6", labels: { "istio.io/rev": "1-29-6" } },
    },
  ];
  c.namespaces = [
    { kind: "Namespace", metadata: { name: "shop", labels: { "istio.io/rev": "prod" } } },
    { kind: "Namespace", metadata: { name: "legacy", labels: { "istio-injection": "enabled" } } },
    { kind: "Namespace", metadata: { name: "batch", labels: { "istio.io/dataplane-mode": "ambient" } } },
    { kind: "Namespace", metadata: { name: "kube-system", labels: {} } },
  ];
  c.peerAuthentications = [
    {
      kind: "PeerAuthentication",
      metadata: { name: "default", namespace: ns },
      spec: { mtls: { mode: "STRICT" } },
    },
    {
      kind: "PeerAuthentication",
      metadata: { name: "default", namespace: "shop" },
      spec: { mtls: { mode: "PERMISSIVE" } },
    },
  ];
  return c;
}

describe("adopt discovery: a Helm-installed mesh", () => {
  const mesh = discoverMesh(helmCluster());
  it("finds Istio's releases at their newest record, not other charts or uninstalled ones", () => {
    assert.deepEqual(
      mesh.releases.map((r) => [
        r.namespace,
        r.name,
        r.chart,
        r.version,
        r.helmRevision,
        r.status,
        r.istioRevision,
      ]),
      [
        ["istio-ingress", "istio-ingress", "gateway", "1.29.6", 1, "deployed", ""],
        ["istio-system", "istio-base", "base", "1.29.6", 1, "deployed", ""],
        ["istio-system", "istiod-1-29-6", "istiod", "1.29.6", 2, "deployed", "1-29-6"],
      ],
    );
  });
  it("reads each release's own values (the record's config)", () => {
    assert.deepEqual(mesh.releases.find((r) => r.name === "istiod-1-29-6")?.values, {
      revision: "1-29-6",
      revisionTags: ["prod"],
      pilot: { resources: { requests: { cpu: "200m" } } },
    });
  });
  it("finds the tags, where they point and who owns them", () => {
    assert.deepEqual(mesh.tags, [
      { name: "default", revision: "1-29-6", owner: { kind: "istioctl" } },
      {
        name: "prod",
        revision: "1-29-6",
        owner: { kind: "helm", release: "istiod-1-29-6", namespace: "istio-system" },
      },
    ]);
  });
  it("finds the injection labels and the mesh-wide PeerAuthentication only", () => {
    assert.deepEqual(mesh.members, [
      { name: "batch", injection: "AMBIENT", revision: "" },
      { name: "legacy", injection: "SIDECAR", revision: "" },
      { name: "shop", injection: "SIDECAR", revision: "prod" },
    ]);
    assert.deepEqual(mesh.peerAuthentication, { namespace: "istio-system", mode: "STRICT", labels: {} });
    assert.deepEqual(mesh.istioctl, []);
    assert.deepEqual(adoptionRefusals(mesh), []);
  });
});

describe("adopt discovery: an istioctl-installed mesh", () => {
  const c = emptyCluster();
  c.operatorObjects = istioctlInstall();
  const mesh = discoverMesh(c);
  it("groups the objects by component, with the chart that installs the same", () => {
    assert.deepEqual(
      mesh.istioctl.map((g) => [
        g.component,
        g.chart,
        g.version,
        g.objects.map((o) => `${o.kind}/${o.metadata?.name}`),
      ]),
      [
        ["Base", "base", "1.29.6", ["ValidatingWebhookConfiguration/istiod-default-validator"]],
        [
          "IngressGateways",
          "gateway",
          "1.29.6",
          ["Deployment/istio-ingressgateway", "Service/istio-ingressgateway"],
        ],
        ["Pilot", "istiod", "1.29.6", ["Deployment/istiod", "ConfigMap/istio", "Service/istiod"]],
      ],
    );
    assert.deepEqual(mesh.releases, []);
  });
  it("leaves out objects a Helm release owns already", () => {
    const owned = istioctlInstall().map((o) => ({
      ...o,
      metadata: { ...o.metadata, annotations: { "meta.helm.sh/release-name": "istiod" } },
    }));
    assert.deepEqual(discoverMesh({ ...c, operatorObjects: owned }).istioctl, []);
  });
  it("takes the version of the charts that rendered the objects over istioctl's own (a -dev build's)", () => {
    const dev = istioctlInstall("1.31-dev").map((o) => ({
      ...o,
      metadata: {
        ...o.metadata,
        labels: { ...o.metadata?.labels, "helm.sh/chart": o.kind === "ConfigMap" ? "" : "istiod-1.31.0" },
      },
    }));
    const versions = discoverMesh({ ...c, operatorObjects: dev }).istioctl.map((g) => g.version);
    assert.deepEqual(versions, ["1.31.0", "1.31.0", "1.31.0"]);
    assert.deepEqual(
      discoverMesh({ ...c, operatorObjects: istioctlInstall("1.31-dev") }).istioctl.map((g) => g.version),
      ["1.31-dev", "1.31-dev", "1.31-dev"],
    );
  });
  it("leaves out a revision tag's objects, which carry Pilot's label too", () => {
    const tagService = {
      kind: "Service",
      metadata: {
        name: "istiod-revision-tag-prod",
        namespace: "istio-system",
        labels: { "operator.istio.io/component": "Pilot", "istio.io/rev": "1-29-6", "istio.io/tag": "prod" },
      },
    };
    assert.deepEqual(discoverMesh({ ...c, operatorObjects: [tagService] }).istioctl, []);
  });
});

describe("adopt refusals", () => {
  it("two control planes: refused without a manifest, or when its namespace is neither", () => {
    const c = helmCluster();
    c.helmSecrets.push(
      helmSecret({
        name: "istiod",
        namespace: "istio-canary",
        chart: "istiod",
        version: "1.28.10",
        values: {},
      }),
    );
    const mesh = discoverMesh(c);
    const [r] = adoptionRefusals(mesh);
    assert.equal(r?.reason, "two_control_planes");
    assert.match(r?.message ?? "", /istio-canary, istio-system/);
    assert.equal(
      adoptionRefusals(mesh, planOf("examples/production.yaml", ["spec.namespace=mesh"]))[0]?.reason,
      "two_control_planes",
    );
    // the manifest names one: adopt that one, the other is left alone
    // (a gateway in a namespace of its own is not known to be the other's: it is named)
    const plan = planOf("examples/dev.yaml", ["spec.namespace=istio-canary", "spec.version=1.28.10"]);
    const refusals = adoptionRefusals(mesh, plan);
    assert.deepEqual(
      refusals.map((x) => x.reason),
      ["unplanned_release"],
    );
    assert.match(refusals[0]?.message ?? "", /^Helm release istio-ingress\/istio-ingress \(chart gateway/);
    assert.equal(
      meshIn(mesh, "istio-system").releases.some((x) => x.namespace === "istio-canary"),
      false,
    );
  });
  it("a release in a pending state, with how to repair it", () => {
    const c = helmCluster();
    c.helmSecrets.push(
      helmSecret({
        name: "istio-ingress",
        namespace: "istio-ingress",
        chart: "gateway",
        version: "1.29.6",
        values: {},
        status: "pending-upgrade",
        revision: 2,
      }),
    );
    const refusals = adoptionRefusals(discoverMesh(c));
    assert.deepEqual(
      refusals.map((r) => r.reason),
      ["pending_release"],
    );
    assert.match(
      refusals[0]?.message ?? "",
      /istio-ingress\/istio-ingress is pending-upgrade \(revision 2\)/,
    );
    assert.match(refusals[0]?.hint ?? "", /helm rollback istio-ingress -n istio-ingress/);
  });
  it("a mesh another planton stack owns", () => {
    const c = helmCluster();
    c.mutatingWebhooks.push(tagWebhook("canary", "1-29-6", { "app.kubernetes.io/managed-by": "planton" }));
    const [r] = adoptionRefusals(discoverMesh(c));
    assert.equal(r?.reason, "other_stack");
    assert.match(r?.message ?? "", /MutatingWebhookConfiguration istio-revision-tag-canary/);
  });
  it("a manifest that would jump the adopted version by more than one minor", () => {
    const c = emptyCluster();
    c.helmSecrets = [
      helmSecret({
        name: "istiod",
        namespace: "istio-system",
        chart: "istiod",
        version: "1.28.10",
        values: {},
      }),
    ];
    const refusals = adoptionRefusals(
      discoverMesh(c),
      planOf("examples/production.yaml", ["spec.version=1.30.3"]),
    );
    assert.deepEqual(
      refusals.map((r) => r.reason),
      ["version_skew"],
    );
    assert.match(refusals[0]?.message ?? "", /istiod would move from 1\.28\.10 to 1\.30\.3/);
    assert.deepEqual(
      adoptionRefusals(discoverMesh(c), planOf("examples/production.yaml", ["spec.version=1.29.6"])),
      [],
    );
  });
  it("a live release the manifest has no release for", () => {
    const c = emptyCluster();
    c.helmSecrets = [
      helmSecret({ name: "base", namespace: "istio-system", chart: "base", version: "1.29.6", values: {} }),
      helmSecret({
        name: "istiod",
        namespace: "istio-system",
        chart: "istiod",
        version: "1.29.6",
        values: {},
      }),
    ];
    const refusals = adoptionRefusals(discoverMesh(c), planOf("examples/dev.yaml", ["spec.version=1.29.6"]));
    assert.deepEqual(
      refusals.map((r) => r.reason),
      ["unplanned_release"],
    );
    assert.match(
      refusals[0]?.message ?? "",
      /istio-system\/base \(chart base 1\.29\.6\) is not in the manifest, which plans istio-system\/istio-base/,
    );
  });
  it("nothing to adopt", () => {
    assert.deepEqual(
      adoptionRefusals(discoverMesh(emptyCluster())).map((r) => r.reason),
      ["no_mesh"],
    );
  });
});
