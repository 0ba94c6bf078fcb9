import type { ReadStdin } from "../manifest/source.js";
import type { ColorMode, Style } from "../output/style.js";

/** Everything a command may touch in the outside world, so tests can call commands directly. */
export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Standard input is a terminal (prompts are possible). */
  stdinIsTTY: boolean;
  /** Standard error is a terminal (live progress is possible). */
  stderrIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Reads standard input, at most `limit` bytes (a manifest larger than that is refused). */
  readStdin: ReadStdin;
  /**
   * Asks a question on the terminal and resolves the answer; undefined when input ended
   * (Ctrl-D). Ctrl-C rejects with `InterruptedError`. Absent where there is no terminal.
   */
  prompt?: (question: string) => Promise<string | undefined>;
  /** Resolves once everything written to standard output was handed to the system. */
  flush?: () => Promise<void>;
}

/** Options every command accepts. */
export interface GlobalOptions {
  color: ColorMode;
  verbose: boolean;
  nonInteractive: boolean;
}

/** What a command receives besides its own options. */
export interface CommandContext {
  io: Io;
  global: GlobalOptions;
  /** Styling for standard error. */
  err: Style;
  /** Styling for standard output. */
  out: Style;
  /** Aborted by the first Ctrl-C: the running operation cancels cleanly. */
  signal: AbortSignal;
  /** Registers a value that must never be printed; main.ts redacts it from all output. */
  secret: (value: string, what?: string) => void;
}
