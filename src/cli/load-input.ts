import { ManifestError, UsageError } from "../errors.js";
import type { StackFile } from "../deploy/request.js";
import { readCaFacts } from "../manifest/ca.js";
import type { Diagnostic } from "../manifest/diagnostic.js";
import { type LoadResult, loadManifest } from "../manifest/load.js";
import { type MeshSetItem, meshSetWaves, validateMeshSet } from "../manifest/mesh-set.js";
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
  const result = load(input, ctx.io);
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

/** Flags of a cluster command: one or more manifests, and what picks their stack and cluster. */
export interface StacksInput {
  file: string[];
  set?: string[];
  stack?: string | undefined;
  context?: string | undefined;
  kubeconfig?: string | undefined;
}

/**
 * Loads the manifests of a cluster command (all their diagnostics printed before any exit) with
 * what planning needs (the CA files' facts); several are validated as one mesh and ordered (a
 * primary's wave before its remotes'). `--stack`, `--context` and `--kubeconfig` name one stack
 * or cluster, so they are refused with several: each manifest names its own.
 */
export function loadStacks(input: StacksInput, ctx: CommandContext): StackFile[] {
  if (input.file.length > 1) refuseSingleFlags(input);
  const loaded: (MeshSetItem & StackFile)[] = [];
  const failed: string[] = [];
  for (const file of input.file) {
    try {
      const { manifest, source } = loadForCommand({ file, set: input.set ?? [] }, ctx);
      loaded.push({ file, manifest, source, ca: readCaFacts(manifest), wave: 0 });
    } catch (err) {
      if (!(err instanceof ManifestError) || input.file.length === 1) throw err;
      failed.push(err.message);
    }
  }
  if (failed.length > 0) throw new ManifestError(failed.join("; "));
  const diagnostics = validateMeshSet(loaded);
  if (diagnostics.length > 0) {
    ctx.io.stderr(renderDiagnostics(diagnostics, ctx.err));
    if (diagnostics.some((d) => d.severity === "error")) throw new ManifestError(summarize(diagnostics));
  }
  const waves = meshSetWaves(loaded);
  return loaded.map(({ file, manifest, ca }, i) => ({ file, manifest, ca, wave: waves[i] ?? 0 }));
}

function refuseSingleFlags(input: StacksInput): void {
  for (const [flag, value] of [
    ["--stack", input.stack],
    ["--context", input.context],
    ["--kubeconfig", input.kubeconfig],
  ] as const)
    if (value !== undefined)
      throw new UsageError(
        `${flag} names one stack or cluster and cannot be used with several -f`,
        "set metadata.name and spec.targetCluster in each manifest instead",
      );
  if (input.file.includes("-"))
    throw new UsageError("-f - (standard input) cannot be combined with other manifests", "give file paths");
}
