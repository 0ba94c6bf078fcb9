// The plug-in CA's files, checked offline (validate): readable, parsed, chained and in date.

import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { KubernetesIstioSpec } from "../../gen/planton/kubernetes/istio/v1/spec_pb.js";
import {
  type CaFileField,
  type CaProblem,
  caFiles,
  expiryWarningDays,
  fieldPath,
  pemBlocks,
  pluginCaPaths,
  subjectLine,
} from "./ca.js";

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
  const problem: Problem = (field, code, message, hint, severity = "error") =>
    out.push({
      path: plugin.directory !== "" ? `${base}.directory` : `${base}.${fieldPath[field]}`,
      code,
      message,
      hint,
      severity,
    });
  const files = parseCaFiles(readCaFiles(paths, plugin.directory !== "", problem), problem);
  if (files.caCert !== undefined) checkCaCert(files.caCert, files, problem);
  checkValidity(files, now, problem);
  return out;
}

type Problem = (
  field: CaFileField,
  code: string,
  message: string,
  hint: string,
  severity?: "error" | "warning",
) => void;

/** The parsed plug-in CA files; each undefined when unreadable or invalid (already reported). */
interface CaFilesParsed {
  caCert: X509Certificate | undefined;
  roots: X509Certificate[] | undefined;
  chain: X509Certificate[] | undefined;
  key: KeyObject | undefined;
}

/** Each file's text; an unreadable one is reported. */
function readCaFiles(
  paths: Record<CaFileField, string>,
  inDirectory: boolean,
  problem: Problem,
): Partial<Record<CaFileField, string>> {
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
        inDirectory
          ? `the directory must hold ${Object.values(caFiles).join(", ")}`
          : "check the path; it is relative to the manifest's folder",
      );
    }
  }
  return text;
}

/** The certificates and the key of the files read; one that does not parse is reported. */
function parseCaFiles(text: Partial<Record<CaFileField, string>>, problem: Problem): CaFilesParsed {
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
  return { caCert, roots, chain, key };
}

/** ca-cert.pem: the key is its own, it is a CA, and it chains to the root through cert-chain.pem. */
function checkCaCert(caCert: X509Certificate, files: CaFilesParsed, problem: Problem): void {
  if (files.key !== undefined) {
    let matches = false;
    try {
      matches = caCert.checkPrivateKey(files.key);
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
  if (
    files.roots !== undefined &&
    files.chain !== undefined &&
    !chainsToRoot(caCert, files.chain, files.roots)
  )
    problem(
      "certChain",
      "ca.chain_broken",
      "ca-cert.pem does not chain to root-cert.pem through cert-chain.pem",
      "cert-chain.pem must hold ca-cert.pem's issuers up to the root (often ca-cert.pem followed by root-cert.pem)",
    );
}

/** Each certificate (once) is valid now, and not expiring within the warning days. */
function checkValidity(files: CaFilesParsed, now: Date, problem: Problem): void {
  const dated: [CaFileField, X509Certificate][] = [
    ...(files.caCert ? [["caCert", files.caCert] as [CaFileField, X509Certificate]] : []),
    ...(files.roots ?? []).map((c) => ["rootCert", c] as [CaFileField, X509Certificate]),
    ...(files.chain ?? []).map((c) => ["certChain", c] as [CaFileField, X509Certificate]),
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
