/**
 * The one wait of `status --wait` and of apply's verification: Ctrl-C ends it at once, even
 * while a round of reads waits on an API server that does not answer.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { status } from "../../../src/cli/commands/status.js";
import type { DeployRequest } from "../../../src/deploy/request.js";
import { verifyApplied } from "../../../src/deploy/status/verify.js";
import { InterruptedError, isPlantonError } from "../../../src/errors.js";
import { planIstio } from "../../../src/istio/plan.js";
import { loadManifest } from "../../../src/manifest/load.js";
import { captureContext } from "../../helpers/context.js";
import { engineFixture, recordedOutputs } from "../../helpers/engine-fixture.js";
import { clusterAt } from "../../helpers/fake-kube.js";
import { root } from "../../helpers/paths.js";

const dev = join(root, "examples", "dev.yaml");
const loaded = loadManifest({ file: dev });
if (loaded.kind !== "ok") throw new Error("examples/dev.yaml does not load");
const plan = planIstio(loaded.manifest);

/** An API server that takes every request and never answers. */
async function silentApi(): Promise<{ url: string; server: Server }> {
  const server = createServer(() => {});
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.closeAllConnections();
  for (const s of servers) s.close();
});

/** Aborts after `ms`; returns the signal and when it fired. */
function ctrlCAfter(ms: number) {
  const controller = new AbortController();
  const fired = { at: 0 };
  setTimeout(() => {
    fired.at = Date.now();
    controller.abort();
  }, ms);
  return { signal: controller.signal, fired };
}

describe("the wait until the mesh is healthy", () => {
  it("apply's verification ends at once on Ctrl-C while the cluster does not answer", async () => {
    const api = await silentApi();
    servers.push(api.server);
    const cluster = clusterAt(api.url);
    const { signal, fired } = ctrlCAfter(200);
    const info: string[] = [];
    const req = {
      plan,
      cluster,
      signal,
      io: { info: (l: string) => info.push(l), warn: () => {} },
    } as unknown as DeployRequest;
    await assert.rejects(
      verifyApplied(req, undefined, { timeoutSeconds: 300, intervalMs: 60_000 }),
      (err: Error) => err instanceof InterruptedError && /the changes were applied/.test(err.message),
    );
    assert.ok(Date.now() - fired.at < 1_000, `ended ${Date.now() - fired.at} ms after Ctrl-C`);
  });

  it("status --wait ends at once on Ctrl-C while the cluster does not answer", async () => {
    const api = await silentApi();
    servers.push(api.server);
    const fx = engineFixture(api.url);
    fx.seedStack("dev-mesh", recordedOutputs(plan.mesh.version));
    const { ctx } = captureContext({
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...fx.env },
      cwd: root,
    });
    const controller = new AbortController();
    ctx.signal = controller.signal;
    const running = status({ file: [dev], wait: "5m" }, ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    // Ctrl-C once the state is read, while the first round of reads waits on the cluster
    while (!fx.commands().includes("stack export")) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 500));
    const fired = { at: Date.now() };
    controller.abort();
    const err = await running;
    assert.ok(isPlantonError(err) && err instanceof InterruptedError, String(err));
    assert.match(err.message, /status --wait was interrupted: nothing was changed/);
    assert.ok(Date.now() - fired.at < 1_000, `ended ${Date.now() - fired.at} ms after Ctrl-C`);
  });
});
