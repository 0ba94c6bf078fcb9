import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { istioDashboards } from "../../../src/istio/dashboards/index.js";
import type { PlanInputs } from "../../../src/istio/ca.js";
import { settleMonitorsOf } from "../../../src/istio/observability.js";
import { planIstio } from "../../../src/istio/plan.js";
import type { InstallPlan, PlannedObject } from "../../../src/istio/types.js";
import { loadMarked } from "../../helpers/load.js";

const header = "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesIstio\nmetadata:\n  name: m\n";
const otel = "      - {name: otel, kind: OPENTELEMETRY, service: otel.o.svc, port: 4317}\n";

function plan(body: string, inputs: PlanInputs = {}): InstallPlan {
  const { result } = loadMarked(`${header}spec:\n${body}`);
  if (result.kind !== "ok") throw new Error(JSON.stringify(result.diagnostics));
  return planIstio(result.manifest, inputs);
}
const kinds = (p: InstallPlan) =>
  p.objects.map((o) => `${o.manifest.kind}/${o.manifest.metadata.namespace}/${o.manifest.metadata.name}`);
const meshConfig = (p: InstallPlan) =>
  (p.releases.find((r) => r.component === "istiod")?.values.meshConfig ?? {}) as Record<string, unknown>;
const find = (p: InstallPlan, kind: string): PlannedObject | undefined =>
  p.objects.find((o) => o.manifest.kind === kind);

