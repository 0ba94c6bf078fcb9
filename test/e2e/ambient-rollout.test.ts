/**
 * End to end: the node-by-node upgrade of an ambient mesh's node agents (README "Ambient
 * day-2") on five kwok nodes, proven by the API server's audit log. An ambient mesh at 1.29.6
 * with a PDB-guarded Deployment in an ambient namespace is upgraded to 1.30.3: per node, one node
 * at a time, cordon → evictions → the old CNI and ztunnel pods deleted (their DaemonSets put new
 * ones back) → uncordon; no PodDisruptionBudget ever below its minimum; no pod force-deleted. Then
 * a template change is interrupted with SIGINT mid-rollout: no node stays cordoned, and apply
 * again finishes the rest. Simulated: kwok marks pods Ready; no ztunnel runs, so no connection is
 * carried (what the rollout protects is not exercised here).
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chartsDir, serveFolder } from "../fidelity/helm.js";
import { plantonEnv, type Result, runPlanton, show } from "./run-cli.js";
// @ts-expect-error: plain JavaScript harness
import { auditMark, auditWrites, formatWrite } from "./cluster/audit.mjs";
// @ts-expect-error: plain JavaScript harness
import { startCluster, stopCluster } from "./cluster/harness.mjs";

// biome-ignore lint/suspicious/noExplicitAny: API responses are free-form
type Body = any;
interface Cluster {
  kubeconfigPath: string;
  request: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: Body }>;
}
interface Write {
  verb: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  code: number;
}

const cache = process.env.PLANTON_E2E_CACHE ?? join(homedir(), ".cache", "planton-e2e");
const bin = join(cache, "bin");
const work = mkdtempSync(join(tmpdir(), "planton-e2e-ambient-"));
const tmp = join(work, "tmp");
mkdirSync(tmp);
const figures: Record<string, number> = {};
let cluster: Cluster;
let charts = "";
let closeCharts: () => Promise<void> = async () => {};

const manifest = join(work, "ambient.yaml");
writeFileSync(
  manifest,
  `apiVersion: kubernetes.project-planton.org/v1
kind: KubernetesIstio
metadata:
  name: ambient-rollout
spec:
  profile: ambient
  version: 1.29.6
  namespaces:
    - {name: shop, injection: AMBIENT, create: true}
`,
);

before(async () => {
  cluster = (await startCluster({ binDir: bin, nodes: 5, audit: true })) as Cluster;
  const served = await serveFolder(chartsDir);
  charts = served.url;
  closeCharts = served.close;
});
after(async () => {
  await closeCharts();
  if (cluster) await stopCluster(cluster);
  console.log(`\nfigures (wall time, seconds): ${JSON.stringify(figures)}`);
});

const env = () => plantonEnv({ bin, kubeconfigPath: cluster.kubeconfigPath, work, tmp });
const apply = (
  sets: string[],
  o: { timeout?: string; onStderr?: (text: string, p: ChildProcess) => void } = {},
) =>
  runPlanton(
    [
      "apply",
      ...(o.timeout ? ["--timeout", o.timeout] : []),
      "--yes",
      "--no-verify",
      "-f",
      manifest,
      "--set",
      `spec.charts.repository=${charts}`,
      ...sets.flatMap((s) => ["--set", s]),
    ],
    env(),
    o.onStderr ? { onStderr: o.onStderr } : {},
  );
/** The upgraded mesh with a changed ztunnel template (a new log level). */
const newTemplate = ["spec.version=1.30.3", "spec.helmValues.ztunnel.logLevel=debug"];
const get = async (path: string): Promise<Body> => (await cluster.request("GET", path)).body;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pod name → node, in a namespace. */
async function podNodes(namespace: string): Promise<Map<string, string>> {
  const list = await get(`/api/v1/namespaces/${namespace}/pods`);
  return new Map(list.items.map((p: Body) => [p.metadata.name, p.spec.nodeName ?? ""]));
}

async function cordoned(): Promise<string[]> {
  const nodes = await get("/api/v1/nodes");
  return nodes.items.filter((n: Body) => n.spec.unschedulable === true).map((n: Body) => n.metadata.name);
}

/** Watches the budget's status while `run` goes: the fewest healthy pods seen, and its minimum. */
async function watchBudget(
  run: Promise<Result>,
): Promise<{ result: Result; lowest: number; desired: number }> {
  let done = false;
  let lowest = Number.POSITIVE_INFINITY;
  let desired = 0;
  const watching = (async () => {
    while (!done) {
      const b = await get("/apis/policy/v1/namespaces/shop/poddisruptionbudgets/web");
      if (b.status?.desiredHealthy !== undefined) {
        desired = b.status.desiredHealthy;
        lowest = Math.min(lowest, b.status.currentHealthy);
      }
      await sleep(100);
    }
  })();
  const result = await run;
  done = true;
  await watching;
  return { result, lowest, desired };
}

