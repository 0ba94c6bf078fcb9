import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  renameSync,
  type Stats,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { UsageError } from "../errors.js";
import type { InstallPlan } from "../istio/types.js";
import { planToJson, valuesToYaml } from "./plan.js";
import { escapeControl, redactPatterns } from "./redact.js";
import { readFileBounded } from "../manifest/read-file.js";

/** The file that lists what the last `render --output-dir` wrote: the plan itself. */
const PLAN_FILE = "plan.json";
const valuesFile = (release: string) => `${release}.values.yaml`;
/** A release name that is safe as a file name in the output directory. */
const SAFE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/**
 * Writes the values files and `plan.json` into `dir` (created if missing), and removes the values
 * files that the previous `plan.json` there lists but this plan no longer has (a removed gateway).
 *
 * Safe in a directory others can write to: it never follows a link — the directory itself must
 * not be a symbolic link, and each file is written to a new temporary file in the directory and
 * renamed over its target, after checking that the target is absent or a regular file; nothing is
 * written through a link even if one appears meanwhile, since rename replaces the link itself.
 * Each file is replaced atomically. It removes only files named in the previous plan.json,
 * and only regular files; every other file in the directory is left alone. `shown` is the
 * directory as the user wrote it, for messages. Errors are `UsageError`s (exit 2).
 */
export function writeOutputDir(dir: string, shown: string, plan: InstallPlan): { removed: string[] } {
  const where = (file: string) => escapeControl(join(shown, file));
  const fail = (message: string, hint: string): never => {
    throw new UsageError(`--output-dir ${escapeControl(shown)}: ${message}`, hint);
  };
  const io = <T>(what: string, f: () => T): T => {
    try {
      return f();
    } catch (err) {
      if (err instanceof UsageError) throw err;
      return fail(`${what}: ${(err as Error).message}`, "pass a directory planton can write to");
    }
  };

  // The directory: absent (created), or a real directory, never a link to one.
  const stripped = dir.replace(/[\\/]+$/, "") || dir;
  const dirStat = io("cannot read it", () => lstatOrUndefined(stripped));
  if (dirStat?.isSymbolicLink() === true)
    fail(
      `is a symbolic link (to ${escapeControl(io("cannot read the link", () => readlinkSync(stripped)))}); planton does not write through links`,
      "pass the directory the link points to",
    );
  if (dirStat !== undefined && !dirStat.isDirectory())
    fail("exists and is not a directory", "pass a directory, or a path that does not exist yet");
  if (dirStat === undefined) io("cannot create it", () => mkdirSync(stripped, { recursive: true }));

  for (const r of plan.releases)
    if (!SAFE_NAME.test(r.name))
      fail(`release name "${escapeControl(r.name)}" cannot be a file name`, "rename the gateway");
  const files = new Map<string, string>(
    plan.releases.map((r) => [valuesFile(r.name), valuesToYaml(r.values)]),
  );
  files.set(PLAN_FILE, planToJson(plan));
  // a GitOps folder is committed and shared: a credential in the Helm values never goes there
  for (const [name, text] of files)
    if (redactPatterns(text) !== text)
      fail(
        `${where(name)} would hold a credential (a password, token or key in spec.helmValues); nothing was written`,
        "keep credentials in Kubernetes Secrets and give the charts only their names",
      );

  // Every target must be absent or a regular file before anything is written.
  for (const name of files.keys()) {
    const st = io(`cannot read ${where(name)}`, () => lstatOrUndefined(join(stripped, name)));
    if (st === undefined || st.isFile()) continue;
    fail(
      `${where(name)} is ${st.isSymbolicLink() ? "a symbolic link" : "not a regular file"}; planton does not write through it`,
      `remove ${where(name)} or choose another directory`,
    );
  }

  // What the previous run wrote, from its plan.json.
  const previous = previousValuesFiles(stripped, where, fail, io);

  for (const [name, text] of files)
    if (name !== PLAN_FILE) writeAtomically(stripped, name, text, where, fail, io);
  // Stale files go before the new plan.json, so an interrupted run leaves them listed.
  const removed: string[] = [];
  for (const name of previous) {
    if (files.has(name)) continue;
    const path = join(stripped, name);
    const st = io(`cannot read ${where(name)}`, () => lstatOrUndefined(path));
    if (st === undefined || !st.isFile()) continue;
    io(`cannot remove ${where(name)}`, () => unlinkSync(path));
    removed.push(name);
  }
  writeAtomically(stripped, PLAN_FILE, files.get(PLAN_FILE) ?? "", where, fail, io);
  return { removed };
}

/** The values files the plan.json in `dir` lists; none when there is no plan.json. */
function previousValuesFiles(
  dir: string,
  where: (file: string) => string,
  fail: (message: string, hint: string) => never,
  io: <T>(what: string, f: () => T) => T,
): string[] {
  const path = join(dir, PLAN_FILE);
  if (io(`cannot read ${where(PLAN_FILE)}`, () => lstatOrUndefined(path)) === undefined) return [];
  let releases: unknown;
  try {
    const read = readFileBounded(path, { limit: 16 * 1024 * 1024 });
    const text = read.kind === "ok" ? read.bytes.toString("utf8") : "";
    releases = (JSON.parse(text) as { releases?: unknown }).releases;
  } catch {
    releases = undefined;
  }
  if (!Array.isArray(releases))
    fail(
      `${where(PLAN_FILE)} exists and is not a plan planton wrote`,
      `remove ${where(PLAN_FILE)} or choose another directory`,
    );
  return (releases as unknown[])
    .map((r) => (r as { name?: unknown } | null)?.name)
    .filter((n): n is string => typeof n === "string" && SAFE_NAME.test(n))
    .map(valuesFile);
}

/** Writes `name` in `dir` through a fresh temporary file renamed over it. */
function writeAtomically(
  dir: string,
  name: string,
  text: string,
  where: (file: string) => string,
  fail: (message: string, hint: string) => never,
  io: <T>(what: string, f: () => T) => T,
): void {
  const target = join(dir, name);
  const temp = join(dir, `.${name}.${randomBytes(6).toString("hex")}.tmp`);
  let renamed = false;
  try {
    io(`cannot write ${where(name)}`, () => {
      // "wx": created here, never an existing file or link.
      const fd = openSync(temp, "wx", 0o644);
      try {
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    });
    const st = io(`cannot read ${where(name)}`, () => lstatOrUndefined(target));
    if (st !== undefined && !st.isFile())
      fail(
        `${where(name)} is ${st.isSymbolicLink() ? "a symbolic link" : "not a regular file"}; planton does not write through it`,
        `remove ${where(name)} or choose another directory`,
      );
    io(`cannot write ${where(name)}`, () => renameSync(temp, target));
    renamed = true;
  } finally {
    if (!renamed)
      try {
        unlinkSync(temp);
      } catch {
        // never created, or already gone
      }
  }
}

/** The file's own lstat, or undefined when it does not exist. */
export function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
