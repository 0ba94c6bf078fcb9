import { ManifestError } from "../errors.js";
import type { Diagnostic } from "../manifest/diagnostic.js";
import { type LoadResult, loadManifest } from "../manifest/load.js";
import { renderDiagnostics } from "../output/diagnostics.js";
import type { CommandContext, Io } from "./io.js";

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
  const result = takePreloaded(input, ctx.io.cwd) ?? load(input, ctx.io);
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

function load(input: ManifestInput, io: Pick<Io, "readStdin" | "cwd">): LoadResult {
  return loadManifest({ file: input.file, overrides: input.set ?? [], readStdin: io.readStdin, cwd: io.cwd });
}

let preloaded: { key: string; result: LoadResult } | undefined;
const keyOf = (input: ManifestInput, cwd: string) => JSON.stringify([input.file, input.set ?? [], cwd]);

/**
 * Loads a manifest file before its command's modules are loaded (never standard input, which
 * can be read once), keeping the result for `loadForCommand`: the file is read and validated
 * once. Prints nothing; the command reports the result.
 */
export function preloadManifest(
  input: ManifestInput,
  io: Pick<Io, "readStdin" | "cwd">,
): LoadResult | undefined {
  if (input.file === "-") return undefined;
  const result = load(input, io);
  preloaded = { key: keyOf(input, io.cwd), result };
  return result;
}

function takePreloaded(input: ManifestInput, cwd: string): LoadResult | undefined {
  if (preloaded === undefined || preloaded.key !== keyOf(input, cwd)) return undefined;
  const { result } = preloaded;
  preloaded = undefined;
  return result;
}
