/** What `planton adopt` reads, against the stand-in API. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readAdoption } from "../../../src/cluster/adopt-reads.js";
import { clusterAt, type FakeObject, startFakeKubeApi } from "../../helpers/fake-kube.js";

const base = { "operator.istio.io/component": "Base", "istio.io/rev": "default" };
const crd = (name: string, labels: Record<string, string>): FakeObject => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name, labels },
});

describe("adopt's reads", () => {
  it("the CRDs istioctl installed are among its objects (the base release must take them over too)", async () => {
    const api = await startFakeKubeApi({
      objects: [
        crd("virtualservices.networking.istio.io", base),
        crd("gateways.gateway.networking.k8s.io", { "gateway.networking.k8s.io/bundle-version": "v1.4.1" }),
      ],
    });
    try {
      const reads = await readAdoption(clusterAt(api.url));
      assert.deepEqual(
        reads.operatorObjects.map((o) => [o.apiVersion, o.kind, o.metadata?.name]),
        [["apiextensions.k8s.io/v1", "CustomResourceDefinition", "virtualservices.networking.istio.io"]],
      );
    } finally {
      await api.close();
    }
  });
});
