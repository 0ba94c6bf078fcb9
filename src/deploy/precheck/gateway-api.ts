// precheck: what `spec.gatewayApi` would do to the cluster's Gateway API CRDs (the decision
// table of istio/gateway-api.ts): a downgrade or a channel switch the safe-upgrades policy
// refuses stops apply before any change; another owner's CRDs are named and left as they are.

import type { PrecheckSnapshot } from "../../cluster/precheck-reads.js";
import {
  decideGatewayApiCrds,
  type GatewayApiAction,
  type GatewayApiDecision,
  type ObservedGatewayApiCrd,
  safeUpgradesPolicy,
  writes,
} from "../../istio/gateway-api.js";
import type { InstallPlan } from "../../istio/types.js";
import { type Check, type Finding, type FindingCode, finding } from "./model.js";

/** The decision for each CRD of the plan's bundle; undefined when the plan installs none or the CRDs were not read. */
export function gatewayApiDecisions(
  plan: InstallPlan,
  s: Pick<PrecheckSnapshot, "gatewayApiCrds" | "gatewayApiPolicy">,
): GatewayApiDecision[] | undefined {
  if (plan.gatewayApi === undefined || s.gatewayApiCrds === undefined) return undefined;
  return decideGatewayApiCrds(plan.gatewayApi, s.gatewayApiCrds, s.gatewayApiPolicy === true);
}

/** The Gateway API CRDs as they will be once apply has written those planton may write. */
export function gatewayApiCrdsAfterApply(
  plan: InstallPlan,
  s: Pick<PrecheckSnapshot, "gatewayApiCrds" | "gatewayApiPolicy">,
): ObservedGatewayApiCrd[] {
  const found = s.gatewayApiCrds ?? [];
  const bundle = plan.gatewayApi;
  const written = new Set(
    (gatewayApiDecisions(plan, s) ?? []).filter((d) => writes(d.action)).map((d) => d.name),
  );
  if (bundle === undefined || written.size === 0) return found;
  const mine = (name: string) => ({ name, version: bundle.version, channel: bundle.channel, planton: true });
  return [...found.filter((c) => !written.has(c.name)), ...[...written].map(mine)];
}

const crdRef = (name: string) => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  namespace: "",
  name,
});

const found = (d: GatewayApiDecision) =>
  d.found === undefined
    ? `${d.name} (absent: not added beside another owner's)`
    : `${d.name} (${d.found.version ?? "no bundle version"}, ${d.found.channel ?? "no channel"})`;

const messages: Partial<Record<GatewayApiAction, (n: number, plan: InstallPlan) => [FindingCode, string]>> = {
  downgrade: (n, p) => [
    "GATEWAY_API_CRD_DOWNGRADE",
    `${n} Gateway API CRDs planton installed are of a newer bundle than the ${p.gatewayApi?.version} the manifest names: planton never downgrades them`,
  ],
  "channel-switch": (n, p) => [
    "GATEWAY_API_CHANNEL_SWITCH",
    `${n} Gateway API CRDs are of the standard channel and the manifest asks for ${p.gatewayApi?.channel}: the cluster's ValidatingAdmissionPolicy ${safeUpgradesPolicy} refuses that switch`,
  ],
  foreign: (n) => [
    "GATEWAY_API_CRD_FOREIGN",
    `another owner installed the cluster's Gateway API CRDs (no planton label): planton leaves them as they are, adds none beside them (${n} of the bundle) and only checks their versions`,
  ],
};

/** GATEWAY_API_CRD_DOWNGRADE, GATEWAY_API_CHANNEL_SWITCH (errors), GATEWAY_API_CRD_FOREIGN (a warning). */
export const gatewayApiInstall: Check = {
  codes: ["GATEWAY_API_CRD_DOWNGRADE", "GATEWAY_API_CHANNEL_SWITCH", "GATEWAY_API_CRD_FOREIGN"],
  needs: ["gatewayApiCrds", "gatewayApiPolicy"],
  run: (plan, s) => {
    const decisions = gatewayApiDecisions(plan, s) ?? [];
    const out: Finding[] = [];
    for (const [action, message] of Object.entries(messages)) {
      const these = decisions.filter((d) => d.action === action);
      const first = these[0];
      if (first === undefined || message === undefined) continue;
      const [code, text] = message(these.length, plan);
      out.push(finding(code, text, { object: crdRef(first.name), details: these.map(found) }));
    }
    return out;
  },
};
