import type { ChangeSummary } from "../pulumi/workspace.js";

export type { ChangeSummary };

/** True when a change summary has anything but unchanged resources. */
export function hasChanges(summary: ChangeSummary | undefined): boolean {
  return Object.entries(summary ?? {}).some(([op, n]) => op !== "same" && n > 0);
}
