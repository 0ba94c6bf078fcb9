/**
 * `planton status`'s ambient rows on API objects shaped as the Kubernetes API returns them: the
 * node agents' pods per node, namespaces enrolled in ambient and their pods' capture annotation
 * (written by the CNI node agent), and waypoint Gateways with the status istiod writes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type * as k8s from "@kubernetes/client-node";
import type { GatewayObject } from "../../../src/cluster/ambient-reads.js";
import type { StatusReads } from "../../../src/cluster/status-reads.js";
import {
  type CheckReads,
  checkAmbientNamespaces,
  checkNodeAgents,
  checkWaypoints,
} from "../../../src/deploy/status.js";
import { renderStatusJson, renderStatusTable } from "../../../src/output/status.js";
import { createStyle } from "../../../src/output/style.js";
import { checkNamed, planOfYaml } from "../../helpers/status-checks.js";

const plan = planOfYaml(`apiVersion: kubernetes.project-planton.org/v1
kind: KubernetesIstio
metadata:
  name: ambient-mesh
spec:
  profile: ambient
  namespaces:
    - name: shop
      injection: AMBIENT
      waypoint: {}
    - name: billing
      injection: AMBIENT
      waypoint: {namespace: shop}
`);

const node = (name: string, unschedulable = false): k8s.V1Node => ({
  metadata: { name },
  spec: unschedulable ? { unschedulable: true } : {},
});

const pod = (
  namespace: string,
  name: string,
  o: { node?: string; labels?: Record<string, string>; captured?: boolean; ready?: boolean } = {},
): k8s.V1Pod => ({
  metadata: {
    namespace,
    name,
    labels: o.labels ?? {},
    annotations: o.captured === false ? {} : { "ambient.istio.io/redirection": "enabled" },
  },
  spec: { nodeName: o.node ?? "node-1", containers: [] },
  status: {
    phase: "Running",
    conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }],
  },
});

const agentPods = (nodes: string[]) =>
  nodes.flatMap((n) => [
    pod("istio-system", `istio-cni-node-${n}`, { node: n, labels: { "k8s-app": "istio-cni-node" } }),
    pod("istio-system", `ztunnel-${n}`, { node: n, labels: { app: "ztunnel" } }),
  ]);

const waypoint = (programmed: "True" | "False" | undefined): GatewayObject => ({
  metadata: { namespace: "shop", name: "waypoint", labels: { "istio.io/waypoint-for": "service" } },
  spec: { gatewayClassName: "istio-waypoint" },
  status:
    programmed === undefined
      ? {}
      : {
          conditions: [
            {
              type: "Programmed",
              status: programmed,
              reason: programmed === "True" ? "Programmed" : "NoResources",
              message: programmed === "True" ? "" : "Deployment shop/waypoint has no ready replicas",
            },
          ],
        },
});

const ns = (name: string, l: Record<string, string>): k8s.V1Namespace => ({ metadata: { name, labels: l } });

/** A healthy ambient mesh on three nodes, one of them cordoned (and without agents). */
function healthy(): CheckReads {
  const empty: StatusReads = {
    helmReleases: [],
    deployments: [],
    podDisruptionBudgets: [],
    crds: [],
    mutatingWebhooks: [],
    validatingWebhooks: [],
    services: [],
    peerAuthentications: [],
    namespaces: [],
    pods: [],
  };
  return {
    ...empty,
    nodes: [node("node-1"), node("node-2"), node("node-3", true)],
    namespaces: [
      ns("shop", { "istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "waypoint" }),
      ns("billing", {
        "istio.io/dataplane-mode": "ambient",
        "istio.io/use-waypoint": "waypoint",
        "istio.io/use-waypoint-namespace": "shop",
      }),
    ],
    pods: [
      ...agentPods(["node-1", "node-2"]),
      pod("shop", "web-1"),
      pod("shop", "waypoint-5d8f", { labels: { "istio.io/dataplane-mode": "none" }, captured: false }),
      pod("billing", "api-1", { node: "node-2" }),
    ],
    gateways: [waypoint("True")],
  };
}

describe("status: node agents on Linux nodes only", () => {
  it("a Windows node without agents is not counted (both charts select kubernetes.io/os: linux)", () => {
    const reads = healthy();
    reads.nodes = [
      ...(reads.nodes ?? []),
      { metadata: { name: "win-1", labels: { "kubernetes.io/os": "windows" } }, spec: {} },
    ];
    const agents = checkNodeAgents(reads, plan, undefined);
    assert.deepEqual(
      agents.map((c) => c.state),
      ["ok", "ok"],
      agents.map((c) => c.message).join("\n"),
    );
  });
});

const run = (reads: CheckReads) => [
  ...checkNodeAgents(reads, plan, undefined),
  ...checkAmbientNamespaces(reads, plan, undefined),
  ...checkWaypoints(reads, plan, undefined),
];

describe("status: ambient rows", () => {
  it("a healthy ambient mesh: agents on every schedulable node, pods captured, the waypoint programmed", () => {
    const checks = run(healthy());
    assert.deepEqual(
      checks.map((c) => [c.name, c.state, c.message]),
      [
        ["node-agent/istio-cni-node", "ok", "the Istio CNI node agent ready on every schedulable node (2)"],
        ["node-agent/ztunnel", "ok", "ztunnel ready on every schedulable node (2)"],
        ["ambient/billing", "ok", "billing: 1 pod captured by ztunnel, through waypoint shop/waypoint"],
        ["ambient/shop", "ok", "shop: 1 pod captured by ztunnel, through waypoint shop/waypoint"],
        ["waypoint/shop/waypoint", "ok", "waypoint shop/waypoint programmed (for service)"],
      ],
    );
  });

  it("names the nodes where a node agent is missing or not ready", () => {
    const reads = healthy();
    reads.nodes = [...(reads.nodes ?? []), node("node-4")];
    reads.pods = reads.pods.map((p) =>
      p.metadata?.name === "ztunnel-node-2"
        ? pod("istio-system", "ztunnel-node-2", { node: "node-2", labels: { app: "ztunnel" }, ready: false })
        : p,
    );
    const checks = run(reads);
    assert.equal(
      checkNamed(checks, "node-agent/ztunnel").message,
      "ztunnel is not ready on 2 of 3 schedulable nodes: node-2, node-4",
    );
    assert.equal(checkNamed(checks, "node-agent/ztunnel").state, "error");
    assert.equal(
      checkNamed(checks, "node-agent/istio-cni-node").message,
      "the Istio CNI node agent is not ready on 1 of 3 schedulable nodes: node-4",
    );
  });

  it("a pod without the capture annotation is a warning naming it; a missing waypoint label an error", () => {
    const reads = healthy();
    reads.pods.push(pod("shop", "web-2", { captured: false }));
    reads.namespaces = [ns("shop", { "istio.io/dataplane-mode": "ambient" }), ...reads.namespaces.slice(1)];
    const shop = checkNamed(run(reads), "ambient/shop");
    assert.equal(shop.state, "error");
    assert.equal(shop.message, "namespace shop lacks istio.io/use-waypoint=waypoint");
    assert.deepEqual(shop.details, ["warning: 1 of 2 pods in shop not captured by ztunnel: web-2"]);
  });

  it("a waypoint not programmed says why; a missing one, or no Gateway API, is an error", () => {
    for (const [gateways, message] of [
      [
        [waypoint("False")],
        "waypoint shop/waypoint is not programmed: NoResources: Deployment shop/waypoint has no ready replicas",
      ],
      [
        [waypoint(undefined)],
        "waypoint shop/waypoint is not programmed yet (no Programmed condition: istiod has not reported on it)",
      ],
      [[], "waypoint shop/waypoint is missing"],
      [undefined, "waypoint shop/waypoint: the Gateway API CRDs are not installed"],
    ] as const) {
      const c = checkNamed(
        run({ ...healthy(), gateways: gateways as GatewayObject[] | undefined }),
        "waypoint/shop/waypoint",
      );
      assert.equal(c.state, "error");
      assert.equal(c.message, message);
    }
  });

  it("the rows are in the JSON report and the table", () => {
    const r = {
      stack: "ambient-mesh",
      context: "kind",
      state: "ok" as const,
      checks: run(healthy()),
      namespaces: [],
    };
    const json = JSON.parse(renderStatusJson(r)) as {
      checks: { name: string; category: string; state: string }[];
    };
    assert.deepEqual(
      json.checks.filter((c) => c.category === "waypoints"),
      [
        {
          name: "waypoint/shop/waypoint",
          category: "waypoints",
          state: "ok",
          message: "waypoint shop/waypoint programmed (for service)",
          hint: "",
          details: [],
        },
      ],
    );
    assert.equal(json.checks.filter((c) => c.category === "ambient").length, 4);
    assert.match(
      renderStatusTable(r, createStyle(false)),
      /ok {4}ambient {4}ztunnel ready on every schedulable node \(2\)/,
    );
  });
});
