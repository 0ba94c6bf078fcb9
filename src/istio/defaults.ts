import { create } from "@bufbuild/protobuf";
import type { KubernetesIstioValid } from "../../gen/planton/kubernetes/istio/v1/api_pb.js";
import {
  type KubernetesIstioGateway,
  KubernetesIstioGatewaySchema,
  KubernetesIstioGatewayServiceSchema,
  KubernetesIstioCniSchema,
  KubernetesIstioChartsSchema,
} from "../../gen/planton/kubernetes/istio/v1/spec_pb.js";
import { defaultIstioVersion, officialChartRepository } from "./versions.js";

/** Which lists the manifest wrote out, even empty (`ingressGateways: []` turns the default off). */
export interface ListPresence {
  ingressGateways: boolean;
  egressGateways: boolean;
}

export const defaultNamespace = "istio-system";
export const defaultIngressGateway = { name: "istio-ingressgateway", namespace: "istio-ingress" } as const;
export const defaultEgressGateway = { name: "istio-egressgateway", namespace: "istio-egress" } as const;
/** The east-west gateway's name in Istio's multi-network guides. */
export const defaultEastWestGatewayName = "istio-eastwestgateway";

function gateway(name: string, namespace: string): KubernetesIstioGateway {
  return create(KubernetesIstioGatewaySchema, { name, namespace });
}

/**
 * Fills in every default the manifest contract (manifest.md) promises, in place, so that
 * `render` shows and `planIstio` reads one complete spec: version, profile, namespaces,
 * createNamespace, the profile's default gateways (none for remote), gateway namespaces and
 * service types, the east-west gateway's name, namespace and exposure, CNI for ambient, and the
 * chart repository. Pure: no I/O.
 */
export function resolveDefaults(manifest: KubernetesIstioValid, present: ListPresence): KubernetesIstioValid {
  const spec = manifest.spec;
  if (spec.version === "" && spec.revisions.length === 0) spec.version = defaultIstioVersion;
  if (spec.profile === "") spec.profile = "default";
  if (spec.namespace === "") spec.namespace = defaultNamespace;
  if (spec.createNamespace === undefined) spec.createNamespace = true;
  const withIngress = spec.profile === "default" || spec.profile === "demo";
  if (!present.ingressGateways && withIngress) {
    spec.ingressGateways = [gateway(defaultIngressGateway.name, defaultIngressGateway.namespace)];
  }
  if (!present.egressGateways && spec.profile === "demo") {
    spec.egressGateways = [gateway(defaultEgressGateway.name, defaultEgressGateway.namespace)];
  }
  for (const [list, ns, type] of [
    [spec.ingressGateways, defaultIngressGateway.namespace, "LoadBalancer"],
    [spec.egressGateways, defaultEgressGateway.namespace, "ClusterIP"],
  ] as const) {
    for (const g of list) {
      if (g.namespace === "") g.namespace = ns;
      if (g.enabled === undefined) g.enabled = true;
      g.service ??= create(KubernetesIstioGatewayServiceSchema, {});
      if (g.service.type === "") g.service.type = type;
    }
  }
  const ew = spec.eastWestGateway;
  if (ew !== undefined) {
    if (ew.enabled === undefined) ew.enabled = true;
    if (ew.name === "") ew.name = defaultEastWestGatewayName;
    if (ew.namespace === "") ew.namespace = spec.namespace;
    ew.service ??= create(KubernetesIstioGatewayServiceSchema, {});
    if (ew.service.type === "") ew.service.type = "LoadBalancer";
    if (ew.exposeServices === undefined) ew.exposeServices = true;
    if (ew.exposeIstiod === undefined) ew.exposeIstiod = false;
  }
  if (spec.profile === "ambient") {
    spec.cni ??= create(KubernetesIstioCniSchema, {});
    spec.cni.enabled = true;
  }
  for (const n of spec.namespaces) {
    if (n.injection === "") n.injection = "SIDECAR";
    if (n.create === undefined) n.create = false;
  }
  spec.charts ??= create(KubernetesIstioChartsSchema, {});
  if (spec.charts.repository === "") spec.charts.repository = officialChartRepository;
  return manifest;
}
