/**
 * `planton adopt` wired end to end short of the command line: the command reads the stand-in
 * API (GETs only) and writes the manifest; its errors carry the exit code.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import { adopt } from "../../../src/cli/commands/adopt.js";
import { isPlantonError } from "../../../src/errors.js";
import { planIstio } from "../../../src/istio/plan.js";
import { loadManifest } from "../../../src/manifest/load.js";
import { captureContext } from "../../helpers/context.js";
import { engineFixture } from "../../helpers/engine-fixture.js";
import { type FakeObject, startFakeKubeApi, writeKubeconfig } from "../../helpers/fake-kube.js";
import { root } from "../../helpers/paths.js";
import { clusterFromPlan, helmSecret, readyGateways } from "./fixtures.js";

const production = loadManifest({ file: join(root, "examples", "production.yaml") });
if (production.kind !== "ok") throw new Error("examples/production.yaml does not load");
const plan = planIstio(production.manifest);
const live = clusterFromPlan(plan);
const objects = [
  ...live.helmSecrets,
  ...live.namespaces,
  ...live.mutatingWebhooks,
  ...readyGateways(plan),
] as FakeObject[];

let api: Awaited<ReturnType<typeof startFakeKubeApi>> | undefined;
afterEach(() => api?.close());

async function run(flags: Parameters<typeof adopt>[0], extra: FakeObject[] = []) {
  api = await startFakeKubeApi({ objects: [...objects, ...extra] });
  const dir = mkdtempSync(join(tmpdir(), "planton-adopt-"));
  const kubeconfig = writeKubeconfig(dir, api.url);
  // the stand-in pulumi, for -f alone (the adopt verb opens an engine session)
  const { ctx, out } = captureContext({ cwd: dir, env: engineFixture(api.url).env });
  try {
    await adopt({ kubeconfig, ...flags }, ctx);
    return { code: 0, message: "", dir, ...out };
  } catch (err) {
    if (!isPlantonError(err)) throw err;
    return { code: err.exitCode, message: `${err.message}\n${err.hint ?? ""}`, dir, ...out };
  }
}

describe("planton adopt against the stand-in API", () => {
  it("--write-manifest writes a manifest that plans the live releases, reading only", async () => {
    const r = await run({ writeManifest: "adopted.yaml", name: "production-mesh" });
    assert.equal(r.code, 0, `${r.message}\n${r.stderr}`);
    assert.match(
      r.stderr,
      /wrote .*adopted\.yaml: 4 Helm releases; 0 not carried over, 0 planton would change/,
    );
    const text = readFileSync(join(r.dir, "adopted.yaml"), "utf8");
    assert.match(
      text,
      /^# Written by `planton adopt --write-manifest` from the live mesh of context test-ctx\.$/m,
    );
    const again = loadManifest({ file: join(r.dir, "adopted.yaml") });
    assert.equal(again.kind, "ok");
    if (again.kind !== "ok") return;
    const facts = (p: typeof plan) =>
      p.releases.map((x) => [x.name, x.chart, x.version, x.namespace, x.values]);
    assert.deepEqual(facts(planIstio(again.manifest)), facts(plan));
    assert.ok(
      api?.requests.every((q) => q.startsWith("GET ")),
      api?.requests.join("\n"),
    );
  });

  it("refuses a pending release with exit 1, writing nothing", async () => {
    const istiod = plan.releases.find((x) => x.name === "istiod");
    assert.ok(istiod !== undefined);
    const pending = helmSecret({ ...istiod, values: {}, status: "pending-upgrade", revision: 3 });
    const r = await run({ writeManifest: "adopted.yaml" }, [pending as FakeObject]);
    assert.equal(r.code, 1);
    assert.match(r.message, /refusing to adopt: Helm release istio-system\/istiod is pending-upgrade/);
    assert.throws(() => readFileSync(join(r.dir, "adopted.yaml")));
  });

  it("-f alone without a terminal shows the imports and the value diff, then refuses to ask (exit 2)", async () => {
    const r = await run({ file: join(root, "examples", "production.yaml") });
    assert.equal(r.code, 2, r.message);
    assert.match(r.stderr, /^ {2}kubernetes:helm\.sh\/v3:Release istiod \(id istio-system\/istiod\)$/m);
    assert.match(r.message, /refusing to change the cluster without confirmation/);
    // the live releases are the plan's own: each one shows as no change
    assert.match(r.stderr, /^ {2}= istiod \S+ \(no change\)$/m);
  });

  it("-f with one field changed shows exactly that change", async () => {
    const r = await run({
      file: join(root, "examples", "production.yaml"),
      set: ["spec.meshConfig.accessLogFile=/dev/stderr"],
    });
    assert.equal(r.code, 2, r.message);
    assert.match(
      r.stderr,
      /^ {2}~ istiod \S+\n {6}~ meshConfig\.accessLogFile: "\/dev\/stdout" → "\/dev\/stderr"$/m,
    );
    assert.equal((r.stderr.match(/^ {6}[~+-] /gm) ?? []).length, 1, r.stderr);
  });

  it("-f --yes adopts into the manifest's stack (exit 0)", async () => {
    const r = await run({ file: join(root, "examples", "production.yaml"), yes: true });
    assert.equal(r.code, 0, r.message);
    assert.match(
      r.stdout,
      /^adopted into stack production-mesh: \d+ resources imported, 0 objects handed to Helm/m,
    );
  });

  it("neither -f nor --write-manifest is a usage error (exit 2)", async () => {
    const r = await run({});
    assert.equal(r.code, 2);
  });
});
