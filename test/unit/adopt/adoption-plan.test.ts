import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { adoptionPlan, immutableConflicts } from "../../../src/deploy/adopt/adoption-plan.js";
import { discoverMesh } from "../../../src/deploy/adopt/discover.js";
import { clusterFromPlan, emptyCluster, planOf } from "./fixtures.js";
import { istioctlInstall } from "./istioctl-fixtures.js";

describe("adoption plan: a Helm-installed mesh", () => {
  it("imports every release by namespace/name, the namespaces that exist and the mesh-wide PeerAuthentication", () => {
    const plan = planOf("examples/production.yaml");
    const mesh = discoverMesh(clusterFromPlan(plan));
    const out = adoptionPlan(plan, mesh, {
      namespaces: ["istio-system", "istio-ingress", "default"],
      services: [],
    });
    assert.deepEqual(out.imports, [
      { type: "kubernetes:helm.sh/v3:Release", name: "istio-base", id: "istio-system/istio-base" },
      { type: "kubernetes:helm.sh/v3:Release", name: "istiod", id: "istio-system/istiod" },
      {
        type: "kubernetes:helm.sh/v3:Release",
        name: "istio-ingressgateway",
        id: "istio-ingress/istio-ingressgateway",
      },
      {
        type: "kubernetes:helm.sh/v3:Release",
        name: "istio-egressgateway",
        id: "istio-egress/istio-egressgateway",
      },
      { type: "kubernetes:core/v1:Namespace", name: "istio-system", id: "istio-system" },
      { type: "kubernetes:core/v1:Namespace", name: "istio-ingress", id: "istio-ingress" },
      {
        type: "kubernetes:security.istio.io/v1:PeerAuthentication",
        name: "peer-authentication-default",
        id: "istio-system/default",
      },
    ]);
    assert.deepEqual([out.ownership, out.conflicts, out.unclaimed], [[], [], []]);
  });
  it("imports a tag istioctl set into the program's tag chart; the default tag goes to the default revision's release", () => {
    const plan = planOf("examples/canary/3-move-stable.yaml");
    const mesh = discoverMesh(clusterFromPlan(plan));
    const tag = plan.tags[0];
    assert.ok(tag !== undefined);
    const svc = `istio-system/istiod-revision-tag-${tag.name}`;
    const out = adoptionPlan(plan, mesh, { namespaces: [], services: [svc] });
    assert.deepEqual(
      out.imports.filter((i) => i.parent === `tag-${tag.name}`),
      [
        {
          type: "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration",
          name: `istio-revision-tag-${tag.name}`,
          id: `istio-revision-tag-${tag.name}`,
          parent: `tag-${tag.name}`,
        },
        { type: "kubernetes:core/v1:Service", name: svc, id: svc, parent: `tag-${tag.name}` },
      ],
    );
    const withDefault = {
      ...mesh,
      tags: [
        ...mesh.tags,
        { name: "default", revision: plan.mesh.defaultRevision, owner: { kind: "istioctl" as const } },
      ],
    };
    const [own] = adoptionPlan(plan, withDefault, { namespaces: [], services: [] }).ownership;
    assert.equal(own?.name, "istio-revision-tag-default");
    assert.equal(own?.release, `istiod-${plan.mesh.defaultRevision}`);
  });
});

