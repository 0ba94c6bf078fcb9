import { randomBytes } from "node:crypto";
import { lstatSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { UsageError } from "../errors.js";
import { escapeControl } from "./escape.js";
import { lstatOrUndefined } from "./plan-dir.js";

/** The list of files the last GitOps export wrote, so the next one removes those it drops. */
export const GITOPS_INDEX = ".planton-gitops.json";

/**
 * Writes the export's files under `dir` (relative paths with `/`), never through a symbolic link:
 * every directory on the way must be a real directory (created if missing), every target absent or
 * a regular file; each file goes to a fresh temporary file renamed over its target. Files the
 * previous export listed in `.planton-gitops.json` and this one does not (a removed gateway's
 * Application) are removed, so Git no longer deploys them. Errors are `UsageError`s (exit 2).
 */
export function writeGitopsDir(
  dir: string,
  shown: string,
  texts: Map<string, string>,
): { removed: string[] } {
  const fail = (message: string): never => {
    throw new UsageError(
      `--output-dir ${escapeControl(shown)}: ${message}`,
      "pass a directory planton can write to",
    );
  };
  const io = <T>(what: string, f: () => T): T => {
    try {
      return f();
    } catch (err) {
      if (err instanceof UsageError) throw err;
      return fail(`${what}: ${(err as Error).message}`);
    }
  };
  const realDir = (path: string) => {
    const st = io(`cannot read ${path}`, () => lstatOrUndefined(path));
    if (st === undefined) io(`cannot create ${path}`, () => mkdirSync(path));
    else if (!st.isDirectory())
      fail(`${escapeControl(path)} is not a directory (or is a link); planton does not write through it`);
  };
  const ensureDirs = (rel: string) => {
    let path = dir;
    realDir(path);
    for (const part of dirname(rel).split("/")) {
      if (part === "." || part === "") continue;
      path = join(path, part);
      realDir(path);
    }
  };
  const write = (rel: string, text: string) => {
    ensureDirs(rel);
    const target = join(dir, rel);
    const st = io(`cannot read ${rel}`, () => lstatOrUndefined(target));
    if (st !== undefined && !st.isFile())
      fail(`${escapeControl(rel)} is not a regular file; planton does not write through it`);
    const temp = join(dirname(target), `.${randomBytes(6).toString("hex")}.tmp`);
    io(`cannot write ${rel}`, () => {
      writeFileSync(temp, text, { flag: "wx", mode: 0o644 });
      renameSync(temp, target);
    });
  };

  io(`cannot create ${shown}`, () => mkdirSync(dirname(dir), { recursive: true }));
  realDir(dir);
  const previous = previousFiles(join(dir, GITOPS_INDEX));
  for (const [rel, text] of texts) write(rel, text);
  const removed: string[] = [];
  for (const rel of previous) {
    if (texts.has(rel) || rel.split("/").includes("..")) continue;
    const st = io(`cannot read ${rel}`, () => lstatOrUndefined(join(dir, rel)));
    if (st?.isFile() !== true) continue;
    io(`cannot remove ${rel}`, () => unlinkSync(join(dir, rel)));
    removed.push(rel);
  }
  write(GITOPS_INDEX, `${JSON.stringify({ files: [...texts.keys()] }, null, 2)}\n`);
  return { removed };
}

/** The files the index lists; none when it is missing or not one planton wrote. */
function previousFiles(path: string): string[] {
  try {
    if (!lstatSync(path).isFile()) return [];
    const files = (JSON.parse(readFileSync(path, "utf8")) as { files?: unknown }).files;
    return Array.isArray(files) ? files.filter((f): f is string => typeof f === "string") : [];
  } catch {
    return [];
  }
}
