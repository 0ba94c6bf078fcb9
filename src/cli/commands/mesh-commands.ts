import { apply as applyStack } from "../../deploy/apply.js";
import { destroy as destroyStack } from "../../deploy/destroy.js";
import { preview as previewStack } from "../../deploy/preview.js";
import { status as statusStack, type StatusResult } from "../../deploy/status.js";
import { ChangesFoundError, InterruptedError, isPlantonError } from "../../errors.js";
import { renderDestroyed } from "../../output/results.js";
import { jsonResult } from "../../output/json.js";
import { renderStatusTable, statusJsonValue } from "../../output/status.js";
import type { CommandContext } from "../io.js";
import { type ApplyFlags, applyFields, applyOptions, reportApplied } from "./apply.js";
import { deployIo, prefixLines } from "./cluster-command.js";
import { type DestroyFlags, destroyFields, destroyOptions } from "./destroy.js";
import { firstFailure, MeshRun, type Outcome } from "./mesh-run.js";
import { loadMeshSet, type Member, type MeshFlags } from "./mesh-set.js";
import { type PreviewFlags, previewFields, renderPreview } from "./preview.js";
import { parseWait, type StatusFlags, unhealthy } from "./status.js";

/** The question asked once for several stacks, through the command's own confirmation rules. */
function askOnce(ctx: CommandContext, yes: boolean | undefined, verb: string) {
  const { io } = deployIo(ctx, { yes });
  return (questions: string[]) =>
    io.confirm(
      questions.length === 1
        ? (questions[0] ?? "")
        : `${questions.join("\n")}\n${verb} all ${questions.length}?`,
    );
}

/** Starts every member of a mesh run and waits for all of them. */
async function runAll<R>(
  flags: MeshFlags,
  ctx: CommandContext,
  order: "forward" | "reverse",
  verb: string,
  body: (m: Member, run: MeshRun, i: number) => Promise<R>,
  options: { lenientRemotes?: boolean } = {},
): Promise<Outcome<Member, R>[]> {
  let run: MeshRun | undefined;
  const { members, finish } = loadMeshSet(flags, ctx, (i, q) => (run as MeshRun).confirm(i, q), options);
  run = new MeshRun(
    members.map((m) => m.wave),
    members.map((m) => m.label),
    order,
    askOnce(ctx, flags.yes, verb),
  );
  const r = run;
  try {
    return await Promise.all(members.map((m, i) => r.run(i, m, () => body(m, r, i))));
  } finally {
    finish();
  }
}

/** A multi-stack JSON document: one entry per manifest, with its own result or error. */
function stacksJson<R>(
  operation: string,
  outcomes: Outcome<Member, R>[],
  fields: (r: R) => Record<string, unknown>,
) {
  return jsonResult(operation, {
    stacks: outcomes.map((o) =>
      o.ok
        ? { file: o.member.file, ok: true, ...fields(o.result) }
        : {
            file: o.member.file,
            stack: o.member.req.settings.stack,
            ok: false,
            error: o.error instanceof Error ? o.error.message : String(o.error),
          },
    ),
  });
}

/** `planton apply -f a.yaml -f b.yaml`: every stack previewed, one question, applied in order. */
export async function applyMesh(flags: ApplyFlags & MeshFlags, ctx: CommandContext): Promise<void> {
  const outcomes = await runAll(flags, ctx, "forward", "Apply", async (m, run, i) => {
    const write = (s: string) => ctx.io.stderr(prefixLines(`[${m.label}] `, s));
    // with --yes nothing is asked: the member waits for its turn before its only engine run
    if (flags.yes === true) await run.gate(i);
    return applyStack(m.req, applyOptions({ ...flags, file: m.file }, write, ctx));
  });
  if (flags.json) ctx.io.stdout(stacksJson("apply", outcomes, applyFields));
  else
    for (const o of outcomes)
      if (o.ok) {
        ctx.io.stdout(`# ${o.member.label} (${o.member.file})\n`);
        reportApplied(o.result, `planton apply -f ${o.member.file} --restart-workloads`, ctx);
      }
  const err = firstFailure(outcomes);
  if (err) throw err;
}

