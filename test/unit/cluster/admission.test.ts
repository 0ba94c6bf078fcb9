import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { waitUntilAdmitted } from "../../../src/cluster/admission.js";
import { resolveCluster } from "../../../src/cluster/kubeconfig.js";
import { writeKubeconfig } from "../../helpers/fake-kube.js";

const peerAuthentication = {
  apiVersion: "security.istio.io/v1",
  kind: "PeerAuthentication",
  metadata: { name: "default", namespace: "istio-system" },
  spec: { mtls: { mode: "STRICT" } },
};

/** An API server whose POSTs answer `answers` in turn (then the last one), recording their queries. */
async function apiAnswering(answers: { code: number; message: string }[]) {
  const posts: string[] = [];
  const server = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method === "GET" && url.pathname === "/apis/security.istio.io/v1") {
      res.end(
        JSON.stringify({
          kind: "APIResourceList",
          groupVersion: "security.istio.io/v1",
          resources: [
            { name: "peerauthentications", namespaced: true, kind: "PeerAuthentication", verbs: ["create"] },
          ],
        }),
      );
      return;
    }
    if (req.method === "POST") {
      posts.push(`${url.pathname}?${url.searchParams.toString()}`);
      const a = answers[Math.min(posts.length - 1, answers.length - 1)] ?? { code: 201, message: "" };
      res.statusCode = a.code;
      res.end(
        JSON.stringify(
          a.code < 300
            ? peerAuthentication
            : { kind: "Status", status: "Failure", message: a.message, code: a.code },
        ),
      );
      return;
    }
    res.statusCode = 404;
    res.end("{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const cluster = resolveCluster(
    {
      kubeconfigFlag: writeKubeconfig(
        mkdtempSync(join(tmpdir(), "planton-admission-")),
        `http://127.0.0.1:${port}`,
      ),
      manifestKubeconfig: "",
      manifestContext: "",
      manifestClusterName: "",
      cwd: "/",
    },
    {},
  );
  return { cluster, posts, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const webhookDown = {
  code: 500,
  message:
    'Internal error occurred: failed calling webhook "validation.istio.io": failed to call webhook: Post "https://istiod.istio-system.svc:443/validate?timeout=10s": tls: failed to verify certificate: x509: certificate signed by unknown authority',
};

describe("waiting until the API server admits an Istio object", () => {
  it("repeats a server-side dry run while istiod's webhook cannot be called, then goes on", async () => {
    const api = await apiAnswering([webhookDown, webhookDown, { code: 201, message: "" }]);
    await waitUntilAdmitted(api.cluster, peerAuthentication, { timeoutMs: 10_000, pollMs: 10 });
    assert.equal(api.posts.length, 3);
    for (const p of api.posts)
      assert.equal(p, "/apis/security.istio.io/v1/namespaces/istio-system/peerauthentications?dryRun=All");
    await api.close();
  });

  for (const other of [
    { code: 409, message: 'peerauthentications.security.istio.io "default" already exists' },
    { code: 400, message: 'admission webhook "validation.istio.io" denied the request: bad mode' },
    { code: 403, message: "forbidden" },
  ])
    it(`any other answer (${other.code}) ends the wait at once: the engine's create reports it`, async () => {
      const api = await apiAnswering([other]);
      await waitUntilAdmitted(api.cluster, peerAuthentication, { timeoutMs: 10_000, pollMs: 10 });
      assert.equal(api.posts.length, 1);
      await api.close();
    });

  it("gives up after its time: the engine's create then fails with the webhook's own error", async () => {
    const api = await apiAnswering([webhookDown]);
    const t = Date.now();
    await waitUntilAdmitted(api.cluster, peerAuthentication, { timeoutMs: 200, pollMs: 20 });
    assert.ok(Date.now() - t < 2_000);
    assert.ok(api.posts.length >= 2);
    await api.close();
  });
});
