// `planton status`: the ambient rows: node agents on every node, enrolled namespaces and their
// pods' capture state, waypoints and their Programmed condition.

import type * as k8s from "@kubernetes/client-node";
import type { GatewayObject } from "../../cluster/ambient-reads.js";
import type { InstallPlan, PlannedRelease } from "../../istio/types.js";
import { type WaypointFacts, waypointFacts } from "../../istio/waypoints.js";
import {
  annotations,
  type CheckFunction,
  combine,
  type Issue,
  labels,
  plural,
  type StatusCheck,
} from "./model.js";

/** The pods of each node agent chart, by the label its DaemonSet selects them with. */
const agents = [
  {
    component: "cni",
    what: "the Istio CNI node agent",
    daemonSet: "istio-cni-node",
    label: ["k8s-app", "istio-cni-node"],
  },
  { component: "ztunnel", what: "ztunnel", daemonSet: "ztunnel", label: ["app", "ztunnel"] },
] as const;

/** At most ten names, then how many more. */
const someNames = (names: string[]) =>
  names.length <= 10 ? names.join(", ") : `${names.slice(0, 10).join(", ")} and ${names.length - 10} more`;

const isReady = (p: k8s.V1Pod) =>
  p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;

/**
 * The node agents (CNI, ztunnel): a ready pod on every schedulable (not cordoned) Linux node,
 * naming the nodes without one. Both charts select `kubernetes.io/os: linux`, so Windows nodes
 * never run them.
 */
export const checkNodeAgents: CheckFunction = (reads, plan) => {
  const nodes = reads.nodes;
  if (nodes === undefined) return [];
  const schedulable = nodes
    .filter((n) => n.spec?.unschedulable !== true && (labels(n)["kubernetes.io/os"] ?? "linux") === "linux")
    .map((n) => n.metadata?.name ?? "");
  return agents.flatMap((a) => {
    const release = plan.releases.find((r) => r.component === a.component);
    return release === undefined ? [] : [agentCheck(reads.pods, schedulable, release, a)];
  });
};

function agentCheck(
  pods: k8s.V1Pod[],
  schedulable: string[],
  release: PlannedRelease,
  a: (typeof agents)[number],
): StatusCheck {
  const [key, value] = a.label;
  const readyOn = new Set(
    pods
      .filter((p) => p.metadata?.namespace === release.namespace && labels(p)[key] === value && isReady(p))
      .map((p) => p.spec?.nodeName ?? ""),
  );
  const missing = schedulable.filter((n) => !readyOn.has(n));
  const issues: Issue[] =
    missing.length === 0
      ? []
      : [
          {
            state: "error",
            message: `${a.what} is not ready on ${missing.length} of ${plural(schedulable.length, "schedulable node")}: ${someNames(missing)}`,
            hint: `kubectl -n ${release.namespace} get pods -l ${key}=${value} -o wide; kubectl -n ${release.namespace} describe daemonset ${a.daemonSet}`,
          },
        ];
  return combine(
    "ambient",
    `node-agent/${a.daemonSet}`,
    `${a.what} ready on every schedulable node (${schedulable.length})`,
    issues,
  );
}

/**
 * Every namespace enrolled in ambient (`istio.io/dataplane-mode=ambient`, planned or not) and
 * every one the plan enrols: its labels as planned (the waypoint it uses too), and whether the
 * CNI node agent captured its pods (`ambient.istio.io/redirection: enabled`). Pods that opted
 * out (`istio.io/dataplane-mode=none`, as waypoints do), host-network and finished pods are left out.
 */