/** `planton preview -f a.yaml -f b.yaml`: every stack side by side; nothing is changed or asked. */
export async function previewMesh(flags: PreviewFlags & MeshFlags, ctx: CommandContext): Promise<void> {
  const outcomes = await runAll(flags, ctx, "forward", "Preview", (m) =>
    previewStack(m.req, { refresh: flags.refresh === true }),
  );
  if (flags.json) ctx.io.stdout(stacksJson("preview", outcomes, previewFields));
  else
    for (const o of outcomes)
      if (o.ok) ctx.io.stdout(`# ${o.member.label} (${o.member.file})\n${renderPreview(o.result, ctx)}`);
  const err = firstFailure(outcomes);
  if (err) throw err;
  const changed = outcomes.filter((o) => o.ok && o.result.hasChanges).map((o) => o.member.label);
  if (flags.expectNoChanges && changed.length > 0)
    throw new ChangesFoundError(`${changed.join(", ")} would change`);
}

/** `planton destroy -f a.yaml -f b.yaml`: one question, remotes before their primary. */
export async function destroyMesh(flags: DestroyFlags & MeshFlags, ctx: CommandContext): Promise<void> {
  // every destroy asks (yes with --yes): the question is where its turn comes
  const outcomes = await runAll(
    flags,
    ctx,
    "reverse",
    "Destroy",
    (m) => destroyStack(m.req, destroyOptions(flags)),
    { lenientRemotes: true },
  );
  if (flags.json) ctx.io.stdout(stacksJson("destroy", outcomes, destroyFields));
  else
    for (const o of outcomes)
      if (o.ok && o.result.existed)
        ctx.io.stderr(prefixLines(`[${o.member.label}] `, renderDestroyed(o.result, ctx.err)));
  const err = firstFailure(outcomes);
  if (err) throw err;
}

/** What a stack that could not be checked says in the text output, under its heading. */
function couldNotTell(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const hint = isPlantonError(error) && error.hint ? `  hint: ${error.hint}\n` : "";
  return `could not tell: ${message}\n${hint}`;
}

/**
 * How `status` of several stacks exits: interrupted (130) first; then 4 when any stack is
 * unhealthy, even when another could not be checked (a definite finding outweighs a missing
 * one, and the message names both); then the first stack that could not be checked (1); else
 * none (0, warnings allowed).
 */
export function statusMeshFailure(
  outcomes: Outcome<Member, StatusResult>[],
  waitSeconds: number,
): Error | undefined {
  const failed = outcomes.filter((o) => !o.ok);
  const interrupted = failed.find((o) => o.error instanceof InterruptedError);
  if (interrupted !== undefined) return firstFailure([interrupted]);
  const bad = outcomes.flatMap((o) => (o.ok && o.result.state === "error" ? [o.result] : []));
  if (bad.length > 0)
    return unhealthy(
      bad,
      waitSeconds,
      failed.map((o) => o.member.label),
    );
  return firstFailure(outcomes);
}

/**
 * `planton status -f a.yaml -f b.yaml`: every stack's health read side by side (each `--wait`s on
 * its own), a table per stack, or `-o json` with each stack's report exactly as `status -o json`
 * of that manifest prints it (a stack that could not be checked: its file, stack and error).
 * Changes nothing and asks nothing.
 */
export async function statusMesh(
  flags: Omit<StatusFlags, "file"> & MeshFlags,
  ctx: CommandContext,
): Promise<void> {
  const waitSeconds = parseWait(flags.wait);
  const outcomes = await runAll(flags, ctx, "forward", "Check", (m) => statusStack(m.req, { waitSeconds }));
  if (flags.output === "json")
    ctx.io.stdout(
      jsonResult("status", {
        stacks: outcomes.map((o) =>
          o.ok
            ? statusJsonValue(o.result)
            : {
                file: o.member.file,
                stack: o.member.req.settings.stack,
                ok: false,
                error: o.error instanceof Error ? o.error.message : String(o.error),
              },
        ),
      }),
    );
  else
    ctx.io.stdout(
      outcomes
        .map(
          (o) =>
            `# ${o.member.label} (${o.member.file})\n${o.ok ? renderStatusTable(o.result, ctx.out) : couldNotTell(o.error)}`,
        )
        .join("\n"),
    );
  const err = statusMeshFailure(outcomes, waitSeconds);
  if (err) throw err;
}
