import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { planIstio } from "../../../src/istio/plan.js";
import type { InstallPlan } from "../../../src/istio/types.js";
import { diffWaypoints } from "../../../src/istio/waypoints.js";
import { loadManifest } from "../../../src/manifest/load.js";
import { renderWaypointChanges } from "../../../src/output/results.js";
import { createStyle } from "../../../src/output/style.js";
import { parseState } from "../../../src/pulumi/state.js";
import { root } from "../../helpers/paths.js";

const plan = (file: string, overrides: string[] = []): InstallPlan => {
  const r = loadManifest({ file: join(root, file), overrides });
  if (r.kind !== "ok") throw new Error(JSON.stringify(r.diagnostics));
  return planIstio(r.manifest);
};
const plainStyle = createStyle(false);
const waypoints = (p: InstallPlan) => p.objects.filter((o) => o.manifest.kind === "Gateway");
const ns = (p: InstallPlan, name: string) => p.workloadNamespaces.find((n) => n.name === name);

describe("waypoints in the plan", () => {
  const p = plan("examples/ambient-waypoints.yaml");

  it("one Gateway per namespace that creates its waypoint, in the shape istioctl gives it", () => {
    assert.deepEqual(
      waypoints(p).map((o) => [o.id, o.manifest.metadata]),
      [
        [
          "waypoint-shop-waypoint",
          { name: "waypoint", namespace: "shop", labels: { "istio.io/waypoint-for": "service" } },
        ],
        [
          "waypoint-orders-orders-waypoint",
          { name: "orders-waypoint", namespace: "orders", labels: { "istio.io/waypoint-for": "all" } },
        ],
      ],
    );
    assert.deepEqual(waypoints(p)[0]?.manifest.spec, {
      gatewayClassName: "istio-waypoint",
      listeners: [{ name: "mesh", port: 15008, protocol: "HBONE" }],
    });
  });

  it("labels each namespace to use its waypoint, or the other namespace's", () => {
    assert.equal(ns(p, "shop")?.labels["istio.io/use-waypoint"], "waypoint");
    assert.deepEqual(ns(p, "billing")?.labels, {
      "istio.io/dataplane-mode": "ambient",
      "istio.io/use-waypoint": "waypoint",
      "istio.io/use-waypoint-namespace": "shop",
    });
  });

  it("a waypoint comes after istiod and the namespace planton creates; a label planton only sets comes after the waypoint", () => {
    assert.deepEqual(waypoints(p)[0]?.dependsOn, ["istiod", "namespace/shop"]);
    assert.deepEqual(waypoints(p)[1]?.dependsOn, ["istiod"]);
    assert.deepEqual(ns(p, "shop")?.dependsOn, ["istiod"]);
    assert.deepEqual(ns(p, "orders")?.dependsOn, ["istiod", "waypoint-orders-orders-waypoint"]);
    assert.deepEqual(ns(p, "billing")?.dependsOn, ["istiod", "waypoint-shop-waypoint"]);
  });

  it("a waypoint of a revision tag keeps the tag as istio.io/rev and waits for the tag's istiod", () => {
    const r = plan("examples/ambient-waypoints.yaml", [
      "spec.revisions=[{name: 1-30-3, version: 1.30.3}]",
      "spec.defaultRevision=1-30-3",
      "spec.revisionTags=[{name: stable, revision: 1-30-3}]",
      "spec.namespaces[1].waypoint.revision=stable",
    ]);
    const orders = waypoints(r).find((o) => o.manifest.metadata.namespace === "orders");
    assert.equal(orders?.manifest.metadata.labels?.["istio.io/rev"], "stable");
    assert.deepEqual(orders?.dependsOn, ["istiod-1-30-3"]);
  });

  it("no waypoint, no Gateway and no waypoint label", () => {
    const q = plan("test/fixtures/manifests/valid/profile-ambient.yaml");
    assert.deepEqual(waypoints(q), []);
  });
});

describe("waypoint changes for preview", () => {
  const p = plan("examples/ambient-waypoints.yaml");
  /** An export with the waypoints a stack applied, as Gateway resources. */
  const exported = (gateways: { namespace: string; name: string; labels: Record<string, string> }[]) => ({
    deployment: {
      resources: gateways.map((g) => ({
        type: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
        inputs: {
          apiVersion: "gateway.networking.k8s.io/v1",
          metadata: { name: g.name, namespace: g.namespace, labels: g.labels },
          spec: { gatewayClassName: "istio-waypoint", listeners: [] },
        },
      })),
    },
  });

  it("the state's waypoints are read from its Gateways", () => {
    const s = parseState(
      exported([{ namespace: "shop", name: "waypoint", labels: { "istio.io/waypoint-for": "all" } }]),
    );
    assert.deepEqual(s.waypoints, [{ namespace: "shop", name: "waypoint", for: "all", revision: "" }]);
    assert.equal(parseState(exported([])).waypoints, undefined);
  });

  it("a new, a changed and a removed waypoint", () => {
    const s = parseState(
      exported([
        { namespace: "shop", name: "waypoint", labels: { "istio.io/waypoint-for": "workload" } },
        { namespace: "orders", name: "orders-waypoint", labels: { "istio.io/waypoint-for": "all" } },
        { namespace: "legacy", name: "waypoint", labels: { "istio.io/waypoint-for": "service" } },
      ]),
    );
    const changes = diffWaypoints(p, s.waypoints ?? []);
    assert.deepEqual(
      changes.map((c) => [c.kind, `${c.namespace}/${c.name}`, c.before?.for, c.after?.for]),
      [
        ["update", "shop/waypoint", "workload", "service"],
        ["delete", "legacy/waypoint", "service", undefined],
      ],
    );
    assert.deepEqual(
      diffWaypoints(p, []).map((c) => [c.kind, `${c.namespace}/${c.name}`]),
      [
        ["create", "shop/waypoint"],
        ["create", "orders/orders-waypoint"],
      ],
    );
    assert.equal(
      renderWaypointChanges(changes, plainStyle),
      "Waypoints:\n  ~ shop/waypoint: for workload → for service\n  - legacy/waypoint (was for service)\n",
    );
  });
});
