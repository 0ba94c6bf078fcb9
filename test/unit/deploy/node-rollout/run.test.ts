/** The node-by-node rollout driven against an in-memory cluster: order, budgets, failure, interrupt. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NodeRolloutApi } from "../../../../src/deploy/node-rollout/api.js";
import type { AgentFacts, NodeFacts, PodFacts } from "../../../../src/deploy/node-rollout/model.js";
import { rollNodeAgents } from "../../../../src/deploy/node-rollout/run.js";
import { DeployError, InterruptedError } from "../../../../src/errors.js";
import type { PlannedNodeAgents } from "../../../../src/istio/node-agents.js";

const agents: PlannedNodeAgents = {
  upgrade: "NODE_BY_NODE",
  controlPlaneVersion: "1.30.3",
  agents: [
    {
      component: "ztunnel",
      release: "ztunnel",
      namespace: "istio-system",
      daemonSet: "ztunnel",
      version: "1.30.3",
    },
  ],
};

const pod = (
  namespace: string,
  name: string,
  node: string,
  labels: Record<string, string> = {},
): PodFacts => ({
  namespace,
  name,
  node,
  phase: "Running",
  labels,
  annotations: {},
  ownerKinds: ["ReplicaSet"],
  hostNetwork: false,
  ready: true,
  deleting: false,
});

/**
 * A cluster of `nodes`, each with an old ztunnel pod and one app pod in the ambient namespace
 * `shop`. Deleting a ztunnel pod makes the DaemonSet's new one (ready at once). Every write is
 * logged in order.
 */
function fakeCluster(
  nodes: string[],
  opts: { blocked?: (name: string) => boolean; onWrite?: (w: string) => void } = {},
) {
  const log: string[] = [];
  const nodeFacts = new Map<string, NodeFacts>(
    nodes.map((n) => [n, { name: n, unschedulable: false, cordonedByPlanton: false }]),
  );
  let ztunnels = nodes.map((n) =>
    pod("istio-system", `ztunnel-${n}`, n, { "controller-revision-hash": "old" }),
  );
  let apps = nodes.map((n) => pod("shop", `web-${n}`, n));
  const write = (w: string) => {
    log.push(w);
    opts.onWrite?.(w);
  };
  const api: NodeRolloutApi = {
    readAgents: async (): Promise<AgentFacts[]> => [
      {
        component: "ztunnel",
        namespace: "istio-system",
        daemonSet: "ztunnel",
        currentHash: "new",
        pods: ztunnels,
      },
    ],
    readNodes: async () => [...nodeFacts.values()],
    podsOnNode: async (node) => [...apps, ...ztunnels].filter((p) => p.node === node),
    namespaceLabels: async () => new Map([["shop", { "istio.io/dataplane-mode": "ambient" }]]),
    setCordon: async (node, cordon) => {
      write(`${cordon ? "cordon" : "uncordon"} ${node}`);
      const n = nodeFacts.get(node);
      if (n) n.unschedulable = cordon;
    },
    evictPod: async (namespace, name) => {
      if (opts.blocked?.(name)) return "blocked";
      write(`evict ${namespace}/${name}`);
      apps = apps.filter((p) => p.name !== name);
      return "evicted";
    },
    budgetsFor: async (namespace) => [`${namespace}/web-pdb (0 disruptions allowed)`],
    podGone: async (namespace, name) =>
      ![...apps, ...ztunnels].some((p) => p.namespace === namespace && p.name === name),
    deletePod: async (namespace, name) => {
      write(`delete ${namespace}/${name}`);
      const old = ztunnels.find((p) => p.name === name);
      ztunnels = ztunnels.filter((p) => p.name !== name);
      if (old)
        ztunnels.push(pod("istio-system", `${name}-new`, old.node, { "controller-revision-hash": "new" }));
    },
  };
  return { api, log, nodeFacts };
}

const quiet = { timeoutMs: 2000, retryMs: 5, info: () => {} };

