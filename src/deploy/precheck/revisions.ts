// precheck: revisions the manifest removes, and who still uses them.

import type { PrecheckSnapshot } from "../../cluster/precheck-reads.js";
import type { ProxyPod } from "../../cluster/proxy-pods.js";
import type { InstallPlan } from "../../istio/types.js";
import { type Check, type CheckOptions, type Finding, finding } from "./model.js";
import { live, plannedRevisions, someOf } from "./proxies.js";

/** The revision label of a namespace once the plan is applied (the plan's own labels win). */
function namespaceRevisionLabel(plan: InstallPlan, ns: { name: string; labels: Record<string, string> }) {
  const planned = plan.workloadNamespaces.find((w) => w.name === ns.name);
  return planned !== undefined ? planned.labels["istio.io/rev"] : ns.labels["istio.io/rev"];
}

/** True when the plan points a tag at one of its own revisions (a tag move in the same apply). */
function planMovesTag(plan: InstallPlan, tag: string): boolean {
  if (tag === "default")
    return plan.mesh.defaultRevision !== "" || plan.mesh.revisionTags.default !== undefined;
  return plan.mesh.revisionTags[tag] !== undefined;
}

/**
 * True when `--restart-workloads` moves this pod: a pod of a Deployment, StatefulSet or
 * DaemonSet in a namespace the plan sends to a planned revision. A bare pod, a Job's or another
 * controller's ReplicaSet's (an Argo Rollout's) is never restarted, so it still counts.
 */
function restartedAway(plan: InstallPlan, pod: ProxyPod, options: CheckOptions): boolean {
  if (!options.restartWorkloads || pod.kind !== "sidecar") return false;
  if (!pod.restartable) return false;
  const ns = plan.workloadNamespaces.find((w) => w.name === pod.namespace);
  return ns !== undefined && plannedRevisions(plan).has(ns.revision);
}

/** Who uses revision `rev` once the plan is applied: counted users, and finished pods named but not counted. */
function usersOf(plan: InstallPlan, s: PrecheckSnapshot, rev: string, options: CheckOptions) {
  const pods = (s.pods ?? []).filter((p) => p.kind !== "ztunnel" && p.revision === rev);
  const running = pods.filter((p) => live(p) && !restartedAway(plan, p, options));
  const finished = pods.filter((p) => !live(p));
  const tags = (s.mutatingWebhooks ?? [])
    .map((w) => w.metadata?.labels ?? {})
    .filter((l) => l["istio.io/tag"] !== undefined && l["istio.io/rev"] === rev)
    .map((l) => l["istio.io/tag"] as string)
    .filter((t) => !planMovesTag(plan, t));
  const namespaces = (s.namespaces ?? [])
    .filter((n) => namespaceRevisionLabel(plan, n) === rev)
    .map((n) => n.name);
  return { running, finished, tags: [...new Set(tags)].sort(), namespaces };
}

/** REVISION_IN_USE: an istiod revision in the control-plane namespace the plan no longer has, still used. */
export const revisionInUse: Check = {
  codes: ["REVISION_IN_USE"],
  needs: ["istiods", "pods", "mutatingWebhooks", "namespaces"],
  run: (plan, s, options) => {
    if (plan.mesh.profile === "remote") return [];
    const planned = plannedRevisions(plan);
    const removed = (s.istiods ?? []).filter(
      (d) => d.namespace === plan.mesh.namespace && !planned.has(d.revision),
    );
    const out: Finding[] = [];
    for (const d of removed) {
      const u = usersOf(plan, s, d.revision, options);
      const count = (kind: ProxyPod["kind"], what: string) => {
        const n = u.running.filter((p) => p.kind === kind).length;
        return n === 0 ? "" : `${n} ${what} ${n === 1 ? "pod" : "pods"}`;
      };
      const uses = [
        count("sidecar", "running"),
        count("gateway", "gateway"),
        count("waypoint", "waypoint"),
        u.tags.length > 0 ? `tag ${u.tags.join(", ")}` : "",
        u.namespaces.length > 0 ? `namespace ${u.namespaces.join(", ")}` : "",
      ].filter((x) => x !== "");
      if (uses.length === 0) continue;
      out.push(
        finding(
          "REVISION_IN_USE",
          `the manifest removes revision ${d.revision} (istiod ${d.namespace}/${d.name}), still used by ${uses.join(", ")}`,
          {
            object: { apiVersion: "apps/v1", kind: "Deployment", namespace: d.namespace, name: d.name },
            details: [
              ...someOf(u.running.map((p) => `${p.phase.toLowerCase()} ${p.kind} ${p.namespace}/${p.name}`)),
              ...someOf(
                u.finished.map(
                  (p) => `${p.phase.toLowerCase()} pod ${p.namespace}/${p.name} (finished: not counted)`,
                ),
              ),
            ],
            hint: `point ${u.tags.length > 0 ? `tag ${u.tags.join(", ")}` : "the namespaces"} at a revision the manifest keeps (spec.revisionTags, spec.namespaces) and apply with --restart-workloads, then remove ${d.revision}`,
          },
        ),
      );
    }
    return out;
  },
};
