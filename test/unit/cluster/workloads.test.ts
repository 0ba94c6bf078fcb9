/** Waiting for restarted workloads (the safe order's last step), against the stand-in API. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  daemonSetReady,
  deploymentReady,
  statefulSetReady,
  waitForWorkloads,
} from "../../../src/cluster/workloads.js";
import { clusterAt, type FakeObject, startFakeKubeApi } from "../../helpers/fake-kube.js";

const meta = (name: string) => ({ name, namespace: "shop", generation: 2 });
const deployment = (ready: boolean): FakeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: meta("web"),
  spec: { replicas: 2 },
  status: { observedGeneration: 2, availableReplicas: 2, updatedReplicas: ready ? 2 : 1 },
});
const statefulSet = (ready: boolean): FakeObject => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: meta("db"),
  spec: { replicas: 3 },
  status: {
    observedGeneration: 2,
    replicas: 3,
    readyReplicas: 3,
    updatedReplicas: ready ? 3 : 1,
    currentRevision: ready ? "db-2" : "db-1",
    updateRevision: "db-2",
  },
});
const daemonSet = (ready: boolean): FakeObject => ({
  apiVersion: "apps/v1",
  kind: "DaemonSet",
  metadata: meta("agent"),
  status: {
    observedGeneration: 2,
    desiredNumberScheduled: 4,
    updatedNumberScheduled: ready ? 4 : 3,
    numberAvailable: 4,
  },
});

describe("restarted workloads: ready on their new template", () => {
  it("each kind's rule: every replica (or node) updated and ready, the generation observed", () => {
    assert.equal(deploymentReady(deployment(true) as never), true);
    assert.equal(deploymentReady(deployment(false) as never), false);
    assert.equal(statefulSetReady(statefulSet(true) as never), true);
    assert.equal(statefulSetReady(statefulSet(false) as never), false);
    assert.equal(daemonSetReady(daemonSet(true) as never), true);
    assert.equal(daemonSetReady(daemonSet(false) as never), false);
    const stale = {
      ...statefulSet(true),
      status: { ...(statefulSet(true).status as object), observedGeneration: 1 },
    };
    assert.equal(statefulSetReady(stale as never), false, "the controller has not seen the restart yet");
    assert.equal(daemonSetReady(undefined), false);
  });

  it("waits for StatefulSets and DaemonSets too, and names those not rolled with their kind", async () => {
    const api = await startFakeKubeApi({ objects: [deployment(true), statefulSet(false), daemonSet(true)] });
    try {
      const waited: string[] = [];
      const notReady = await waitForWorkloads(
        clusterAt(api.url),
        [
          { kind: "Deployment", namespace: "shop", name: "web" },
          { kind: "StatefulSet", namespace: "shop", name: "db" },
          { kind: "DaemonSet", namespace: "shop", name: "agent" },
        ],
        { timeoutMs: 300, intervalMs: 50, onWait: (t) => waited.push(`${t.kind} ${t.name}`) },
      );
      assert.deepEqual(notReady, ["StatefulSet shop/db"]);
      assert.deepEqual(waited, ["StatefulSet db"]);
    } finally {
      await api.close();
    }
  });

  it("one that never rolls by itself (OnDelete, a partition) is reported at once, with why", async () => {
    const onDelete = { ...daemonSet(false), spec: { updateStrategy: { type: "OnDelete" } } };
    const partitioned = {
      ...statefulSet(false),
      spec: { replicas: 3, updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } } },
    };
    const api = await startFakeKubeApi({ objects: [onDelete, partitioned] });
    try {
      const started = Date.now();
      const notReady = await waitForWorkloads(
        clusterAt(api.url),
        [
          { kind: "DaemonSet", namespace: "shop", name: "agent" },
          { kind: "StatefulSet", namespace: "shop", name: "db" },
        ],
        { timeoutMs: 60_000, intervalMs: 50 },
      );
      assert.deepEqual(notReady, [
        "DaemonSet shop/agent (updateStrategy OnDelete: its pods roll only when deleted)",
        "StatefulSet shop/db (updateStrategy partition 2: pods below it do not roll)",
      ]);
      assert.ok(Date.now() - started < 30_000, "not after the timeout");
    } finally {
      await api.close();
    }
  });
});
