import { parseDuration } from "./timeout.js";
import { status as meshStatus } from "../../deploy/status.js";
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
  if (r.state === "error") {
    const failing = r.checks.filter((c) => c.state === "error");
    throw new UnhealthyError(
      `the mesh of stack ${r.stack} is unhealthy: ${failing.map((c) => c.name).join(", ")}${waitSeconds > 0 ? ` (still after waiting ${waitSeconds}s)` : ""}`,
      failing.length === 1 ? failing[0]?.hint || undefined : "each failing check above says what fixes it",
    );
  }
}
