import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EngineEvent, LocalWorkspace, type PulumiFn, Stack } from "@pulumi/pulumi/automation/index.js";
import { InterruptedError, type PlantonError } from "../errors.js";
import { isStackMissing, mapEngineError } from "./errors.js";
import { getPulumiCommand } from "./install.js";
import { retryWhileLocked } from "./lock-wait.js";
import { type LockHolder, lockHolders, readLocks, releaseStaleLocks } from "./locks.js";
import type { EngineSettings } from "./settings.js";
import { projectName } from "./settings.js";
import { parseState, type StackState } from "./state.js";

/**
 * Removes the session folders of planton processes that were killed before they could remove
 * their own (`planton-<pid>-*` whose pid no longer runs). A folder whose pid runs is left alone,
 * whoever runs it.
 */
function sweepAbandoned(base: string): void {
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^planton-(\d+)-[A-Za-z0-9]{6}$/.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
      continue; // still running (or not ours to signal): leave it
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") continue;
    }
    rmSync(join(base, name), { recursive: true, force: true });
  }
}

/** A state read made before the session opened: the state (undefined: no stack), no CLI to read it with, or why it failed. */
export type EarlyState =
  | { kind: "read"; state: StackState | undefined }
  | { kind: "none" }
  | { kind: "failed"; error: unknown };

/** Everything an engine session needs besides the program. */
export interface EngineContext {
  settings: EngineSettings;
  /** The environment planton was started with (PATH finds the Pulumi CLI). */
  env: NodeJS.ProcessEnv;
  /** Told about slow one-time work (installing the CLI). */
  notify: (message: string) => void;
  /** The engine's raw output (shown with -v). */
  onOutput?: (text: string) => void;
  signal?: AbortSignal;
}

/**
 * One command's use of the Automation API: one workspace in a private temporary folder (removed
 * by `close`), the stack selected once, and every engine call mapped to planton's errors. A
 * failed or cancelled call releases a lock that the CLI died holding.
 */
export class EngineSession {
  private stack?: Stack;
  private early: Promise<EarlyState> | undefined;

  private constructor(
    readonly ctx: EngineContext,
    private readonly workspace: LocalWorkspace,
    private readonly workDir: string,
  ) {}

  /** Finds the CLI (failing fast when there is none) and opens a workspace. */
  static async open(ctx: EngineContext): Promise<EngineSession> {
    const pulumiCommand = await getPulumiCommand(ctx.env, ctx.notify);
    const base = ctx.env.TMPDIR || tmpdir();
    sweepAbandoned(base);
    const workDir = mkdtempSync(join(base, `planton-${process.pid}-`));
    // the engine and its plugins write temporary files too (the Kubernetes provider leaves a
    // copy of the kubeconfig per Helm operation): give them a folder that goes with the session
    const engineTmp = join(workDir, "tmp");
    mkdirSync(engineTmp, { mode: 0o700 });
    try {
      const workspace = await LocalWorkspace.create({
        workDir,
        pulumiCommand,
        projectSettings: { name: projectName, runtime: "nodejs", backend: { url: ctx.settings.backendUrl } },
        envVars: { ...ctx.settings.env, TMPDIR: engineTmp },
      });
      return new EngineSession(ctx, workspace, workDir);
    } catch (err) {
      rmSync(workDir, { recursive: true, force: true });
      throw mapEngineError(err, ctx.settings);
    }
  }

  /** The state as read before the session opened (see `withSession`); the next `readState` uses it. */
  useEarlyState(early: Promise<EarlyState>): void {
    this.early = early;
  }

  /** An environment variable for the engine and its plugins, from the next operation on. */
  setEngineEnv(name: string, value: string): void {
    this.workspace.envVars[name] = value;
  }

  /** Removes the workspace's temporary folder. */
  close(): void {
    rmSync(this.workDir, { recursive: true, force: true });
  }

  /**
   * Reads the stack's state once: undefined when the stack does not exist. Exporting decrypts
   * every secret, so a wrong passphrase or a damaged state stops the command here, before
   * anything in the cluster changes.
   */
  async readState(): Promise<StackState | undefined> {
    const early = this.early;
    this.early = undefined;
    if (early !== undefined) {
      const r = await early;
      if (r.kind === "read") return r.state;
      if (r.kind === "failed") throw r.error;
    }
    try {
      this.stack ??= await Stack.select(this.ctx.settings.stack, this.workspace);
    } catch (err) {
      if (isStackMissing(err)) return undefined;
      throw this.fail(err);
    }
    return parseState(await this.run(() => this.workspace.exportStack(this.ctx.settings.stack)));
  }

  /** The stack with `program` as its inline program, created when it does not exist. */
  async withProgram(program: PulumiFn): Promise<Stack> {
    this.workspace.program = program;
    this.stack ??= await this.run(() => Stack.createOrSelect(this.ctx.settings.stack, this.workspace));
    return this.stack;
  }

  /** Removes the stack and its history from the backend. */
  async removeStack(): Promise<void> {
    await this.run(() => this.workspace.removeStack(this.ctx.settings.stack));
  }

  /** Cancels the stack's running update (remote backends). */
  async cancel(): Promise<void> {
    const stack = await this.run(() => Stack.select(this.ctx.settings.stack, this.workspace));
    await this.run(() => stack.cancel());
  }

  /**
   * Who holds the locks of an existing stack in a self-managed bucket (s3://, gs://, azblob://),
   * where planton cannot list them itself: `stack init` of the existing stack takes the lock
   * first, so the engine names every other holder, then refuses because the stack exists. No
   * state is written; the probe's own lock is removed by the engine at once.
   */
  async lockHolders(): Promise<LockHolder[]> {
    try {
      await this.workspace.createStack(this.ctx.settings.stack);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (/already exists/i.test(message) || lockHolders(message).length > 0) return lockHolders(message);
      throw this.fail(err);
    }
    return [];
  }

  /** Options every engine operation gets: events, output, cancellation, no colour. */
  options(onEvent?: (e: EngineEvent) => void) {
    return {
      ...(onEvent ? { onEvent } : {}),
      ...(this.ctx.onOutput ? { onOutput: this.ctx.onOutput } : {}),
      ...(this.ctx.signal ? { signal: this.ctx.signal } : {}),
      color: "never" as const,
    };
  }

  /** Runs one engine call, mapping its failure; waits for a lock another live process holds (--lock-timeout). */
  async run<T>(op: () => Promise<T>): Promise<T> {
    const before = new Set(readLocks(this.ctx.settings).map((l) => l.file));
    try {
      return await retryWhileLocked(op, {
        stack: this.ctx.settings.stack,
        timeoutSeconds: this.ctx.settings.lockTimeoutSeconds,
        notify: this.ctx.notify,
        signal: this.ctx.signal,
      });
    } catch (err) {
      throw this.fail(err, before);
    }
  }

  private fail(err: unknown, locksBefore = new Set<string>()): PlantonError {
    // the CLI normally releases its lock on failure or cancellation; if it died holding it, that
    // lock (one that appeared during this call, held by a process that has ended) is ours to
    // release. Older locks are someone else's: `planton unlock` is for those.
    releaseStaleLocks(this.ctx.settings, (l) => !locksBefore.has(l.file));
    if (this.ctx.signal?.aborted)
      return new InterruptedError(
        `cancelled: the engine stopped cleanly and released the lock on stack ${this.ctx.settings.stack}`,
        "run the same command again to finish; the state is consistent",
      );
    return mapEngineError(err, this.ctx.settings);
  }
}
