/**
 * destroy against a stand-in API that holds another Istio install beside (or instead of) the
 * stack's: only objects the stack can prove its own are deleted. The engine is the recording
 * stand-in CLI; the objects and their timestamps are what istiod and istioctl would leave.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import { runCli } from "../../helpers/cli.js";
import { engineFixture, recordedOutputs } from "../../helpers/engine-fixture.js";
import { type FakeObject, startFakeKubeApi } from "../../helpers/fake-kube.js";
import { root } from "../../helpers/paths.js";

const dev = join(root, "examples", "dev.yaml");
const at = (minutes: number) => new Date(Date.UTC(2026, 10, 1, 0, minutes)).toISOString();
const ourRoot = "-----BEGIN CERTIFICATE-----\nOURS\n-----END CERTIFICATE-----";
const theirRoot = "-----BEGIN CERTIFICATE-----\nTHEIRS\n-----END CERTIFICATE-----";

const rootCm = (namespace: string, root: string, minutes: number): FakeObject => ({
  kind: "ConfigMap",
  metadata: {
    name: "istio-ca-root-cert",
    namespace,
    labels: { "istio.io/config": "true" },
    creationTimestamp: at(minutes),
  },
  data: { "root-cert.pem": root },
});
const webhook = (
  name: string,
  service: { name: string; namespace: string },
  minutes: number,
  labels = {},
): FakeObject => ({
  kind: "MutatingWebhookConfiguration",
  metadata: { name, labels: { "istio.io/tag": "default", ...labels }, creationTimestamp: at(minutes) },
  webhooks: [
    { name: "x.sidecar-injector.istio.io", clientConfig: { service: { ...service, path: "/inject" } } },
  ],
});
const istiod = (namespace: string, release: string | undefined, minutes: number): FakeObject => ({
  kind: "Deployment",
  metadata: {
    name: "istiod",
    namespace,
    labels: { app: "istiod" },
    annotations:
      release === undefined
        ? {}
        : { "meta.helm.sh/release-name": release, "meta.helm.sh/release-namespace": namespace },
    creationTimestamp: at(minutes),
  },
});
const secret = (namespace: string, name: string, minutes: number, labels = {}): FakeObject => ({
  kind: "Secret",
  metadata: { name, namespace, labels, creationTimestamp: at(minutes) },
});

/** Another mesh, installed by istioctl in `namespace` long before: none of it is planton's. */
const otherMesh = (namespace: string): FakeObject[] => [
  istiod(namespace, undefined, 0),
  secret(namespace, "istio-ca-secret", 1),
  rootCm(namespace, theirRoot, 2),
  rootCm("shop", theirRoot, 2),
  webhook("istio-revision-tag-default", { name: "istiod", namespace }, 3),
];

/** The engine stand-in holding an applied examples/dev.yaml, whose destroy deletes three resources. */
function appliedDevStack(url: string) {
  const fx = engineFixture(url);
  fx.seedStack("dev-mesh", recordedOutputs("1.30.3"));
  fx.behave({ changes: { delete: 3 }, namespaces: ["istio-system"] });
  return fx;
}

let api: Awaited<ReturnType<typeof startFakeKubeApi>> | undefined;
afterEach(() => api?.close());
const deletes = () => (api?.requests ?? []).filter((r) => r.startsWith("DELETE"));

