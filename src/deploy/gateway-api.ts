// spec.gatewayApi at run time: the shipped bundle read from the package (nothing is downloaded),
// the cluster's Gateway API CRDs read, the decision table applied, and the CRDs planton may write
// handed to the Pulumi program (which applies them server-side, before istiod).

import { readGatewayApi } from "../cluster/gateway-api.js";
import type { ResolvedCluster } from "../cluster/kubeconfig.js";
import {
  decideGatewayApiCrds,
  type GatewayApiDecision,
  type PlannedGatewayApi,
  writes,
} from "../istio/gateway-api.js";

import { type CrdObject, readBundle } from "./gateway-api-bundle.js";

export { bundlesDir, type CrdObject, readBundle } from "./gateway-api-bundle.js";

/** One line per kind of decision, for the person running preview or apply. */
export function describeDecisions(bundle: PlannedGatewayApi, decisions: GatewayApiDecision[]): string {
  const count = (a: string) => decisions.filter((d) => d.action === a);
  const from = (ds: GatewayApiDecision[]) =>
    [...new Set(ds.map((d) => `${d.found?.version ?? "?"} ${d.found?.channel ?? "?"}`))].join(", ");
  const parts = [
    ["install", "to install"],
    ["upgrade", "to upgrade"],
    ["unchanged", "up to date"],
    ["foreign", "another owner's, left as they are"],
    ["downgrade", "newer, never downgraded"],
    ["channel-switch", "standard, the switch refused by the safe-upgrades policy"],
  ]
    .map(([a, text]) => {
      const ds = count(a as string);
      if (ds.length === 0) return "";
      return `${ds.length} ${text}${a === "upgrade" ? ` (from ${from(ds)})` : ""}`;
    })
    .filter((x) => x !== "");
  return `Gateway API CRDs ${bundle.version} (${bundle.channel}): ${parts.join("; ")}`;
}

/**
 * The Gateway API CRDs the program applies: those of the plan's bundle the decision table lets
 * planton write (absent, or planton's own). Tells what it decided through `info`.
 */
export async function gatewayApiCrdsToApply(
  plan: { gatewayApi?: PlannedGatewayApi },
  cluster: ResolvedCluster,
  info: (line: string) => void,
): Promise<CrdObject[]> {
  const bundle = plan.gatewayApi;
  if (bundle === undefined) return [];
  const { crds, policy } = await readGatewayApi(cluster);
  const decisions = decideGatewayApiCrds(bundle, crds, policy);
  info(describeDecisions(bundle, decisions));
  const write = new Set(decisions.filter((d) => writes(d.action)).map((d) => d.name));
  return readBundle(bundle).filter((o) => write.has(o.metadata.name as string));
}
