import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planIstio } from "../../../src/istio/plan.js";
import { checkVersionSkew, diffReleases, diffValues } from "../../../src/istio/upgrade.js";
import { loadManifest } from "../../../src/manifest/load.js";
import { root } from "../../helpers/paths.js";

const plan = (name: string, sets: string[] = []) => {
  const file = name.startsWith("example-")
    ? `${root}/examples/${name.slice(8)}.yaml`
    : `${root}/test/fixtures/manifests/valid/${name}.yaml`;
  const r = loadManifest({ file, overrides: sets });
  if (r.kind !== "ok") throw new Error(JSON.stringify(r.diagnostics));
  return planIstio(r.manifest);
};
const edges = (p: ReturnType<typeof plan>) =>
  Object.fromEntries(p.releases.map((r) => [r.name, r.dependsOn]));

describe("install order: only real prerequisites", () => {
  it("default profile: base → istiod → gateway", () => {
    assert.deepEqual(edges(plan("example-production")), {
      "istio-base": [],
      istiod: ["istio-base"],
      "istio-ingressgateway": ["istiod"],
      "istio-egressgateway": ["istiod"],
    });
  });
  it("ambient: base → istiod → cni → ztunnel", () => {
    assert.deepEqual(edges(plan("profile-ambient")), {
      "istio-base": [],
      istiod: ["istio-base"],
      "istio-cni": ["istiod"],
      ztunnel: ["istio-cni"],
    });
  });
  it("CNI in sidecar mode needs only base, in parallel with istiod", () => {
    assert.deepEqual(edges(plan("cni-sidecar")), {
      "istio-base": [],
      istiod: ["istio-base"],
      "istio-cni": ["istio-base"],
    });
  });
  it("revisions: the default revision's istiod after the others (it takes the default tag), gateways after it", () => {
    assert.deepEqual(edges(plan("revisions-canary")), {
      "istio-base": [],
      "istiod-1-30-3": ["istio-base"],
      "istiod-1-29-6": ["istio-base", "istiod-1-30-3"],
      "istio-ingressgateway": ["istiod-1-29-6"],
    });
  });
  it("every release is listed after its dependencies", () => {
    for (const name of ["example-production", "profile-ambient", "revisions-canary", "profile-demo"]) {
      const seen = new Set<string>();
      for (const r of plan(name).releases) {
        for (const d of r.dependsOn) assert.ok(seen.has(d), `${name}: ${r.name} before ${d}`);
        seen.add(r.name);
      }
    }
  });
});

describe("defaults and switches", () => {
  it("gateways: `[]` and `enabled: false` turn them off; minimal and ambient have none", () => {
    assert.equal(
      plan("no-namespace-creation").releases.some((r) => r.component === "gateway"),
      false,
    );
    assert.equal(
      plan("profile-default", [
        "spec.ingressGateways[0].name=gw",
        "spec.ingressGateways[0].enabled=false",
      ]).releases.some((r) => r.component === "gateway"),
      false,
    );
    assert.equal(
      plan("profile-minimal").releases.some((r) => r.component === "gateway"),
      false,
    );
  });
  it("createNamespace: false creates none; built-in namespaces are never created", () => {
    assert.deepEqual(plan("no-namespace-creation").namespaces, []);
    assert.deepEqual(plan("profile-minimal", ["spec.namespace=kube-system"]).namespaces, []);
  });
  it("LoadBalancer gateways do not hold Helm's wait; other types do", () => {
    const p = plan("example-production");
    assert.equal(p.releases.find((r) => r.name === "istio-ingressgateway")?.helmWait, false);
    assert.equal(p.releases.find((r) => r.name === "istio-egressgateway")?.helmWait, true);
  });
  it("helmValues are merged last, over planton's values", () => {
    const p = plan("example-dev", [
      "spec.helmValues.istiod.pilot.replicaCount=7",
      "spec.helmValues.istiod.pilot.resources.requests.cpu=5",
    ]);
    const pilot = p.releases.find((r) => r.name === "istiod")?.values.pilot as {
      replicaCount: number;
      resources: { requests: unknown };
    };
    assert.equal(pilot.replicaCount, 7);
    assert.deepEqual(pilot.resources.requests, { cpu: 5, memory: "256Mi" });
  });
  it("mTLS mode: no PeerAuthentication unless set", () => {
    assert.deepEqual(plan("example-dev").objects, []);
  });
});

describe("upgrades", () => {
  const recorded = (v: string) => ({
    "istio-base": { chart: "base", version: v },
    istiod: { chart: "istiod", version: v },
  });
  it("one minor step in place is allowed, two are refused with a hint", () => {
    assert.deepEqual(checkVersionSkew(plan("example-dev"), recorded("1.29.6")), []);
    const problems = checkVersionSkew(plan("example-dev"), recorded("1.28.10"));
    assert.deepEqual(
      problems.map((p) => p.release),
      ["istio-base", "istiod"],
    );
    assert.match(problems[0]?.hint ?? "", /1\.29\.x/);
  });
  it("downgrades of two minors are refused too; a fresh revision is not an in-place change", () => {
    assert.equal(
      checkVersionSkew(plan("example-dev", ["spec.version=1.28.10"]), recorded("1.30.3")).length,
      2,
    );
    assert.deepEqual(
      checkVersionSkew(plan("revisions-canary"), { "istio-base": { chart: "base", version: "1.29.6" } }),
      [],
    );
  });
  it("value diffs name each changed leaf", () => {
    assert.deepEqual(diffValues({ a: { b: 1, c: [1] } }, { a: { b: 2, d: true, c: [1] } }), [
      { path: "a.b", kind: "changed", before: 1, after: 2 },
      { path: "a.d", kind: "added", after: true },
    ]);
    // the recorded state drops nulls: a planned `null` is no change against an absent key
    assert.deepEqual(
      diffValues({ s: { type: "OnDelete" } }, { s: { type: "OnDelete", rollingUpdate: null } }),
      [],
    );
    const p = plan("example-dev");
    const same = Object.fromEntries(
      p.releases.map((r) => [r.name, { version: r.version, values: r.values }]),
    );
    assert.ok(diffReleases(p, same).every((c) => c.kind === "same"));
    assert.deepEqual(diffReleases(p, { ...same, old: { version: "1", values: {} } }).at(-1)?.kind, "delete");
  });
});
