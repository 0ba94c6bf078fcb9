import assert from "node:assert/strict";
import { relative } from "node:path";
import { describe, it } from "node:test";
import { planIstio } from "../../src/istio/plan.js";
import { loadManifest } from "../../src/manifest/load.js";
import { planToJson } from "../../src/output/plan.js";
import { runCli } from "../helpers/cli.js";
import { assertGolden } from "../helpers/golden.js";
import { root, validManifests, yamlFiles } from "../helpers/paths.js";

describe("valid manifests load without diagnostics and plan as the golden files say", () => {
  for (const [name, file] of validManifests()) {
    it(name, () => {
      const result = loadManifest({ file });
      assert.equal(result.kind, "ok", JSON.stringify(result.kind === "invalid" ? result.diagnostics : []));
      if (result.kind !== "ok") return;
      assert.deepEqual(result.warnings, []);
      assertGolden(`${root}/test/golden/plan/${name}.json`, planToJson(planIstio(result.manifest)));
    });
  }
});

describe("invalid manifests print the golden diagnostics", () => {
  for (const [name, file] of yamlFiles("test/fixtures/manifests/invalid")) {
    it(name, async () => {
      const r = await runCli(["validate", "--color", "never", "-f", relative(root, file)], { cwd: root });
      assert.equal(r.code, 2);
      assertGolden(`${root}/test/golden/diagnostics/${name}.txt`, r.stderr);
    });
  }
});

describe("Project Planton's KubernetesIstio manifests load unchanged", () => {
  for (const [name, file] of yamlFiles("test/fixtures/planton")) {
    it(name, () => {
      const result = loadManifest({ file });
      assert.equal(result.kind, "ok", JSON.stringify(result.kind === "invalid" ? result.diagnostics : []));
      if (result.kind !== "ok") return;
      const spec = result.manifest.spec;
      assert.equal(spec.namespace, "istio-system", "namespace: {value: …} is read");
      assert.ok(spec.container?.resources?.requests?.cpu, "container.resources is read");
      assert.ok(spec.targetCluster?.clusterName, "target_cluster.cluster_name is read");
      const plan = planIstio(result.manifest);
      const istiod = plan.releases.find((r) => r.name === "istiod");
      assert.deepEqual((istiod?.values.pilot as { resources?: unknown } | undefined)?.resources, {
        requests: {
          cpu: spec.container?.resources?.requests?.cpu,
          memory: spec.container?.resources?.requests?.memory,
        },
        limits: {
          cpu: spec.container?.resources?.limits?.cpu,
          memory: spec.container?.resources?.limits?.memory,
        },
      });
    });
  }
});
