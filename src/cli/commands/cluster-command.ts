import { readCaFacts } from "../../manifest/ca.js";
import { InterruptedError, UsageError } from "../../errors.js";
import type { DeployIo, DeployRequest, Target } from "../../deploy/request.js";
import { createRequest } from "../../deploy/request.js";
import { createProgress } from "../../output/progress.js";
import type { CommandContext } from "../io.js";
import { loadForCommand, type ManifestInput } from "../load-input.js";

/** Flags of the commands that work on a stack and its cluster. */
export interface ClusterFlags extends ManifestInput, Target {
  json?: boolean;
  yes?: boolean;
}

/**
 * How a command's deploy verb reports: lines and warnings on standard error, live progress per
 * release (plain lines without a terminal), the engine's output with -v, confirmation through
 * `Io.prompt` (refused without a terminal unless --yes), secrets registered for redaction.
 */
export function deployIo(
  ctx: CommandContext,
  flags: { yes?: boolean | undefined },
  options: { label?: string } = {},
) {
  const label = options.label;
  // several stacks at once: plain lines, each prefixed with its stack (live lines would fight)
  const write =
    label === undefined ? ctx.io.stderr : (s: string) => ctx.io.stderr(prefixLines(`[${label}] `, s));
  const progress = createProgress({
    live: label === undefined && ctx.io.stderrIsTTY && !ctx.global.nonInteractive,
    write,
    style: ctx.err,
    verbose: ctx.global.verbose,
    redact: (s) => s, // everything written to standard error is redacted by main.ts
  });
  const io: DeployIo = {
    info: (line) => write(`${line}\n`),
    warn: (line) => write(`${ctx.err.yellow("warning:")} ${line}\n`),
    onEvent: progress.onEvent,
    ...(ctx.global.verbose ? { onEngineOutput: (t: string) => write(t) } : {}),
    confirm: async (question) => {
      progress.stop();
      if (flags.yes) return true;
      if (ctx.global.nonInteractive || ctx.io.prompt === undefined)
        throw new UsageError(
          "refusing to change the cluster without confirmation: there is no terminal to ask on",
          "rerun with --yes once the preview looks right",
        );
      const answer = await ctx.io.prompt(`${question} [y/N] `);
      if (answer === undefined) throw new InterruptedError("cancelled at the prompt: nothing was changed");
      return ["y", "yes"].includes(answer.trim().toLowerCase());
    },
    secret: ctx.secret,
  };
  return { io, stopProgress: () => progress.stop() };
}

/** `text` with `prefix` before each of its lines (a trailing newline stays last). */
export function prefixLines(prefix: string, text: string): string {
  if (text === "") return text;
  const end = text.endsWith("\n");
  const lines = (end ? text.slice(0, -1) : text).split("\n");
  return `${lines.map((l) => prefix + l).join("\n")}${end ? "\n" : ""}`;
}

/** Loads the manifest and resolves stack settings and cluster once, for a deploy verb. */
export function requestFor(
  flags: ClusterFlags,
  ctx: CommandContext,
  options: { lenientRemotes?: boolean } = {},
): { req: DeployRequest; done: () => void } {
  const loaded = loadForCommand(flags, ctx);
  const { io, stopProgress } = deployIo(ctx, flags);
  const req = createRequest(loaded.manifest, flags, {
    env: ctx.io.env,
    cwd: ctx.io.cwd,
    io,
    signal: ctx.signal,
    planInputs: { ca: readCaFacts(loaded.manifest) },
    ...(options.lenientRemotes ? { lenientRemotes: true } : {}),
  });
  return { req, done: stopProgress };
}
