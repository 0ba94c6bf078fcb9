import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { planIstio } from "../../../src/istio/plan.js";
import { loadManifest } from "../../../src/manifest/load.js";
import { runConvert } from "./helpers.js";

/** An IstioOperator named `mesh` with the given spec lines (indented two spaces). */
const iop = (spec: string) =>
  `apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: mesh\nspec:\n${spec}`;

/** Runs `planton convert -f -` on the spec; the converted manifest's spec and its header. */
async function convert(spec: string) {
  const r = await runConvert({ file: "-" }, iop(spec));
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const header = r.stdout
    .split("\n")
    .filter((l) => l.startsWith("#"))
    .join("\n")
    .replaceAll(/\n# {5}/g, " "); // one line per note
  const loaded = loadManifest({ file: "-", readStdin: () => Buffer.from(r.stdout) });
  assert.equal(loaded.kind, "ok", r.stdout);
  const plan = loaded.kind === "ok" ? planIstio(loaded.manifest) : undefined;
  // biome-ignore lint/suspicious/noExplicitAny: the manifest is free-form here
  return { spec: (parse(r.stdout) as any).spec, header, plan };
}

/** The values planton gives one release of the converted manifest's plan. */
// biome-ignore lint/suspicious/noExplicitAny: Helm values are free-form
const valuesOf = (plan: ReturnType<typeof planIstio> | undefined, name: string): any =>
  plan?.releases.find((r) => r.name === name)?.values;

describe("convert reads an IstioOperator as istioctl does (YAML 1.1)", () => {
  it("plain yes/no/on/off/y/n in any case istioctl accepts are booleans", async () => {
    for (const [word, value] of [
      ["off", false],
      ["Off", false],
      ["NO", false],
      ["n", false],
      ["on", true],
      ["Yes", true],
      ["Y", true],
    ] as const) {
      const { spec } = await convert(
        `  profile: minimal\n  components:\n    cni:\n      enabled: ${word}\n  values:\n    pilot:\n      env:\n        X: "${word}"\n    sidecarInjectorWebhook:\n      rewriteAppHTTPProbe: ${word}\n`,
      );
      assert.equal(spec.cni?.enabled === true, value, `enabled: ${word}`);
      assert.equal(spec.helmValues.istiod.sidecarInjectorWebhook.rewriteAppHTTPProbe, value, word);
      assert.equal(spec.helmValues.istiod.pilot.env.X, word, "a quoted word stays text");
    }
  });
});

describe("convert applies spec.values over the typed fields, as istioctl merges them", () => {
  it("values.global.hub/tag and values.meshConfig win; the typed values are listed as not converted", async () => {
    const { spec, header } = await convert(
      [
        "  hub: typed.example.com/istio",
        "  tag: 1.29.6",
        "  namespace: typed-system",
        "  meshConfig:",
        "    accessLogFile: /dev/stdout",
        "    outboundTrafficPolicy:",
        "      mode: ALLOW_ANY",
        "    enableTracing: true",
        "  values:",
        "    global:",
        "      hub: values.example.com/istio",
        "      tag: 1.30.3",
        "      istioNamespace: mesh-system",
        "    meshConfig:",
        "      accessLogFile: /var/log/access.log",
        "      outboundTrafficPolicy:",
        "        mode: REGISTRY_ONLY",
        "",
      ].join("\n"),
    );
    assert.equal(spec.images.hub, "values.example.com/istio");
    assert.equal(spec.version, "1.30.3");
    assert.equal(spec.namespace, "mesh-system");
    assert.equal(spec.meshConfig.accessLogFile, "/var/log/access.log");
    assert.equal(spec.meshConfig.outboundTrafficPolicy, "REGISTRY_ONLY");
    assert.equal(
      spec.helmValues.istiod.meshConfig.enableTracing,
      true,
      "typed settings values leaves alone stay",
    );
    for (const path of [
      "spec.hub",
      "spec.tag",
      "spec.namespace",
      "spec.meshConfig.accessLogFile",
      "spec.meshConfig.outboundTrafficPolicy.mode",
    ])
      assert.match(
        header,
        new RegExp(`^# {3}${path.replaceAll(".", "\\.")}: .*is applied over it`, "m"),
        path,
      );
  });

  it("a component's own hub and tag win over values.pilot.hub/tag, as istioctl sets them last", async () => {
    const { spec, header } = await convert(
      "  profile: minimal\n  components:\n    pilot:\n      hub: own.example.com\n      tag: own-tag\n  values:\n    pilot:\n      hub: values.example.com\n      tag: values-tag\n",
    );
    assert.deepEqual(
      [spec.helmValues.istiod.pilot.hub, spec.helmValues.istiod.pilot.tag],
      ["own.example.com", "own-tag"],
    );
    assert.match(
      header,
      /^# {3}spec\.values\.pilot\.hub: "values\.example\.com": spec\.components\.pilot\.hub/m,
    );
  });

  it("an explicitly empty accessLogFile stays empty over the demo profile's access log", async () => {
    for (const where of ["meshConfig", "values:\n    meshConfig"]) {
      const { plan, header } = await convert(
        `  profile: demo\n  ${where}:\n${where === "meshConfig" ? "    " : "      "}accessLogFile: ""\n`,
      );
      assert.equal(valuesOf(plan, "istiod").meshConfig.accessLogFile, "", where);
      assert.match(header, /Everything in the IstioOperator was converted/);
    }
  });
});

describe("convert gives every gateway what istioctl gives it", () => {
  it("values.gateways.istio-egressgateway reaches every egress gateway, whatever its name", async () => {
    const { plan, header } = await convert(
      [
        "  profile: minimal",
        "  components:",
        "    egressGateways:",
        "      - name: istio-egressgateway",
        "        enabled: true",
        "      - name: egress-b",
        "        enabled: true",
        "        namespace: egress-b",
        "  values:",
        "    gateways:",
        "      istio-egressgateway:",
        "        autoscaleEnabled: false",
        "        resources:",
        "          requests:",
        "            cpu: 50m",
        "",
      ].join("\n"),
    );
    for (const name of ["istio-egressgateway", "egress-b"]) {
      const v = valuesOf(plan, name);
      assert.deepEqual(v.autoscaling, { enabled: false }, name);
      assert.equal(v.replicaCount, 1, name);
      assert.equal(v.resources.requests.cpu, "50m", name);
    }
    assert.match(header, /Everything in the IstioOperator was converted/);
  });

  it("the demo profile's gateways keep istioctl's demo ports (31400 and 15443 too), one replica, small requests", async () => {
    const { plan } = await convert(
      "  profile: demo\n  components:\n    ingressGateways:\n      - name: istio-ingressgateway\n        enabled: true\n      - name: second-ingress\n        enabled: true\n",
    );
    for (const name of ["istio-ingressgateway", "second-ingress"]) {
      const ports = valuesOf(plan, name).service.ports.map(
        (p: { port: number; targetPort: number }) => `${p.port}→${p.targetPort}`,
      );
      assert.deepEqual(ports, ["15021→15021", "80→8080", "443→8443", "31400→31400", "15443→15443"], name);
      // the demo profile's gateway values: no autoscaler, small requests
      assert.deepEqual(valuesOf(plan, name).autoscaling, { enabled: false }, name);
      assert.equal(valuesOf(plan, name).replicaCount, 1, name);
      assert.deepEqual(valuesOf(plan, name).resources.requests, { cpu: "10m", memory: "40Mi" }, name);
    }
  });
});

describe("convert installs the gateways istioctl installs", () => {
  const names = (plan: ReturnType<typeof planIstio> | undefined) =>
    plan?.mesh.gateways.map((g) => `${g.direction} ${g.name}`);

  it("a gateway list replaces the profile's: the default profile's istio-ingressgateway is not added", async () => {
    const { plan } = await convert(
      "  components:\n    ingressGateways:\n      - name: internal\n        enabled: true\n",
    );
    assert.deepEqual(names(plan), ["ingress internal"]);
  });

  it("values.gateways.istio-egressgateway.enabled: true installs the built-in one, and listed ones even when disabled", async () => {
    const builtIn = await convert(
      "  profile: minimal\n  values:\n    gateways:\n      istio-egressgateway:\n        enabled: true\n",
    );
    assert.deepEqual(names(builtIn.plan), ["egress istio-egressgateway"]);
    const listed = await convert(
      "  profile: minimal\n  components:\n    egressGateways:\n      - name: egress-a\n        enabled: false\n  values:\n    gateways:\n      istio-egressgateway:\n        enabled: on\n",
    );
    assert.deepEqual(names(listed.plan), ["egress egress-a"]);
  });
});

describe("the header names only paths the input has, and no no-ops", () => {
  it("no profile set: the implied default profile's gateway is not put on spec.profile", async () => {
    const { header } = await convert("  hub: registry.example.com/istio\n");
    assert.doesNotMatch(header, /spec\.profile/);
    assert.match(header, /^# {3}spec: the default profile's istio-ingressgateway made explicit/m);
  });

  it("autoscaling from values.pilot.autoscale* is named there, not as components.pilot.k8s.hpaSpec", async () => {
    const { header } = await convert(
      "  profile: minimal\n  values:\n    pilot:\n      autoscaleEnabled: false\n      autoscaleMin: 2\n      autoscaleMax: 4\n      replicaCount: 2\n",
    );
    assert.doesNotMatch(header, /hpaSpec/);
    assert.match(header, /^# {3}spec\.values\.pilot\.autoscaleMin: autoscaling settings unused/m);
    assert.match(header, /^# {3}spec\.values\.pilot\.autoscaleMax: autoscaling settings unused/m);
  });

  it("turning off what Istio removed (Mixer, add-ons) is no setting at all", async () => {
    const { header } = await convert(
      "  profile: minimal\n  addonComponents:\n    grafana:\n      enabled: false\n  components:\n    policy:\n      enabled: false\n  values:\n    mixer:\n      policy:\n        enabled: false\n    kiali:\n      enabled: false\n    telemetry:\n      v1:\n        enabled: false\n",
    );
    assert.match(header, /Everything in the IstioOperator was converted/);
  });

  it("settings of a chart not installed name the section they came from", async () => {
    const { header } = await convert("  profile: minimal\n  values:\n    ztunnel:\n      logLevel: debug\n");
    assert.match(header, /^# {3}spec\.values\.ztunnel: ztunnel settings \(logLevel\)/m);
    assert.doesNotMatch(header, /components\.ztunnel/);
  });

  it("values.gateways.<another name> is named as what istioctl ignores", async () => {
    const { header } = await convert(
      "  profile: minimal\n  values:\n    gateways:\n      my-gateway:\n        replicaCount: 2\n",
    );
    assert.match(
      header,
      /^# {3}spec\.values\.gateways\.my-gateway\.replicaCount: 2: istioctl renders gateways from/m,
    );
  });

  it("components.istiodRemote.enabled: false is no setting at all", async () => {
    const { header } = await convert(
      "  profile: minimal\n  components:\n    istiodRemote:\n      enabled: false\n",
    );
    assert.match(header, /Everything in the IstioOperator was converted/);
    assert.doesNotMatch(header, /istiodRemote/);
  });
});

describe("profile: remote becomes planton's profile: remote with multiCluster.primary", () => {
  it("remotePilotAddress and injectionPath map; the injector path planton renders is the IstioOperator's", async () => {
    const { spec, header, plan } = await convert(
      [
        "  profile: remote",
        "  values:",
        "    istiodRemote:",
        "      injectionPath: /inject/cluster/cluster2/net/network1",
        "    global:",
        "      remotePilotAddress: 192.0.2.10",
        "      meshID: mesh1",
        "",
      ].join("\n"),
    );
    assert.equal(spec.profile, "remote");
    assert.deepEqual(spec.multiCluster, {
      meshId: "mesh1",
      clusterName: "cluster2",
      network: "network1",
      primary: { clusterName: "PRIMARY-CLUSTER-NAME", address: "192.0.2.10" },
    });
    const istiod = valuesOf(plan, "istiod");
    assert.equal(istiod.istiodRemote.injectionPath, "/inject/cluster/cluster2/net/network1");
    assert.equal(istiod.global.remotePilotAddress, "192.0.2.10");
    assert.doesNotMatch(header, /no planton equivalent/);
    assert.match(
      header,
      /^# {3}spec\.profile: multiCluster\.primary\.clusterName written as the placeholder PRIMARY-CLUSTER-NAME: an IstioOperator does not name the primary cluster/m,
    );
  });

  it("settings the primary's istiod decides are left out with a note, so the manifest validates", async () => {
    const { spec, header } = await convert(
      [
        "  meshConfig:",
        "    accessLogFile: /dev/stdout",
        "  values:",
        "    profile: remote",
        "    global:",
        "      remotePilotAddress: istiod.primary.example.com",
        "      multiCluster:",
        "        clusterName: west",
        "",
      ].join("\n"),
    );
    assert.equal(spec.profile, "remote");
    assert.equal(spec.meshConfig, undefined);
    assert.equal(spec.multiCluster.primary.address, "istiod.primary.example.com");
    assert.match(
      header,
      /^# {3}spec\.values\.profile: meshConfig \{"accessLogFile":"\/dev\/stdout"\} left out/m,
    );
  });
});
