import type {
  KubernetesIstioEastWestGateway,
  KubernetesIstioSpec,
} from "../../gen/planton/kubernetes/istio/v1/spec_pb.js";
import { compact, type Values } from "./merge.js";
import type { PlannedMesh, PlannedNamespace, PlannedNamespacePatch, PlannedObject } from "./types.js";

/**
 * The multi-cluster parts of the plan (istio-charts.md §4.5, §5.2; Istio's multi-primary and
 * primary-remote guides): the remote profile's istiod values, the east-west gateway's values and
 * its Istio objects, the namespace label and annotation (the remote secrets: ./remotes.ts). Pure.
 */

/** The label Istio reads on the control plane's namespace for the cluster's network. */
export const networkLabel = "topology.istio.io/network";
/** The annotation a remote cluster's control-plane namespace carries: the clusters whose istiod serves it. */
export const controlPlaneClustersAnnotation = "topology.istio.io/controlPlaneClusters";
/** What the Istio `Gateway` objects select: the east-west gateway's pods, whatever its name. */
export const eastWestSelector = { istio: "eastwestgateway" } as const;
/** The label of every object planton creates outside Helm. */
export const managedBy = { "app.kubernetes.io/managed-by": "planton" };

/** A cluster name as a part of a Kubernetes object name: lower case, `_` and `.` as `-`. */
export function objectNamePart(clusterName: string): string {
  return clusterName.toLowerCase().replace(/[_.]/g, "-");
}

/** The injector path the primary's istiod serves for this cluster and network. */
export function injectionPath(clusterName: string, network: string): string {
  return `/inject/cluster/${clusterName}${network ? `/net/${network}` : ""}`;
}

/**
 * istiod values of a remote cluster (profile `remote`): no istiod Deployment; the chart renders a
 * `istiod` Service (an EndpointSlice for an IP address, ExternalName for a DNS name) pointing at
 * the primary's 15012 and 15017, and the injector webhook calls it on the path that names this
 * cluster and network, as Istio's primary-remote guide installs it.
 */
export function remoteIstiodValues(spec: KubernetesIstioSpec): Values {
  const mc = spec.multiCluster;
  return compact({
    profile: "remote",
    global: {
      istioNamespace: spec.namespace,
      meshID: mc?.meshId || undefined,
      multiCluster: { clusterName: mc?.clusterName || undefined },
      network: mc?.network || undefined,
      remotePilotAddress: mc?.primary?.address,
      imagePullSecrets: spec.images?.pullSecrets.length ? [...spec.images.pullSecrets] : undefined,
    },
    istiodRemote: { injectionPath: injectionPath(mc?.clusterName ?? "", mc?.network ?? "") },
  });
}

/** The east-west gateway's own values: a network gateway of the mesh network, pods labelled for the `Gateway` selectors. */
export function eastWestValues(spec: KubernetesIstioSpec): Values {
  // networkGateway alone sets the Service ports (15021, 15443, 15012, 15017), the pods' network
  // label and ISTIO_META_REQUESTED_NETWORK_VIEW in every supported chart (§5.2)
  return { networkGateway: spec.multiCluster?.network ?? "", labels: { ...eastWestSelector } };
}

/** The active east-west gateway, or undefined. */
export function activeEastWest(spec: KubernetesIstioSpec): KubernetesIstioEastWestGateway | undefined {
  const ew = spec.eastWestGateway;
  return ew !== undefined && ew.enabled !== false ? ew : undefined;
}

/**
 * The Istio objects of the east-west gateway, in its namespace: `cross-network-gateway`
 * (AUTO_PASSTHROUGH on 15443 for `*.local`) when it exposes services, and `istiod-gateway` with
 * `istiod-vs` (TLS passthrough of 15012 and 15017 to istiod) when it exposes istiod.
 */
