import { readFileSync, statSync } from "node:fs";
import type { Diagnostic } from "./diagnostic.js";

/** Manifests are small; anything bigger is a mistake (a wrong file, a log, a binary). */
export const maxManifestBytes = 1024 * 1024;

/** The text of a manifest, or the one diagnostic that says why it could not be read. */
export type SourceResult =
  | { kind: "ok"; file: string; text: string }
  | { kind: "invalid"; diagnostic: Diagnostic };

function problem(file: string, code: string, message: string, hint: string): SourceResult {
  return {
    kind: "invalid",
    diagnostic: { severity: "error", code, message, path: "", file, line: 1, column: 1, hint },
  };
}

/**
 * Reads a manifest from a path, or from standard input for `-`. Never throws for a bad path or
 * bad bytes: a missing file, a directory, an oversized, binary or non-UTF-8 file each become one
 * diagnostic at line 1, column 1.
 */
export function readManifestSource(
  path: string,
  readStdin: () => Buffer = () => readFileSync(0),
): SourceResult {
  const file = path === "-" ? "<stdin>" : path;
  let bytes: Buffer;
  try {
    if (path !== "-") {
      const st = statSync(path);
      if (st.isDirectory()) {
        return problem(
          file,
          "file.directory",
          "is a directory, not a manifest file",
          "pass the manifest's YAML file, e.g. -f istio.yaml",
        );
      }
      if (st.size > maxManifestBytes) {
        return problem(
          file,
          "file.too_large",
          `is ${st.size} bytes; a manifest is at most ${maxManifestBytes} bytes`,
          "check that -f names the manifest and not another file",
        );
      }
    }
    bytes = path === "-" ? readStdin() : readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      return problem(file, "file.missing", "no such file", "check the path given to -f");
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
      `is ${bytes.length} bytes; a manifest is at most ${maxManifestBytes} bytes`,
      "check that -f names the manifest and not another file",
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
