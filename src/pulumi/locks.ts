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