describe("spec.observability plans", () => {
  it("nothing without the block: no providers, no objects, no summary", () => {
    const p = plan("  profile: minimal\n");
    assert.equal(meshConfig(p).extensionProviders, undefined);
    assert.deepEqual(p.objects, []);
    assert.equal(p.observability, undefined);
  });

  it("providers by kind as the mesh config's extensionProviders", () => {
    const p = plan(
      `  observability:\n    providers:\n${otel}      - {name: otlp-http, kind: OPENTELEMETRY, service: c.o.svc, port: 4318, protocol: HTTP}\n      - {name: tempo, kind: ZIPKIN, service: tempo.t.svc, port: 9411}\n      - {name: logs, kind: OPENTELEMETRY_LOGS, service: c.o.svc, port: 4317}\n`,
    );
    assert.deepEqual(meshConfig(p).extensionProviders, [
      { name: "otel", opentelemetry: { service: "otel.o.svc", port: 4317 } },
      { name: "otlp-http", opentelemetry: { service: "c.o.svc", port: 4318, http: { path: "/v1/traces" } } },
      { name: "tempo", zipkin: { service: "tempo.t.svc", port: 9411 } },
      { name: "logs", envoyOtelAls: { service: "c.o.svc", port: 4317 } },
    ]);
  });

  it("a mesh-wide Telemetry in the control-plane namespace traces at 1% by default, after istiod", () => {
    const p = plan(`  observability:\n    providers:\n${otel}    tracing: {provider: otel}\n`);
    const t = find(p, "Telemetry");
    assert.deepEqual(kinds(p), ["Telemetry/istio-system/mesh-default"]);
    assert.deepEqual(t?.manifest.spec, {
      tracing: [{ providers: [{ name: "otel" }], randomSamplingPercentage: 1 }],
    });
    assert.deepEqual(t?.dependsOn, ["istiod"]);
    assert.equal(
      plan(`  observability:\n    providers:\n${otel}    tracing: {provider: otel, samplingPercent: 0}\n`)
        .observability?.tracing?.samplingPercent,
      0,
    );
  });

  it("access logs: one Telemetry per namespace, or mesh-wide in the root namespace", () => {
    const per = plan(
      "  observability:\n    accessLogs: {namespaces: [a, b]}\n  namespaces: [{name: a}, {name: b}]\n",
    );
    assert.deepEqual(kinds(per), ["Telemetry/a/access-logs", "Telemetry/b/access-logs"]);
    assert.deepEqual(find(per, "Telemetry")?.manifest.spec, {
      accessLogging: [{ providers: [{ name: "envoy" }] }],
    });
    const wide = plan("  observability:\n    accessLogs: {meshWide: true}\n");
    assert.deepEqual(kinds(wide), ["Telemetry/istio-system/mesh-default"]);
  });

  it("an object in a namespace the manifest creates waits for that namespace; one in an existing namespace does not", () => {
    const p = plan(
      "  observability:\n    accessLogs: {namespaces: [a, b]}\n  namespaces: [{name: a, create: true}, {name: b}]\n",
    );
    assert.deepEqual(
      p.objects.map((o) => [o.manifest.metadata.namespace, o.dependsOn]),
      [
        ["a", ["istiod", "namespace/a"]],
        ["b", ["istiod"]],
      ],
    );
  });

  it("monitors: AUTO follows the CRDs, ON always, OFF never", () => {
    const body = (mode: string) =>
      `  observability:\n    metrics: {monitors: ${mode}, labels: {release: prom}, namespace: monitoring}\n`;
    const withCrds = plan(body("AUTO"), { prometheusOperatorCrds: true });
    assert.deepEqual(kinds(withCrds), [
      "ServiceMonitor/monitoring/istiod",
      "PodMonitor/monitoring/istio-proxies",
    ]);
    const sm = find(withCrds, "ServiceMonitor")?.manifest;
    assert.deepEqual(sm?.metadata.labels, { release: "prom", "app.kubernetes.io/managed-by": "planton" });
    assert.deepEqual((sm?.spec as { endpoints?: unknown } | undefined)?.endpoints, [
      { port: "http-monitoring", path: "/metrics" },
    ]);
    const pm = find(withCrds, "PodMonitor")?.manifest.spec as { podMetricsEndpoints: unknown };
    assert.deepEqual(pm.podMetricsEndpoints, [{ port: "http-envoy-prom", path: "/stats/prometheus" }]);
    const without = plan(body("AUTO"), { prometheusOperatorCrds: false });
    assert.deepEqual(kinds(without), []);
    assert.match(without.observability?.monitors.reason ?? "", /CRDs are not in the cluster/);
    assert.deepEqual(kinds(plan(body("OFF"), { prometheusOperatorCrds: true })), []);
    assert.equal(plan(body("ON"), { prometheusOperatorCrds: false }).observability?.monitors.create, false);
  });

  it("settling the monitors of a plan made without the cluster gives the plan made with its answer", () => {
    for (const mode of ["AUTO", "ON", "OFF"])
      for (const crds of [true, false]) {
        const body = `  observability:\n    providers:\n${otel}    tracing: {provider: otel}\n    metrics: {monitors: ${mode}}\n    dashboards: {}\n`;
        const { result } = loadMarked(`${header}spec:\n${body}`);
        if (result.kind !== "ok") throw new Error(JSON.stringify(result.diagnostics));
        const settled = settleMonitorsOf(planIstio(result.manifest), result.manifest.spec, crds);
        const planned = planIstio(result.manifest, { prometheusOperatorCrds: crds });
        assert.deepEqual(settled, planned, `monitors: ${mode}, CRDs ${crds ? "present" : "absent"}`);
      }
  });

  it("dashboards: one labelled ConfigMap per official dashboard, valid JSON under 1 MiB", () => {
    const p = plan("  observability:\n    dashboards: {label: grafana=yes, namespace: monitoring}\n");
    const maps = p.objects.filter((o) => o.manifest.kind === "ConfigMap");
    assert.equal(maps.length, istioDashboards.length);
    assert.ok(maps.some((m) => m.manifest.metadata.name === "istio-pilot-dashboard"));
    for (const m of maps) {
      assert.equal(m.manifest.metadata.labels?.grafana, "yes");
      assert.equal(m.manifest.metadata.namespace, "monitoring");
      assert.equal(m.manifest.spec, undefined);
      const size = Buffer.byteLength(JSON.stringify(m.manifest));
      assert.ok(size < 1024 * 1024, `${m.manifest.metadata.name} is ${size} bytes`);
      for (const text of Object.values(m.manifest.data ?? {})) JSON.parse(text);
    }
    const dflt = plan("  observability:\n    dashboards: {}\n").objects[0]?.manifest;
    assert.equal(dflt?.metadata.labels?.grafana_dashboard, "1");
    assert.equal(dflt?.metadata.namespace, "istio-system");
  });
});

/** Every Prometheus query of a dashboard panel (also in nested rows). */
function queries(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(queries);
  if (typeof node !== "object" || node === null) return [];
  const o = node as Record<string, unknown>;
  const own = typeof o.expr === "string" ? [o.expr] : [];
  return [...own, ...Object.values(o).flatMap(queries)];
}

describe("the shipped dashboards", () => {
  it("are the mesh, service, workload, control-plane, performance, Wasm extension and ztunnel ones", () => {
    const titles = istioDashboards.map((d) => (d.dashboard as { title: string }).title).sort();
    assert.deepEqual(titles, [
      "Istio Control Plane Dashboard",
      "Istio Mesh Dashboard",
      "Istio Performance Dashboard",
      "Istio Service Dashboard",
      "Istio Wasm Extension Dashboard",
      "Istio Workload Dashboard",
      "Istio Ztunnel Dashboard",
    ]);
  });

  it("query Istio's metrics in their panels", () => {
    for (const { file, dashboard } of istioDashboards) {
      const q = queries((dashboard as { panels: unknown }).panels);
      assert.ok(q.length > 0, `${file} has no queries`);
      assert.ok(
        q.some((e) => /\b(istio|pilot|envoy|galley|citadel|workload_manager)_[a-z_]+/.test(e)),
        `${file} names no Istio metric`,
      );
    }
  });
});
