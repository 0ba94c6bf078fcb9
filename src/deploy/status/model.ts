// `planton status`: the check model (states, checks, results) and the helpers the checks share.

import type * as k8s from "@kubernetes/client-node";
import type { AmbientReads } from "../../cluster/ambient-reads.js";
import type { MultiClusterReads } from "../../cluster/multicluster-reads.js";
import type { ObservabilityReads } from "../../cluster/observability-reads.js";
import type { StatusReads } from "../../cluster/status-reads.js";
import type { InstallPlan } from "../../istio/types.js";
import type { StackState } from "../../pulumi/state.js";

/** How a check came out: `warning` still counts as healthy, `error` does not. */
export type CheckState = "ok" | "warning" | "error";

export type CheckCategory =
  | "releases"
  | "control-plane"
  | "crds"
  | "webhooks"
  | "gateways"
  | "mtls"
  | "ca"
  | "remote-secrets"
  | "observability"
  | "namespaces"
  | "ambient"
  | "waypoints";

/** One thing `status` checked, with what is wrong and what fixes it. */
export interface StatusCheck {
  /** Stable name: `release/istiod`, `istiod/1-30-3`, `tag/default`, `namespace/shop`… */
  name: string;
  category: CheckCategory;
  state: CheckState;
  message: string;
  /** The command or manifest field that fixes it; empty when ok. */
  hint: string;
  details: string[];
}

/** The pods of a namespace with injection on, counted by the proxy they run. */
export interface NamespaceStatus {
  name: string;
  /** The label that turns injection on: `istio-injection=enabled` or `istio.io/rev=X`. */
  injection: string;
  /** The revision new pods get, tags resolved; empty when no installed revision matches. */
  targetRevision: string;
  upToDate: number;
  outdated: number;
  missing: number;
}

/** What `status` found. */
export interface StatusResult {
  stack: string;
  context: string;
  /** The worst state of the checks. */
  state: CheckState;
  checks: StatusCheck[];
  namespaces: NamespaceStatus[];
}

export type { MultiClusterReads, RemoteSecretRecord } from "../../cluster/multicluster-reads.js";

/** Everything the checks read: the cluster-wide reads, the multi-cluster, ambient and observability ones. */
export type CheckReads = StatusReads &
  MultiClusterReads &
  AmbientReads & { observability?: ObservabilityReads | undefined };

/** A check function: the cluster reads, the plan and the stack's state in, checks out. */
export type CheckFunction = (
  reads: CheckReads,
  plan: InstallPlan,
  state: StackState | undefined,
) => StatusCheck[];

const rank: Record<CheckState, number> = { ok: 0, warning: 1, error: 2 };

/** The worst of some states (`ok` for none). */
export function worst(states: CheckState[]): CheckState {
  return states.reduce<CheckState>((a, b) => (rank[b] > rank[a] ? b : a), "ok");
}

export interface Issue {
  state: Exclude<CheckState, "ok">;
  message: string;
  hint: string;
}

/**
 * One check from a component's issues: ok with `okMessage` when there are none; otherwise the
 * worst issue is the message and hint, and every other issue a detail line.
 */
export function combine(
  category: CheckCategory,
  name: string,
  okMessage: string,
  issues: Issue[],
  details: string[] = [],
): StatusCheck {
  if (issues.length === 0) return { name, category, state: "ok", message: okMessage, hint: "", details };
  const sorted = [...issues].sort((a, b) => rank[b.state] - rank[a.state]);
  const first = sorted[0] as Issue;
  return {
    name,
    category,
    state: first.state,
    message: first.message,
    hint: [...new Set(sorted.map((i) => i.hint).filter((h) => h !== ""))].join("; "),
    details: [...sorted.slice(1).map((i) => `${i.state}: ${i.message}`), ...details],
  };
}

export const labels = (o: { metadata?: { labels?: Record<string, string> } }) => o.metadata?.labels ?? {};
export const annotations = (o: { metadata?: { annotations?: Record<string, string> } }) =>
  o.metadata?.annotations ?? {};
export const obj = (v: unknown): Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
export const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Ready-replica problems of a Deployment, named `what`; `fix` says how to look closer. */
export function readinessIssues(d: k8s.V1Deployment, what: string, fix: string, scaleHint: string): Issue[] {
  const desired = d.spec?.replicas ?? 1;
  const ready = d.status?.readyReplicas ?? 0;
  if (desired === 0) return [{ state: "error", message: `${what} is scaled to 0 replicas`, hint: scaleHint }];
  if (ready < desired)
    return [{ state: "error", message: `${what} has ${ready} of ${desired} replicas ready`, hint: fix }];
  return [];
}

/**
 * The primary of a remote-profile plan (`spec.profile: remote`): the cluster whose istiod serves
 * this one, and its address. Undefined for every other plan: those run their own istiod.
 */
export function remotePrimary(plan: InstallPlan): { clusterName: string; address: string } | undefined {
  if (plan.mesh.profile !== "remote") return undefined;
  return plan.mesh.multiCluster?.primary ?? { clusterName: "", address: "" };
}

export const findDeployment = (reads: StatusReads, namespace: string, name: string) =>
  reads.deployments.find((d) => d.metadata?.namespace === namespace && d.metadata?.name === name);
