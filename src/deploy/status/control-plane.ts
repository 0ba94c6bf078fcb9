// `planton status`: the control plane (istiod per revision).

import type { InstallPlan, PlannedRelease } from "../../istio/types.js";
import {
  type CheckFunction,
  combine,
  findDeployment,
  num,
  obj,
  readinessIssues,
  remotePrimary,
} from "./model.js";
import { checkServedByPrimary } from "./multicluster.js";

/** One istiod the plan installs. */
export interface PlannedRevision {
  /** The `istio.io/rev` label of its pods: the revision name, `default` when unrevisioned. */
  revision: string;
  /** Deployment, Service and PodDisruptionBudget name. */
  deployment: string;
  version: string;
  release: PlannedRelease | undefined;
}

/** The istiods of a plan: one per revision, or the single unrevisioned `istiod`. */
export function plannedRevisions(plan: InstallPlan): PlannedRevision[] {
  if (plan.mesh.revisions.length === 0) {
    const release = plan.releases.find((r) => r.component === "istiod");
    return [{ revision: "default", deployment: "istiod", version: plan.mesh.version, release }];
  }
  return plan.mesh.revisions.map((r) => ({
    revision: r.name,
    deployment: `istiod-${r.name}`,
    version: r.version,
    release: plan.releases.find((x) => x.name === r.release),
  }));
}

/** The tag of a container image (`docker.io/istio/pilot:1.30.3` → `1.30.3`; none → `latest`). */
export function imageTag(image: string): string {
  const noDigest = image.split("@")[0] ?? "";
  const last = noDigest.split("/").at(-1) ?? "";
  const i = last.indexOf(":");
  return i < 0 ? "latest" : last.slice(i + 1);
}

/**
 * True when the istiod chart renders a PodDisruptionBudget with these values: the chart's PDB
 * switch is on and istiod runs at least 2 replicas (fixed, or as the autoscaler's minimum).
 */
export function istiodPdbPlanned(values: Record<string, unknown>): boolean {
  const pilot = obj(values.pilot);
  const pdbSwitch = obj(obj(values.global).defaultPodDisruptionBudget).enabled;
  if (pdbSwitch === false) return false;
  const autoscale = pilot.autoscaleEnabled ?? values.autoscaleEnabled ?? true;
  if (autoscale !== false) return (num(pilot.autoscaleMin) ?? num(values.autoscaleMin) ?? 1) > 1;
  return (num(pilot.replicaCount) ?? num(values.replicaCount) ?? 1) > 1;
}

/**
 * Per revision: istiod present, all replicas ready, running the planned image tag, PDB where
 * planned. Profile remote runs no istiod (and so no image or PDB to check): one check that the
 * primary serves this cluster instead.
 */
export const checkControlPlane: CheckFunction = (reads, plan, state) => {
  if (remotePrimary(plan) !== undefined) return checkServedByPrimary(reads, plan, state);
  const ns = plan.mesh.namespace;
  return plannedRevisions(plan).map((rev) => {
    const name = `istiod/${rev.revision}`;
    const what = `istiod ${ns}/${rev.deployment}`;
    const d = findDeployment(reads, ns, rev.deployment);
    if (d === undefined)
      return combine("control-plane", name, "", [
        {
          state: "error",
          message: `${what} is missing: no control plane for revision ${rev.revision}`,
          hint: `\`planton apply\` reinstalls it (Helm release ${rev.release?.name ?? "istiod"})`,
        },
      ]);
    const issues = readinessIssues(
      d,
      what,
      `\`kubectl -n ${ns} describe deployment ${rev.deployment}\` and \`kubectl -n ${ns} logs deployment/${rev.deployment}\` show why`,
      `scale it back: \`kubectl -n ${ns} scale deployment ${rev.deployment} --replicas=1\` (spec.controlPlane.replicas sets the count)`,
    );
    const values = rev.release?.values ?? {};
    const wantTag = String(obj(values.global).tag ?? rev.version);
    const container =
      d.spec?.template?.spec?.containers?.find((c) => c.name === "discovery") ??
      d.spec?.template?.spec?.containers?.[0];
    const tag = container?.image === undefined ? undefined : imageTag(container.image);
    if (tag !== undefined && tag !== wantTag && !tag.startsWith(`${wantTag}-`))
      issues.push({
        state: "error",
        message: `${what} runs image ${container?.image}; the manifest plans ${wantTag}`,
        hint: "`planton apply` sets the planned version (spec.version, spec.revisions or spec.images.tag)",
      });
    const pdbPlanned = istiodPdbPlanned(values);
    const pdb = reads.podDisruptionBudgets.find(
      (p) => p.metadata?.namespace === ns && p.metadata?.name === rev.deployment,
    );
    if (pdbPlanned && pdb === undefined)
      issues.push({
        state: "error",
        message: `${what} has no PodDisruptionBudget, though it runs 2 or more replicas: a node drain can stop every istiod at once`,
        hint: "`planton apply` restores it (the istiod chart renders it when spec.controlPlane.replicas or autoscaling.minReplicas is 2 or more)",
      });
    const ready = d.status?.readyReplicas ?? 0;
    return combine(
      "control-plane",
      name,
      `${what} ready (${ready}/${d.spec?.replicas ?? 1}), ${tag ?? wantTag}${pdb ? ", PodDisruptionBudget present" : ""}`,
      issues,
    );
  });
};
