/**
 * `adopt -f` as a deploy verb, request in, result out, against the recording stand-in pulumi and
 * a stand-in API holding a recorded Helm-installed mesh: what the engine is asked to import, and
 * that every refusal comes before any write (no engine change, no API call but reads).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import { adoptStack } from "../../../src/deploy/adopt/run.js";
import { DeployError } from "../../../src/errors.js";
import { planIstio } from "../../../src/istio/plan.js";
import { loadManifest } from "../../../src/manifest/load.js";
import { engineFixture, recordedOutputs } from "../../helpers/engine-fixture.js";
import { type FakeObject, startFakeKubeApi } from "../../helpers/fake-kube.js";
import { openedStack } from "../../helpers/opened-stack.js";
import { root } from "../../helpers/paths.js";
import { clusterFromPlan, helmSecret, readyGateways } from "./fixtures.js";

const file = join(root, "examples", "production.yaml");
const loaded = loadManifest({ file });
if (loaded.kind !== "ok") throw new Error("examples/production.yaml does not load");
const plan = planIstio(loaded.manifest);
const live = clusterFromPlan(plan);
const mesh = [
  ...live.helmSecrets,
  ...live.namespaces,
  ...live.mutatingWebhooks,
  ...readyGateways(plan),
] as FakeObject[];
const stack = loaded.manifest.metadata.name;

let api: Awaited<ReturnType<typeof startFakeKubeApi>> | undefined;
afterEach(() => api?.close());

/** The stand-ins with `objects` live, and the stack opened on them. */
async function standIns(objects: FakeObject[], answer = true, manifest = file) {
  api = await startFakeKubeApi({ objects });
  const fx = engineFixture(api.url);
  const { req, told } = await openedStack(manifest, fx.env, { answer });
  const writes = () => api?.requests.filter((r) => !r.startsWith("GET ")) ?? [];
  const engineChanges = () => fx.commands().filter((c) => ["up", "import", "destroy"].includes(c));
  return { fx, req, told, writes, engineChanges };
}

/** A release of the plan recorded with other values (what Helm would hold after a hand edit). */
function withValues(release: string, values: Record<string, unknown>): FakeObject[] {
  const r = plan.releases.find((x) => x.name === release);
  if (r === undefined) throw new Error(`no release ${release}`);
  const others = mesh.filter((o) => o.metadata.labels?.name !== release);
  return [...others, helmSecret({ ...r, values, revision: 3 }) as FakeObject];
}

describe("adopt -f: the engine's import", () => {
  it("adds no Gateway API CRD of spec.gatewayApi: the cluster's Gateway API CRDs are not even read (the next apply installs them)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "planton-adopt-gwapi-"));
    const manifest = join(dir, "production.yaml");
    writeFileSync(manifest, `${readFileSync(file, "utf8")}\n  gatewayApi: {install: true}\n`);
    const { req, told, engineChanges } = await standIns(mesh, true, manifest);
    assert.ok(req.plan.gatewayApi !== undefined);
    await adoptStack(req);
    assert.deepEqual(engineChanges(), ["up", "import", "up"]);
    assert.ok(!told.info.some((l) => l.startsWith("Gateway API CRDs")), told.info.join("\n"));
    // only the CRDs istioctl labelled are listed (the base release takes them over)
    const istioctls = (r: string) => r.includes("labelSelector=operator.istio.io%2Fcomponent");
    assert.ok(
      !api?.requests.some((r) => r.includes("customresourcedefinitions") && !istioctls(r)),
      api?.requests.join("\n"),
    );
  });

  it("imports every live release by namespace/name through the program's provider, after one question, then updates", async () => {
    const { fx, req, told, writes, engineChanges } = await standIns(mesh);
    const r = await adoptStack(req);
    assert.equal(told.questions.length, 1);
    assert.match(
      told.questions[0] ?? "",
      new RegExp(`^Adopt this mesh into stack ${stack} in context "test-ctx"\\?`),
    );
    assert.deepEqual(engineChanges(), ["up", "import", "up"]);
    const provider = `urn:pulumi:${stack}::planton-kubernetes-istio::pulumi:providers:kubernetes::cluster`;
    const up = fx.calls().find((c) => c.args[0] === "up");
    assert.ok(
      up?.args.includes(provider),
      `the first update targets the provider alone: ${up?.args.join(" ")}`,
    );
    const imported = JSON.parse(readFileSync(join(fx.env.FAKE_PULUMI_DIR ?? "", "imports.json"), "utf8"));
    assert.deepEqual(imported.nameTable, { cluster: provider });
    const releases = imported.resources.filter(
      (x: { type: string }) => x.type === "kubernetes:helm.sh/v3:Release",
    );
    assert.deepEqual(
      releases,
      plan.releases.map((p) => ({
        type: "kubernetes:helm.sh/v3:Release",
        name: p.name,
        id: `${p.namespace}/${p.name}`,
        provider: "cluster",
      })),
    );
    assert.deepEqual(writes(), [], "a Helm-installed mesh needs no write of planton's own");
    assert.equal(r.adoption.ownership.length, 0);
  });

  it("a tag istioctl set is imported under its tag-<name> component", async () => {
    const canary = join(root, "examples", "canary", "3-move-stable.yaml");
    const c = loadManifest({ file: canary });
    if (c.kind !== "ok") throw new Error("examples/canary/3-move-stable.yaml does not load");
    const canaryPlan = planIstio(c.manifest);
    const tag = canaryPlan.tags[0];
    assert.ok(tag !== undefined, "3-move-stable.yaml plans a revision tag");
    const cl = clusterFromPlan(canaryPlan);
    const { fx, req } = await standIns(
      [...cl.helmSecrets, ...cl.mutatingWebhooks] as FakeObject[],
      true,
      canary,
    );
    await adoptStack(req);
    const imported = JSON.parse(readFileSync(join(fx.env.FAKE_PULUMI_DIR ?? "", "imports.json"), "utf8"));
    const component = { type: "kubernetes:helm.sh/v3:Chart", name: `tag-${tag.name}`, component: true };
    assert.deepEqual(imported.resources[0], component);
    assert.ok(
      imported.resources.some(
        (x: { name: string; parent?: string; provider?: string }) =>
          x.name === `istio-revision-tag-${tag.name}` &&
          x.parent === `tag-${tag.name}` &&
          x.provider === "cluster",
      ),
      JSON.stringify(imported.resources),
    );
  });
});

