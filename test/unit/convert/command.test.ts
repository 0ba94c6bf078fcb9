import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { convertIstioOperator } from "../../../src/convert/index.js";
import type { Json, JsonObject } from "../../../src/convert/source.js";
import { root } from "../../helpers/paths.js";
import { runConvert } from "./helpers.js";

const iop = (spec: string, meta = "metadata:\n  name: mesh\n") =>
  `apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\n${meta}spec:\n${spec}`;

/** Converts an IstioOperator spec given as YAML; fails the test unless it converts. */
function convertSpec(spec: string) {
  const r = convertIstioOperator(parse(iop(spec)) as Json);
  assert.equal(r.kind, "ok");
  if (r.kind !== "ok") throw new Error("unreachable");
  return { spec: r.manifest.spec as JsonObject & Record<string, Json>, notes: r.notes };
}

describe("planton convert: input and exit codes", () => {
  it("reads standard input with -f -", async () => {
    const r = await runConvert({ file: "-" }, iop("  profile: minimal\n"));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^# yaml-language-server: \$schema=/);
    assert.match(r.stdout, /\n {2}name: mesh\n/);
    assert.match(r.stdout, /profile: minimal/);
  });
  it("--name overrides the IstioOperator's name", async () => {
    const r = await runConvert({ file: "-", name: "other-mesh" }, iop("  profile: minimal\n"));
    assert.equal(r.code, 0);
    assert.match(r.stdout, /\n {2}name: other-mesh\n/);
  });
  it("an IstioOperator without a name and no --name is a usage error (exit 2)", async () => {
    const r = await runConvert({ file: "-" }, iop("  profile: minimal\n", ""));
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /has no metadata\.name/);
  });
  it("a missing file: a positioned diagnostic, exit 2", async () => {
    const r = await runConvert({ file: "test/fixtures/istio-operator/nope.yaml" });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nope\.yaml:1:1: error: no such file \[file\.missing\]/);
  });
  it("broken YAML: the diagnostic points at the line, exit 2", async () => {
    const r = await runConvert(
      { file: "-" },
      "apiVersion: install.istio.io/v1alpha1\nkind: [IstioOperator\n",
    );
    assert.equal(r.code, 2);
    assert.match(r.stderr, /<stdin>:\d+:\d+: error: .*\[yaml\.syntax\]/);
  });
  it("aliases that expand without bound, or an anchor inside itself: a positioned yaml.too_large, exit 2", async () => {
    const laughs = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (const [i, name] of ["b", "c", "d", "e", "f", "g"].entries()) {
      const prev = "abcdefg"[i];
      laughs.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    }
    for (const [spec, line] of [
      [`  profile: minimal\n  values:\n${laughs.map((l) => `    ${l}`).join("\n")}\n`, 13],
      ["  profile: minimal\n  values: &v\n    pilot: {env: *v}\n", 8],
    ] as const) {
      const r = await runConvert({ file: "-" }, iop(spec));
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, new RegExp(`^<stdin>:${line}:\\d+: error: .*\\[yaml\\.too_large\\]`, "m"));
      assert.doesNotMatch(r.stderr, /internal error/);
    }
  });
  it("another kind of resource: a diagnostic at kind, exit 2", async () => {
    const r = await runConvert(
      { file: "-" },
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec: {}\n",
    );
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /<stdin>:2:1: error: kind: is "Deployment", not IstioOperator \[convert\.not_istio_operator\]/,
    );
  });
  it("a KubernetesIstio manifest: says so, exit 2", async () => {
    const r = await runConvert({ file: "examples/dev.yaml" });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /examples\/dev\.yaml:4:1: error: kind: is already a KubernetesIstio manifest/);
  });
  it("a map that is not an IstioOperator spec: a diagnostic at the first unknown key, exit 2", async () => {
    const r = await runConvert({ file: "-" }, "profile: default\nreplicas: 3\n");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /<stdin>:2:1: error: replicas: is not an IstioOperator field/);
  });
  it("the wrong apiVersion: exit 2", async () => {
    const r = await runConvert({ file: "-" }, "apiVersion: v1\nkind: IstioOperator\nspec: {}\n");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /<stdin>:1:1: error: apiVersion: is "v1", not install\.istio\.io\/v1alpha1/);
  });
  it("--strict: exit 2 and the list when anything did not map; nothing printed", async () => {
    const r = await runConvert({ file: "test/fixtures/istio-operator/overlays.yaml", strict: true });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /not converted: spec\.components\.pilot\.k8s\.overlays\[0\]: /);
    assert.match(r.stderr, /2 settings of .*overlays\.yaml did not map \(--strict\)/);
  });
  it("--strict: exit 0 when everything mapped (changed forms are fine)", async () => {
    const r = await runConvert({ file: "test/fixtures/istio-operator/production.yaml", strict: true });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /mode: STRICT/);
  });
  it("-o json: the manifest as JSON, notes on standard error", async () => {
    const r = await runConvert({ file: "test/fixtures/istio-operator/overlays.yaml", output: "json" });
    assert.equal(r.code, 0);
    const manifest = JSON.parse(r.stdout);
    assert.equal(manifest.kind, "KubernetesIstio");
    assert.equal(manifest.metadata.name, "patched-mesh");
    assert.match(r.stderr, /^not converted: spec\.components\.ingressGateways\[0\]\.k8s\.overlays\[0\]: /m);
  });
  it("yaml output says on standard error how many settings did not map", async () => {
    const r = await runConvert({ file: "test/fixtures/istio-operator/legacy.yaml" });
    assert.equal(r.code, 0);
    assert.match(r.stderr, /^\d+ settings did not map; the manifest's header lists them\n$/);
  });
  it("a value planton refuses makes the output invalid: printed, diagnostics, exit 2", async () => {
    const r = await runConvert(
      { file: "-" },
      iop(
        "  components:\n    pilot:\n      k8s:\n        resources:\n          requests:\n            cpu: 2 cores\n",
      ),
    );
    assert.equal(r.code, 2);
    assert.match(r.stdout, /cpu: 2 cores/);
    assert.match(r.stderr, /the converted manifest does not validate/);
    assert.match(
      r.stderr,
      /\(converted, as printed\):\d+:\d+: error: spec\.controlPlane\.resources\.requests\.cpu/,
    );
  });
  it("the header's comments cannot be broken by the input: control characters are escaped", async () => {
    const r = await runConvert({ file: "-" }, iop('  values:\n    pilot:\n      "bad\\nkey": 1\n'));
    assert.equal(r.code, 0);
    assert.match(r.stdout, /spec\.values\.pilot\.bad\\nkey: 1: the istiod chart/);
  });
});

