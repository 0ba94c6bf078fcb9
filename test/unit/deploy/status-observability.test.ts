import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  meshConfigMapName,
  type ObservabilityReads,
  objectKey,
  providerNames,
} from "../../../src/cluster/observability-reads.js";
import { checkObservability } from "../../../src/deploy/status/observability.js";
import type { CheckReads } from "../../../src/deploy/status/model.js";
import { planIstio } from "../../../src/istio/plan.js";
import type { InstallPlan } from "../../../src/istio/types.js";
import { loadMarked } from "../../helpers/load.js";

function plan(yaml: string): InstallPlan {
  const { result } = loadMarked(yaml);
  if (result.kind !== "ok") throw new Error(JSON.stringify(result.diagnostics));
  return planIstio(result.manifest, { prometheusOperatorCrds: true });
}
const example = () => plan(readFileSync("examples/observability.yaml", "utf8"));
const keys = (p: InstallPlan) =>
  p.objects.map((o) =>
    objectKey(o.manifest.kind, o.manifest.metadata.namespace ?? "", o.manifest.metadata.name),
  );
/** Everything the example declares is in the cluster. */
const healthy = (p: InstallPlan): ObservabilityReads => ({
  meshConfigs: [{ revision: "", configMap: "istio", providers: ["otel"] }],
  present: keys(p),
  monitorCrds: true,
});
const rows = (p: InstallPlan, o: ObservabilityReads | undefined) =>
  checkObservability({ observability: o } as CheckReads, p, undefined);
const byName = (p: InstallPlan, o: ObservabilityReads) =>
  Object.fromEntries(rows(p, o).map((c) => [c.name, c]));

describe("status: observability", () => {
  it("everything the example declares present: four ok rows", () => {
    const p = example();
    const out = rows(p, healthy(p));
    assert.deepEqual(
      out.map((c) => [c.name, c.state]),
      [
        ["observability/providers", "ok"],
        ["observability/telemetry", "ok"],
        ["observability/monitors", "ok"],
        ["observability/dashboards", "ok"],
      ],
    );
    assert.match(out[1]?.message ?? "", /2 Telemetry objects accepted/);
    assert.match(out[3]?.message ?? "", /dashboard ConfigMaps present in istio-system/);
  });

  it("no rows without spec.observability", () => {
    const p = plan(readFileSync("examples/dev.yaml", "utf8"));
    assert.deepEqual(rows(p, undefined), []);
  });

  it("a provider missing from the live mesh config, a missing Telemetry and dashboard: errors naming them", () => {
    const p = example();
    const reads = healthy(p);
    reads.meshConfigs = [{ revision: "", configMap: "istio", providers: [] }];
    reads.present = reads.present.filter(
      (k) => k !== "Telemetry shop/access-logs" && !k.includes("mesh-dashboard"),
    );
    const c = byName(p, reads);
    assert.equal(c["observability/providers"]?.state, "error");
    assert.match(
      c["observability/providers"]?.message ?? "",
      /mesh config istio lacks the extension provider otel/,
    );
    assert.equal(c["observability/telemetry"]?.message, "Telemetry shop/access-logs is missing");
    assert.equal(c["observability/dashboards"]?.state, "error");
    assert.deepEqual(c["observability/dashboards"]?.details, ["ConfigMap istio-system/istio-mesh-dashboard"]);
  });

  it("AUTO without the Prometheus Operator's CRDs: a warning that says why; ON: an error", () => {
    const p = example();
    const c = byName(p, { ...healthy(p), monitorCrds: false });
    assert.equal(c["observability/monitors"]?.state, "warning");
    assert.match(c["observability/monitors"]?.message ?? "", /CRDs are not in the cluster/);
    const on = plan(
      readFileSync("examples/observability.yaml", "utf8").replace("monitors: AUTO", "monitors: ON"),
    );
    assert.equal(
      byName(on, { ...healthy(on), monitorCrds: false })["observability/monitors"]?.state,
      "error",
    );
  });

  it("the CRDs installed since the apply: the missing monitors are errors that say apply creates them", () => {
    const p = example();
    const reads = healthy(p);
    reads.present = reads.present.filter((k) => !k.startsWith("ServiceMonitor"));
    const c = byName(p, reads)["observability/monitors"];
    assert.equal(c?.state, "error");
    assert.equal(c?.message, "ServiceMonitor istio-system/istiod is missing");
  });

  it("an unreadable mesh config is an error, not a crash", () => {
    const p = example();
    const c = byName(p, {
      ...healthy(p),
      meshConfigs: [
        {
          revision: "1-30-3",
          configMap: "istio-1-30-3",
          providers: undefined,
          problem: "ConfigMap not found",
        },
      ],
    })["observability/providers"];
    assert.equal(c?.message, "mesh config istio-1-30-3: ConfigMap not found");
  });

  it("reads the provider names of a mesh document; a revision's ConfigMap is istio-<revision>", () => {
    assert.deepEqual(providerNames("extensionProviders:\n- name: a\n  zipkin: {}\n- {name: b}\n- {}\n"), [
      "a",
      "b",
    ]);
    assert.deepEqual(providerNames(""), []);
    assert.deepEqual(providerNames("defaultConfig: {}\n"), []);
    assert.throws(() => providerNames("- a\n"), /not a mapping/);
    assert.equal(meshConfigMapName(""), "istio");
    assert.equal(meshConfigMapName("1-30-3"), "istio-1-30-3");
  });
});
