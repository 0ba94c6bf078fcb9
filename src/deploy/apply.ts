import { toJson } from "@bufbuild/protobuf";
import {
  type KubernetesIstioStackOutputsJson,
  KubernetesIstioStackOutputsSchema,
} from "../../gen/planton/kubernetes/istio/v1/stack_outputs_pb.js";
import { repairInterruptedReleases } from "../cluster/helm-records.js";
import { serviceAddresses, waitForWorkloads, type WorkloadRef } from "../cluster/workloads.js";
import { DeployError, InterruptedError } from "../errors.js";
import { type NamespaceChange, namespacesToRestart, type TagChange } from "../istio/membership.js";
import type { WaypointChange } from "../istio/waypoints.js";
import { keepRemovedIstiods, type ReleaseChange } from "../istio/upgrade.js";
import { restartWorkloads } from "../cluster/namespaces.js";
import { stackOutputsOf } from "../pulumi/outputs.js";
import { refuseForeign } from "./checks.js";
import { clusterRolloutApi } from "./node-rollout/api.js";
import { rollNodeAgents } from "./node-rollout/run.js";
import { verifyApplied } from "./status/verify.js";
import type { PulumiFn } from "@pulumi/pulumi/automation/index.js";
import { recordedReleases, type StackState } from "../pulumi/state.js";
import { type EngineSession, remoteNamespaceUrns } from "../pulumi/workspace.js";
import { timed } from "../timings.js";
import { type ChangeSummary, hasChanges } from "./changes.js";
import type { ClusterFacts } from "./checks.js";
import {
  enginePreview,
  type PlannedChanges,
  type PreviewOptions,
  plannedDiff,
  readAndCheck,
} from "./preview.js";
import { type DeployRequest, istioProgram, readStateAgain, withSession } from "./request.js";
import { waitForGateways } from "./gateway-wait.js";
import { type GateOptions, passGate, startGate } from "./gate.js";

/** What `apply` did. */
export interface ApplyResult {
  stack: string;
  context: string;
  changes: ReleaseChange[];
  tags: TagChange[];
  namespaces: NamespaceChange[];
  waypoints: WaypointChange[];
  /** Namespaces whose pods still run the proxy of another revision (none with --restart-workloads). */
  toRestart: string[];
  /** Workloads rolled by --restart-workloads (`kind namespace/name`). */
  restarted: string[];
  summary: ChangeSummary;
  /** False when the stack already matched the manifest and no update ran. */
  changed: boolean;
  /** The stack outputs, with the gateways' addresses read from the cluster. */
  outputs: KubernetesIstioStackOutputsJson;
  durationSeconds: number;
}

/** How long restarted workloads may take to run on their new revision. */
const restartWaitMs = 600_000;

export interface ApplyOptions extends PreviewOptions, GateOptions {
  /** Roll the workloads of namespaces whose injecting revision changed, once it is ready. */
  restartWorkloads?: boolean;
  /**
   * Nobody will be asked (--yes): skip the engine's separate preview and run the update at once,
   * one engine run instead of two. The release, tag and namespace changes are still shown first
   * (planton computes them from the plan and the state); the resource counts come from the update.
   */
  skipPreview?: boolean;
  /** Skip the health checks at the end (`--no-verify`). */
  noVerify?: boolean;
}

/**
 * `apply`: state and in-place checks, cluster checks (reachable, Kubernetes version, no foreign
 * control plane), the engine's preview and beside it precheck's checks (the gate: an error finding
 * stops here, exit 4), confirmation, repair of what a killed run left, the update with progress,
 * the wait for gateways Helm does not wait for, the node-by-node upgrade of an ambient mesh's
 * node agents, then the outputs.
 */
