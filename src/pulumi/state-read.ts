// Reading a stack's state, the one way every command does: one `pulumi stack export` spawned
// directly, without the Pulumi SDK (loading @pulumi/pulumi/automation costs ~0.7 s, and the SDK's
// session spends two more CLI calls, `version` and `stack select`, before the export). A read can
// start early (`startStateRead`, while planton loads its modules) and be taken later.

import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { DeployError, InterruptedError, type PlantonError, UsageError } from "../errors.js";
import { findPulumiCli } from "./cli-path.js";
import { type EngineSettings, projectName } from "./settings.js";
import { parseState, type StackState } from "./state.js";
import { openWorkFolder } from "./work-folder.js";

/** What reading the state needs: the same settings and environment as an engine session. */
export interface StateReadContext {
  settings: EngineSettings;
  /** The environment planton was started with (PATH finds the Pulumi CLI). */
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** The CLI's answer when the stack does not exist (`error: no stack named 'x' found`). */
const stackMissing = /no stack named|stack .* not found/i;

/**
 * The stack's state, read with one `pulumi stack export --show-secrets` (decrypting proves the
 * passphrase, as the session's read does; the secrets are parsed away, never kept): `{ state }`,
 * with `state` undefined when the stack does not exist. Undefined when no Pulumi CLI is on this
 * machine: the caller then opens an engine session, which installs one.
 *
 * It runs the CLI as the engine session does: in a private folder holding the project file (so
 * `--stack` names the stack of planton's project on any backend), with the session's backend,
 * passphrase or token, no update check, and a TMPDIR of its own, removed afterwards. Failures
 * map to the session's errors (wrong passphrase, unreadable state, …).
 */
export async function exportStackState(
  ctx: StateReadContext,
): Promise<{ state: StackState | undefined } | undefined> {
  const cli = findPulumiCli(ctx.env);
  if (cli === undefined) return undefined;
  const { dir: workDir, engineTmp, remove } = openWorkFolder(ctx.env);
  try {
    // JSON strings are YAML strings: the URL is written as it is, whatever it holds
    writeFileSync(
      join(workDir, "Pulumi.yaml"),
      `name: ${projectName}\nruntime: nodejs\nbackend:\n  url: ${JSON.stringify(ctx.settings.backendUrl)}\n`,
    );
    const env: NodeJS.ProcessEnv = {
      ...ctx.env,
      PATH: `${dirname(cli.binary)}${delimiter}${ctx.env.PATH ?? ""}`,
      ...ctx.settings.env,
      TMPDIR: engineTmp,
    };
    const args = ["stack", "export", "--show-secrets", "--stack", ctx.settings.stack, "--non-interactive"];
    const r = await run(cli.binary, args, workDir, env, ctx.signal);
    if (ctx.signal?.aborted)
      throw new InterruptedError("cancelled while reading the state: nothing was changed");
    if (r.code === 0) {
      let exported: unknown;
      try {
        exported = JSON.parse(r.stdout);
      } catch (err) {
        throw await engineFailure(
          { code: null, stdout: "", stderr: `error: could not read the export: ${(err as Error).message}` },
          ctx.settings,
        );
      }
      return { state: parseState(exported) };
    }
    if (stackMissing.test(r.stderr)) return { state: undefined };
    throw await engineFailure(r, ctx.settings);
  } catch (err) {
    if (err instanceof DeployError || err instanceof InterruptedError || err instanceof UsageError) throw err;
    throw await engineFailure({ code: null, stdout: "", stderr: (err as Error).message }, ctx.settings);
  } finally {
    remove();
  }
}

/** A state read started ahead: the state (undefined: no stack), no CLI to read it with, or why it failed. */
export type EarlyState =
  | { kind: "read"; state: StackState | undefined }
  | { kind: "none" }
  | { kind: "failed"; error: unknown };

/** Starts reading the state (see `exportStackState`), to be taken by `readStackState`. Never rejects. */
export function startStateRead(ctx: StateReadContext): Promise<EarlyState> {
  return exportStackState(ctx).then(
    (read) => (read === undefined ? { kind: "none" as const } : { kind: "read" as const, state: read.state }),
    (error: unknown) => ({ kind: "failed" as const, error }),
  );
}

/**
 * The stack's state (undefined: no stack), from the read `started` ahead or one made now. Without
 * a Pulumi CLI on this machine, one is installed first (as an engine session would).
 */
export async function readStackState(
  ctx: StateReadContext & { notify: (message: string) => void },
  started?: Promise<EarlyState>,
): Promise<StackState | undefined> {
  const read = await (started ?? startStateRead(ctx));
  if (read.kind === "read") return read.state;
  if (read.kind === "failed") throw read.error;
  const { getPulumiCommand } = await import("./install.js");
  await getPulumiCommand(ctx.env, ctx.notify);
  const installed = await exportStackState(ctx);
  if (installed === undefined)
    throw new DeployError("the Pulumi CLI was installed but cannot be found", "run planton again");
  return installed.state;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  binary: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal | undefined,
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    const abort = () => child.kill("SIGTERM");
    signal?.addEventListener("abort", abort, { once: true });
    child.on("error", (e) => {
      signal?.removeEventListener("abort", abort);
      reject(e);
    });
    child.on("close", (code) => {
      signal?.removeEventListener("abort", abort);
      resolve({
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
  });
}

/**
 * A failed export as the session reports it. The error mapping lives with the SDK's error types
 * (./errors.ts), so it is loaded only here, on a failure: a successful read never loads the SDK.
 */
async function engineFailure(r: Ran, settings: EngineSettings): Promise<PlantonError> {
  const { mapEngineError } = await import("./errors.js");
  const message = `${r.stderr.trim()}${r.code === null ? "" : `\ncode: ${r.code}`}`;
  return mapEngineError(new Error(message || `pulumi stack export failed (exit ${r.code})`), settings);
}
