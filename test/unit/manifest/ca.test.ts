import assert from "node:assert/strict";
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { caChecksumAnnotation } from "../../../src/istio/ca.js";
import { planIstio } from "../../../src/istio/plan.js";
import { checkPluginCa } from "../../../src/manifest/ca.js";
import { readCaFacts } from "../../../src/manifest/ca.js";
import { loadManifest } from "../../../src/manifest/load.js";
import { planToJson, planToYaml } from "../../../src/output/plan.js";
import { makePluginCa, makeRoot, makeSigned, opensslMissing } from "../../helpers/ca-certs.js";
import { runCli } from "../../helpers/cli.js";
import { header } from "../../helpers/load.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function caDir(opts: Parameters<typeof makePluginCa>[0] = {}): string {
  const d = makePluginCa(opts);
  dirs.push(d);
  return d;
}

/** Writes a manifest into `dir` and loads it from there (paths relative to its folder). */
function load(dir: string, plugin: string) {
  const file = join(dir, "istio.yaml");
  writeFileSync(file, `${header}spec:\n  profile: minimal\n  ca:\n    type: PLUGIN\n    plugin: ${plugin}\n`);
  return loadManifest({ file, cwd: "/" });
}

/** `plugin` naming the four files, the key as `caKey`. */
const fourFiles = (caKey: string) =>
  `{caCert: ca-cert.pem, caKey: ${caKey}, rootCert: root-cert.pem, certChain: cert-chain.pem}`;

function codes(r: ReturnType<typeof load>): string[] {
  return (r.kind === "ok" ? r.warnings : r.diagnostics).map((d) => `${d.code}@${d.path}`);
}