export function apply(req: DeployRequest, options: ApplyOptions = {}): Promise<ApplyResult> {
  const started = Date.now();
  return withSession(req, async (session) => {
    const gate = startGate(req, options);
    const { state, facts } = await readAndCheck(req);
    session.knowStack(state !== undefined);
    refuseForeign(facts);
    const program = await istioProgram(req, options);
    const planned = options.skipPreview
      ? { ...plannedDiff(req, state), summary: {} }
      : await enginePreview(req, session, state, program, options);
    await timed("precheck gate", () => passGate(req, gate, state?.pending));
    // nobody is asked (--yes): every stack's gate passes before any stack changes
    if (options.skipPreview) {
      annotateBeforePrimary(req, session, program);
      await req.io.ready?.();
    }
    const toRestart = namespacesToRestart(planned.namespaces);
    const keeping = await safeOrderProgram(req, state, toRestart, options);
    const first = await update(req, session, keeping ?? program, { state, facts, planned }, options);
    await waitForGateways(req, options.timeoutSeconds);
    await rollNodes(req, options);
    const restarted = await restartOnNewRevision(req, toRestart, options);
    const summary =
      keeping === undefined ? first : await removeAfterRestart(req, session, program, restarted, first);
    const changed = hasChanges(summary);
    if (!changed) req.io.info(`No changes: stack ${req.settings.stack} matches the manifest.`);
    if (!options.noVerify) await verify(req, options);
    return {
      stack: req.settings.stack,
      context: req.cluster.context,
      changes: planned.changes,
      tags: planned.tags,
      namespaces: planned.namespaces,
      waypoints: planned.waypoints,
      toRestart: options.restartWorkloads ? [] : toRestart,
      restarted,
      summary,
      changed,
      outputs: await appliedOutputs(req),
      durationSeconds: Math.round((Date.now() - started) / 100) / 10,
    };
  });
}

/**
 * Shows what will change, asks (unless nobody is asked: --yes), repairs what a killed run left
 * and runs the update; the change summary of what ran (the preview's when nothing had to).
 */
async function update(
  req: DeployRequest,
  session: EngineSession,
  program: PulumiFn,
  found: { state: StackState | undefined; facts: ClusterFacts; planned: PlannedChanges },
  options: ApplyOptions,
): Promise<ChangeSummary> {
  const { state, facts, planned } = found;
  const previewed = !options.skipPreview;
  req.io.planned?.({ ...planned, hasChanges: !previewed || hasChanges(planned.summary) });
  if (previewed && !hasChanges(planned.summary)) return planned.summary;
  if (previewed) {
    annotateBeforePrimary(req, session, program);
    const yes = await req.io.confirm(
      `Apply these changes to context "${req.cluster.context}" (Kubernetes ${facts.kubernetesVersion})?`,
    );
    if (!yes) throw new DeployError("cancelled at the prompt: nothing was changed");
  }
  if (req.signal.aborted) throw new InterruptedError("cancelled: nothing was changed");
  for (const line of await repairInterruptedReleases(req.cluster, state?.pending ?? []))
    req.io.info(`repairing: ${line}`);
  return session.up(program, { refresh: options.refresh === true });
}

/**
 * A remote-profile stack applied with its primary creates its control-plane namespace, annotated
 * with the primary's name, before the primary changes anything: the primary's istiod decides once,
 * when the remote secret appears, whether it patches this cluster's webhooks, and only a
 * namespace carrying the annotation then says yes.
 */
function annotateBeforePrimary(req: DeployRequest, session: EngineSession, program: PulumiFn): void {
  const target = remoteNamespaceUrns(req.plan, req.settings.stack);
  if (target.length === 0) return;
  req.io.beforeAnyChange?.(async () => {
    req.io.info(`annotating namespace ${req.plan.mesh.namespace} for the primary before it changes anything`);
    await session.up(program, { refresh: false, target });
  });
}

/**
 * NODE_BY_NODE (ambient): once the control plane runs the new version, every node with a node
 * agent pod on an older template is rolled, one at a time; also the nodes a stopped apply left.
 */
async function rollNodes(req: DeployRequest, options: ApplyOptions): Promise<void> {
  const agents = req.plan.mesh.nodeAgents;
  if (agents === undefined) return;
  await timed("node rollout", () =>
    rollNodeAgents(clusterRolloutApi(req.cluster), agents, {
      timeoutMs: (options.timeoutSeconds ?? 300) * 1000,
      signal: req.signal,
      info: (line) => req.io.info(line),
    }),
  );
}