describe("destroy deletes only what it can prove its own", () => {
  it("a manifest never applied, against another Istio install: nothing is deleted and no stack is created", async () => {
    api = await startFakeKubeApi({ objects: otherMesh("istio-system") });
    const fx = engineFixture(api.url);
    const r = await runCli(["destroy", "--yes", "-f", dev], { env: fx.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Stack dev-mesh does not exist: nothing to destroy/);
    assert.deepEqual(deletes(), []);
    assert.ok(!fx.commands().includes("stack init"), fx.commands().join(" "));
    assert.ok(!fx.commands().includes("destroy"));
  });

  it("with its own mesh beside another: its webhook, root ConfigMaps and CA Secret go; the other's stay", async () => {
    api = await startFakeKubeApi({
      objects: [
        ...otherMesh("legacy-mesh"),
        // the stack's istio-base and istiod, installed at minute 100 (Helm records and Deployment)
        secret("istio-system", "sh.helm.release.v1.istiod.v1", 100, { owner: "helm", name: "istiod" }),
        istiod("istio-system", "istiod", 100),
        secret("istio-system", "istio-ca-secret", 101),
        rootCm("istio-system", ourRoot, 102),
        rootCm("shop", ourRoot, 103),
        rootCm("payments", ourRoot, 103),
        webhook("istio-revision-tag-canary", { name: "istiod", namespace: "istio-system" }, 110),
        // a webhook calling the stack's istiod, but older than the stack: not provably its own
        webhook("istio-revision-tag-old", { name: "istiod", namespace: "istio-system" }, 50),
        // Istio's CRD, installed by the other mesh's base
        {
          kind: "CustomResourceDefinition",
          metadata: {
            name: "gateways.networking.istio.io",
            annotations: {
              "meta.helm.sh/release-name": "istio-base",
              "meta.helm.sh/release-namespace": "legacy-mesh",
            },
          },
          spec: { group: "networking.istio.io" },
        },
      ],
    });
    const fx = appliedDevStack(api.url);
    const r = await runCli(["destroy", "--yes", "--purge-crds", "-f", dev], { env: fx.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /an Istio control plane this stack does not manage is installed: legacy-mesh\/istiod/,
    );
    assert.match(r.stderr, /Will remove: Helm releases istiod, istio-base; namespaces istio-system/);
    assert.deepEqual(deletes().sort(), [
      "DELETE /api/v1/namespaces/istio-system/configmaps/istio-ca-root-cert",
      "DELETE /api/v1/namespaces/istio-system/secrets/istio-ca-secret",
      "DELETE /api/v1/namespaces/payments/configmaps/istio-ca-root-cert",
      "DELETE /api/v1/namespaces/shop/configmaps/istio-ca-root-cert",
      "DELETE /apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-revision-tag-canary",
    ]);
    const left = api.stored();
    for (const kept of [
      "secrets/legacy-mesh/istio-ca-secret",
      "configmaps/legacy-mesh/istio-ca-root-cert",
      "mutatingwebhookconfigurations//istio-revision-tag-default",
      "mutatingwebhookconfigurations//istio-revision-tag-old",
      "customresourcedefinitions//gateways.networking.istio.io",
    ])
      assert.ok(left.includes(kept), `${kept} must stay; left: ${left.join(", ")}`);
    assert.match(
      r.stderr,
      /kept MutatingWebhookConfiguration\/istio-revision-tag-old: it is older than the stack's istiod/,
    );
    assert.match(
      r.stderr,
      /kept CustomResourceDefinition\/gateways\.networking\.istio\.io: the stack's base release did not install it/,
    );
    assert.deepEqual(readdirSync(join(fx.work, "tmp")), [], "no temporary folder left");
  });

  it("a stack whose state cannot be decrypted stops before any cluster change and leaves no lock", async () => {
    api = await startFakeKubeApi({ objects: otherMesh("istio-system") });
    const fx = engineFixture(api.url);
    fx.seedStack("dev-mesh", recordedOutputs("1.30.3"));
    fx.behave({ exportFail: "passphrase" });
    const r = await runCli(["destroy", "--yes", "-f", dev], { env: fx.env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /cannot be decrypted with this passphrase; nothing was changed/);
    assert.doesNotMatch(r.stderr, /records no releases|Will remove/);
    assert.deepEqual(deletes(), []);
    assert.ok(!fx.commands().includes("destroy"));
    assert.deepEqual(
      api.requests.filter((x) => !x.startsWith("GET /version")),
      [],
      "the cluster was not even read",
    );
  });

  it("an unreachable cluster is a clear error (exit 1), not an internal error", async () => {
    api = await startFakeKubeApi();
    const fx = engineFixture("http://127.0.0.1:1");
    fx.seedStack("dev-mesh", recordedOutputs("1.30.3"));
    const r = await runCli(["destroy", "--yes", "-f", dev], { env: fx.env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /cannot reach the cluster of context "test-ctx"/);
    assert.doesNotMatch(r.stderr, /internal error/);
  });
});
