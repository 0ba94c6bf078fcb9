// The fields of each cluster verb's result in its JSON (`--json`), and the text of a preview:
// one place for what a stack's result says, whether one stack ran or several.

import type { ApplyResult } from "../deploy/apply.js";
import { hasChanges } from "../deploy/changes.js";
import type { DestroyResult } from "../deploy/destroy.js";
import type { PlannedChanges, PreviewResult } from "../deploy/preview.js";
import type { RefreshResult } from "../deploy/refresh.js";
import { precheckJsonValue } from "./precheck.js";
import {
  renderChangeSummary,
  renderMembershipChanges,
  renderReleaseChanges,
  renderWaypointChanges,
} from "./results.js";
import type { Style } from "./style.js";

/** The fields apply and preview share, in their order: where, and what changes. */
function changeFields(r: PreviewResult | ApplyResult): Record<string, unknown> {
  return {
    stack: r.stack,
    context: r.context,
    changes: r.changes,
    tags: r.tags,
    namespaces: r.namespaces,
    waypoints: r.waypoints,
  };
}

/** The fields of `preview --json` for one stack. */
export function previewFields(r: PreviewResult): Record<string, unknown> {
  return {
    ...changeFields(r),
    summary: r.summary,
    hasChanges: r.hasChanges,
    precheck: precheckJsonValue(r.precheck),
  };
}

/** The fields of `apply --json` for one stack. */
export function applyFields(r: ApplyResult): Record<string, unknown> {
  return {
    ...changeFields(r),
    restarted: r.restarted,
    stillOnOldProxy: r.toRestart,
    summary: r.summary,
    changed: r.changed,
    durationSeconds: r.durationSeconds,
    outputs: r.outputs,
  };
}

/** The fields of `destroy --json` for one stack. */
export function destroyFields(r: DestroyResult): Record<string, unknown> {
  return {
    stack: r.stack,
    context: r.context,
    existed: r.existed,
    releases: r.releases,
    namespaces: r.namespaces,
    summary: r.summary,
    cleanedUp: r.cleanup.removed,
    kept: r.cleanup.kept,
    crdsKept: r.crdsKept,
    durationSeconds: r.durationSeconds,
  };
}

/** The fields of `refresh --json`. */
export function refreshFields(r: RefreshResult): Record<string, unknown> {
  return { stack: r.stack, context: r.context, summary: r.summary, drift: r.drift };
}

/** One stack's preview, for people. */
export function renderPreview(r: PreviewResult, style: Style): string {
  return (
    renderReleaseChanges(r.changes, style) +
    renderMembershipChanges(r.tags, r.namespaces, style) +
    renderWaypointChanges(r.waypoints, style) +
    `Resources: ${renderChangeSummary(r.summary, "plan")}\n`
  );
}

/** What apply's preview found, shown before the question. */
export function renderPlanned(p: PlannedChanges & { hasChanges: boolean }, style: Style): string {
  return (
    renderReleaseChanges(p.changes, style) +
    renderMembershipChanges(p.tags, p.namespaces, style) +
    renderWaypointChanges(p.waypoints, style) +
    (hasChanges(p.summary) ? `Resources: ${renderChangeSummary(p.summary, "plan")}\n` : "")
  );
}

/** What refresh found, for people. */
export function renderRefreshed(r: RefreshResult): string {
  return r.drift
    ? `Drift found and recorded: ${renderChangeSummary(r.summary, "done")}. Run planton apply to put the cluster back.\n`
    : "No drift: the cluster matches the state.\n";
}
