/**
 * `metrics.monitors` against the cluster, through `planton preview` with a stand-in API and
 * engine: ON without the Prometheus Operator's CRDs stops the command (exit 1) before the
 * engine runs; with them, or with AUTO, the preview goes on.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runOnStandIns } from "../../helpers/engine-fixture.js";
import type { FakeObject } from "../../helpers/fake-kube.js";
import { header } from "../../helpers/load.js";

const dir = mkdtempSync(join(tmpdir(), "planton-monitors-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const crd = (name: string): FakeObject => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name },
});
const crds = [crd("servicemonitors.monitoring.coreos.com"), crd("podmonitors.monitoring.coreos.com")];

async function preview(mode: string, objects: FakeObject[], more = "") {
  const file = join(dir, `${mode}${more.length}.yaml`);
  writeFileSync(
    file,
    `${header}spec:\n  profile: minimal\n  observability:\n    metrics: {monitors: ${mode}, labels: {release: prom}}\n${more}`,
  );
  return runOnStandIns(["preview", "-f", file], objects);
}

describe("monitors against the cluster's CRDs", () => {
  it("ON without the CRDs: exit 1, what to install, no engine run", async () => {
    const r = await preview("ON", [crds[0] as FakeObject]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /monitors is ON, but the Prometheus Operator's CRDs .* are not in context "test-ctx"/,
    );
    assert.match(r.stderr, /hint: install the Prometheus Operator/);
    assert.ok(!r.commands.includes("preview"), r.commands.join(" "));
  });
  it("ON with the CRDs, and AUTO without them: the preview runs", async () => {
    for (const [mode, objects] of [
      ["ON", crds],
      ["AUTO", []],
    ] as const) {
      const r = await preview(mode, [...objects]);
      assert.equal(r.code, 0, `${mode}: ${r.stderr}`);
      assert.ok(r.commands.includes("preview"), r.commands.join(" "));
    }
  });
});

describe("access logs against the cluster's namespaces", () => {
  const logs = "    accessLogs: {namespaces: [shop]}\n";
  const ns = (name: string): FakeObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
  it("a namespace that does not exist and is not created: exit 1 naming it, no engine run", async () => {
    const r = await preview("OFF", [], logs);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /accessLogs\.namespaces: shop does not exist in context "test-ctx"/);
    assert.match(
      r.stderr,
      /hint: create the namespace first, or list it under spec\.namespaces with create: true/,
    );
    assert.ok(!r.commands.includes("preview"), r.commands.join(" "));
  });
  it("a namespace that exists, or one the manifest creates: the preview runs", async () => {
    const exists = await preview("OFF", [ns("shop")], logs);
    assert.equal(exists.code, 0, exists.stderr);
    const created = await preview("OFF", [], `${logs}  namespaces:\n    - {name: shop, create: true}\n`);
    assert.equal(created.code, 0, created.stderr);
  });
});

describe("waypoints against the cluster's Gateway API CRDs", () => {
  const ambient = (gatewayApi: string) =>
    `${header}spec:\n  profile: ambient\n${gatewayApi}  namespaces:\n    - {name: shop, injection: AMBIENT, create: true, waypoint: {}}\n`;
  const run = (name: string, yaml: string, objects: FakeObject[]) => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, yaml);
    return runOnStandIns(["preview", "-f", file], objects);
  };
  it("gatewayApi.install false and no Gateway CRD: exit 1 naming the waypoint, no engine run", async () => {
    const r = await run("no-crds", ambient("  gatewayApi: {install: false}\n"), []);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /the manifest has waypoints \(shop\/waypoint\), but context "test-ctx" has no Gateway API CRDs/,
    );
    assert.ok(!r.commands.includes("preview"), r.commands.join(" "));
  });
  it("the CRD installed by someone else, or planton installing them: the preview runs", async () => {
    const other = await run("other", ambient("  gatewayApi: {install: false}\n"), [
      {
        ...crd("gateways.gateway.networking.k8s.io"),
        spec: { group: "gateway.networking.k8s.io" },
      } as FakeObject,
    ]);
    assert.equal(other.code, 0, other.stderr);
    const installs = await run("installs", ambient(""), []);
    assert.equal(installs.code, 0, installs.stderr);
  });
});