describe("plug-in CA: offline checks", { skip: opensslMissing }, () => {
  it("accepts a valid directory, resolves the paths and plans the cacerts Secret without the key", () => {
    const dir = caDir();
    const r = load(dir, "{directory: .}");
    assert.equal(r.kind, "ok", JSON.stringify(codes(r)));
    if (r.kind !== "ok") return;
    assert.deepEqual(r.warnings, []);
    const plugin = r.manifest.spec.ca?.plugin;
    assert.equal(plugin?.caKey, join(dir, "ca-key.pem"));
    const facts = readCaFacts(r.manifest);
    assert.ok(facts);
    assert.ok(facts.certificates.some((c) => c.file === "ca-cert.pem" && c.subject.includes("Intermediate")));
    const plan = planIstio(r.manifest, { ca: facts });
    assert.equal(plan.ca?.secret?.name, "cacerts");
    assert.equal(plan.ca?.secret?.namespace, "istio-system");
    assert.equal(plan.ca?.secret?.create, true);
    const istiod = plan.releases.find((x) => x.component === "istiod");
    const pilot = istiod?.values.pilot as { podAnnotations?: Record<string, string> };
    assert.equal(pilot.podAnnotations?.[caChecksumAnnotation], facts.checksum);
    assert.ok(
      !plan.cleanup.controlPlaneObjects.some((o) => o.name === "cacerts"),
      "cleanup never takes cacerts",
    );
    const key = readFileSync(join(dir, "ca-key.pem"), "utf8");
    const body = key.split("\n")[1] ?? "";
    assert.ok(body.length > 20);
    for (const out of [planToJson(plan), planToYaml(plan)]) {
      assert.ok(!out.includes("PRIVATE KEY"), "no key in the plan");
      assert.ok(!out.includes(body), "no key material in the plan");
    }
  });

  it("validate -v, render and render --output-dir never print the key; render shows the certificates", async () => {
    const dir = caDir();
    load(dir, "{directory: .}");
    const file = join(dir, "istio.yaml");
    const body = readFileSync(join(dir, "ca-key.pem"), "utf8").split("\n")[1] ?? "";
    const out = join(dir, "out");
    const runs = [
      await runCli(["-v", "validate", "-f", file]),
      await runCli(["-v", "render", "-f", file]),
      await runCli(["render", "-f", file, "-o", "json", "--output-dir", out]),
    ];
    for (const r of runs) {
      assert.equal(r.code, 0, r.stderr);
      const text = r.stdout + r.stderr;
      assert.ok(!text.includes("PRIVATE KEY") && !text.includes(body), "no key in the output");
    }
    assert.match(
      runs[1]?.stdout ?? "",
      /name: cacerts[\s\S]*subject: O=planton-test, CN=Planton Test Intermediate CA[\s\S]*fingerprint: /,
    );
    for (const f of readdirSync(out)) {
      const text = readFileSync(join(out, f), "utf8");
      assert.ok(!text.includes("PRIVATE KEY") && !text.includes(body), `no key in ${f}`);
    }
  });

  it("accepts the four paths, relative to the manifest's folder", () => {
    const dir = caDir();
    const r = load(dir, fourFiles("./ca-key.pem"));
    assert.equal(r.kind, "ok", JSON.stringify(codes(r)));
  });

  it("reports a missing file at its field", () => {
    const dir = caDir();
    const r = load(dir, fourFiles("nope.pem"));
    assert.deepEqual(codes(r), ["ca.file_unreadable@spec.ca.plugin.caKey"]);
  });

  it("reports a file that is not PEM", () => {
    const dir = caDir();
    writeFileSync(join(dir, "root-cert.pem"), "hello\n");
    assert.deepEqual(codes(load(dir, "{directory: .}")), ["ca.pem_invalid@spec.ca.plugin.directory"]);
  });

  it("refuses a key that is not ca-cert.pem's, without printing it", () => {
    const dir = caDir();
    makeSigned(dir, "other", { ca: true, days: 365 });
    copyFileSync(join(dir, "other-key.pem"), join(dir, "ca-key.pem"));
    const r = load(dir, "{directory: .}");
    assert.deepEqual(codes(r), ["ca.key_mismatch@spec.ca.plugin.directory"]);
    const key = readFileSync(join(dir, "ca-key.pem"), "utf8");
    const text = JSON.stringify(r);
    assert.ok(!text.includes("PRIVATE KEY") && !text.includes(key.split("\n")[1] ?? "-"));
  });

  it("refuses a garbled key with a fixed message", () => {
    const dir = caDir();
    writeFileSync(
      join(dir, "ca-key.pem"),
      "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXNlY3JldA==\n-----END PRIVATE KEY-----\n",
    );
    const r = load(dir, "{directory: .}");
    assert.deepEqual(codes(r), ["ca.key_invalid@spec.ca.plugin.directory"]);
    assert.ok(!JSON.stringify(r).includes("c2VjcmV0LXNlY3JldA"));
  });

  it("refuses a leaf certificate instead of a CA", () => {
    const dir = caDir({ ca: false });
    assert.deepEqual(codes(load(dir, "{directory: .}")), ["ca.not_a_ca@spec.ca.plugin.directory"]);
  });

  it("refuses a chain that does not reach root-cert.pem", () => {
    const dir = caDir();
    const other = caDir();
    copyFileSync(join(other, "root-cert.pem"), join(dir, "root-cert.pem"));
    const r = load(dir, fourFiles("ca-key.pem"));
    assert.deepEqual(codes(r), ["ca.chain_broken@spec.ca.plugin.certChain"]);
  });

  it("follows a chain through an extra intermediate", () => {
    const dir = caDir();
    // cert-chain.pem with only ca-cert.pem: the root signs it directly, so this still chains
    writeFileSync(join(dir, "cert-chain.pem"), readFileSync(join(dir, "ca-cert.pem")));
    assert.deepEqual(codes(load(dir, "{directory: .}")), []);
  });

  it("refuses an expired certificate", () => {
    const dir = caDir({ days: 2 });
    const spec = { ca: { type: "PLUGIN", plugin: { directory: dir, existingSecret: false } } };
    const later = new Date(Date.now() + 5 * 86_400_000);
    const problems = checkPluginCa(spec as never, "/", later);
    assert.deepEqual(
      problems.map((p) => [p.code, p.severity]),
      [["ca.expired", "error"]],
    );
    assert.match(problems[0]?.message ?? "", /ca-cert\.pem .*Intermediate.* expired on/);
  });

  it("warns when a certificate expires within 30 days", () => {
    const dir = caDir({ days: 10 });
    const r = load(dir, "{directory: .}");
    assert.equal(r.kind, "ok");
    assert.deepEqual(codes(r), ["ca.expiring@spec.ca.plugin.directory"]);
    assert.equal(r.kind === "ok" ? r.warnings[0]?.severity : "", "warning");
  });

  it("existingSecret reads no file and plans no Secret to create", () => {
    const dir = caDir();
    const r = load(dir, "{existingSecret: true}");
    assert.equal(r.kind, "ok");
    if (r.kind !== "ok") return;
    assert.equal(readCaFacts(r.manifest), undefined);
    const plan = planIstio(r.manifest);
    assert.deepEqual(plan.ca?.secret?.create, false);
    const pilot = plan.releases.find((x) => x.component === "istiod")?.values.pilot as
      | Record<string, unknown>
      | undefined;
    assert.equal(pilot?.podAnnotations, undefined);
  });

  it("a fresh root with the same names is a different checksum", () => {
    const dir = caDir();
    const before = load(dir, "{directory: .}");
    assert.ok(before.kind === "ok");
    const first = readCaFacts(before.manifest)?.checksum;
    makeRoot(dir, "Rotated Root");
    makeSigned(dir, "intermediate", { ca: true, days: 365 });
    copyFileSync(join(dir, "intermediate-cert.pem"), join(dir, "ca-cert.pem"));
    copyFileSync(join(dir, "intermediate-key.pem"), join(dir, "ca-key.pem"));
    writeFileSync(
      join(dir, "cert-chain.pem"),
      readFileSync(join(dir, "ca-cert.pem"), "utf8") + readFileSync(join(dir, "root-cert.pem"), "utf8"),
    );
    const rotated = load(dir, "{directory: .}");
    assert.ok(rotated.kind === "ok");
    assert.ok(first !== undefined);
    assert.notEqual(first, readCaFacts(rotated.manifest)?.checksum);
  });
});

