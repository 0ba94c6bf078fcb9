import { planIstio } from "../../src/istio/plan.js";
import type { InstallPlan } from "../../src/istio/types.js";
import { loadManifest } from "../../src/manifest/load.js";
import { type K8sObject, renderRelease } from "./helm.js";

/** A plan and every release of it rendered by Helm. @internal */
export interface RenderedPlan {
  plan: InstallPlan;
  releases: Map<string, K8sObject[]>;
  all: K8sObject[];
}

/** Loads a manifest pointed at the test chart repository, plans it, renders every release. @internal */
export async function renderManifest(
  helm: string,
  repoUrl: string,
  file: string,
  extra: string[] = [],
): Promise<RenderedPlan> {
  const result = loadManifest({ file, overrides: [`spec.charts.repository=${repoUrl}`, ...extra] });
  if (result.kind !== "ok") throw new Error(`${file} is invalid: ${JSON.stringify(result.diagnostics)}`);
  const plan = planIstio(result.manifest);
  const releases = new Map<string, K8sObject[]>();
  const rendered = await Promise.all(plan.releases.map((r) => renderRelease(helm, r, repoUrl)));
  plan.releases.forEach((r, i) => {
    releases.set(r.name, rendered[i]?.objects ?? []);
  });
  return { plan, releases, all: [...releases.values()].flat() };
}
