import {
  type EngineEvent,
  type ImportResource,
  LocalWorkspace,
  type PulumiFn,
  Stack,
} from "@pulumi/pulumi/automation/index.js";
import { InterruptedError, type PlantonError } from "../errors.js";
import { engineSpans, timed } from "../timings.js";
import { mapEngineError } from "./errors.js";
import { getPulumiCommand } from "./install.js";
import { retryWhileLocked } from "./lock-wait.js";
import { type LockHolder, lockHolders, readLocks, releaseStaleLocks } from "./locks.js";
import type { InstallPlan } from "../istio/types.js";
import type { EngineSettings } from "./settings.js";
import { projectName } from "./settings.js";
import { openWorkFolder, type WorkFolder } from "./work-folder.js";
import { openStack, withoutAfterwork } from "./stack-calls.js";

/** Pulumi's change counts by operation (`create`, `update`, `same`, …). */
export type ChangeSummary = Record<string, number>;

/** Everything an engine session needs besides the program. */
export interface EngineContext {
  settings: EngineSettings;
  /** The environment planton was started with (PATH finds the Pulumi CLI). */
  env: NodeJS.ProcessEnv;
  /** Told about slow one-time work (installing the CLI). */
  notify: (message: string) => void;
  /** The engine's events of an update, destroy or refresh, for live progress. */
  onEvent?: (event: EngineEvent) => void;
  /** The engine's raw output (shown with -v). */
  onOutput?: (text: string) => void;
  signal?: AbortSignal;
}

/**
 * One command's use of the Automation API: one workspace in a private work folder (removed by
 * `close`), the stack selected once, the engine's operations each returning one change summary
 * with their events handled here, and every engine call mapped to planton's errors. A failed or
 * cancelled call releases a lock that the CLI died holding.
 */
export class EngineSession {
  private stack?: Stack;
  private known?: boolean;

  private constructor(
    readonly ctx: EngineContext,
    private readonly workspace: LocalWorkspace,
    private readonly folder: WorkFolder,
  ) {}

  /** Finds the CLI (failing fast when there is none) and opens a workspace. */
  static async open(ctx: EngineContext): Promise<EngineSession> {
    const pulumiCommand = await getPulumiCommand(ctx.env, ctx.notify);
    const folder = openWorkFolder(ctx.env, { sweep: true });
    try {
      const workspace = await LocalWorkspace.create({
        workDir: folder.dir,
        pulumiCommand,
        projectSettings: { name: projectName, runtime: "nodejs", backend: { url: ctx.settings.backendUrl } },
        envVars: { ...ctx.settings.env, TMPDIR: folder.engineTmp },
      });
      return new EngineSession(ctx, workspace, folder);
    } catch (err) {
      folder.remove();
      throw mapEngineError(err, ctx.settings);
    }
  }

  /** An environment variable for the engine and its plugins, from the next operation on. */
  setEngineEnv(name: string, value: string): void {
    this.workspace.envVars[name] = value;
  }

  /** Removes the workspace's work folder. */
  close(): void {
    this.folder.remove();
  }

  /** The engine's preview of `program` (no progress events: nothing runs; their timing spans only). */
  async preview(program: PulumiFn, options: { refresh: boolean }): Promise<ChangeSummary> {
    const stack = await this.withProgram(program);
    const spans = engineSpans();
    const r = await timed("preview", () =>
      this.run(() => stack.preview({ ...this.options(spans.onEvent), refresh: options.refresh })),
    );
    spans.finish();
    return (r.changeSummary ?? {}) as ChangeSummary;
  }

  /** Updates the stack to `program`, with progress; only the resources `target` names (URNs) when given. */
  async up(program: PulumiFn, options: { refresh: boolean; target?: string[] }): Promise<ChangeSummary> {
    const stack = await this.withProgram(program);
    const target = options.target === undefined ? {} : { target: options.target };
    const events = this.events();
    await timed("update", () =>
      this.run(() =>
        withoutAfterwork(stack, () =>
          stack.up({ ...this.options(events.onEvent), refresh: options.refresh, ...target }),
        ),
      ),
    );
    events.finish();
    return events.summary() ?? (await this.lastSummary(stack));
  }