describe("ISTIO_CSR plan", () => {
  it("turns istiod's CA server off and points proxies at istio-csr", () => {
    const r = loadManifest({
      file: "-",
      readStdin: () => Buffer.from(`${header}spec:\n  profile: minimal\n  ca:\n    type: ISTIO_CSR\n`),
    });
    assert.equal(r.kind, "ok");
    if (r.kind !== "ok") return;
    const plan = planIstio(r.manifest);
    assert.deepEqual(plan.ca, {
      type: "ISTIO_CSR",
      istioCsr: {
        address: "cert-manager-istio-csr.cert-manager.svc:443",
        service: { name: "cert-manager-istio-csr", namespace: "cert-manager" },
        rootCaConfigMap: "istio-ca-root-cert",
      },
    });
    const v = plan.releases.find((x) => x.component === "istiod")?.values as {
      global: { caAddress?: string };
      pilot: { env?: Record<string, string> };
    };
    assert.equal(v.global.caAddress, "cert-manager-istio-csr.cert-manager.svc:443");
    assert.equal(v.pilot.env?.ENABLE_CA_SERVER, "false");
    assert.equal(
      (v.global as Record<string, unknown>).trustBundleName,
      undefined,
      "the default root ConfigMap sets nothing",
    );
  });

  it("an address outside the cluster has no Service to check", () => {
    const r = loadManifest({
      file: "-",
      readStdin: () =>
        Buffer.from(
          `${header}spec:\n  ca:\n    type: ISTIO_CSR\n    istioCsr: {address: "csr.example.com:8443"}\n`,
        ),
    });
    assert.ok(r.kind === "ok");
    assert.equal(planIstio(r.manifest).ca?.istioCsr?.service, undefined);
  });
});
