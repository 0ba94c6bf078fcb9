import { checkVersionSkew } from "../../istio/upgrade.js";
import type { InstallPlan } from "../../istio/types.js";
import type { LiveMesh, LiveRelease } from "./live.js";

/**
 * What adoption refuses, before anything is written: each refusal says what was found and what
 * the user can do. Pure: the live mesh (and, with `-f`, the manifest's plan) in, refusals out.
 */

export interface Refusal {
  reason:
    | "two_control_planes"
    | "pending_release"
    | "other_stack"
    | "version_skew"
    | "no_mesh"
    | "unplanned_release";
  message: string;
  hint: string;
}

/** The namespaces that hold a control plane: Helm istiod releases' and istioctl Pilot objects'. */
export function controlPlaneNamespaces(mesh: LiveMesh): string[] {
  const helm = mesh.releases.filter((r) => r.component === "istiod").map((r) => r.namespace);
  const istioctl = mesh.istioctl
    .filter((c) => c.component === "Pilot")
    .flatMap((c) => c.objects.map((o) => o.metadata?.namespace ?? ""))
    .filter((n) => n !== "");
  return [...new Set([...helm, ...istioctl])].sort();
}

/** How to get a release out of a pending state without touching its objects. */
function repairHint(r: LiveRelease): string {
  if (r.status === "pending-install")
    return `its install never finished: run the same \`helm upgrade --install ${r.name}\` again (same chart, version and values) until it is deployed, or remove only its record with \`kubectl delete secret -n ${r.namespace} sh.helm.release.v1.${r.name}.v${r.helmRevision}\` and reinstall; then run adopt again`;
  return `an ${r.status === "pending-rollback" ? "rollback" : "upgrade"} was cut off: \`helm rollback ${r.name} -n ${r.namespace}\` returns it to its last deployed revision (or finish the upgrade with helm); then run adopt again`;
}

/** A mesh whose pieces carry planton's label belongs to a planton stack already. */
function otherStack(mesh: LiveMesh): Refusal[] {
  if (mesh.plantonMarked.length === 0) return [];
  const shown = mesh.plantonMarked.slice(0, 3).join(", ");
  const more = mesh.plantonMarked.length > 3 ? ` and ${mesh.plantonMarked.length - 3} more` : "";
  return [
    {
      reason: "other_stack",
      message: `the mesh already belongs to a planton stack: ${shown}${more} carry planton's label app.kubernetes.io/managed-by=planton`,
      hint: "manage it with that stack's manifest (planton preview/apply -f), or destroy that stack before adopting; adoption never takes a mesh from another stack",
    },
  ];
}

/**
 * Everything that stops adoption. `plan` is the manifest's (with `-f`); without it, two control
 * planes cannot be told apart and the version check has nothing to compare.
 */
export function adoptionRefusals(mesh: LiveMesh, plan?: InstallPlan): Refusal[] {
  const out: Refusal[] = [];
  const planes = controlPlaneNamespaces(mesh);
  if (planes.length === 0)
    out.push({
      reason: "no_mesh",
      message:
        "found no Istio control plane to adopt: no istiod Helm release and no object istioctl labelled",
      hint: "check --context and --kubeconfig; to install a new mesh, use planton apply",
    });
  if (planes.length > 1 && (plan === undefined || !planes.includes(plan.mesh.namespace)))
    out.push({
      reason: "two_control_planes",
      message: `found control planes in ${planes.length} namespaces (${planes.join(", ")}) and ${plan === undefined ? "no manifest to say" : `the manifest's namespace ${plan.mesh.namespace} is none of them, so nothing says`} which one to adopt`,
      hint: `pass -f with a manifest whose spec.namespace names one of ${planes.join(", ")}`,
    });
  for (const r of mesh.releases.filter((x) => x.status.startsWith("pending-")))
    out.push({
      reason: "pending_release",
      message: `Helm release ${r.namespace}/${r.name} is ${r.status} (revision ${r.helmRevision}): Helm refuses to change it, so it cannot be adopted`,
      hint: repairHint(r),
    });
  out.push(...otherStack(mesh));
  if (plan !== undefined) out.push(...unplanned(mesh, plan));
  if (plan !== undefined) {
    const recorded = Object.fromEntries(
      mesh.releases.map((r) => [r.name, { chart: r.chart, version: r.version }]),
    );
    for (const p of checkVersionSkew(plan, recorded))
      out.push({
        reason: "version_skew",
        message: `adopting with this manifest: ${p.message} (the live release is at ${p.from})`,
        hint: `adopt at the live version (${p.from}) first; ${p.hint}`,
      });
  }
  return out;
}

/**
 * Live Istio releases the manifest's plan has no release for (same name and namespace): adopting
 * would install a second copy of the chart beside them. Only the manifest's control plane counts.
 */
function unplanned(mesh: LiveMesh, plan: InstallPlan): Refusal[] {
  const own = meshIn(mesh, plan.mesh.namespace);
  return own.releases
    .filter((r) => !plan.releases.some((p) => p.name === r.name && p.namespace === r.namespace))
    .map((r) => {
      const names = plan.releases
        .filter((p) => p.component === r.component)
        .map((p) => `${p.namespace}/${p.name}`);
      return {
        reason: "unplanned_release" as const,
        message: `Helm release ${r.namespace}/${r.name} (chart ${r.chart} ${r.version}) is not in the manifest, which ${names.length > 0 ? `plans ${names.join(", ")}` : `installs no ${r.chart}`}: adopting would install a second ${r.chart} beside it`,
        hint:
          r.component === "gateway"
            ? `add the gateway to the manifest (name: ${r.name}, namespace: ${r.namespace}); planton adopt --write-manifest writes it`
            : "planton names its releases istio-base, istiod or istiod-<revision>, istio-cni and ztunnel, and a Helm release cannot be renamed in place: reinstall this component under planton's name first, or fix the manifest's revisions",
      };
    });
}

/** The live mesh restricted to one control plane's namespace (and the gateways it serves). */
export function meshIn(mesh: LiveMesh, namespace: string): LiveMesh {
  const others = new Set(controlPlaneNamespaces(mesh).filter((n) => n !== namespace));
  return {
    ...mesh,
    releases: mesh.releases.filter((r) => !others.has(r.namespace)),
    istioctl: mesh.istioctl.filter((c) => !c.objects.some((o) => others.has(o.metadata?.namespace ?? ""))),
  };
}
