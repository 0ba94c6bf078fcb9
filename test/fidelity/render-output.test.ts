import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { InstallPlan } from "../../src/istio/types.js";
import { runCli } from "../helpers/cli.js";
import { yamlFiles } from "../helpers/paths.js";
import { chartsDir, helmBinary, helmTemplate, renderRelease, serveFolder } from "./helm.js";

let helm = "";
let repo = "";
let close: () => Promise<void> = async () => {};
before(async () => {
  helm = helmBinary();
  const served = await serveFolder(chartsDir);
  repo = served.url;
  close = served.close;
});
after(() => close());

describe("`planton render --output-dir` files render with helm template unchanged", () => {
  for (const [name, file] of yamlFiles("examples")) {
    it(name, async () => {
      const out = mkdtempSync(join(tmpdir(), `planton-render-${name}-`));
      const r = await runCli([
        "render",
        "-f",
        file,
        "--set",
        `spec.charts.repository=${repo}`,
        "-o",
        "json",
        "--output-dir",
        out,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const plan = JSON.parse(readFileSync(join(out, "plan.json"), "utf8")) as InstallPlan;
      assert.deepEqual(JSON.parse(r.stdout), plan, "stdout and plan.json agree");
      for (const release of plan.releases) {
        const fromFile = await helmTemplate(helm, release, join(out, `${release.name}.values.yaml`), repo);
        assert.ok(fromFile.ok, fromFile.ok ? "" : fromFile.error);
        const fromPlan = await renderRelease(helm, release, repo);
        assert.equal(
          fromFile.ok && fromFile.text,
          fromPlan.text,
          `${release.name}: values file and plan render the same`,
        );
      }
    });
  }
});
