/** The Gateway API reads and `destroy --purge-crds`' deletion, against the stand-in API. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { purgeGatewayApiCrds, readGatewayApi } from "../../../src/cluster/gateway-api.js";
import { clusterAt, type FakeObject, startFakeKubeApi } from "../../helpers/fake-kube.js";

const crd = (name: string, group: string, labels: Record<string, string> = {}): FakeObject => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: {
    name,
    labels,
    annotations: {
      "gateway.networking.k8s.io/bundle-version": "v1.6.3",
      "gateway.networking.k8s.io/channel": "standard",
    },
  },
  spec: { group },
});
const planton = { "app.kubernetes.io/managed-by": "planton" };
const policy: FakeObject = {
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "ValidatingAdmissionPolicy",
  metadata: { name: "safe-upgrades.gateway.networking.k8s.io" },
};

async function withApi<T>(
  objects: FakeObject[],
  use: (api: Awaited<ReturnType<typeof startFakeKubeApi>>, c: ReturnType<typeof clusterAt>) => Promise<T>,
) {
  const api = await startFakeKubeApi({ objects });
  try {
    const cluster = clusterAt(api.url);
    return await use(api, cluster);
  } finally {
    await api.close();
  }
}

const objects = [
  crd("gateways.gateway.networking.k8s.io", "gateway.networking.k8s.io", planton),
  crd("xmeshes.gateway.networking.x-k8s.io", "gateway.networking.x-k8s.io", planton),
  crd("httproutes.gateway.networking.k8s.io", "gateway.networking.k8s.io", { owner: "gke" }),
  crd("peerauthentications.security.istio.io", "security.istio.io", planton),
];

describe("the cluster's Gateway API CRDs", () => {
  it("both groups, with bundle version, channel and owner; the policy absent", async () => {
    await withApi(objects, async (_api, cluster) => {
      const { crds, policy } = await readGatewayApi(cluster);
      assert.equal(policy, false);
      assert.deepEqual(crds.map((c) => [c.name, c.version, c.channel, c.planton]).sort(), [
        ["gateways.gateway.networking.k8s.io", "v1.6.3", "standard", true],
        ["httproutes.gateway.networking.k8s.io", "v1.6.3", "standard", false],
        ["xmeshes.gateway.networking.x-k8s.io", "v1.6.3", "standard", true],
      ]);
    });
  });
  it("the safe-upgrades policy present", async () => {
    await withApi([policy], async (_api, cluster) => {
      assert.equal((await readGatewayApi(cluster)).policy, true);
    });
  });
  it("--purge-crds deletes planton's own Gateway API CRDs only", async () => {
    await withApi(objects, async (api, cluster) => {
      const removed = await purgeGatewayApiCrds(cluster);
      assert.deepEqual(removed.sort(), [
        "gateways.gateway.networking.k8s.io",
        "xmeshes.gateway.networking.x-k8s.io",
      ]);
      assert.deepEqual(api.stored(), [
        "customresourcedefinitions//httproutes.gateway.networking.k8s.io",
        "customresourcedefinitions//peerauthentications.security.istio.io",
      ]);
    });
  });
});
