// `planton precheck`: every check on one snapshot of the cluster, and the entry apply's gate calls.

import type { ResolvedCluster } from "../../cluster/kubeconfig.js";
import { serverVersion } from "../../cluster/precheck.js";
import { type PrecheckSnapshot, readPrecheck } from "../../cluster/precheck-reads.js";
import type { InstallPlan } from "../../istio/types.js";
import { timed } from "../../timings.js";
import {
  type Check,
  type CheckOptions,
  type Finding,
  type FindingCode,
  findingCodes,
  type PrecheckResult,
  type Unchecked,
} from "./model.js";
import { gatewayApiInstall } from "./gateway-api.js";
import { fieldManagerConflict, helmReleasePending } from "./ownership.js";
import { proxyInplaceBreak, proxySkew } from "./proxies.js";
import { accessNeeded, rbacMissing } from "./rbac.js";
import { revisionInUse } from "./revisions.js";
import { gatewayApiCrds, istioCrdDowngrade, kubernetesVersion } from "./versions.js";
import { defaultTagOwner, webhookOverlap } from "./webhooks.js";

/** Every check, in report order. */
export const checks: Check[] = [
  kubernetesVersion,
  rbacMissing,
  gatewayApiInstall,
  gatewayApiCrds,
  istioCrdDowngrade,
  proxySkew,
  proxyInplaceBreak,
  webhookOverlap,
  defaultTagOwner,
  helmReleasePending,
  fieldManagerConflict,
  revisionInUse,
];

const codeOrder = Object.keys(findingCodes);

export interface EvaluateOptions extends CheckOptions {
  /** `--skip-check CODE`: findings of these codes are listed as waived and do not fail. */
  waived?: FindingCode[];
}

/**
 * Runs every check on one snapshot. Pure. A check whose reads failed is not run: its codes are
 * `unchecked` with the reason. Errors come first, then by code.
 */
export function evaluatePrecheck(
  plan: InstallPlan,
  snapshot: PrecheckSnapshot,
  options: EvaluateOptions = {},
): Pick<PrecheckResult, "findings" | "unchecked" | "waived"> {
  const waived = [...new Set(options.waived ?? [])];
  const findings: Finding[] = [];
  const unchecked: Unchecked[] = [];
  for (const check of checks) {
    const failed = snapshot.failures.filter((f) => check.needs.includes(f.read));
    if (failed.length > 0) {
      const reason = [...new Set(failed.map((f) => f.reason))].join("; ");
      for (const code of check.codes) unchecked.push({ code, reason });
      continue;
    }
    findings.push(...check.run(plan, snapshot, options));
  }
  const rank = (f: Finding) => (f.severity === "ERROR" ? 0 : 1) * 100 + codeOrder.indexOf(f.code);
  return {
    findings: findings
      .map((f) => (waived.includes(f.code) ? { ...f, waived: true } : f))
      .sort((a, b) => rank(a) - rank(b)),
    unchecked,
    waived,
  };
}

/** What a precheck command asks of every stack: the waived codes, whether workloads restart. */
export type PrecheckOptions = EvaluateOptions;

/** What precheck needs: the plan of one stack, its cluster and its name. */
export interface PrecheckInput extends EvaluateOptions {
  plan: InstallPlan;
  cluster: ResolvedCluster;
  stack: string;
}

/**
 * Reads the cluster (never writes) and reports every finding for installing or upgrading to the
 * plan. An unreachable cluster is a `DeployError` (exit 1); a read the cluster refuses makes the
 * checks that need it `unchecked`.
 */
export async function precheck(input: PrecheckInput): Promise<PrecheckResult> {
  const { plan, cluster } = input;
  const [server, snapshot] = await timed("precheck reads", () =>
    Promise.all([serverVersion(cluster), readPrecheck(cluster, plan, accessNeeded(plan))]),
  );
  snapshot.server = server;
  return {
    stack: input.stack,
    context: cluster.context,
    targetVersion: plan.mesh.version,
    kubernetesVersion: server.gitVersion,
    ...evaluatePrecheck(plan, snapshot, input),
  };
}
