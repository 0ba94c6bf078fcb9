import { createHash, X509Certificate } from "node:crypto";
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

export const fieldPath: Record<CaFileField, string> = {
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
export function pemBlocks(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

/** `CN=a\nO=b` → `CN=a, O=b` */
export function subjectLine(s: string): string {
  return s.split("\n").filter(Boolean).join(", ");
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
