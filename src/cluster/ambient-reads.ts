// `planton status`: the reads only an ambient mesh needs (the checks are in deploy/status/).

import * as k8s from "@kubernetes/client-node";
import type { InstallPlan } from "../istio/types.js";
import { isNotFound, kubeCall } from "./api.js";
import type { ResolvedCluster } from "./kubeconfig.js";

/** A Gateway API `Gateway` as the API returns it (only the fields status reads). */
export interface GatewayObject {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: { gatewayClassName?: string };
  status?: { conditions?: { type?: string; status?: string; reason?: string; message?: string }[] };
}

/**
 * What only a mesh with node agents (CNI, ztunnel) or waypoints needs read: absent for the
 * others, and in tests that do not need it.
 */
export interface AmbientReads {
  /** The nodes, when the plan installs a node agent. */
  nodes?: k8s.V1Node[];
  /** Every Gateway of the cluster, when the plan has waypoints; undefined when the kind is not installed. */
  gateways?: GatewayObject[] | undefined;
}

/** The nodes (when the plan has node agents) and the Gateways (when it has waypoints), one list call each. */
export async function readAmbient(cluster: ResolvedCluster, plan: InstallPlan): Promise<AmbientReads> {
  const call = <T>(what: string, fn: () => Promise<T>) => kubeCall(what, fn, { context: cluster.context });
  const agents = plan.releases.some((r) => r.component === "cni" || r.component === "ztunnel");
  // a waypoint is a Gateway API Gateway (the east-west gateway's networking.istio.io Gateway is not)
  const waypoints = plan.objects.some(
    (o) => o.manifest.kind === "Gateway" && o.manifest.apiVersion.startsWith("gateway.networking.k8s.io/"),
  );
  const core = cluster.config.makeApiClient(k8s.CoreV1Api);
  const custom = cluster.config.makeApiClient(k8s.CustomObjectsApi);
  const [nodes, gateways] = await Promise.all([
    agents ? call("listing Nodes", () => core.listNode()).then((l) => l.items) : undefined,
    waypoints
      ? call("listing Gateways", () =>
          custom.listClusterCustomObject({
            group: "gateway.networking.k8s.io",
            version: "v1",
            plural: "gateways",
          }),
        ).then(
          (l) => ((l as { items?: unknown[] }).items ?? []) as GatewayObject[],
          (err: unknown) => {
            if (isNotFound(err)) return undefined; // the Gateway API CRDs are not installed
            throw err;
          },
        )
      : undefined,
  ]);
  return {
    ...(nodes === undefined ? {} : { nodes }),
    ...(waypoints ? { gateways } : {}),
  };
}
