import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { discoverMesh } from "../../src/deploy/adopt/discover.js";
import { addedByPlanton } from "../../src/deploy/adopt/fit.js";
import { planManifestJson, writeManifest } from "../../src/deploy/adopt/write-manifest.js";
import { mergeValues, type Values } from "../../src/istio/merge.js";
import { handInstalledCluster } from "../unit/adopt/fixtures.js";
import { renderRelease, useChartRepository } from "./helm.js";
import { meaningful } from "./mutate.js";

/**
 * A mesh installed by hand with Helm (the way Istio's docs do, few values), adopted with
 * --write-manifest: the written manifest's releases must render, with the real charts, exactly
 * what the live releases render plus the changes the header lists, nothing else.
 */

const charts = useChartRepository();
const cluster = handInstalledCluster();

const valuesAt = (path: string, value: unknown): Values =>
  path.split(".").reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Values;

describe("adopt --write-manifest with the real charts", () => {
  const mesh = discoverMesh(cluster);
  const plan = planManifestJson(writeManifest(mesh, "adopted").manifest);
  for (const live of mesh.releases)
    it(`${live.name}: the plan renders the live release plus the listed changes`, async () => {
      const planned = plan.releases.find((r) => r.name === live.name && r.namespace === live.namespace);
      assert.ok(planned !== undefined && live.component !== undefined);
      const listed = addedByPlanton(live.component, live.version, planned.values, live.values);
      const expected = listed.reduce(
        (acc, [path, value]) => mergeValues(acc, valuesAt(path, value)),
        live.values,
      );
      const target = { ...planned, source: { type: "repository" as const, url: charts.repo } };
      const fromPlan = await renderRelease(charts.helm, target, charts.repo);
      const fromLive = await renderRelease(charts.helm, target, charts.repo, expected);
      assert.equal(meaningful(fromPlan.objects), meaningful(fromLive.objects));
    });
});
