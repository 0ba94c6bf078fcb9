import type { CommandContext } from "../../src/cli/io.js";
import { createStyle } from "../../src/output/style.js";

/**
 * A CommandContext for calling a command function directly: no terminal, no colour, captured
 * streams (read them from `out` after the call). @internal
 */
export function captureContext(options: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: string } = {}) {
  const out = { stdout: "", stderr: "" };
  const ctx: CommandContext = {
    io: {
      stdout: (s) => {
        out.stdout += s;
      },
      stderr: (s) => {
        out.stderr += s;
      },
      stdinIsTTY: false,
      stderrIsTTY: false,
      env: options.env ?? {},
      cwd: options.cwd ?? process.cwd(),
      readStdin: (limit) => Buffer.from(options.stdin ?? "").subarray(0, limit),
    },
    global: { color: "never", verbose: false, nonInteractive: true },
    err: createStyle(false),
    out: createStyle(false),
    signal: new AbortController().signal,
    secret: () => {},
  };
  return { ctx, out };
}
