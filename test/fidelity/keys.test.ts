import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planIstio } from "../../src/istio/plan.js";
import type { PlannedRelease } from "../../src/istio/types.js";
import { loadManifest } from "../../src/manifest/load.js";
import { root, validManifests } from "../helpers/paths.js";
import { renderRelease, useChartRepository } from "./helm.js";
import { changed, type Leaf, leaves, meaningful, withValue } from "./mutate.js";

/**
 * No values key planton sets is silently ignored: for every distinct (chart, key path) that any
 * plan sets, rendering with that one value changed must change the rendered objects (or be
 * refused by the chart). The `values[-rev]` ConfigMap, a debug dump of all values, is left out
 * of the comparison since it would make every key look used.
 */

const charts = useChartRepository();

// every distinct (chart, key) across all plans, with the first release that sets it
const seen = new Map<string, { release: PlannedRelease; leaf: Leaf }>();
for (const [, file] of validManifests()) {
  const r = loadManifest({ file, overrides: ["spec.charts.repository=http://127.0.0.1:1"] });
  if (r.kind !== "ok") continue;
  for (const release of planIstio(r.manifest).releases) {
    for (const leaf of leaves(release.values)) {
      const id = `${release.chart}: ${leaf.path.join(".")}`;
      if (!seen.has(id)) seen.set(id, { release, leaf });
    }
  }
}

// the plug-in CA's checksum annotation needs certificate files, which no example ships: plan it
// with stand-in facts (the files' checks are unit tests)
{
  const r = loadManifest({
    file: `${root}/examples/ca-plugin.yaml`,
    overrides: ["spec.charts.repository=http://127.0.0.1:1"],
  });
  const plugin = r.kind === "ok" ? r.manifest.spec.ca?.plugin : undefined;
  if (r.kind === "ok" && plugin !== undefined) {
    plugin.existingSecret = false;
    for (const release of planIstio(r.manifest, { ca: { certificates: [], checksum: "c".repeat(64) } })
      .releases)
      for (const leaf of leaves(release.values)) {
        const id = `${release.chart}: ${leaf.path.join(".")}`;
        if (!seen.has(id)) seen.set(id, { release, leaf });
      }
  }
  assert.ok(
    seen.has("istiod: pilot.podAnnotations.planton.io/cacerts-checksum"),
    "the CA checksum key is checked",
  );
}

describe("no values key planton sets is silently ignored by the charts", () => {
  for (const [id, { release, leaf }] of [...seen.entries()].sort()) {
    it(id, async () => {
      const target = {
        ...release,
        source:
          release.source.type === "archive"
            ? release.source
            : { type: "repository" as const, url: charts.repo },
      };
      const base = await renderRelease(charts.helm, target, charts.repo);
      const mutated = withValue(release.values, leaf.path, changed(leaf.value, leaf.path.at(-1) ?? ""));
      let after: string;
      try {
        after = meaningful((await renderRelease(charts.helm, target, charts.repo, mutated)).objects);
      } catch {
        return; // the chart refused the changed value: it reads the key
      }
      assert.notEqual(
        after,
        meaningful(base.objects),
        `changing ${leaf.path.join(".")} changed nothing in ${release.chart}`,
      );
    });
  }
});
