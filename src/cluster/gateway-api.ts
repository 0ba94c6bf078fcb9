// The Gateway API CRDs as the cluster has them, and whether Gateway API's safe-upgrades
// ValidatingAdmissionPolicy guards them; `destroy --purge-crds` deletes those planton installed.

import * as k8s from "@kubernetes/client-node";
import {
  bundleVersionAnnotation,
  channelAnnotation,
  gatewayApiGroups,
  gatewayApiOwnerLabel,
  type ObservedGatewayApiCrd,
  safeUpgradesPolicy,
} from "../istio/gateway-api.js";
import { isNotFound, kubeCall } from "./api.js";
import type { ResolvedCluster } from "./kubeconfig.js";

/** The Gateway API CRDs among `crds`, with their bundle version, channel and owner. */
export function observedGatewayApiCrds(crds: k8s.V1CustomResourceDefinition[]): ObservedGatewayApiCrd[] {
  const [key, value] = Object.entries(gatewayApiOwnerLabel)[0] as [string, string];
  return crds
    .filter((c) => gatewayApiGroups.includes(c.spec?.group ?? ""))
    .map((c) => ({
      name: c.metadata?.name ?? "",
      version: c.metadata?.annotations?.[bundleVersionAnnotation],
      channel: c.metadata?.annotations?.[channelAnnotation],
      planton: c.metadata?.labels?.[key] === value,
    }));
}

/** True when the cluster has the safe-upgrades ValidatingAdmissionPolicy. */
export async function hasSafeUpgradesPolicy(cluster: ResolvedCluster): Promise<boolean> {
  const api = cluster.config.makeApiClient(k8s.AdmissionregistrationV1Api);
  return kubeCall(
    `reading ValidatingAdmissionPolicy ${safeUpgradesPolicy}`,
    () => api.readValidatingAdmissionPolicy({ name: safeUpgradesPolicy }).then(() => true),
    { context: cluster.context },
  ).catch((err: unknown) => {
    if (isNotFound(err)) return false;
    throw err;
  });
}

/** The cluster's Gateway API CRDs and whether the safe-upgrades policy exists. */
export async function readGatewayApi(
  cluster: ResolvedCluster,
): Promise<{ crds: ObservedGatewayApiCrd[]; policy: boolean }> {
  const ext = cluster.config.makeApiClient(k8s.ApiextensionsV1Api);
  const [list, policy] = await Promise.all([
    kubeCall("listing CustomResourceDefinitions", () => ext.listCustomResourceDefinition(), {
      context: cluster.context,
    }),
    hasSafeUpgradesPolicy(cluster),
  ]);
  return { crds: observedGatewayApiCrds(list.items), policy };
}

/**
 * `destroy --purge-crds`: deletes the Gateway API CRDs that carry planton's label (and with them
 * every Gateway, route and waypoint), never another owner's. Returns the names deleted.
 */
export async function purgeGatewayApiCrds(cluster: ResolvedCluster): Promise<string[]> {
  const ext = cluster.config.makeApiClient(k8s.ApiextensionsV1Api);
  const { crds } = await readGatewayApi(cluster);
  const ours = crds.filter((c) => c.planton).map((c) => c.name);
  for (const name of ours)
    await kubeCall(
      `deleting CustomResourceDefinition ${name}`,
      () => ext.deleteCustomResourceDefinition({ name }),
      {
        context: cluster.context,
      },
    ).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  return ours;
}
