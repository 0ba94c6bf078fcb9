import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { readBundle } from "../../../src/deploy/gateway-api.js";
import { exportGitops, type GitopsCluster, type GitopsFile } from "../../../src/gitops/index.js";
import { planIstio } from "../../../src/istio/plan.js";
import { loadManifest } from "../../../src/manifest/load.js";
import { renderGitopsTree } from "../../helpers/gitops.js";
import { root } from "../../helpers/paths.js";

// biome-ignore lint/suspicious/noExplicitAny: the tests read the exported objects' fields freely
type Doc = Record<string, any>;

/** A cluster of the export with the Gateway API CRDs its plan installs, as `render` reads them. */
function cluster(file: string): GitopsCluster {
  const r = loadManifest({ file: join(root, file), overrides: [] });
  if (r.kind !== "ok") throw new Error(`${file} is invalid`);
  const plan = planIstio(r.manifest);
  const dir = join(root, "bundles", "gateway-api");
  return {
    plan,
    file,
    folder: "",
    ...(plan.gatewayApi === undefined ? {} : { gatewayApiCrds: readBundle(plan.gatewayApi, dir) }),
  };
}
const opts = { repoUrl: "https://git.example.com/p.git", path: "istio", project: "mesh" };
const filesOf = (c: GitopsCluster, format: "argocd" | "flux") => exportGitops([c], { format, ...opts });
const docsIn = (files: GitopsFile[], path: string) => files.find((f) => f.path === path)?.docs as Doc[];
const ambient = "examples/ambient-waypoints.yaml";

describe("GitOps export: the Gateway API CRDs the plan installs", () => {
  it("Argo CD: their own Application in the wave before every release, server-side, never pruned or deleted", () => {
    const c = cluster(ambient);
    const files = filesOf(c, "argocd");
    const [app] = docsIn(files, "apps/gateway-api-crds.yaml");
    assert.equal(app?.metadata.annotations["argocd.argoproj.io/sync-wave"], "-1");
    assert.equal(app?.spec.source.path, "istio/crds");
    assert.deepEqual(app?.spec.syncPolicy.syncOptions, ["ServerSideApply=true"]);
    const crds = docsIn(files, "crds/gateway-api.yaml");
    assert.deepEqual(
      crds.map((d) => d.metadata.name).sort(),
      [...(c.plan.gatewayApi?.crds ?? [])].sort(),
      "every CRD of the plan's bundle, nothing else",
    );
    for (const crd of crds) {
      assert.equal(crd.kind, "CustomResourceDefinition");
      assert.equal(crd.metadata.annotations["argocd.argoproj.io/sync-options"], "Prune=false,Delete=false");
      assert.equal(crd.metadata.labels["app.kubernetes.io/managed-by"], "planton", "planton's own copy");
      assert.equal(crd.metadata.annotations["gateway.networking.k8s.io/bundle-version"], "v1.6.3");
    }
    const waves = files
      .flatMap((f) => f.docs as Doc[])
      .filter((d) => d.kind === "Application" && !d.metadata.name.endsWith("-apps"))
      .map((d) => Number(d.metadata.annotations["argocd.argoproj.io/sync-wave"]));
    assert.equal(Math.min(...waves), -1);
    assert.equal(waves.filter((w) => w === -1).length, 1, "only the CRDs come before the base");
  });

  it("Flux: a Kustomization the releases wait for, never pruned, its CRDs marked against pruning", () => {
    const files = filesOf(cluster(ambient), "flux");
    const sync = docsIn(files, "sync.yaml");
    const crds = sync.find((d) => d.metadata.name === "ambient-mesh-crds");
    assert.equal(crds?.spec.path, "./istio/crds");
    assert.equal(crds?.spec.prune, false);
    assert.equal(crds?.spec.wait, true);
    const releases = sync.find((d) => d.metadata.name === "ambient-mesh-releases");
    assert.deepEqual(
      releases?.spec.dependsOn.map((d: Doc) => d.name),
      ["ambient-mesh-namespaces", "ambient-mesh-crds"],
    );
    assert.deepEqual(docsIn(files, "crds/kustomization.yaml")[0]?.resources, ["gateway-api.yaml"]);
    for (const crd of docsIn(files, "crds/gateway-api.yaml"))
      assert.equal(crd.metadata.annotations["kustomize.toolkit.fluxcd.io/prune"], "disabled");
  });

  it("the header says how a sync differs from apply's checks of the cluster's copy", () => {
    const [root] = filesOf(cluster(ambient), "argocd");
    const text = root?.header.join("\n") ?? "";
    assert.match(text, /Gateway API CRDs v1\.6\.3 \(standard\) are in crds\//);
    assert.match(text, /never overwrites another\s+owner's copy/);
  });

  it("a plan installing no Gateway API CRDs exports none", () => {
    for (const format of ["argocd", "flux"] as const) {
      const files = filesOf(cluster("examples/production.yaml"), format);
      assert.deepEqual(
        files.filter((f) => f.path.startsWith("crds/") || f.path.includes("gateway-api")),
        [],
      );
      assert.equal(
        files.flatMap((f) => f.docs as Doc[]).some((d) => d.kind === "CustomResourceDefinition"),
        false,
      );
    }
  });

  it("render --format reads the shipped bundle into crds/", async () => {
    for (const format of ["argocd", "flux"] as const) {
      const r = await renderGitopsTree(format, [ambient]);
      assert.equal(r.code, 0, r.stderr);
      const text = r.tree.get("crds/gateway-api.yaml") ?? "";
      assert.equal(text.match(/^kind: CustomResourceDefinition$/gm)?.length, 10, format);
    }
  });
});