export function eastWestObjects(
  ew: KubernetesIstioEastWestGateway,
  istiodHost: string,
  release: string,
): PlannedObject[] {
  const out: PlannedObject[] = [];
  const metadata = (name: string) => ({ name, namespace: ew.namespace, labels: { ...managedBy } });
  if (ew.exposeServices !== false)
    out.push({
      id: "gateway-cross-network",
      dependsOn: [release],
      manifest: {
        apiVersion: "networking.istio.io/v1",
        kind: "Gateway",
        metadata: metadata("cross-network-gateway"),
        spec: {
          selector: { ...eastWestSelector },
          servers: [
            {
              port: { number: 15443, name: "tls", protocol: "TLS" },
              tls: { mode: "AUTO_PASSTHROUGH" },
              hosts: ["*.local"],
            },
          ],
        },
      },
    });
  if (ew.exposeIstiod === true) {
    out.push({
      id: "gateway-istiod",
      dependsOn: [release],
      manifest: {
        apiVersion: "networking.istio.io/v1",
        kind: "Gateway",
        metadata: metadata("istiod-gateway"),
        spec: {
          selector: { ...eastWestSelector },
          servers: [
            {
              port: { name: "tls-istiod", number: 15012, protocol: "tls" },
              tls: { mode: "PASSTHROUGH" },
              hosts: ["*"],
            },
            {
              port: { name: "tls-istiodwebhook", number: 15017, protocol: "tls" },
              tls: { mode: "PASSTHROUGH" },
              hosts: ["*"],
            },
          ],
        },
      },
    });
    const route = (port: number, target: number) => ({
      match: [{ port, sniHosts: ["*"] }],
      route: [{ destination: { host: istiodHost, port: { number: target } } }],
    });
    out.push({
      id: "virtual-service-istiod",
      dependsOn: [release],
      manifest: {
        apiVersion: "networking.istio.io/v1",
        kind: "VirtualService",
        metadata: metadata("istiod-vs"),
        spec: { hosts: ["*"], gateways: ["istiod-gateway"], tls: [route(15012, 15012), route(15017, 443)] },
      },
    });
  }
  return out;
}

/** Labels and annotations of the control plane's namespace in a multi-cluster mesh. */
export function controlPlaneNamespaceMetadata(spec: KubernetesIstioSpec): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
} {
  const mc = spec.multiCluster;
  const labels: Record<string, string> = mc?.network ? { [networkLabel]: mc.network } : {};
  const annotations: Record<string, string> =
    spec.profile === "remote" && mc?.primary?.clusterName
      ? { [controlPlaneClustersAnnotation]: mc.primary.clusterName }
      : {};
  return { labels, annotations };
}

/**
 * The namespaces planton creates (`names`), the control plane's with the network label and, for
 * profile remote, the `controlPlaneClusters` annotation; when planton does not create the control
 * plane's namespace, those go into a patch of the existing one.
 */
export function planNamespaces(
  spec: KubernetesIstioSpec,
  names: string[],
): { namespaces: PlannedNamespace[]; namespacePatches: PlannedNamespacePatch[] | undefined } {
  const ns = spec.namespace;
  const meta = controlPlaneNamespaceMetadata(spec);
  const annotated = Object.keys(meta.annotations).length > 0;
  const namespaces = names.map((name) => {
    const own = name === ns;
    return {
      name,
      labels: { ...managedBy, ...(own ? meta.labels : {}) },
      ...(own && annotated ? { annotations: meta.annotations } : {}),
    };
  });
  const any = annotated || Object.keys(meta.labels).length > 0;
  return { namespaces, namespacePatches: any && !names.includes(ns) ? [{ name: ns, ...meta }] : undefined };
}

/** `mesh.multiCluster` of the plan: present when the manifest names the mesh, cluster or network. */
export function meshMultiCluster(spec: KubernetesIstioSpec): Pick<PlannedMesh, "multiCluster"> {
  const mc = spec.multiCluster;
  if (mc === undefined || !(mc.clusterName || mc.network || mc.meshId)) return {};
  const primary =
    spec.profile === "remote" && mc.primary
      ? { primary: { clusterName: mc.primary.clusterName, address: mc.primary.address } }
      : {};
  return {
    multiCluster: { meshId: mc.meshId, clusterName: mc.clusterName, network: mc.network, ...primary },
  };
}
