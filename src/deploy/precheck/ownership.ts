// precheck: Helm releases left pending, and fields of the plan's objects another manager owns.

import type { ManagedObject } from "../../cluster/precheck-reads.js";
import type { InstallPlan } from "../../istio/types.js";
import { type Check, describeRef, type Finding, finding } from "./model.js";
import { plannedRevisions, someOf } from "./proxies.js";

/** HELM_RELEASE_PENDING: the newest record of a release in the plan's namespaces is pending-*. */
export const helmReleasePending: Check = {
  codes: ["HELM_RELEASE_PENDING"],
  needs: ["helmReleases"],
  run: (plan, s) =>
    (s.helmReleases ?? [])
      .filter((r) => r.status.startsWith("pending-"))
      .map((r) => {
        const own = plan.releases.some((p) => p.name === r.name && p.namespace === r.namespace);
        return finding(
          "HELM_RELEASE_PENDING",
          `Helm release ${r.namespace}/${r.name} is ${r.status} (revision ${r.revision}${r.chart ? `, chart ${r.chart} ${r.chartVersion}` : ""}): Helm refuses another operation on it`,
          {
            object: {
              apiVersion: "v1",
              kind: "Secret",
              namespace: r.namespace,
              name: `sh.helm.release.v1.${r.name}.v${r.revision}`,
            },
            hint: own
              ? `planton apply repairs its own interrupted release; otherwise \`helm rollback ${r.name} -n ${r.namespace}\``
              : `\`helm rollback ${r.name} -n ${r.namespace}\` (or \`helm uninstall\` for a pending-install)`,
          },
        );
      }),
};

/**
 * HELM_RELEASE_PENDING findings about a release the stack's own state records as interrupted
 * (a killed planton): apply removes the pending record before its update, so they are warnings
 * that say so, not errors. Pure.
 */
export function repairedByApply(
  findings: Finding[],
  interrupted: { name: string; namespace: string }[],
): Finding[] {
  const repaired = (f: Finding) =>
    f.code === "HELM_RELEASE_PENDING" &&
    interrupted.some((r) => {
      const prefix = `sh.helm.release.v1.${r.name}.v`;
      const name = f.object?.name ?? "";
      return (
        f.object?.namespace === r.namespace &&
        name.startsWith(prefix) &&
        /^\d+$/.test(name.slice(prefix.length))
      );
    });
  return findings.map((f) =>
    repaired(f)
      ? {
          ...f,
          severity: "WARNING" as const,
          message: `${f.message}; the stack's state records this interrupted operation, and apply removes the pending record before its update`,
          hint: "nothing to do: planton apply repairs its own interrupted release",
        }
      : f,
  );
}

/**
 * Managers whose fields never conflict with planton's apply: planton's engine and Helm
 * themselves, planton's own writes (adopt's hand-over of istioctl's objects to Helm), istiod (it patches its webhooks' caBundle and failurePolicy), Kubernetes
 * controllers, and the server-side apply migration entry.
 */
// pulumi-resource-kubernetes: the provider's Helm library writes a helm.v3.Release's objects
// under the provider's process name (seen on the e2e cluster after planton's own apply)
const knownManagers =
  /^(pulumi-kubernetes.*|pulumi-resource-kubernetes|helm|planton|pilot-discovery|kube-controller-manager|kube-scheduler|kubelet|before-first-apply)$/;

/** Fields no chart renders: set by controllers, kubectl restarts and client-side apply. */
const ignoredField =
  /(^status($|\.)|kubectl\.kubernetes\.io\/restartedAt$|kubectl\.kubernetes\.io\/last-applied-configuration$|deployment\.kubernetes\.io\/revision$|\.caBundle$|\.failurePolicy$)/;

/** True for an object the plan renders: a planned revision's istiod and webhooks, a planned gateway. */
function rendered(plan: InstallPlan, o: ManagedObject): boolean {
  const revisions = plannedRevisions(plan);
  const rev = o.labels["istio.io/rev"];
  const tag = o.labels["istio.io/tag"];
  switch (o.ref.kind) {
    case "Deployment":
    case "Service":
      if (plan.mesh.gateways.some((g) => g.name === o.ref.name && g.namespace === o.ref.namespace))
        return true;
      return (
        o.ref.namespace === plan.mesh.namespace &&
        o.labels.app === "istiod" &&
        revisions.has(rev ?? "default")
      );
    case "MutatingWebhookConfiguration":
      if (tag !== undefined)
        return (
          plan.mesh.revisionTags[tag] !== undefined || (tag === "default" && plan.mesh.defaultRevision !== "")
        );
      return o.ref.name.startsWith("istio-sidecar-injector") && revisions.has(rev ?? "default");
    case "ValidatingWebhookConfiguration":
      return (
        o.ref.name === "istiod-default-validator" ||
        (o.ref.name.startsWith("istio-validator") && revisions.has(rev ?? "default"))
      );
    default:
      return false;
  }
}

/** FIELD_MANAGER_CONFLICT: another manager owns fields of an object the plan renders. */
export const fieldManagerConflict: Check = {
  codes: ["FIELD_MANAGER_CONFLICT"],
  needs: ["managedObjects"],
  run: (plan, s) =>
    (s.managedObjects ?? [])
      .filter((o) => rendered(plan, o))
      .flatMap((o) =>
        o.owners
          .filter((m) => !knownManagers.test(m.manager) && m.subresource === "")
          .map((m) => ({ m, fields: m.fields.filter((f) => !ignoredField.test(f)) }))
          .filter(({ fields }) => fields.length > 0)
          .map(({ m, fields }) =>
            finding(
              "FIELD_MANAGER_CONFLICT",
              `${describeRef(o.ref)}: field manager ${m.manager} (${m.operation}) owns ${fields.length} ${fields.length === 1 ? "field" : "fields"} of an object planton applies`,
              { object: o.ref, details: someOf(fields) },
            ),
          ),
      ),
};
