import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

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

/**
 * The one reader for every file planton reads (manifests, CA files, kubeconfigs, passphrase
 * files, plans): never more than `limit + 1` bytes, whatever the path names.
 *
 * - `regular` (the default, for files that must be files: CA material, kubeconfigs, …): the
 *   path is opened without blocking (`O_NONBLOCK`: a FIFO without a writer cannot hang the
 *   open) and checked with `fstat` before any read: a directory, FIFO, socket or device
 *   (`/dev/zero`, also through a symlink) is refused unread, and so is a file over `limit`.
 * - `stream` (for a manifest, which may come from `-f <(…)`): pipes and devices are read like
 *   standard input, at most `limit + 1` bytes; a directory is still refused unread.
 */
export type ReadFileResult =
  | { kind: "ok"; bytes: Buffer }
  | { kind: "missing" }
  | { kind: "directory" }
  | { kind: "not_regular" }
  | { kind: "too_large"; size: number | undefined }
  | { kind: "unreadable"; code: string };

export interface ReadFileOptions {
  limit: number;
  mode?: "regular" | "stream";
}

function failure(err: unknown): ReadFileResult {
  const code = (err as NodeJS.ErrnoException).code ?? "error";
  if (code === "ENOENT" || code === "ENOTDIR") return { kind: "missing" };
  if (code === "EISDIR") return { kind: "directory" };
  if (code === "ENXIO") return { kind: "not_regular" }; // a socket, or a FIFO opened for writing only
  return { kind: "unreadable", code };
}

/** Reads a file within the bounds above; never throws. */
export function readFileBounded(path: string, options: ReadFileOptions): ReadFileResult {
  const stream = options.mode === "stream";
  let fd: number;
  try {
    fd = openSync(path, stream ? constants.O_RDONLY : constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return failure(err);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return { kind: "directory" };
    if (!st.isFile() && !stream) return { kind: "not_regular" };
    if (st.isFile() && st.size > options.limit) return { kind: "too_large", size: st.size };
    const bytes = readAtMost(fd, options.limit + 1);
    if (bytes.length > options.limit) return { kind: "too_large", size: undefined };
    return { kind: "ok", bytes };
  } catch (err) {
    return failure(err);
  } finally {
    closeSync(fd);
  }
}

/** A short, secret-free reason for a failed read, for messages: `no such file`, `is a directory`, … */
export function describeReadFailure(r: Exclude<ReadFileResult, { kind: "ok" }>, limit: number): string {
  switch (r.kind) {
    case "missing":
      return "no such file";
    case "directory":
      return "is a directory, not a file";
    case "not_regular":
      return "is not a regular file (a FIFO, socket or device)";
    case "too_large":
      return r.size === undefined
        ? `is over the ${limit}-byte limit`
        : `is ${r.size} bytes, over the ${limit}-byte limit`;
    case "unreadable":
      return r.code === "EACCES" || r.code === "EPERM" ? "permission denied" : `cannot be read (${r.code})`;
  }
}
