/**
 * Several manifests as one mesh through the CLI (wiring tests: the stand-in engine and API):
 * everything is loaded, checked across manifests and resolved before any stack is touched; a
 * primary's stack runs before its remote's; flags that name one stack are refused.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { defaultIstioVersion } from "../../../src/istio/versions.js";
import { runCli } from "../../helpers/cli.js";
import { engineFixture, recordedOutputs, useStandIns } from "../../helpers/engine-fixture.js";
import {
  type FakeObject,
  helmRecord as helmRecordOf,
  istiodWebhooksAndCrd,
  startFakeKubeApi,
} from "../../helpers/fake-kube.js";

/** The primary's east-west gateway, ready: apply waits for every gateway's Deployment itself. */
const eastWestGateway = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "istio-eastwestgateway", namespace: "istio-system", generation: 1 },
  spec: { replicas: 1 },
  status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 },
};
const standIns = useStandIns({ deployments: [eastWestGateway] });

/** A manifest in the fixture's folder; `spec` lines are indented under `spec:`. */
function manifest(name: string, spec: string[]): string {
  const path = join(standIns.fx.work, `${name}.yaml`);
  writeFileSync(
    path,
    [
      "apiVersion: kubernetes.project-planton.org/v1",
      "kind: KubernetesIstio",
      "metadata:",
      `  name: ${name}`,
      "spec:",
      ...spec.map((l) => `  ${l}`),
      "",
    ].join("\n"),
  );
  return path;
}

/** The primary-remote pair of examples/multicluster, on the stand-in cluster's two contexts. */
function primaryAndRemote(remoteKubeconfig = standIns.fx.env.KUBECONFIG ?? ""): [string, string] {
  const primary = manifest("mesh-primary", [
    "targetCluster: {context: test-ctx}",
    "profile: minimal",
    "multiCluster:",
    "  meshId: mesh1",
    "  clusterName: primary",
    "  network: net1",
    "  remotes:",
    `    - {clusterName: remote, kubeconfig: ${remoteKubeconfig}, context: other-ctx}`,
    "eastWestGateway: {exposeIstiod: true, service: {type: ClusterIP}}",
  ]);
  const remote = manifest("mesh-remote", [
    "targetCluster: {context: other-ctx}",
    "profile: remote",
    "multiCluster:",
    "  meshId: mesh1",
    "  clusterName: remote",
    "  network: net1",
    "  primary: {clusterName: primary, address: 192.0.2.10}",
  ]);
  return [primary, remote];
}

const touchedStacks = () => standIns.fx.calls().filter((c) => c.args.some((a) => a.includes("mesh-")));

