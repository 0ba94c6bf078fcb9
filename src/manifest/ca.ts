import { createHash, createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { KubernetesIstioValid } from "../../gen/planton/kubernetes/istio/v1/api_pb.js";
import type { CaCertificateFacts, CaFacts } from "../istio/types.js";
import { checkCaDirectory, looksLikeMaterial, maxCaSecretBytes, readCaFile } from "./ca-read.js";
import { certificateBlocks, keyBlock, pemBlocks } from "./ca-pem.js";
import { chainPath, checkCaCertificate, checkPathLengths, markedCa, subjectLine } from "./ca-rules.js";
import type {
  KubernetesIstioCaPlugin,
  KubernetesIstioSpec,
} from "../../gen/planton/kubernetes/istio/v1/spec_pb.js";

/**
 * The plug-in CA (`spec.ca.type: PLUGIN`): where its four files are, offline checks of them as
 * istiod loads them (Node's X.509 and a small DER reader, no OpenSSL; the rules in ca-rules.ts,
 * the reading in ca-read.ts), and the facts `render` shows (subjects, fingerprints, expiry).
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

export { subjectLine } from "./ca-rules.js";

type Emit = (
  field: CaFileField,
  code: string,
  message: string,
  hint: string,
  severity?: "error" | "warning",
) => void;

/**
 * Checks the plug-in CA's files offline, as istiod loads them (see ca-rules.ts): each a bounded
 * regular file, PEM that parses, the key matching `ca-cert.pem`, `ca-cert.pem` a CA,
 * `cert-chain.pem` the chain istiod appends (ca-cert.pem, then its issuers up to the root),
 * path lengths, signatures, key sizes, usages and critical extensions Go accepts, no certificate
 * expired or not yet valid (errors), none expiring within 30 days (a warning).
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
  const emit: Emit = (field, code, message, hint, severity = "error") =>
    out.push({ path: at(field), code, message, hint, severity });
  const text = readPluginFiles(plugin, paths, emit);
  checkMaterial(text, emit, now);
  return out;
}

/** The files' texts; a field left empty is skipped (the manifest's own rule reports it). */
function readPluginFiles(
  plugin: KubernetesIstioCaPlugin,
  paths: Record<CaFileField, string>,
  emit: Emit,
): Partial<Record<CaFileField, string>> {
  const text: Partial<Record<CaFileField, string>> = {};
  if (plugin.directory !== "") {
    const bad = looksLikeMaterial(plugin.directory)
      ? materialProblem("directory")
      : checkCaDirectory(dirname(paths.caCert));
    if (bad !== undefined) {
      emit("caCert", bad.code, bad.message, bad.hint);
      return text;
    }
  }
  for (const field of Object.keys(caFiles) as CaFileField[]) {
    if (plugin.directory === "" && plugin[field] === "") continue;
    const bad =
      plugin.directory === "" && looksLikeMaterial(plugin[field]) ? materialProblem(field) : undefined;
    const r = bad ?? readCaFile(paths[field], caFiles[field]);
    if ("text" in r) text[field] = r.text;
    else emit(field, r.code, r.message, r.hint);
  }
  const total = Object.values(text).reduce((n, t) => n + Buffer.byteLength(t), 0);
  if (total > maxCaSecretBytes)
    emit(
      "certChain",
      "ca.file_too_large",
      `the four CA files hold ${total} bytes; the cacerts Secret holds at most ${maxCaSecretBytes}`,
      "give only the certificates each file needs",
    );
  return text;
}

function materialProblem(field: string) {
  return {
    code: "ca.path_is_material",
    message: `${field} holds key or certificate material where a path belongs; it is not shown`,
    hint: "write it to a file and give the file's path (relative to the manifest's folder); a key pasted into a manifest should be treated as exposed",
  };
}

/** Parses ca-key.pem's key block, or reports why it cannot be used. */
function parseKey(text: string, emit: Emit): KeyObject | undefined {
  const block = keyBlock(text, emit);
  if (block === undefined) return undefined;
  try {
    return createPrivateKey(block);
  } catch {
    // never the parser's message: it could quote the input
    emit(
      "caKey",
      "ca.key_invalid",
      "ca-key.pem is not a PEM private key",
      "it must hold an unencrypted PEM private key",
    );
    return undefined;
  }
}

function checkMaterial(text: Partial<Record<CaFileField, string>>, emit: Emit, now: Date): void {
  const certs = (field: CaFileField) => {
    const t = text[field];
    return t === undefined ? undefined : certificateBlocks(t, field, caFiles[field], emit);
  };
  const caCert = certs("caCert")?.[0];
  const roots = certs("rootCert");
  const chain = certs("certChain");
  const key = text.caKey === undefined ? undefined : parseKey(text.caKey, emit);
  if (caCert !== undefined) checkCaCert(caCert, key, roots, chain, emit);
  const all: [CaFileField, X509Certificate][] = [
    ...(caCert ? [["caCert", caCert] as [CaFileField, X509Certificate]] : []),
    ...(chain ?? []).map((c) => ["certChain", c] as [CaFileField, X509Certificate]),
    ...(roots ?? []).map((c) => ["rootCert", c] as [CaFileField, X509Certificate]),
  ];
  const seen = new Set<string>();
  for (const [field, c] of all) {
    if (seen.has(c.fingerprint256)) continue;
    seen.add(c.fingerprint256);
    checkCaCertificate(c, field, caFiles[field], emit);
    checkDates(c, field, emit, now);
  }
}

function checkCaCert(
  caCert: X509Certificate,
  key: KeyObject | undefined,
  roots: X509Certificate[] | undefined,
  chain: X509Certificate[] | undefined,
  emit: Emit,
): void {
  if (key !== undefined) {
    let matches = false;
    try {
      matches = caCert.checkPrivateKey(key);
    } catch {
      matches = false;
    }
    if (!matches)
      emit(
        "caKey",
        "ca.key_mismatch",
        "ca-key.pem is not the private key of ca-cert.pem",
        "give the key the CA certificate was issued for",
      );
  }
  if (!markedCa(caCert))
    emit(
      "caCert",
      "ca.not_a_ca",
      `ca-cert.pem (${subjectLine(caCert.subject)}) is not a CA certificate (basicConstraints CA:TRUE is missing)`,
      "give an intermediate CA certificate, not a workload or server certificate",
    );
  if (roots === undefined || chain === undefined) return;
  const path = chainPath(caCert, chain, roots, emit);
  if (path !== undefined) checkPathLengths(path, emit);
}

function checkDates(c: X509Certificate, field: CaFileField, emit: Emit, now: Date): void {
  const notAfter = new Date(c.validTo);
  const notBefore = new Date(c.validFrom);
  const who = `${caFiles[field]} (${subjectLine(c.subject)})`;
  if (notAfter.getTime() <= now.getTime())
    emit(field, "ca.expired", `${who} expired on ${notAfter.toISOString()}`, "issue a new certificate");
  else if (notBefore.getTime() > now.getTime())
    emit(
      field,
      "ca.not_yet_valid",
      `${who} is valid only from ${notBefore.toISOString()}`,
      "check the clock, or wait",
    );
  else if (notAfter.getTime() - now.getTime() < expiryWarningDays * 86_400_000)
    emit(
      field,
      "ca.expiring",
      `${who} expires on ${notAfter.toISOString()}, within ${expiryWarningDays} days`,
      "rotate the CA soon: give new files and apply again (istiod restarts and loads them)",
      "warning",
    );
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
      const r = readCaFile(paths[field], caFiles[field]);
      if (!("text" in r)) return undefined;
      const t = r.text;
      hash.update(`${caFiles[field]}\0${t}\0`);
      for (const b of pemBlocks(t)) {
        if (b.type !== "CERTIFICATE") continue;
        const c = new X509Certificate(b.text);
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
