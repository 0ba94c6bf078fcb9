import { createHash, createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import type { KubernetesIstioValid } from "../../gen/planton/kubernetes/istio/v1/api_pb.js";
import type { CaCertificateFacts, CaFacts } from "../istio/types.js";
import type {
  KubernetesIstioCaPlugin,
  KubernetesIstioSpec,
} from "../../gen/planton/kubernetes/istio/v1/spec_pb.js";

/**
 * The plug-in CA (`spec.ca.type: PLUGIN`): where its four files are, offline checks of them with
 * Node's own X.509 (no OpenSSL), and the facts `render` shows (subjects, fingerprints, expiry).
 * The private key is read only to check that it matches `ca-cert.pem`; no message, fact or
 * checksum here contains it or anything derived from it.
 */

/** The files Istio's plug-in CA reads from the `cacerts` Secret, by manifest field. */
export const caFiles = {
  caCert: "ca-cert.pem",
  caKey: "ca-key.pem",
  rootCert: "root-cert.pem",
  certChain: "cert-chain.pem",
} as const;
export type CaFileField = keyof typeof caFiles;
export type CaFileName = (typeof caFiles)[CaFileField];

const fieldPath: Record<CaFileField, string> = {
  caCert: "ca_cert",
  caKey: "ca_key",
  rootCert: "root_cert",
  certChain: "cert_chain",
};

/** A certificate expiring within this many days is a warning. */
export const expiryWarningDays = 30;

/** One problem with the plug-in CA, at a field path. Messages never hold file contents. */
export interface CaProblem {
  path: string;
  code: string;
  message: string;
  hint: string;
  severity: "error" | "warning";
}

function resolvePath(p: string, manifestDir: string): string {
  if (p.startsWith("~/")) return join(homedir(), p.slice(2));
  return isAbsolute(p) ? p : resolve(manifestDir, p);
}

/** The four files' paths (resolved against `manifestDir`), or undefined when planton creates no Secret. */
export function pluginCaPaths(
  plugin: KubernetesIstioCaPlugin | undefined,
  manifestDir: string,
): Record<CaFileField, string> | undefined {
  if (plugin === undefined || plugin.existingSecret) return undefined;
  const out = {} as Record<CaFileField, string>;
  for (const [field, name] of Object.entries(caFiles) as [CaFileField, CaFileName][]) {
    out[field] =
      plugin.directory !== ""
        ? join(resolvePath(plugin.directory, manifestDir), name)
        : resolvePath(plugin[field], manifestDir);
  }
  return out;
}

/**
 * Rewrites the plug-in CA's paths as absolute ones (after validation), so the plan and the
 * program read the same files whatever the working directory.
 */
export function resolveCaPaths(spec: KubernetesIstioSpec, manifestDir: string): void {
  const plugin = spec.ca?.type === "PLUGIN" ? spec.ca.plugin : undefined;
  const paths = pluginCaPaths(plugin, manifestDir);
  if (plugin === undefined || paths === undefined) return;
  plugin.directory = "";
  Object.assign(plugin, paths);
}

/** Every PEM certificate block in a text. */
function pemBlocks(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

/** `CN=a\nO=b` → `CN=a, O=b` */
export function subjectLine(s: string): string {
  return s.split("\n").filter(Boolean).join(", ");
}

/** True when `issuer` signed `cert`. */
function issued(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/**
 * Checks the plug-in CA's files offline: each readable, each a PEM that parses, the key matching
 * `ca-cert.pem`, `ca-cert.pem` a CA, chaining to `root-cert.pem` through `cert-chain.pem`, no
 * certificate expired or not yet valid (errors), none expiring within 30 days (a warning).
 */
export function checkPluginCa(
  spec: KubernetesIstioSpec,
  manifestDir: string,
  now: Date = new Date(),
): CaProblem[] {
  const plugin = spec.ca?.type === "PLUGIN" ? spec.ca.plugin : undefined;
  const paths = pluginCaPaths(plugin, manifestDir);
  if (plugin === undefined || paths === undefined) return [];
  const out: CaProblem[] = [];
  const base = "spec.ca.plugin";
  const at = (field: CaFileField) =>
    plugin.directory !== "" ? `${base}.directory` : `${base}.${fieldPath[field]}`;
  const problem = (
    field: CaFileField,
    code: string,
    message: string,
    hint: string,
    severity: "error" | "warning" = "error",
  ) => out.push({ path: at(field), code, message, hint, severity });

  const text: Partial<Record<CaFileField, string>> = {};
  for (const field of Object.keys(caFiles) as CaFileField[]) {
    try {
      text[field] = readFileSync(paths[field], "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "error";
      problem(
        field,
        "ca.file_unreadable",
        `cannot read ${caFiles[field]} at ${paths[field]} (${code})`,
        plugin.directory !== ""
          ? `the directory must hold ${Object.values(caFiles).join(", ")}`
          : "check the path; it is relative to the manifest's folder",
      );
    }
  }

  const parseCerts = (field: CaFileField): X509Certificate[] | undefined => {
    const t = text[field];
    if (t === undefined) return undefined;
    const blocks = pemBlocks(t);
    try {
      if (blocks.length === 0) throw new Error("no certificate");
      return blocks.map((b) => new X509Certificate(b));
    } catch {
      problem(
        field,
        "ca.pem_invalid",
        `${caFiles[field]} is not a PEM certificate`,
        "it must hold -----BEGIN CERTIFICATE----- blocks",
      );
      return undefined;
    }
  };
  const caCert = parseCerts("caCert")?.[0];
  const roots = parseCerts("rootCert");
  const chain = parseCerts("certChain");
  let key: KeyObject | undefined;
  if (text.caKey !== undefined) {
    try {
      key = createPrivateKey(text.caKey);
    } catch {
      // never the parser's message: it could quote the input
      problem(
        "caKey",
        "ca.key_invalid",
        "ca-key.pem is not a PEM private key",
        "it must hold an unencrypted PEM private key",
      );
    }
  }

  if (caCert !== undefined) {
    if (key !== undefined) {
      let matches = false;
      try {
        matches = caCert.checkPrivateKey(key);
      } catch {
        matches = false;
      }
      if (!matches)
        problem(
          "caKey",
          "ca.key_mismatch",
          "ca-key.pem is not the private key of ca-cert.pem",
          "give the key the CA certificate was issued for",
        );
    }
    if (!caCert.ca)
      problem(
        "caCert",
        "ca.not_a_ca",
        `ca-cert.pem (${subjectLine(caCert.subject)}) is not a CA certificate (basicConstraints CA:TRUE is missing)`,
        "give an intermediate CA certificate, not a workload or server certificate",
      );
    if (roots !== undefined && chain !== undefined && !chainsToRoot(caCert, chain, roots))
      problem(
        "certChain",
        "ca.chain_broken",
        "ca-cert.pem does not chain to root-cert.pem through cert-chain.pem",
        "cert-chain.pem must hold ca-cert.pem's issuers up to the root (often ca-cert.pem followed by root-cert.pem)",
      );
  }

  const dated: [CaFileField, X509Certificate][] = [
    ...(caCert ? [["caCert", caCert] as [CaFileField, X509Certificate]] : []),
    ...(roots ?? []).map((c) => ["rootCert", c] as [CaFileField, X509Certificate]),
    ...(chain ?? []).map((c) => ["certChain", c] as [CaFileField, X509Certificate]),
  ];
  const seen = new Set<string>();
  for (const [field, c] of dated) {
    if (seen.has(c.fingerprint256)) continue;
    seen.add(c.fingerprint256);
    const notAfter = new Date(c.validTo);
    const notBefore = new Date(c.validFrom);
    const who = `${caFiles[field]} (${subjectLine(c.subject)})`;
    if (notAfter.getTime() <= now.getTime())
      problem(field, "ca.expired", `${who} expired on ${notAfter.toISOString()}`, "issue a new certificate");
    else if (notBefore.getTime() > now.getTime())
      problem(
        field,
        "ca.not_yet_valid",
        `${who} is valid only from ${notBefore.toISOString()}`,
        "check the clock, or wait",
      );
    else if (notAfter.getTime() - now.getTime() < expiryWarningDays * 86_400_000)
      problem(
        field,
        "ca.expiring",
        `${who} expires on ${notAfter.toISOString()}, within ${expiryWarningDays} days`,
        "rotate the CA soon: give new files and apply again (istiod restarts and loads them)",
        "warning",
      );
  }
  return out;
}

/** Walks from `cert` through `chain` to one of `roots`, each step a verified signature. */
function chainsToRoot(cert: X509Certificate, chain: X509Certificate[], roots: X509Certificate[]): boolean {
  let current = cert;
  const used = new Set<string>([cert.fingerprint256]);
  for (let step = 0; step <= chain.length; step++) {
    if (roots.some((r) => issued(current, r))) return true;
    const next = chain.find((c) => !used.has(c.fingerprint256) && issued(current, c));
    if (next === undefined) return false;
    used.add(next.fingerprint256);
    current = next;
  }
  return false;
}

/**
 * Reads the facts of a loaded manifest's plug-in CA (its paths already absolute), or undefined
 * when planton creates no `cacerts` Secret or a file cannot be read (validate reported it).
 */
export function readCaFacts(manifest: KubernetesIstioValid): CaFacts | undefined {
  const ca = manifest.spec.ca;
  const paths = ca?.type === "PLUGIN" ? pluginCaPaths(ca.plugin, "/") : undefined;
  if (paths === undefined) return undefined;
  try {
    const hash = createHash("sha256");
    const certificates: CaCertificateFacts[] = [];
    for (const field of ["caCert", "rootCert", "certChain"] as const) {
      const t = readFileSync(paths[field], "utf8");
      hash.update(`${caFiles[field]}\0${t}\0`);
      for (const b of pemBlocks(t)) {
        const c = new X509Certificate(b);
        certificates.push({
          file: caFiles[field],
          subject: subjectLine(c.subject),
          issuer: subjectLine(c.issuer),
          fingerprint: c.fingerprint256,
          notAfter: new Date(c.validTo).toISOString(),
        });
      }
    }
    return { certificates, checksum: hash.digest("hex") };
  } catch {
    return undefined;
  }
}