  /**
   * Takes live resources into the stack's state as they are (nothing in the cluster changes): the
   * program's Kubernetes provider is created first (an update targeting it alone), then the
   * engine imports `resources` through it, unprotected and without generated code. Each is
   * `{type, name, id}` of the resource the program declares, `parent` the name of another entry
   * (a component) when it has one.
   */
  async import(program: PulumiFn, resources: ImportResource[]): Promise<ChangeSummary> {
    const stack = await this.withProgram(program);
    const provider = providerUrn(this.ctx.settings.stack);
    await timed("provider", () => this.run(() => stack.up({ ...this.options(), target: [provider] })));
    const r = await timed("import", () =>
      this.run(() =>
        stack.import({
          ...this.options(),
          resources: resources.map((x) => (x.component ? x : { ...x, provider: "cluster" })),
          nameTable: { cluster: provider },
          protect: false,
          generateCode: false,
        }),
      ),
    );
    return (r.summary.resourceChanges ?? {}) as ChangeSummary;
  }

  /**
   * Deletes the stack's resources, with progress. The engine deletes with the providers its state
   * recorded and never runs the program: the stack gets an empty one, not the plan's.
   */
  async destroy(): Promise<ChangeSummary> {
    const stack = await this.withProgram(async () => {});
    const events = this.events();
    await timed("destroy", () =>
      this.run(() => withoutAfterwork(stack, () => stack.destroy(this.options(events.onEvent)))),
    );
    events.finish();
    return events.summary() ?? (await this.lastSummary(stack));
  }

  /** Reconciles the state with the cluster, with progress; what changed in the state. */
  async refresh(program: PulumiFn): Promise<ChangeSummary> {
    const stack = await this.withProgram(program);
    const r = await this.run(() => stack.refresh(this.options(this.ctx.onEvent)));
    return (r.summary.resourceChanges ?? {}) as ChangeSummary;
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

  /** Whether the stack exists, as the command's state read found: saves a CLI run (see `openStack`). */
  knowStack(exists: boolean): void {
    this.known = exists;
  }

  /** The stack with `program` as its inline program, created when it does not exist. */
  private async withProgram(program: PulumiFn): Promise<Stack> {
    this.workspace.program = program;
    this.stack ??= await timed("select stack", () =>
      this.run(() => openStack(this.workspace, this.ctx.settings.stack, this.known)),
    );
    return this.stack;
  }

  /**
   * The events of one operation: timing spans (`finish` at its end), the engine's change counts
   * (its summary event), then the context's listener.
   */
  private events(): {
    onEvent: (e: EngineEvent) => void;
    finish: () => void;
    summary: () => ChangeSummary | undefined;
  } {
    const spans = engineSpans();
    let summary: ChangeSummary | undefined;
    return {
      onEvent: (e) => {
        spans.onEvent(e);
        if (e.summaryEvent !== undefined) summary = e.summaryEvent.resourceChanges as ChangeSummary;
        this.ctx.onEvent?.(e);
      },
      finish: spans.finish,
      summary: () => summary,
    };
  }

  /** The change counts the stack's history records for its last operation (one more CLI run). */
  private async lastSummary(stack: Stack): Promise<ChangeSummary> {
    const info = await this.run(() => stack.info(false));
    return (info?.resourceChanges ?? {}) as ChangeSummary;
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
  private options(onEvent?: (e: EngineEvent) => void) {
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

/** The URN of the program's Kubernetes provider (`cluster`, a child of the stack) in `stack`. */
export function providerUrn(stack: string): string {
  return `urn:pulumi:${stack}::${projectName}::pulumi:providers:kubernetes::cluster`;
}

/**
 * What a remote-profile stack creates before its primary changes anything: its control-plane
 * namespace (or the patch of an existing one), annotated `topology.istio.io/controlPlaneClusters`,
 * and the provider it needs. The primary's istiod reads that annotation once, when the remote
 * secret appears, to decide whether it patches the remote's webhooks. Empty for other stacks.
 */
export function remoteNamespaceUrns(plan: InstallPlan, stack: string): string[] {
  if (plan.mesh.multiCluster?.primary === undefined) return [];
  const ns = plan.mesh.namespace;
  const urn = (type: string, name: string) => `urn:pulumi:${stack}::${projectName}::${type}::${name}`;
  if (plan.namespaces.some((n) => n.name === ns && n.annotations !== undefined))
    return [providerUrn(stack), urn("kubernetes:core/v1:Namespace", ns)];
  if (plan.namespacePatches?.some((n) => n.name === ns))
    return [providerUrn(stack), urn("kubernetes:core/v1:NamespacePatch", `namespace-patch-${ns}`)];
  return [];
}
