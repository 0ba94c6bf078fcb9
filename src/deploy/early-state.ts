// The state read of a cluster command, started as early as possible: every engine command reads
// the state first, and `pulumi stack export` takes ~0.5 s (the CLI's start and the passphrase's
// key derivation), which can run while planton loads its modules and the Pulumi SDK.

import type { EngineSettings } from "../pulumi/settings.js";
import type { EarlyState } from "../pulumi/workspace.js";
import { timed } from "../timings.js";

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
