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
  readStdin: () => Buffer;
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
}
