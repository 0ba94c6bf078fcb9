import type { NamespaceChange, TagChange } from "../istio/membership.js";
import type { WaypointChange } from "../istio/waypoints.js";
import type { ReleaseChange } from "../istio/upgrade.js";
import type { ChangeSummary } from "../pulumi/workspace.js";

export type { ChangeSummary };

/** True when a change summary has anything but unchanged resources. */
export function hasChanges(summary: ChangeSummary | undefined): boolean {
  return Object.entries(summary ?? {}).some(([op, n]) => op !== "same" && n > 0);
}

/** What the engine's preview and planton's own diff found. */
export interface PlannedChanges {
  changes: ReleaseChange[];
  tags: TagChange[];
  namespaces: NamespaceChange[];
  waypoints: WaypointChange[];
  summary: ChangeSummary;
}
