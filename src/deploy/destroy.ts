import { type CleanupResult, cleanupLeftovers, gatherEvidence } from "../cluster/cleanup.js";
import { describeControlPlane } from "../cluster/precheck.js";
import { DeployError } from "../errors.js";
import { createIstioProgram } from "../pulumi/program.js";
import { checkCluster, ownershipOf } from "./checks.js";
import type { ChangeSummary } from "./preview.js";
import { type DeployRequest, withSession } from "./request.js";

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
    const state = await session.readState();
    if (state === undefined) {
      req.io.info(`Stack ${req.settings.stack} does not exist: nothing to destroy.`);
      if (options.purgeCrds)
        req.io.info(
          "Istio's CRDs are removed only together with the stack whose base release installed them; if no mesh uses them any more, delete them with kubectl.",
        );
      return {
        ...base,
        existed: false,
        releases: [],
        namespaces: [],
        summary: {},
        cleanup: { removed: [], kept: [] },
        durationSeconds: 0,
      };
    }
    const facts = await checkCluster(req, state, "destroy");
    for (const f of facts.foreign)
      req.io.warn(
        `an Istio control plane this stack does not manage is installed: ${describeControlPlane(f)}; only objects proven to be this stack's will be removed`,
      );
    const own = ownershipOf(state, req.plan);
    const releases = [...state.releases].reverse().map((r) => r.name);
    const istiodReleases = state.releases
      .filter((r) => r.chart === "istiod" && r.namespace === own.namespace)
      .map((r) => r.name);
    const baseRelease = state.releases.find((r) => r.chart === "base" && r.namespace === own.namespace)?.name;
    const evidence = await gatherEvidence(
      req.cluster,
      { namespace: own.namespace, istiodReleases, ...(baseRelease === undefined ? {} : { baseRelease }) },
      facts.foreign,
    );
    if (state.resourceCount === 0)
      req.io.info(`Stack ${req.settings.stack} holds no resources: nothing in the cluster will change.`);
    else
      req.io.info(
        `Will remove: ${
          [
            releases.length > 0 ? `Helm releases ${releases.join(", ")}` : "",
            state.namespaces.length > 0
              ? `namespaces ${state.namespaces.join(", ")} (and everything in them)`
              : "",
            options.purgeCrds ? "Istio's CRDs with every Istio resource in the cluster" : "",
          ]
            .filter((x) => x !== "")
            .join("; ") || `${state.resourceCount} resources`
        }`,
      );
    const yes = await req.io.confirm(
      `Destroy stack ${req.settings.stack} in context "${req.cluster.context}"?`,
    );
    if (!yes) throw new DeployError("cancelled at the prompt: nothing was changed");
    let summary: ChangeSummary = {};
    if (state.resourceCount > 0) {
      // the plan's program brings a provider with the current credentials
      const stack = await session.withProgram(createIstioProgram(req.plan, req.cluster));
      const r = await session.run(() => stack.destroy(session.options(req.io.onEvent?.bind(req.io))));
      summary = (r.summary.resourceChanges ?? {}) as ChangeSummary;
    }
    const cleanup = await cleanupLeftovers(
      req.cluster,
      evidence,
      req.plan.cleanup,
      options.purgeCrds === true,
    );
    await session.removeStack();
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
