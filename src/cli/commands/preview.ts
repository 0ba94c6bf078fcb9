import { type PreviewResult, preview as previewStack } from "../../deploy/preview.js";
import { ChangesFoundError } from "../../errors.js";
import { renderChangeSummary, renderMembershipChanges, renderReleaseChanges } from "../../output/results.js";
import { jsonResult } from "../../output/json.js";
import type { CommandContext } from "../io.js";
import { type ClusterFlags, requestFor } from "./cluster-command.js";

export interface PreviewFlags extends ClusterFlags {
  refresh?: boolean;
  expectNoChanges?: boolean;
}

/** `planton preview`: what apply would change, per release and in Pulumi's summary. Never prompts. */
export async function preview(flags: PreviewFlags, ctx: CommandContext): Promise<void> {
  const { req, done } = requestFor(flags, ctx);
  const r = await previewStack(req, { refresh: flags.refresh === true }).finally(done);
  if (flags.json) ctx.io.stdout(jsonResult("preview", previewFields(r)));
  else ctx.io.stdout(renderPreview(r, ctx));
  if (flags.expectNoChanges && r.hasChanges)
    throw new ChangesFoundError(`stack ${r.stack} would change: ${renderChangeSummary(r.summary, "plan")}`);
}

/** The fields of `preview --json` for one stack. */
export function previewFields(r: PreviewResult): Record<string, unknown> {
  return {
    stack: r.stack,
    context: r.context,
    changes: r.changes,
    tags: r.tags,
    namespaces: r.namespaces,
    summary: r.summary,
    hasChanges: r.hasChanges,
  };
}

/** One stack's preview, for people. */
export function renderPreview(r: PreviewResult, ctx: CommandContext): string {
  return (
    renderReleaseChanges(r.changes, ctx.out) +
    renderMembershipChanges(r.tags, r.namespaces, ctx.out) +
    `Resources: ${renderChangeSummary(r.summary, "plan")}\n`
  );
}
