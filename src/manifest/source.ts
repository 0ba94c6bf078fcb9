import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { resolve } from "node:path";
import { type Diagnostic, diagnostic } from "./diagnostic.js";

/** Manifests are small; anything bigger is a mistake (a wrong file, a log, a binary). */
export const maxManifestBytes = 1024 * 1024;

/**
 * Reads standard input, at most `limit` bytes (fewer at end of input). A reader that returns
 * more is still safe: the extra bytes make the manifest too large.
 */
export type ReadStdin = (limit: number) => Buffer;

/** The text of a manifest, or the one diagnostic that says why it could not be read. */
export type SourceResult =
  | { kind: "ok"; file: string; text: string }
  | { kind: "invalid"; diagnostic: Diagnostic };

function problem(file: string, code: string, message: string, hint: string): SourceResult {
  return { kind: "invalid", diagnostic: diagnostic({ file, line: 1, column: 1 }, "", code, message, hint) };
}

/** Blocks for `ms` milliseconds (created on use: a V8 start-up snapshot has no SharedArrayBuffer). */
function sleep(ms: number): void {
  if (typeof SharedArrayBuffer === "function")
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  else for (const end = Date.now() + ms; Date.now() < end; );
}

/**
 * Reads at most `limit` bytes from a file descriptor into one fixed buffer, so that a device
 * (`/dev/zero`), a pipe or a terminal that never ends costs no more memory than a manifest.
 * Waits out a non-blocking descriptor (EAGAIN) instead of failing.
 */
export function readAtMost(fd: number, limit: number): Buffer {
  const buf = Buffer.allocUnsafe(limit);
  let total = 0;
  while (total < limit) {
    let n: number;
    try {
      n = readSync(fd, buf, total, limit - total, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
      sleep(10);
      continue;
    }
    if (n === 0) break;
    total += n;
  }
  return buf.subarray(0, total);
}

/** Standard input of this process, at most `limit` bytes: what `Io.readStdin` is in production. */
export const readProcessStdin: ReadStdin = (limit) => readAtMost(0, limit);

/** Where to read from. */
export interface SourceOptions {
  /** Standard input, for the path `-`. */
  readStdin?: ReadStdin | undefined;
  /** Relative paths are resolved against this directory (default: the process's). */
  cwd?: string | undefined;
}

const tooLargeHint = "check that -f names the manifest and not another file";

function readPath(path: string, file: string): Buffer | SourceResult {
  const fd = openSync(path, "r");
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) {
      return problem(
        file,
        "file.directory",
        "is a directory, not a manifest file",
        "pass the manifest's YAML file, e.g. -f istio.yaml",
      );
    }
    if (st.isFile() && st.size > maxManifestBytes) {
      return problem(
        file,
        "file.too_large",
        `is ${st.size} bytes; a manifest is at most ${maxManifestBytes} bytes`,
        tooLargeHint,
      );
    }
    return readAtMost(fd, maxManifestBytes + 1);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a manifest from a path, or from standard input for `-`. Never reads more than
 * `maxManifestBytes + 1` bytes from any source (file, pipe, device, standard input). Never throws
 * for a bad path or bad bytes: a missing file, a directory, an oversized, binary or non-UTF-8
 * file each become one diagnostic at line 1, column 1.
 */
export function readManifestSource(path: string, options: SourceOptions = {}): SourceResult {
  const file = path === "-" ? "<stdin>" : path;
  let bytes: Buffer;
  try {
    if (path === "-") {
      bytes = (options.readStdin ?? readProcessStdin)(maxManifestBytes + 1);
    } else {
      const read = readPath(resolve(options.cwd ?? process.cwd(), path), file);
      if (!Buffer.isBuffer(read)) return read;
      bytes = read;
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      return problem(file, "file.missing", "no such file", "check the path given to -f");
    }
    if (code === "EISDIR") {
      return problem(
        file,
        "file.directory",
        "is a directory, not a manifest file",
        "pass the manifest's YAML file, e.g. -f istio.yaml",
      );
    }
    if (code === "EACCES" || code === "EPERM") {
      return problem(
        file,
        "file.unreadable",
        "permission denied",
        "make the file readable by the current user",
      );
    }
    return problem(
      file,
      "file.unreadable",
      `cannot be read (${code ?? String(err)})`,
      "check the path given to -f",
    );
  }
  if (bytes.length > maxManifestBytes) {
    return problem(
      file,
      "file.too_large",
      `is more than ${maxManifestBytes} bytes, the most a manifest may be`,
      tooLargeHint,
    );
  }
  if (bytes.includes(0)) {
    return problem(file, "file.binary", "is a binary file, not YAML", "pass the manifest's YAML file");
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return problem(file, "file.encoding", "is not valid UTF-8", "save the file as UTF-8");
  }
  if (text.trim() === "") {
    return problem(
      file,
      "file.empty",
      "is empty",
      "start from examples/dev.yaml, or run `planton schema` for the full shape",
    );
  }
  return { kind: "ok", file, text };
}
