import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
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
    .join("\n");
  // biome-ignore lint/suspicious/noExplicitAny: the manifest is free-form here
  return { spec: (parse(r.stdout) as any).spec, header };
}

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
