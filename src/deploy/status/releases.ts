// `planton status`: the Helm releases.

import type { HelmReleaseRecord } from "../../cluster/status-reads.js";
import type { PlannedRelease } from "../../istio/types.js";
import { type CheckFunction, combine, type Issue } from "./model.js";

/** Each planned Helm release deployed (not failed or pending), at the planned chart version. */
export const checkReleases: CheckFunction = (reads, plan, state) => {
  const checks = plan.releases.map((r) => {
    const rec = reads.helmReleases.find((h) => h.name === r.name && h.namespace === r.namespace);
    return combine("releases", `release/${r.name}`, `${r.name} ${r.version} deployed`, releaseIssues(r, rec));
  });
  const planned = new Set(plan.releases.map((r) => `${r.namespace}/${r.name}`));
  for (const r of state?.releases ?? []) {
    if (planned.has(`${r.namespace}/${r.name}`)) continue;
    checks.push(
      combine("releases", `release/${r.name}`, "", [
        {
          state: "warning",
          message: `release ${r.namespace}/${r.name} is in the stack but no longer in the manifest`,
          hint: "`planton apply` removes it",
        },
      ]),
    );
  }
  return checks;
};

function releaseIssues(r: PlannedRelease, rec: HelmReleaseRecord | undefined): Issue[] {
  const what = `release ${r.namespace}/${r.name}`;
  if (rec === undefined)
    return [{ state: "error", message: `${what} is not installed`, hint: "`planton apply` installs it" }];
  const issues: Issue[] = [];
  if (rec.status !== "deployed")
    issues.push({
      state: "error",
      message: `${what} is ${rec.status || "in an unknown state"} (Helm revision ${rec.revision})`,
      hint: rec.status.startsWith("pending-")
        ? "an install or upgrade is running or was killed: wait for it, or run `planton apply` (it repairs interrupted releases)"
        : `\`helm -n ${r.namespace} history ${r.name}\` shows why; \`planton apply\` retries it`,
    });
  if (rec.chartVersion !== "" && rec.chartVersion !== r.version)
    issues.push({
      state: "error",
      message: `${what} runs chart ${rec.chart || r.chart} ${rec.chartVersion}; the manifest plans ${r.version}`,
      hint: "`planton apply` upgrades it to the manifest's version (spec.version or spec.revisions)",
    });
  return issues;
}
