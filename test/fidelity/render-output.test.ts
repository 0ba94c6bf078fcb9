import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { InstallPlan } from "../../src/istio/types.js";
import { runCli } from "../helpers/cli.js";
import { yamlFiles } from "../helpers/paths.js";
import { helmTemplate, renderRelease, useChartRepository } from "./helm.js";

const charts = useChartRepository();

describe("`planton render --output-dir` files render with helm template unchanged", () => {
  for (const [name, file] of yamlFiles("examples")) {
    it(name, async () => {
      const out = mkdtempSync(join(tmpdir(), `planton-render-${name}-`));
      const r = await runCli([
        "render",
        "-f",
        file,
        "--set",
        `spec.charts.repository=${charts.repo}`,
        "-o",
        "json",
        "--output-dir",
        out,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const plan = JSON.parse(readFileSync(join(out, "plan.json"), "utf8")) as InstallPlan;
      assert.deepEqual(JSON.parse(r.stdout), plan, "stdout and plan.json agree");
      for (const release of plan.releases) {
        const fromFile = await helmTemplate(
          charts.helm,
          release,
          join(out, `${release.name}.values.yaml`),
          charts.repo,
        );
        assert.ok(fromFile.ok, fromFile.ok ? "" : fromFile.error);
        const fromPlan = await renderRelease(charts.helm, release, charts.repo);
        assert.equal(
          fromFile.ok && fromFile.text,
          fromPlan.text,
          `${release.name}: values file and plan render the same`,
        );
      }
    });
  }
});
