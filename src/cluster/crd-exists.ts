import * as k8s from "@kubernetes/client-node";
import { isNotFound, kubeCall } from "./api.js";
import type { ResolvedCluster } from "./kubeconfig.js";

/** Whether the cluster has the CustomResourceDefinition `name`; any answer but found or not found is an error. */
export async function crdExists(cluster: ResolvedCluster, name: string): Promise<boolean> {
  const ext = cluster.config.makeApiClient(k8s.ApiextensionsV1Api);
  try {
    await kubeCall(
      `reading CustomResourceDefinition ${name}`,
      () => ext.readCustomResourceDefinition({ name }),
      {
        context: cluster.context,
      },
    );
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
