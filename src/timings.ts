/**
 * Where a command's time goes, for `PLANTON_TIMINGS=1` (the end-to-end suite and
 * `npm run bench:e2e` read it): named spans in milliseconds, printed by main.ts as one line
 * `timings: {…}` on standard error. Costs nothing when nobody reads it.
 */
const spans: [string, number][] = [];

/** Runs `fn`, recording how long it took under `name`. */
export async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    spans.push([name, Math.round(performance.now() - start)]);
  }
}

/** Records a span measured elsewhere. */
export function recordSpan(name: string, ms: number): void {
  spans.push([name, Math.round(ms)]);
}

/** The spans so far, in order (a name seen twice is summed), and forgets them. */
export function takeSpans(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, ms] of spans.splice(0)) out[name] = (out[name] ?? 0) + ms;
  return out;
}

type EngineEventLike = {
  resourcePreEvent?: { metadata: { urn: string; op: string; type: string } };
  resOutputsEvent?: { metadata: { urn: string; op: string; type: string } };
  resOpFailedEvent?: { metadata: { urn: string; op: string; type: string } };
};

/**
 * Engine events → one span per resource operation (`update istiod: 2400`), from its start to its
 * end; plus `engine start`, from the operation's start (when this is called) to the program's
 * first resource (the CLI starting, the lock, the state read and decrypted), and, once `finish`
 * is called at the operation's end, `engine end`, from the last resource's end (the state's last
 * write, the plugins stopping, the CLI exiting).
 */
export function engineSpans(): { onEvent: (e: EngineEventLike) => void; finish: () => void } {
  const begun = performance.now();
  let firstPre: number | undefined;
  let lastDone: number | undefined;
  const started = new Map<string, number>();
  const onEvent = (e: EngineEventLike) => {
    const pre = e.resourcePreEvent?.metadata;
    const done = e.resOutputsEvent?.metadata ?? e.resOpFailedEvent?.metadata;
    if (pre !== undefined && firstPre === undefined) {
      firstPre = performance.now();
      recordSpan("engine start", firstPre - begun);
    }
    if (pre !== undefined && pre.op !== "same" && !pre.type.startsWith("pulumi:"))
      started.set(pre.urn, performance.now());
    if (done !== undefined) {
      lastDone = performance.now();
      const t = started.get(done.urn);
      if (t !== undefined) recordSpan(`${done.op} ${done.urn.split("::").at(-1)}`, lastDone - t);
    }
  };
  return {
    onEvent,
    finish: () => lastDone !== undefined && recordSpan("engine end", performance.now() - lastDone),
  };
}
