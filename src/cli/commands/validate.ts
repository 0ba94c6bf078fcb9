import { ManifestError, UsageError } from "../../errors.js";
import type { Diagnostic } from "../../manifest/diagnostic.js";
import { loadManifest } from "../../manifest/load.js";
import { diagnosticsToJson, renderDiagnostics } from "../../output/diagnostics.js";
import type { CommandContext } from "../io.js";
import { summarize } from "../load-input.js";

export interface ValidateOptions {
  file: string[];
  set?: string[];
  output: "text" | "json";
}

/** `planton validate`: loads each file, prints every diagnostic, exits 2 when any is an error. */
export async function validate(options: ValidateOptions, ctx: CommandContext): Promise<void> {
  if (options.file.filter((f) => f === "-").length > 1) {
    throw new UsageError(
      "standard input can be read only once",
      "pass `-f -` once; name the other manifests by their paths",
    );
  }
  const all: Diagnostic[] = [];
  const okFiles: string[] = [];
  for (const file of options.file) {
    const result = loadManifest({
      file,
      overrides: options.set ?? [],
      readStdin: ctx.io.readStdin,
      cwd: ctx.io.cwd,
    });
    const list = result.kind === "ok" ? result.warnings : result.diagnostics;
    all.push(...list);
    if (result.kind === "ok") okFiles.push(result.file);
  }
  if (options.output === "json") {
    ctx.io.stdout(diagnosticsToJson(all));
  } else {
    if (all.length > 0) ctx.io.stderr(renderDiagnostics(all, ctx.err));
    for (const f of okFiles) ctx.io.stdout(`${f}: valid\n`);
  }
  if (all.some((d) => d.severity === "error")) throw new ManifestError(summarize(all));
}
