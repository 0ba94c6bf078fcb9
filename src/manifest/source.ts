import { resolve } from "node:path";
import { type Diagnostic, diagnostic } from "./diagnostic.js";
import { readAtMost, readFileBounded } from "./read-file.js";

export { readAtMost };

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

const directoryProblem = (file: string) =>
  problem(
    file,
    "file.directory",
    "is a directory, not a manifest file",
    "pass the manifest's YAML file, e.g. -f istio.yaml",
  );

/** The manifest's bytes from a path (pipes and devices read like standard input), or why not. */
function readPath(path: string, file: string): Buffer | SourceResult {
  const r = readFileBounded(path, { limit: maxManifestBytes, mode: "stream" });
  switch (r.kind) {
    case "ok":
      return r.bytes;
    case "missing":
      return problem(file, "file.missing", "no such file", "check the path given to -f");
    case "directory":
      return directoryProblem(file);
    case "too_large":
      return r.size === undefined
        ? problem(
            file,
            "file.too_large",
            `is more than ${maxManifestBytes} bytes, the most a manifest may be`,
            tooLargeHint,
          )
        : problem(
            file,
            "file.too_large",
            `is ${r.size} bytes; a manifest is at most ${maxManifestBytes} bytes`,
            tooLargeHint,
          );
    case "unreadable":
      return r.code === "EACCES" || r.code === "EPERM"
        ? problem(file, "file.unreadable", "permission denied", "make the file readable by the current user")
        : problem(file, "file.unreadable", `cannot be read (${r.code})`, "check the path given to -f");
    case "not_regular":
      return problem(file, "file.unreadable", "is a socket, not a file", "check the path given to -f");
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
  if (path === "-") {
    try {
      bytes = (options.readStdin ?? readProcessStdin)(maxManifestBytes + 1);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return problem(file, "file.unreadable", `cannot be read (${code ?? "error"})`, "check standard input");
    }
  } else {
    const read = readPath(resolve(options.cwd ?? process.cwd(), path), file);
    if (!Buffer.isBuffer(read)) return read;
    bytes = read;
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
