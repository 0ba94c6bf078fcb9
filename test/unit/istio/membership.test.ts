import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { diffMembership, injectionLabels, namespacesToRestart } from "../../../src/istio/membership.js";
import { planIstio } from "../../../src/istio/plan.js";
import { keepRemovedIstiods } from "../../../src/istio/upgrade.js";
import type { InstallPlan } from "../../../src/istio/types.js";
import { loadManifest } from "../../../src/manifest/load.js";
import { root } from "../../helpers/paths.js";

const step = (n: string, overrides: string[] = []): InstallPlan => {
  const r = loadManifest({ file: join(root, "examples", "canary", `${n}.yaml`), overrides });
  if (r.kind !== "ok") throw new Error(JSON.stringify(r.diagnostics));
  return planIstio(r.manifest);
};
/** What apply records for a plan (as stackOutputsOf does). */
const recorded = (p: InstallPlan) => ({
  revisionTags: p.mesh.revisionTags,
  namespaces: p.workloadNamespaces.map((n) => ({ name: n.name, revision: n.revision, labels: n.labels })),
});

describe("injection labels", () => {
  it("are the ones Istio reads, never istio-injection together with istio.io/rev", () => {
    assert.deepEqual(injectionLabels("SIDECAR", ""), { "istio-injection": "enabled" });
    assert.deepEqual(injectionLabels("SIDECAR", "prod-stable"), { "istio.io/rev": "prod-stable" });
    assert.deepEqual(injectionLabels("AMBIENT", ""), { "istio.io/dataplane-mode": "ambient" });
    assert.deepEqual(injectionLabels("DISABLED", ""), { "istio-injection": "disabled" });
  });
});

describe("the plan of the canary flow", () => {
  it("step 1: one tag on 1-29-6, shop adopted and labelled after the tag", () => {
    const p = step("1-stable");
    assert.deepEqual(
      p.tags.map((t) => [t.name, t.revision, t.release, t.values.revision, t.values.revisionTags]),
      [["prod-stable", "1-29-6", "istiod-1-29-6", "1-29-6", ["prod-stable"]]],
    );
    assert.deepEqual(p.workloadNamespaces, [
      {
        name: "shop",
        create: false,
        injection: "SIDECAR",
        target: "prod-stable",
        revision: "1-29-6",
        labels: { "istio.io/rev": "prod-stable" },
        dependsOn: ["tag/prod-stable"],
      },
    ]);
    // the default revision's release still renders only the default tag
    const istiod = p.releases.find((r) => r.name === "istiod-1-29-6");
    assert.deepEqual(istiod?.values.revisionTags, ["default"]);
  });
  it("a namespace on the default revision of a revision-less install is served by 'default'", () => {
    const r = loadManifest({
      file: join(root, "examples", "dev.yaml"),
      overrides: ["spec.namespaces[0].name=web"],
    });
    assert.equal(r.kind, "ok");
    if (r.kind !== "ok") return;
    const [ns] = planIstio(r.manifest).workloadNamespaces;
    assert.equal(ns?.revision, "default");
    assert.deepEqual(ns?.labels, { "istio-injection": "enabled" });
    assert.deepEqual(ns?.dependsOn, ["istiod"]);
  });
  it("step 2 → 3 moves prod-stable; shop must restart, shop-canary (already on 1-30-3) not", () => {
    const d = diffMembership(step("3-move-stable"), recorded(step("2-canary")));
    assert.deepEqual(d.tags, [{ tag: "prod-stable", kind: "move", from: "1-29-6", to: "1-30-3" }]);
    assert.deepEqual(
      d.namespaces.map((n) => [n.name, n.kind, n.revisionBefore, n.revisionAfter]),
      [["shop", "update", "1-29-6", "1-30-3"]],
    );
    assert.deepEqual(namespacesToRestart(d.namespaces), ["shop"]);
  });
  it("step 1 → 2: a new tag, a namespace planton creates (nothing to restart in it)", () => {
    const d = diffMembership(step("2-canary"), recorded(step("1-stable")));
    assert.deepEqual(d.tags, [{ tag: "prod-canary", kind: "create", to: "1-30-3" }]);
    assert.deepEqual(
      d.namespaces.map((n) => [n.name, n.kind, n.created]),
      [["shop-canary", "create", true]],
    );
    assert.deepEqual(namespacesToRestart(d.namespaces), []);
  });
  it("a first apply that adopts a namespace with pods: they need a restart to get a proxy", () => {
    const d = diffMembership(step("1-stable"), { revisionTags: {}, namespaces: [] });
    assert.deepEqual(namespacesToRestart(d.namespaces), ["shop"]);
  });
  it("a swap of two tags is two moves", () => {
    const swapped = step("2-canary", [
      "spec.revisionTags[0].revision=1-30-3",
      "spec.revisionTags[1].revision=1-29-6",
    ]);
    const d = diffMembership(swapped, recorded(step("2-canary")));
    assert.deepEqual(d.tags, [
      { tag: "prod-stable", kind: "move", from: "1-29-6", to: "1-30-3" },
      { tag: "prod-canary", kind: "move", from: "1-30-3", to: "1-29-6" },
    ]);
    assert.deepEqual(namespacesToRestart(d.namespaces).sort(), ["shop", "shop-canary"]);
  });
  it("removing a namespace from the manifest removes planton's labels, and restarts nothing", () => {
    const d = diffMembership(step("4-remove-old", ["spec.namespaces=[]"]), recorded(step("4-remove-old")));
    assert.deepEqual(
      d.namespaces.map((n) => [n.name, n.kind]),
      [
        ["shop", "delete"],
        ["shop-canary", "delete"],
      ],
    );
    assert.deepEqual(namespacesToRestart(d.namespaces), []);
  });
});

