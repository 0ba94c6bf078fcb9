/** The node-by-node rollout's pure decisions: which pods leave a node, node order, skew, when it runs. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type AgentFacts,
  changedAgents,
  nodeAgentSkew,
  outdatedAgents,
  type PodFacts,
  podsToEvict,
  rolloutOrder,
} from "../../../../src/deploy/node-rollout/model.js";
import type { PlannedNodeAgents } from "../../../../src/istio/node-agents.js";

const pod = (name: string, over: Partial<PodFacts> = {}): PodFacts => ({
  namespace: "shop",
  name,
  node: "n1",
  phase: "Running",
  labels: {},
  annotations: {},
  ownerKinds: ["ReplicaSet"],
  hostNetwork: false,
  ready: true,
  deleting: false,
  ...over,
});

describe("podsToEvict", () => {
  const ns = new Map([
    ["shop", { "istio.io/dataplane-mode": "ambient" }],
    ["plain", {}],
  ]);
  it("takes a running pod of an ambient namespace", () => {
    assert.deepEqual(
      podsToEvict([pod("web")], ns).map((p) => p.name),
      ["web"],
    );
  });
  it("takes a pod enrolled by its own label or captured by the CNI agent, in any namespace", () => {
    const own = pod("own", { namespace: "plain", labels: { "istio.io/dataplane-mode": "ambient" } });
    const captured = pod("cap", {
      namespace: "plain",
      annotations: { "ambient.istio.io/redirection": "enabled" },
    });
    assert.deepEqual(
      podsToEvict([own, captured, pod("other", { namespace: "plain" })], ns).map((p) => p.name),
      ["own", "cap"],
    );
  });
  it("leaves opted-out, finished, host-network, DaemonSet, mirror and terminating pods", () => {
    const left = [
      pod("optout", { labels: { "istio.io/dataplane-mode": "none" } }),
      pod("done", { phase: "Succeeded" }),
      pod("failed", { phase: "Failed" }),
      pod("host", { hostNetwork: true }),
      pod("ds", { ownerKinds: ["DaemonSet"] }),
      pod("mirror", { annotations: { "kubernetes.io/config.mirror": "x" } }),
      pod("going", { deleting: true }),
    ];
    assert.deepEqual(podsToEvict(left, ns), []);
  });
});

describe("outdatedAgents and rolloutOrder", () => {
  const agent = (component: "cni" | "ztunnel", pods: PodFacts[]): AgentFacts => ({
    component,
    namespace: "istio-system",
    daemonSet: component === "cni" ? "istio-cni-node" : "ztunnel",
    currentHash: "new",
    pods,
  });
  const agentPod = (name: string, node: string, hash: string) =>
    pod(name, { node, namespace: "istio-system", labels: { "controller-revision-hash": hash } });
  const outdated = outdatedAgents([
    agent("ztunnel", [agentPod("z1", "b", "old"), agentPod("z2", "a", "old"), agentPod("z3", "c", "new")]),
    agent("cni", [agentPod("c1", "b", "old"), agentPod("c2", "a", "new")]),
  ]);
  it("finds the nodes whose agent pods run an older template, CNI before ztunnel", () => {
    assert.deepEqual(
      outdated.get("b")?.map((o) => o.pod),
      ["c1", "z1"],
    );
    assert.deepEqual(
      outdated.get("a")?.map((o) => o.pod),
      ["z2"],
    );
    assert.equal(outdated.has("c"), false);
  });
  it("rolls nodes by name, a node a stopped rollout left cordoned first; an administrator's cordon stays", () => {
    const steps = rolloutOrder(
      [
        { name: "b", unschedulable: false, cordonedByPlanton: false },
        { name: "a", unschedulable: true, cordonedByPlanton: false },
        { name: "c", unschedulable: true, cordonedByPlanton: true },
        { name: "d", unschedulable: false, cordonedByPlanton: false },
      ],
      outdated,
    );
    assert.deepEqual(
      steps.map((s) => [s.node, s.outdated.length, s.uncordon]),
      [
        ["c", 0, true],
        ["a", 1, false],
        ["b", 2, true],
      ],
    );
  });
});

describe("nodeAgentSkew", () => {
  const agents = (cp: string, version: string): PlannedNodeAgents => ({
    upgrade: "NODE_BY_NODE",
    controlPlaneVersion: cp,
    agents: [
      { component: "ztunnel", release: "ztunnel", namespace: "istio-system", daemonSet: "ztunnel", version },
    ],
  });
  it("allows agents one minor behind the new control plane while they are rolled", () => {
    assert.equal(nodeAgentSkew(agents("1.30.3", "1.30.3"), { ztunnel: { version: "1.29.6" } }), undefined);
  });
  it("refuses running agents two minors behind the new control plane", () => {
    const r = nodeAgentSkew(agents("1.30.3", "1.30.3"), { ztunnel: { version: "1.28.10" } });
    assert.match(
      r?.message ?? "",
      /ztunnel runs 1\.28\.10, 2 minor versions behind the control plane's 1\.30\.3/,
    );
    assert.match(r?.hint ?? "", /apply 1\.29\.x first/);
  });
  it("refuses agents newer than the control plane (an in-place downgrade)", () => {
    const r = nodeAgentSkew(agents("1.29.6", "1.29.6"), { ztunnel: { version: "1.30.3" } });
    assert.match(r?.message ?? "", /ztunnel runs 1\.30\.3, newer than the control plane's 1\.29\.6/);
    assert.match(nodeAgentSkew(agents("1.29.6", "1.30.3"), {})?.message ?? "", /will run 1\.30\.3, newer/);
  });
});

describe("changedAgents", () => {
  const agents: PlannedNodeAgents = {
    upgrade: "NODE_BY_NODE",
    controlPlaneVersion: "1.30.3",
    agents: [
      {
        component: "cni",
        release: "istio-cni",
        namespace: "istio-system",
        daemonSet: "istio-cni-node",
        version: "1.30.3",
      },
      {
        component: "ztunnel",
        release: "ztunnel",
        namespace: "istio-system",
        daemonSet: "ztunnel",
        version: "1.30.3",
      },
    ],
  };
  it("an update of a node agent's release means a rollout; an install or another release does not", () => {
    assert.deepEqual(
      changedAgents(agents, [
        { release: "istiod", kind: "update", values: [] },
        { release: "ztunnel", kind: "update", versionBefore: "1.29.6", versionAfter: "1.30.3", values: [] },
        { release: "istio-cni", kind: "create", values: [] },
      ]),
      ["ztunnel"],
    );
  });
  it("ROLLING never rolls node by node", () => {
    assert.deepEqual(
      changedAgents({ ...agents, upgrade: "ROLLING" }, [{ release: "ztunnel", kind: "update", values: [] }]),
      [],
    );
  });
});
