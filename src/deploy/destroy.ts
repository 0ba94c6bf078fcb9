import {
  type CleanupResult,
  cleanupLeftovers,
  gatherEvidence,
  type OwnershipEvidence,
} from "../cluster/cleanup.js";
import { waitForNamespacesGone } from "../cluster/namespaces.js";
import { unreachableReason } from "../cluster/remote-access.js";
import { describeControlPlane } from "../cluster/precheck.js";
import { DeployError } from "../errors.js";
import { recordedChart, type StackState } from "../pulumi/state.js";
import type { EngineSession } from "../pulumi/workspace.js";
import { timed } from "../timings.js";
import type { ChangeSummary } from "./changes.js";
import { type ClusterFacts, checkCluster, ownershipOf } from "./checks.js";
import { type DeployRequest, readState, withSession } from "./request.js";

/** What `destroy` did. */
export interface DestroyResult {
  stack: string;
  context: string;
  /** False when there was no such stack: nothing was touched. */
  existed: boolean;
  /** Helm releases and namespaces the stack removed. */
  releases: string[];
  namespaces: string[];
  summary: ChangeSummary;
  cleanup: CleanupResult;
  crdsKept: boolean;
  durationSeconds: number;
}

export interface DestroyOptions {
  purgeCrds?: boolean;
  /** Go on when a remote cluster cannot be reached: planton's reader stays there (listed). */
  forgetUnreachableRemotes?: boolean;
}

/**
 * `destroy`: reads the state first (a stack that does not exist, or whose state cannot be read,
 * changes nothing), checks the cluster answers and which control planes are not the stack's,
 * gathers the evidence of what the stack's istiod created, confirms (naming every release and
 * namespace), destroys the stack's resources, removes only the leftovers it can prove its own,
 * then the stack. A stack that holds no release cleans up nothing.
 */
export function destroy(req: DeployRequest, options: DestroyOptions = {}): Promise<DestroyResult> {
  const started = Date.now();
  return withSession(req, async (session) => {
    const base = {
      stack: req.settings.stack,
      context: req.cluster.context,
      crdsKept: options.purgeCrds !== true,
    };
    const state = await timed("state", () => readState(req));
    if (state === undefined) return { ...base, ...nothingToDestroy(req, options) };
    session.knowStack(true);
    const facts = await timed("cluster checks", () => checkCluster(req, state, "destroy"));
    for (const f of facts.foreign)
      req.io.warn(
        `an Istio control plane this stack does not manage is installed: ${describeControlPlane(f)}; only objects proven to be this stack's will be removed`,
      );
    const evidence = await timed("ownership evidence", () => ownEvidence(req, state, facts));
    const releases = [...state.releases].reverse().map((r) => r.name);
    announce(req, state, releases, options);
    const forget = await checkRemotes(req, state.resourceCount > 0, options);
    const yes = await req.io.confirm(
      `Destroy stack ${req.settings.stack} in context "${req.cluster.context}"?`,
    );
    if (!yes) throw new DeployError("cancelled at the prompt: nothing was changed");
    // the provider drops what it cannot reach from the state instead of failing (every cluster
    // of this stack that answered above is deleted from as usual)
    if (forget) session.setEngineEnv("PULUMI_K8S_DELETE_UNREACHABLE", "true");
    const summary = state.resourceCount > 0 ? await session.destroy() : {};
    const cleanup = await removeLeftovers(req, session, state, evidence, options);
    return {
      ...base,
      existed: true,
      releases,
      namespaces: state.namespaces,
      summary,
      cleanup,
      durationSeconds: Math.round((Date.now() - started) / 100) / 10,
    };
  });
}

/** A stack that does not exist: nothing touched, and what to do about the CRDs asked for. */
function nothingToDestroy(req: DeployRequest, options: DestroyOptions) {
  req.io.info(`Stack ${req.settings.stack} does not exist: nothing to destroy.`);
  if (options.purgeCrds)
    req.io.info(
      "Istio's CRDs are removed only together with the stack whose base release installed them; if no mesh uses them any more, delete them with kubectl.",
    );
  return {
    existed: false,
    releases: [],
    namespaces: [],
    summary: {},
    cleanup: { removed: [], kept: [] },
    durationSeconds: 0,
  };
}

/** What proves which leftovers the stack's istiod and base release created. */
function ownEvidence(req: DeployRequest, state: StackState, facts: ClusterFacts) {
  const own = ownershipOf(state, req.plan);
  const mine = state.releases.filter((r) => r.namespace === own.namespace);
  const istiodReleases = mine.filter((r) => recordedChart(state, r) === "istiod").map((r) => r.name);
  const baseRelease = mine.find((r) => recordedChart(state, r) === "base")?.name;
  return gatherEvidence(
    req.cluster,
    { namespace: own.namespace, istiodReleases, ...(baseRelease === undefined ? {} : { baseRelease }) },
    facts.foreign,
  );
}

