// precheck: foreign sidecar injectors selecting Istio's namespaces, and the default tag's owner.

import type * as k8s from "@kubernetes/client-node";
import type { PrecheckSnapshot } from "../../cluster/precheck-reads.js";
import type { InstallPlan } from "../../istio/types.js";
import { type Check, type Finding, finding } from "./model.js";
import { plannedRevisions } from "./proxies.js";

/** True when a label selector selects these labels (an absent selector selects everything). */
export function selects(selector: k8s.V1LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (selector === undefined) return true;
  const equal = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return (
    equal &&
    (selector.matchExpressions ?? []).every((e) => {
      const has = Object.hasOwn(labels, e.key);
      const value = labels[e.key] ?? "";
      switch (e.operator) {
        case "In":
          return has && (e.values ?? []).includes(value);
        case "NotIn":
          return !has || !(e.values ?? []).includes(value);
        case "Exists":
          return has;
        case "DoesNotExist":
          return !has;
        default:
          return false;
      }
    })
  );
}

const injectionKeys = ["istio-injection", "istio.io/rev"];

/** True when a webhook's namespace selector names Istio's injection labels. */
const namesIstioLabels = (w: k8s.V1MutatingWebhook) =>
  Object.keys(w.namespaceSelector?.matchLabels ?? {}).some((k) => injectionKeys.includes(k)) ||
  (w.namespaceSelector?.matchExpressions ?? []).some(
    (e) => injectionKeys.includes(e.key) && e.operator !== "DoesNotExist" && e.operator !== "NotIn",
  );

/** True when a webhook is called for pods being created. */
const onPodCreate = (w: k8s.V1MutatingWebhook) =>
  (w.rules ?? []).some(
    (r) =>
      (r.resources ?? []).some((x) => x === "pods" || x === "*") &&
      (r.operations ?? []).some((o) => o === "CREATE" || o === "*"),
  );

/** True for a webhook of the plan's own control plane (its service is in the plan's namespace). */
const ours = (plan: InstallPlan, w: k8s.V1MutatingWebhook) =>
  w.clientConfig.service?.namespace === plan.mesh.namespace;

/** The namespaces whose pods the plan's istiods inject, with the labels they will have. */
function injectedNamespaces(
  plan: InstallPlan,
  s: PrecheckSnapshot,
): { name: string; labels: Record<string, string> }[] {
  const targets = new Set([...plannedRevisions(plan).keys(), ...Object.keys(plan.mesh.revisionTags)]);
  const existing = new Map((s.namespaces ?? []).map((n) => [n.name, n.labels]));
  for (const w of plan.workloadNamespaces) existing.set(w.name, { ...existing.get(w.name), ...w.labels });
  return [...existing]
    .map(([name, labels]) => ({ name, labels }))
    .filter(
      (n) =>
        n.labels["istio-injection"] === "enabled" ||
        (n.labels["istio.io/rev"] !== undefined && targets.has(n.labels["istio.io/rev"])),
    );
}

/** True when the plan installs the default revision tag. */
const takesDefaultTag = (plan: InstallPlan) =>
  plan.mesh.defaultRevision !== "" || plan.mesh.revisionTags.default !== undefined;

/** WEBHOOK_OVERLAP: another control plane's (or tool's) injector selects the namespaces Istio injects. */
export const webhookOverlap: Check = {
  codes: ["WEBHOOK_OVERLAP"],
  needs: ["mutatingWebhooks", "namespaces"],
  run: (plan, s) => {
    const injected = injectedNamespaces(plan, s);
    const out: Finding[] = [];
    for (const c of s.mutatingWebhooks ?? []) {
      if (c.metadata?.labels?.["istio.io/tag"] === "default" && takesDefaultTag(plan)) continue; // DEFAULT_TAG_OWNER
      const name = c.metadata?.name ?? "";
      const foreign = (c.webhooks ?? []).filter(
        (w) =>
          onPodCreate(w) &&
          !ours(plan, w) &&
          (namesIstioLabels(w) || (w.clientConfig.service?.path ?? "").startsWith("/inject")),
      );
      if (foreign.length === 0) continue;
      const hit = injected.filter((n) => foreign.some((w) => selects(w.namespaceSelector, n.labels)));
      out.push(
        finding(
          "WEBHOOK_OVERLAP",
          `MutatingWebhookConfiguration ${name} injects pods in namespaces Istio injects (${foreign.map((w) => w.name).join(", ")})${hit.length > 0 ? `: ${hit.map((n) => n.name).join(", ")}` : ""}`,
          {
            object: {
              apiVersion: "admissionregistration.k8s.io/v1",
              kind: "MutatingWebhookConfiguration",
              namespace: "",
              name,
            },
            details: foreign.map(
              (w) =>
                `${w.name} → ${w.clientConfig.service ? `service ${w.clientConfig.service.namespace}/${w.clientConfig.service.name}` : "a URL"}`,
            ),
          },
        ),
      );
    }
    return out;
  },
};

/** DEFAULT_TAG_OWNER: the default tag's webhooks belong to a control plane in another namespace. */
export const defaultTagOwner: Check = {
  codes: ["DEFAULT_TAG_OWNER"],
  needs: ["mutatingWebhooks"],
  run: (plan, s) => {
    if (!takesDefaultTag(plan)) return [];
    return (s.mutatingWebhooks ?? [])
      .filter((c) => c.metadata?.labels?.["istio.io/tag"] === "default")
      .filter((c) => (c.webhooks ?? []).some((w) => w.clientConfig.service !== undefined && !ours(plan, w)))
      .map((c) => {
        const service = c.webhooks?.find((w) => !ours(plan, w))?.clientConfig.service;
        return finding(
          "DEFAULT_TAG_OWNER",
          `the default revision tag (${c.metadata?.name}) points at istiod ${service?.namespace}/${service?.name} of another control plane (revision ${c.metadata?.labels?.["istio.io/rev"] ?? "?"}); this manifest would take it over`,
          {
            object: {
              apiVersion: "admissionregistration.k8s.io/v1",
              kind: "MutatingWebhookConfiguration",
              namespace: "",
              name: c.metadata?.name ?? "",
            },
          },
        );
      });
  },
};
