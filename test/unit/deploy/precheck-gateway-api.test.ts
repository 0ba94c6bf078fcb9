/** precheck: what spec.gatewayApi would do to the cluster's Gateway API CRDs. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PrecheckSnapshot } from "../../../src/cluster/precheck-reads.js";
import { gatewayApiInstall } from "../../../src/deploy/precheck/gateway-api.js";
import { gatewayApiCrds } from "../../../src/deploy/precheck/versions.js";
import { shippedBundle } from "../../../src/istio/gateway-api.js";
import { planOf } from "./precheck-fixtures.js";

const codes = (fs: { code: string }[]) => fs.map((f) => f.code);
/** The CRDs of a shipped bundle as the cluster would have them. */
const cluster = (version: string, channel: "standard" | "experimental", planton: boolean, policy = false) =>
  ({
    failures: [],
    gatewayApiPolicy: policy,
    gatewayApiCrds: (shippedBundle(version, channel)?.crds ?? []).map((name) => ({
      name,
      version,
      channel,
      planton,
    })),
  }) satisfies PrecheckSnapshot;
const ambient = (extra = "") => planOf(`  profile: ambient\n  version: 1.30.3\n${extra}`);

describe("precheck: spec.gatewayApi against the cluster's Gateway API CRDs", () => {
  it("planton's own v1.4.1 upgraded to v1.6.3: no finding, and no TOO_OLD for the TLSRoute it upgrades", () => {
    const s = cluster("v1.4.1", "experimental", true);
    const plan = ambient("  gatewayApi: {channel: EXPERIMENTAL}\n");
    assert.deepEqual(gatewayApiInstall.run(plan, s, {}), []);
    assert.deepEqual(gatewayApiCrds.run(plan, s, {}), []);
  });
  it("another owner's v1.4.1: a warning naming them, and their TLSRoute still too old for Istio 1.30", () => {
    const s = cluster("v1.4.1", "experimental", false);
    const plan = ambient();
    const [f, ...rest] = gatewayApiInstall.run(plan, s, {});
    assert.equal(rest.length, 0);
    assert.equal(f?.code, "GATEWAY_API_CRD_FOREIGN");
    assert.equal(f?.severity, "WARNING");
    assert.ok(f?.details.includes("gateways.gateway.networking.k8s.io (v1.4.1, experimental)"));
    assert.deepEqual(codes(gatewayApiCrds.run(plan, s, {})), ["GATEWAY_API_CRD_TOO_OLD"]);
  });
  it("planton's own v1.6.3 and the manifest names v1.4.1: GATEWAY_API_CRD_DOWNGRADE, an error", () => {
    const [f, ...rest] = gatewayApiInstall.run(
      ambient("  gatewayApi: {version: v1.4.1}\n"),
      cluster("v1.6.3", "standard", true),
      {},
    );
    assert.equal(rest.length, 0);
    assert.equal(f?.code, "GATEWAY_API_CRD_DOWNGRADE");
    assert.equal(f?.severity, "ERROR");
    assert.equal(f?.details.length, 6);
  });
  it("standard → experimental with the safe-upgrades policy: GATEWAY_API_CHANNEL_SWITCH; without it, none", () => {
    const plan = ambient("  gatewayApi: {channel: EXPERIMENTAL}\n");
    const found = gatewayApiInstall.run(plan, cluster("v1.6.3", "standard", true, true), {});
    assert.deepEqual(codes(found), ["GATEWAY_API_CHANNEL_SWITCH"]);
    assert.match(found[0]?.message ?? "", /safe-upgrades\.gateway\.networking\.k8s\.io refuses/);
    assert.deepEqual(gatewayApiInstall.run(plan, cluster("v1.6.3", "standard", true, false), {}), []);
  });
  it("a plan without gatewayApi finds nothing", () => {
    assert.deepEqual(
      gatewayApiInstall.run(planOf("  version: 1.30.3\n"), cluster("v1.6.3", "standard", false), {}),
      [],
    );
  });
});
