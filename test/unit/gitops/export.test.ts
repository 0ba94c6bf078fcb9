import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { exportGitops, type GitopsCluster } from "../../../src/gitops/index.js";
import { planIstio } from "../../../src/istio/plan.js";
import { loadManifest } from "../../../src/manifest/load.js";
import { root } from "../../helpers/paths.js";

function cluster(file: string, overrides: string[] = []): GitopsCluster {
  const r = loadManifest({ file: `${root}/${file}`, overrides });
  assert.equal(r.kind, "ok");
  if (r.kind !== "ok") throw new Error("invalid");
  return { plan: planIstio(r.manifest), file, folder: "" };
}
const opts = { repoUrl: "https://git.example.com/p.git", path: "istio", project: "mesh" };
const docsOf = (c: GitopsCluster, format: "argocd" | "flux") =>
  exportGitops([c], { format, ...opts }).flatMap((f) => f.docs) as {
    kind: string;
    metadata: { name: string; annotations?: Record<string, string> };
    // biome-ignore lint/suspicious/noExplicitAny: the tests read the exported objects' fields freely
    spec: Record<string, any>;
  }[];
const ambient = "test/fixtures/manifests/valid/profile-ambient.yaml";

describe("GitOps export: install order", () => {
  it("Argo CD sync waves follow dependsOn, and the other objects come last", () => {
    const c = cluster("examples/production.yaml");
    const waves = Object.fromEntries(
      docsOf(c, "argocd")
        .filter((d) => d.kind === "Application" && !d.metadata.name.endsWith("-apps"))
        .map((d) => [d.metadata.name, d.metadata.annotations?.["argocd.argoproj.io/sync-wave"]]),
    );
    assert.deepEqual(waves, {
      "production-mesh-istio-base": "0",
      "production-mesh-istiod": "1",
      "production-mesh-istio-ingressgateway": "2",
      "production-mesh-istio-egressgateway": "2",
      "production-mesh-objects": "3",
    });
  });

  it("ambient: base, istiod, CNI, ztunnel in waves 0-3; Flux dependsOn names each prerequisite", () => {
    const c = cluster(ambient);
    const argo = docsOf(c, "argocd").filter(
      (d) => d.kind === "Application" && !d.metadata.name.endsWith("-apps"),
    );
    assert.deepEqual(
      argo.map((d) => [d.spec.source.chart, d.metadata.annotations?.["argocd.argoproj.io/sync-wave"]]),
      [
        ["base", "0"],
        ["istiod", "1"],
        ["cni", "2"],
        ["ztunnel", "3"],
      ],
    );
    const flux = docsOf(c, "flux").filter((d) => d.kind === "HelmRelease");
    assert.deepEqual(
      flux.map((d) => [d.metadata.name, (d.spec.dependsOn ?? []).map((x: { name: string }) => x.name)]),
      c.plan.releases.map((r) => [`ambient-mesh-${r.name}`, r.dependsOn.map((d) => `ambient-mesh-${d}`)]),
    );
  });
});

