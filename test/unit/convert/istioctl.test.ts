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
