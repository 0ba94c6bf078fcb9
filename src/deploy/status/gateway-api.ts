// `planton status`: the Gateway API CRDs the plan installs (`spec.gatewayApi`, the ambient profile).

import type * as k8s from "@kubernetes/client-node";
import { observedGatewayApiCrds } from "../../cluster/gateway-api.js";
import { bundleSemver, type ObservedGatewayApiCrd, type PlannedGatewayApi } from "../../istio/gateway-api.js";
import { compareVersions } from "../../istio/versions.js";
import { established } from "./crds.js";
import { type CheckFunction, plural, type StatusCheck } from "./model.js";

const row = (
  state: StatusCheck["state"],
  message: string,
  hint = "",
  details: string[] = [],
): StatusCheck => ({
  name: "gateway-api",
  category: "crds",
  state,
  message,
  hint,
  details,
});

/** `v1.4.1 standard` of a copy, `?` for what its annotations do not say. */
const copyOf = (c: { version: string | undefined; channel: string | undefined }) =>
  `${c.version ?? "?"} ${c.channel ?? "?"}`;

/** Each planned CRD of planton's own against the planned bundle: older, newer, or on another channel. */
function compareCopies(bundle: PlannedGatewayApi, observed: Map<string, ObservedGatewayApiCrd>) {
  const wanted = bundleSemver(bundle.version) as string;
  const older: string[] = [];
  const newer: string[] = [];
  for (const name of bundle.crds) {
    const c = observed.get(name);
    if (c === undefined) continue;
    const found = bundleSemver(c.version);
    const order = found === undefined ? -1 : compareVersions(found, wanted);
    if (order > 0) newer.push(`${name} (${copyOf(c)})`);
    else if (order < 0 || c.channel !== bundle.channel) older.push(`${name} (${copyOf(c)})`);
  }
  return { older, newer };
}

/**
 * One row for the bundle, judged as apply decides: every CRD present, Established and planton's
 * own at the planned version and channel is ok; a missing or unserved CRD is an error (`apply`
 * installs it); an older copy of planton's is a warning (`apply` upgrades it); where another owner
 * installed Gateway API CRDs, or planton's copy is newer, a warning that planton leaves them.
 */
export function gatewayApiRow(
  bundle: PlannedGatewayApi,
  crds: k8s.V1CustomResourceDefinition[],
): StatusCheck {
  const all = observedGatewayApiCrds(crds);
  const observed = new Map(all.map((c) => [c.name, c]));
  const want = `${bundle.version} ${bundle.channel}`;
  const foreign = all.filter((c) => !c.planton);
  if (foreign.length > 0)
    return row(
      "warning",
      `another owner's Gateway API CRDs (${[...new Set(foreign.map(copyOf))].join(", ")}): planton leaves them as they are (planned ${want})`,
      "check that istiod supports their version; `planton apply` never overwrites them",
      foreign.map((c) => c.name).sort(),
    );
  const missing = bundle.crds.filter((n) => !observed.has(n));
  if (missing.length > 0)
    return row(
      "error",
      `${missing.length} of ${plural(bundle.crds.length, "Gateway API CRD")} missing (planned ${want})`,
      "`planton apply` installs them",
      missing,
    );
  const unserved = crds
    .filter((c) => bundle.crds.includes(c.metadata?.name ?? "") && !established(c))
    .map((c) => c.metadata?.name ?? "");
  if (unserved.length > 0)
    return row(
      "error",
      `${plural(unserved.length, "Gateway API CRD")} not Established: the API server does not serve them`,
      "`kubectl get crd NAME -o yaml` shows the conditions",
      unserved,
    );
  const { older, newer } = compareCopies(bundle, observed);
  if (newer.length > 0)
    return row(
      "warning",
      `${plural(newer.length, "Gateway API CRD")} newer than the planned ${want}: never downgraded`,
      "set spec.gatewayApi.version to the cluster's version",
      newer,
    );
  if (older.length > 0)
    return row(
      "warning",
      `${plural(older.length, "Gateway API CRD")} not at the planned ${want}`,
      "`planton apply` upgrades them",
      older,
    );
  return row("ok", `${plural(bundle.crds.length, "Gateway API CRD")} at ${want}, established`);
}

/** The Gateway API row, when the plan installs the CRDs. */
export const checkGatewayApi: CheckFunction = (reads, plan) =>
  plan.gatewayApi === undefined ? [] : [gatewayApiRow(plan.gatewayApi, reads.gatewayApiCrds ?? [])];