describe("removing a revision in the safe order (keepRemovedIstiods)", () => {
  /** What apply records of a plan's releases (as recordedReleases reads them from the state). */
  const releasesOf = (p: InstallPlan) =>
    Object.fromEntries(
      p.releases.map((r) => [
        r.name,
        { chart: r.chart, version: r.version, namespace: r.namespace, values: r.values },
      ]),
    );

  it("from the canary step to the removal in one apply: the old istiod is kept as last applied, the rest is the plan's", () => {
    const canary = step("2-canary");
    const removal = step("4-remove-old");
    const bridge = keepRemovedIstiods(removal, releasesOf(canary));
    const old = canary.releases.find((r) => r.name === "istiod-1-29-6");
    assert.ok(old !== undefined && !removal.releases.some((r) => r.name === old.name));
    // in dependency order, as the program requires: the kept istiod before the one taking its tag
    assert.deepEqual(
      bridge?.releases.map((r) => r.name),
      ["istio-base", "istiod-1-29-6", "istiod-1-30-3"],
    );
    assert.deepEqual(
      removal.releases.map((r) => r.name),
      ["istio-base", "istiod-1-30-3"],
    );
    const kept = bridge?.releases.find((r) => r.name === "istiod-1-29-6");
    const { revisionTags, ...untagged } = old.values;
    assert.deepEqual(revisionTags, ["default"], "1-29-6 held the default tag");
    assert.deepEqual([kept?.component, kept?.version, kept?.values], ["istiod", old.version, untagged]);
    assert.deepEqual(bridge?.mesh, removal.mesh, "tags and namespaces move as the plan says");
  });

  it("the default tag moves: the kept istiod no longer renders it, and the istiod taking it waits for that", () => {
    const bridge = keepRemovedIstiods(step("4-remove-old"), releasesOf(step("2-canary")));
    const taking = bridge?.releases.find((r) => r.name === "istiod-1-30-3");
    assert.deepEqual(taking?.values.revisionTags, ["default"]);
    assert.ok(taking?.dependsOn.includes("istiod-1-29-6"), JSON.stringify(taking?.dependsOn));
    const kept = bridge?.releases.find((r) => r.name === "istiod-1-29-6");
    assert.equal(kept?.values.revisionTags, undefined);
    const names = bridge?.releases.map((r) => r.name) ?? [];
    for (const [i, r] of (bridge?.releases ?? []).entries())
      for (const d of r.dependsOn) assert.ok(names.indexOf(d) < i, `${r.name} listed after ${d}`);
    assert.ok(!kept?.dependsOn.includes("istiod-1-30-3"), "no cycle");
  });

  it("a plan that removes no istiod needs no first step", () => {
    const stable = step("1-stable");
    assert.equal(keepRemovedIstiods(stable, releasesOf(stable)), undefined);
  });
});