/** Says what will be removed, before the question. */
function announce(req: DeployRequest, state: StackState, releases: string[], options: DestroyOptions): void {
  if (state.resourceCount === 0) {
    req.io.info(`Stack ${req.settings.stack} holds no resources: nothing in the cluster will change.`);
    return;
  }
  const what = [
    releases.length > 0 ? `Helm releases ${releases.join(", ")}` : "",
    state.namespaces.length > 0 ? `namespaces ${state.namespaces.join(", ")} (and everything in them)` : "",
    options.purgeCrds ? "Istio's CRDs with every Istio resource in the cluster" : "",
    options.purgeCrds && req.plan.gatewayApi !== undefined
      ? "the Gateway API CRDs planton installed, with every Gateway and route"
      : "",
  ].filter((x) => x !== "");
  req.io.info(`Will remove: ${what.join("; ") || `${state.resourceCount} resources`}`);
}

/**
 * After the engine: waits for the namespaces to go while it removes the leftovers (which
 * tolerate objects already gone) and then the stack, now empty. The namespaces' deletion has a
 * floor that is Kubernetes' own: the namespace controller waits 5 s after a namespace is deleted
 * before it removes anything in it (its fixed namespaceDeletionGracePeriod; `helm uninstall` plus
 * a namespace deletion waits the same); neither the leftovers nor the stack need anything from
 * those namespaces. Istio's CRDs (--purge-crds) still go only after the namespaces: their custom
 * resources are what the namespace controller is deleting. Both branches finish before the
 * session closes.
 */
async function removeLeftovers(
  req: DeployRequest,
  session: EngineSession,
  state: StackState,
  evidence: OwnershipEvidence,
  options: DestroyOptions,
): Promise<CleanupResult> {
  const namespacesGone = timed("namespace deletion", () =>
    waitForNamespacesGone(req.cluster, state.namespaces, {
      timeoutMs: 600_000,
      intervalMs: 100,
      signal: req.signal,
    }),
  );
  const [waited, cleaned] = await Promise.allSettled([
    namespacesGone,
    (options.purgeCrds ? namespacesGone : Promise.resolve())
      .then(() =>
        timed("cleanup", () =>
          cleanupLeftovers(req.cluster, evidence, req.plan.cleanup, options.purgeCrds === true),
        ),
      )
      .then(async (c) => (options.purgeCrds ? purgeGatewayApi(req, c) : c))
      .then(async (c) => {
        await timed("stack rm", () => session.removeStack());
        return c;
      }),
  ]);
  if (waited.status === "rejected") throw waited.reason;
  if (cleaned.status === "rejected") throw cleaned.reason;
  const lingering = waited.value;
  if (lingering.length > 0 && !req.signal.aborted)
    req.io.warn(
      `namespace${lingering.length > 1 ? "s" : ""} ${lingering.join(", ")} still terminating after 10 minutes: check for finalizers with kubectl get namespace -o yaml`,
    );
  return cleaned.value;
}

/**
 * `--purge-crds` with `spec.gatewayApi`: the Gateway API CRDs that carry planton's label go too
 * (after the namespaces), never another owner's. Without `--purge-crds` the program's
 * `retainOnDelete` kept them.
 */
async function purgeGatewayApi(req: DeployRequest, c: CleanupResult): Promise<CleanupResult> {
  if (req.plan.gatewayApi === undefined) return c;
  const { purgeGatewayApiCrds } = await import("../cluster/gateway-api.js");
  const removed = await timed("gateway api crds", () => purgeGatewayApiCrds(req.cluster));
  return { ...c, removed: [...c.removed, ...removed.map((n) => `CustomResourceDefinition/${n}`)] };
}

/**
 * Before the question: every remote cluster of the plan must answer, or the engine could not
 * delete planton's reader there and would stop halfway, on every rerun. An unreachable one
 * stops destroy (nothing changed) unless `forgetUnreachableRemotes`, which says what stays.
 * Returns whether the engine must forget what it cannot reach.
 */
async function checkRemotes(
  req: DeployRequest,
  hasResources: boolean,
  options: DestroyOptions,
): Promise<boolean> {
  if (!hasResources || req.plan.remotes.length === 0) return false;
  const unreachable = [...req.remoteProblems];
  await Promise.all(
    req.remotes.map(async (r) => {
      const reason = await unreachableReason(r.cluster);
      if (reason !== undefined)
        unreachable.push({ clusterName: r.clusterName, reason: `context "${r.cluster.context}": ${reason}` });
    }),
  );
  if (unreachable.length === 0) return false;
  const what = unreachable.map((u) => `${u.clusterName} (${u.reason})`).join("; ");
  const left = req.plan.remotes
    .filter((r) => unreachable.some((u) => u.clusterName === r.clusterName))
    .map(
      (r) =>
        `in ${r.clusterName}: ServiceAccount and Secret ${r.reader.namespace}/${r.reader.serviceAccount}, ${r.reader.tokenSecret}, ClusterRole and ClusterRoleBinding ${r.reader.clusterRole}`,
    );
  if (!options.forgetUnreachableRemotes)
    throw new DeployError(
      `remote cluster${unreachable.length > 1 ? "s" : ""} cannot be reached: ${what}; destroy would stop halfway, so nothing was changed`,
      "bring the cluster back and rerun; or rerun with --forget-unreachable-remotes to remove everything else and leave planton's reader there (delete it by hand later)",
    );
  req.io.warn(`remote clusters cannot be reached (${what}); these stay behind: ${left.join("; ")}`);
  return true;
}
