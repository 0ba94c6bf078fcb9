import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { loadManifest } from "../../../src/manifest/load.js";
import { issue, opensslMissing, opensslOutput, writePluginFiles } from "../../helpers/ca-certs.js";
import { runCli } from "../../helpers/cli.js";
import { header } from "../../helpers/load.js";

/** The plug-in CA shapes istiod refuses at start-up, or with which no workload certificate verifies. */

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const plain = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n";

/** root → int → ca, each shape overridable; cert-chain.pem defaults to ca, int, root. */
function threeLevel(opts: { root?: string; int?: string; ca?: string } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "planton-ca3-"));
  dirs.push(dir);
  issue(dir, "root", { ext: opts.root ?? plain });
  issue(dir, "int", { signer: "root", ext: opts.int ?? plain });
  issue(dir, "ca", { signer: "int", ext: opts.ca ?? `${plain}` });
  writePluginFiles(dir, "ca", "root", ["ca", "int", "root"]);
  return dir;
}

/** root → ca with the ca's options; cert-chain.pem is ca then root. */
function twoLevel(ca: Parameters<typeof issue>[2] = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "planton-ca2-"));
  dirs.push(dir);
  issue(dir, "root");
  issue(dir, "ca", { signer: "root", ...ca });
  writePluginFiles(dir, "ca", "root", ["ca", "root"]);
  return dir;
}

function check(dir: string, plugin = "{directory: .}"): string[] {
  const file = join(dir, "istio.yaml");
  writeFileSync(file, `${header}spec:\n  profile: minimal\n  ca:\n    type: PLUGIN\n    plugin: ${plugin}\n`);
  const r = loadManifest({ file, cwd: "/" });
  return (r.kind === "ok" ? r.warnings : r.diagnostics).map(
    (d) => `${d.code}@${d.path.replace("spec.ca.plugin.", "")}`,
  );
}

const paths = "{caCert: ca-cert.pem, caKey: ca-key.pem, rootCert: root-cert.pem, certChain: cert-chain.pem}";

describe("plug-in CA: istiod's loading rules", { skip: opensslMissing }, () => {
  it("accepts root → intermediate → ca-cert with cert-chain.pem = ca-cert, intermediate, root", () => {
    assert.deepEqual(check(threeLevel()), []);
  });

  it("refuses a cert-chain.pem that is only the root", () => {
    const dir = threeLevel();
    writePluginFiles(dir, "ca", "root", ["root"]);
    assert.deepEqual(check(dir, paths), ["ca.chain_layout@certChain"]);
  });

  it("refuses a cert-chain.pem of only the issuers above ca-cert.pem", () => {
    const dir = threeLevel();
    writePluginFiles(dir, "ca", "root", ["int", "root"]);
    assert.deepEqual(check(dir, paths), ["ca.chain_layout@certChain"]);
  });

  it("refuses a cert-chain.pem that skips the intermediate above ca-cert.pem", () => {
    const dir = threeLevel();
    writePluginFiles(dir, "ca", "root", ["ca", "root"]);
    assert.deepEqual(check(dir, paths), ["ca.chain_order@certChain"]);
  });

  it("refuses a root with pathlen:0 above an intermediate", () => {
    const dir = threeLevel({
      root: "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign\n",
    });
    assert.deepEqual(check(dir, paths), ["ca.path_length@rootCert"]);
  });

  it("refuses an intermediate with pathlen:0 above ca-cert.pem", () => {
    const dir = threeLevel({
      int: "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign\n",
    });
    assert.deepEqual(check(dir, paths), ["ca.path_length@certChain"]);
  });

  it("refuses a key file with an EC PARAMETERS block before the key", () => {
    const dir = twoLevel();
    const params = opensslOutput(dir, ["ecparam", "-name", "prime256v1"]);
    assert.match(params, /BEGIN EC PARAMETERS/);
    writeFileSync(join(dir, "ca-key.pem"), params + readFileSync(join(dir, "ca-key.pem"), "utf8"));
    assert.deepEqual(check(dir, paths), ["ca.key_invalid@caKey"]);
  });

  it("refuses a certificate file that also holds the private key", () => {
    const dir = twoLevel();
    appendFileSync(join(dir, "ca-cert.pem"), readFileSync(join(dir, "ca-key.pem")));
    assert.deepEqual(check(dir, paths), ["ca.cert_file_has_key@caCert"]);
  });

  it("refuses a CA certificate signed with SHA-1", () => {
    assert.deepEqual(check(twoLevel({ digest: "sha1" }), paths), ["ca.weak_signature@caCert"]);
  });

  it("refuses an extended key usage without serverAuth and clientAuth", () => {
    const dir = twoLevel({ ext: `${plain}extendedKeyUsage=codeSigning\n` });
    assert.deepEqual(check(dir, paths), ["ca.extended_key_usage@caCert"]);
  });

  it("accepts an extended key usage of serverAuth and clientAuth", () => {
    assert.deepEqual(check(twoLevel({ ext: `${plain}extendedKeyUsage=serverAuth,clientAuth\n` }), paths), []);
  });

  it("refuses key usage without keyCertSign", () => {
    const dir = twoLevel({ ext: "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature\n" });
    assert.deepEqual(check(dir, paths), ["ca.key_usage@caCert"]);
  });

  it("refuses an unknown critical extension", () => {
    const dir = twoLevel({ ext: `${plain}1.2.3.4.5=critical,ASN1:UTF8String:planton\n` });
    assert.deepEqual(check(dir, paths), ["ca.critical_extension@caCert"]);
  });

  it("refuses an RSA key below 2048 bits", () => {
    assert.deepEqual(check(twoLevel({ key: "rsa:1024" }), paths), ["ca.key_too_small@caCert"]);
  });

  it("refuses an EC key on a curve Go does not parse (secp256k1)", () => {
    assert.deepEqual(check(twoLevel({ key: "ec:secp256k1" }), paths), ["ca.key_type@caCert"]);
  });

  it("refuses a negative serial number (Go's x509 refuses to parse it)", () => {
    assert.deepEqual(check(twoLevel({ serial: "-5" }), paths), ["ca.negative_serial@caCert"]);
  });

  it("accepts an RSA key of 2048 bits", () => {
    assert.deepEqual(check(twoLevel({ key: "rsa:2048" }), paths), []);
  });

  it("refuses a cert-chain.pem over 1 MiB (the cacerts Secret's limit)", () => {
    const dir = twoLevel();
    appendFileSync(join(dir, "cert-chain.pem"), `${"# padding\n".repeat(110_000)}`);
    assert.deepEqual(check(dir, paths), ["ca.file_too_large@certChain"]);
  });

  it("refuses four files that together are over 1 MiB", () => {
    const dir = twoLevel();
    appendFileSync(join(dir, "cert-chain.pem"), `${"# padding\n".repeat(60_000)}`);
    appendFileSync(join(dir, "root-cert.pem"), `${"# padding\n".repeat(60_000)}`);
    assert.deepEqual(check(dir, paths), ["ca.file_too_large@certChain"]);
  });
});

