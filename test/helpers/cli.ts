import { run } from "../../src/main.js";
import type { Io } from "../../src/cli/io.js";

/** What a CLI run printed and returned. @internal */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs planton in-process with captured streams, no terminal, and the given stdin. @internal */
export async function runCli(
  args: string[],
  options: {
    stdin?: string | Buffer;
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    /** A terminal to answer prompts: its answer, undefined for Ctrl-D, an error for Ctrl-C. */
    prompt?: (question: string) => Promise<string | undefined>;
  } = {},
): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const io: Io = {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    stdinIsTTY: options.prompt !== undefined,
    stderrIsTTY: false,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    cwd: options.cwd ?? process.cwd(),
    readStdin: (limit) =>
      (typeof options.stdin === "string"
        ? Buffer.from(options.stdin)
        : (options.stdin ?? Buffer.alloc(0))
      ).subarray(0, limit),
    ...(options.prompt === undefined ? {} : { prompt: options.prompt }),
  };
  const code = await run(["node", "planton", ...args], io);
  return { code, stdout, stderr };
}
