import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import {
  CommandError,
  ConcurrentUpdateError,
  type EngineEvent,
  LocalWorkspace,
  type OutputMap,
  PulumiCommand,
  type Stack,
  StackNotFoundError,
} from "@pulumi/pulumi/automation/index.js";
import { DeployError, InterruptedError, type PlantonError } from "../errors.js";
import type { InstallPlan } from "../istio/types.js";
import { findPulumiCli, plantonHome } from "./cli-path.js";
import { type ClusterTarget, createIstioProgram, type StackOutputs } from "./program.js";
import { type EngineSettings, projectName } from "./settings.js";

/** Everything an engine operation needs besides the plan. */
export interface EngineContext {
  settings: EngineSettings;
  /** The environment planton was started with (PATH finds the Pulumi CLI). */
  env: NodeJS.ProcessEnv;
  /** Told about slow one-time work (installing the CLI). */
  notify: (message: string) => void;
  onEvent?: (event: EngineEvent) => void;
  onOutput?: (text: string) => void;
  signal?: AbortSignal;
}

/** How to install the Pulumi CLI by hand, for error hints. */
export const installHint =
  "install the Pulumi CLI (https://www.pulumi.com/docs/install/, e.g. `curl -fsSL https://get.pulumi.com | sh`) and put `pulumi` on PATH, or unpack it so that ~/.planton/pulumi/bin/pulumi exists";

/**
 * The Pulumi CLI: on PATH, else where planton installed it, else installed now into
 * ~/.planton/pulumi (saying so). Fails fast with how to install it when none can be had.
 */
export function getPulumiCommand(
  env: NodeJS.ProcessEnv,
  notify: (m: string) => void,
): Promise<PulumiCommand> {
  cached ??= locatePulumiCommand(env, notify);
  return cached;
}
let cached: Promise<PulumiCommand> | undefined;

async function locatePulumiCommand(
  env: NodeJS.ProcessEnv,
  notify: (m: string) => void,
): Promise<PulumiCommand> {
  const found = findPulumiCli(env);
  try {
    // an absolute root (…/bin/pulumi) keeps the CLI the one found here, whatever the child's PATH
    if (found !== undefined) {
      return await PulumiCommand.get(basename(dirname(found.binary)) === "bin" ? { root: found.root } : {});
    }
  } catch (err) {
    throw new DeployError(
      `the Pulumi CLI at ${found?.binary} does not work: ${(err as Error).message.split("\n")[0]}`,
      installHint,
      err,
    );
  }
  const root = join(plantonHome(env), "pulumi");
  notify(
    `Pulumi CLI not found on PATH: installing the version that matches planton's Pulumi SDK into ${root} (one time)…`,
  );
  try {
    return await Promise.race([
      PulumiCommand.install({ root }),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("timed out after 120s")), 120_000).unref(),
      ),
    ]);
  } catch (err) {
    throw new DeployError(
      `the Pulumi CLI is not installed and could not be installed automatically (${(err as Error).message.split("\n")[0]})`,
      installHint,
      err,
    );
  }
}

async function workspaceOptions(ctx: EngineContext) {
  const pulumiCommand = await getPulumiCommand(ctx.env, ctx.notify);
  return {
    pulumiCommand,
    projectSettings: {
      name: projectName,
      runtime: "nodejs" as const,
      backend: { url: ctx.settings.backendUrl },
    },
    envVars: ctx.settings.env,
  };
}

/** Opens (creating when needed) the stack with the inline program for a plan. */
export async function openStack(
  ctx: EngineContext,
  plan: InstallPlan,
  target: ClusterTarget,
  timeoutSeconds?: number,
): Promise<Stack> {
  const program = createIstioProgram(plan, target, timeoutSeconds === undefined ? {} : { timeoutSeconds });
  try {
    return await LocalWorkspace.createOrSelectStack(
      { stackName: ctx.settings.stack, projectName, program },
      await workspaceOptions(ctx),
    );
  } catch (err) {
    throw mapEngineError(err, ctx.settings);
  }
}

/** The outputs the stack recorded at its last apply, or undefined when it has none yet. */
export async function readRecordedOutputs(ctx: EngineContext): Promise<StackOutputs | undefined> {
  let stack: Stack;
  try {
    stack = await LocalWorkspace.selectStack(
      { stackName: ctx.settings.stack, projectName, program: async () => ({}) },
      await workspaceOptions(ctx),
    );
  } catch (err) {
    if (err instanceof StackNotFoundError || /no stack named|not found/i.test(String((err as Error).message)))
      return undefined;
    throw mapEngineError(err, ctx.settings);
  }
  try {
    return outputsFromMap(await stack.outputs());
  } catch (err) {
    throw mapEngineError(err, ctx.settings);
  }
}

/** Turns Pulumi's output map into our StackOutputs (undefined when nothing was applied yet). */
export function outputsFromMap(map: OutputMap): StackOutputs | undefined {
  if (map.namespace === undefined) return undefined;
  const v = (k: string) => map[k]?.value;
  return {
    namespace: v("namespace"),
    version: v("version"),
    revisions: v("revisions") ?? [],
    defaultRevision: v("defaultRevision") ?? "",
    istiodService: v("istiodService") ?? "",
    gateways: v("gateways") ?? [],
    releases: v("releases") ?? {},
  };
}