describe("plug-in CA: files that are not files", { skip: opensslMissing }, () => {
  it("a FIFO, a symlink to /dev/zero and a directory each get one diagnostic, without hanging", () => {
    const dir = twoLevel();
    const fifo = join(dir, "fifo");
    assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
    symlinkSync("/dev/zero", join(dir, "zero"));
    mkdirSync(join(dir, "sub"));
    const start = Date.now();
    const got = check(dir, "{caCert: ca-cert.pem, caKey: fifo, rootCert: zero, certChain: sub}");
    assert.deepEqual(got, [
      "ca.file_unreadable@caKey",
      "ca.file_unreadable@rootCert",
      "ca.file_unreadable@certChain",
    ]);
    assert.ok(Date.now() - start < 5000);
  });

  it("an empty path gets no read diagnostic (only the manifest's own rule)", () => {
    const dir = twoLevel();
    const got = check(
      dir,
      "{caCert: ca-cert.pem, caKey: '', rootCert: root-cert.pem, certChain: cert-chain.pem}",
    );
    assert.deepEqual(got, ["ca.plugin_all_files@spec.ca.plugin"]);
  });
});

describe("plug-in CA: key material where a path belongs", { skip: opensslMissing }, () => {
  it("a base64 key body given with --set is refused and not repeated in the diagnostic's file", async () => {
    const dir = twoLevel();
    const body = readFileSync(join(dir, "ca-key.pem"), "utf8")
      .split("\n")
      .filter((l) => l !== "" && !l.startsWith("-----"))
      .join("");
    const file = join(dir, "istio.yaml");
    writeFileSync(
      file,
      `${header}spec:\n  profile: minimal\n  ca:\n    type: PLUGIN\n    plugin: ${paths}\n`,
    );
    for (const output of ["text", "json"]) {
      const r = await runCli(["validate", "-o", output, "-f", file, "--set", `spec.ca.plugin.caKey=${body}`]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stdout + r.stderr, /ca\.path_is_material/);
      assert.ok(!(r.stdout + r.stderr).includes(body.slice(0, 16)), r.stdout + r.stderr);
    }
  });

  it("a PEM key or its base64 body in caKey is refused and never printed, as text or JSON", async () => {
    const dir = twoLevel();
    const key = readFileSync(join(dir, "ca-key.pem"), "utf8");
    const body = key
      .split("\n")
      .filter((l) => l !== "" && !l.startsWith("-----"))
      .join("");
    const pem = `|\n${key.replace(/^/gm, "        ")}`;
    for (const value of [pem, body, JSON.stringify(key)]) {
      const file = join(dir, "istio.yaml");
      writeFileSync(
        file,
        `${header}spec:\n  profile: minimal\n  ca:\n    type: PLUGIN\n    plugin:\n      caCert: ca-cert.pem\n      caKey: ${value}\n      rootCert: root-cert.pem\n      certChain: cert-chain.pem\n`,
      );
      for (const args of [
        ["validate", "-f", file],
        ["-v", "validate", "-o", "json", "-f", file],
      ]) {
        const r = await runCli(args);
        assert.equal(r.code, 2, r.stderr);
        const text = r.stdout + r.stderr;
        assert.match(text, /ca\.path_is_material/);
        for (const line of body.match(/.{1,16}/g) ?? [])
          assert.ok(!text.includes(line), `a piece of the key appears in: ${text}`);
      }
    }
  });
});
