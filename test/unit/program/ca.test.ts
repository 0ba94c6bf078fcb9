/**
 * The plug-in CA in the Pulumi program, under Pulumi's mocks: the `cacerts` Secret is drawn from
 * the files the plan names, its data a Pulumi secret, before every istiod release (which depends
 * on it); with `existingSecret` or istio-csr there is no Secret.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { planIstio } from "../../../src/istio/plan.js";
import { readCaFacts } from "../../../src/manifest/ca.js";
import { loadManifest } from "../../../src/manifest/load.js";
import { makePluginCa, opensslMissing } from "../../helpers/ca-certs.js";
import { header } from "../../helpers/load.js";
import { usePulumiMocks } from "../../helpers/pulumi-mocks.js";

const { seen, run: runPlan } = usePulumiMocks();
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function run(spec: string, dir: string) {
  const file = join(dir, "istio.yaml");
  writeFileSync(file, `${header}spec:\n${spec}`);
  const loaded = loadManifest({ file });
  assert.equal(loaded.kind, "ok", JSON.stringify(loaded));
  if (loaded.kind !== "ok") throw new Error("invalid");
  const plan = planIstio(loaded.manifest, { ca: readCaFacts(loaded.manifest) });
  await runPlan(plan);
  return plan;
}
const secretData = () =>
  seen.registered.find((r) => r.type === "kubernetes:core/v1:Secret")?.props.data as
    | pulumi.Output<unknown>
    | undefined;

describe("the plug-in CA's cacerts Secret in the program", { skip: opensslMissing }, () => {
  it("is created from the files, as a secret, before every istiod", async () => {
    const dir = makePluginCa();
    dirs.push(dir);
    await run(
      "  revisions:\n    - {name: 1-29-6, version: 1.29.6}\n    - {name: 1-30-3, version: 1.30.3}\n  defaultRevision: 1-30-3\n  ca:\n    type: PLUGIN\n    plugin: {directory: .}\n",
      dir,
    );
    const secrets = seen.registered.filter((r) => r.type === "kubernetes:core/v1:Secret");
    assert.equal(secrets.length, 1);
    const s = secrets[0];
    assert.deepEqual(s?.inputs.metadata, {
      name: "cacerts",
      namespace: "istio-system",
      labels: { "app.kubernetes.io/managed-by": "planton" },
    });
    // a secret reaches the engine wrapped: {<secret signature>: …, value}
    const wrapped = s?.inputs.data as { value?: Record<string, string> };
    assert.ok(wrapped.value !== undefined, "the Secret's data is sent as a secret");
    const data = wrapped.value;
    assert.deepEqual(Object.keys(data).sort(), [
      "ca-cert.pem",
      "ca-key.pem",
      "cert-chain.pem",
      "root-cert.pem",
    ]);
    for (const [k, v] of Object.entries(data))
      assert.equal(Buffer.from(v, "base64").toString("utf8"), readFileSync(join(dir, k), "utf8"), k);
    const output = secretData();
    assert.ok(output !== undefined && (await pulumi.isSecret(output)), "the data is a Pulumi secret");
    for (const istiod of ["istiod-1-29-6", "istiod-1-30-3"])
      assert.ok(
        seen.edges.get(`kubernetes:helm.sh/v3:Release::${istiod}`)?.includes("ca-cacerts"),
        `${istiod} depends on the Secret: ${seen.edges.get(`kubernetes:helm.sh/v3:Release::${istiod}`)}`,
      );
    assert.ok(!seen.edges.get("kubernetes:helm.sh/v3:Release::istio-base")?.includes("ca-cacerts"));
    assert.deepEqual(seen.edges.get("kubernetes:core/v1:Secret::ca-cacerts"), ["istio-system"]);
  });

  it("is not created with existingSecret", async () => {
    const dir = makePluginCa();
    dirs.push(dir);
    await run("  ca:\n    type: PLUGIN\n    plugin: {existingSecret: true}\n", dir);
    assert.equal(seen.registered.filter((r) => r.type === "kubernetes:core/v1:Secret").length, 0);
  });
});