describe("GitOps export: ignore rules are istiod's run-time changes and nothing else", () => {
  const byChart = (format: "argocd" | "flux") =>
    Object.fromEntries(
      docsOf(cluster(ambient, ["spec.ingressGateways=[{name: istio-ingressgateway}]"]), format)
        .filter((d) => d.kind === (format === "argocd" ? "Application" : "HelmRelease"))
        .filter((d) => !d.metadata.name.endsWith("-apps"))
        .map((d) => [
          format === "argocd" ? d.spec.source.chart : d.spec.chart.spec.chart,
          format === "argocd" ? d.spec.ignoreDifferences : d.spec.driftDetection.ignore,
        ]),
    );

  it("Argo CD: caBundle of every mutating webhook (istiod), caBundle and failurePolicy of validators", () => {
    const rules = byChart("argocd");
    const validating = {
      group: "admissionregistration.k8s.io",
      kind: "ValidatingWebhookConfiguration",
      jqPathExpressions: [".webhooks[]?.clientConfig.caBundle", ".webhooks[]?.failurePolicy"],
    };
    assert.deepEqual(rules.base, [validating]);
    assert.deepEqual(rules.istiod, [
      {
        group: "admissionregistration.k8s.io",
        kind: "MutatingWebhookConfiguration",
        jqPathExpressions: [".webhooks[]?.clientConfig.caBundle"],
      },
      validating,
    ]);
    for (const chart of ["cni", "ztunnel", "gateway"]) assert.equal(rules[chart], undefined, chart);
  });

  it("Flux: drift detection on everywhere, the same fields as JSON pointers for each webhook", () => {
    const rules = byChart("flux");
    for (const chart of ["cni", "ztunnel", "gateway"]) assert.deepEqual(rules[chart], [], chart);
    const paths = (rules.istiod as { paths: string[]; target: { kind: string } }[]).map((r) => [
      r.target.kind,
      r.paths,
    ]);
    assert.deepEqual(paths, [
      ["MutatingWebhookConfiguration", [0, 1, 2, 3, 4].map((i) => `/webhooks/${i}/clientConfig/caBundle`)],
      ["ValidatingWebhookConfiguration", ["/webhooks/0/clientConfig/caBundle", "/webhooks/0/failurePolicy"]],
    ]);
  });

  it("Argo CD applies the rules in sync too (RespectIgnoreDifferences), and server-side applies the CRDs", () => {
    const apps = docsOf(cluster(ambient), "argocd");
    const options = Object.fromEntries(apps.map((d) => [d.metadata.name, d.spec.syncPolicy.syncOptions]));
    assert.deepEqual(options["ambient-mesh-istio-base"], [
      "CreateNamespace=true",
      "ServerSideApply=true",
      "RespectIgnoreDifferences=true",
    ]);
    assert.deepEqual(options["ambient-mesh-istiod"], [
      "CreateNamespace=true",
      "RespectIgnoreDifferences=true",
    ]);
    assert.deepEqual(options["ambient-mesh-ztunnel"], ["CreateNamespace=true"]);
  });
});

describe("GitOps export: revision tags", () => {
  it("are added to their revision's revisionTags, keeping the tags the release renders itself", () => {
    const c = cluster("examples/canary/2-canary.yaml");
    const values = Object.fromEntries(
      docsOf(c, "flux")
        .filter((d) => d.kind === "HelmRelease")
        .map((d) => [d.spec.releaseName, d.spec.values.revisionTags]),
    );
    assert.deepEqual(values, {
      "istio-base": undefined,
      "istiod-1-30-3": ["prod-canary"],
      "istiod-1-29-6": ["default", "prod-stable"],
    });
  });
});

describe("GitOps export: Flux and another cluster", () => {
  it("namespaces, releases and objects reach the cluster of --destination; Flux's own objects stay in Flux's", () => {
    const c = {
      ...cluster("examples/production.yaml"),
      destination: { kind: "name" as const, name: "prod-kubeconfig" },
    };
    const docs = docsOf(c, "flux");
    const remote = (d: (typeof docs)[number]) => d.spec.kubeConfig?.secretRef?.name;
    assert.deepEqual(
      docs
        .filter((d) => d.kind === "Kustomization" && d.spec !== undefined)
        .map((d) => [d.metadata.name, remote(d)]),
      [
        ["production-mesh-namespaces", "prod-kubeconfig"],
        ["production-mesh-releases", undefined],
        ["production-mesh-objects", "prod-kubeconfig"],
      ],
    );
    const releases = docs.filter((d) => d.kind === "HelmRelease");
    assert.deepEqual(new Set(releases.map(remote)), new Set(["prod-kubeconfig"]));
    const fluxOwn = docs.filter((d) =>
      /toolkit\.fluxcd\.io/.test((d as { apiVersion?: string }).apiVersion ?? ""),
    );
    const namespaces = new Set(fluxOwn.map((d) => (d.metadata as { namespace?: string }).namespace));
    assert.deepEqual(namespaces, new Set(["flux-system"]), "Flux's objects live in flux-system");
  });
});
