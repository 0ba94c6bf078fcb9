import { X509Certificate } from "node:crypto";
import type { Emit } from "./ca-rules.js";

/**
 * The PEM blocks of the plug-in CA's files, read as istiod reads them: the key is ca-key.pem's
 * first block; the certificate files hold certificates and nothing else.
 */

/** One PEM block: its type (`CERTIFICATE`, `EC PARAMETERS`, …) and the whole block's text. */
export interface PemBlock {
  type: string;
  text: string;
}

export function pemBlocks(text: string): PemBlock[] {
  return [...text.matchAll(/-----BEGIN ([A-Z0-9 ]{1,64})-----[\s\S]*?-----END \1-----/g)].map((m) => ({
    type: m[1] as string,
    text: m[0],
  }));
}

const keyTypes = new Set(["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"]);

/**
 * The key block istiod reads: the first PEM block of ca-key.pem, which must be an unencrypted
 * private key (an `EC PARAMETERS` block first, as `openssl ecparam -genkey` writes, is refused).
 */
export function keyBlock(text: string, emit: Emit): string | undefined {
  const first = pemBlocks(text)[0];
  if (first !== undefined && keyTypes.has(first.type)) return first.text;
  const [message, hint] =
    first?.type === "EC PARAMETERS"
      ? [
          "ca-key.pem starts with an EC PARAMETERS block; istiod reads only the first block and fails",
          "remove the EC PARAMETERS block (openssl pkey -in key.pem -out ca-key.pem, or openssl ecparam -genkey -noout)",
        ]
      : first?.type === "ENCRYPTED PRIVATE KEY"
        ? [
            "ca-key.pem is encrypted; istiod cannot read an encrypted key",
            "decrypt it: openssl pkey -in key.pem -out ca-key.pem",
          ]
        : ["ca-key.pem is not a PEM private key", "it must hold an unencrypted PEM private key"];
  emit("caKey", "ca.key_invalid", message, hint);
  return undefined;
}

/**
 * The certificates of a certificate file; any other block is refused (a private key in a file
 * that is sent to every workload must not pass). Undefined when none parse.
 */
export function certificateBlocks(
  text: string,
  file: Parameters<Emit>[0],
  name: string,
  emit: Emit,
): X509Certificate[] | undefined {
  const blocks = pemBlocks(text);
  const other = blocks.find((b) => b.type !== "CERTIFICATE");
  if (other !== undefined) {
    const isKey = other.type.includes("PRIVATE KEY");
    emit(
      file,
      isKey ? "ca.cert_file_has_key" : "ca.pem_invalid",
      isKey
        ? `${name} also holds a private key`
        : `${name} holds a ${other.type} block, not only certificates`,
      isKey
        ? "keep the key in ca-key.pem only: the certificate files are shared with every workload"
        : "it must hold only -----BEGIN CERTIFICATE----- blocks",
    );
    return undefined;
  }
  try {
    if (blocks.length === 0) throw new Error("no certificate");
    return blocks.map((b) => new X509Certificate(b.text));
  } catch {
    emit(
      file,
      "ca.pem_invalid",
      `${name} is not a PEM certificate`,
      "it must hold -----BEGIN CERTIFICATE----- blocks",
    );
    return undefined;
  }
}
