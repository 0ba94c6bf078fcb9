// `planton status`: the namespaces with injection on and their pods.

import type * as k8s from "@kubernetes/client-node";
import type { StatusReads } from "../../cluster/status-reads.js";
import type { InstallPlan } from "../../istio/types.js";
import { plannedRevisions } from "./control-plane.js";
import {
  annotations,
  type CheckFunction,
  combine,
  type Issue,
  labels,
  type NamespaceStatus,
  plural,
  remotePrimary,
} from "./model.js";
import { tagTargets } from "./webhooks.js";

/** How a namespace turns injection on, or undefined when it does not. */
export function injectionOf(ns: k8s.V1Namespace): { label: string; wants: string } | undefined {
  const l = labels(ns);
  const legacy = l["istio-injection"];
  // istio-injection wins over istio.io/rev, as in the injector webhooks' selectors
  if (legacy === "enabled") return { label: "istio-injection=enabled", wants: "default" };
  if (legacy !== undefined) return undefined;
  const rev = l["istio.io/rev"];
  return rev === undefined || rev === "" ? undefined : { label: `istio.io/rev=${rev}`, wants: rev };
}

/** True for pods injection never touches or that no longer run: opted out, host network, finished. */
export function skippedPod(p: k8s.V1Pod): boolean {
  const optOut = annotations(p)["sidecar.istio.io/inject"] ?? labels(p)["sidecar.istio.io/inject"];
  if (optOut === "false") return true;
  if (p.spec?.hostNetwork === true) return true;
  return p.status?.phase === "Succeeded" || p.status?.phase === "Failed";
}

/** `deployment/web` for a pod of Deployment web's ReplicaSet; `statefulset/db`; else `pod/name`. */
export function workloadOf(p: k8s.V1Pod): string {
  const owner = p.metadata?.ownerReferences?.find((o) => o.controller) ?? p.metadata?.ownerReferences?.[0];
  if (owner === undefined) return `pod/${p.metadata?.name ?? ""}`;
  if (owner.kind === "ReplicaSet") {
    const hash = labels(p)["pod-template-hash"];
    if (hash !== undefined && owner.name.endsWith(`-${hash}`))
      return `deployment/${owner.name.slice(0, -hash.length - 1)}`;
  }
  return `${owner.kind.toLowerCase()}/${owner.name}`;
}

/**
 * The revision that injected a pod. Injection writes it as the `istio.io/rev` annotation and in
 * the `sidecar.istio.io/status` annotation's `revision`; a label of that name is only a fallback
 * (it is what the pod asked for, not what served it). `default` for the revision-less istiod.
 */
export function injectedRevision(p: {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
}): string {
  const a = p.metadata?.annotations ?? {};
  if (a["istio.io/rev"]) return a["istio.io/rev"];
  try {
    const status = JSON.parse(a["sidecar.istio.io/status"] ?? "{}") as { revision?: unknown };
    if (typeof status.revision === "string" && status.revision !== "") return status.revision;
  } catch {
    // not JSON: fall through
  }
  return p.metadata?.labels?.["istio.io/rev"] || "default";
}

/** A namespace's counts, and the workloads behind its outdated and missing pods. */
interface NamespaceCount extends NamespaceStatus {
  wants: string;
  /** workload → revisions of its outdated pods (count per revision). */
  outdatedBy: Map<string, Map<string, number>>;
  missingBy: Map<string, number>;
}

