import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { resolveCluster } from "../../../src/cluster/kubeconfig.js";
import {
  readServiceAccountToken,
  remoteEndpoint,
  remoteKubeconfig,
} from "../../../src/cluster/remote-access.js";
import { DeployError } from "../../../src/errors.js";
import { startFakeKubeApi, writeKubeconfig } from "../../helpers/fake-kube.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");
let api: Awaited<ReturnType<typeof startFakeKubeApi>>;
let kubeconfigPath = "";

before(async () => {
  api = await startFakeKubeApi({
    objects: [
      {
        kind: "Secret",
        metadata: { name: "istio-reader-east-token", namespace: "kube-system" },
        data: { token: b64("the-reader-token-0123456789"), "ca.crt": b64("CA FROM TOKEN SECRET") },
      },
      { kind: "Secret", metadata: { name: "not-yet-issued", namespace: "kube-system" }, data: {} },
    ],
  });
  kubeconfigPath = writeKubeconfig(mkdtempSync(join(tmpdir(), "planton-remote-")), api.url);
});
after(() => api.close());

const cluster = () =>
  resolveCluster(
    {
      kubeconfigFlag: kubeconfigPath,
      manifestKubeconfig: "",
      manifestContext: "",
      manifestClusterName: "",
      cwd: "/",
    },
    {},
  );

describe("remote secrets: the reader's token and the kubeconfig istiod uses", () => {
  it("reads the token the token controller issued, and the CA beside it", async () => {
    const t = await readServiceAccountToken(cluster(), "kube-system", "istio-reader-east-token", {
      waitMs: 0,
    });
    assert.deepEqual(t, { token: "the-reader-token-0123456789", caCrt: b64("CA FROM TOKEN SECRET") });
  });

  it("in a preview (no wait), a token not issued yet or a missing Secret is undefined", async () => {
    for (const name of ["not-yet-issued", "missing"])
      assert.equal(await readServiceAccountToken(cluster(), "kube-system", name, { waitMs: 0 }), undefined);
  });

  it("apply waits for it and then fails naming the Secret and what to check, never a token", async () => {
    await assert.rejects(
      readServiceAccountToken(cluster(), "kube-system", "not-yet-issued", { waitMs: 300, pollMs: 50 }),
      (err: unknown) =>
        err instanceof DeployError &&
        /Secret kube-system\/not-yet-issued .* was not issued within 0s/.test(err.message) &&
        /token controller/.test(err.hint ?? ""),
    );
  });

  it("builds istioctl's shape: one cluster, context and user named after the remote; CA from the kubeconfig, else from the token Secret", () => {
    const sa = { token: "tok-123", caCrt: b64("CA FROM TOKEN SECRET") };
    const withCa = parse(
      remoteKubeconfig(
        "west",
        { server: "https://10.0.0.1:6443", caData: b64("KUBECONFIG CA"), insecure: false },
        sa,
      ),
    );
    assert.equal(withCa["current-context"], "west");
    assert.deepEqual(withCa.clusters, [
      {
        name: "west",
        cluster: { server: "https://10.0.0.1:6443", "certificate-authority-data": b64("KUBECONFIG CA") },
      },
    ]);
    assert.deepEqual(withCa.contexts, [{ name: "west", context: { cluster: "west", user: "west" } }]);
    assert.deepEqual(withCa.users, [{ name: "west", user: { token: "tok-123" } }]);
    const fromSecret = parse(
      remoteKubeconfig("west", { server: "https://x", caData: "", insecure: false }, sa),
    );
    assert.equal(fromSecret.clusters[0].cluster["certificate-authority-data"], b64("CA FROM TOKEN SECRET"));
    const insecure = parse(remoteKubeconfig("west", { server: "https://x", caData: "", insecure: true }, sa));
    assert.deepEqual(insecure.clusters[0].cluster, { server: "https://x", "insecure-skip-tls-verify": true });
  });

  it("the endpoint is the remote context's server", () => {
    assert.deepEqual(remoteEndpoint(cluster()), { server: api.url, caData: "", insecure: true });
  });
});
