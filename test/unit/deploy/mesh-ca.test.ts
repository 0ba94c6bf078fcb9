/**
 * The mesh CA's cluster prechecks, through `planton preview` with a stand-in API and engine: a
 * missing cert-manager or istio-csr, or a missing `cacerts` Secret with `existingSecret`, stops
 * the command (exit 1) with what to install, before the engine runs.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { makePluginCa, opensslMissing } from "../../helpers/ca-certs.js";
import { runOnStandIns } from "../../helpers/engine-fixture.js";
import type { FakeObject } from "../../helpers/fake-kube.js";
import { root } from "../../helpers/paths.js";

const csr = join(root, "examples", "ca-istio-csr.yaml");
const plugin = join(root, "examples", "ca-plugin.yaml");

const crd: FakeObject = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "certificates.cert-manager.io" },
};
const csrService: FakeObject = {
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "cert-manager-istio-csr", namespace: "cert-manager" },
};
const cacerts = (keys: string[]): FakeObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "cacerts", namespace: "istio-system" },
  data: Object.fromEntries(keys.map((k) => [k, "c2VjcmV0"])),
});

const preview = (file: string, objects: FakeObject[]) => runOnStandIns(["preview", "-f", file], objects);

describe("mesh CA prechecks", () => {
  it("ISTIO_CSR without cert-manager: exit 1, what to install, no engine run", async () => {
    const r = await preview(csr, []);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /cert-manager is not installed in context "test-ctx" \(no CustomResourceDefinition certificates\.cert-manager\.io\)/,
    );
    assert.match(r.stderr, /hint: install cert-manager \(helm install cert-manager jetstack\/cert-manager/);
    assert.ok(!r.commands.includes("preview"), r.commands.join(" "));
  });
  it("ISTIO_CSR without the istio-csr Service: exit 1", async () => {
    const r = await preview(csr, [crd]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /istio-csr is not installed .* no Service cert-manager-istio-csr in namespace cert-manager/,
    );
  });
  it("ISTIO_CSR with both: the precheck passes", async () => {
    const r = await preview(csr, [crd, csrService]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /cert-manager is not installed|istio-csr is not installed/);
  });
  it("existingSecret without the cacerts Secret: exit 1 with how to create it", async () => {
    const r = await preview(plugin, []);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /the Secret cacerts does not exist in namespace istio-system/);
    assert.match(r.stderr, /kubectl create secret generic cacerts -n istio-system --from-file=ca-cert\.pem/);
  });
  it("existingSecret lacking a key: exit 1, key names only", async () => {
    const r = await preview(plugin, [cacerts(["ca-cert.pem", "root-cert.pem", "cert-chain.pem"])]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /lacks ca-key\.pem/);
    assert.doesNotMatch(r.stderr, /c2VjcmV0/);
  });
  it("a cacerts Secret planton did not create blocks creating one from files", {
    skip: opensslMissing,
  }, async () => {
    const dir = makePluginCa();
    try {
      const file = join(dir, "istio.yaml");
      writeFileSync(
        file,
        readFileSync(plugin, "utf8").replace("      existingSecret: true\n", "      directory: .\n"),
      );
      const theirs = await preview(file, [
        cacerts(["ca-cert.pem", "ca-key.pem", "root-cert.pem", "cert-chain.pem"]),
      ]);
      assert.equal(theirs.code, 1, theirs.stderr);
      assert.match(theirs.stderr, /a Secret cacerts that planton did not create already exists/);
      const none = await preview(file, []);
      assert.equal(none.code, 0, none.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("existingSecret present: the precheck passes", async () => {
    const r = await preview(plugin, [
      cacerts(["ca-cert.pem", "ca-key.pem", "root-cert.pem", "cert-chain.pem"]),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Secret cacerts/);
  });
});
