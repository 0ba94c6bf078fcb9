import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { parseAllDocuments } from "yaml";
import {
  decideGatewayApiCrds,
  defaultGatewayApiVersion,
  type ObservedGatewayApiCrd,
  type ShippedBundle,
  shippedBundle,
  shippedGatewayApiVersions,
} from "../../../src/istio/gateway-api.js";
import { planIstio } from "../../../src/istio/plan.js";
import type { InstallPlan } from "../../../src/istio/types.js";
import { loadMarked } from "../../helpers/load.js";
import { root } from "../../helpers/paths.js";

const header = "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesIstio\nmetadata:\n  name: m\n";
function plan(body: string): InstallPlan {
  const { result } = loadMarked(`${header}spec:\n${body}`);
  if (result.kind !== "ok") throw new Error(JSON.stringify(result.diagnostics));
  return planIstio(result.manifest);
}

const v141 = shippedBundle("v1.4.1", "standard") as ShippedBundle;
const v163 = shippedBundle("v1.6.3", "standard") as ShippedBundle;
const v163x = shippedBundle("v1.6.3", "experimental") as ShippedBundle;
const gateways = "gateways.gateway.networking.k8s.io";
const crd = (o: Partial<ObservedGatewayApiCrd>): ObservedGatewayApiCrd => ({
  name: gateways,
  version: "v1.4.1",
  channel: "standard",
  planton: true,
  ...o,
});
const actionOf = (want: ShippedBundle, observed: ObservedGatewayApiCrd[], policy = false) =>
  decideGatewayApiCrds(want, observed, policy).find((d) => d.name === gateways)?.action;

describe("Gateway API CRD decision table", () => {
  it("installs every CRD of the bundle the cluster lacks", () => {
    const d = decideGatewayApiCrds(v163, [], false);
    assert.deepEqual(
      d.map((x) => x.action),
      v163.crds.map(() => "install"),
    );
    assert.ok(d.some((x) => x.name === "tlsroutes.gateway.networking.k8s.io"));
  });
  it("upgrades planton's own CRD of an older bundle", () => {
    assert.equal(actionOf(v163, [crd({})]), "upgrade");
  });
  it("leaves planton's own CRD of the same bundle and channel unchanged", () => {
    assert.equal(actionOf(v141, [crd({})]), "unchanged");
  });
  it("never touches a CRD without planton's label, whatever its version", () => {
    assert.equal(actionOf(v163, [crd({ planton: false })]), "foreign");
    assert.equal(actionOf(v141, [crd({ planton: false, version: "v1.6.3" })]), "foreign");
    assert.equal(actionOf(v163x, [crd({ planton: false })], true), "foreign");
  });
  it("adds no CRD beside another owner's: the Gateway API is theirs", () => {
    const d = decideGatewayApiCrds(v163, [crd({ planton: false })], false);
    assert.deepEqual(new Set(d.map((x) => x.action)), new Set(["foreign"]));
  });
  it("refuses to downgrade planton's own CRD", () => {
    assert.equal(actionOf(v141, [crd({ version: "v1.6.3" })]), "downgrade");
  });
  it("refuses standard → experimental where the safe-upgrades policy exists", () => {
    assert.equal(actionOf(v163x, [crd({ version: "v1.6.3" })], true), "channel-switch");
  });
  it("switches standard → experimental without the policy, and experimental → standard with it", () => {
    assert.equal(actionOf(v163x, [crd({ version: "v1.6.3" })], false), "upgrade");
    assert.equal(actionOf(v163, [crd({ version: "v1.6.3", channel: "experimental" })], true), "upgrade");
  });
  it("upgrades planton's own CRD that has no bundle-version annotation", () => {
    assert.equal(actionOf(v141, [crd({ version: undefined })]), "upgrade");
  });
});

