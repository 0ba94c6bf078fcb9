// `adopt -f`: takes the live mesh into the manifest's stack. Reads and decides first (refusals,
// immutable-field conflicts, releases whose pods the first update would roll), shows what it will
// do, asks once, then writes Helm's ownership metadata on istioctl's objects, imports the live
// resources into the state and runs the manifest's update.

import type { ImportResource } from "@pulumi/pulumi/automation/index.js";
import type { OwnershipWrite } from "../../cluster/adopt-writes.js";
import { DeployError } from "../../errors.js";
import { escapeControl } from "../../output/redact.js";
import { diffValues, type ReleaseChange } from "../../istio/upgrade.js";
import type { StackState } from "../../pulumi/state.js";
import { type ChangeSummary, hasChanges } from "../changes.js";
import { waitForGateways } from "../gateway-wait.js";
import { type DeployRequest, istioProgram, readState, withSession } from "../request.js";
import type { AdoptionPlan, StackImport } from "./adoption-plan.js";
import { addedByPlanton } from "./fit.js";
import {
  type LiveMeshReading,
  liveReleaseChanges,
  planAdoption,
  readLiveMesh,
  refusalError,
} from "./index.js";

/** What `adopt -f` did. */
export interface AdoptResult {
  stack: string;
  context: string;
  adoption: AdoptionPlan;
  /** How the manifest differs from the live releases (what the update after the import changed). */
  changes: ReleaseChange[];
  /** What the import took into the state. */
  imported: ChangeSummary;
  /** What the update after it changed. */
  summary: ChangeSummary;
}

export interface AdoptOptions {
  timeoutSeconds?: number;
}

/** Components whose release runs pods: a change to their values or version may roll them. */
const withPods = new Set(["istiod", "gateway", "cni", "ztunnel"]);

/** Decides everything before the question: the adoption plan, or the refusal that stops it. */
export async function decideAdoption(
  req: DeployRequest,
  state: StackState | undefined,
): Promise<{ reading: LiveMeshReading; adoption: AdoptionPlan; changes: ReleaseChange[] }> {
  if (state !== undefined && state.resourceCount > 0)
    throw new DeployError(
      `refusing to adopt: stack ${req.settings.stack} already holds ${state.resourceCount} resources; adoption takes a live mesh into a new stack`,
      "a stack planton already runs needs no adoption: use preview and apply; or adopt into another stack with --stack",
    );
  const reading = await readLiveMesh(req.cluster, req.plan);
  if (reading.refusals.length > 0) throw refusalError(reading.refusals);
  const adoption = planAdoption(reading, req.plan);
  if (adoption.conflicts.length > 0) throw conflictError(adoption);
  const changes = liveReleaseChanges(reading, req.plan);
  const rolling = podRolls(req, reading);
  if (rolling.length > 0)
    throw new DeployError(
      `refusing to adopt: the manifest changes ${rolling.join("; ")}; the update after the import would roll their pods`,
      "adopt with the manifest planton adopt --write-manifest writes (it reproduces the live mesh), then make the change with preview and apply",
    );
  return { reading, adoption, changes };
}

/** Value paths of a release with pods that are not in its pod template (webhooks, ConfigMaps). */
const outsidePods = ["meshConfig.", "base.", "revisionTags"];

/**
 * Releases with pods whose pod template the manifest may change: `name (what)`. A new version
 * may; so may a value the manifest adds, changes or drops, unless the chart renders the same
 * without it (its own default: ./fit.ts) or it lies outside the pod template (`outsidePods`).
 */
function podRolls(req: DeployRequest, reading: LiveMeshReading): string[] {
  return req.plan.releases.flatMap((r) => {
    const live = reading.mesh.releases.find((l) => l.name === r.name && l.namespace === r.namespace);
    if (live === undefined || !withPods.has(r.component)) return [];
    const version = live.version !== r.version ? [`version ${live.version} → ${r.version}`] : [];
    const added = addedByPlanton(r.component, r.version, r.values, live.values).map(([p]) => p);
    const changed = diffValues(live.values, r.values)
      .filter((c) => c.kind !== "added")
      .map((c) => c.path);
    const paths = [...added, ...changed].filter((p) => !outsidePods.some((o) => p === o || p.startsWith(o)));
    const what = [...version, ...paths];
    return what.length === 0 ? [] : [`release ${r.name} (${what.join(", ")})`];
  });
}

/** The immutable-field conflicts as one refusal: each object, its field, and the choices. */
function conflictError(adoption: AdoptionPlan): DeployError {
  const named = adoption.conflicts
    .map(
      (c) =>
        `${c.object}: ${c.field} is ${JSON.stringify(c.live)}, the chart's ${JSON.stringify(c.chart)} (${c.consequence})`,
    )
    .join("; ");
  return new DeployError(
    `refusing to adopt: ${named}`,
    adoption.conflicts.length === 0
      ? undefined
      : adoption.conflicts.map((c) => `${c.object}: ${c.choices.join("; or ")}`).join(" | "),
  );
}

