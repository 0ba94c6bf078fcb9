/**
 * The Pulumi program under Pulumi's runtime mocks: for each example, the registered resources,
 * their inputs (chart, version, repository, values equal to the plan's) and the dependency
 * graph (the edges themselves). Mocks are process-global; node --test runs this file in its own
 * process.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { planIstio } from "../../../src/istio/plan.js";
import type { InstallPlan } from "../../../src/istio/types.js";
import { loadManifest } from "../../../src/manifest/load.js";
import { createIstioProgram } from "../../../src/pulumi/program.js";
import { validManifests } from "../../helpers/paths.js";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

let registered: Registered[] = [];
let edges: Map<string, string[]> = new Map();

before(() => {
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: () => ({}),
    },
    "planton-kubernetes-istio",
    "test",
    false,
  );
});

async function runProgram(plan: InstallPlan): Promise<Record<string, unknown>> {
  registered = [];
  edges = new Map();
  const program = createIstioProgram(plan, {
    kubeconfig: "apiVersion: v1\nkind: Config\n",
    context: "test-ctx",
  });
  const outputs = await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      const deps = (args.opts.dependsOn ?? []) as pulumi.Resource[];
      const names = (Array.isArray(deps) ? deps : [deps]).map(
        (d) => (d as unknown as { __name?: string }).__name ?? "?",
      );
      edges.set(`${args.type}::${args.name}`, names);
      return undefined;
    });
    return program();
  });
  // let the mock monitor receive every registration
  await new Promise((r) => setTimeout(r, 50));
  return (outputs ?? {}) as Record<string, unknown>;
}

const releaseType = "kubernetes:helm.sh/v3:Release";

describe("the program draws the plan and decides nothing", () => {
  for (const [name, file] of validManifests()) {
    it(name, async () => {
      const loaded = loadManifest({ file });
      assert.equal(loaded.kind, "ok");
      if (loaded.kind !== "ok") return;
      const plan = planIstio(loaded.manifest);
      const outputs = await runProgram(plan);

      const provider = registered.find((r) => r.type === "pulumi:providers:kubernetes");
      assert.equal(provider?.inputs.context, "test-ctx");

      const namespaces = registered
        .filter((r) => r.type === "kubernetes:core/v1:Namespace")
        .map((r) => r.name);
      // the planned namespaces, plus the workload namespaces planton creates (tested in membership.test.ts)
      const created = plan.workloadNamespaces
        .filter((n) => n.create && !plan.namespaces.some((p) => p.name === n.name))
        .map((n) => `workload-${n.name}`);
      assert.deepEqual(namespaces.sort(), [...plan.namespaces.map((n) => n.name), ...created].sort());

      const releases = registered.filter((r) => r.type === releaseType);
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
        const deps = edges.get(`${releaseType}::${planned.name}`) ?? [];
        const expected = [
          ...planned.dependsOn,
          ...(plan.namespaces.some((n) => n.name === planned.namespace) ? [planned.namespace] : []),
        ];
        assert.deepEqual([...deps].sort(), [...expected].sort(), `edges of ${planned.name}`);
      }
      for (const o of plan.objects) {
        const cr = registered.find(
          (r) => r.type === `kubernetes:${o.manifest.apiVersion}:${o.manifest.kind}`,
        );
        assert.ok(cr, `custom resource ${o.id}`);
        assert.deepEqual(cr.inputs.spec, o.manifest.spec);
        assert.deepEqual(
          edges.get(`kubernetes:${o.manifest.apiVersion}:${o.manifest.kind}::${o.id}`),
          o.dependsOn,
        );
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
      const istiod = registered.find((r) => r.type === releaseType && r.name === "istiod");
      assert.equal(istiod?.inputs.chart, expected);
      assert.equal(istiod?.inputs.repositoryOpts, undefined);
    }
  });
});
