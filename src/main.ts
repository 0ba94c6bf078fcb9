import { createInterface } from "node:readline";
import { CommanderError } from "commander";
import { createProgram } from "./cli/program.js";
import type { Io } from "./cli/io.js";
import { readProcessStdin } from "./manifest/source.js";
import { ExitCode, InterruptedError, isPlantonError, ManifestError } from "./errors.js";
import { createRedactor, escapeControl, secretTooShort, shortSecretWarning } from "./output/redact.js";
import { type ColorMode, colorEnabled, createStyle } from "./output/style.js";
import { recordSpan, takeSpans } from "./timings.js";

/** A failed write to standard output (closed, full), remembered so the run can end with it. */
let stdoutError: NodeJS.ErrnoException | undefined;

/** Records that standard output cannot be written; later output to it is dropped. */
export function noteStdoutError(err: NodeJS.ErrnoException): void {
  stdoutError ??= err;
}

/** True once writing to standard output failed. */
export const stdoutFailed = (): boolean => stdoutError !== undefined;

/** Asks on the terminal; undefined at end of input (Ctrl-D), InterruptedError on Ctrl-C. */
function terminalPrompt(question: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    rl.on("SIGINT", () => {
      rl.close();
      process.stderr.write("\n");
      reject(new InterruptedError("cancelled at the prompt: nothing was changed"));
    });
    rl.on("close", () => resolve(undefined));
    rl.question(question, (answer) => {
      resolve(answer);
      rl.close();
    });
  });
}

/** The real process's streams and environment. */
export function processIo(): Io {
  process.stdout.on("error", noteStdoutError);
  process.stderr.on("error", () => undefined); // nowhere left to say anything
  return {
    stdout: (s) => {
      if (stdoutError === undefined)
        process.stdout.write(s, (err) => {
          if (err) noteStdoutError(err);
        });
    },
    stderr: (s) => process.stderr.write(s),
    stdinIsTTY: process.stdin.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
    cwd: process.cwd(),
    readStdin: readProcessStdin,
    ...(process.stdin.isTTY === true ? { prompt: terminalPrompt } : {}),
    flush: () => new Promise<void>((resolve) => process.stdout.write("", () => resolve())),
  };
}

/**
 * Runs planton with `argv` (as in process.argv) and returns the exit code. The one place that
 * turns errors into exit codes and messages, and the only one that exits the process (at a
 * second Ctrl-C): expected errors print `error: message` and a hint, never a stack trace; a bug
 * prints a short report request (the stack only with -v). Everything written to standard output
 * and standard error passes through the redactor, which knows every secret the command
 * registered and the credential patterns.
 */
export async function run(argv: string[], rawIo: Io = processIo()): Promise<number> {
  // performance.now() counts from the process's start: what came before run() is start-up
  recordSpan("start-up", performance.now());
  const secrets: string[] = [];
  let redact = createRedactor(secrets);
  // one redaction path for every stream and format: text, YAML and JSON on standard output too
  const io: Io = {
    ...rawIo,
    stdout: (s) => rawIo.stdout(redact(s)),
    stderr: (s) => rawIo.stderr(redact(s)),
  };
  const secret = (value: string, what = "a secret planton was given") => {
    if (value === "" || secrets.includes(value)) return;
    secrets.push(value);
    redact = createRedactor(secrets);
    if (secretTooShort(value)) io.stderr(`warning: ${shortSecretWarning(what)}\n`);
  };
  const abort = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) {
      io.stderr("\ninterrupted again: quitting at once; run `planton unlock` if the stack stays locked\n");
      process.exit(ExitCode.interrupted);
    }
    io.stderr(
      "\ncancelling: waiting for the engine to stop cleanly and release the lock (Ctrl-C again to quit at once)…\n",
    );
    abort.abort();
  };
  process.on("SIGINT", onSigint);
  const program = createProgram(io, { signal: abort.signal, secret });
  const style = () => {
    const o = program.opts<{ color?: ColorMode }>();
    return createStyle(colorEnabled(o.color ?? "auto", io.stderrIsTTY, io.env));
  };
  try {
    await program.parseAsync(argv);
    await rawIo.flush?.();
    return endWith(ExitCode.ok, io);
  } catch (err) {
    const code = report(err, io, style(), program.opts<{ verbose?: boolean }>().verbose === true);
    await rawIo.flush?.();
    return endWith(code, io);
  } finally {
    process.off("SIGINT", onSigint);
    const spans = takeSpans();
    if (rawIo.env.PLANTON_TIMINGS === "1")
      rawIo.stderr(`timings: ${JSON.stringify({ ...spans, total: Math.round(performance.now()) })}\n`);
  }
}

/** The exit code for an error, after printing it. */
function report(err: unknown, io: Io, style: ReturnType<typeof createStyle>, verbose: boolean): number {
  if (err instanceof CommanderError) {
    if (
      [
        "commander.helpDisplayed",
        "commander.version",
        "commander.help",
        "commander.executeSubCommandAsync",
      ].includes(err.code)
    )
      return ExitCode.ok;
    return ExitCode.badInput; // commander already printed the message and the usage hint
  }
  if (isPlantonError(err)) {
    // messages quote user input (names, paths, values): no control character reaches the terminal
    if (!(err instanceof ManifestError) || err.message !== "")
      io.stderr(`${style.red(style.bold("error"))}: ${escapeControl(err.message, { keepNewlines: true })}\n`);
    if (err.hint) io.stderr(`  ${style.cyan("hint:")} ${escapeControl(err.hint, { keepNewlines: true })}\n`);
    if (verbose && err.cause instanceof Error)
      io.stderr(`${style.dim(`caused by: ${err.cause.stack ?? err.cause.message}`)}\n`);
    return err.exitCode;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  io.stderr(
    `${style.red(style.bold("internal error"))}: ${escapeControl(e.message, { keepNewlines: true })}\n`,
  );
  io.stderr(
    verbose ? `${e.stack ?? ""}\n` : "  this is a bug in planton; rerun with -v for details and report it\n",
  );
  return ExitCode.failed;
}

/** A command that could not write its result (stdout full or broken) did not succeed. */
function endWith(code: number, io: Io): number {
  const err = stdoutError;
  if (err === undefined || code !== ExitCode.ok) return code;
  // a reader that went away (`planton render | head`) is not a failure, as with other tools
  if (err.code === "EPIPE") return code;
  io.stderr(
    `error: cannot write to standard output (${err.code ?? err.message})\n  hint: check where standard output goes (a full disk, a closed descriptor)\n`,
  );
  return ExitCode.failed;
}