/** The import entries of the engine: each tag's objects under a `tag-<name>` component. */
export function engineImports(imports: StackImport[]): ImportResource[] {
  const tags = [...new Set(imports.flatMap((i) => (i.parent === undefined ? [] : [i.parent])))];
  return [
    ...tags.map((name) => ({ type: "kubernetes:helm.sh/v3:Chart", name, component: true })),
    ...imports.map((i) => ({
      type: i.type,
      name: i.name,
      id: i.id,
      ...(i.parent ? { parent: i.parent } : {}),
    })),
  ];
}

/** The ownership changes with the resourceVersion each object had when it was read. */
function ownershipWrites(reading: LiveMeshReading, adoption: AdoptionPlan): OwnershipWrite[] {
  const live = [
    ...reading.reads.operatorObjects,
    ...reading.reads.mutatingWebhooks,
    ...reading.reads.defaultValidator,
  ];
  return adoption.ownership.map((o) => {
    const found = live.find(
      (x) =>
        x.kind === o.kind &&
        x.metadata?.name === o.name &&
        (x.metadata?.namespace ?? "") === (o.namespace ?? ""),
    );
    const meta = found?.metadata as
      | { resourceVersion?: string; managedFields?: OwnershipWrite["managedFields"] }
      | undefined;
    if (meta?.resourceVersion === undefined)
      throw new DeployError(`${o.kind} ${o.name} was not found as adoption read it: nothing was changed`);
    return {
      ...o,
      resourceVersion: meta.resourceVersion,
      ...(meta.managedFields ? { managedFields: meta.managedFields } : {}),
    };
  });
}

/**
 * `adopt -f`: the decisions (nothing changes on a refusal), what adoption does, one question,
 * then Helm's ownership metadata, the import, and the manifest's update.
 */
export function adoptStack(req: DeployRequest, options: AdoptOptions = {}): Promise<AdoptResult> {
  return withSession(req, async (session) => {
    const state = await readState(req);
    const { reading, adoption, changes } = await decideAdoption(req, state);
    req.io.info(describeAdoption(adoption));
    req.io.planned?.({
      changes,
      tags: [],
      namespaces: [],
      waypoints: [],
      summary: {},
      hasChanges: changes.length > 0,
    });
    const yes = await req.io.confirm(
      `Adopt this mesh into stack ${req.settings.stack} in context "${req.cluster.context}"? planton becomes its owner (destroy then removes it)`,
    );
    if (!yes) throw new DeployError("cancelled at the prompt: nothing was changed");
    const writes = ownershipWrites(reading, adoption);
    if (writes.length > 0) {
      const { writeOwnership } = await import("../../cluster/adopt-writes.js");
      await writeOwnership(req.cluster, writes, (w) => req.io.info(`handed to Helm: ${w}`));
    }
    // adoption takes what runs and adds nothing: the Gateway API CRDs of spec.gatewayApi wait for
    // the next apply, with its preview and gate
    const { gatewayApi: _later, ...plan } = req.plan;
    const program = await istioProgram({ ...req, plan }, options);
    const imported = await session.import(program, engineImports(adoption.imports));
    const summary = await session.up(program, { refresh: false });
    await waitForGateways(req, options.timeoutSeconds);
    if (!hasChanges(summary)) req.io.info(`Adopted: stack ${req.settings.stack} matches the live mesh.`);
    return { stack: req.settings.stack, context: req.cluster.context, adoption, changes, imported, summary };
  });
}

/** The adoption plan as lines: imports, ownership changes, objects left alone. */
export function describeAdoption(p: AdoptionPlan): string {
  const lines = [`imports into the stack (${p.imports.length}):`];
  for (const i of p.imports) lines.push(`  ${i.type} ${i.name} (id ${i.id})`);
  if (p.ownership.length > 0) {
    lines.push(
      `handed to Helm releases (ownership metadata written first; istioctl's field-manager entry, if any, dropped) (${p.ownership.length}):`,
    );
    for (const o of p.ownership)
      lines.push(
        `  ${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name} → release ${o.releaseNamespace}/${o.release}`,
      );
  }
  for (const c of p.conflicts)
    lines.push(
      `conflict: ${c.object}: ${c.field} differs from the chart's (${c.consequence}); choices:`,
      ...c.choices.map((x) => `  - ${x}`),
    );
  for (const u of p.unclaimed) lines.push(`left alone (no release of the manifest takes it): ${u}`);
  for (const r of p.reactivated)
    lines.push(
      `turned back on: ${r} (istioctl's default tag had turned it off; its istio-revision-tag-default webhook stays istioctl's, so both call istiod to inject the default revision's pods)`,
    );
  return lines.map((l) => escapeControl(l)).join("\n");
}
