import { basename } from "node:path";
import { type ConvertCommandOptions, convert } from "../../../src/cli/commands/convert.js";
import type { CommandContext } from "../../../src/cli/io.js";
import { isPlantonError } from "../../../src/errors.js";
import { createStyle } from "../../../src/output/style.js";
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
  let stdout = "";
  let stderr = "";
  const ctx: CommandContext = {
    io: {
      stdout: (s) => {
        stdout += s;
      },
      stderr: (s) => {
        stderr += s;
      },
      stdinIsTTY: false,
      stderrIsTTY: false,
      env: {},
      cwd: root,
      readStdin: (limit) => Buffer.from(stdin).subarray(0, limit),
    },
    global: { color: "never", verbose: false, nonInteractive: true },
    err: createStyle(false),
    out: createStyle(false),
    signal: new AbortController().signal,
    secret: () => {},
  };
  try {
    await convert({ output: "yaml", ...options }, ctx);
    return { code: 0, stdout, stderr };
  } catch (err) {
    if (!isPlantonError(err)) throw err;
    return { code: err.exitCode, stdout, stderr: `${stderr}error: ${err.message}\n` };
  }
}

/** The IstioOperator corpus as [case name, path]. @internal */
export const corpus = (): [string, string][] => yamlFiles("test/fixtures/istio-operator");

/** Fixtures without metadata.name (Istio's profiles, the bare spec) are named after their file. @internal */
export const nameFor = (name: string, file: string): string | undefined =>
  name.startsWith("profile-") || name === "bare-spec" ? basename(file, ".yaml") : undefined;
