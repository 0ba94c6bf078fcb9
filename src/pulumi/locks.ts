import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { DeployError, UsageError } from "../errors.js";
import { type EngineSettings, projectName } from "./settings.js";

/** Who holds a lock, read from a file backend's lock file. */
export interface LockInfo {
  file: string;
  pid: number;
  host: string;
  /** The holder is a process on this machine that no longer runs. */
  stale: boolean;
}

/** The lock files of a stack in a `file://` backend (Pulumi's DIY layout). */
function lockFiles(settings: EngineSettings): string[] {
  if (!settings.backendUrl.startsWith("file://")) return [];
  const dir = join(
    settings.backendUrl.slice("file://".length),
    ".pulumi",
    "locks",
    "organization",
    projectName,
    settings.stack,
  );
  // each lock is <id>.json, next to a <id>.json.attrs written by the blob storage layer
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .map((f) => join(dir, f))
    : [];
}

/**
 * True while the process runs. A killed process whose parent has not reaped it yet (a zombie,
 * common in containers whose init does not reap) still answers signal 0 but holds nothing: on
 * Linux its state in /proc says so.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  return !zombie(pid);
}

function zombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "<pid> (<command, may hold spaces and parentheses>) <state> …"
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state === "Z" || state === "X";
  } catch {
    return false; // no /proc (not Linux) or gone this instant: signal 0 answered
  }
}

/** Who holds a stack lock, as the engine names it when it cannot take the lock (any self-managed backend). */
export interface LockHolder {
  user: string;
  host: string;
  pid: number;
  /** When the lock was taken (RFC 3339, as written in the lock). */
  since: string;
  /** The holder was a process on this machine that no longer runs. */
  stale: boolean;
}

/**
 * The holders named in an engine error. A self-managed backend (file://, s3://, gs://, azblob://)
 * refuses a locked stack with one line per lock: `<url>: created by USER@HOST (pid N) at TIME`.
 */
export function lockHolders(message: string): LockHolder[] {
  const out: LockHolder[] = [];
  for (const m of message.matchAll(/created by (\S*)@(\S+) \(pid (\d+)\) at (\S+)/g)) {
    const pid = Number(m[3]);
    const host = m[2] ?? "";
    out.push({ user: m[1] ?? "", host, pid, since: m[4] ?? "", stale: host === hostname() && !alive(pid) });
  }
  return out;
}

/** "pid 12 on ci-runner-3 (user ci) since 2026-12-05T01:02:03Z", holders joined with "; ". */
export function describeHolders(holders: LockHolder[]): string {
  return holders
    .map((h) => `pid ${h.pid} on ${h.host}${h.user ? ` (user ${h.user})` : ""} since ${h.since}`)
    .join("; ");
}

export function readLocks(settings: EngineSettings): LockInfo[] {
  return lockFiles(settings).map((file) => {
    let pid = 0;
    let host = "";
    try {
      const j = JSON.parse(readFileSync(file, "utf8")) as { pid?: number; hostname?: string };
      pid = j.pid ?? 0;
      host = j.hostname ?? "";
    } catch {
      // unreadable lock: treat as held
    }
    return { file, pid, host, stale: host === hostname() && pid > 0 && !alive(pid) };
  });
}

/** Deletes a lock file and the attributes file stored beside it. */
function removeLock(lock: LockInfo): void {
  rmSync(lock.file, { force: true });
  rmSync(`${lock.file}.attrs`, { force: true });
}

/**
 * Removes the locks whose holder was a process on this machine that has ended: after an engine
 * command failed or was cancelled, a lock its CLI died holding is ours to release.
 */
export function releaseStaleLocks(
  settings: EngineSettings,
  which: (l: LockInfo) => boolean = () => true,
): number {
  const stale = readLocks(settings).filter((l) => l.stale && which(l));
  for (const l of stale) removeLock(l);
  return stale.length;
}

/**
 * Removes a file backend's stack locks: only those of dead processes on this machine unless
 * `force`. Other backends lock on the server; there `force` is needed, and the caller then
 * cancels the running update through the engine.
 */
export function unlockFileBackend(settings: EngineSettings, force: boolean): string[] {
  const locks = readLocks(settings);
  const live = locks.filter((l) => !l.stale);
  if (live.length > 0 && !force) {
    throw new DeployError(
      `stack ${settings.stack} is locked by a running operation (${live.map((l) => `pid ${l.pid} on ${l.host || "unknown host"}`).join(", ")})`,
      "wait for it to finish; if you are sure it is gone, rerun with --force",
    );
  }
  for (const l of locks) removeLock(l);
  return locks.map((l) => `removed lock of pid ${l.pid} on ${l.host || "unknown host"}`);
}

/** Refuses to cancel a remote backend's update unless the user insisted. */
export function requireForceForRemote(settings: EngineSettings, force: boolean): void {
  if (!force)
    throw new UsageError(
      `stack ${settings.stack} lives in ${settings.backendUrl.split("://")[0]}:// state: unlocking it cancels whatever update is running there, possibly someone else's`,
      "make sure no one is running an operation on this stack, then rerun with --force",
    );
}

/**
 * What `unlock` may do with the locks of a bucket backend (s3://, gs://, azblob://), named by
 * the engine: locks of processes on this machine that have ended go without --force; a lock
 * from another machine only with --force, after naming its holder; a lock of a process that
 * still runs on this machine never. Returns the lines to print before the locks are removed.
 */
export function bucketUnlockPlan(stack: string, holders: LockHolder[], force: boolean): string[] {
  const running = holders.filter((h) => h.host === hostname() && !h.stale);
  if (running.length > 0)
    throw new DeployError(
      `stack ${stack} is locked by an operation that still runs on this machine: ${describeHolders(running)}`,
      "wait for it to finish, or stop that process first",
    );
  const foreign = holders.filter((h) => h.host !== hostname());
  if (foreign.length > 0 && !force)
    throw new UsageError(
      `stack ${stack} is locked from another machine: ${describeHolders(foreign)}`,
      "make sure that operation has ended (its runner was killed or is gone), then rerun with --force",
    );
  return holders.map((h) => `removed lock of ${describeHolders([h])}`);
}
