/**
 * The Pulumi program under Pulumi's runtime mocks: for each example, the seen.registered resources,
 * their inputs (chart, version, repository, values equal to the plan's) and the dependency
 * graph (the edges themselves). Mocks are process-global; node --test runs this file in its own
 * process.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { planIstio } from "../../../src/istio/plan.js";
import { loadManifest } from "../../../src/manifest/load.js";
import { root, validManifests } from "../../helpers/paths.js";
import { usePulumiMocks } from "../../helpers/pulumi-mocks.js";

const { seen, run: runProgram } = usePulumiMocks();

const releaseType = "kubernetes:helm.sh/v3:Release";

describe("the program draws the plan and decides nothing", () => {
  for (const [name, file] of validManifests()) {
    it(name, async () => {
      const loaded = loadManifest({ file });
      assert.equal(loaded.kind, "ok");
      if (loaded.kind !== "ok") return;
      const plan = planIstio(loaded.manifest);
      const outputs = await runProgram(plan);

      const provider = seen.registered.find((r) => r.type === "pulumi:providers:kubernetes");
      assert.equal(provider?.inputs.context, "test-ctx");

      const namespaces = seen.registered
        .filter((r) => r.type === "kubernetes:core/v1:Namespace")
        .map((r) => r.name);
      // the planned namespaces, plus the workload namespaces planton creates (tested in membership.test.ts)
      const created = plan.workloadNamespaces
        .filter((n) => n.create && !plan.namespaces.some((p) => p.name === n.name))
        .map((n) => `workload-${n.name}`);
      assert.deepEqual(namespaces.sort(), [...plan.namespaces.map((n) => n.name), ...created].sort());

      const releases = seen.registered.filter((r) => r.type === releaseType);
      // registration is asynchronous, so compare as sets: the install order is in the edges below
      assert.deepEqual(
        releases.map((r) => r.name).sort(),
        plan.releases.map((r) => r.name).sort(),
        "one Release per planned release",
      );
      for (const planned of plan.releases) {
        const r = releases.find((x) => x.name === planned.name);
        assert.ok(r);
        assert.equal(r.inputs.chart, planned.chart);
        assert.equal(r.inputs.version, planned.version);
        assert.equal(r.inputs.namespace, planned.namespace);
        assert.equal(r.inputs.name, planned.name);
        assert.deepEqual(r.inputs.values, planned.values);
        assert.deepEqual(r.inputs.repositoryOpts, {
          repo: "https://istio-release.storage.googleapis.com/charts",
        });
        assert.equal(r.inputs.skipAwait, !planned.helmWait);
        assert.equal(r.inputs.timeout, planned.timeoutSeconds);
        const deps = seen.edges.get(`${releaseType}::${planned.name}`) ?? [];
        const expected = [
          ...planned.dependsOn,
          ...(plan.namespaces.some((n) => n.name === planned.namespace) ? [planned.namespace] : []),
        ];
        assert.deepEqual([...deps].sort(), [...expected].sort(), `edges of ${planned.name}`);
      }
      for (const o of plan.objects) {
        // the provider's type token: core objects are `core/v1` (a bare `v1` is refused by the engine)
        const type = `kubernetes:${o.manifest.apiVersion === "v1" ? "core/v1" : o.manifest.apiVersion}:${o.manifest.kind}`;
        const cr = seen.registered.find((r) => r.type === type && r.name === o.id);
        assert.ok(cr, `custom resource ${o.id}`);
        assert.deepEqual(cr.inputs.spec, o.manifest.spec);
        assert.deepEqual(cr.inputs.data, o.manifest.data, `${o.id}: a ConfigMap's data`);
        // `namespace/<name>`: the Namespace that holds it (a workload namespace's is `workload-<name>`)
        const resourceOf = (d: string) => {
          const ns = d.startsWith("namespace/") ? d.slice("namespace/".length) : undefined;
          if (ns === undefined) return d;
          return plan.namespaces.some((n) => n.name === ns) ? ns : `workload-${ns}`;
        };
        assert.deepEqual(seen.edges.get(`${type}::${o.id}`), o.dependsOn.map(resourceOf));
      }
      assert.equal(outputs.namespace, plan.mesh.namespace);
      assert.equal(outputs.version, plan.mesh.version);
      assert.deepEqual(
        Object.keys(outputs.releases as object),
        plan.releases.map((r) => r.name),
      );
    });
  }
});

describe("chart sources", () => {
  it("OCI repositories and local archives become the chart reference, without repositoryOpts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "planton-charts-"));
    for (const [repo, expected] of [
      ["oci://registry.example.com/charts", "oci://registry.example.com/charts/istiod"],
      [dir, `${dir}/istiod-1.30.3.tgz`],
    ] as const) {
      const loaded = loadManifest({
        file: validManifests()[0]?.[1] ?? "",
        overrides: [`spec.charts.repository=${repo}`],
      });
      assert.equal(loaded.kind, "ok");
      if (loaded.kind !== "ok") return;
      await runProgram(planIstio(loaded.manifest));
      const istiod = seen.registered.find((r) => r.type === releaseType && r.name === "istiod");
      assert.equal(istiod?.inputs.chart, expected);
      assert.equal(istiod?.inputs.repositoryOpts, undefined);
    }
  });
});

describe("releases awaited outside the engine", () => {
  it("are installed without Helm's wait (a stack's recorded wait is kept); the others keep theirs", async () => {
    const loaded = loadManifest({ file: join(root, "examples", "production.yaml") });
    assert.equal(loaded.kind, "ok");
    if (loaded.kind !== "ok") return;
    const plan = planIstio(loaded.manifest);
    await runProgram(plan, undefined, {}, { awaitedOutside: new Set(["istio-egressgateway"]) });
    const skipAwait = Object.fromEntries(
      seen.registered.filter((r) => r.type === releaseType).map((r) => [r.name, r.inputs.skipAwait]),
    );
    assert.deepEqual(skipAwait, {
      "istio-base": false,
      istiod: false,
      "istio-ingressgateway": true,
      "istio-egressgateway": true,
    });
    assert.deepEqual(Object.fromEntries(seen.ignored), {
      [`${releaseType}::istio-egressgateway`]: ["skipAwait"],
    });
  });
});
