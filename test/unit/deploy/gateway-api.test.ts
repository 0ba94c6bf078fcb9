/** spec.gatewayApi at run time: what the program is handed, and the line preview and apply print. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { bundlesDir, gatewayApiCrdsToApply } from "../../../src/deploy/gateway-api.js";
import { type PlannedGatewayApi, shippedBundle } from "../../../src/istio/gateway-api.js";
import { root } from "../../helpers/paths.js";
import { clusterAt, type FakeObject, startFakeKubeApi } from "../../helpers/fake-kube.js";

const planned = (version: string): PlannedGatewayApi => ({
  ...(shippedBundle(version, "standard") as NonNullable<ReturnType<typeof shippedBundle>>),
  labels: { "app.kubernetes.io/managed-by": "planton" },
});
const ownCrd = (name: string, version: string): FakeObject => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: {
    name,
    labels: { "app.kubernetes.io/managed-by": "planton" },
    annotations: {
      "gateway.networking.k8s.io/bundle-version": version,
      "gateway.networking.k8s.io/channel": "standard",
    },
  },
  spec: { group: "gateway.networking.k8s.io" },
});

async function toApply(version: string, objects: FakeObject[]) {
  const api = await startFakeKubeApi({ objects });
  try {
    const cluster = clusterAt(api.url);
    const lines: string[] = [];
    const crds = await gatewayApiCrdsToApply({ gatewayApi: planned(version) }, cluster, (l) => lines.push(l));
    return { crds: crds.map((c) => c.metadata.name as string), lines, crdObjects: crds };
  } finally {
    await api.close();
  }
}

describe("the Gateway API CRDs handed to the program", () => {
  it("the bundles are found at the package root", () => {
    assert.equal(bundlesDir(), join(root, "bundles", "gateway-api"));
  });
  it("an upgrade of planton's own: every CRD of the bundle, labelled, and the line says what changes", async () => {
    const { crds, lines, crdObjects } = await toApply("v1.6.3", [
      ownCrd("gateways.gateway.networking.k8s.io", "v1.4.1"),
      ownCrd("httproutes.gateway.networking.k8s.io", "v1.6.3"),
    ]);
    assert.equal(crds.length, 10);
    assert.deepEqual(lines, [
      "Gateway API CRDs v1.6.3 (standard): 8 to install; 1 to upgrade (from v1.4.1 standard); 1 up to date",
    ]);
    for (const c of crdObjects) {
      assert.equal((c.metadata.labels as Record<string, string>)["app.kubernetes.io/managed-by"], "planton");
      assert.equal(c.status, undefined);
    }
  });
  it("a downgrade: nothing handed over (the gate refuses it), and the line says so", async () => {
    const { crds, lines } = await toApply("v1.4.1", [ownCrd("gateways.gateway.networking.k8s.io", "v1.6.3")]);
    assert.deepEqual(crds.sort(), [
      "backendtlspolicies.gateway.networking.k8s.io",
      "gatewayclasses.gateway.networking.k8s.io",
      "grpcroutes.gateway.networking.k8s.io",
      "httproutes.gateway.networking.k8s.io",
      "referencegrants.gateway.networking.k8s.io",
    ]);
    assert.match(lines[0] ?? "", /5 to install; 1 newer, never downgraded/);
  });
  it("no spec.gatewayApi: nothing read, nothing handed over", async () => {
    const lines: string[] = [];
    const cluster = undefined as unknown as Parameters<typeof gatewayApiCrdsToApply>[1];
    assert.deepEqual(await gatewayApiCrdsToApply({}, cluster, (l) => lines.push(l)), []);
    assert.deepEqual(lines, []);
  });
});
