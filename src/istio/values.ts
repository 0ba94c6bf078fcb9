import { extensionProviders } from "./observability.js";
import type {
  KubernetesIstioAutoscaling,
  KubernetesIstioGateway,
  KubernetesIstioResources,
  KubernetesIstioSpec,
} from "../../gen/planton/kubernetes/istio/v1/spec_pb.js";
import { compact, type Values } from "./merge.js";
import { nodeAgentStrategy } from "./node-agents.js";

/**
 * Helm values per chart. Every key here is checked against the real charts by the fidelity
 * tests (test/fidelity): each must change the rendered objects. Key facts come from
 * shared/reference/istio-charts.md; section numbers below refer to it.
 */

/** Helm profile for a planton profile: istioctl's `default`/`minimal` are not Helm profiles (§2.1). */
export function helmProfile(profile: string): string | undefined {
  return profile === "demo" || profile === "ambient" ? profile : undefined;
}

/** `{requests: {cpu, memory}, limits: {…}}` with only what the manifest sets; strings always (§5.3). */
export function resourcesValues(r: KubernetesIstioResources | undefined): Values | undefined {
  if (r === undefined) return undefined;
  const list = (l: { cpu: string; memory: string } | undefined) =>
    l === undefined ? undefined : compact({ cpu: l.cpu || undefined, memory: l.memory || undefined });
  const out = compact({ requests: list(r.requests), limits: list(r.limits) });
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Fewest replicas a workload will run with, or undefined when the chart's default applies. */
export function minimumReplicas(
  replicas: number | undefined,
  autoscaling: KubernetesIstioAutoscaling | undefined,
): number | undefined {
  if (replicas !== undefined) return replicas;
  if (autoscaling !== undefined) return autoscaling.minReplicas ?? 1;
  return undefined;
}

/** Preferred spreading of a workload's pods across nodes. */
export function spreadAcrossNodes(matchLabels: Record<string, string>): Values {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: { labelSelector: { matchLabels }, topologyKey: "kubernetes.io/hostname" },
        },
      ],
    },
  };
}

/** Image settings for charts that read `global.*` (istiod, cni, base). */
function globalImages(spec: KubernetesIstioSpec, tag: string): Values {
  const images = spec.images;
  return compact({
    hub: images?.hub || undefined,
    tag: images?.tag || tag,
    imagePullSecrets: images?.pullSecrets.length ? [...images.pullSecrets] : undefined,
  });
}

export interface IstiodInput {
  spec: KubernetesIstioSpec;
  version: string;
  /** Revision name, empty for an unrevisioned istiod. */
  revision: string;
  /** Give this istiod the `default` revision tag. */
  defaultTag: boolean;
  cni: boolean;
}

/** Values of the `istiod` chart (§4). Sizing goes under `pilot.*`, which wins over profiles (§2.3). */
export function istiodValues(input: IstiodInput): Values {
  const { spec, version, revision } = input;
  const cp = spec.controlPlane;
  const replicas = cp?.replicas;
  const autoscaling = cp?.autoscaling;
  const min = minimumReplicas(replicas, autoscaling);
  const mesh = spec.meshConfig;
  const mc = spec.multiCluster;
  const sampling = mesh?.tracingSamplingPercent;
  const podLabels = { app: "istiod", "istio.io/rev": revision || "default" };
  return compact({
    profile: helmProfile(spec.profile),
    revision: revision || undefined,
    revisionTags: input.defaultTag ? ["default"] : undefined,
    global: {
      istioNamespace: spec.namespace,
      ...globalImages(spec, version),
      meshID: mc?.meshId || undefined,
      multiCluster: mc?.clusterName ? { clusterName: mc.clusterName } : undefined,
      network: mc?.network || undefined,
      proxy: spec.proxy?.resources ? { resources: resourcesValues(spec.proxy.resources) } : undefined,
      defaultPodDisruptionBudget: { enabled: true },
    },
    base: { validationFailurePolicy: "Fail" },
    pilot: {
      autoscaleEnabled: replicas !== undefined ? false : autoscaling !== undefined ? true : undefined,
      replicaCount: replicas,
      autoscaleMin: autoscaling ? (autoscaling.minReplicas ?? 1) : undefined,
      autoscaleMax: autoscaling ? (autoscaling.maxReplicas ?? 5) : undefined,
      cpu: autoscaling?.targetCpuUtilizationPercentage
        ? { targetAverageUtilization: autoscaling.targetCpuUtilizationPercentage }
        : undefined,
      resources: resourcesValues(spec.controlPlane?.resources ?? spec.container?.resources),
      affinity: min !== undefined && min >= 2 ? spreadAcrossNodes(podLabels) : undefined,
      // a numeric 0 is dropped by the chart (§4.3), so the percentage is always sent as text
      traceSampling: sampling === undefined ? undefined : String(sampling),
      cni: input.cni ? { enabled: true } : undefined,
    },
    meshConfig: {
      accessLogFile: mesh?.accessLogFile || undefined,
      accessLogEncoding: mesh?.accessLogEncoding || undefined,
      outboundTrafficPolicy: mesh?.outboundTrafficPolicy ? { mode: mesh.outboundTrafficPolicy } : undefined,
      trustDomain: mesh?.trustDomain || undefined,
      extensionProviders: extensionProviders(spec),
    },
  });
}

