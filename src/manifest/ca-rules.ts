import type { KeyObject, X509Certificate } from "node:crypto";
import { certFields, type CertFields } from "./der.js";

/**
 * The rules istiod applies when it loads a plug-in CA (Istio's key/cert bundle verification on
 * Go's crypto/x509, and the chain every workload then presents), checked offline so that
 * `validate` refuses what istiod would refuse at start-up or what would make every certificate
 * it issues unverifiable. Messages name certificates by subject and never hold file contents.
 */

/** Where a problem is reported (a CA file) and what it says. */
export type Emit = (
  file: "caCert" | "caKey" | "rootCert" | "certChain",
  code: string,
  message: string,
  hint: string,
) => void;

/** `CN=a\nO=b` → `CN=a, O=b` */
export function subjectLine(s: string): string {
  return s.split("\n").filter(Boolean).join(", ");
}

/** True when `issuer` signed `cert`. */
export function issued(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

export const chainLayoutHint =
  "istiod appends cert-chain.pem to every certificate it issues, so it must be ca-cert.pem first, then the certificate that issued it, and so on up to the root, e.g. cat ca-cert.pem [intermediate-cert.pem …] root-cert.pem > cert-chain.pem";

/**
 * The path from `ca-cert.pem` to a root of `root-cert.pem`, following `cert-chain.pem` block by
 * block: its first certificate is ca-cert.pem, each next one issued the one before, and the last
 * is a root or was issued by one. Reports the first break and returns undefined.
 */
export function chainPath(
  caCert: X509Certificate,
  chain: X509Certificate[],
  roots: X509Certificate[],
  emit: Emit,
): X509Certificate[] | undefined {
  const first = chain[0];
  if (first === undefined || first.fingerprint256 !== caCert.fingerprint256) {
    const what = first === undefined ? "no certificate" : `${subjectLine(first.subject)}`;
    emit(
      "certChain",
      "ca.chain_layout",
      `cert-chain.pem does not start with ca-cert.pem (it starts with ${what})`,
      chainLayoutHint,
    );
    return undefined;
  }
  const path = [first];
  for (const [i, next] of chain.entries()) {
    if (i === 0) continue;
    const prev = path[path.length - 1] as X509Certificate;
    if (issued(prev, prev) || !issued(prev, next)) {
      emit(
        "certChain",
        "ca.chain_order",
        `certificate ${i + 1} of cert-chain.pem (${subjectLine(next.subject)}) did not issue the one before it (${subjectLine(prev.subject)})`,
        chainLayoutHint,
      );
      return undefined;
    }
    path.push(next);
  }
  const top = path[path.length - 1] as X509Certificate;
  if (roots.some((r) => r.fingerprint256 === top.fingerprint256)) return path;
  const root = roots.find((r) => issued(top, r));
  if (root === undefined) {
    emit(
      "certChain",
      "ca.chain_broken",
      "ca-cert.pem does not chain to root-cert.pem through cert-chain.pem",
      chainLayoutHint,
    );
    return undefined;
  }
  return [...path, root];
}

/**
 * Path-length constraints along ca-cert.pem → … → root, as Go checks them for a workload
 * certificate the CA issues: the certificate `k` steps above ca-cert.pem has `k` CA certificates
 * below it, so its pathlen must be at least `k`.
 */
export function checkPathLengths(path: X509Certificate[], emit: Emit): void {
  for (const [k, cert] of path.entries()) {
    // a root (the last) need not say CA:TRUE: Go trusts it as given
    if (k > 0 && k < path.length - 1 && !markedCa(cert)) {
      emit(
        "certChain",
        "ca.not_a_ca",
        `${subjectLine(cert.subject)} issues a CA but is not one (basicConstraints CA:TRUE is missing)`,
        chainLayoutHint,
      );
      continue;
    }
    const max = fieldsOf(cert)?.maxPathLen;
    if (max === undefined || max >= k) continue;
    emit(
      k === path.length - 1 ? "rootCert" : "certChain",
      "ca.path_length",
      `${subjectLine(cert.subject)} has pathlen:${max}: at most ${max} CA certificate(s) may stand below it, but ${k} (ca-cert.pem${k > 1 ? " and the ones above it" : ""}) stand between it and every workload certificate, so each fails verification (path length constraint exceeded)`,
      `reissue it with pathlen:${k} or more (or none), or issue ca-cert.pem directly from it`,
    );
  }
}

/** basicConstraints' CA flag as Go reads it (node's `ca` is also false without keyCertSign). */
export function markedCa(cert: X509Certificate): boolean {
  return fieldsOf(cert)?.isCA ?? cert.ca;
}

const fieldsCache = new WeakMap<X509Certificate, CertFields | undefined>();
function fieldsOf(cert: X509Certificate): CertFields | undefined {
  if (!fieldsCache.has(cert)) {
    try {
      fieldsCache.set(cert, certFields(cert.raw));
    } catch {
      fieldsCache.set(cert, undefined);
    }
  }
  return fieldsCache.get(cert);
}

/** Signature algorithms Go's x509 refuses to verify (MD2, MD5, SHA-1), by OID. */
const weakSignatures: Record<string, string> = {
  "1.2.840.113549.1.1.2": "MD2",
  "1.2.840.113549.1.1.3": "MD4",
  "1.2.840.113549.1.1.4": "MD5",
  "1.2.840.113549.1.1.5": "SHA-1",
  "1.3.14.3.2.29": "SHA-1",
  "1.2.840.10045.4.1": "SHA-1",
  "1.2.840.10040.4.3": "SHA-1",
};

/** Extensions Go's x509 understands; any other marked critical makes it refuse the certificate. */
const handledExtensions = new Set([
  "2.5.29.14",
  "2.5.29.15",
  "2.5.29.17",
  "2.5.29.19",
  "2.5.29.30",
  "2.5.29.31",
  "2.5.29.32",
  "2.5.29.33",
  "2.5.29.35",
  "2.5.29.36",
  "2.5.29.37",
  "2.5.29.54",
  "1.3.6.1.5.5.7.1.1",
]);

const anyUsage = "2.5.29.37.0";
const neededUsages: [string, string][] = [
  ["1.3.6.1.5.5.7.3.1", "serverAuth"],
  ["1.3.6.1.5.5.7.3.2", "clientAuth"],
];

/** Curves Go's crypto/x509 parses. */
const goCurves = new Set(["prime256v1", "secp384r1", "secp521r1", "secp224r1"]);

/**
 * Refuses a public key Go's crypto/x509 cannot use for a CA: an RSA key below 2048 bits, an EC key
 * on a curve other than P-224/256/384/521, or a type other than RSA, EC and Ed25519.
 */
export function checkKeySize(key: KeyObject, file: Parameters<Emit>[0], who: string, emit: Emit): void {
  const type = key.asymmetricKeyType ?? "unknown";
  const bits = key.asymmetricKeyDetails?.modulusLength;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (type === "rsa" && bits !== undefined && bits < 2048)
    emit(
      file,
      "ca.key_too_small",
      `${who} has a ${bits}-bit RSA key; istiod needs at least 2048 bits`,
      "issue it with an RSA key of 2048 bits or more, or an EC P-256 key",
    );
  else if ((type === "ec" && !goCurves.has(curve ?? "")) || !["rsa", "ec", "ed25519"].includes(type))
    emit(
      file,
      "ca.key_type",
      `${who} has a ${type === "ec" ? `${curve} EC` : type} key, which istiod (Go's crypto/x509) cannot use`,
      "issue it with an RSA key of 2048 bits or more, or an EC P-256 key",
    );
}

/**
 * The per-certificate rules for a CA certificate (ca-cert.pem, an intermediate, a root): a
 * signature Go verifies, no critical extension Go does not know, an extended key usage that
 * allows the workload certificates it issues (serverAuth and clientAuth), keyCertSign when key
 * usage is present, an RSA key of 2048 bits or more.
 */
export function checkCaCertificate(
  cert: X509Certificate,
  file: Parameters<Emit>[0],
  name: string,
  emit: Emit,
): void {
  const who = `${name} (${subjectLine(cert.subject)})`;
  checkKeySize(cert.publicKey, file, who, emit);
  const f = fieldsOf(cert);
  if (f === undefined) {
    emit(
      file,
      "ca.pem_invalid",
      `${who} is not a certificate istiod can parse`,
      "give a DER-valid X.509 certificate",
    );
    return;
  }
  if (cert.serialNumber.startsWith("-"))
    emit(
      file,
      "ca.negative_serial",
      `${who} has a negative serial number, which Go's crypto/x509 refuses to parse`,
      "reissue it with a positive serial number (openssl's default)",
    );
  const weak = weakSignatures[f.signatureAlgorithm];
  if (weak !== undefined)
    emit(
      file,
      "ca.weak_signature",
      `${who} is signed with ${weak}, which istiod (Go's crypto/x509) refuses to verify`,
      "reissue it signed with SHA-256 or stronger (openssl … -sha256)",
    );
  const unknown = f.critical.filter((oid) => !handledExtensions.has(oid));
  if (unknown.length > 0)
    emit(
      file,
      "ca.critical_extension",
      `${who} has an unknown critical extension (${unknown.join(", ")}), so Go's crypto/x509 refuses it`,
      "reissue it without that extension, or with it marked non-critical",
    );
  if (f.extKeyUsage !== undefined && !f.extKeyUsage.includes(anyUsage)) {
    const missing = neededUsages.filter(([oid]) => !f.extKeyUsage?.includes(oid)).map(([, n]) => n);
    if (missing.length > 0)
      emit(
        file,
        "ca.extended_key_usage",
        `${who} restricts extended key usage and leaves out ${missing.join(" and ")}, which the workload certificates it issues carry`,
        "reissue it without extendedKeyUsage, or with serverAuth and clientAuth",
      );
  }
  if (f.isCA && f.keyUsage !== undefined && f.keyUsage[5] !== true)
    emit(
      file,
      "ca.key_usage",
      `${who} has key usage without keyCertSign, so it may not sign certificates`,
      "reissue it with keyUsage=critical,keyCertSign,cRLSign",
    );
}
