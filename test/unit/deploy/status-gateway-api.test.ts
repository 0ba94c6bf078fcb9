import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import type * as k8s from "@kubernetes/client-node";
import { readBundle } from "../../../src/deploy/gateway-api.js";
import { checkGatewayApi, gatewayApiRow } from "../../../src/deploy/status/gateway-api.js";
import type { CheckReads } from "../../../src/deploy/status/model.js";
import type { PlannedGatewayApi } from "../../../src/istio/gateway-api.js";
import { planOfYaml } from "../../helpers/status-checks.js";
import { root } from "../../helpers/paths.js";

const ambientPlan = planOfYaml(`apiVersion: kubernetes.project-planton.org/v1
kind: KubernetesIstio
metadata: {name: mesh}
spec: {version: 1.30.3, profile: ambient}
`);
const bundle = ambientPlan.gatewayApi as PlannedGatewayApi;

/** The planned bundle's CRDs as the API server returns them after apply: labelled, Established. */
function installed(): k8s.V1CustomResourceDefinition[] {
  return readBundle(bundle, join(root, "bundles", "gateway-api")).map((crd) => ({
    ...(crd as unknown as k8s.V1CustomResourceDefinition),
    status: { conditions: [{ type: "Established", status: "True" }] } as never,
  }));
}
const setAnnotation = (crd: k8s.V1CustomResourceDefinition, key: string, value: string) => {
  crd.metadata = { ...crd.metadata, annotations: { ...crd.metadata?.annotations, [key]: value } };
};
const VERSION = "gateway.networking.k8s.io/bundle-version";

describe("status: the Gateway API CRDs the plan installs", () => {
  it("the whole planned bundle, planton's, Established: one ok row", () => {
    const r = gatewayApiRow(bundle, installed());
    assert.deepEqual(
      [r.state, r.message],
      ["ok", `${bundle.crds.length} Gateway API CRDs at v1.6.3 standard, established`],
    );
  });

  it("a CRD missing is an error naming it; apply installs it", () => {
    const crds = installed().filter((c) => c.metadata?.name !== "httproutes.gateway.networking.k8s.io");
    const r = gatewayApiRow(bundle, crds);
    assert.equal(r.state, "error");
    assert.deepEqual(r.details, ["httproutes.gateway.networking.k8s.io"]);
    assert.match(r.hint, /planton apply/);
  });

  it("a CRD not Established is an error", () => {
    const crds = installed();
    (crds[0] as k8s.V1CustomResourceDefinition).status = {
      conditions: [{ type: "Established", status: "False" }],
    } as never;
    const r = gatewayApiRow(bundle, crds);
    assert.equal(r.state, "error");
    assert.deepEqual(r.details, [crds[0]?.metadata?.name]);
  });

  it("planton's older copy is a warning that apply upgrades it; a newer one is never downgraded", () => {
    const older = installed();
    setAnnotation(older[1] as k8s.V1CustomResourceDefinition, VERSION, "v1.4.1");
    const o = gatewayApiRow(bundle, older);
    assert.equal(o.state, "warning");
    assert.match(o.message, /1 Gateway API CRD not at the planned v1\.6\.3 standard/);
    assert.deepEqual(o.details, [`${older[1]?.metadata?.name} (v1.4.1 standard)`]);
    const newer = installed();
    setAnnotation(newer[1] as k8s.V1CustomResourceDefinition, VERSION, "v1.7.0");
    const n = gatewayApiRow(bundle, newer);
    assert.equal(n.state, "warning");
    assert.match(n.message, /newer than the planned v1\.6\.3 standard: never downgraded/);
  });

  it("another owner's Gateway API CRDs: a warning that planton leaves them, even with some missing", () => {
    const crds = installed()
      .slice(0, 3)
      .map((c) => ({ ...c, metadata: { ...c.metadata, labels: {} } }));
    setAnnotation(crds[0] as k8s.V1CustomResourceDefinition, VERSION, "v1.3.0");
    const r = gatewayApiRow(bundle, crds);
    assert.equal(r.state, "warning");
    assert.match(r.message, /another owner's Gateway API CRDs \(v1\.3\.0 standard, v1\.6\.3 standard\)/);
    assert.equal(r.details.length, 3);
  });

  it("a plan installing no Gateway API CRDs has no row", () => {
    const plan = planOfYaml(`apiVersion: kubernetes.project-planton.org/v1
kind: KubernetesIstio
metadata: {name: mesh}
spec: {version: 1.30.3}
`);
    assert.deepEqual(checkGatewayApi({ gatewayApiCrds: installed() } as CheckReads, plan, undefined), []);
    assert.equal(checkGatewayApi({} as CheckReads, ambientPlan, undefined)[0]?.state, "error");
  });
});
