import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseState, recordedMembership, recordedReleases } from "../../../src/pulumi/state.js";

/** An export after an update that failed on a missing 1.27.9 chart: the outputs say 1.27.9, the releases were never touched. */
const failedUpdate = {
  deployment: {
    resources: [
      {
        urn: "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s",
        type: "pulumi:pulumi:Stack",
        outputs: {
          namespace: "istio-system",
          version: "1.27.9",
          releases: { istiod: { chart: "istiod", version: "1.27.9", namespace: "istio-system", values: {} } },
          namespaces: [
            { name: "shop", created: false, revision: "1-30-3", labels: { "istio.io/rev": "prod-stable" } },
          ],
          revisionTags: { "prod-stable": "1-30-3" },
        },
      },
      {
        type: "kubernetes:helm.sh/v3:Release",
        inputs: {
          name: "istio-base",
          namespace: "istio-system",
          chart: "base",
          version: "1.30.3",
          values: { defaultRevision: "1-29-6" },
        },
        outputs: {
          name: "istio-base",
          namespace: "istio-system",
          chart: "base",
          version: "1.30.3",
          values: { defaultRevision: "1-29-6" },
        },
      },
      {
        type: "kubernetes:helm.sh/v3:Release",
        outputs: {
          name: "istiod",
          namespace: "istio-system",
          chart: "istiod",
          version: "1.29.6",
          values: { pilot: {} },
        },
      },
      {
        type: "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration",
        inputs: {
          metadata: {
            name: "istio-revision-tag-prod-stable",
            labels: { "istio.io/tag": "prod-stable", "istio.io/rev": "1-29-6" },
          },
        },
      },
      {
        type: "kubernetes:core/v1:NamespacePatch",
        inputs: { metadata: { name: "shop", labels: { "istio.io/rev": "prod-stable" } } },
      },
    ],
  },
};

describe("the state as last applied, not as the outputs claim", () => {
  it("release versions and values come from the Release resources", () => {
    const r = recordedReleases(parseState(failedUpdate));
    assert.equal(r.istiod?.version, "1.29.6", "the failed update's 1.27.9 was never installed");
    assert.equal(r["istio-base"]?.version, "1.30.3");
    assert.equal(r.istiod?.chart, "istiod");
  });
  it("tags and namespace labels come from the webhook and namespace resources", () => {
    const m = recordedMembership(parseState(failedUpdate));
    assert.deepEqual(m.revisionTags, { "prod-stable": "1-29-6" });
    assert.deepEqual(m.namespaces, [
      { name: "shop", revision: "1-29-6", labels: { "istio.io/rev": "prod-stable" } },
    ]);
  });
  it("istio-injection=enabled resolves to the default revision the base release was applied with", () => {
    const s = parseState(failedUpdate);
    s.namespaceLabels.shop = { "istio-injection": "enabled" };
    assert.equal(recordedMembership(s).namespaces[0]?.revision, "1-29-6");
  });
});

describe("a created namespace's labels across its Namespace and its use-waypoint patch", () => {
  it("are merged, whichever resource the export lists first", () => {
    const ns = (type: string, labels: Record<string, string>) => ({
      type,
      inputs: { metadata: { name: "shop", labels } },
    });
    for (const order of [1, -1]) {
      const resources = [
        ns("kubernetes:core/v1:Namespace", { "istio.io/dataplane-mode": "ambient" }),
        ns("kubernetes:core/v1:NamespacePatch", { "istio.io/use-waypoint": "waypoint" }),
      ];
      if (order < 0) resources.reverse();
      const s = parseState({ deployment: { resources } });
      assert.deepEqual(s?.namespaceLabels.shop, {
        "istio.io/dataplane-mode": "ambient",
        "istio.io/use-waypoint": "waypoint",
      });
    }
  });
});
