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

/** Engine events → one span per resource operation (`update istiod: 2400`), from its start to its end. */
export function engineSpans(): (e: {
  resourcePreEvent?: { metadata: { urn: string; op: string; type: string } };
  resOutputsEvent?: { metadata: { urn: string; op: string; type: string } };
  resOpFailedEvent?: { metadata: { urn: string; op: string; type: string } };
}) => void {
  const started = new Map<string, number>();
  return (e) => {
    const pre = e.resourcePreEvent?.metadata;
    const done = e.resOutputsEvent?.metadata ?? e.resOpFailedEvent?.metadata;
    if (pre !== undefined && pre.op !== "same" && !pre.type.startsWith("pulumi:"))
      started.set(pre.urn, performance.now());
    if (done !== undefined) {
      const t = started.get(done.urn);
      if (t !== undefined) recordSpan(`${done.op} ${done.urn.split("::").at(-1)}`, performance.now() - t);
    }
  };
}
