import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pause, poll, TimeoutError, withDeadline } from "../../src/poll.js";

/** An attempt that answers `values` in turn (then the last one), counting its calls and their times. */
function answering<T>(values: T[]) {
  const calls: number[] = [];
  const attempt = async () => {
    calls.push(Date.now());
    return values[Math.min(calls.length - 1, values.length - 1)] as T;
  };
  return { attempt, calls };
}

describe("poll", () => {
  it("returns the first result that is done, pausing the interval between attempts", async () => {
    const { attempt, calls } = answering([1, 2, 3]);
    const outcome = await poll(attempt, (n) => n === 3, { timeoutMs: 5_000, intervalMs: 40 });
    assert.deepEqual(outcome, { state: "done", value: 3 });
    assert.equal(calls.length, 3);
    for (let i = 1; i < calls.length; i++)
      assert.ok((calls[i] ?? 0) - (calls[i - 1] ?? 0) >= 35, `attempt ${i} came too soon`);
  });

  it("stops at the deadline with the last result, with one attempt at the deadline itself", async () => {
    const { attempt, calls } = answering([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const started = Date.now();
    const outcome = await poll(attempt, () => false, { timeoutMs: 100, intervalMs: 70 });
    const took = Date.now() - started;
    assert.equal(outcome.state, "timeout");
    assert.equal(outcome.value, calls.length);
    assert.equal(calls.length, 3); // at 0, 70 and 100 ms: the last pause is cut to the deadline
    assert.ok(took >= 95 && took < 400, `took ${took} ms`);
  });

  it("tries once with no time to wait", async () => {
    const { attempt, calls } = answering([false]);
    assert.deepEqual(await poll(attempt, (x) => x, { timeoutMs: 0, intervalMs: 10 }), {
      state: "timeout",
      value: false,
    });
    assert.equal(calls.length, 1);
  });

  it("tells each pending result with the time left", async () => {
    const { attempt } = answering(["a", "b", "c"]);
    const told: [string, number][] = [];
    await poll(attempt, (x) => x === "c", {
      timeoutMs: 5_000,
      intervalMs: 1,
      onPending: (value, leftMs) => told.push([value, leftMs]),
    });
    assert.deepEqual(
      told.map(([v]) => v),
      ["a", "b"],
    );
    assert.ok(told.every(([, left]) => left > 4_000 && left <= 5_000));
  });

  it("retries an error it is told to, and throws the last one at the deadline", async () => {
    let n = 0;
    const retried: string[] = [];
    await assert.rejects(
      poll(
        async () => {
          n++;
          throw new Error(`failure ${n}`);
        },
        () => true,
        {
          timeoutMs: 60,
          intervalMs: 25,
          retryIf: () => true,
          onRetry: (err) => retried.push((err as Error).message),
        },
      ),
      (err: Error) => err.message === `failure ${n}` && n >= 3,
    );
    assert.deepEqual(
      retried,
      Array.from({ length: n - 1 }, (_, i) => `failure ${i + 1}`),
    );
  });

  it("throws an error it is not told to retry at once", async () => {
    let n = 0;
    await assert.rejects(
      poll(
        async () => {
          n++;
          throw new Error("denied");
        },
        () => true,
        { timeoutMs: 5_000, intervalMs: 10, retryIf: (err) => (err as Error).message !== "denied" },
      ),
      /denied/,
    );
    assert.equal(n, 1);
  });

  it("retries a failed attempt and then returns a good one", async () => {
    let n = 0;
    const outcome = await poll(
      async () => {
        n++;
        if (n < 3) throw new Error("not yet");
        return "up";
      },
      () => true,
      { timeoutMs: 5_000, intervalMs: 5, retryIf: () => true },
    );
    assert.deepEqual(outcome, { state: "done", value: "up" });
  });

  it("ends at once on abort, during a pause, keeping the last result", async () => {
    const controller = new AbortController();
    const { attempt, calls } = answering([7]);
    setTimeout(() => controller.abort(), 30);
    const started = Date.now();
    const outcome = await poll(attempt, () => false, {
      timeoutMs: 60_000,
      intervalMs: 60_000,
      signal: controller.signal,
    });
    assert.deepEqual(outcome, { state: "aborted", value: 7 });
    assert.equal(calls.length, 1);
    assert.ok(Date.now() - started < 1_000);
  });

  it("ends at once on abort, during an attempt that does not answer", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const started = Date.now();
    const outcome = await poll(
      () => new Promise<never>(() => {}),
      () => true,
      { timeoutMs: 60_000, intervalMs: 10, signal: controller.signal },
    );
    assert.deepEqual(outcome, { state: "aborted", value: undefined });
    assert.ok(Date.now() - started < 1_000);
  });

  it("does not start an attempt once aborted", async () => {
    const { attempt, calls } = answering([1]);
    const outcome = await poll(attempt, () => true, {
      timeoutMs: 1_000,
      intervalMs: 10,
      signal: AbortSignal.abort(),
    });
    assert.equal(outcome.state, "aborted");
    assert.equal(calls.length, 0);
  });
});

describe("withDeadline and pause", () => {
  it("rejects a call that takes longer than its deadline", async () => {
    await assert.rejects(
      withDeadline(() => new Promise((r) => setTimeout(r, 300)), 20),
      (err: Error) => err instanceof TimeoutError && err.message === "timed out after 0.02s",
    );
    assert.equal(await withDeadline(async () => "in time", 1_000), "in time");
  });

  it("pauses the time given, or until an abort", async () => {
    let started = Date.now();
    await pause(40);
    assert.ok(Date.now() - started >= 35);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    started = Date.now();
    await pause(60_000, controller.signal);
    assert.ok(Date.now() - started < 1_000);
  });
});
