/**
 * Several manifests as one mesh through the CLI (wiring tests: the stand-in engine and API):
 * everything is loaded, checked across manifests and resolved before any stack is touched; a
 * primary's stack runs before its remote's; flags that name one stack are refused.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { runCli } from "../../helpers/cli.js";
import { engineFixture } from "../../helpers/engine-fixture.js";
import { startFakeKubeApi } from "../../helpers/fake-kube.js";

let api: Awaited<ReturnType<typeof startFakeKubeApi>>;
let fx: ReturnType<typeof engineFixture>;
before(async () => {
  api = await startFakeKubeApi();
});
after(() => api.close());
beforeEach(() => {
  fx = engineFixture(api.url);
});

/** A manifest in the fixture's folder; `spec` lines are indented under `spec:`. */
function manifest(name: string, spec: string[]): string {
  const path = join(fx.work, `${name}.yaml`);
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
function primaryAndRemote(remoteKubeconfig = fx.env.KUBECONFIG ?? ""): [string, string] {
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

const touchedStacks = () => fx.calls().filter((c) => c.args.some((a) => a.includes("mesh-")));

describe("several manifests: one mesh", () => {
  it("apply --yes runs the primary's stack completely before its remote's, whatever the -f order", async () => {
    const [primary, remote] = primaryAndRemote();
    fx.behave({ changes: { create: 3 } });
    const r = await runCli(["apply", "--yes", "--no-verify", "-f", remote, "-f", primary], { env: fx.env });
    assert.equal(r.code, 0, r.stderr);
    const calls = fx.calls().map((c) => c.args.join(" "));
    const lastPrimary = calls.findLastIndex((c) => c.includes("mesh-primary"));
    const firstRemote = calls.findIndex((c) => c.includes("mesh-remote"));
    assert.ok(lastPrimary >= 0 && firstRemote > lastPrimary, calls.join("\n"));
    assert.equal(fx.commands().filter((c) => c === "up").length, 2);
    assert.match(r.stderr, /^\[stack mesh-primary\] /m);
    assert.match(r.stdout, /# stack mesh-primary \(.*mesh-primary\.yaml\)/);
  });

  it("--json prints one entry per manifest", async () => {
    const [primary, remote] = primaryAndRemote();
    const r = await runCli(["preview", "--json", "-f", primary, "-f", remote], { env: fx.env });
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
    fx.behave({ changes: { create: 3 } });
    const r = await runCli(["apply", "-f", primary, "-f", remote], { env: fx.env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /refusing to change the cluster without confirmation/);
    assert.ok(!fx.commands().includes("up"), fx.commands().join(" "));
  });

  it("one answer at the prompt for both stacks; no changes nothing", async () => {
    const [primary, remote] = primaryAndRemote();
    fx.behave({ changes: { create: 3 } });
    const questions: string[] = [];
    const r = await runCli(["apply", "--no-verify", "-f", primary, "-f", remote], {
      env: fx.env,
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
    assert.ok(!fx.commands().includes("up"));
  });

  for (const flag of [
    ["--stack", "x"],
    ["--context", "test-ctx"],
    ["--kubeconfig", "/dev/null"],
  ]) {
    it(`${flag[0]} names one stack or cluster: refused with several -f (exit 2)`, async () => {
      const [primary, remote] = primaryAndRemote();
      const r = await runCli(["preview", "-f", primary, "-f", remote, ...flag], { env: fx.env });
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
    const r = await runCli(["apply", "--yes", "-f", primary, "-f", other], { env: fx.env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /mesh-other\.yaml:\d+:\d+: error: spec\.multiCluster\.meshId/);
    assert.deepEqual(fx.calls(), []);
  });

  it("a remote cluster's kubeconfig that does not exist is wrong input naming the remote (exit 2)", async () => {
    const [primary, remote] = primaryAndRemote(join(fx.work, "missing-kubeconfig"));
    const r = await runCli(["apply", "--yes", "-f", primary, "-f", remote], { env: fx.env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /spec\.multiCluster\.remotes\[0\] \(cluster remote\): no kubeconfig found/);
    assert.deepEqual(fx.calls(), []);
  });
});
