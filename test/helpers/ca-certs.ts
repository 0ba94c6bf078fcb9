import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Test certificates for the plug-in CA, generated at run time with the `openssl` command (tests
 * only; planton itself uses node:crypto). No private key is ever committed: every file lives in a
 * fresh temporary directory.
 */

/** Why CA tests are skipped, or false when `openssl` is on PATH. */
export const opensslMissing: string | false =
  spawnSync("openssl", ["version"], { encoding: "utf8" }).status === 0
    ? false
    : "openssl is not on PATH: the plug-in CA tests generate their certificates with it";

function openssl(cwd: string, args: string[]): void {
  const r = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${r.stderr}`);
}

const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

/** A self-signed root CA in `dir` (root-cert.pem, root-key.pem). */
export function makeRoot(dir: string, cn = "Planton Test Root CA", days = 3650): void {
  openssl(dir, [
    "req",
    "-x509",
    ...ecKey,
    "-keyout",
    "root-key.pem",
    "-out",
    "root-cert.pem",
    "-days",
    String(days),
    "-subj",
    `/O=planton-test/CN=${cn}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
}

/** A certificate and key signed by the root in `dir`: `<name>-cert.pem`, `<name>-key.pem`. */
export function makeSigned(
  dir: string,
  name: string,
  opts: { ca: boolean; days: number; cn?: string },
): void {
  writeFileSync(
    join(dir, `${name}.ext`),
    opts.ca
      ? "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n"
      : "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n",
  );
  openssl(dir, [
    "req",
    "-new",
    ...ecKey,
    "-keyout",
    `${name}-key.pem`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/O=planton-test/CN=${opts.cn ?? name}`,
  ]);
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "root-cert.pem",
    "-CAkey",
    "root-key.pem",
    "-CAcreateserial",
    "-out",
    `${name}-cert.pem`,
    "-days",
    String(opts.days),
    "-extfile",
    `${name}.ext`,
  ]);
}

/**
 * A directory holding a valid plug-in CA set (ca-cert.pem, ca-key.pem, root-cert.pem,
 * cert-chain.pem): an intermediate valid `days` days, signed by a fresh root.
 */
export function makePluginCa(opts: { days?: number; ca?: boolean; dir?: string } = {}): string {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "planton-ca-"));
  mkdirSync(dir, { recursive: true });
  makeRoot(dir);
  makeSigned(dir, "intermediate", {
    ca: opts.ca ?? true,
    days: opts.days ?? 365,
    cn: "Planton Test Intermediate CA",
  });
  copyFileSync(join(dir, "intermediate-cert.pem"), join(dir, "ca-cert.pem"));
  copyFileSync(join(dir, "intermediate-key.pem"), join(dir, "ca-key.pem"));
  writeFileSync(
    join(dir, "cert-chain.pem"),
    readFileSync(join(dir, "ca-cert.pem"), "utf8") + readFileSync(join(dir, "root-cert.pem"), "utf8"),
  );
  return dir;
}
