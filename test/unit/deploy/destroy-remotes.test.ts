/**
 * destroy of a stack with remote secrets when a remote cluster is gone (wiring tests: the
 * stand-in engine and API). The engine would stop halfway deleting the reader it cannot reach,
 * on every rerun: destroy says so before changing anything, and --forget-unreachable-remotes
 * removes the rest and lists what stays.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "../../helpers/cli.js";
import { engineFixture, recordedOutputs } from "../../helpers/engine-fixture.js";
import { startFakeKubeApi, writeKubeconfig } from "../../helpers/fake-kube.js";

let api: Awaited<ReturnType<typeof startFakeKubeApi>>;
before(async () => {
  api = await startFakeKubeApi();
});
after(() => api.close());

/** A primary whose remote `west` is reached with `remoteKubeconfig` (context test-ctx). */
function primary(fx: ReturnType<typeof engineFixture>, remoteKubeconfig: string): string {
  const path = join(fx.work, "primary.yaml");
  writeFileSync(
    path,
    [
      "apiVersion: kubernetes.project-planton.org/v1",
      "kind: KubernetesIstio",
      "metadata:",
      "  name: dev-mesh",
      "spec:",
      "  targetCluster: {context: test-ctx}",
      "  profile: minimal",
      "  multiCluster:",
      "    meshId: mesh1",
      "    clusterName: east",
      "    remotes:",
      `      - {clusterName: west, kubeconfig: ${remoteKubeconfig}, context: test-ctx}`,
      "",
    ].join("\n"),
  );
  return path;
}

/** A kubeconfig whose server refuses connections (a cluster that is gone). */
function goneCluster(dir: string): string {
  return writeKubeconfig(join(dir), "https://127.0.0.1:1");
}

/** `destroy --yes` (plus `flags`) of a recorded primary whose remote cluster is gone. */
async function destroyWithGoneRemote(flags: string[]) {
  const fx = engineFixture(api.url);
  const remoteDir = join(fx.work, "remote");
  mkdirSync(remoteDir);
  fx.seedStack("dev-mesh", recordedOutputs("1.30.3"));
  fx.behave({ changes: { delete: 3 } });
  const r = await runCli(["destroy", "--yes", ...flags, "-f", primary(fx, goneCluster(remoteDir))], {
    env: fx.env,
  });
  return { fx, r };
}

describe("destroy with a remote cluster that cannot be reached", () => {
  it("stops before the question and before any change (exit 1), naming the remote and the way out", async () => {
    const { fx, r } = await destroyWithGoneRemote([]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /remote cluster cannot be reached: west \(context "test-ctx": /);
    assert.match(r.stderr, /nothing was changed/);
    assert.match(r.stderr, /--forget-unreachable-remotes/);
    assert.ok(!fx.commands().includes("destroy"), fx.commands().join(" "));
  });

  it("a remote whose kubeconfig is gone is the same (exit 1, not a usage error): destroy needs nothing from it", async () => {
    const fx = engineFixture(api.url);
    fx.seedStack("dev-mesh", recordedOutputs("1.30.3"));
    const r = await runCli(["destroy", "--yes", "-f", primary(fx, join(fx.work, "deleted-kubeconfig"))], {
      env: fx.env,
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /west \(spec\.multiCluster\.remotes\[0\] \(cluster west\): no kubeconfig found/);
    assert.ok(!fx.commands().includes("destroy"));
  });

  it("--forget-unreachable-remotes removes the rest and lists what stays in the remote cluster", async () => {
    const { fx, r } = await destroyWithGoneRemote(["--forget-unreachable-remotes"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /these stay behind: in west: ServiceAccount and Secret kube-system\/istio-reader-east[^,]*, istio-reader-east[^,]*-token, ClusterRole and ClusterRoleBinding istio-reader-east/,
    );
    assert.ok(fx.commands().includes("destroy"));
  });

  it("apply still refuses a remote whose kubeconfig is gone (exit 2): it must create the reader there", async () => {
    const fx = engineFixture(api.url);
    const r = await runCli(["apply", "--yes", "-f", primary(fx, join(fx.work, "deleted-kubeconfig"))], {
      env: fx.env,
    });
    assert.equal(r.code, 2, r.stderr);
    // at most the state was read (it starts before the modules load): nothing else ran
    assert.deepEqual(
      fx.commands().filter((c) => c !== "stack export"),
      [],
    );
  });
});
