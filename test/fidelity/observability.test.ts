/**
 * spec.observability through the real charts and CRDs: the mesh config istiod's chart renders
 * holds planton's extension providers exactly (and keeps Prometheus metrics on); every
 * Telemetry is valid against the base chart's Telemetry CRD, and the ServiceMonitor and
 * PodMonitor against the Prometheus Operator's CRDs (scripts/fetch-prometheus-operator-crds.mjs).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { planIstio } from "../../src/istio/plan.js";
import type { InstallPlan, PlannedObject } from "../../src/istio/types.js";
import { loadManifest } from "../../src/manifest/load.js";
import { root } from "../helpers/paths.js";
import { find, type K8sObject, renderComponent, useChartRepository } from "./helm.js";

const charts = useChartRepository();

function plan(version: string): InstallPlan {
  const r = loadManifest({
    file: join(root, "examples", "observability.yaml"),
    overrides: [`spec.version=${version}`, "spec.charts.repository=http://127.0.0.1:1"],
  });
  if (r.kind !== "ok") throw new Error(JSON.stringify(r.diagnostics));
  // a provider of each kind, so every shape of extensionProviders goes through the chart
  r.manifest.spec.observability?.providers.push(
    ...[
      {
        name: "otlp-http",
        kind: "OPENTELEMETRY",
        service: "c.o.svc",
        port: 4318,
        protocol: "HTTP",
        path: "/v1/traces",
      },
      { name: "zipkin", kind: "ZIPKIN", service: "zipkin.tracing.svc", port: 9411, protocol: "", path: "" },
      { name: "logs", kind: "OPENTELEMETRY_LOGS", service: "c.o.svc", port: 4317, protocol: "", path: "" },
    ].map((p) => ({
      $typeName: "planton.kubernetes.istio.v1.KubernetesIstioTelemetryProvider" as const,
      ...p,
    })),
  );
  return planIstio(r.manifest, { prometheusOperatorCrds: true });
}

const render = (p: InstallPlan, component: string) => renderComponent(charts, p, component);

/** A validator of a CRD's served version's schema (Kubernetes' own keywords ignored). */
function crdValidator(crd: K8sObject, version: string) {
  const v = crd.spec.versions.find((x: { name: string }) => x.name === version);
  assert.ok(v, `${crd.metadata.name} has no version ${version}`);
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  return ajv.compile(v.schema.openAPIV3Schema);
}

function assertValid(crd: K8sObject, o: PlannedObject): void {
  const validate = crdValidator(crd, o.manifest.apiVersion.split("/")[1] ?? "");
  assert.ok(validate(o.manifest), `${o.id}: ${JSON.stringify(validate.errors)}`);
}

const objectsOf = (p: InstallPlan, kind: string) => p.objects.filter((o) => o.manifest.kind === kind);

describe("spec.observability through the real charts and CRDs", () => {
  for (const version of ["1.29.6", "1.30.3"]) {
    it(`istiod ${version} renders the providers into the mesh config exactly, metrics still on`, async () => {
      const p = plan(version);
      const mesh = parse(find(await render(p, "istiod"), "ConfigMap", "istio").data.mesh);
      const values = p.releases.find((r) => r.component === "istiod")?.values;
      const planned = (values?.meshConfig as { extensionProviders?: unknown[] } | undefined)
        ?.extensionProviders;
      assert.equal(planned?.length, 4);
      assert.deepEqual(mesh.extensionProviders, planned);
      assert.deepEqual(mesh.defaultProviders, { metrics: ["prometheus"] });
    });

    it(`every Telemetry is valid against base ${version}'s CRD; a broken one is not`, async () => {
      const p = plan(version);
      const crd = find(await render(p, "base"), "CustomResourceDefinition", "telemetries.telemetry.istio.io");
      const telemetries = objectsOf(p, "Telemetry");
      assert.equal(telemetries.length, 2);
      for (const t of telemetries) assertValid(crd, t);
      const broken = structuredClone(telemetries[0] as PlannedObject);
      const tracing = (broken.manifest.spec as { tracing: { randomSamplingPercentage: unknown }[] }).tracing;
      tracing[0] = { ...tracing[0], randomSamplingPercentage: "1%" };
      assert.equal(crdValidator(crd, "v1")(broken.manifest), false);
    });
  }

  it("the ServiceMonitor and PodMonitor are valid against the Prometheus Operator's CRDs", () => {
    const r = spawnSync(process.execPath, [join(root, "scripts", "fetch-prometheus-operator-crds.mjs")], {
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    const dir = r.stdout.trim();
    const p = plan("1.30.3");
    for (const [kind, file] of [
      ["ServiceMonitor", "monitoring.coreos.com_servicemonitors.yaml"],
      ["PodMonitor", "monitoring.coreos.com_podmonitors.yaml"],
    ] as const) {
      const crd = parse(readFileSync(join(dir, file), "utf8")) as K8sObject;
      const [o, ...rest] = objectsOf(p, kind);
      assert.ok(o && rest.length === 0, kind);
      assertValid(crd, o);
      const broken = structuredClone(o);
      (broken.manifest.spec as Record<string, unknown>).namespaceSelector = { any: "yes" };
      assert.equal(crdValidator(crd, "v1")(broken.manifest), false, `${kind}: a wrong type is refused`);
    }
  });
});
