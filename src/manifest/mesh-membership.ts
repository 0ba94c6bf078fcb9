import type { KubernetesIstioSpec } from "../../gen/planton/kubernetes/istio/v1/spec_pb.js";
import {
  defaultEastWestGatewayName,
  defaultEgressGateway,
  defaultIngressGateway,
  defaultNamespace,
} from "../istio/defaults.js";

/** One problem with `spec.revisionTags` or `spec.namespaces`, at a field path. */
export interface MembershipProblem {
  path: string;
  code: string;
  message: string;
  hint: string;
}

/** Namespaces no mesh may label or own. */
const systemNamespaces = new Set(["kube-system", "kube-public", "kube-node-lease"]);

/** Kubernetes label keys: an optional DNS prefix and a name of at most 63 characters. */
const labelKey =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelValue = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** The labels Istio reads for injection: planton sets them from `injection` and `revision`. */
export const injectionLabelKeys = ["istio-injection", "istio.io/rev", "istio.io/dataplane-mode"];

/**
 * Cross-field rules of revision tags and workload namespaces (the per-field ones are proto
 * rules): tags unique, not named like a revision, pointing at a declared revision; namespaces
 * unique, not a system or the control plane's namespace, their revision a declared revision or
 * tag, AMBIENT only with the ambient profile, a revision only with SIDECAR, labels valid and not
 * Istio's injection labels. Pure.
 */
export function checkMembership(spec: KubernetesIstioSpec): MembershipProblem[] {
  const revisions = spec.revisions.map((r) => r.name);
  const tags = new Set(spec.revisionTags.map((t) => t.name));
  return [
    ...spec.revisionTags.flatMap((t, i, list) => revisionTagProblems(t, i, list, revisions)),
    ...spec.namespaces.flatMap((n, i, list) => [
      ...namespaceProblems(spec, n, i, list, revisions, tags),
      ...labelProblems(`spec.namespaces[${i}]`, n.labels),
    ]),
  ];
}

type RevisionTag = KubernetesIstioSpec["revisionTags"][number];
type WorkloadNamespace = KubernetesIstioSpec["namespaces"][number];

/** A revision tag: declared once, not named like a revision, pointing at a declared revision. */
function revisionTagProblems(
  t: RevisionTag,
  i: number,
  list: RevisionTag[],
  revisions: string[],
): MembershipProblem[] {
  const out: MembershipProblem[] = [];
  const path = `spec.revision_tags[${i}]`;
  // a nameless tag is reported once, as required (a proto rule): it is no duplicate of another
  if (t.name !== "" && list.slice(0, i).some((x) => x.name === t.name))
    out.push({
      path: `${path}.name`,
      code: "revision_tags.duplicate",
      message: `tag \`${t.name}\` is declared twice`,
      hint: "give each tag one entry",
    });
  if (revisions.includes(t.name))
    out.push({
      path: `${path}.name`,
      code: "revision_tags.shadows_revision",
      message: `tag \`${t.name}\` has the name of a revision`,
      hint: "tags and revisions share the istio.io/rev label: choose a name no revision uses",
    });
  if (t.revision !== "" && !revisions.includes(t.revision))
    out.push({
      path: `${path}.revision`,
      code: "revision_tags.unknown_revision",
      message:
        revisions.length === 0
          ? "revision tags need spec.revisions"
          : `\`${t.revision}\` is not one of spec.revisions (${revisions.join(", ")})`,
      hint:
        revisions.length === 0
          ? "install istiod as a revision (spec.revisions) to point tags at it"
          : "point the tag at a declared revision",
    });
  return out;
}

/**
 * A workload namespace: listed once, not a system or the control plane's namespace, AMBIENT
 * only with the ambient profile, a revision only with SIDECAR and only a declared revision or tag.
 */
