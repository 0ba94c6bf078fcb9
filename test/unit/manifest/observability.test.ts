import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadMarked } from "../../helpers/load.js";
import { observabilityCases } from "./observability.testdata.js";

describe("every observability rule has a diagnostic at the offending key", () => {
  for (const c of observabilityCases) {
    it(c.name, () => {
      const { result, line, column } = loadMarked(c.yaml);
      const list = result.kind === "ok" ? result.warnings : result.diagnostics;
      const hit = list.find((d) => d.code === c.code);
      assert.ok(hit, `expected ${c.code}, got ${JSON.stringify(list, null, 1)}`);
      assert.equal(hit.path, c.path);
      assert.equal(hit.severity, c.severity ?? "error");
      assert.deepEqual([hit.line, hit.column], [line, column], `position of ${c.code}`);
      assert.ok(hit.hint !== undefined && hit.hint.length > 0, "every diagnostic carries a hint");
      assert.doesNotMatch(
        JSON.stringify(list),
        /s3cret|`user/,
        "a credential in an address is never repeated",
      );
      assert.equal(result.kind, (c.severity ?? "error") === "error" ? "invalid" : "ok");
    });
  }

  it("a manifest using every part is valid without warnings", () => {
    const { result } = loadMarked(
      `apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesIstio\nmetadata:\n  name: m\nspec:\n  namespaces: [{name: shop}]\n  observability:\n    providers:\n      - {name: otel, kind: OPENTELEMETRY, service: otel.o.svc, port: 4318, protocol: HTTP, path: /v1/traces}\n      - {name: logs, kind: OPENTELEMETRY_LOGS, service: otel.o.svc, port: 4317}\n    tracing: {provider: otel, samplingPercent: 0}\n    accessLogs: {namespaces: [shop], provider: logs}\n    metrics: {labels: {release: prom}}\n    dashboards: {}\n`,
    );
    assert.equal(result.kind, "ok", JSON.stringify(result));
    assert.deepEqual(result.kind === "ok" ? result.warnings : [], []);
  });
});
