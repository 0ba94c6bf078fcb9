import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { planIstio } from "../../../src/istio/plan.js";
import { readCaFacts } from "../../../src/manifest/ca.js";
import { loadManifest } from "../../../src/manifest/load.js";
import { checkCa } from "../../../src/deploy/status/ca.js";
import { makePluginCa, opensslMissing } from "../../helpers/ca-certs.js";
import { header } from "../../helpers/load.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function plan(ca: string) {
  const r = loadManifest({ file: "-", readStdin: () => Buffer.from(`${header}spec:\n  ca:\n${ca}`) });
  if (r.kind !== "ok") throw new Error(JSON.stringify(r.diagnostics));
  return planIstio(r.manifest, { ca: readCaFacts(r.manifest) });
}

describe("status: the mesh CA", () => {
  it("no spec.ca: no check (istiod's self-signed CA)", () => {
    const r = loadManifest({ file: "-", readStdin: () => Buffer.from(`${header}spec: {}\n`) });
    assert.ok(r.kind === "ok");
    assert.deepEqual(checkCa(planIstio(r.manifest), undefined), []);
  });

  describe("plug-in CA", { skip: opensslMissing }, () => {
    const dir = opensslMissing ? "" : makePluginCa({ days: 365 });
    if (dir) dirs.push(dir);
    const p = () => plan(`    type: PLUGIN\n    plugin: {directory: ${dir}}\n`);
    const root = () => readFileSync(join(dir, "root-cert.pem"), "utf8");

    it("the manifest's root in use: ok, with the root's subject and expiry", () => {
      const [c] = checkCa(p(), root());
      assert.equal(c?.state, "ok", c?.message);
      assert.equal(c?.category, "ca");
      assert.match(
        c?.message ?? "",
        /^plug-in CA \(cacerts\); root O=planton-test, CN=Planton Test Root CA valid until \d{4}-\d\d-\d\d$/,
      );
    });
    it("another root in use: error, apply fixes it", () => {
      const other = makePluginCa();
      dirs.push(other);
      const [c] = checkCa(p(), readFileSync(join(other, "root-cert.pem"), "utf8"));
      assert.equal(c?.state, "error");
      assert.match(c?.message ?? "", /not the manifest's root-cert\.pem/);
      assert.match(c?.hint ?? "", /planton apply/);
    });
    it("no root ConfigMap: error", () => {
      const [c] = checkCa(p(), undefined);
      assert.equal(c?.state, "error");
      assert.match(c?.message ?? "", /istio-ca-root-cert\) is missing/);
    });
    it("ca-cert.pem expiring within 30 days: warning", () => {
      const soon = new Date(Date.now() + 350 * 86_400_000);
      const [c] = checkCa(p(), root(), soon);
      assert.equal(c?.state, "warning", c?.message);
      assert.match(
        c?.message ?? "",
        /ca-cert\.pem \(O=planton-test, CN=Planton Test Intermediate CA\) expires on/,
      );
    });
    it("ca-cert.pem expired: error", () => {
      const [c] = checkCa(p(), root(), new Date(Date.now() + 400 * 86_400_000));
      assert.equal(c?.state, "error");
      assert.match(c?.message ?? "", /expired on/);
    });
  });

  it("istio-csr: reports the address and the root it distributes", { skip: opensslMissing }, () => {
    const dir = makePluginCa();
    dirs.push(dir);
    const [c] = checkCa(plan("    type: ISTIO_CSR\n"), readFileSync(join(dir, "root-cert.pem"), "utf8"));
    assert.equal(c?.state, "ok");
    assert.match(c?.message ?? "", /^istio-csr at cert-manager-istio-csr\.cert-manager\.svc:443; root /);
  });
});
