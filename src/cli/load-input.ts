import { ManifestError } from "../errors.js";
import type { Diagnostic } from "../manifest/diagnostic.js";
import { type LoadResult, loadManifest } from "../manifest/load.js";
import { renderDiagnostics } from "../output/diagnostics.js";
import type { CommandContext } from "./io.js";

/** Flags shared by every command that reads a manifest. */
export interface ManifestInput {
  file: string;
  set?: string[];
}

/**
 * Loads one manifest for a command: prints its warnings, or its diagnostics and throws
 * `ManifestError` (exit 2) when it is invalid, so nothing touches a cluster.
 */
export function loadForCommand(
  input: ManifestInput,
  ctx: CommandContext,
): Extract<LoadResult, { kind: "ok" }> {
  const result = loadManifest({
    file: input.file,
    overrides: input.set ?? [],
    readStdin: ctx.io.readStdin,
    cwd: ctx.io.cwd,
  });
  if (result.kind === "invalid") {
    ctx.io.stderr(renderDiagnostics(result.diagnostics, ctx.err));
    throw new ManifestError(summarize(result.diagnostics));
  }
  if (result.warnings.length > 0) ctx.io.stderr(renderDiagnostics(result.warnings, ctx.err));
  return result;
}

/** "3 errors in istio.yaml" */
export function summarize(list: Diagnostic[]): string {
  const errors = list.filter((d) => d.severity === "error").length;
  const files = [...new Set(list.map((d) => d.file))];
  return `${errors} ${errors === 1 ? "error" : "errors"} in ${files.join(", ")}`;
}
