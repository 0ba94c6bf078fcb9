import { daemonSetNodes } from "../cluster/node-agents.js";
import { changedAgents } from "./node-rollout/model.js";
import type { PulumiFn } from "@pulumi/pulumi/automation/index.js";
import { describeControlPlane } from "../cluster/precheck.js";
import type { ReleaseChange } from "../istio/upgrade.js";
import { diffMembership, type NamespaceChange, type TagChange } from "../istio/membership.js";
import { diffWaypoints, type WaypointChange } from "../istio/waypoints.js";
import { diffReleases, inPlaceMinorUpgrades } from "../istio/upgrade.js";
import { timed } from "../timings.js";
import { recordedMembership, recordedReleases, type StackState } from "../pulumi/state.js";
import type { EngineSession } from "../pulumi/workspace.js";
import { type ChangeSummary, hasChanges, type PlannedChanges } from "./changes.js";
import { checkCluster, type ClusterFacts, refuseInPlaceChanges } from "./checks.js";
import { type DeployRequest, istioProgram, readState, withSession } from "./request.js";
import { type GateOptions, readGate, startGate } from "./gate.js";
import type { PrecheckResult } from "./precheck/model.js";

export { type ChangeSummary, hasChanges, type PlannedChanges } from "./changes.js";

/** What `preview` found. */
export interface PreviewResult {
  stack: string;
  context: string;
  /** Per release: created, updated (with the values that change), deleted or unchanged. */
  changes: ReleaseChange[];
  summary: ChangeSummary;
  hasChanges: boolean;
  /** Revision tags that appear, move or go. */
  tags: TagChange[];
  /** Workload namespaces whose labels or injecting revision change. */
  namespaces: NamespaceChange[];
  /** Waypoints that appear, change or go. */
  waypoints: WaypointChange[];
  /** Control planes the stack does not manage (apply would refuse). */
  foreign: string[];
  /** What apply's gate would find (precheck's checks); preview never fails on it. */
  precheck: PrecheckResult;
}

export interface PreviewOptions extends GateOptions {
  refresh?: boolean;
  timeoutSeconds?: number;
}

/** What changes per release, tag, namespace and waypoint, from the plan and the recorded state (no engine). */
export function plannedDiff(req: DeployRequest, state: StackState | undefined) {
  return {
    changes: diffReleases(req.plan, state === undefined ? {} : recordedReleases(state)),
    ...diffMembership(req.plan, recordedMembership(state)),
    waypoints: diffWaypoints(req.plan, state?.waypoints ?? []),
  };
}

/** The engine's preview of `program` and planton's own diff against the state. */
export async function enginePreview(
  req: DeployRequest,
  session: EngineSession,
  state: StackState | undefined,
  program: PulumiFn,
  options: PreviewOptions,
): Promise<PlannedChanges> {
  const summary = await session.preview(program, { refresh: options.refresh === true });
  return { summary, ...plannedDiff(req, state) };
}

/** The checks every changing verb runs, in order: state, in-place limits, cluster. */
export async function readAndCheck(
  req: DeployRequest,
): Promise<{ state: StackState | undefined; facts: ClusterFacts }> {
  const state = await timed("state", () => readState(req));
  refuseInPlaceChanges(req.plan, state);
  const facts = await timed("cluster checks", () => checkCluster(req, state, "install"));
  for (const w of [
    ...inPlaceMinorUpgrades(req.plan, state === undefined ? {} : recordedReleases(state)),
    ...facts.warnings,
  ])
    req.io.warn(w);
  return { state, facts };
}

/** `preview`: what apply would change, and what its gate would find. Changes nothing; never prompts. */
export function preview(req: DeployRequest, options: PreviewOptions = {}): Promise<PreviewResult> {
  return withSession(req, async (session) => {
    const gate = startGate(req, options);
    const { state, facts } = await readAndCheck(req);
    session.knowStack(state !== undefined);
    const foreign = facts.foreign.map(describeControlPlane);
    for (const f of foreign)
      req.io.warn(
        `an Istio control plane this stack does not manage is installed: ${f}; apply will refuse to run`,
      );
    const program = await istioProgram(req, options);
    const { summary, changes, tags, namespaces, waypoints } = await enginePreview(
      req,
      session,
      state,
      program,
      options,
    );
    await tellNodeRollout(req, changes);
    // a preview of a manifest never applied leaves no empty stack behind
    if (state === undefined) await session.removeStack();
    const precheck = await timed("precheck", () => readGate(req, gate, state?.pending));
    return {
      stack: req.settings.stack,
      context: req.cluster.context,
      changes,
      summary,
      hasChanges: hasChanges(summary),
      tags,
      namespaces,
      waypoints,
      foreign,
      precheck,
    };
  });
}

/** Says when apply would follow the update with a node-by-node upgrade, and on how many nodes. */
async function tellNodeRollout(req: DeployRequest, changes: PreviewResult["changes"]): Promise<void> {
  const agents = req.plan.mesh.nodeAgents;
  const changed = changedAgents(agents, changes);
  if (agents === undefined || changed.length === 0) return;
  const counts = await Promise.all(
    agents.agents.map((a) => daemonSetNodes(req.cluster, a.namespace, a.daemonSet)),
  );
  const nodes = Math.max(0, ...counts);
  req.io.info(
    `apply will then upgrade the node agents (${changed.join(", ")}) node by node on ${nodes} node(s): cordon, evict ambient pods, replace, uncordon, one node at a time`,
  );
}