describe("convertIstioOperator: mapping rules", () => {
  it("an IstioOperator without metadata, or a bare spec, converts with a name given", () => {
    const a = convertIstioOperator(
      { apiVersion: "install.istio.io/v1alpha1", kind: "IstioOperator" },
      { name: "x" },
    );
    assert.equal(a.kind, "ok");
    const b = convertIstioOperator({ profile: "minimal" }, { name: "x" });
    assert.equal(b.kind, "ok");
    assert.equal(b.kind === "ok" ? (b.manifest.spec as JsonObject).profile : "", "minimal");
  });
  it("an empty profile is default, with its ingress gateway made explicit in the control-plane namespace", () => {
    const { spec, notes } = convertSpec("  namespace: mesh\n");
    assert.equal(spec.profile, "default");
    assert.deepEqual(spec.ingressGateways, [{ name: "istio-ingressgateway", namespace: "mesh" }]);
    assert.ok(notes.some((n) => n.kind === "changed" && /made explicit/.test(n.message)));
  });
  it("disabling the profile's only ingress gateway writes `ingressGateways: []`", () => {
    const { spec } = convertSpec(
      "  components:\n    ingressGateways:\n      - name: istio-ingressgateway\n        enabled: false\n",
    );
    assert.deepEqual(spec.ingressGateways, []);
  });
  it("values.global.istioNamespace is the namespace when spec.namespace is unset", () => {
    const { spec } = convertSpec(
      "  profile: minimal\n  values:\n    global:\n      istioNamespace: mesh-cp\n",
    );
    assert.equal(spec.namespace, "mesh-cp");
  });
  it("a replicaCount next to istiod's autoscaler becomes replicas, with a note", () => {
    const { spec, notes } = convertSpec(
      "  profile: minimal\n  components:\n    pilot:\n      k8s:\n        replicaCount: 2\n",
    );
    assert.deepEqual(spec.controlPlane, { replicas: 2 });
    assert.ok(notes.some((n) => n.path === "spec.components.pilot.k8s.replicaCount" && n.kind === "changed"));
  });
  it("an hpaSpec in the autoscaling/v2beta1 form", () => {
    const { spec } = convertSpec(
      "  profile: minimal\n  components:\n    pilot:\n      k8s:\n        hpaSpec:\n          maxReplicas: 4\n          metrics:\n            - type: Resource\n              resource:\n                name: cpu\n                targetAverageUtilization: 60\n",
    );
    assert.deepEqual(spec.controlPlane, {
      autoscaling: { maxReplicas: 4, targetCpuUtilizationPercentage: 60 },
    });
  });
  it("a memory autoscaling metric is reported, not converted", () => {
    const { notes } = convertSpec(
      "  profile: minimal\n  components:\n    pilot:\n      k8s:\n        hpaSpec:\n          metrics:\n            - type: Resource\n              resource:\n                name: memory\n",
    );
    assert.ok(
      notes.some((n) => n.kind === "dropped" && n.path === "spec.components.pilot.k8s.hpaSpec.metrics[0]"),
    );
  });
  it("a plain version tag becomes spec.version; other tags are images.tag", () => {
    assert.equal(convertSpec("  profile: minimal\n  tag: 1.29.6\n").spec.version, "1.29.6");
    assert.deepEqual(convertSpec("  profile: minimal\n  tag: 1.30.3-distroless\n").spec.images, {
      tag: "1.30.3-distroless",
    });
  });
  it("a revision without a version gets planton's default version", () => {
    const { spec } = convertSpec("  profile: minimal\n  revision: canary\n");
    assert.deepEqual(spec.revisions, [{ name: "canary", version: "1.30.3" }]);
    assert.equal(spec.version, undefined);
  });
  it("meshConfig fields outside planton's go to the istiod chart's meshConfig", () => {
    const { spec } = convertSpec(
      '  profile: minimal\n  meshConfig:\n    accessLogFile: /dev/stdout\n    enablePrometheusMerge: false\n    defaultConfig:\n      tracing:\n        sampling: 5\n      proxyMetadata:\n        ISTIO_META_DNS_CAPTURE: "true"\n',
    );
    assert.deepEqual(spec.meshConfig, { accessLogFile: "/dev/stdout", tracingSamplingPercent: 5 });
    assert.deepEqual((spec.helmValues as JsonObject).istiod, {
      meshConfig: {
        enablePrometheusMerge: false,
        defaultConfig: { proxyMetadata: { ISTIO_META_DNS_CAPTURE: "true" } },
      },
    });
  });
  it("spec.meshConfig wins over the obsolete global form", () => {
    const { spec } = convertSpec(
      "  profile: minimal\n  meshConfig:\n    accessLogFile: /var/log/a\n  values:\n    global:\n      proxy:\n        accessLogFile: /dev/stdout\n",
    );
    assert.deepEqual(spec.meshConfig, { accessLogFile: "/var/log/a" });
  });
  it("ztunnel or CNI off under ambient, and ztunnel without ambient, are reported", () => {
    const { notes } = convertSpec(
      "  profile: ambient\n  components:\n    cni:\n      enabled: false\n    ztunnel:\n      enabled: false\n",
    );
    assert.equal(notes.filter((n) => n.kind === "dropped").length, 2);
    const other = convertSpec("  profile: minimal\n  components:\n    ztunnel:\n      enabled: true\n");
    assert.ok(other.notes.some((n) => n.path === "spec.components.ztunnel.enabled" && n.kind === "dropped"));
  });
  it("an unknown profile falls back to default with a note", () => {
    const { spec, notes } = convertSpec("  profile: my-company\n");
    assert.equal(spec.profile, "default");
    assert.ok(notes.some((n) => n.path === "spec.profile" && n.kind === "dropped"));
  });
  it("nothing in the input is lost silently: every leaf is converted or noted", () => {
    const text = readFileSync(`${root}/test/fixtures/istio-operator/legacy.yaml`, "utf8");
    const r = convertIstioOperator(parse(text) as Json);
    assert.equal(r.kind, "ok");
    if (r.kind !== "ok") return;
    const noted = r.notes.map((n) => n.path);
    for (const p of ["spec.values.kiali", "spec.values.prometheus", "spec.components.telemetry"])
      assert.ok(noted.includes(p), p);
    // turning off what no longer exists says nothing: no note
    for (const p of ["spec.components.policy", "spec.values.mixer"]) assert.ok(!noted.includes(p), p);
  });
});