describe("adopt -f: what rolls pods", () => {
  it("values the chart renders the same without (its defaults), or outside the pod template, do not stop adoption", async () => {
    const istiod = plan.releases.find((x) => x.component === "istiod");
    assert.ok(istiod);
    const { global: _defaults, meshConfig: _mesh, ...rest } = istiod.values as Record<string, unknown>;
    const { engineChanges } = await standIns(withValues(istiod.name, rest)).then(async (s) => {
      await adoptStack(s.req);
      return s;
    });
    assert.deepEqual(engineChanges(), ["up", "import", "up"]);
  });
});

describe("adopt -f: refusals change nothing", () => {
  const refused = async (
    objects: FakeObject[],
    message: RegExp,
    seed?: (fx: ReturnType<typeof engineFixture>) => void,
  ) => {
    const s = await standIns(objects);
    seed?.(s.fx);
    await assert.rejects(adoptStack(s.req), (err) => err instanceof DeployError && message.test(err.message));
    assert.deepEqual(s.told.questions, [], "refused before the question");
    assert.deepEqual(s.engineChanges(), []);
    assert.deepEqual(s.writes(), []);
  };

  it("a release in a pending state", async () => {
    const r = plan.releases.find((x) => x.component === "istiod");
    assert.ok(r);
    const others = mesh.filter((o) => o.metadata.labels?.name !== r.name);
    const pending = helmSecret({
      ...r,
      values: r.values,
      status: "pending-upgrade",
      revision: 3,
    }) as FakeObject;
    await refused([...others, pending], /refusing to adopt: .*pending/);
  });

  it("a manifest whose values would roll a release's pods (the live pod template would change)", async () => {
    const istiod = plan.releases.find((x) => x.component === "istiod");
    assert.ok(istiod);
    await refused(
      withValues(istiod.name, { ...istiod.values, pilot: { replicaCount: 7 } }),
      new RegExp(`the manifest changes release ${istiod.name} \\(.*pilot\\.replicaCount.*roll their pods`),
    );
  });

  it("a stack that already holds resources", async () => {
    await refused(mesh, /already holds 2 resources/, (fx) => fx.seedStack(stack, recordedOutputs("1.30.3")));
  });

  it("no mesh in the cluster", async () => {
    await refused([], /found no Istio control plane to adopt/);
  });

  it("answered no", async () => {
    const s = await standIns(mesh, false);
    await assert.rejects(adoptStack(s.req), /cancelled at the prompt: nothing was changed/);
    assert.equal(s.told.questions.length, 1);
    assert.deepEqual(s.engineChanges(), []);
    assert.deepEqual(s.writes(), []);
  });
});
