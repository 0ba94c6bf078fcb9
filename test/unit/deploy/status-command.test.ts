/**
 * `planton status` wired end to end, short of the command line: the command function reads the
 * stack through the recording stand-in pulumi and the cluster through the stand-in API, and
 * its error carries the exit code (0 healthy, 4 unhealthy, 1 could not tell).
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import { status } from "../../../src/cli/commands/status.js";
import { isPlantonError } from "../../../src/errors.js";
import { planIstio } from "../../../src/istio/plan.js";
import { loadManifest } from "../../../src/manifest/load.js";
import { engineFixture, fakePulumiBin, recordedOutputs } from "../../helpers/engine-fixture.js";
import {
  type FakeObject,
  helmRecord as helmRecordOf,
  istiodWebhooksAndCrd,
  startFakeKubeApi,
} from "../../helpers/fake-kube.js";
import { captureContext } from "../../helpers/context.js";
import { root } from "../../helpers/paths.js";

const dev = join(root, "examples", "dev.yaml");
const loaded = loadManifest({ file: dev });
if (loaded.kind !== "ok") throw new Error("examples/dev.yaml does not load");
const version = planIstio(loaded.manifest).mesh.version;

const helmSecret = (name: string, chart: string) => helmRecordOf(name, chart, version);

/** What a healthy dev mesh (istio-base + an unrevisioned istiod) shows the API. */
function devMesh(istiodReady: number): FakeObject[] {
  return [
    helmSecret("istio-base", "base"),
    helmSecret("istiod", "istiod"),
    {
      kind: "Deployment",
      metadata: {
        name: "istiod",
        namespace: "istio-system",
        labels: { app: "istiod", "istio.io/rev": "default" },
      },
      spec: {
        replicas: istiodReady === 0 ? 0 : 1,
        template: {
          spec: { containers: [{ name: "discovery", image: `docker.io/istio/pilot:${version}` }] },
        },
      },
      status: { replicas: istiodReady, readyReplicas: istiodReady },
    },
    ...istiodWebhooksAndCrd(),
  ];
}

const context = (env: NodeJS.ProcessEnv) =>
  captureContext({ env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, cwd: root });

/** Runs the command; returns its exit code as main.ts would, and what it printed. */
async function runStatus(env: NodeJS.ProcessEnv, flags: Record<string, string> = {}) {
  const { ctx, out } = context(env);
  try {
    await status({ file: [dev], ...flags }, ctx);
    return { code: 0, message: "", ...out };
  } catch (err) {
    if (!isPlantonError(err)) throw err;
    return { code: err.exitCode, message: `${err.message}\n${err.hint ?? ""}`, ...out };
  }
}

let api: Awaited<ReturnType<typeof startFakeKubeApi>> | undefined;
afterEach(() => api?.close());

/**
 * The stand-in API serving the dev mesh (istiod with `istiodReady` ready replicas), closed after
 * the test, and an engine whose dev-mesh stack recorded its outputs.
 */
async function recordedDevMesh(istiodReady: number, opts: { forbid?: RegExp } = {}) {
  const kube = await startFakeKubeApi({ objects: devMesh(istiodReady), ...opts });
  api = kube;
  const fx = engineFixture(kube.url);
  fx.seedStack("dev-mesh", recordedOutputs(version));
  return { fx, kube };
}

describe("planton status against the stand-in API and engine", () => {
  it("a healthy mesh exits 0 with the table, reading each kind with one call and changing nothing", async () => {
    const { fx, kube } = await recordedDevMesh(1);
    const r = await runStatus(fx.env);
    assert.equal(r.code, 0, `${r.message}\n${r.stderr}\n${r.stdout}`);
    assert.match(r.stdout, /^ok {4}control-plane +istiod istio-system\/istiod ready \(1\/1\)/m);
    assert.match(r.stdout, /Mesh of stack dev-mesh \(context test-ctx\): healthy\./);
    const gets = kube.requests.filter((q) => !q.startsWith("GET /version"));
    assert.ok(
      gets.every((q) => q.startsWith("GET ")),
      gets.join("\n"),
    );
    assert.equal(gets.filter((q) => q.includes("/pods")).length, 1, "pods: one call for all namespaces");
    assert.ok(
      !fx.commands().some((c) => ["up", "preview", "destroy", "refresh"].includes(c)),
      fx.commands().join(" "),
    );
  });

  it("istiod scaled to 0 exits 4 naming istiod; -o json says so too", async () => {
    const { fx } = await recordedDevMesh(0);
    const r = await runStatus(fx.env, { output: "json" });
    assert.equal(r.code, 4, r.message);
    assert.match(r.message, /the mesh of stack dev-mesh is unhealthy: istiod\/default/);
    assert.match(r.message, /kubectl -n istio-system scale deployment istiod --replicas=1/);
    const doc = JSON.parse(r.stdout) as {
      state: string;
      checks: { name: string; state: string; message: string }[];
    };
    assert.equal(doc.state, "error");
    assert.deepEqual(
      doc.checks.filter((c) => c.state === "error").map((c) => c.name),
      ["istiod/default"],
    );
  });

  it("--wait re-checks until the time is up, reporting what it waits for on standard error", async () => {
    const { fx } = await recordedDevMesh(0);
    const r = await runStatus(fx.env, { wait: "1s" });
    assert.equal(r.code, 4, r.message);
    assert.match(r.stderr, /waiting up to 1s for: istiod istio-system\/istiod is scaled to 0 replicas/);
    assert.match(r.message, /still after waiting 1s/);
  });

  it("--wait retries a failed first read too (an API answering 429 right after an apply), then says why (exit 1)", async () => {
    const { fx } = await recordedDevMesh(1, { forbid: /peerauthentications/ });
    const r = await runStatus(fx.env, { wait: "1s" });
    assert.equal(r.code, 1, r.message);
    assert.match(
      r.stderr,
      /could not read the cluster \(.*forbids listing PeerAuthentications.*\); retrying/,
    );
    assert.match(r.message, /forbids listing PeerAuthentications/);
    const once = await runStatus(fx.env);
    assert.equal(once.code, 1, once.message);
    assert.doesNotMatch(once.stderr, /retrying/, "without --wait a failed read is the answer");
  });

  it("no stack: exit 1, could not tell", async () => {
    api = await startFakeKubeApi({ objects: devMesh(1) });
    const fx = engineFixture(api.url);
    // status reads the state with `stack export` alone: answer it as the real CLI does for a
    // stack that does not exist (the stand-in answers only `stack select` that way)
    const shim = join(fx.work, "shim");
    mkdirSync(shim);
    writeFileSync(
      join(shim, "pulumi"),
      `#!/bin/sh\nif [ "$1 $2" = "stack export" ]; then echo "error: no stack named 'dev-mesh' found" >&2; exit 255; fi\nexec ${fakePulumiBin}/pulumi "$@"\n`,
      { mode: 0o755 },
    );
    const r = await runStatus({ ...fx.env, PATH: `${shim}:${fx.env.PATH}` });
    assert.equal(r.code, 1, r.message);
    assert.match(r.message, /stack dev-mesh does not exist: there is no mesh to check/);
  });

  it("an unreachable cluster: exit 1", async () => {
    api = await startFakeKubeApi();
    const fx = engineFixture("http://127.0.0.1:1");
    fx.seedStack("dev-mesh", recordedOutputs(version));
    const r = await runStatus(fx.env);
    assert.equal(r.code, 1, r.message);
    assert.match(r.message, /cannot reach the cluster of context "test-ctx"/);
  });
});
