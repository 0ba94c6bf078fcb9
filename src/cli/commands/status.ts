import type { StatusResult } from "../../deploy/status/model.js";
import { firstFailure, type Outcome } from "../../deploy/mesh-run.js";
import type { OpenedStack } from "../../deploy/open.js";
import { InterruptedError, isPlantonError, UnhealthyError } from "../../errors.js";
import { stacksJson } from "../../output/json.js";
import { renderStatusJson, renderStatusTable, statusJsonValue } from "../../output/status.js";
import { parseDuration } from "../durations.js";
import type { CommandContext } from "../io.js";
import { type ClusterFlags, heading, runCluster, settle } from "../stacks.js";

export interface StatusFlags extends ClusterFlags {
  output?: "text" | "json";
  /** `--wait`: a duration (`90s`, `10m`, `1h`) or whole seconds; 0 checks once. */
  wait?: string;
}

/** `--wait`: how long to re-check until healthy, 0 (once) to 24 h. */
export function parseWait(value: string | undefined): number {
  return value === undefined ? 0 : parseDuration("--wait", value, 0);
}

/**
 * `planton status`: the mesh's health, read from the cluster; changes nothing. Exit 0 when
 * healthy (warnings allowed), 4 (`UnhealthyError`) when any check is an error, 1 when it could
 * not tell (no stack, cluster unreachable). With several manifests, every stack side by side
 * (each `--wait`s on its own): a table per stack, or `-o json` with each stack's report exactly
 * as `status -o json` of that manifest prints it.
 */
export async function status(flags: StatusFlags, ctx: CommandContext): Promise<void> {
  const waitSeconds = parseWait(flags.wait);
  const outcomes = await runCluster(flags, ctx, { verb: "status", options: { waitSeconds } });
  const several = outcomes.length > 1;
  const print = () => {
    if (flags.output === "json")
      ctx.io.stdout(
        stacksJson("status", outcomes, {
          fields: () => ({}),
          alone: renderStatusJson,
          entry: statusJsonValue,
        }),
      );
    else
      ctx.io.stdout(
        outcomes
          .map(
            (o) =>
              `${heading(o.member, several)}${o.ok ? renderStatusTable(o.result, ctx.out) : couldNotTell(o.error)}`,
          )
          .join("\n"),
      );
  };
  settle(outcomes, print, () => statusFailure(outcomes, waitSeconds));
}

/** What a stack that could not be checked says in the text output, under its heading. */
function couldNotTell(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const hint = isPlantonError(error) && error.hint ? `  hint: ${error.hint}\n` : "";
  return `could not tell: ${message}\n${hint}`;
}

/**
 * How `status` exits: interrupted (130) first; then 4 when any stack is unhealthy, even when
 * another could not be checked (a definite finding outweighs a missing one, and the message names
 * both); then the first stack that could not be checked (1); else none (0, warnings allowed).
 */
export function statusFailure(
  outcomes: Outcome<OpenedStack, StatusResult>[],
  waitSeconds: number,
): Error | undefined {
  const failed = outcomes.filter((o) => !o.ok);
  const interrupted = failed.find((o) => o.error instanceof InterruptedError);
  if (interrupted !== undefined) return firstFailure([interrupted], outcomes.length > 1);
  const bad = outcomes.flatMap((o) => (o.ok && o.result.state === "error" ? [o.result] : []));
  if (bad.length > 0)
    return unhealthy(
      bad,
      waitSeconds,
      failed.map((o) => o.member.label),
    );
  return firstFailure(outcomes);
}

/**
 * The exit-4 error for stacks found unhealthy, naming each one's failing checks; `untold`: the
 * stacks that could not be checked (several -f), named too.
 */
export function unhealthy(
  results: StatusResult[],
  waitSeconds: number,
  untold: string[] = [],
): UnhealthyError {
  const failing = results.flatMap((r) => r.checks.filter((c) => c.state === "error"));
  const waited = waitSeconds > 0 ? ` (still after waiting ${waitSeconds}s)` : "";
  const named = results.map(
    (r) =>
      `${r.stack}${
        results.length > 1 || untold.length > 0
          ? ` (${r.checks
              .filter((c) => c.state === "error")
              .map((c) => c.name)
              .join(", ")})`
          : ""
      }`,
  );
  const message =
    results.length === 1 && untold.length === 0
      ? `the mesh of stack ${results[0]?.stack} is unhealthy: ${failing.map((c) => c.name).join(", ")}${waited}`
      : `the mesh is unhealthy in stack ${named.join(", stack ")}${waited}${untold.length > 0 ? `; could not tell for ${untold.join(", ")}` : ""}`;
  return new UnhealthyError(
    message,
    failing.length === 1 ? failing[0]?.hint || undefined : "each failing check above says what fixes it",
  );
}