describe("Gateway API default bundle per Istio version", () => {
  it("v1.4.1 for Istio 1.28 and 1.29 (TLSRoute capped at v1.4.1), v1.6.3 for 1.30", () => {
    assert.equal(defaultGatewayApiVersion(["1.28.6"], "standard"), "v1.4.1");
    assert.equal(defaultGatewayApiVersion(["1.29.6"], "experimental"), "v1.4.1");
    assert.equal(defaultGatewayApiVersion(["1.30.3"], "standard"), "v1.6.3");
    assert.equal(defaultGatewayApiVersion(["1.30.3"], "experimental"), "v1.6.3");
  });
  it("a canary 1.29 → 1.30 keeps a bundle both watch (standard v1.4.1 has no TLSRoute)", () => {
    assert.equal(defaultGatewayApiVersion(["1.29.6", "1.30.3"], "standard"), "v1.4.1");
    // experimental v1.4.1 has a TLSRoute 1.30 ignores, v1.6.3 one 1.29 ignores: the newest Istio wins
    assert.equal(defaultGatewayApiVersion(["1.29.6", "1.30.3"], "experimental"), "v1.6.3");
  });
});

describe("spec.gatewayApi in the plan", () => {
  it("the ambient profile installs the default bundle when the block is absent", () => {
    const p = plan("  profile: ambient\n  version: 1.30.3\n");
    assert.equal(p.gatewayApi?.version, "v1.6.3");
    assert.equal(p.gatewayApi?.channel, "standard");
    assert.deepEqual(p.gatewayApi?.labels, { "app.kubernetes.io/managed-by": "planton" });
  });
  it("other profiles install none unless asked; install: false turns ambient's off", () => {
    assert.equal(plan("  profile: default\n").gatewayApi, undefined);
    assert.equal(plan("  profile: ambient\n  gatewayApi: {install: false}\n").gatewayApi, undefined);
    const p = plan("  gatewayApi: {install: true, version: v1.4.1, channel: EXPERIMENTAL}\n");
    assert.equal(p.gatewayApi?.file, "v1.4.1-experimental.yaml.gz");
  });
  it("a version planton does not ship is an input error naming the shipped ones", () => {
    const { result } = loadMarked(`${header}spec:\n  gatewayApi:\n    version: ⟦v1.5.0\n`);
    assert.equal(result.kind, "invalid");
    if (result.kind !== "invalid") return;
    assert.match(result.diagnostics[0]?.message ?? "", /ships v1\.4\.1 and v1\.6\.3/);
  });
});

describe("the shipped bundles", () => {
  const dir = join(root, "bundles", "gateway-api");
  it("are the versions the proto admits and the e2e harness pins", () => {
    const proto = readFileSync(join(root, "proto/planton/kubernetes/istio/v1/spec.proto"), "utf8");
    const listed = /in: \["", ("v[^\]]*)\]/
      .exec(proto)?.[1]
      ?.split(", ")
      .map((s) => JSON.parse(s));
    assert.deepEqual(listed, shippedGatewayApiVersions);
    const pins = (f: string) =>
      readFileSync(f, "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "" && !l.startsWith("#"));
    assert.deepEqual(
      pins(join(dir, "modules.txt")),
      pins(join(root, "test/e2e/cluster/gateway-api/modules.txt")),
    );
  });
  it("match their checksums and hold exactly the CRDs bundles.json names, annotated with version and channel", () => {
    for (const version of shippedGatewayApiVersions)
      for (const channel of ["standard", "experimental"] as const) {
        const b = shippedBundle(version, channel) as ShippedBundle;
        const gz = readFileSync(join(dir, b.file));
        assert.equal(createHash("sha256").update(gz).digest("hex"), b.sha256, b.file);
        const crds = parseAllDocuments(gunzipSync(gz).toString("utf8")).map((d) => d.toJS());
        assert.deepEqual(
          crds.map((c) => c.metadata.name),
          b.crds,
        );
        for (const c of crds) {
          assert.equal(c.kind, "CustomResourceDefinition");
          assert.equal(c.metadata.annotations["gateway.networking.k8s.io/bundle-version"], version);
          assert.equal(c.metadata.annotations["gateway.networking.k8s.io/channel"], channel);
        }
      }
  });
});
