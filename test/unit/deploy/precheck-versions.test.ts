/** precheck: versions — Kubernetes, Gateway API and Istio CRDs, proxies — on recorded objects. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import semver from "semver";
import { proxyInplaceBreak, proxySkew } from "../../../src/deploy/precheck/proxies.js";
import {
  gatewayApiCrds,
  istioCrdDowngrade,
  kubernetesVersion,
} from "../../../src/deploy/precheck/versions.js";
import { breaksProxy, gatewayApiLimitsFor } from "../../../src/istio/compatibility.js";
import { planOf, revisionsSpec, snapshotOf } from "./precheck-fixtures.js";

const codes = (fs: { code: string }[]) => fs.map((f) => f.code);

describe("precheck: K8S_VERSION", () => {
  const plan = planOf("  version: 1.30.3\n");
  const at = (v: string) => ({
    failures: [],
    server: { version: semver.parse(v) as semver.SemVer, gitVersion: `v${v}` },
  });
  it("Kubernetes 1.31 is below Istio 1.30's minimum 1.32", () => {
    const [f, ...rest] = kubernetesVersion.run(plan, at("1.31.4"), {});
    assert.equal(rest.length, 0);
    assert.equal(f?.code, "K8S_VERSION");
    assert.match(f?.message ?? "", /v1\.31\.4 is older than 1\.32, the minimum for Istio 1\.30\.3/);
  });
  it("Kubernetes 1.32 is enough", () => {
    assert.deepEqual(kubernetesVersion.run(plan, at("1.32.0"), {}), []);
  });
});

describe("precheck: Gateway API CRDs", () => {
  const v141 = snapshotOf({ crds: ["gateway-api-v1.4.1.json"] });
  const v151 = snapshotOf({ crds: ["gateway-api-v1.5.1.json"] });
  it("bundle v1.4.1 against 1.30.3: TLSRoute is below v1.5.0 (TCPRoute's v1.6.0 minimum is 1.31's)", () => {
    const found = gatewayApiCrds.run(planOf("  version: 1.30.3\n"), v141, {});
    assert.deepEqual(codes(found), ["GATEWAY_API_CRD_TOO_OLD"]);
    assert.equal(found[0]?.object?.name, "tlsroutes.gateway.networking.k8s.io");
    assert.match(
      found[0]?.message ?? "",
      /istiod 1\.30\.3 ignores tlsroutes below Gateway API bundle v1\.5\.0; the CRD has bundle v1\.4\.1/,
    );
  });
  it("bundle v1.5.1 against 1.30.3: nothing", () => {
    assert.deepEqual(gatewayApiCrds.run(planOf("  version: 1.30.3\n"), v151, {}), []);
  });
  it("bundle v1.5.1 against 1.29.6: TLSRoute above the v1.4.1 maximum", () => {
    const found = gatewayApiCrds.run(planOf("  version: 1.29.6\n"), v151, {});
    assert.deepEqual(codes(found), ["GATEWAY_API_CRD_TOO_NEW"]);
    assert.equal(found[0]?.object?.name, "tlsroutes.gateway.networking.k8s.io");
  });
  it("bundle v1.4.1 against 1.29.6: nothing", () => {
    assert.deepEqual(gatewayApiCrds.run(planOf("  version: 1.29.6\n"), v141, {}), []);
  });
  it("a GRPCRoute CRD without a bundle-version annotation is ignored, so too old", () => {
    const found = gatewayApiCrds.run(
      planOf("  version: 1.28.10\n"),
      snapshotOf({ crds: ["gateway-api-unannotated.json"] }),
      {},
    );
    assert.deepEqual(codes(found), ["GATEWAY_API_CRD_TOO_OLD"]);
    assert.match(found[0]?.message ?? "", /no bundle-version annotation/);
  });
  it("limits per Istio version, as Istio's source sets them", () => {
    assert.deepEqual(
      gatewayApiLimitsFor("1.27.0").get("backendtlspolicies.gateway.networking.k8s.io"),
      undefined,
    );
    assert.deepEqual(gatewayApiLimitsFor("1.28.5").get("tlsroutes.gateway.networking.k8s.io"), undefined);
    assert.deepEqual(gatewayApiLimitsFor("1.28.6").get("tlsroutes.gateway.networking.k8s.io"), {
      maximum: "1.4.1",
    });
    assert.deepEqual(gatewayApiLimitsFor("1.29.1").get("tlsroutes.gateway.networking.k8s.io"), undefined);
    assert.deepEqual(gatewayApiLimitsFor("1.30.0").get("tlsroutes.gateway.networking.k8s.io"), {
      minimum: "1.5.0",
    });
    assert.equal(gatewayApiLimitsFor("1.30.3").has("tcproutes.gateway.networking.k8s.io"), false);
    assert.deepEqual(gatewayApiLimitsFor("1.31.0").get("tcproutes.gateway.networking.k8s.io"), {
      minimum: "1.6.0",
    });
  });
});

describe("precheck: ISTIO_CRD_DOWNGRADE", () => {
  const crds = snapshotOf({ crds: ["istio-crds-1.30.3.json"] });
  it("CRDs of 1.30.3 under a 1.29.6 install: an error naming them", () => {
    const [f, ...rest] = istioCrdDowngrade.run(planOf("  version: 1.29.6\n"), crds, {});
    assert.equal(rest.length, 0);
    assert.equal(f?.severity, "ERROR");
    assert.match(f?.message ?? "", /4 Istio CRDs were installed by Istio 1\.30\.3, newer than the 1\.29\.6/);
    assert.ok(f?.details.includes("trafficextensions.extensions.istio.io"));
  });
  it("a newer patch of the same minor: a warning", () => {
    assert.equal(istioCrdDowngrade.run(planOf("  version: 1.30.1\n"), crds, {})[0]?.severity, "WARNING");
  });
  it("the same version: nothing", () => {
    assert.deepEqual(istioCrdDowngrade.run(planOf("  version: 1.30.3\n"), crds, {}), []);
  });
});

describe("precheck: proxies", () => {
  const pods = snapshotOf({ pods: "pods.json" });
  it("in place to 1.30.3: proxies of 1.28.3 (sidecar, waypoint, gateway, ztunnel) are two minors behind; finished pods and 1.29 proxies are not", () => {
    const plan = planOf(revisionsSpec({ "1-28-3": "1.30.3", "1-29-6": "1.30.3" }));
    const found = proxySkew.run(plan, pods, {});
    assert.deepEqual(
      found.map((f) => [f.severity, f.object?.name, f.details]),
      [
        ["ERROR", "shop", ["sidecar shop/cart-7d9c6b5f4-x2k8p", "waypoint shop/waypoint-5c8b9d7f6-k2j4h"]],
        ["ERROR", "istio-ingress", ["gateway istio-ingress/istio-ingressgateway-6c9f7d8b5-mz7rt"]],
        ["ERROR", "istio-system", ["ztunnel istio-system/ztunnel-4rk9m"]],
      ],
    );
    assert.match(
      found[0]?.message ?? "",
      /2 proxies of 1\.28\.3 in shop would be served by istiod 1\.30\.3, 2 minor versions ahead/,
    );
  });
  it("a proxy newer than the istiod that serves it: a warning", () => {
    const found = proxySkew.run(planOf(revisionsSpec({ "1-29-6": "1.28.10" })), pods, {});
    assert.deepEqual(
      found.map((f) => [f.severity, f.object?.name]),
      [["WARNING", "shop"]],
    );
  });
  it("istiod 1.30.1 breaks waypoints older than 1.29.2 (not sidecars, nor gateways outside multi-network ambient); 1.30.3 does not", () => {
    const broken = proxyInplaceBreak.run(
      planOf(revisionsSpec({ "1-28-3": "1.30.1", "1-29-6": "1.30.1" })),
      pods,
      {},
    );
    assert.deepEqual(
      broken.map((f) => [f.object?.name, f.details]),
      [["shop", ["waypoint shop/waypoint-5c8b9d7f6-k2j4h"]]],
    );
    assert.match(
      broken[0]?.message ?? "",
      /1 proxy of 1\.28\.3 in shop would reject the listeners of istiod 1\.30\.1/,
    );
    assert.deepEqual(proxyInplaceBreak.run(planOf(revisionsSpec({ "1-28-3": "1.30.3" })), pods, {}), []);
  });
  it("the break's versions, as Istio's fix says", () => {
    assert.equal(breaksProxy("1.29.2", "1.29.1"), true);
    assert.equal(breaksProxy("1.29.4", "1.28.10"), true);
    assert.equal(breaksProxy("1.29.5", "1.28.10"), false);
    assert.equal(breaksProxy("1.30.1", "1.29.1"), true);
    assert.equal(breaksProxy("1.30.2", "1.29.1"), false);
    assert.equal(breaksProxy("1.30.1", "1.29.2"), false);
    assert.equal(breaksProxy("1.29.1", "1.28.0"), false);
  });
});
