import { ManifestError, UsageError } from "../../errors.js";
import type { Diagnostic } from "../../manifest/diagnostic.js";
import { loadManifest } from "../../manifest/load.js";
import { type MeshSetItem, validateMeshSet } from "../../manifest/mesh-set.js";
import { diagnosticsToJson, renderDiagnostics } from "../../output/diagnostics.js";
import type { CommandContext } from "../io.js";
import { summarize } from "../load-input.js";

export interface ValidateOptions {
  file: string[];
  set?: string[];
  output: "text" | "json";
}

/**
 * `planton validate`: loads each file and checks several as one mesh (the checks `preview` runs
 * across its `-f`s), prints every diagnostic, exits 2 when any is an error.
 */
export async function validate(options: ValidateOptions, ctx: CommandContext): Promise<void> {
  if (options.file.filter((f) => f === "-").length > 1) {
    throw new UsageError(
      "standard input can be read only once",
      "pass `-f -` once; name the other manifests by their paths",
    );
  }
  const all: Diagnostic[] = [];
  const loaded: MeshSetItem[] = [];
  for (const file of options.file) {
    const result = loadManifest({
      file,
      overrides: options.set ?? [],
      readStdin: ctx.io.readStdin,
      cwd: ctx.io.cwd,
    });
    all.push(...(result.kind === "ok" ? result.warnings : result.diagnostics));
    if (result.kind === "ok")
      loaded.push({ file: result.file, manifest: result.manifest, source: result.source });
  }
  // several manifests are one mesh, as preview and apply take them: checked across the set once each loads
  if (loaded.length === options.file.length) all.push(...validateMeshSet(loaded));
  const failed = new Set(all.filter((d) => d.severity === "error").map((d) => d.file));
  if (options.output === "json") {
    ctx.io.stdout(diagnosticsToJson(all));
  } else {
    if (all.length > 0) ctx.io.stderr(renderDiagnostics(all, ctx.err));
    for (const { file } of loaded) if (!failed.has(file)) ctx.io.stdout(`${file}: valid\n`);
  }
  if (failed.size > 0) throw new ManifestError(summarize(all));
}
