/** A pod's proxy as precheck keeps it, from recorded pods. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type * as k8s from "@kubernetes/client-node";
import { fieldPaths } from "../../../src/cluster/precheck-reads.js";
import { imageVersion, proxyPodOf } from "../../../src/cluster/proxy-pods.js";
import { recorded } from "../deploy/precheck-fixtures.js";

describe("proxy pods", () => {
  it("each recorded pod's kind, revision, version and owner; a pod without a proxy is none", () => {
    const pods = recorded<k8s.V1Pod>("pods.json").map(proxyPodOf);
    assert.deepEqual(
      pods.map((p) => p && [p.name, p.kind, p.revision, p.version, p.phase, p.owner]),
      [
        ["cart-7d9c6b5f4-x2k8p", "sidecar", "1-28-3", "1.28.3", "Running", "ReplicaSet/cart-7d9c6b5f4"],
        [
          "checkout-5f6d8c7b9-q4wzn",
          "sidecar",
          "1-29-6",
          "1.29.6",
          "Running",
          "ReplicaSet/checkout-5f6d8c7b9",
        ],
        [
          "nightly-report-29114400-8xk2d",
          "sidecar",
          "1-28-3",
          "1.28.3",
          "Succeeded",
          "Job/nightly-report-29114400",
        ],
        [
          "istio-ingressgateway-6c9f7d8b5-mz7rt",
          "gateway",
          "1-28-3",
          "1.28.3",
          "Running",
          "ReplicaSet/istio-ingressgateway-6c9f7d8b5",
        ],
        [
          "waypoint-5c8b9d7f6-k2j4h",
          "waypoint",
          "1-28-3",
          "1.28.3",
          "Running",
          "ReplicaSet/waypoint-5c8b9d7f6",
        ],
        ["ztunnel-4rk9m", "ztunnel", "", "1.28.3", "Running", "DaemonSet/ztunnel"],
        undefined,
      ],
    );
  });
  it("image tags that name no version tell nothing", () => {
    assert.equal(imageVersion("registry.istio.io/release/proxyv2:1.30.3-distroless"), "1.30.3");
    assert.equal(imageVersion("localhost:5000/istio/proxyv2:1.29.6"), "1.29.6");
    assert.equal(imageVersion("docker.io/istio/proxyv2:latest"), undefined);
    assert.equal(imageVersion("docker.io/istio/proxyv2@sha256:0123abcd"), undefined);
    assert.equal(imageVersion("auto"), undefined);
  });
  it("managedFields trees become dotted leaf paths", () => {
    assert.deepEqual(
      fieldPaths({ "f:metadata": { "f:labels": { ".": {}, "f:app": {} } }, "f:spec": { "f:replicas": {} } }),
      ["metadata.labels.app", "spec.replicas"],
    );
  });
});
