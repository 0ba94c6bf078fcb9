// Reading a stack's state without the Pulumi SDK: one `pulumi stack export` spawned directly.
// `status` uses it: loading @pulumi/pulumi/automation costs ~0.7 s at start-up, and the SDK's
// session spends two more CLI calls (`version`, `stack select`) before the export.

import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { DeployError, InterruptedError, type PlantonError, UsageError } from "../errors.js";
import { findPulumiCli } from "./cli-path.js";
import { type EngineSettings, projectName } from "./settings.js";
import { parseState, type StackState } from "./state.js";

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
  const workDir = mkdtempSync(join(ctx.env.TMPDIR || tmpdir(), `planton-${process.pid}-`));
  try {
    const engineTmp = join(workDir, "tmp");
    mkdirSync(engineTmp, { mode: 0o700 });
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
    rmSync(workDir, { recursive: true, force: true });
  }
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