function namespaceProblems(
  spec: KubernetesIstioSpec,
  n: WorkloadNamespace,
  i: number,
  list: WorkloadNamespace[],
  revisions: string[],
  tags: Set<string>,
): MembershipProblem[] {
  const out: MembershipProblem[] = [];
  const path = `spec.namespaces[${i}]`;
  if (n.name !== "" && list.slice(0, i).some((x) => x.name === n.name))
    out.push({
      path: `${path}.name`,
      code: "namespaces.duplicate",
      message: `namespace \`${n.name}\` is listed twice`,
      hint: "give each namespace one entry",
    });
  if (systemNamespaces.has(n.name) || n.name === (spec.namespace || "istio-system"))
    out.push({
      path: `${path}.name`,
      code: "namespaces.reserved",
      message: `\`${n.name}\` is ${systemNamespaces.has(n.name) ? "a Kubernetes system namespace" : "the control plane's namespace"}: its pods must not be injected`,
      hint: "list only the namespaces of your workloads",
    });
  const injection = n.injection || "SIDECAR";
  if (injection === "AMBIENT" && spec.profile !== "ambient")
    out.push({
      path: `${path}.injection`,
      code: "namespaces.ambient_profile",
      message: "AMBIENT needs the ambient profile (ztunnel and the CNI node agent)",
      hint: "set spec.profile: ambient, or use injection: SIDECAR",
    });
  if (n.revision !== "" && injection !== "SIDECAR")
    out.push({
      path: `${path}.revision`,
      code: "namespaces.revision_without_sidecar",
      message: `a revision applies only to SIDECAR injection, not ${injection}`,
      hint: "remove revision, or set injection: SIDECAR",
    });
  if (n.revision !== "" && !revisions.includes(n.revision) && !tags.has(n.revision))
    out.push({
      path: `${path}.revision`,
      code: "namespaces.unknown_revision",
      message: `\`${n.revision}\` is neither a revision nor a revision tag of this manifest`,
      hint: `use one of: ${[...revisions, ...tags.keys()].join(", ") || "(none declared: leave it empty for the default revision)"}`,
    });
  return out;
}

/** A workload namespace's labels: valid Kubernetes labels, none of Istio's injection labels. */
function labelProblems(path: string, labels: Record<string, string>): MembershipProblem[] {
  const out: MembershipProblem[] = [];
  for (const [k, v] of Object.entries(labels)) {
    const bad = !labelKey.test(k) || k.length > 316 || !labelValue.test(v);
    if (bad || injectionLabelKeys.includes(k))
      out.push({
        path: `${path}.labels[${JSON.stringify(k)}]`,
        code: bad ? "namespaces.label_invalid" : "namespaces.label_injection",
        message: bad
          ? `\`${k}: ${v}\` is not a valid Kubernetes label`
          : `\`${k}\` is an injection label, which planton sets from injection and revision`,
        hint: bad
          ? "label keys are [prefix/]name with letters, digits, '-', '_', '.'; values at most 63 such characters"
          : "set injection (and revision) instead",
      });
  }
  return out;
}

/** Which gateway lists the manifest wrote out (an absent list gets the profile's default gateways). */
export interface GatewayListsWritten {
  ingressGateways: boolean;
  egressGateways: boolean;
}

/** Every gateway the manifest installs, with its namespace as the defaults resolve it. */
function installedGateways(spec: KubernetesIstioSpec, written: GatewayListsWritten) {
  const profile = spec.profile || "default";
  const out: { what: string; namespace: string }[] = [];
  for (const [list, isWritten, kind, fallback, withDefault] of [
    [spec.ingressGateways, written.ingressGateways, "ingress", defaultIngressGateway, ["default", "demo"]],
    [spec.egressGateways, written.egressGateways, "egress", defaultEgressGateway, ["demo"]],
  ] as const) {
    if (!isWritten && (withDefault as readonly string[]).includes(profile))
      out.push({ what: `the ${kind} gateway \`${fallback.name}\``, namespace: fallback.namespace });
    for (const g of list)
      if (g.enabled !== false)
        out.push({ what: `the ${kind} gateway \`${g.name}\``, namespace: g.namespace || fallback.namespace });
  }
  const ew = spec.eastWestGateway;
  if (ew !== undefined && ew.enabled !== false)
    out.push({
      what: `the east-west gateway \`${ew.name || defaultEastWestGatewayName}\``,
      namespace: ew.namespace || spec.namespace || defaultNamespace,
    });
  return out;
}

/**
 * A gateway's pods get their proxy by injection (the gateway chart's `inject` template), which a
 * namespace marked `DISABLED` (`istio-injection=disabled`) turns off for every pod in it: such a
 * gateway would never start. One problem per namespace entry, at its `injection`.
 */
export function checkGatewayInjection(
  spec: KubernetesIstioSpec,
  written: GatewayListsWritten,
): MembershipProblem[] {
  const gateways = installedGateways(spec, written);
  const out: MembershipProblem[] = [];
  spec.namespaces.forEach((n, i) => {
    if (n.injection !== "DISABLED") return;
    const here = gateways.filter((g) => g.namespace === n.name).map((g) => g.what);
    if (here.length === 0) return;
    out.push({
      path: `spec.namespaces[${i}].injection`,
      code: "namespaces.gateway_not_injected",
      message: `\`${n.name}\` holds ${here.join(" and ")}, whose pods get their proxy by injection, which DISABLED turns off`,
      hint: "remove this entry (a gateway's namespace needs no injection label), or move the gateway to another namespace",
    });
  });
  return out;
}
