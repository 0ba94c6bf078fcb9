import { type AdoptReads, readAdoption } from "../../cluster/adopt-reads.js";
import type { ResolvedCluster } from "../../cluster/kubeconfig.js";
import { DeployError } from "../../errors.js";
import type { InstallPlan } from "../../istio/types.js";
import { diffReleases, type ReleaseChange } from "../../istio/upgrade.js";
import { type AdoptionPlan, adoptionPlan } from "./adoption-plan.js";
import { discoverMesh } from "./discover.js";
import type { LiveMesh } from "./live.js";
import { adoptionRefusals, controlPlaneNamespaces, meshIn, type Refusal } from "./refusals.js";

/** The live mesh of a cluster, restricted to the manifest's control plane when it names one. */
export interface LiveMeshReading {
  reads: AdoptReads;
  mesh: LiveMesh;
  refusals: Refusal[];
}

/**
 * Reads the cluster (reads only), discovers the live mesh and checks the refusals against the
 * manifest's plan (when `-f` gave one). With several control planes and a manifest naming one
 * of them, the mesh is that one's.
 */
export async function readLiveMesh(cluster: ResolvedCluster, plan?: InstallPlan): Promise<LiveMeshReading> {
  const reads = await readAdoption(cluster);
  const all = discoverMesh(reads);
  const refusals = adoptionRefusals(all, plan);
  const planes = controlPlaneNamespaces(all);
  const mesh =
    plan !== undefined && planes.includes(plan.mesh.namespace) ? meshIn(all, plan.mesh.namespace) : all;
  return { reads, mesh, refusals };
}

/** Every refusal as one error: the first one's message and hint, the others named after it. */
export function refusalError(refusals: Refusal[]): DeployError {
  const [first, ...rest] = refusals;
  const more = rest.map((r) => `; also: ${r.message}`).join("");
  return new DeployError(`refusing to adopt: ${first?.message ?? ""}${more}`, first?.hint);
}

/**
 * What adopting into the manifest's stack would do. This is the function the apply side calls:
 * its `imports` go to the engine (Automation API `stack.import`), its `ownership` is written
 * before the releases are recorded, and `conflicts` stop adoption before any change.
 */
export function planAdoption(reading: LiveMeshReading, plan: InstallPlan): AdoptionPlan {
  return adoptionPlan(plan, reading.mesh, {
    namespaces: reading.reads.namespaces.map((n) => n.metadata?.name ?? ""),
    services: reading.reads.tagServices,
    ...(reading.reads.defaultValidator[0] ? { defaultValidator: reading.reads.defaultValidator[0] } : {}),
  });
}

/**
 * How the manifest's releases differ from the live ones, as `preview` shows a stack's: what the
 * first apply after adoption would change in each release.
 */
export function liveReleaseChanges(reading: LiveMeshReading, plan: InstallPlan): ReleaseChange[] {
  const live = Object.fromEntries(
    reading.mesh.releases.map((r) => [r.name, { version: r.version, values: r.values }]),
  );
  return diffReleases(plan, live);
}
