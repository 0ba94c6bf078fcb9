import type { KubernetesIstioSpec } from "../../gen/planton/kubernetes/istio/v1/spec_pb.js";
import { defaultWaypointName, waypointLabelKeys } from "../istio/waypoints.js";
import type { MembershipProblem } from "./mesh-membership.js";

type WorkloadNamespace = KubernetesIstioSpec["namespaces"][number];
type Waypoint = NonNullable<WorkloadNamespace["waypoint"]>;

/**
 * Cross-field rules of `spec.namespaces[].waypoint` (the per-field ones are proto rules): only
 * with the ambient profile and an AMBIENT namespace; `for` and `revision` only for a waypoint
 * planton creates; a revision that is declared; a `namespace` reference naming a waypoint the
 * manifest creates; no waypoint label written by hand beside it. Pure.
 */
export function checkWaypoints(spec: KubernetesIstioSpec): MembershipProblem[] {
  const created = new Map<string, string>();
  for (const n of spec.namespaces)
    if (n.waypoint !== undefined && n.waypoint.namespace === "")
      created.set(n.name, n.waypoint.name || defaultWaypointName);
  return spec.namespaces.flatMap((n, i) =>
    n.waypoint === undefined ? [] : waypointProblems(spec, n, n.waypoint, `spec.namespaces[${i}]`, created),
  );
}

function waypointProblems(
  spec: KubernetesIstioSpec,
  n: WorkloadNamespace,
  w: Waypoint,
  at: string,
  created: Map<string, string>,
): MembershipProblem[] {
  const path = `${at}.waypoint`;
  const out: MembershipProblem[] = [];
  const problem = (field: string, code: string, message: string, hint: string) =>
    out.push({ path: field === "" ? path : `${path}.${field}`, code: `waypoint.${code}`, message, hint });
  if (spec.profile !== "ambient")
    problem(
      "",
      "ambient_profile",
      "a waypoint serves ambient workloads, and needs the ambient profile (ztunnel sends their traffic to it)",
      "set spec.profile: ambient, or remove waypoint",
    );
  else if (n.injection !== "AMBIENT")
    problem(
      "",
      "ambient_namespace",
      `only ambient pods use a waypoint, and \`${n.name}\` is ${n.injection || "SIDECAR"}`,
      "set injection: AMBIENT on this namespace, or remove waypoint",
    );
  if (w.namespace !== "") out.push(...referenceProblems(n, w, path, created));
  else if (w.revision !== "") {
    const known = [...spec.revisions.map((r) => r.name), ...spec.revisionTags.map((t) => t.name)];
    if (!known.includes(w.revision))
      problem(
        "revision",
        "unknown_revision",
        `\`${w.revision}\` is neither a revision nor a revision tag of this manifest`,
        `use one of: ${known.join(", ") || "(none declared: leave it empty for the default revision)"}`,
      );
  }
  for (const k of Object.keys(n.labels).filter((k) => waypointLabelKeys.includes(k)))
    out.push({
      path: `${at}.labels[${JSON.stringify(k)}]`,
      code: "waypoint.label_conflict",
      message: `\`${k}\` is set by waypoint, and the two would disagree`,
      hint: "remove this label (waypoint sets it), or remove waypoint and keep the labels",
    });
  return out;
}

/** A reference to another namespace's waypoint: that namespace creates one of this name. */
function referenceProblems(
  n: WorkloadNamespace,
  w: Waypoint,
  path: string,
  created: Map<string, string>,
): MembershipProblem[] {
  const out: MembershipProblem[] = [];
  for (const [field, value] of [
    ["for", w.for],
    ["revision", w.revision],
  ] as const)
    if (value !== "")
      out.push({
        path: `${path}.${field}`,
        code: "waypoint.reference_settings",
        message: `${field} describes a waypoint planton creates, and with namespace none is created here`,
        hint: `set ${field} on the waypoint of \`${w.namespace}\`, or remove namespace to create one here`,
      });
  const name = w.name || defaultWaypointName;
  const there = created.get(w.namespace);
  if (w.namespace === n.name)
    out.push({
      path: `${path}.namespace`,
      code: "waypoint.self_reference",
      message: "namespace names this namespace itself",
      hint: "remove namespace: a waypoint without it is created in this namespace",
    });
  else if (there !== name)
    out.push({
      path: `${path}.namespace`,
      code: "waypoint.unknown_reference",
      message:
        there === undefined
          ? `no spec.namespaces[] entry \`${w.namespace}\` creates a waypoint`
          : `the waypoint of \`${w.namespace}\` is \`${there}\`, not \`${name}\``,
      hint:
        there === undefined
          ? `give \`${w.namespace}\` a waypoint in spec.namespaces; for a waypoint managed outside this manifest, remove waypoint and set the labels istio.io/use-waypoint and istio.io/use-waypoint-namespace`
          : `set name: ${there}`,
    });
  return out;
}
