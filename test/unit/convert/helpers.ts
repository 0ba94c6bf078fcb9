import { basename } from "node:path";
import { type ConvertCommandOptions, convert } from "../../../src/cli/commands/convert.js";
import { isPlantonError } from "../../../src/errors.js";
import { captureContext } from "../../helpers/context.js";
import { root, yamlFiles } from "../../helpers/paths.js";

/** What one `planton convert` run printed and returned. @internal */
export interface ConvertRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the convert command in-process, as main.ts would: captured streams, no terminal, errors
 * turned into exit codes with their message on standard error. @internal
 */
export async function runConvert(
  options: Partial<ConvertCommandOptions> & { file: string },
  stdin = "",
): Promise<ConvertRun> {
  const { ctx, out } = captureContext({ cwd: root, stdin });
  try {
    await convert({ output: "yaml", ...options }, ctx);
    return { code: 0, ...out };
  } catch (err) {
    if (!isPlantonError(err)) throw err;
    return { code: err.exitCode, stdout: out.stdout, stderr: `${out.stderr}error: ${err.message}\n` };
  }
}

/** The IstioOperator corpus as [case name, path]. @internal */
export const corpus = (): [string, string][] => yamlFiles("test/fixtures/istio-operator");

/** Fixtures without metadata.name (Istio's profiles, the bare spec) are named after their file. @internal */
export const nameFor = (name: string, file: string): string | undefined =>
  name.startsWith("profile-") || name === "bare-spec" ? basename(file, ".yaml") : undefined;
