import * as k8s from "@kubernetes/client-node";
import { kubeCall } from "./api.js";
import type { ResolvedCluster } from "./kubeconfig.js";

/** Helm's ownership metadata for one live object, and the version of it that was read. */
export interface OwnershipWrite {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  /** The object's resourceVersion when adoption read it: the write fails if it changed since. */
  resourceVersion: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The object's `metadata.managedFields` when it was read. */
  managedFields?: { manager?: string }[];
}

/** istioctl's field manager: it server-side applies every object it installs. */
const istioctlManager = "istio-operator";

/**
 * The merge patch of one hand-over: Helm's labels and annotations, the resourceVersion read, and,
 * when istioctl's server-side apply owns fields of it, the managedFields without istioctl's entry:
 * the object is Helm's from now on, and a stale istioctl entry would read as another manager
 * owning fields of an object planton applies (precheck's FIELD_MANAGER_CONFLICT).
 */
export function ownershipPatch(w: OwnershipWrite): Record<string, unknown> {
  const fields = w.managedFields ?? [];
  const kept = fields.filter((m) => m.manager !== istioctlManager);
  return {
    apiVersion: w.apiVersion,
    kind: w.kind,
    metadata: {
      name: w.name,
      ...(w.namespace ? { namespace: w.namespace } : {}),
      resourceVersion: w.resourceVersion,
      labels: w.labels,
      annotations: w.annotations,
      // an empty list leaves managedFields as they are; one empty entry clears them
      ...(kept.length === fields.length ? {} : { managedFields: kept.length > 0 ? kept : [{}] }),
    },
  };
}

const mergePatch = k8s.PatchStrategy.MergePatch;

/**
 * Writes Helm's ownership labels and annotations on each object, one merge patch of its metadata
 * each (`ownershipPatch`: nothing else of the object changes, so no Pod restarts). The patch carries the
 * resourceVersion adoption read: an object changed since is refused by the API server (409), and
 * the objects written before it keep only the metadata, which nothing but Helm reads.
 */
export async function writeOwnership(
  cluster: ResolvedCluster,
  writes: OwnershipWrite[],
  onWrite: (what: string) => void,
): Promise<void> {
  const client = k8s.KubernetesObjectApi.makeApiClient(cluster.config);
  for (const w of writes) {
    const what = `${w.kind} ${w.namespace ? `${w.namespace}/` : ""}${w.name}`;
    const patch = ownershipPatch(w);
    await kubeCall(
      `writing Helm's ownership metadata on ${what}`,
      () => client.patch(patch, undefined, undefined, "planton", undefined, mergePatch),
      { context: cluster.context },
    );
    onWrite(what);
  }
}