describe("rollNodeAgents", () => {
  it("per node, one at a time: cordon, evict the ambient pods, replace ztunnel, uncordon", async () => {
    const c = fakeCluster(["n2", "n1"]);
    const lines: string[] = [];
    const rolled = await rollNodeAgents(c.api, agents, {
      ...quiet,
      signal: new AbortController().signal,
      info: (l) => lines.push(l),
    });
    assert.deepEqual(rolled, ["n1", "n2"]);
    assert.deepEqual(c.log, [
      "cordon n1",
      "evict shop/web-n1",
      "delete istio-system/ztunnel-n1",
      "uncordon n1",
      "cordon n2",
      "evict shop/web-n2",
      "delete istio-system/ztunnel-n2",
      "uncordon n2",
    ]);
    assert.ok(lines.some((l) => l.startsWith("[1/2] node n1: ")));
  });

  it("a budget that never allows the eviction: gives up at the timeout naming node and budget, uncordons, leaves the rest", async () => {
    const c = fakeCluster(["n1", "n2"], { blocked: (name) => name === "web-n1" });
    const told: string[] = [];
    const err = await rollNodeAgents(c.api, agents, {
      ...quiet,
      timeoutMs: 50,
      signal: new AbortController().signal,
      info: (l) => told.push(l),
    }).catch((e: unknown) => e);
    assert.ok(err instanceof DeployError);
    assert.match(
      err.message,
      /stopped at node n1: evicting shop\/web-n1 was refused until the timeout: PodDisruptionBudget shop\/web-pdb/,
    );
    assert.match(err.message, /not touched: n2/);
    assert.ok(told.some((l) => /waits: PodDisruptionBudget shop\/web-pdb \(0 disruptions allowed\)/.test(l)));
    assert.deepEqual(c.log, ["cordon n1", "uncordon n1"]);
  });

  it("Ctrl-C mid-node: stops, uncordons that node, names what it did not touch", async () => {
    const abort = new AbortController();
    const c = fakeCluster(["n1", "n2", "n3"], {
      onWrite: (w) => {
        if (w === "evict shop/web-n2") abort.abort();
      },
    });
    const err = await rollNodeAgents(c.api, agents, { ...quiet, signal: abort.signal }).catch(
      (e: unknown) => e,
    );
    assert.ok(err instanceof InterruptedError);
    assert.match(err.message, /rolled: n1; not touched: n3/);
    assert.equal(c.log.at(-1), "uncordon n2");
    assert.ok(!c.log.includes("delete istio-system/ztunnel-n2"));
    assert.ok([...c.nodeFacts.values()].every((n) => !n.unschedulable));
  });

  it("Ctrl-C while an eviction is in flight: the node is uncordoned only after that request ended", async () => {
    const abort = new AbortController();
    const c = fakeCluster(["n1"]);
    const evict = c.api.evictPod;
    const podsOnNode = c.api.podsOnNode;
    c.api.podsOnNode = async (node) => [...(await podsOnNode(node)), pod("shop", "web-n1-b", node)];
    c.api.evictPod = async (namespace, name) => {
      if (name === "web-n1-b") {
        abort.abort();
        return "blocked";
      }
      await new Promise((r) => setTimeout(r, 30));
      return evict(namespace, name);
    };
    const err = await rollNodeAgents(c.api, agents, { ...quiet, signal: abort.signal }).catch(
      (e: unknown) => e,
    );
    assert.ok(err instanceof InterruptedError);
    assert.deepEqual(c.log, ["cordon n1", "evict shop/web-n1", "uncordon n1"]);
  });

  it("an uncordon that fails is named with the command to run", async () => {
    const c = fakeCluster(["n1"], { blocked: () => true });
    const setCordon = c.api.setCordon;
    c.api.setCordon = async (node, cordon) => {
      if (!cordon) throw new Error("HTTP 503");
      return setCordon(node, cordon);
    };
    const err = await rollNodeAgents(c.api, agents, {
      ...quiet,
      timeoutMs: 20,
      signal: new AbortController().signal,
    }).catch((e: unknown) => e);
    assert.ok(err instanceof DeployError);
    assert.match(err.message, /could not uncordon node n1: HTTP 503/);
    assert.match(err.hint ?? "", /kubectl uncordon n1/);
  });

  it("ROLLING, or nothing outdated: touches no node", async () => {
    const c = fakeCluster(["n1"]);
    const signal = new AbortController().signal;
    assert.deepEqual(
      await rollNodeAgents(c.api, { ...agents, upgrade: "ROLLING" }, { ...quiet, signal }),
      [],
    );
    await rollNodeAgents(c.api, agents, { ...quiet, signal });
    c.log.length = 0;
    assert.deepEqual(await rollNodeAgents(c.api, agents, { ...quiet, signal }), []);
    assert.deepEqual(c.log, []);
  });
});
