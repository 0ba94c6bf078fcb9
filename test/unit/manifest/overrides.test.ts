import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UsageError } from "../../../src/errors.js";
import { header, loadMarked } from "../../helpers/load.js";

const load = (yaml: string, sets: string[]) => {
  const { result } = loadMarked(yaml, sets);
  assert.equal(result.kind, "ok", JSON.stringify(result.kind === "invalid" ? result.diagnostics : []));
  if (result.kind !== "ok") throw new Error("unreachable");
  return result.manifest.spec;
};

describe("--set overrides", () => {
  it("sets a new nested field with a typed value", () => {
    const spec = load(`${header}spec: {}\n`, ["spec.controlPlane.replicas=3", "spec.version=1.29.6"]);
    assert.equal(spec.controlPlane?.replicas, 3);
    assert.equal(spec.version, "1.29.6");
  });
  it("replaces a field written in the other spelling instead of adding a second key", () => {
    const spec = load(`${header}spec:\n  create_namespace: true\n`, ["spec.createNamespace=false"]);
    assert.equal(spec.createNamespace, false);
  });
  it("reaches into list items and appends at the end", () => {
    const spec = load(`${header}spec:\n  ingressGateways:\n    - name: a\n`, [
      "spec.ingressGateways[0].replicas=2",
      "spec.ingressGateways[1].name=b",
    ]);
    assert.deepEqual(
      spec.ingressGateways.map((g) => [g.name, g.replicas]),
      [
        ["a", 2],
        ["b", undefined],
      ],
    );
  });
  it("an empty value unsets the field", () => {
    const spec = load(`${header}spec:\n  profile: demo\n`, ["spec.profile="]);
    assert.equal(spec.profile, "default");
  });
  for (const bad of [
    "spec.version",
    "=3",
    "spec..x=1",
    "spec.ingressGateways[5].name=x",
    "spec.x=[unclosed",
  ]) {
    it(`rejects ${JSON.stringify(bad)} as a usage error`, () => {
      assert.throws(() => loadMarked(`${header}spec:\n  ingressGateways: []\n`, [bad]), UsageError);
    });
  }
});
