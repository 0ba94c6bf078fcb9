/**
 * The program and spec.gatewayApi's CRDs: each CRD it is given becomes one resource, kept on
 * destroy, and every istiod release waits for them (istiod reads them when it starts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readBundle } from "../../../src/deploy/gateway-api.js";
import { planIstio } from "../../../src/istio/plan.js";
import { loadMarked } from "../../helpers/load.js";
import { usePulumiMocks } from "../../helpers/pulumi-mocks.js";

const { seen, run } = usePulumiMocks();
const crdType = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";
const header = "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesIstio\nmetadata:\n  name: m\n";

describe("the program applies the Gateway API CRDs it is given before istiod", () => {
  it("one retained CRD resource each, labelled as planton's, and istiod depends on them", async () => {
    const { result } = loadMarked(`${header}spec:\n  profile: ambient\n  version: 1.30.3\n`);
    assert.equal(result.kind, "ok");
    if (result.kind !== "ok") return;
    const plan = planIstio(result.manifest);
    assert.ok(plan.gatewayApi);
    // what the deploy layer would hand over when the cluster has two of them from another planton run
    const crds = readBundle(plan.gatewayApi).slice(0, 3);
    await run(plan, () => true, { gatewayApiCrds: crds });
    const drawn = seen.registered.filter((r) => r.type === crdType);
    assert.deepEqual(
      drawn.map((r) => r.name).sort(),
      crds.map((c) => `gateway-api-${(c.metadata as { name: string }).name}`).sort(),
    );
    for (const r of drawn) {
      assert.ok(seen.retained.has(`${crdType}::${r.name}`), `${r.name} is kept on destroy`);
      const labels = (r.inputs.metadata as { labels: Record<string, string> }).labels;
      assert.equal(labels["app.kubernetes.io/managed-by"], "planton");
      assert.equal(r.inputs.status, undefined);
    }
    const istiod = plan.releases.find((r) => r.component === "istiod");
    const edges = seen.edges.get(`kubernetes:helm.sh/v3:Release::${istiod?.name}`) ?? [];
    for (const r of drawn) assert.ok(edges.includes(r.name), `istiod waits for ${r.name}`);
    const base = plan.releases.find((r) => r.component === "base");
    const baseEdges = seen.edges.get(`kubernetes:helm.sh/v3:Release::${base?.name}`);
    assert.ok(baseEdges !== undefined && !baseEdges.some((e) => e.startsWith("gateway-api-")));
  });
});
