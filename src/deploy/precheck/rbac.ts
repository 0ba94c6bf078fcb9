// precheck: the rights an install of the plan needs, asked before anything is changed.

import type { AccessQuestion } from "../../cluster/access-review.js";
import { stackNamespaces } from "../../cluster/status-reads.js";
import type { InstallPlan } from "../../istio/types.js";
import { waypointFacts } from "../../istio/waypoints.js";
import { type Check, type Finding, finding } from "./model.js";

/** What the engine does with every object it owns: read it, create it, server-side apply it, delete it. */
const verbs = ["get", "list", "create", "patch", "delete"];

const clusterKinds: [group: string, resource: string][] = [
  ["apiextensions.k8s.io", "customresourcedefinitions"],
  ["admissionregistration.k8s.io", "mutatingwebhookconfigurations"],
  ["admissionregistration.k8s.io", "validatingwebhookconfigurations"],
  ["rbac.authorization.k8s.io", "clusterroles"],
  ["rbac.authorization.k8s.io", "clusterrolebindings"],
  ["", "namespaces"],
];

const namespacedKinds: [group: string, resource: string][] = [
  ["", "serviceaccounts"],
  ["", "services"],
  ["", "configmaps"],
  ["", "secrets"],
  ["apps", "deployments"],
  ["rbac.authorization.k8s.io", "roles"],
  ["rbac.authorization.k8s.io", "rolebindings"],
  ["policy", "poddisruptionbudgets"],
  ["autoscaling", "horizontalpodautoscalers"],
];

/**
 * Every right an apply of the plan needs: the cluster-scoped kinds the charts render, the
 * namespaced kinds in each namespace planton writes, DaemonSets where CNI or ztunnel go, and
 * Gateways where a waypoint goes.
 */
export function accessNeeded(plan: InstallPlan): AccessQuestion[] {
  const questions: AccessQuestion[] = [];
  for (const [group, resource] of clusterKinds)
    for (const verb of verbs) questions.push({ verb, group, resource });
  for (const namespace of stackNamespaces(plan))
    for (const [group, resource] of namespacedKinds)
      for (const verb of verbs) questions.push({ verb, group, resource, namespace });
  const daemonSets = new Set(
    plan.releases.filter((r) => r.component === "cni" || r.component === "ztunnel").map((r) => r.namespace),
  );
  for (const namespace of [...daemonSets].sort())
    for (const verb of verbs) questions.push({ verb, group: "apps", resource: "daemonsets", namespace });
  const waypoints = new Set(plan.objects.flatMap((o) => waypointFacts(o.manifest)?.namespace ?? []));
  for (const namespace of [...waypoints].sort())
    for (const verb of verbs)
      questions.push({ verb, group: "gateway.networking.k8s.io", resource: "gateways", namespace });
  return [...questions, ...rolloutAccess(plan)];
}

/**
 * The rights of an ambient node-by-node upgrade (README "Ambient day-2"): nodes to cordon, pods
 * to find and evict in any namespace, budgets to name, and where the node agents run, their pods
 * to replace and their ControllerRevisions to read. Asked only when one can run.
 */
function rolloutAccess(plan: InstallPlan): AccessQuestion[] {
  const agents = plan.mesh.nodeAgents;
  if (agents?.upgrade !== "NODE_BY_NODE") return [];
  const questions: AccessQuestion[] = [
    { verb: "list", group: "", resource: "nodes" },
    { verb: "patch", group: "", resource: "nodes" },
    { verb: "list", group: "", resource: "pods" },
    { verb: "get", group: "", resource: "pods" },
    { verb: "create", group: "", resource: "pods", subresource: "eviction" },
    { verb: "list", group: "policy", resource: "poddisruptionbudgets" },
  ];
  for (const namespace of [...new Set(agents.agents.map((a) => a.namespace))].sort())
    questions.push(
      { verb: "delete", group: "", resource: "pods", namespace },
      { verb: "list", group: "apps", resource: "controllerrevisions", namespace },
    );
  return questions;
}

/** RBAC_MISSING: one finding per scope (cluster-wide, each namespace) listing what is denied. */
export const rbacMissing: Check = {
  codes: ["RBAC_MISSING"],
  needs: ["access"],
  run: (_plan, s) => {
    const denied = (s.access ?? []).filter((a) => !a.allowed);
    const scopes = new Map<string, string[]>();
    for (const a of denied) {
      const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
      const kind = a.group === "" ? resource : `${resource}.${a.group}`;
      const scope = a.namespace ?? "";
      scopes.set(scope, [...(scopes.get(scope) ?? []), `${a.verb} ${kind}`]);
    }
    const out: Finding[] = [];
    for (const [scope, rights] of [...scopes].sort(([a], [b]) => a.localeCompare(b)))
      out.push(
        finding(
          "RBAC_MISSING",
          `the kubeconfig's user may not ${rights.length === 1 ? rights[0] : `do ${rights.length} things the install needs`} ${scope === "" ? "cluster-wide" : `in namespace ${scope}`}`,
          {
            ...(scope === ""
              ? {}
              : { object: { apiVersion: "v1", kind: "Namespace", namespace: "", name: scope } }),
            details: rights,
          },
        ),
      );
    return out;
  },
};
