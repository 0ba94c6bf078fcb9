// The one path of every cluster command: load its manifests, hand them to deploy once (which
// opens and runs the stacks), and report on the terminal as deploy goes: lines and warnings on
// standard error, live progress per release (plain lines without a terminal, or with several
// stacks, each line prefixed with its stack), the engine's output with -v, and the question.

import { firstFailure, type Outcome } from "../deploy/mesh-run.js";
import type { OpenedStack } from "../deploy/open.js";
import type { DeployIo, Target } from "../deploy/request.js";
import type { ClusterCommand, StackOutcome } from "../deploy/run-stacks.js";
import { InterruptedError, UsageError } from "../errors.js";
import { renderPrecheckTable } from "../output/precheck.js";
import { createProgress } from "../output/progress.js";
import type { CommandContext } from "./io.js";
import { loadStacks, type StacksInput } from "./load-input.js";

/** Flags of the commands that work on stacks and their clusters. */
export interface ClusterFlags extends StacksInput, Target {
  json?: boolean;
  yes?: boolean;
}

/** How a command shows what apply's preview found, given where its stack writes. */
export type ShowPlanned = (write: (s: string) => void) => NonNullable<DeployIo["planned"]>;

/** Runs `command` on the stacks of `flags`: one call into deploy, one outcome per manifest. */
export async function runCluster<C extends ClusterCommand>(
  flags: ClusterFlags,
  ctx: CommandContext,
  command: C,
  showPlanned?: ShowPlanned,
): Promise<StackOutcome<C["verb"]>[]> {
  const stacks = loadStacks(flags, ctx);
  const terminal = terminalFor(ctx, flags, showPlanned);
  const { runStacks } = await import("../deploy/run-stacks.js");
  try {
    return await runStacks(
      {
        stacks,
        target: flags,
        env: ctx.io.env,
        cwd: ctx.io.cwd,
        signal: ctx.signal,
        ioFor: terminal.ioFor,
        confirm: terminal.confirm,
      },
      command,
    );
  } finally {
    terminal.stop();
  }
}

/** Where a stack writes on standard error: as it is alone, each line prefixed with several. */
export function stackWriter(ctx: CommandContext, label: string | undefined): (s: string) => void {
  return label === undefined ? ctx.io.stderr : (s) => ctx.io.stderr(prefixLines(`[${label}] `, s));
}

/**
 * The terminal side of deploy's reporting: an io per stack, the question (through `Io.prompt`,
 * refused without a terminal unless --yes), and `stop` for every live progress display.
 */
function terminalFor(ctx: CommandContext, flags: { yes?: boolean | undefined }, showPlanned?: ShowPlanned) {
  const stops: (() => void)[] = [];
  const stop = () => {
    for (const s of stops) s();
  };
  const ioFor = (label: string | undefined): Omit<DeployIo, "confirm"> => {
    const write = stackWriter(ctx, label);
    const progress = createProgress({
      // several stacks at once: plain lines (live lines would fight)
      live: label === undefined && ctx.io.stderrIsTTY && !ctx.global.nonInteractive,
      write,
      style: ctx.err,
      verbose: ctx.global.verbose,
      redact: (s) => s, // everything written to standard error is redacted by main.ts
    });
    stops.push(() => progress.stop());
    return {
      info: (line) => write(`${line}\n`),
      warn: (line) => write(`${ctx.err.yellow("warning:")} ${line}\n`),
      onEvent: progress.onEvent,
      ...(showPlanned ? { planned: showPlanned(write) } : {}),
      // the gate's findings (apply, preview): the precheck table, on standard error
      findings: (r) => write(renderPrecheckTable(r, ctx.err)),
      ...(ctx.global.verbose ? { onEngineOutput: (t: string) => write(t) } : {}),
      secret: ctx.secret,
    };
  };
  const confirm = async (question: string) => {
    stop();
    if (flags.yes) return true;
    if (ctx.global.nonInteractive || ctx.io.prompt === undefined)
      throw new UsageError(
        "refusing to change the cluster without confirmation: there is no terminal to ask on",
        "rerun with --yes once the preview looks right",
      );
    const answer = await ctx.io.prompt(`${question} [y/N] `);
    if (answer === undefined) throw new InterruptedError("cancelled at the prompt: nothing was changed");
    return ["y", "yes"].includes(answer.trim().toLowerCase());
  };
  return { ioFor, confirm, stop };
}

/** `text` with `prefix` before each of its lines (a trailing newline stays last). */
export function prefixLines(prefix: string, text: string): string {
  if (text === "") return text;
  const end = text.endsWith("\n");
  const lines = (end ? text.slice(0, -1) : text).split("\n");
  return `${lines.map((l) => prefix + l).join("\n")}${end ? "\n" : ""}`;
}

/**
 * Prints a command's results with `print`, then fails as its stacks did (`failure`, by default
 * the first real failure); a stack alone that failed prints nothing and fails with its own error.
 */
export function settle<R>(
  outcomes: StackOutcomeOf<R>[],
  print: () => void,
  failure: () => Error | undefined = () => firstFailure(outcomes),
): void {
  if (outcomes.length > 1 || outcomes[0]?.ok) print();
  // after printing: the failure's message names its stack, which the printed entries do not
  const err = failure();
  if (err !== undefined) throw err;
}

type StackOutcomeOf<R> = Outcome<OpenedStack, R>;

/** The heading of a stack's results among several (`# stack east (east.yaml)`); none alone. */
export function heading(stack: Pick<OpenedStack, "label" | "file">, several: boolean): string {
  return several ? `# ${stack.label} (${stack.file})\n` : "";
}