/**
 * With --restart-workloads: the revision a namespace now points at is ready (its labels were set
 * after it), so its workloads roll onto it. Returns what was restarted.
 */
async function restartOnNewRevision(
  req: DeployRequest,
  toRestart: string[],
  options: ApplyOptions,
): Promise<string[]> {
  if (!options.restartWorkloads || toRestart.length === 0) return [];
  return restartWorkloads(req.cluster, toRestart, new Date(), (w) => req.io.info(`restarting ${w}`));
}

/**
 * With --restart-workloads, a plan that removes an istiod revision while moving its workloads runs
 * in the safe order: first the program that keeps the old istiod (tags and namespaces move while
 * it still serves), then the restart, then the plan itself (`removeAfterRestart`).
 */
async function safeOrderProgram(
  req: DeployRequest,
  state: StackState | undefined,
  toRestart: string[],
  options: ApplyOptions,
): Promise<PulumiFn | undefined> {
  if (!options.restartWorkloads || toRestart.length === 0 || state === undefined) return undefined;
  const plan = keepRemovedIstiods(req.plan, recordedReleases(state));
  if (plan === undefined) return undefined;
  const kept = plan.releases
    .filter((r) => !req.plan.releases.some((p) => p.name === r.name))
    .map((r) => r.name);
  req.io.info(
    `removing ${kept.join(", ")} in the safe order: tags and namespaces move first, their workloads restart onto the new revision, then ${kept.length === 1 ? "it goes" : "they go"}`,
  );
  return istioProgram({ ...req, plan }, options);
}

/**
 * The last step of the safe order: once the restarted workloads (Deployments, StatefulSets,
 * DaemonSets) run on their new revision, the update that removes the old istiod. Its summary is added to the first update's.
 */
async function removeAfterRestart(
  req: DeployRequest,
  session: EngineSession,
  program: PulumiFn,
  restarted: string[],
  first: ChangeSummary,
): Promise<ChangeSummary> {
  const workloads = restarted.map((w): WorkloadRef => {
    const [kind = "", ref = ""] = w.split(" ");
    const [namespace = "", name = ""] = ref.split("/");
    return { kind: kind as WorkloadRef["kind"], namespace, name };
  });
  const notReady = await timed("restart wait", () =>
    waitForWorkloads(req.cluster, workloads, {
      timeoutMs: restartWaitMs,
      signal: req.signal,
      onWait: (t) =>
        req.io.info(`waiting for ${t.kind} ${t.namespace}/${t.name} to run on its new revision…`),
    }),
  );
  if (req.signal.aborted || notReady.length > 0)
    throw new DeployError(
      `${notReady.length > 0 ? `not rolled onto the new revision: ${notReady.join(", ")}` : "cancelled"}; the old revision was kept`,
      "check the pods with kubectl describe; rerun apply once they run to remove it",
    );
  const second = await session.up(program, { refresh: false });
  const total: ChangeSummary = { ...first };
  for (const [op, n] of Object.entries(second)) total[op] = op === "same" ? n : (total[op] ?? 0) + n;
  return total;
}

/** The same checks as `status`, until healthy or the timeout, on the state as it is now. */
async function verify(req: DeployRequest, options: ApplyOptions): Promise<void> {
  const applied = await timed("state", () => readStateAgain(req));
  const warnings = await timed("verify", () =>
    verifyApplied(req, applied, { timeoutSeconds: options.timeoutSeconds ?? 300 }),
  );
  for (const w of warnings) req.io.warn(`${w.message}${w.hint ? ` (${w.hint})` : ""}`);
}

/** The outputs are the plan's (the update just recorded them); gateway addresses are read live. */
async function appliedOutputs(req: DeployRequest): Promise<KubernetesIstioStackOutputsJson> {
  const outputs = toJson(KubernetesIstioStackOutputsSchema, stackOutputsOf(req.plan), {
    alwaysEmitImplicit: true,
  }) as KubernetesIstioStackOutputsJson;
  delete outputs.releases;
  const addresses = await timed("outputs", () => serviceAddresses(req.cluster, req.plan.mesh.gateways));
  for (const g of outputs.gateways ?? []) g.addresses = addresses[g.name ?? ""] ?? [];
  return outputs;
}