describe("adoption plan: an istioctl-installed mesh", () => {
  const c = emptyCluster();
  c.operatorObjects = istioctlInstall();
  const mesh = discoverMesh(c);
  const plan = planOf("examples/dev.yaml", [
    "spec.version=1.29.6",
    "spec.ingressGateways[0].name=istio-ingressgateway",
    "spec.ingressGateways[0].namespace=istio-system",
  ]);

  it("hands every object to the release of the same chart: Helm's label and release annotations", () => {
    const out = adoptionPlan(plan, mesh, { namespaces: ["istio-system"], services: [] });
    assert.deepEqual(
      out.ownership.map((o) => `${o.kind}/${o.name} → ${o.releaseNamespace}/${o.release}`),
      [
        "ValidatingWebhookConfiguration/istiod-default-validator → istio-system/istio-base",
        "Deployment/istio-ingressgateway → istio-system/istio-ingressgateway",
        "Service/istio-ingressgateway → istio-system/istio-ingressgateway",
        "Deployment/istiod → istio-system/istiod",
        "ConfigMap/istio → istio-system/istiod",
        "Service/istiod → istio-system/istiod",
      ],
    );
    assert.deepEqual(out.ownership[1]?.labels, { "app.kubernetes.io/managed-by": "Helm" });
    assert.deepEqual(out.ownership[1]?.annotations, {
      "meta.helm.sh/release-name": "istio-ingressgateway",
      "meta.helm.sh/release-namespace": "istio-system",
    });
    assert.deepEqual(out.unclaimed, []);
  });
  it("names what no release of the manifest takes", () => {
    const without = planOf("examples/dev.yaml", ["spec.version=1.29.6"]);
    assert.deepEqual(adoptionPlan(without, mesh, { namespaces: [], services: [] }).unclaimed, [
      "Deployment istio-system/istio-ingressgateway",
      "Service istio-system/istio-ingressgateway",
    ]);
  });
  it("stops on an immutable field the chart renders differently, naming object, field and choices", () => {
    const rendered = new Map([
      [
        "istiod",
        [
          {
            kind: "Deployment",
            metadata: { name: "istiod" },
            spec: { selector: { matchLabels: { app: "istiod", "istio.io/rev": "default" } } },
          },
        ],
      ],
      [
        "istio-ingressgateway",
        [
          {
            kind: "Deployment",
            metadata: { name: "istio-ingressgateway" },
            spec: { selector: { matchLabels: { istio: "ingressgateway", app: "istio-ingressgateway" } } },
          },
        ],
      ],
    ]);
    const out = adoptionPlan(plan, mesh, { namespaces: [], services: [], rendered });
    assert.deepEqual(
      out.conflicts.map((x) => [x.object, x.field, x.live, x.chart]),
      [
        [
          "Deployment istio-system/istiod",
          "spec.selector",
          { matchLabels: { istio: "pilot" } },
          { matchLabels: { app: "istiod", "istio.io/rev": "default" } },
        ],
      ],
    );
    assert.equal(out.conflicts[0]?.choices.length, 3);
    assert.match(out.conflicts[0]?.choices[1] ?? "", /--cascade=orphan/);
  });
  it("stops on istioctl's gateway, whose pods the gateway chart would replace (another service account)", () => {
    const withSa = istioctlInstall().map((o) =>
      o.kind === "Deployment" && o.metadata?.name === "istio-ingressgateway"
        ? {
            ...o,
            spec: {
              ...o.spec,
              template: { spec: { serviceAccountName: "istio-ingressgateway-service-account" } },
            },
          }
        : o,
    );
    const out = adoptionPlan(plan, discoverMesh({ ...emptyCluster(), operatorObjects: withSa }), {
      namespaces: [],
      services: [],
    });
    assert.deepEqual(
      out.conflicts.map((x) => [x.object, x.field, x.live, x.chart]),
      [
        [
          "Deployment istio-system/istio-ingressgateway",
          "spec.template.spec.serviceAccountName",
          "istio-ingressgateway-service-account",
          "istio-ingressgateway",
        ],
      ],
    );
    assert.match(out.conflicts[0]?.consequence ?? "", /every pod of the gateway would be replaced/);
    assert.match(out.conflicts[0]?.choices[0] ?? "", /leave it out of the manifest/);
  });
  it("istiod-default-validator, which istioctl writes with the default tag unlabelled, goes to the base release", () => {
    const validator = {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: "istiod-default-validator", labels: { "istio.io/rev": "default" } },
    };
    const bare = discoverMesh({ ...emptyCluster(), operatorObjects: [] });
    const out = adoptionPlan(plan, bare, { namespaces: [], services: [], defaultValidator: validator });
    assert.deepEqual(
      out.ownership.map((o) => `${o.kind}/${o.name} → ${o.release}`),
      ["ValidatingWebhookConfiguration/istiod-default-validator → istio-base"],
    );
    const owned = {
      ...validator,
      metadata: { ...validator.metadata, annotations: { "meta.helm.sh/release-name": "x" } },
    };
    assert.deepEqual(
      adoptionPlan(plan, bare, { namespaces: [], services: [], defaultValidator: owned }).ownership,
      [],
    );
  });
  it("stops on a pod template istioctl labelled with its release name `istio`: the chart's release name would replace the pods", () => {
    const labelled = istioctlInstall().map((o) =>
      o.kind === "Deployment" && o.metadata?.name === "istiod"
        ? {
            ...o,
            spec: {
              ...o.spec,
              template: { metadata: { labels: { "app.kubernetes.io/instance": "istio" } } },
            },
          }
        : o,
    );
    const out = adoptionPlan(plan, discoverMesh({ ...emptyCluster(), operatorObjects: labelled }), {
      namespaces: [],
      services: [],
    });
    assert.deepEqual(
      out.conflicts.map((x) => [x.object, x.field, x.live, x.chart]),
      [
        [
          "Deployment istio-system/istiod",
          "spec.template.metadata.labels.app.kubernetes.io/instance",
          "istio",
          "istiod",
        ],
      ],
    );
    assert.match(
      out.conflicts[0]?.choices[0] ?? "",
      /kubectl -n istio-system patch deployment istiod --field-manager planton --type merge/,
    );
  });
  it("names the injector istioctl's default tag turned off, which the hand-over turns back on", () => {
    const off = { matchLabels: { "istio.io/deactivated": "never-match" } };
    const injector = {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "MutatingWebhookConfiguration",
      metadata: {
        name: "istio-sidecar-injector",
        labels: { "operator.istio.io/component": "Pilot", "istio.io/rev": "default" },
      },
      webhooks: [{ name: "rev.namespace.sidecar-injector.istio.io", namespaceSelector: off }],
    };
    const live = discoverMesh({ ...emptyCluster(), operatorObjects: [...istioctlInstall(), injector] });
    const out = adoptionPlan(plan, live, { namespaces: [], services: [] });
    assert.deepEqual(out.reactivated, ["MutatingWebhookConfiguration istio-sidecar-injector"]);
    assert.deepEqual(adoptionPlan(plan, mesh, { namespaces: [], services: [] }).reactivated, []);
  });
  it("a field the chart leaves unset (a Service's clusterIP) is no conflict", () => {
    const [svc] = istioctlInstall().filter((o) => o.kind === "Service");
    assert.ok(svc !== undefined);
    assert.deepEqual(immutableConflicts(svc, { kind: "Service", spec: { type: "ClusterIP" } }), []);
    assert.equal(
      immutableConflicts(svc, { kind: "Service", spec: { clusterIP: "None" } })[0]?.field,
      "spec.clusterIP",
    );
  });
});