function countNamespaces(reads: StatusReads, plan: InstallPlan): NamespaceCount[] {
  const cp = plan.mesh.namespace;
  const tags = tagTargets(reads, cp);
  const installed = new Set(
    reads.deployments
      .filter((d) => d.metadata?.namespace === cp && labels(d).app === "istiod")
      .map((d) => labels(d)["istio.io/rev"] ?? "default"),
  );
  // profile remote runs no istiod: the primary's injects through this cluster's `istiod`
  // Service, which the revision-less injector (revision `default`) calls
  if (remotePrimary(plan) !== undefined) installed.add("default");
  const resolve = (rev: string) => tags.get(rev) ?? rev;
  const counts = new Map<string, NamespaceCount>();
  for (const ns of reads.namespaces) {
    const injection = injectionOf(ns);
    const name = ns.metadata?.name;
    if (injection === undefined || name === undefined) continue;
    const target = resolve(injection.wants);
    counts.set(name, {
      name,
      injection: injection.label,
      wants: injection.wants,
      targetRevision: installed.has(target) ? target : "",
      upToDate: 0,
      outdated: 0,
      missing: 0,
      outdatedBy: new Map(),
      missingBy: new Map(),
    });
  }
  for (const p of reads.pods) {
    const c = counts.get(p.metadata?.namespace ?? "");
    if (c === undefined || skippedPod(p)) continue;
    const workload = workloadOf(p);
    if (annotations(p)["sidecar.istio.io/status"] === undefined) {
      c.missing++;
      c.missingBy.set(workload, (c.missingBy.get(workload) ?? 0) + 1);
      continue;
    }
    const rev = resolve(injectedRevision(p));
    if (c.targetRevision !== "" && rev === c.targetRevision) {
      c.upToDate++;
      continue;
    }
    c.outdated++;
    const byRev = c.outdatedBy.get(workload) ?? new Map<string, number>();
    byRev.set(rev, (byRev.get(rev) ?? 0) + 1);
    c.outdatedBy.set(workload, byRev);
  }
  return [...counts.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The namespaces with injection on, with their pods counted up to date, outdated and missing. */
export function namespaceStatuses(reads: StatusReads, plan: InstallPlan): NamespaceStatus[] {
  return countNamespaces(reads, plan).map(
    ({ name, injection, targetRevision, upToDate, outdated, missing }) => ({
      name,
      injection,
      targetRevision,
      upToDate,
      outdated,
      missing,
    }),
  );
}

const maxDetails = 20;

/**
 * Per namespace with injection on: its target revision is one the mesh runs, and every pod
 * runs that revision's proxy. Outdated and missing proxies are warnings: the mesh works, and a
 * rollout restart of the workloads listed fixes them.
 */
export const checkNamespaces: CheckFunction = (reads, plan) =>
  countNamespaces(reads, plan).map((c) => {
    const name = `namespace/${c.name}`;
    const target = c.targetRevision === "" ? c.wants : c.targetRevision;
    const head = `${c.name} (${c.injection}${c.targetRevision !== "" && c.targetRevision !== c.wants ? ` → ${c.targetRevision}` : ""})`;
    const total = c.upToDate + c.outdated + c.missing;
    const details = [
      ...[...c.missingBy].map(([w, n]) => `${w}: ${plural(n, "pod")} without a proxy`),
      ...[...c.outdatedBy].map(
        ([w, revs]) =>
          `${w}: ${[...revs].map(([rev, n]) => `${plural(n, "pod")} on revision ${rev}`).join(", ")}`,
      ),
    ].sort();
    const shown =
      details.length > maxDetails
        ? [...details.slice(0, maxDetails), `… and ${details.length - maxDetails} more workloads`]
        : details;
    const issues: Issue[] = [];
    if (c.targetRevision === "")
      issues.push({
        state: "warning",
        message: `${head}: asks for revision ${c.wants}, which this mesh does not run: new pods start without a proxy`,
        hint: `label it with a revision or tag of the mesh: \`kubectl label namespace ${c.name} istio.io/rev=${plan.mesh.defaultRevision || plannedRevisions(plan)[0]?.revision || "default"} --overwrite\``,
      });
    if (c.outdated > 0 || c.missing > 0) {
      const parts = [
        c.outdated > 0 ? `${c.outdated} on an older proxy than ${target}` : "",
        c.missing > 0 ? `${c.missing} without a proxy` : "",
      ].filter((s) => s !== "");
      issues.push({
        state: "warning",
        message: `${head}: ${parts.join(", ")}, of ${plural(total, "pod")}`,
        hint: `restart the workloads listed to inject ${target}'s proxy: \`kubectl -n ${c.name} rollout restart deployment/NAME\``,
      });
    }
    return combine(
      "namespaces",
      name,
      `${head}: ${total === 0 ? "no pods" : `${plural(c.upToDate, "pod")} up to date`}`,
      issues,
      shown,
    );
  });
