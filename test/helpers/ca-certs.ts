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

/** A new key `<name>-key.pem` (`key`: openssl's key arguments) and its request `<name>.csr` in `dir`. */
function newRequest(dir: string, name: string, key: string[], cn: string): void {
  const out = ["-keyout", `${name}-key.pem`, "-out", `${name}.csr`];
  openssl(dir, ["req", "-new", ...key, ...out, "-subj", `/O=planton-test/CN=${cn}`]);
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
  newRequest(dir, name, ecKey, opts.cn ?? name);
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

/** How `issue` makes one certificate. */
export interface IssueOptions {
  /** The issuer's name in `dir` (its `<name>-cert.pem` and `<name>-key.pem`); self-signed when absent. */
  signer?: string;
  /** The extensions, as an openssl extension file's lines. */
  ext?: string;
  /** `ec` (P-256, the default), `ec:<curve>` or `rsa:<bits>`. */
  key?: string;
  /** A fixed serial number (e.g. `-5`) instead of a random one. */
  serial?: string;
  /** The signature digest (default sha256). */
  digest?: string;
}

const caExt = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n";

/** One certificate `<name>-cert.pem` with its key `<name>-key.pem` in `dir`, in any shape. */
export function issue(dir: string, name: string, opts: IssueOptions = {}): void {
  const key = opts.key ?? "ec";
  const newKey =
    key === "ec"
      ? ecKey
      : key.startsWith("ec:")
        ? ["-newkey", "ec", "-pkeyopt", `ec_paramgen_curve:${key.slice(3)}`, "-nodes"]
        : ["-newkey", key, "-nodes"];
  const serial = opts.serial === undefined ? [] : ["-set_serial", opts.serial];
  writeFileSync(join(dir, `${name}.ext`), opts.ext ?? caExt);
  newRequest(dir, name, newKey, name);
  const signer =
    opts.signer === undefined
      ? ["-signkey", `${name}-key.pem`, ...serial]
      : [
          "-CA",
          `${opts.signer}-cert.pem`,
          "-CAkey",
          `${opts.signer}-key.pem`,
          ...(serial.length > 0 ? serial : ["-CAcreateserial"]),
        ];
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    ...signer,
    `-${opts.digest ?? "sha256"}`,
    "-days",
    "365",
    "-out",
    `${name}-cert.pem`,
    "-extfile",
    `${name}.ext`,
  ]);
}

/**
 * Writes the plug-in CA files in `dir` from issued names: ca-cert.pem and ca-key.pem from `ca`,
 * root-cert.pem from `root`, cert-chain.pem the concatenation of `chain`'s certificates.
 */
export function writePluginFiles(dir: string, ca: string, root: string, chain: string[]): void {
  const cert = (n: string) => readFileSync(join(dir, `${n}-cert.pem`), "utf8");
  copyFileSync(join(dir, `${ca}-cert.pem`), join(dir, "ca-cert.pem"));
  copyFileSync(join(dir, `${ca}-key.pem`), join(dir, "ca-key.pem"));
  copyFileSync(join(dir, `${root}-cert.pem`), join(dir, "root-cert.pem"));
  writeFileSync(join(dir, "cert-chain.pem"), chain.map(cert).join(""));
}

/** Runs openssl in `dir` and returns its standard output (e.g. an `EC PARAMETERS` block). */
export function opensslOutput(dir: string, args: string[]): string {
  const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}
