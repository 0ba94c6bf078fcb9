import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { loadManifest } from "../../../src/manifest/load.js";
import { runConvert } from "./helpers.js";

const iop = (spec: string) =>
  `apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: mesh\nspec:\n${spec}`;

/** Converts the spec; the converted manifest's spec, which must load without warnings. */
async function convert(spec: string) {
  const r = await runConvert({ file: "-" }, iop(spec));
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const loaded = loadManifest({ file: "-", readStdin: () => Buffer.from(r.stdout) });
  assert.equal(loaded.kind, "ok", r.stdout);
  assert.deepEqual(loaded.kind === "ok" ? loaded.warnings : [], [], r.stdout);
  // biome-ignore lint/suspicious/noExplicitAny: the manifest is free-form here
  return (parse(r.stdout) as any).spec;
}

const providers = `    extensionProviders:
      - name: otel
        opentelemetry: {service: otel.o.svc.cluster.local, port: 4317}
      - name: otlp
        opentelemetry: {service: c.o.svc, port: 4318, http: {path: /v1/traces}}
      - name: zipkin
        zipkin: {service: zipkin.t.svc, port: 9411}
      - name: als
        envoyOtelAls: {service: c.o.svc, port: 4317}
`;

describe("convert maps the mesh config's providers into spec.observability", () => {
  it("extensionProviders, defaultProviders, enableTracing and the sampling", async () => {
    const spec = await convert(
      `  meshConfig:\n    enableTracing: true\n    defaultConfig: {tracing: {sampling: 5}}\n${providers}    defaultProviders:\n      tracing: [otel]\n      accessLogging: [envoy]\n      metrics: [prometheus]\n`,
    );
    assert.deepEqual(spec.observability, {
      providers: [
        { name: "otel", kind: "OPENTELEMETRY", service: "otel.o.svc.cluster.local", port: 4317 },
        {
          name: "otlp",
          kind: "OPENTELEMETRY",
          service: "c.o.svc",
          port: 4318,
          protocol: "HTTP",
          path: "/v1/traces",
        },
        { name: "zipkin", kind: "ZIPKIN", service: "zipkin.t.svc", port: 9411 },
        { name: "als", kind: "OPENTELEMETRY_LOGS", service: "c.o.svc", port: 4317 },
      ],
      tracing: { provider: "otel", samplingPercent: 5 },
      accessLogs: { meshWide: true, provider: "envoy" },
    });
    assert.equal(spec.meshConfig, undefined);
    assert.equal(spec.helmValues, undefined);
  });

  it("a provider planton cannot express keeps the whole list (and defaultProviders) in the chart's meshConfig", async () => {
    const spec = await convert(
      `  meshConfig:\n${providers}      - name: sky\n        skywalking: {service: sky.svc, port: 11800}\n    defaultProviders: {tracing: [sky], metrics: [prometheus]}\n`,
    );
    assert.equal(spec.observability, undefined);
    assert.equal(spec.helmValues.istiod.meshConfig.extensionProviders.length, 5);
    assert.deepEqual(spec.helmValues.istiod.meshConfig.defaultProviders, {
      tracing: ["sky"],
      metrics: ["prometheus"],
    });
  });
});