describe("planton convert: names", () => {
  it("an IstioOperator name that is not a DNS-1123 label: a usage error suggesting --name", async () => {
    const r = await runConvert({ file: "-" }, iop("  profile: minimal\n", "metadata:\n  name: My_Mesh\n"));
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /the IstioOperator's name "My_Mesh" cannot name a manifest/);
    const e = convertIstioOperator(
      parse(iop("  profile: minimal\n", "metadata:\n  name: My_Mesh\n")) as Json,
    );
    assert.deepEqual(e, { kind: "bad_name", name: "My_Mesh", suggestion: "my-mesh" });
  });
  it("a --name that is not a DNS-1123 label: the converted manifest's diagnostic, exit 2", async () => {
    const r = await runConvert({ file: "-", name: "Bad Name" }, iop("  profile: minimal\n"));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /metadata\.name/);
  });
});

describe("convertIstioOperator: overlays of every component are listed with their paths", () => {
  it("base, pilot, cni, ztunnel and gateway overlays", () => {
    const overlay =
      "        overlays:\n          - kind: Deployment\n            name: x\n            patches: []\n";
    const { notes } = convertSpec(
      `  profile: ambient\n  components:\n    base:\n      k8s:\n${overlay}    pilot:\n      k8s:\n${overlay}    cni:\n      k8s:\n${overlay}    ztunnel:\n      k8s:\n${overlay}    ingressGateways:\n      - name: gw\n        k8s:\n  ${overlay.replace(/\n(?=.)/g, "\n  ")}`,
    );
    const paths = notes.filter((n) => /overlay patching Deployment\/x/.test(n.message)).map((n) => n.path);
    assert.deepEqual(paths, [
      "spec.components.base.k8s.overlays[0]",
      "spec.components.cni.k8s.overlays[0]",
      "spec.components.ingressGateways[0].k8s.overlays[0]",
      "spec.components.pilot.k8s.overlays[0]",
      "spec.components.ztunnel.k8s.overlays[0]",
    ]);
  });
});
