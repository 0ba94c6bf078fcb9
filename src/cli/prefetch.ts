import { prefetchState, settlePrefetchedState } from "../deploy/early-state.js";
import type { Io } from "./io.js";
import { preloadManifest } from "./load-input.js";

/**
 * Before a cluster command's modules load (~0.5 s: the Kubernetes client, then the Pulumi SDK):
 * load its one manifest and start reading its stack's state, which takes about as long. Several
 * manifests, standard input or anything wrong: nothing is started, the command does its own.
 */
export function prefetch(
  flags: { file: string[]; set?: string[]; stack?: string; backend?: string },
  io: Io,
  signal: AbortSignal,
): void {
  const [file] = flags.file;
  if (flags.file.length !== 1 || file === undefined) return;
  const loaded = preloadManifest({ file, set: flags.set ?? [] }, io);
  if (loaded?.kind !== "ok") return;
  prefetchState(loaded.manifest.metadata.name, flags, io.env, signal);
}

/** After the command: a state read it never took is waited for, so no CLI process outlives planton. */
export const settlePrefetch = settlePrefetchedState;
