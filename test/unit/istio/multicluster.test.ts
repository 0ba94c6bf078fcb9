import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { injectionPath } from "../../../src/istio/multicluster.js";
import { readerRules } from "../../../src/istio/remotes.js";
import { planIstio } from "../../../src/istio/plan.js";
import type { InstallPlan } from "../../../src/istio/types.js";
import { loadManifest } from "../../../src/manifest/load.js";
import { planToJson } from "../../../src/output/plan.js";
import { assertGolden } from "../../helpers/golden.js";
import { header } from "../../helpers/load.js";
import { root, yamlFiles } from "../../helpers/paths.js";

const dir = mkdtempSync(join(tmpdir(), "planton-multicluster-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function planOf(file: string, overrides: string[] = []): InstallPlan {
  const r = loadManifest({ file, overrides });
  assert.equal(r.kind, "ok", JSON.stringify(r.kind === "invalid" ? r.diagnostics : []));
  if (r.kind !== "ok") throw new Error("invalid");
  assert.deepEqual(r.warnings, []);
  return planIstio(r.manifest);
}

function planText(body: string, name = "istio.yaml"): InstallPlan {
  const file = join(dir, name);
  writeFileSync(file, `${header}spec:\n${body}`);
  return planOf(file);
}

describe("examples/multicluster plan as the golden files say", () => {
  for (const folder of ["multi-primary", "primary-remote"]) {
    for (const [name, file] of yamlFiles(`examples/multicluster/${folder}`)) {
      it(`${folder}/${name}`, () => {
        assertGolden(
          `${root}/test/golden/plan/multicluster-${folder}-${name}.json`,
          planToJson(planOf(file)),
        );
      });
    }
  }
});

describe("multi-cluster plan", () => {
  it("multi-primary: network label, east-west gateway, cross-network Gateway, a remote secret for the other primary", () => {
    const p = planOf(`${root}/examples/multicluster/multi-primary/east.yaml`);
    assert.deepEqual(p.namespaces[0]?.labels, {
      "app.kubernetes.io/managed-by": "planton",
      "topology.istio.io/network": "net-east",
    });
    const ew = p.releases.find((r) => r.name === "istio-eastwestgateway");
    assert.equal(ew?.component, "gateway");
    assert.equal(ew?.namespace, "istio-system");
    assert.deepEqual(ew?.dependsOn, ["istiod"]);
    assert.equal(ew?.values.networkGateway, "net-east");
    assert.deepEqual(ew?.values.labels, { istio: "eastwestgateway" });
    assert.equal(ew?.helmWait, false, "a LoadBalancer may never get an address");
    assert.deepEqual(
      p.mesh.gateways.map((g) => `${g.direction}:${g.name}`),
      ["eastwest:istio-eastwestgateway"],
    );
    assert.deepEqual(
      p.objects.map((o) => `${o.manifest.kind}/${o.manifest.metadata.name}`),
      ["Gateway/cross-network-gateway"],
    );
    const istiod = p.releases.find((r) => r.name === "istiod");
    assert.equal((istiod?.values.global as Record<string, unknown> | undefined)?.externalIstiod, undefined);
    assert.equal(p.remotes.length, 1);
    const r = p.remotes[0];
    assert.equal(r?.clusterName, "west");
    assert.equal(r?.context, "west");
    assert.equal(r?.kubeconfig, "");
    assert.deepEqual(r?.secret, {
      name: "istio-remote-secret-west",
      namespace: "istio-system",
      labels: { "istio/multiCluster": "true", "app.kubernetes.io/managed-by": "planton" },
      annotations: { "networking.istio.io/cluster": "west" },
    });
    assert.deepEqual(r?.reader, {
      namespace: "kube-system",
      serviceAccount: "istio-reader-east-west",
      tokenSecret: "istio-reader-east-west-token",
      clusterRole: "istio-reader-east-west",
      clusterRoleBinding: "istio-reader-east-west",
    });
    assert.deepEqual(r?.rules, readerRules("1.30.3", false));
    assert.deepEqual(r?.dependsOn, ["istiod"]);
  });

  it("the reader is named after both clusters: renaming the remote gives new names, not a collision", () => {
    const readers = (remote: string) =>
      planText(
        `  multiCluster:\n    clusterName: Hub_1\n    remotes: [{clusterName: ${remote}, context: west}]\n`,
        `rename-${remote}.yaml`,
      ).remotes[0]?.reader;
    const before = readers("west");
    const after = readers("west2");
    assert.equal(before?.serviceAccount, "istio-reader-hub-1-west");
    assert.equal(after?.serviceAccount, "istio-reader-hub-1-west2");
    assert.equal(readers("Edge.1")?.tokenSecret, "istio-reader-hub-1-edge-1-token");
    for (const key of ["serviceAccount", "tokenSecret", "clusterRole", "clusterRoleBinding"] as const)
      assert.notEqual(before?.[key], after?.[key], key);
  });

  it("the longest cluster names (63 characters each) give object names within Kubernetes' 253", () => {
    const [self, that] = ["a".repeat(63), "b".repeat(63)];
    const p = planText(
      `  multiCluster:\n    clusterName: ${self}\n    network: ${"n".repeat(63)}\n    remotes: [{clusterName: ${that}, context: w}]\n`,
      "longest.yaml",
    );
    const r = p.remotes[0];
    assert.ok(r);
    const names = [r.secret.name, ...Object.values(r.reader).filter((v) => v !== r.reader.namespace)];
    assert.equal(r.reader.tokenSecret, `istio-reader-${self}-${that}-token`);
    for (const n of names) assert.ok(n.length <= 253 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(n), n);
    assert.equal(Math.max(...names.map((n) => n.length)), 146);
  });

  it("primary-remote: the primary exposes istiod and is its remotes' external control plane", () => {
    const p = planOf(`${root}/examples/multicluster/primary-remote/primary.yaml`);
    const istiod = p.releases.find((r) => r.name === "istiod");
    assert.equal((istiod?.values.global as Record<string, unknown> | undefined)?.externalIstiod, true);
    assert.deepEqual(
      p.objects.map((o) => `${o.manifest.kind}/${o.manifest.metadata.name}`),
      ["Gateway/cross-network-gateway", "Gateway/istiod-gateway", "VirtualService/istiod-vs"],
    );
    const vs = p.objects.find((o) => o.id === "virtual-service-istiod")?.manifest.spec as {
      tls: {
        match: { port: number }[];
        route: { destination: { host: string; port: { number: number } } }[];
      }[];
    };
    assert.deepEqual(
      vs.tls.map(
        (t) => `${t.match[0]?.port}→${t.route[0]?.destination.host}:${t.route[0]?.destination.port.number}`,
      ),
      [
        "15012→istiod.istio-system.svc.cluster.local:15012",
        "15017→istiod.istio-system.svc.cluster.local:443",
      ],
    );
    assert.deepEqual(p.remotes[0]?.rules, readerRules("1.30.3", true), "the chart's istiodRemote rules too");
  });

  it("primary-remote: the remote runs the remote profile, no istiod of its own and no default gateway", () => {
    const p = planOf(`${root}/examples/multicluster/primary-remote/remote.yaml`);
    assert.deepEqual(
      p.releases.map((r) => r.name),
      ["istio-base", "istiod", "istio-eastwestgateway"],
    );
    const istiod = p.releases.find((r) => r.name === "istiod");
    assert.deepEqual(istiod?.values, {
      profile: "remote",
      global: {
        istioNamespace: "istio-system",
        meshID: "mesh1",
        multiCluster: { clusterName: "remote" },
        network: "net-remote",
        remotePilotAddress: "192.0.2.10",
      },
      istiodRemote: { injectionPath: "/inject/cluster/remote/net/net-remote" },
    });
    assert.equal(
      p.releases[0]?.values.profile,
      undefined,
      "base renders the same with or without the remote profile",
    );
    assert.deepEqual(p.namespaces[0]?.annotations, { "topology.istio.io/controlPlaneClusters": "primary" });
    assert.deepEqual(p.remotes, []);
    assert.deepEqual(p.mesh.multiCluster?.primary, { clusterName: "primary", address: "192.0.2.10" });
  });

  it("without createNamespace the network label and annotation become a patch of the existing namespace", () => {
    const p = planText(
      "  createNamespace: false\n  profile: remote\n  multiCluster: {clusterName: r, network: n2, primary: {clusterName: p, address: 10.1.2.3}}\n",
    );
    assert.deepEqual(p.namespaces, []);
    assert.deepEqual(p.namespacePatches, [
      {
        name: "istio-system",
        labels: { "topology.istio.io/network": "n2" },
        annotations: { "topology.istio.io/controlPlaneClusters": "p" },
      },
    ]);
    const plain = planText("  profile: minimal\n  createNamespace: false\n");
    assert.equal(plain.namespacePatches, undefined, "nothing to patch without a network");
  });

  it("a remote's relative kubeconfig resolves against the manifest's folder", () => {
    const p = planText(
      "  profile: minimal\n  multiCluster:\n    clusterName: a\n    remotes:\n      - {clusterName: b, kubeconfig: kube/b.yaml}\n      - {clusterName: c, kubeconfig: /abs/c, context: ctx}\n",
      "rel.yaml",
    );
    assert.deepEqual(
      p.remotes.map((r) => [r.kubeconfig, r.context]),
      [
        [join(dir, "kube/b.yaml"), ""],
        ["/abs/c", "ctx"],
      ],
    );
  });

  it("each gateway's helmValues go after helmValues.gateway, for that gateway only", () => {
    const p = planOf(`${root}/test/fixtures/manifests/valid/gateway-helm-values.yaml`);
    const values = (name: string) => p.releases.find((r) => r.name === name)?.values;
    assert.deepEqual(values("public-gateway"), {
      service: { type: "LoadBalancer", annotations: { "example.com/lb": "internal" } },
      podAnnotations: { "example.com/shared": "yes" },
    });
    assert.deepEqual(values("partner-gateway"), {
      service: { type: "LoadBalancer", annotations: { "example.com/lb": "external" } },
      podAnnotations: { "example.com/shared": "yes", "example.com/partner": "acme" },
      terminationGracePeriodSeconds: 120,
    });
  });

  it("the injection path names the cluster, and the network when there is one", () => {
    assert.equal(injectionPath("c1", "n1"), "/inject/cluster/c1/net/n1");
    assert.equal(injectionPath("c1", ""), "/inject/cluster/c1");
  });

  it("the reader's rules follow the chart: 1.28 reads no ConfigMaps; serving remotes adds the webhook rules", () => {
    const core = (v: string) => readerRules(v, false)[1]?.resources ?? [];
    assert.ok(!core("1.28.10").includes("configmaps"));
    assert.ok(core("1.29.6").includes("configmaps"));
    assert.equal(readerRules("1.30.3", true).length, readerRules("1.30.3", false).length + 3);
  });
});