describe("several manifests: one mesh", () => {
  it("apply --yes: the remote's annotated namespace first, then the primary's stack completely, then the remote's, whatever the -f order", async () => {
    const [primary, remote] = primaryAndRemote();
    standIns.fx.behave({ changes: { create: 3 } });
    const r = await runCli(["apply", "--yes", "--no-verify", "-f", remote, "-f", primary], {
      env: standIns.fx.env,
    });
    assert.equal(r.code, 0, r.stderr);
    // every stack's checks and gate pass before any stack changes (each reads its state at once);
    // then the engine's updates, in this order: the primary's istiod decides once, when its remote
    // secret appears, whether it serves the remote, and reads that in the remote's namespace
    const ups = standIns.fx
      .calls()
      .map((c) => c.args.join(" "))
      .filter((c) => c.startsWith("up "))
      .map((c) => [
        /--stack (mesh-\w+)/.exec(c)?.[1],
        [...c.matchAll(/--target \S+::(\S+)/g)].map((m) => m[1]),
      ]);
    assert.deepEqual(ups, [
      ["mesh-remote", ["cluster", "istio-system"]],
      ["mesh-primary", []],
      ["mesh-remote", []],
    ]);
    assert.match(r.stderr, /^\[stack mesh-remote\] annotating namespace istio-system for the primary/m);
    assert.match(r.stderr, /^\[stack mesh-primary\] /m);
    assert.match(r.stdout, /# stack mesh-primary \(.*mesh-primary\.yaml\)/);
  });

  it("--json prints one entry per manifest", async () => {
    const [primary, remote] = primaryAndRemote();
    const r = await runCli(["preview", "--json", "-f", primary, "-f", remote], { env: standIns.fx.env });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.operation, "preview");
    assert.deepEqual(
      doc.stacks.map((s: { stack: string; ok: boolean }) => [s.stack, s.ok]),
      [
        ["mesh-primary", true],
        ["mesh-remote", true],
      ],
    );
  });

  it("without a terminal and without --yes, nothing is changed in either cluster (exit 2)", async () => {
    const [primary, remote] = primaryAndRemote();
    standIns.fx.behave({ changes: { create: 3 } });
    const r = await runCli(["apply", "-f", primary, "-f", remote], { env: standIns.fx.env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /refusing to change the cluster without confirmation/);
    assert.ok(!standIns.fx.commands().includes("up"), standIns.fx.commands().join(" "));
  });

  it("one answer at the prompt for both stacks; no changes nothing", async () => {
    const [primary, remote] = primaryAndRemote();
    standIns.fx.behave({ changes: { create: 3 } });
    const questions: string[] = [];
    const r = await runCli(["apply", "--no-verify", "-f", primary, "-f", remote], {
      env: standIns.fx.env,
      prompt: async (q) => {
        questions.push(q);
        return "no";
      },
    });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(questions.length, 1);
    assert.match(
      questions[0] ?? "",
      /stack mesh-primary: Apply these changes[\s\S]*stack mesh-remote: Apply these changes[\s\S]*Apply all 2\?/,
    );
    assert.ok(!standIns.fx.commands().includes("up"));
  });

  for (const flag of [
    ["--stack", "x"],
    ["--context", "test-ctx"],
    ["--kubeconfig", "/dev/null"],
  ]) {
    it(`${flag[0]} names one stack or cluster: refused with several -f (exit 2)`, async () => {
      const [primary, remote] = primaryAndRemote();
      const r = await runCli(["preview", "-f", primary, "-f", remote, ...flag], { env: standIns.fx.env });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`${flag[0]} names one stack or cluster`));
      assert.deepEqual(touchedStacks(), []);
    });
  }

  it("manifests that do not make one mesh: diagnostics at the key, exit 2, no stack touched", async () => {
    const [primary] = primaryAndRemote();
    const other = manifest("mesh-other", [
      "targetCluster: {context: other-ctx}",
      "profile: remote",
      "multiCluster:",
      "  meshId: mesh2",
      "  clusterName: remote",
      "  network: net1",
      "  primary: {clusterName: primary, address: 192.0.2.10}",
    ]);
    const r = await runCli(["apply", "--yes", "-f", primary, "-f", other], { env: standIns.fx.env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /mesh-other\.yaml:\d+:\d+: error: spec\.multiCluster\.meshId/);
    assert.deepEqual(standIns.fx.calls(), []);
  });

  it("a remote cluster's kubeconfig that does not exist is wrong input naming the remote (exit 2)", async () => {
    const [primary, remote] = primaryAndRemote(join(standIns.fx.work, "missing-kubeconfig"));
    const r = await runCli(["apply", "--yes", "-f", primary, "-f", remote], { env: standIns.fx.env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /spec\.multiCluster\.remotes\[0\] \(cluster remote\): no kubeconfig found/);
    assert.deepEqual(standIns.fx.calls(), []);
  });
});

// ------------------------------------------------------------------------------------------
// status of several stacks: both contexts of the stand-in reach one API holding a healthy
// primary (istiod, its webhooks with a CA bundle, the east-west gateway, the remote secret); the
// remote's stack reads the same API, where no EndpointSlice leads its istiod Service anywhere

const version = defaultIstioVersion;
const helmRecord = (name: string, chart: string) => helmRecordOf(name, chart, version);
const ready = (name: string, labels: Record<string, string>, image: string): FakeObject => ({
  kind: "Deployment",
  metadata: { name, namespace: "istio-system", labels },
  spec: { replicas: 1, template: { spec: { containers: [{ name: "discovery", image }] } } },
  status: { replicas: 1, readyReplicas: 1 },
});
const primaryCluster: FakeObject[] = [
  helmRecord("istio-base", "base"),
  helmRecord("istiod", "istiod"),
  helmRecord("istio-eastwestgateway", "gateway"),
  ready("istiod", { app: "istiod", "istio.io/rev": "default" }, `docker.io/istio/pilot:${version}`),
  ready("istio-eastwestgateway", { app: "istio-eastwestgateway" }, "auto"),
  { kind: "Service", metadata: { name: "istiod", namespace: "istio-system" }, spec: { type: "ClusterIP" } },
  {
    kind: "Service",
    metadata: { name: "istio-eastwestgateway", namespace: "istio-system" },
    spec: { type: "ClusterIP" },
  },
  ...istiodWebhooksAndCrd(),
  {
    kind: "Secret",
    metadata: {
      name: "istio-remote-secret-remote",
      namespace: "istio-system",
      labels: { "istio/multiCluster": "true" },
      annotations: { "networking.istio.io/cluster": "remote" },
    },
    data: { remote: Buffer.from("apiVersion: v1\nkind: Config\n").toString("base64") },
  },
];

describe("status of several manifests: every stack side by side", () => {
  let statusApi: Awaited<ReturnType<typeof startFakeKubeApi>>;
  before(async () => {
    statusApi = await startFakeKubeApi({ objects: primaryCluster });
  });
  after(() => statusApi.close());
  beforeEach(() => {
    standIns.fx = engineFixture(statusApi.url);
  });
  const seed = (...stacks: string[]) => {
    for (const s of stacks) standIns.fx.seedStack(s, recordedOutputs(version));
  };

  it("a table per stack; the remote's cluster unhealthy: exit 4 naming it, the primary's remote secret ok", async () => {
    const [primary, remote] = primaryAndRemote();
    seed("mesh-primary", "mesh-remote");
    const r = await runCli(["status", "-f", remote, "-f", primary], { env: standIns.fx.env });
    assert.equal(r.code, 4, `${r.stderr}\n${r.stdout}`);
    assert.match(r.stdout, /^# stack mesh-remote \(.*mesh-remote\.yaml\)$/m);
    assert.match(r.stdout, /^# stack mesh-primary \(.*mesh-primary\.yaml\)$/m);
    assert.match(
      r.stdout,
      /^ok {4}remote-secrets +remote secret istio-system\/istio-remote-secret-remote present/m,
    );
    assert.match(r.stdout, /^FAIL +control-plane +the Service istio-system\/istiod has no EndpointSlice/m);
    assert.match(r.stdout, /Mesh of stack mesh-primary \(context test-ctx\): healthy\./);
    assert.match(r.stdout, /Mesh of stack mesh-remote \(context other-ctx\): unhealthy/);
    assert.match(r.stderr, /the mesh of stack mesh-remote is unhealthy: istiod\/primary, injector\/default/);
    assert.ok(
      !standIns.fx.commands().some((c) => ["up", "preview", "destroy", "refresh"].includes(c)),
      standIns.fx.commands().join(" "),
    );
  });

  it("-o json: one report per manifest, each exactly what status -o json prints for that manifest", async () => {
    const [primary, remote] = primaryAndRemote();
    seed("mesh-primary", "mesh-remote");
    const r = await runCli(["status", "-o", "json", "-f", primary, "-f", remote], { env: standIns.fx.env });
    assert.equal(r.code, 4, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.operation, "status");
    assert.deepEqual(
      doc.stacks.map((s: { stack: string; state: string }) => [s.stack, s.state]),
      [
        ["mesh-primary", "ok"],
        ["mesh-remote", "error"],
      ],
    );
    for (const [i, file] of [primary, remote].entries()) {
      const one = await runCli(["status", "-o", "json", "-f", file], { env: standIns.fx.env });
      assert.deepEqual(doc.stacks[i], JSON.parse(one.stdout), file);
    }
  });

  it("a stack that could not be checked: exit 1, its entry says why; the other is still reported", async () => {
    const [primary, remote] = primaryAndRemote();
    seed("mesh-primary");
    const r = await runCli(["status", "-f", primary, "-f", remote], { env: standIns.fx.env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /Mesh of stack mesh-primary \(context test-ctx\): healthy\./);
    assert.match(
      r.stdout,
      /# stack mesh-remote \(.*\)\ncould not tell: stack mesh-remote (does not exist|has no apply recorded)/,
    );
    assert.match(r.stderr, /stack mesh-remote: stack mesh-remote (does not exist|has no apply recorded)/);
    const json = await runCli(["status", "-o", "json", "-f", primary, "-f", remote], {
      env: standIns.fx.env,
    });
    assert.equal(json.code, 1, json.stderr);
    const entry = JSON.parse(json.stdout).stacks[1];
    assert.deepEqual(Object.keys(entry), ["file", "stack", "ok", "error"]);
    assert.equal(entry.stack, "mesh-remote");
    assert.equal(entry.ok, false);
  });

  it("unhealthy outweighs could not tell: exit 4, naming both", async () => {
    const [primary, remote] = primaryAndRemote();
    seed("mesh-remote");
    const r = await runCli(["status", "-f", primary, "-f", remote], { env: standIns.fx.env });
    assert.equal(r.code, 4, r.stderr);
    assert.match(
      r.stderr,
      /the mesh is unhealthy in stack mesh-remote \(.*\); could not tell for stack mesh-primary/,
    );
  });

  it("--stack names one stack: refused with several -f (exit 2), no stack read", async () => {
    const [primary, remote] = primaryAndRemote();
    const r = await runCli(["status", "-f", primary, "-f", remote, "--stack", "x"], { env: standIns.fx.env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--stack names one stack or cluster/);
    assert.deepEqual(standIns.fx.calls(), []);
  });
});
