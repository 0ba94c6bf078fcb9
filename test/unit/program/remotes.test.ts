/**
 * Remote secrets in the program, under Pulumi's mocks, with a stand-in remote API that holds the
 * reader's issued token: what is created in the remote cluster (through its own provider) and in
 * this one, and that the kubeconfig is a secret. Mocks are process-global: own file, own process.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { planIstio } from "../../../src/istio/plan.js";
import { loadManifest } from "../../../src/manifest/load.js";
import { root } from "../../helpers/paths.js";
import { remoteReaderToken, usePulumiMocks } from "../../helpers/pulumi-mocks.js";

const { seen, run } = usePulumiMocks();

describe("the program: remote secrets on both sides", () => {
  it("east reads west: a reader in west (own provider), its token in a Secret istiod watches in east", async () => {
    const loaded = loadManifest({ file: join(root, "examples/multicluster/multi-primary/east.yaml") });
    assert.equal(loaded.kind, "ok");
    if (loaded.kind !== "ok") return;
    const plan = planIstio(loaded.manifest);
    const [remote] = plan.remotes;
    assert.ok(remote);
    const outputs = await run(plan, () => seen.registered.some((r) => r.name === "remote-secret-west"));
    const byName = (name: string) => seen.registered.find((r) => r.name === name);

    const provider = byName("remote-west-cluster");
    assert.equal(provider?.type, "pulumi:providers:kubernetes");
    const sa = byName("remote-west-reader");
    assert.equal(sa?.type, "kubernetes:core/v1:ServiceAccount");
    assert.deepEqual(sa?.inputs.metadata, {
      name: "istio-reader-east-west",
      namespace: "kube-system",
      labels: { "app.kubernetes.io/managed-by": "planton" },
    });
    const role = byName("remote-west-reader-role");
    assert.deepEqual(role?.inputs.rules, remote.rules);
    const binding = byName("remote-west-reader-binding");
    assert.deepEqual(binding?.inputs.subjects, [
      { kind: "ServiceAccount", name: "istio-reader-east-west", namespace: "kube-system" },
    ]);
    const token = byName("remote-west-token");
    assert.equal(token?.inputs.type, "kubernetes.io/service-account-token");
    assert.deepEqual((token?.inputs.metadata as { annotations?: unknown } | undefined)?.annotations, {
      "kubernetes.io/service-account.name": "istio-reader-east-west",
    });
    // the remote resources go through the remote cluster's provider, not this cluster's
    for (const name of [
      "remote-west-reader",
      "remote-west-reader-role",
      "remote-west-reader-binding",
      "remote-west-token",
    ])
      assert.deepEqual(
        seen.edges.get(`${byName(name)?.type}::${name}`) ?? [],
        name === "remote-west-token" ? ["remote-west-reader"] : [],
      );

    const secret = byName("remote-secret-west");
    assert.equal(secret?.type, "kubernetes:core/v1:Secret");
    const md = secret?.inputs.metadata as {
      name: string;
      namespace: string;
      labels: Record<string, string>;
      annotations: Record<string, string>;
    };
    assert.equal(md.name, "istio-remote-secret-west");
    assert.equal(md.namespace, "istio-system");
    assert.equal(md.labels["istio/multiCluster"], "true");
    assert.equal(md.annotations["networking.istio.io/cluster"], "west");
    const data = secret?.props.data as pulumi.Output<Record<string, string>>;
    assert.ok(pulumi.Output.isInstance(data));
    assert.equal(
      await (data as unknown as { isSecret: Promise<boolean> }).isSecret,
      true,
      "the kubeconfig is a Pulumi secret",
    );
    const values = await new Promise<Record<string, string>>((resolve) => data.apply(resolve));
    const kubeconfig = parse(Buffer.from(values.west ?? "", "base64").toString());
    assert.equal(kubeconfig["current-context"], "west");
    assert.equal(kubeconfig.users[0].user.token, remoteReaderToken);
    assert.deepEqual(seen.secrets, [remoteReaderToken], "the token is registered for redaction");
    assert.deepEqual(outputs.remotes, ["west"]);
    assert.equal(outputs.clusterName, "east");
    assert.equal(outputs.network, "net-east");
  });

  it("a remote's server override is the address in the kubeconfig istiod gets", async () => {
    const loaded = loadManifest({
      file: join(root, "examples/multicluster/multi-primary/east.yaml"),
      overrides: ["spec.multiCluster.remotes[0].server=https://10.0.0.12:6443"],
    });
    assert.equal(loaded.kind, "ok");
    if (loaded.kind !== "ok") return;
    await run(planIstio(loaded.manifest), () => seen.registered.some((r) => r.name === "remote-secret-west"));
    const secret = seen.registered.find((r) => r.name === "remote-secret-west");
    const data = secret?.props.data as pulumi.Output<Record<string, string>>;
    const values = await new Promise<Record<string, string>>((resolve) => data.apply(resolve));
    const kubeconfig = parse(Buffer.from(values.west ?? "", "base64").toString());
    assert.equal(kubeconfig.clusters[0].cluster.server, "https://10.0.0.12:6443");
  });
});
