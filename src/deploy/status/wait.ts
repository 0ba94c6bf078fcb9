// One wait until the mesh is healthy, for `status --wait` and for apply's verification.

import { DeployError } from "../../errors.js";
import { type PollOutcome, poll } from "../../poll.js";
import type { StatusCheck } from "./model.js";

export interface HealthyWait {
  /** How long to re-check; 0 checks once. */
  waitMs: number;
  /** The pause between rounds. */
  intervalMs: number;
  /** Ctrl-C: ends the wait at once, also during a round of reads. */
  signal: AbortSignal;
  /** Told what the wait is for (the failing checks' messages) each time that changes, with the seconds left. */
  onWaiting: (failing: string, leftSeconds: number) => void;
  /** Told of a failed round of reads that will be retried. */
  onRetry?: (err: DeployError) => void;
}

/** The messages of the checks that are errors, joined. */
export const failingMessages = (checks: StatusCheck[]): string =>
  checks
    .filter((c) => c.state === "error")
    .map((c) => c.message)
    .join("; ");

/**
 * Runs `round` (one read of the cluster and its checks) until no check is an error, the time is
 * up or the wait is aborted. A round whose reads fail (an API server restarting, or answering 429
 * for a CRD whose storage is still initializing right after an apply) is retried while time is
 * left; at the deadline that failure is thrown. Any other failure is thrown at once.
 */
export function waitUntilHealthy<R extends { checks: StatusCheck[] }>(
  round: () => Promise<R>,
  options: HealthyWait,
): Promise<PollOutcome<R>> {
  let told = "";
  return poll(round, (r) => r.checks.every((c) => c.state !== "error"), {
    timeoutMs: options.waitMs,
    intervalMs: options.intervalMs,
    signal: options.signal,
    retryIf: (err) => err instanceof DeployError,
    onRetry: (err) => options.onRetry?.(err as DeployError),
    onPending: (r, leftMs) => {
      const line = failingMessages(r.checks);
      if (line !== told) options.onWaiting(line, Math.ceil(leftMs / 1000));
      told = line;
    },
  });
}
