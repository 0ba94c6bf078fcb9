import {
  type ControlPlane,
  describeControlPlane,
  foreignControlPlanes,
  listControlPlanes,
  type Ownership,
  requireKubernetes,
  serverVersion,
} from "../cluster/precheck.js";
import { DeployError } from "../errors.js";
import type { InstallPlan } from "../istio/types.js";
import { checkVersionSkew } from "../istio/upgrade.js";
import { minimumKubernetesFor } from "../istio/versions.js";
import { recordedReleases, type StackState } from "../pulumi/state.js";
import type { DeployRequest } from "./request.js";

/** What the stack can prove it owns: the releases in its state, in the namespace it recorded. */
export function ownershipOf(state: StackState | undefined, plan: InstallPlan): Ownership {
  return {
    namespace: state?.outputs?.namespace || plan.mesh.namespace,
    // a release a killed apply was creating is the stack's too: its istiod may already run
    releases: new Map(
      [...(state?.pending ?? []), ...(state?.releases ?? [])].map((r) => [r.name, r.namespace]),
    ),
  };
}

/**
 * Refuses what Istio cannot do in place, before the cluster is touched: a version jump of more
 * than one minor version, and moving an installed control plane to another namespace.
 */
export function refuseInPlaceChanges(plan: InstallPlan, state: StackState | undefined): void {
  const problems = checkVersionSkew(plan, state === undefined ? {} : recordedReleases(state));
  if (problems.length > 0)
    throw new DeployError(
      `refusing to change Istio in place: ${problems.map((p) => p.message).join("; ")}`,
      problems[0]?.hint,
    );
  const recorded = state?.outputs?.namespace;
  if (recorded && recorded !== plan.mesh.namespace && (state?.releases.length ?? 0) > 0)
    throw new DeployError(
      `refusing to move the control plane from namespace ${recorded} to ${plan.mesh.namespace} in place: the stack's releases would be deleted and reinstalled, and every workload would lose its control plane in between`,
      `keep spec.namespace: ${recorded}; to move, destroy this stack and apply the manifest as a new stack (--stack), or install the new control plane beside the old one as a canary`,
    );
}

/** What the cluster check found. */
export interface ClusterFacts {
  kubernetesVersion: string;
  controlPlanes: ControlPlane[];
  foreign: ControlPlane[];
}

/**
 * The cluster answers, runs a Kubernetes new enough for the planned Istio (skipped for
 * destroy), and which istiod Deployments are not the stack's own.
 */
export async function checkCluster(
  req: DeployRequest,
  state: StackState | undefined,
  purpose: "install" | "destroy",
): Promise<ClusterFacts> {
  const server = await serverVersion(req.cluster);
  if (purpose === "install")
    requireKubernetes(server, minimumKubernetesFor(req.plan.mesh.version), req.plan.mesh.version);
  const controlPlanes = await listControlPlanes(req.cluster);
  return {
    kubernetesVersion: `${server.version.major}.${server.version.minor}`,
    controlPlanes,
    foreign: foreignControlPlanes(controlPlanes, ownershipOf(state, req.plan)),
  };
}

/** Refuses to install beside a control plane the stack does not manage. */
export function refuseForeign(facts: ClusterFacts): void {
  if (facts.foreign.length > 0)
    throw new DeployError(
      `an Istio control plane this stack does not manage is already installed: ${facts.foreign.map(describeControlPlane).join(", ")}`,
      "remove it first, or manage this mesh with the tool that installed it; planton will not overwrite it",
    );
}
