import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { discoverMesh } from "../../../src/deploy/adopt/discover.js";
import {
  planManifestJson,
  renderWrittenManifest,
  writeManifest,
} from "../../../src/deploy/adopt/write-manifest.js";
import type { InstallPlan } from "../../../src/istio/types.js";
import {
  clusterFromPlan,
  emptyCluster,
  handInstalledCluster,
  helmSecret,
  planOf,
  tagWebhook,
} from "./fixtures.js";
import { istioctlInstall } from "./istioctl-fixtures.js";

const releaseFacts = (plan: InstallPlan) =>
  plan.releases
    .map((r) => ({
      name: r.name,
      chart: r.chart,
      version: r.version,
      namespace: r.namespace,
      values: r.values,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));

describe("adopt --write-manifest: the round trip", () => {
  for (const file of [
    "examples/production.yaml",
    "examples/dev.yaml",
    "examples/staging.yaml",
    "examples/canary/2-canary.yaml",
    "examples/canary/3-move-stable.yaml",
    "test/fixtures/manifests/valid/profile-ambient.yaml",
  ]) {
    it(`planning the written manifest of a mesh installed as ${file} plans the live releases`, () => {
      const plan = planOf(file);
      const written = writeManifest(discoverMesh(clusterFromPlan(plan)), "adopted");
      const again = planManifestJson(written.manifest);
      assert.deepEqual(releaseFacts(again), releaseFacts(plan));
      assert.deepEqual(again.mesh.revisionTags, plan.mesh.revisionTags);
      assert.deepEqual(
        again.workloadNamespaces.map((n) => [n.name, n.labels]),
        plan.workloadNamespaces.map((n) => [n.name, n.labels]),
      );
      assert.deepEqual(written.notes, []);
    });
  }
});

describe("adopt --write-manifest: a release installed by hand", () => {
  const cluster = handInstalledCluster();
  const written = writeManifest(discoverMesh(cluster), "adopted");
  const spec = written.manifest.spec as Record<string, unknown>;

  it("reads the manifest's fields and puts the rest under helmValues", () => {
    assert.equal(spec.version, "1.29.6");
    assert.deepEqual(spec.meshConfig, { accessLogFile: "/dev/stdout" });
    assert.deepEqual(spec.ingressGateways, [
      {
        name: "istio-ingress",
        namespace: "istio-ingress",
        service: { type: "NodePort" },
        helmValues: { podAnnotations: { team: "edge" } },
      },
    ]);
    assert.deepEqual((spec.helmValues as Record<string, unknown>).istiod, {
      pilot: { env: { PILOT_ENABLE_ALPHA_GATEWAY_API: "true" } },
    });
  });

  it("sends every chart the live values, plus only what planton adds, each listed in the header", () => {
    const again = planManifestJson(written.manifest);
    const istiod = again.releases.find((r) => r.name === "istiod");
    assert.deepEqual((istiod?.values.pilot as Record<string, unknown> | undefined)?.env, {
      PILOT_ENABLE_ALPHA_GATEWAY_API: "true",
    });
    const changed = written.notes.filter((n) => n.kind === "changed").map((n) => n.path);
    // chart defaults planton sends (istioNamespace, tag, defaultPodDisruptionBudget) are not changes
    assert.deepEqual(changed.sort(), [
      "releases.istio-system/istio-base.values.base.validationFailurePolicy",
      "releases.istio-system/istiod.values.base.validationFailurePolicy",
    ]);
    const yaml = renderWrittenManifest(written, "context kind-e2e");
    assert.match(yaml, /^# Written by `planton adopt --write-manifest` from context kind-e2e\.$/m);
    assert.match(yaml, /^# Converted in another form \(\d+\):$/m);
  });
});

describe("adopt --write-manifest: an istioctl-installed mesh", () => {
  it("carries version, namespace, gateways and mesh config, and says the install values are not recorded", () => {
    const c = emptyCluster();
    c.operatorObjects = istioctlInstall("1.28.10");
    const written = writeManifest(discoverMesh(c), "adopted");
    assert.deepEqual(written.manifest.spec, {
      version: "1.28.10",
      profile: "default",
      namespace: "istio-system",
      ingressGateways: [
        { name: "istio-ingressgateway", namespace: "istio-system", service: { type: "LoadBalancer" } },
      ],
      meshConfig: { accessLogFile: "/dev/stdout" },
    });
    assert.deepEqual(
      written.notes.map((n) => n.path),
      ["istioctl.Base", "istioctl.IngressGateways", "istioctl.Pilot"],
    );
    const plan = planManifestJson(written.manifest);
    assert.deepEqual(
      plan.releases.map((r) => `${r.namespace}/${r.name}@${r.version}`),
      [
        "istio-system/istio-base@1.28.10",
        "istio-system/istiod@1.28.10",
        "istio-system/istio-ingressgateway@1.28.10",
      ],
    );
  });
});

describe("adopt --write-manifest: what istioctl's objects say beyond their labels", () => {
  const c = emptyCluster();
  c.operatorObjects = istioctlInstall("1.31.0").map((o) => {
    if (o.kind !== "Deployment") return o;
    const template =
      o.metadata?.name === "istiod"
        ? { spec: { containers: [{ name: "discovery", image: "registry.istio.io/release/pilot:1.31-dev" }] } }
        : { spec: { serviceAccountName: "istio-ingressgateway-service-account" } };
    return { ...o, spec: { ...o.spec, template } };
  });
  const written = writeManifest(discoverMesh(c), "adopted");
  it("istiod's image hub, and its tag where it is not the version, as spec.images", () => {
    assert.deepEqual((written.manifest.spec as Record<string, unknown>).images, {
      hub: "registry.istio.io/release",
      tag: "1.31-dev",
    });
  });
  it("leaves out a gateway whose pods the gateway chart would replace, and says why", () => {
    assert.deepEqual((written.manifest.spec as Record<string, unknown>).ingressGateways, []);
    const note = written.notes.find((n) => n.path === "istioctl.gateways.istio-system/istio-ingressgateway");
    assert.match(note?.message ?? JSON.stringify(written.notes), /would replace its pods/);
  });
});

describe("adopt --write-manifest: two revisions with different values", () => {
  it("keeps what they share under helmValues.istiod and names what only one has", () => {
    const c = emptyCluster();
    const istiod = (rev: string, level: string) =>
      helmSecret({
        name: `istiod-${rev}`,
        namespace: "istio-system",
        chart: "istiod",
        version: rev === "stable" ? "1.29.6" : "1.30.3",
        values: { revision: rev, pilot: { env: { SHARED: "yes", LEVEL: level } } },
      });
    c.helmSecrets = [istiod("stable", "1"), istiod("canary", "2")];
    c.mutatingWebhooks = [];
    const written = writeManifest(discoverMesh(c), "adopted");
    const spec = written.manifest.spec as Record<string, Record<string, unknown>>;
    assert.deepEqual(spec.helmValues?.istiod, { pilot: { env: { SHARED: "yes" } } });
    assert.deepEqual(
      written.notes.filter((n) => n.kind === "dropped").map((n) => n.path),
      [
        "releases.istio-system/istiod-canary.values.pilot.env.LEVEL",
        "releases.istio-system/istiod-stable.values.pilot.env.LEVEL",
      ],
    );
  });
});

describe("adopt --write-manifest: a tag a Helm istiod release renders", () => {
  const c = emptyCluster();
  c.helmSecrets = [
    helmSecret({
      name: "istio-base",
      namespace: "istio-system",
      chart: "base",
      version: "1.29.6",
      values: { defaultRevision: "1-29-6" },
    }),
    helmSecret({
      name: "istiod-1-29-6",
      namespace: "istio-system",
      chart: "istiod",
      version: "1.29.6",
      values: { revision: "1-29-6", revisionTags: ["stable"] },
    }),
  ];
  c.mutatingWebhooks = [tagWebhook("stable", "1-29-6", {}, { "meta.helm.sh/release-name": "istiod-1-29-6" })];
  const written = writeManifest(discoverMesh(c), "adopted");
  const spec = written.manifest.spec as Record<string, unknown>;
  const istiod = (plan: ReturnType<typeof planManifestJson>, name: string) =>
    plan.releases.find((r) => r.name === name)?.values;

  it("is declared for its revision and stays the release's own: planning sends the release its live tags and draws no tag of its own", () => {
    assert.deepEqual(spec.revisionTags, [{ name: "stable", revision: "1-29-6" }]);
    const plan = planManifestJson(written.manifest);
    assert.deepEqual(istiod(plan, "istiod-1-29-6")?.revisionTags, ["stable"]);
    assert.deepEqual(plan.tags, []);
  });

  it("does not reach a canary revision added to the written manifest", () => {
    const canary = structuredClone(written.manifest);
    const revisions = (canary.spec as { revisions: { name: string; version: string }[] }).revisions;
    revisions.push({ name: "1-30-3", version: "1.30.3" });
    const plan = planManifestJson(canary);
    assert.equal(istiod(plan, "istiod-1-30-3")?.revisionTags, undefined);
    assert.deepEqual(istiod(plan, "istiod-1-29-6")?.revisionTags, ["stable"]);
  });
});
