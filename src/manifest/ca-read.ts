import { statSync } from "node:fs";
import { describeReadFailure, readFileBounded } from "./read-file.js";

/**
 * Reading the plug-in CA's files: each through the bounded reader (a regular file of at most
 * `maxCaFileBytes`, never a FIFO or device), together at most `maxCaSecretBytes` (what one
 * `cacerts` Secret holds). A path field that holds key or certificate material instead of a
 * path is refused without being read or repeated; messages repeat a path only when it looks
 * like one.
 */

/** Kubernetes refuses a Secret bigger than 1 MiB, so no file of it (nor all four) may be more. */
export const maxCaSecretBytes = 1024 * 1024;
export const maxCaFileBytes = maxCaSecretBytes;

/**
 * True when a path field holds PEM material or a base64 body instead of a path: a PEM marker, a
 * line break, the base64 of a PEM file (`LS0tLS1…`), or base64 that decodes to one DER
 * structure (a key or certificate body, `MI…`/`MH…`) — not a path that merely uses letters.
 */
export function looksLikeMaterial(value: string): boolean {
  if (value.includes("-----BEGIN") || value.includes("-----END") || /[\r\n]/.test(value)) return true;
  const compact = value.replace(/\s+/g, "");
  if (compact.length < 40 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return false;
  if (compact.startsWith("LS0tLS1")) return true;
  const der = Buffer.from(compact, "base64");
  if (der[0] !== 0x30) return false;
  const len = der[1] ?? 0;
  const size =
    len < 0x80
      ? 2 + len
      : len === 0x81
        ? 3 + (der[2] ?? 0)
        : len === 0x82
          ? 4 + ((der[2] ?? 0) << 8) + (der[3] ?? 0)
          : -1;
  return size > 0 && Math.abs(der.length - size) <= 2;
}

/** A path as messages may show it: the path itself when short and path-like, else nothing. */
export function printablePath(path: string): string | undefined {
  return path.length <= 512 && !looksLikeMaterial(path) ? path : undefined;
}

export interface CaReadProblem {
  code: string;
  message: string;
  hint: string;
}

/** Reads one CA file: its text, or the one problem that says why not. */
export function readCaFile(path: string, name: string): { text: string } | CaReadProblem {
  const r = readFileBounded(path, { limit: maxCaFileBytes });
  if (r.kind === "ok") {
    try {
      if (r.bytes.includes(0)) throw new Error("binary");
      return { text: new TextDecoder("utf-8", { fatal: true }).decode(r.bytes) };
    } catch {
      return {
        code: "ca.pem_invalid",
        message: `${name} is a binary file, not PEM`,
        hint: "give the PEM (text) form of the file",
      };
    }
  }
  const shown = printablePath(path);
  const where = shown === undefined ? "" : ` at ${shown}`;
  if (r.kind === "too_large")
    return {
      code: "ca.file_too_large",
      message: `${name}${where} ${describeReadFailure(r, maxCaFileBytes)}`,
      hint: "the cacerts Secret holds at most 1 MiB in all; give only the certificates the file needs",
    };
  return {
    code: "ca.file_unreadable",
    message: `cannot read ${name}${where}: ${describeReadFailure(r, maxCaFileBytes)}`,
    hint:
      r.kind === "directory" || r.kind === "not_regular"
        ? `give the path of the ${name} file itself`
        : "check the path; it is relative to the manifest's folder",
  };
}

/** Why a `directory` field cannot hold the CA files, or undefined when it is a directory. */
export function checkCaDirectory(path: string): CaReadProblem | undefined {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    isDir = false;
  }
  if (isDir) return undefined;
  const shown = printablePath(path);
  return {
    code: "ca.file_unreadable",
    message: `${shown === undefined ? "the CA directory" : shown} is not a directory`,
    hint: "give the folder holding ca-cert.pem, ca-key.pem, root-cert.pem and cert-chain.pem (relative to the manifest's folder)",
  };
}

/**
 * A CA file's bytes for the `cacerts` Secret, bounded like `validate`'s read: the program reads
 * the files again at apply, and one swapped for a FIFO or device since must not hang or grow it.
 */
export function readCaFileBytes(path: string): Buffer {
  const r = readFileBounded(path, { limit: maxCaFileBytes });
  if (r.kind === "ok") return r.bytes;
  const shown = printablePath(path) ?? "a plug-in CA file";
  throw new Error(`cannot read ${shown}: ${describeReadFailure(r, maxCaFileBytes)}`);
}