/** Sets the web budget's minimum and waits until its status follows. */
async function setMinAvailable(n: number): Promise<void> {
  const path = "/apis/policy/v1/namespaces/shop/poddisruptionbudgets/web";
  const b = await get(path);
  b.spec.minAvailable = n;
  assert.equal((await cluster.request("PUT", path, b)).status, 200);
  for (let i = 0; i < 40; i++) {
    const now = await get(path);
    if (now.status?.observedGeneration === now.metadata.generation && now.status?.desiredHealthy === n)
      return;
    await sleep(250);
  }
  assert.fail(`the budget's status did not follow minAvailable ${n}`);
}

/** The rollout's writes: node patches, evictions and pod deletions, by planton's user. */
function rolloutWrites(since: unknown): Write[] {
  return (auditWrites(cluster, { since }) as Write[]).filter(
    (w) =>
      (w.resource === "nodes" && w.verb === "patch") ||
      (w.resource === "pods" && w.subresource === "eviction") ||
      (w.resource === "pods" && w.verb === "delete"),
  );
}

describe("ambient: node-by-node upgrade of ztunnel and CNI", { concurrency: false }, () => {
  it("installs an ambient mesh at 1.29.6 with OnDelete node agents, and a PDB-guarded workload", async () => {
    const r = await apply([]);
    figures.install = r.seconds;
    assert.equal(r.code, 0, show(r));
    for (const ds of ["ztunnel", "istio-cni-node"]) {
      const d = await get(`/apis/apps/v1/namespaces/istio-system/daemonsets/${ds}`);
      assert.equal(d.spec.updateStrategy.type, "OnDelete", ds);
    }
    const ns = { metadata: { namespace: "shop" } };
    const labels = { app: "web" };
    const dep = await cluster.request("POST", "/apis/apps/v1/namespaces/shop/deployments", {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", ...ns.metadata },
      spec: {
        replicas: 8,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: "web", image: "example.invalid/web:1" }] },
        },
      },
    });
    assert.equal(dep.status, 201);
    const pdb = await cluster.request("POST", "/apis/policy/v1/namespaces/shop/poddisruptionbudgets", {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "web", namespace: "shop" },
      spec: { minAvailable: 7, selector: { matchLabels: labels } },
    });
    assert.equal(pdb.status, 201);
    for (let i = 0; i < 120; i++) {
      const b = await get("/apis/policy/v1/namespaces/shop/poddisruptionbudgets/web");
      if (b.status?.currentHealthy === 8 && b.status?.disruptionsAllowed === 1) break;
      await sleep(250);
    }
    const b = await get("/apis/policy/v1/namespaces/shop/poddisruptionbudgets/web");
    assert.equal(b.status?.disruptionsAllowed, 1, JSON.stringify(b.status));
  });

  it("upgrades to 1.30.3: per node cordon → evictions → agents replaced → uncordon, one node at a time, no PDB violated", async () => {
    const p = await runPlanton(
      [
        "preview",
        "-f",
        manifest,
        "--set",
        `spec.charts.repository=${charts}`,
        "--set",
        "spec.version=1.30.3",
      ],
      env(),
    );
    assert.equal(p.code, 0, show(p));
    assert.match(
      p.stderr,
      /apply will then upgrade the node agents \(istio-cni, ztunnel\) node by node on 5 node\(s\)/,
    );
    const shopBefore = await podNodes("shop");
    const agentsBefore = await podNodes("istio-system");
    const mark = auditMark(cluster);
    const { result: r, lowest, desired } = await watchBudget(apply(["spec.version=1.30.3"]));
    figures.upgrade = r.seconds;
    assert.equal(r.code, 0, show(r));
    assert.match(r.stderr, /node-by-node upgrade of istio-cni-node and ztunnel on 5 node\(s\)/);
    const writes = rolloutWrites(mark);
    const trail = writes.map(formatWrite).join("\n");
    // the budget: never fewer healthy pods than it demands; evictions it refused were retried, never forced
    assert.ok(lowest >= desired && desired === 7, `lowest healthy ${lowest}, desired ${desired}`);
    figures.blockedEvictions = writes.filter((w) => w.subresource === "eviction" && w.code === 429).length;
    assert.deepEqual(
      writes.filter((w) => w.subresource === "eviction" && w.code !== 201 && w.code !== 429).map(formatWrite),
      [],
      "every eviction succeeded or was refused by a budget (and retried)",
    );
    assert.deepEqual(
      writes.filter((w) => w.verb === "delete" && w.namespace === "shop"),
      [],
      "no shop pod deleted",
    );
    // segments: patch node (cordon) … patch node (uncordon), never overlapping
    const segments: { node: string; writes: Write[] }[] = [];
    let open: { node: string; writes: Write[] } | undefined;
    for (const w of writes) {
      if (w.resource === "nodes") {
        assert.equal(w.code, 200, trail);
        if (open === undefined) {
          open = { node: w.name, writes: [] };
        } else {
          assert.equal(w.name, open.node, `a node patched while ${open.node} was being rolled:\n${trail}`);
          segments.push(open);
          open = undefined;
        }
      } else {
        assert.ok(open !== undefined, `a write outside a node's turn: ${formatWrite(w)}\n${trail}`);
        open.writes.push(w);
      }
    }
    assert.equal(open, undefined, "every cordon has its uncordon");
    assert.deepEqual(segments.map((s) => s.node).sort(), [
      "kwok-node-0",
      "kwok-node-1",
      "kwok-node-2",
      "kwok-node-3",
      "kwok-node-4",
    ]);
    for (const s of segments) {
      const evicted = s.writes.filter((w) => w.subresource === "eviction" && w.code === 201);
      const deleted = s.writes.filter((w) => w.verb === "delete");
      for (const e of evicted)
        if (shopBefore.has(e.name))
          assert.equal(shopBefore.get(e.name), s.node, `${e.name} evicted in ${s.node}'s turn`);
      assert.ok(evicted.length > 0, `${s.node}: its web pods were evicted\n${trail}`);
      assert.deepEqual(
        deleted.map((d) => [
          d.namespace,
          d.name.replace(/-[a-z0-9]{5}$/, ""),
          agentsBefore.get(d.name),
          d.code,
        ]),
        [
          ["istio-system", "istio-cni-node", s.node, 200],
          ["istio-system", "ztunnel", s.node, 200],
        ],
        `${s.node}: its old CNI then ztunnel pod deleted after the evictions\n${trail}`,
      );
      const lastEviction = s.writes.findLastIndex((w) => w.subresource === "eviction");
      assert.ok(
        lastEviction < s.writes.indexOf(deleted[0] as Write),
        `${s.node}: evictions before the agents`,
      );
    }
    assert.deepEqual(await cordoned(), []);
    for (const ds of ["ztunnel", "istio-cni-node"]) {
      const d = await get(`/apis/apps/v1/namespaces/istio-system/daemonsets/${ds}`);
      assert.equal(d.status.updatedNumberScheduled, 5, `${ds}: every pod on the new template`);
    }
  });

  it("an in-place downgrade to 1.29.6 is refused by the skew guard before any write", async () => {
    const mark = auditMark(cluster);
    const r = await apply([]);
    assert.equal(r.code, 1, show(r));
    assert.match(
      r.stderr,
      /refusing to upgrade the node agents: cni runs 1\.30\.3, newer than the control plane's 1\.29\.6/,
    );
    assert.deepEqual((auditWrites(cluster, { since: mark }) as Write[]).map(formatWrite), []);
  });

  it("a budget that allows no disruption: the rollout gives up at --timeout, names node and budget, uncordons, touches no other node", async () => {
    await setMinAvailable(8);
    const mark = auditMark(cluster);
    const r = await apply(newTemplate, { timeout: "8s" });
    figures.blocked = r.seconds;
    assert.equal(r.code, 1, show(r));
    const stop =
      /node-by-node upgrade stopped at node (\S+): evicting shop\/web-\S+ was refused until the timeout: PodDisruptionBudget [^\n]*shop\/web \(0 disruptions allowed\)/.exec(
        r.stderr,
      );
    assert.ok(stop, show(r));
    const node = stop[1];
    assert.match(r.stderr, /waits: PodDisruptionBudget [^\n]*shop\/web/);
    const writes = rolloutWrites(mark);
    const blockedOn = writes.filter((w) => w.resource !== "nodes" || w.name === node);
    assert.ok(blockedOn.some((w) => w.subresource === "eviction" && w.code === 429));
    assert.deepEqual(
      blockedOn
        .filter(
          (w) =>
            (w.subresource === "eviction" && w.code !== 429) ||
            (w.verb === "delete" && w.namespace === "shop"),
        )
        .map(formatWrite),
      [],
      "nothing the budget protects was evicted or deleted",
    );
    assert.deepEqual(await cordoned(), []);
    await setMinAvailable(7);
  });

  it("SIGINT mid-rollout leaves no node cordoned; apply again finishes the rest", async () => {
    let sent = false;
    let total = 0;
    const r = await apply(newTemplate, {
      onStderr: (text, p) => {
        const second = /\[2\/(\d+)\] node [^:]+: evicting/.exec(text);
        if (!sent && second && p.pid !== undefined) {
          sent = true;
          total = Number(second[1]);
          process.kill(p.pid, "SIGINT");
        }
      },
    });
    figures.interrupted = r.seconds;
    assert.ok(sent && total >= 3, show(r));
    assert.equal(r.code, 130, show(r));
    assert.match(r.stderr, /\[2\/\d+\] node \S+: uncordoned/);
    const untouched = /rolled: \S+; not touched: ([^\n]*)/.exec(r.stderr);
    assert.equal(untouched?.[1]?.split(", ").length, total - 2, show(r));
    assert.deepEqual(await cordoned(), []);
    const again = await apply(newTemplate);
    figures.resumed = again.seconds;
    // an eviction cut off by the interrupt would leave the budget counting a phantom disruption
    // for two minutes, and this apply waiting for it
    assert.ok(again.seconds < 60, `the resumed apply took ${again.seconds}s`);
    assert.equal(again.code, 0, show(again));
    assert.match(again.stderr, new RegExp(`on ${total - 1} node\\(s\\)`));
    assert.deepEqual(await cordoned(), []);
  });
});
