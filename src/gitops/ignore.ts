import type { Component } from "../istio/types.js";

/**
 * What istiod changes at run time in the objects the charts render, and nothing else:
 *  - every MutatingWebhookConfiguration of the istiod chart (the injector, `istio-sidecar-injector[-<rev>]`,
 *    and the revision tags' `istio-revision-tag-<tag>`): istiod's webhook patcher writes its CA into
 *    each webhook's `clientConfig.caBundle` (the chart leaves it out unless `istiodRemote.injectionCABundle`);
 *  - every ValidatingWebhookConfiguration (the istiod chart's `istio-validator-…`, the base chart's
 *    `istiod-default-validator`): istiod's validation controller writes `caBundle`, and turns
 *    `failurePolicy` from the chart's `Ignore` to `Fail` once its webhook answers (the chart's own
 *    comment says so: templates/validatingwebhookconfiguration.yaml).
 * The gateway, CNI and ztunnel charts render no webhook; nothing of theirs changes at run time.
 */
export interface IgnoreRule {
  group: string;
  kind: "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration";
  /** Fields under each `webhooks[]` entry. */
  fields: ("clientConfig.caBundle" | "failurePolicy")[];
}

const mutating: IgnoreRule = {
  group: "admissionregistration.k8s.io",
  kind: "MutatingWebhookConfiguration",
  fields: ["clientConfig.caBundle"],
};
const validating: IgnoreRule = {
  group: "admissionregistration.k8s.io",
  kind: "ValidatingWebhookConfiguration",
  fields: ["clientConfig.caBundle", "failurePolicy"],
};

/** The rules one release needs: those of the objects its chart renders. */
export function ignoreRules(component: Component): IgnoreRule[] {
  if (component === "istiod") return [mutating, validating];
  if (component === "base") return [validating];
  return [];
}

/**
 * The most webhooks one configuration holds in the charts: the injector has `rev.namespace.`,
 * `rev.object.`, `namespace.`, `object.` and `auto.` (templates/mutatingwebhook.yaml); the
 * validators have one. JSON pointers (Flux) have no wildcard, so each index is listed; Flux
 * skips a pointer to a webhook the configuration lacks (fluxcd/pkg/ssa's jsondiff removes the
 * ignored paths with AllowMissingPathOnRemove).
 */
export const MAX_WEBHOOKS: Record<IgnoreRule["kind"], number> = {
  MutatingWebhookConfiguration: 5,
  ValidatingWebhookConfiguration: 1,
};

/** Argo CD's form: jq path expressions over every webhook. */
export function argoIgnoreDifferences(rules: IgnoreRule[]): Record<string, unknown>[] {
  return rules.map((r) => ({
    group: r.group,
    kind: r.kind,
    jqPathExpressions: r.fields.map((f) => `.webhooks[]?.${f}`),
  }));
}

/** Flux's form: JSON pointers, one per webhook index, targeted at the kind. */
export function fluxDriftIgnore(rules: IgnoreRule[]): Record<string, unknown>[] {
  return rules.map((r) => ({
    paths: Array.from({ length: MAX_WEBHOOKS[r.kind] }, (_, i) =>
      r.fields.map((f) => `/webhooks/${i}/${f.replace(".", "/")}`),
    ).flat(),
    target: { group: r.group, kind: r.kind },
  }));
}
