import { isMap, isScalar, type Document } from "yaml";
import { convertIstioOperator } from "../../convert/index.js";
import { renderConvertedJson, renderConvertedYaml, renderNotes } from "../../convert/render.js";
import { readAsIstioctl } from "../../convert/read.js";
import { ManifestError, UsageError } from "../../errors.js";
import { type Diagnostic, diagnostic, positionIn } from "../../manifest/diagnostic.js";
import { loadManifest } from "../../manifest/load.js";
import { parseManifestYaml } from "../../manifest/parse.js";
import { readManifestSource } from "../../manifest/source.js";
import { renderDiagnostics } from "../../output/diagnostics.js";
import { escapeControl } from "../../output/redact.js";
import type { CommandContext } from "../io.js";
import { summarize } from "../load-input.js";

export interface ConvertCommandOptions {
  file: string;
  name?: string;
  strict?: boolean;
  output: "yaml" | "json";
}

/** Offset of a top-level key in the document (0 when absent). */
function keyOffset(doc: Document.Parsed, key: string): number {
  const contents = doc.contents;
  if (key === "" || !isMap(contents)) return contents?.range?.[0] ?? 0;
  const pair = contents.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  return (isScalar(pair?.key) ? pair.key.range?.[0] : undefined) ?? contents.range?.[0] ?? 0;
}

function fail(list: Diagnostic[], ctx: CommandContext): never {
  ctx.io.stderr(renderDiagnostics(list, ctx.err));
  throw new ManifestError(summarize(list));
}

/**
 * `planton convert`: reads an IstioOperator (or its bare spec) and prints the KubernetesIstio
 * manifest that installs the same, with what did not map listed in its header. Exit 2 when the
 * input is unreadable or not an IstioOperator, and with `--strict` when anything did not map.
 */
export async function convert(options: ConvertCommandOptions, ctx: CommandContext): Promise<void> {
  const source = readManifestSource(options.file, { cwd: ctx.io.cwd, readStdin: ctx.io.readStdin });
  if (source.kind === "invalid") fail([source.diagnostic], ctx);
  const parsed = parseManifestYaml(source.text, source.file);
  if (parsed.kind === "invalid") fail(parsed.diagnostics, ctx);
  const read = readAsIstioctl(source.text, source.file);
  if (read.kind === "invalid") fail([read.diagnostic], ctx);
  const result = convertIstioOperator(read.value, { name: options.name });
  if (result.kind === "not_operator") {
    const at = positionIn(parsed.lines, source.file, keyOffset(parsed.doc, result.path));
    fail([diagnostic(at, result.path, "convert.not_istio_operator", result.message, result.hint)], ctx);
  }
  if (result.kind === "no_name")
    throw new UsageError(
      `${escapeControl(source.file)} has no metadata.name to name the manifest`,
      "pass --name NAME (a DNS-1123 label, e.g. --name production-mesh)",
    );

  if (result.kind === "bad_name")
    throw new UsageError(
      `the IstioOperator's name ${JSON.stringify(escapeControl(result.name))} cannot name a manifest (a DNS-1123 label of at most 53 characters)`,
      `pass --name, e.g. --name ${result.suggestion}`,
    );
  const dropped = result.notes.filter((n) => n.kind === "dropped");
  const from = result.source ? `the IstioOperator ${result.source}` : source.file;
  const yamlText = renderConvertedYaml(result.manifest, result.notes, from);
  // the output must load as it is; if it does not, the IstioOperator held a value planton refuses
  const check = loadManifest({ file: "-", readStdin: () => Buffer.from(yamlText), cwd: ctx.io.cwd });
  if (check.kind === "invalid") {
    ctx.io.stdout(yamlText);
    const where = `${source.file} (converted, as printed)`;
    ctx.io.stderr(
      `the converted manifest does not validate; fix ${escapeControl(source.file)} or the printed manifest:\n`,
    );
    fail(
      check.diagnostics.map((d) => ({ ...d, file: d.file === "<stdin>" ? where : d.file })),
      ctx,
    );
  }
  if (options.strict === true && dropped.length > 0) {
    ctx.io.stderr(renderNotes(dropped));
    throw new ManifestError(
      `${dropped.length} ${dropped.length === 1 ? "setting" : "settings"} of ${escapeControl(source.file)} did not map (--strict)`,
    );
  }
  if (options.output === "json") {
    ctx.io.stdout(renderConvertedJson(result.manifest));
    if (result.notes.length > 0) ctx.io.stderr(renderNotes(result.notes));
    return;
  }
  ctx.io.stdout(yamlText);
  if (dropped.length > 0)
    ctx.io.stderr(
      `${dropped.length} ${dropped.length === 1 ? "setting" : "settings"} did not map; the manifest's header lists them\n`,
    );
}
