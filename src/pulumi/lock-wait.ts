import { DeployError } from "../errors.js";
import { pause } from "../poll.js";
import { describeHolders, lockHolders } from "./locks.js";

/** How a lock wait reports and when it gives up. */
export interface LockWait {
  stack: string;
  timeoutSeconds: number;
  notify: (message: string) => void;
  signal?: AbortSignal | undefined;
}

/**
 * Runs `op`; while it fails because another live process holds the stack's lock, waits (printing
 * the holder once, then progress every 30 s) and tries again, up to `timeoutSeconds`. A lock
 * whose holder ended on this machine, a lock with no named holder, or a cancelled wait ends it at
 * once with the engine's error. At the timeout: exit 1 naming the holder.
 */
export async function retryWhileLocked<T>(op: () => Promise<T>, w: LockWait): Promise<T> {
  const start = Date.now();
  let lastReport = 0;
  for (;;) {
    try {
      return await op();
    } catch (err) {
      const holders = lockHolders(err instanceof Error ? err.message : String(err));
      if (w.timeoutSeconds <= 0 || holders.length === 0 || holders.some((h) => h.stale) || w.signal?.aborted)
        throw err;
      const waited = (Date.now() - start) / 1000;
      if (waited >= w.timeoutSeconds)
        throw new DeployError(
          `stack ${w.stack} is still locked after ${Math.round(waited)} s, by ${describeHolders(holders)}`,
          "rerun when that operation has finished, with a longer --lock-timeout; if its process is gone, remove the lock with `planton unlock -f <manifest> --force`",
        );
      if (lastReport === 0)
        w.notify(
          `stack ${w.stack} is locked by ${describeHolders(holders)}: waiting up to ${w.timeoutSeconds} s for it`,
        );
      else if (Date.now() - lastReport >= 30_000)
        w.notify(`still waiting for the lock on stack ${w.stack} (${Math.round(waited)} s)`);
      if (lastReport === 0 || Date.now() - lastReport >= 30_000) lastReport = Date.now();
      await pause(Math.min(1500 + Math.random() * 1500, w.timeoutSeconds * 1000), w.signal);
      if (w.signal?.aborted) throw err;
    }
  }
}