export const checkAmbientNamespaces: CheckFunction = (reads, plan) => {
  const planned = new Map(
    plan.workloadNamespaces.filter((n) => n.injection === "AMBIENT").map((n) => [n.name, n]),
  );
  const live = new Map(reads.namespaces.map((n) => [n.metadata?.name ?? "", n]));
  const enrolled = [...live.values()]
    .filter((n) => labels(n)["istio.io/dataplane-mode"] === "ambient")
    .map((n) => n.metadata?.name ?? "");
  const names = [...new Set([...enrolled, ...planned.keys()])].sort();
  return names.map((name) => {
    const issues: Issue[] = [];
    const ns = live.get(name);
    const want = planned.get(name)?.labels ?? {};
    const wrong = Object.entries(want).filter(
      ([k, v]) => (ns === undefined ? undefined : labels(ns)[k]) !== v,
    );
    if (wrong.length > 0)
      issues.push({
        state: "error",
        message:
          ns === undefined
            ? `namespace ${name} does not exist`
            : `namespace ${name} lacks ${wrong.map(([k, v]) => `${k}=${v}`).join(", ")}`,
        hint: "planton apply -f FILE",
      });
    const pods = reads.pods.filter((p) => p.metadata?.namespace === name && !leftOut(p));
    const outside = pods.filter((p) => annotations(p)["ambient.istio.io/redirection"] !== "enabled");
    if (outside.length > 0)
      issues.push({
        state: "warning",
        message: `${outside.length} of ${plural(pods.length, "pod")} in ${name} not captured by ztunnel: ${someNames(outside.map((p) => p.metadata?.name ?? ""))}`,
        hint: "the CNI node agent captures a pod as it starts: check istio-cni-node on the pod's node, then restart the pod",
      });
    const via = want["istio.io/use-waypoint"];
    const through =
      via === undefined ? "" : `, through waypoint ${want["istio.io/use-waypoint-namespace"] ?? name}/${via}`;
    return combine(
      "ambient",
      `ambient/${name}`,
      `${name}: ${plural(pods.length, "pod")} captured by ztunnel${through}`,
      issues,
    );
  });
};

/** Each planned waypoint: its Gateway exists and istiod reports it `Programmed`. */
export const checkWaypoints: CheckFunction = (reads, plan) =>
  plannedWaypoints(plan).map((w) => {
    const name = `${w.namespace}/${w.name}`;
    const found = reads.gateways?.find(
      (g) => g.metadata?.namespace === w.namespace && g.metadata?.name === w.name,
    );
    const describe = `kubectl -n ${w.namespace} describe gateway ${w.name}`;
    const issue = (message: string, hint: string): Issue[] => [{ state: "error", message, hint }];
    const programmed = found?.status?.conditions?.find((c) => c.type === "Programmed");
    const issues =
      reads.gateways === undefined
        ? issue(
            `waypoint ${name}: the Gateway API CRDs are not installed`,
            "install the Gateway API CRDs, then planton apply -f FILE",
          )
        : found === undefined
          ? issue(`waypoint ${name} is missing`, "planton apply -f FILE")
          : programmed?.status === "True"
            ? []
            : issue(
                notProgrammed(name, programmed),
                `${describe}; istiod creates its Deployment, which must become ready`,
              );
    return combine("waypoints", `waypoint/${name}`, `waypoint ${name} programmed (for ${w.for})`, issues);
  });

type Condition = NonNullable<NonNullable<GatewayObject["status"]>["conditions"]>[number];

function notProgrammed(name: string, c: Condition | undefined): string {
  if (c === undefined)
    return `waypoint ${name} is not programmed yet (no Programmed condition: istiod has not reported on it)`;
  const why = [c.reason, c.message].filter((x) => x).join(": ");
  return `waypoint ${name} is not programmed: ${why || "no reason given"}`;
}

/** Pods ztunnel never captures: opted out (as waypoints are), on the host network, or finished. */
function leftOut(p: k8s.V1Pod): boolean {
  if (labels(p)["istio.io/dataplane-mode"] === "none" || p.spec?.hostNetwork === true) return true;
  return p.status?.phase === "Succeeded" || p.status?.phase === "Failed";
}

function plannedWaypoints(plan: InstallPlan): WaypointFacts[] {
  return plan.objects.flatMap((o) => waypointFacts(o.manifest) ?? []);
}
