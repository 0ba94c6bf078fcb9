// The state read of a cluster command, started as early as possible: every engine command reads
// the state first, and `pulumi stack export` takes ~0.5 s (the CLI's start and the passphrase's
// key derivation), which can run while planton loads its modules and the Pulumi SDK.

import { type EngineSettings, resolveEngineSettings } from "../pulumi/settings.js";
import type { EarlyState } from "../pulumi/workspace.js";
import { timed } from "../timings.js";

let pending: { key: string; state: Promise<EarlyState> } | undefined;

/** What makes two reads the same: the stack, its backend and the environment it is read with. */
const keyOf = (s: EngineSettings) => JSON.stringify([s.stack, s.backendUrl, s.env]);

/** Starts reading the state of `settings` (one `pulumi stack export`, no SDK). Never rejects. */
export function readStateEarly(
  settings: EngineSettings,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<EarlyState> {
  return timed("state (early)", async () => {
    const { exportStackState } = await import("../pulumi/state-read.js");
    return exportStackState({ settings, env, signal });
  }).then(
    (read) => (read === undefined ? { kind: "none" as const } : { kind: "read" as const, state: read.state }),
    (error: unknown) => ({ kind: "failed" as const, error }),
  );
}

/**
 * Starts the state read of a manifest's stack before the command's modules load, when the stack
 * and backend can be told from the manifest and flags alone. Anything wrong (unreadable or
 * invalid manifest, bad settings) starts nothing: the command itself reports it.
 */
export function prefetchState(
  manifestName: string,
  target: { stack?: string | undefined; backend?: string | undefined },
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): void {
  let settings: EngineSettings;
  try {
    settings = resolveEngineSettings({ stack: target.stack, backend: target.backend, manifestName }, env);
  } catch {
    return;
  }
  pending = { key: keyOf(settings), state: readStateEarly(settings, env, signal) };
}

/** The read `prefetchState` started for these settings, taken once; undefined when there is none. */
export function takePrefetchedState(settings: EngineSettings): Promise<EarlyState> | undefined {
  if (pending === undefined || pending.key !== keyOf(settings)) return undefined;
  const { state } = pending;
  pending = undefined;
  return state;
}

/** Waits for a read nobody took (the command failed before its session): no CLI process outlives planton. */
export async function settlePrefetchedState(): Promise<void> {
  const p = pending;
  pending = undefined;
  if (p !== undefined) await p.state;
}
