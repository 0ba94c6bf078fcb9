import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { describe, it } from "node:test";
import { DeployError, UsageError } from "../../../src/errors.js";
import { retryWhileLocked } from "../../../src/pulumi/lock-wait.js";
import { bucketUnlockPlan, lockHolders } from "../../../src/pulumi/locks.js";

/** The engine's refusal for a locked self-managed stack (pulumi pkg/backend/diy/lock.go's wording). */
const lockedBy = (host: string, pid: number) =>
  new Error(
    "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n" +
      `  s3://state/.pulumi/locks/organization/p/dev/0b1c.json?endpoint=http://127.0.0.1:9000: created by ci@${host} (pid ${pid}) at 2026-12-05T01:02:03Z`,
  );
const deadPid = spawnSync("true").pid ?? 0;
const quiet = { stack: "dev", notify: () => {} };

describe("lock holders named by the engine", () => {
  it("reads user, host, pid and time; a lock of another machine is not stale", () => {
    assert.deepEqual(lockHolders(lockedBy("runner-7", 4242).message), [
      { user: "ci", host: "runner-7", pid: 4242, since: "2026-12-05T01:02:03Z", stale: false },
    ]);
  });

  it("a lock of an ended process on this machine is stale", () => {
    assert.equal(lockHolders(lockedBy(hostname(), deadPid).message)[0]?.stale, true);
  });
});

describe("retryWhileLocked", () => {
  it("waits while another machine holds the lock, names the holder once, then runs", async () => {
    const told: string[] = [];
    let calls = 0;
    const r = await retryWhileLocked(
      async () => {
        calls += 1;
        if (calls === 1) throw lockedBy("runner-7", 4242);
        return "done";
      },
      { stack: "dev", timeoutSeconds: 30, notify: (m) => told.push(m) },
    );
    assert.equal(r, "done");
    assert.equal(calls, 2);
    assert.deepEqual(told, [
      "stack dev is locked by pid 4242 on runner-7 (user ci) since 2026-12-05T01:02:03Z: waiting up to 30 s for it",
    ]);
  });

  it("with no lock timeout the engine's error comes at once", async () => {
    const err = lockedBy("runner-7", 4242);
    await assert.rejects(
      retryWhileLocked(() => Promise.reject(err), { ...quiet, timeoutSeconds: 0 }),
      (e) => e === err,
    );
  });

  it("a stale lock of this machine is not waited for", async () => {
    const err = lockedBy(hostname(), deadPid);
    const t = Date.now();
    await assert.rejects(
      retryWhileLocked(() => Promise.reject(err), { ...quiet, timeoutSeconds: 30 }),
      (e) => e === err,
    );
    assert.ok(Date.now() - t < 1000);
  });

  it("at the timeout: exit 1 naming the holder", async () => {
    await assert.rejects(
      retryWhileLocked(() => Promise.reject(lockedBy("runner-7", 4242)), { ...quiet, timeoutSeconds: 1 }),
      (e) =>
        e instanceof DeployError &&
        /stack dev is still locked after \d+ s, by pid 4242 on runner-7/.test(e.message) &&
        /--lock-timeout/.test(e.hint ?? ""),
    );
  });
});

describe("bucketUnlockPlan", () => {
  const holder = (host: string, pid: number) => lockHolders(lockedBy(host, pid).message);

  it("a lock from another machine needs --force, and is named", () => {
    assert.throws(
      () => bucketUnlockPlan("dev", holder("runner-7", 4242), false),
      (e) => e instanceof UsageError && /locked from another machine: pid 4242 on runner-7/.test(e.message),
    );
    assert.deepEqual(bucketUnlockPlan("dev", holder("runner-7", 4242), true), [
      "removed lock of pid 4242 on runner-7 (user ci) since 2026-12-05T01:02:03Z",
    ]);
  });

  it("a lock of an ended process on this machine goes without --force", () => {
    assert.equal(bucketUnlockPlan("dev", holder(hostname(), deadPid), false).length, 1);
  });

  it("a lock of a process that still runs here is refused even with --force", () => {
    assert.throws(
      () => bucketUnlockPlan("dev", holder(hostname(), process.pid), true),
      (e) => e instanceof DeployError && /still runs on this machine/.test(e.message),
    );
  });
});
