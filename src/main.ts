import { readFileSync } from "node:fs";
import { CommanderError } from "commander";
import { createProgram } from "./cli/program.js";
import type { Io } from "./cli/io.js";
import { ExitCode, isPlantonError, ManifestError } from "./errors.js";
import { colorEnabled, createStyle } from "./output/style.js";

/** The real process's streams and environment. */
export function processIo(): Io {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    stdinIsTTY: process.stdin.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
    cwd: process.cwd(),
    readStdin: () => readFileSync(0),
  };
}

/**
 * Runs planton with `argv` (as in process.argv) and returns the exit code. The one place that
 * turns errors into exit codes and messages: expected errors print `error: message` and a hint,
 * never a stack trace; a bug prints a short report request (the stack only with -v).
 */
export async function run(argv: string[], io: Io = processIo()): Promise<number> {
  const program = createProgram(io);
  const verbose = argv.includes("-v") || argv.includes("--verbose");
  const style = createStyle(
    colorEnabled(
      argv.includes("--color=always") ? "always" : argv.includes("--color=never") ? "never" : "auto",
      io.stderrIsTTY,
      io.env,
    ),
  );
  try {
    await program.parseAsync(argv);
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === "commander.helpDisplayed" ||
        err.code === "commander.version" ||
        err.code === "commander.help"
      )
        return ExitCode.ok;
      if (err.code === "commander.executeSubCommandAsync") return ExitCode.ok;
      return ExitCode.badInput; // commander already printed the message and the usage hint
    }
    if (isPlantonError(err)) {
      if (!(err instanceof ManifestError) || err.message !== "") {
        io.stderr(`${style.red(style.bold("error"))}: ${err.message}\n`);
      }
      if (err.hint) io.stderr(`  ${style.cyan("hint:")} ${err.hint}\n`);
      if (verbose && err.cause instanceof Error)
        io.stderr(`${style.dim(`caused by: ${err.cause.stack ?? err.cause.message}`)}\n`);
      return err.exitCode;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    io.stderr(`${style.red(style.bold("internal error"))}: ${e.message}\n`);
    io.stderr(
      verbose
        ? `${e.stack ?? ""}\n`
        : "  this is a bug in planton; rerun with -v for details and report it\n",
    );
    return ExitCode.failed;
  }
}
