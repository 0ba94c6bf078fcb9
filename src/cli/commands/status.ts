import { parseDuration } from "../durations.js";
import { status as meshStatus, type StatusResult } from "../../deploy/status.js";
import { UnhealthyError } from "../../errors.js";
import { renderStatusJson, renderStatusTable } from "../../output/status.js";
import type { CommandContext } from "../io.js";
import { type ClusterFlags, requestFor } from "./cluster-command.js";

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
 * not tell (no stack, cluster unreachable).
 */
export async function status(flags: StatusFlags, ctx: CommandContext): Promise<void> {
  const waitSeconds = parseWait(flags.wait);
  const { req, done } = requestFor(flags, ctx);
  const r = await meshStatus(req, { waitSeconds }).finally(done);
  ctx.io.stdout(flags.output === "json" ? renderStatusJson(r) : renderStatusTable(r, ctx.out));
  if (r.state === "error") throw unhealthy([r], waitSeconds);
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