/**
 * Values of the `base` chart (§3): CRDs and the default-revision validator, failing closed
 * except in a remote-profile cluster, where it fails open until the primary's istiod takes it.
 */
export function baseValues(spec: KubernetesIstioSpec, defaultRevision: string): Values {
  // no `profile`: base reads nothing from the demo or ambient profiles (the fidelity tests check)
  return compact({
    defaultRevision: defaultRevision || "default",
    global: {
      istioNamespace: spec.namespace,
      imagePullSecrets: spec.images?.pullSecrets.length ? [...spec.images.pullSecrets] : undefined,
    },
    base: { validationFailurePolicy: validationFailurePolicy(spec.profile) },
  });
}

/**
 * The `istiod-default-validator`'s failurePolicy (§3.3). A primary's own istiod is ready before
 * planton creates Istio objects, so `Fail` from the start. A remote-profile cluster has no
 * istiod: its validator calls the primary's istiod through the east-west gateway with no CA
 * bundle until that istiod reads this cluster's remote secret and patches one in (its
 * validation controller watches the remote clusters' webhooks too, as external control plane),
 * which may be after planton's apply of this cluster; `Fail` would then reject every Istio
 * object planton creates here right after the releases (`cross-network-gateway`). `Ignore`
 * fails open until then; the primary's istiod switches it to `Fail` once the CA bundle is in
 * and its webhook answers. Unset is not enough: the chart renders `Ignore` only on install and
 * omits the field on upgrade (so Helm's three-way merge drops it, and the API server's default
 * is `Fail`).
 */
export function validationFailurePolicy(profile: string): "Fail" | "Ignore" {
  return profile === "remote" ? "Ignore" : "Fail";
}

/** Values of the `cni` chart (§6). */
export function cniValues(spec: KubernetesIstioSpec, version: string, revision: string): Values {
  return compact({
    profile: helmProfile(spec.profile),
    revision: revision || undefined,
    global: globalImages(spec, version),
    updateStrategy: nodeAgentStrategy(spec),
  });
}

/** Values of the `ztunnel` chart (§7): top-level keys, matching istiod's cluster identity. */
export function ztunnelValues(spec: KubernetesIstioSpec, version: string, revision: string): Values {
  const images = spec.images;
  const mc = spec.multiCluster;
  return compact({
    profile: helmProfile(spec.profile),
    revision: revision || undefined,
    istioNamespace: spec.namespace,
    hub: images?.hub || undefined,
    tag: images?.tag || version,
    imagePullSecrets: images?.pullSecrets.length ? [...images.pullSecrets] : undefined,
    multiCluster: mc?.clusterName ? { clusterName: mc.clusterName } : undefined,
    network: mc?.network || undefined,
    updateStrategy: nodeAgentStrategy(spec),
  });
}

/** Values of the `gateway` chart (§5): its schema is strict, so only keys it lists are sent. */
export function gatewayValues(
  spec: KubernetesIstioSpec,
  g: Pick<KubernetesIstioGateway, "name" | "replicas" | "autoscaling" | "resources" | "service">,
): Values {
  const min = minimumReplicas(g.replicas, g.autoscaling);
  const a = g.autoscaling;
  const svc = g.service;
  const annotations = svc && Object.keys(svc.annotations).length > 0 ? { ...svc.annotations } : undefined;
  // no `profile`: the demo and ambient profiles change nothing in the gateway chart (§2.3)
  return compact({
    replicaCount: g.replicas,
    autoscaling:
      g.replicas !== undefined
        ? { enabled: false }
        : a !== undefined
          ? {
              enabled: true,
              minReplicas: a.minReplicas ?? 1,
              maxReplicas: a.maxReplicas ?? 5,
              targetCPUUtilizationPercentage: a.targetCpuUtilizationPercentage,
            }
          : undefined,
    resources: resourcesValues(g.resources),
    service: {
      type: svc?.type || undefined,
      annotations,
      loadBalancerIP: svc?.loadBalancerIp || undefined,
      externalTrafficPolicy: svc?.externalTrafficPolicy || undefined,
    },
    podDisruptionBudget: min !== undefined && min >= 2 ? { minAvailable: 1 } : undefined,
    affinity: min !== undefined && min >= 2 ? spreadAcrossNodes({ app: g.name }) : undefined,
    imagePullSecrets: spec.images?.pullSecrets.length
      ? spec.images.pullSecrets.map((name) => ({ name }))
      : undefined,
  });
}
