import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chartDefaults } from "../../src/deploy/adopt/fit.js";
import type { Component, PlannedRelease } from "../../src/istio/types.js";
import { renderRelease, useChartRepository } from "./helm.js";
import { meaningful } from "./mutate.js";

/**
 * Adoption treats some values planton always sends as no change to a release that lacks them
 * (src/deploy/adopt/fit.ts `chartDefaults`). Each must render exactly what the chart renders
 * without it, at every chart version the fixtures hold.
 */

const charts = useChartRepository();

/** `{a: {b: value}}` for the path `a.b`. */
const valuesAt = (path: string, value: unknown): Record<string, unknown> =>
  path.split(".").reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
const versions = ["1.28.10", "1.29.6", "1.30.3"];
const names: Record<Component, string> = {
  base: "istio-base",
  istiod: "istiod",
  cni: "istio-cni",
  ztunnel: "ztunnel",
  gateway: "istio-ingressgateway",
};

describe("values adoption counts as the chart's own defaults render the same", () => {
  for (const [chart, paths] of Object.entries(chartDefaults) as [
    Component,
    Record<string, (v: string) => unknown>,
  ][])
    for (const [path, value] of Object.entries(paths))
      for (const version of versions)
        it(`${chart}@${version}: ${path}`, async () => {
          const release: PlannedRelease = {
            name: names[chart],
            component: chart,
            chart,
            source: { type: "repository", url: charts.repo },
            version,
            namespace: "istio-system",
            dependsOn: [],
            values: {},
            helmWait: true,
            timeoutSeconds: 60,
          };
          const without = await renderRelease(charts.helm, release, charts.repo, {});
          const withKey = await renderRelease(
            charts.helm,
            release,
            charts.repo,
            valuesAt(path, value(version)),
          );
          assert.equal(meaningful(withKey.objects), meaningful(without.objects));
        });
});
