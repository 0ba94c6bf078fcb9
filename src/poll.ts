// Waiting with a deadline: one poll loop, one call deadline and one abortable pause for every
// layer (cluster/, pulumi/, deploy/). Nothing here knows Kubernetes or Pulumi.

/** A call that did not finish in time. */
export class TimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`timed out after ${ms / 1000}s`);
  }
}

/** Runs `call`, rejecting with a `TimeoutError` when it takes longer than `ms`. */
export async function withDeadline<T>(call: () => Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      call(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TimeoutError(ms)), ms);
        timer.unref();
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits `ms`, or less when `signal` aborts first. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

export interface PollOptions<T> {
  /** How long to keep trying, counted from the first attempt; 0 tries once. */
  timeoutMs: number;
  /** The pause between attempts (never past the deadline). */
  intervalMs: number;
  /** Ends the poll at once, also during an attempt or a pause. */
  signal?: AbortSignal | undefined;
  /** A failed attempt is tried again when this says so, until the deadline; otherwise it is thrown at once. */
  retryIf?: (err: unknown) => boolean;
  /** Told of each failed attempt that will be tried again. */
  onRetry?: (err: unknown) => void;
  /** Told of each result that is not done yet, with the milliseconds left. */
  onPending?: (value: T, leftMs: number) => void;
}

/** How a poll ended, with the last result it got (none when aborted before any). */
export type PollOutcome<T> =
  | { state: "done"; value: T }
  | { state: "timeout"; value: T }
  | { state: "aborted"; value: T | undefined };

type Attempt<T> = { value: T } | { error: unknown } | { aborted: true };

/** One attempt, given up (not waited for) when `signal` aborts. */
function attemptOnce<T>(attempt: () => Promise<T>, signal?: AbortSignal): Promise<Attempt<T>> {
  const tried = attempt().then(
    (value): Attempt<T> => ({ value }),
    (error: unknown): Attempt<T> => ({ error }),
  );
  if (signal === undefined) return tried;
  let onAbort = () => {};
  const aborted = new Promise<Attempt<T>>((resolve) => {
    onAbort = () => resolve({ aborted: true });
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([tried, aborted]).finally(() => signal.removeEventListener("abort", onAbort));
}

/**
 * Calls `attempt` until `done` holds for its result, the deadline passes or `signal` aborts,
 * pausing `intervalMs` between attempts. A failed attempt that `retryIf` accepts is tried again
 * while time is left; at the deadline that last error is thrown.
 */
export async function poll<T>(
  attempt: () => Promise<T>,
  done: (value: T) => boolean,
  options: PollOptions<T>,
): Promise<PollOutcome<T>> {
  const deadline = Date.now() + options.timeoutMs;
  let last: T | undefined;
  for (;;) {
    if (options.signal?.aborted) return { state: "aborted", value: last };
    const tried = await attemptOnce(attempt, options.signal);
    if ("aborted" in tried) return { state: "aborted", value: last };
    if ("error" in tried) {
      if (!options.retryIf?.(tried.error) || Date.now() >= deadline) throw tried.error;
      options.onRetry?.(tried.error);
    } else {
      last = tried.value;
      if (done(last)) return { state: "done", value: last };
      if (Date.now() >= deadline) return { state: "timeout", value: last };
      options.onPending?.(last, deadline - Date.now());
    }
    await pause(Math.min(options.intervalMs, Math.max(deadline - Date.now(), 0)), options.signal);
  }
}