/** Helm releases that the last, killed operation left pending in the state. */
export async function interruptedReleases(
  stack: Stack,
): Promise<{ name: string; namespace: string; operation: string }[]> {
  const exported = (await stack.exportStack()) as {
    deployment?: {
      pending_operations?: {
        type: string;
        resource: { type: string; inputs?: { name?: string; namespace?: string } };
      }[];
    };
  };
  return (exported.deployment?.pending_operations ?? [])
    .filter(
      (op) =>
        op.resource.type === "kubernetes:helm.sh/v3:Release" &&
        op.resource.inputs?.name &&
        op.resource.inputs.namespace,
    )
    .map((op) => ({
      name: op.resource.inputs?.name as string,
      namespace: op.resource.inputs?.namespace as string,
      operation: op.type,
    }));
}

/** Runs an engine operation, mapping its failures to planton errors with next steps. */
export async function runEngine<T>(ctx: EngineContext, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (ctx.signal?.aborted) {
      // the CLI normally releases its lock when cancelled; if it died holding it, the lock is ours
      for (const lock of readLocks(ctx.settings).filter((l) => l.stale)) removeLock(lock);
      throw new InterruptedError(
        `cancelled: the engine stopped cleanly and released the lock on stack ${ctx.settings.stack}`,
        "run the same command again to finish; the state is consistent",
      );
    }
    throw mapEngineError(err, ctx.settings);
  }
}

/** Common engine options: events, output, cancellation. */
export function engineOptions(ctx: EngineContext) {
  return {
    ...(ctx.onEvent ? { onEvent: ctx.onEvent } : {}),
    ...(ctx.onOutput ? { onOutput: ctx.onOutput } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    color: "never" as const,
  };
}

/** The lock files of a stack in a `file://` backend. */
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

/** Who holds a lock, read from a file backend's lock file. */
export interface LockInfo {
  file: string;
  pid: number;
  host: string;
  /** The holder is a process on this machine that no longer runs. */
  stale: boolean;
}

/** Deletes a lock file and the attributes file stored beside it. */
function removeLock(lock: LockInfo): void {
  rmSync(lock.file, { force: true });
  rmSync(`${lock.file}.attrs`, { force: true });
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
    let alive = true;
    if (host === hostname() && pid > 0) {
      try {
        process.kill(pid, 0);
      } catch (err) {
        alive = (err as NodeJS.ErrnoException).code === "EPERM";
      }
    }
    return { file, pid, host, stale: host === hostname() && pid > 0 && !alive };
  });
}

/**
 * Removes a stack's lock. In a file backend only locks left by dead processes on this machine
 * are removed unless `force`; elsewhere it asks the backend to cancel the running update.
 */
export async function unlockStack(ctx: EngineContext, force: boolean): Promise<string[]> {
  if (ctx.settings.backendUrl.startsWith("file://")) {
    const locks = readLocks(ctx.settings);
    const live = locks.filter((l) => !l.stale);
    if (live.length > 0 && !force) {
      throw new DeployError(
        `stack ${ctx.settings.stack} is locked by a running operation (${live.map((l) => `pid ${l.pid} on ${l.host || "unknown host"}`).join(", ")})`,
        "wait for it to finish; if you are sure it is gone, rerun with --force",
      );
    }
    for (const l of locks) removeLock(l);
    return locks.map((l) => `removed lock of pid ${l.pid} on ${l.host || "unknown host"}`);
  }
  try {
    const stack = await LocalWorkspace.selectStack(
      { stackName: ctx.settings.stack, projectName, program: async () => ({}) },
      await workspaceOptions(ctx),
    );
    await stack.cancel();
  } catch (err) {
    throw mapEngineError(err, ctx.settings);
  }
  return [`cancelled the running update of stack ${ctx.settings.stack}`];
}

/** Redacts anything that looks like a secret from engine text before it is shown. */
export function redact(text: string, settings: EngineSettings): string {
  let out = text;
  for (const secret of [settings.env.PULUMI_CONFIG_PASSPHRASE, settings.env.PULUMI_ACCESS_TOKEN]) {
    if (secret) out = out.split(secret).join("[secret]");
  }
  return out
    .replace(
      /(client-key-data|client-certificate-data|certificate-authority-data|token|password):\s*\S+/gi,
      "$1: [secret]",
    )
    .replace(/-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g, "[secret]");
}

/** Maps Automation API failures to errors that say what happened and what to do. */
export function mapEngineError(err: unknown, settings: EngineSettings): PlantonError {
  if (err instanceof DeployError || err instanceof InterruptedError) return err;
  const message = redact(err instanceof Error ? err.message : String(err), settings);
  if (
    err instanceof ConcurrentUpdateError ||
    /currently locked|another update is currently in progress/i.test(message)
  ) {
    const stale = readLocks(settings).filter((l) => l.stale);
    return new DeployError(
      `stack ${settings.stack} is locked: another planton or pulumi operation is running on it`,
      stale.length > 0
        ? `the lock was left by pid ${stale.map((l) => l.pid).join(", ")}, which no longer runs: remove it with \`planton unlock -f <manifest>\``
        : "wait for the other operation to finish; if it was killed, remove its lock with `planton unlock -f <manifest>`",
      err,
    );
  }
  if (/passphrase|decrypt/i.test(message) && /secret|passphrase/i.test(message)) {
    return new DeployError(
      "the state's secrets cannot be decrypted with this passphrase",
      "set PULUMI_CONFIG_PASSPHRASE (or _FILE) to the passphrase this stack was created with",
      err,
    );
  }
  const lines = message
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("error:") || /^(stderr|code):/.test(l) === false);
  const errorLines = message
    .split("\n")
    .filter((l) => /error:/i.test(l))
    .map((l) => l.trim());
  const summary = (errorLines.length > 0 ? errorLines : lines).slice(0, 6).join("\n  ");
  const kind = err instanceof CommandError ? "the engine failed" : "the operation failed";
  return new DeployError(
    `${kind}: ${summary || "no details"}`,
    "rerun with -v for the engine's full output",
    err,
  );
}
