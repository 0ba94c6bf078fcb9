/** Pulumi's change counts by operation (`create`, `update`, `same`, …). */
export type ChangeSummary = Record<string, number>;

/** True when a change summary has anything but unchanged resources. */
export function hasChanges(summary: ChangeSummary | undefined): boolean {
  return Object.entries(summary ?? {}).some(([op, n]) => op !== "same" && n > 0);
}
