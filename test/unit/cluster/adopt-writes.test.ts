/** The merge patch adopt writes on each istioctl-installed object it hands to Helm. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type OwnershipWrite, ownershipPatch } from "../../../src/cluster/adopt-writes.js";

const write = (managedFields?: { manager?: string }[]): OwnershipWrite => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  namespace: "istio-system",
  name: "istiod",
  resourceVersion: "812",
  labels: { "app.kubernetes.io/managed-by": "Helm" },
  annotations: { "meta.helm.sh/release-name": "istiod", "meta.helm.sh/release-namespace": "istio-system" },
  ...(managedFields ? { managedFields } : {}),
});
const metadata = (p: Record<string, unknown>) => p.metadata as Record<string, unknown>;

describe("adopt's ownership patch", () => {
  it("Helm's labels and annotations, with the resourceVersion read", () => {
    assert.deepEqual(ownershipPatch(write()), {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: "istiod",
        namespace: "istio-system",
        resourceVersion: "812",
        labels: { "app.kubernetes.io/managed-by": "Helm" },
        annotations: {
          "meta.helm.sh/release-name": "istiod",
          "meta.helm.sh/release-namespace": "istio-system",
        },
      },
    });
  });
  it("drops istioctl's field manager entry (istio-operator) and keeps the others", () => {
    const kept = { manager: "kube-controller-manager" };
    const p = ownershipPatch(write([{ manager: "istio-operator" }, kept]));
    assert.deepEqual(metadata(p).managedFields, [kept]);
  });
  it("clears managedFields with one empty entry when istioctl's was the only one", () => {
    assert.deepEqual(metadata(ownershipPatch(write([{ manager: "istio-operator" }]))).managedFields, [{}]);
  });
  it("leaves managedFields alone when istioctl owns nothing", () => {
    assert.equal("managedFields" in metadata(ownershipPatch(write([{ manager: "kubectl-edit" }]))), false);
  });
});
