import * as k8s from "@kubernetes/client-node";
import { DeployError } from "../errors.js";
import type { InstallPlan } from "../istio/types.js";
import { describeFailure, isNotFound, kubeCall } from "./api.js";
import { type AccessAnswer, type AccessQuestion, reviewAccess } from "./access-review.js";
import type { ResolvedCluster } from "./kubeconfig.js";
import { hasSafeUpgradesPolicy, observedGatewayApiCrds } from "./gateway-api.js";
import type { ObservedGatewayApiCrd } from "../istio/gateway-api.js";
import type { ServerVersion } from "./precheck.js";
import { imageVersion, listProxyPods, type ProxyPod } from "./proxy-pods.js";
import { type HelmReleaseRecord, isIstioCrd, newestHelmRecords, stackNamespaces } from "./status-reads.js";

/** A Kubernetes object named by its API version, kind, namespace ("" when cluster-scoped) and name. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** A CRD of a group precheck compares versions of, with the version it was installed at. */
export interface VersionedCrd {
  name: string;
  /** Gateway API: the `gateway.networking.k8s.io/bundle-version` annotation; Istio: the chart's `app.kubernetes.io/version` label. */
  version: string | undefined;
}

/** An istiod Deployment found in the cluster, with the version its image names. */
export interface Istiod {
  namespace: string;
  name: string;
  revision: string;
  version: string | undefined;
}

/** One field manager's share of an object (from `metadata.managedFields`), its fields as dotted paths. */
export interface FieldOwner {
  manager: string;
  operation: string;
  subresource: string;
  fields: string[];
}

/** An object the plan renders that exists already, with who owns which of its fields. */
export interface ManagedObject {
  ref: ObjectRef;
  /** `istio.io/rev` and `istio.io/tag` labels, to tell which revision or tag it belongs to. */
  labels: Record<string, string>;
  owners: FieldOwner[];
}

/**
 * What `precheck` reads from the cluster. Each read is made on its own: one that fails (a 403, a
 * timeout) is left undefined and named in `failures`, so the checks that need it say they could
 * not be made and the others still run.
 */
export interface PrecheckSnapshot {
  /** Read first and apart (an unreachable cluster is one error, not a report). */
  server?: ServerVersion;
  access?: AccessAnswer[];
  /** The Gateway API CRDs (both groups), with bundle version, channel and whether planton owns them. */
  gatewayApiCrds?: ObservedGatewayApiCrd[];
  /** Whether Gateway API's safe-upgrades ValidatingAdmissionPolicy exists. */
  gatewayApiPolicy?: boolean;
  istioCrds?: VersionedCrd[];
  pods?: ProxyPod[];
  istiods?: Istiod[];
  mutatingWebhooks?: k8s.V1MutatingWebhookConfiguration[];
  namespaces?: { name: string; labels: Record<string, string> }[];
  /** The newest Helm record of every release in the plan's namespaces. */
  helmReleases?: HelmReleaseRecord[];
  managedObjects?: ManagedObject[];
  failures: { read: PrecheckRead; reason: string }[];
}

export type PrecheckRead = Exclude<keyof PrecheckSnapshot, "failures">;

/** `f:spec` / `f:replicas` / `k:{…}` trees of `managedFields` as dotted leaf paths (`spec.replicas`). */
export function fieldPaths(tree: unknown, prefix = ""): string[] {
  if (typeof tree !== "object" || tree === null) return [];
  const paths: string[] = [];
  for (const [key, sub] of Object.entries(tree)) {
    if (key === ".") continue;
    const name = `${prefix}${prefix === "" ? "" : "."}${key.replace(/^[fkv]:/, "")}`;
    const below = fieldPaths(sub, name);
    paths.push(...(below.length > 0 ? below : [name]));
  }
  return paths;
}

/** An object's field owners. */
export function ownersOf(meta: k8s.V1ObjectMeta | undefined): FieldOwner[] {
  return (meta?.managedFields ?? []).map((m) => ({
    manager: m.manager ?? "",
    operation: m.operation ?? "",
    subresource: m.subresource ?? "",
    fields: fieldPaths(m.fieldsV1),
  }));
}

/** An object's reference, revision labels and field owners. */
export const managed = (
  apiVersion: string,
  kind: string,
  o: { metadata?: k8s.V1ObjectMeta },
): ManagedObject => ({
  ref: { apiVersion, kind, namespace: o.metadata?.namespace ?? "", name: o.metadata?.name ?? "" },
  labels: o.metadata?.labels ?? {},
  owners: ownersOf(o.metadata),
});

/** The CRDs, split into Gateway API's and Istio's, each with the version it was installed at. */
export function splitCrds(crds: k8s.V1CustomResourceDefinition[]) {
  const gatewayApi = observedGatewayApiCrds(crds);
  const istio = crds.filter(isIstioCrd).map((c) => ({
    name: c.metadata?.name ?? "",
    version: c.metadata?.labels?.["app.kubernetes.io/version"],
  }));
  return { gatewayApi, istio };
}

/**
 * Reads everything `precheck` checks for a plan but the server version, every read in parallel:
 * the rights in `questions`, CRDs, istiod Deployments, pods with a proxy, webhooks, namespaces,
 * Helm records and the field owners of the objects the plan renders. Never writes (access
 * reviews are answered, not stored).
 */
export async function readPrecheck(
  cluster: ResolvedCluster,
  plan: InstallPlan,
  questions: AccessQuestion[],
): Promise<PrecheckSnapshot> {
  const { config, context } = cluster;
  const core = config.makeApiClient(k8s.CoreV1Api);
  const apps = config.makeApiClient(k8s.AppsV1Api);
  const ext = config.makeApiClient(k8s.ApiextensionsV1Api);
  const admission = config.makeApiClient(k8s.AdmissionregistrationV1Api);
  const call = <T>(what: string, fn: () => Promise<T>) => kubeCall(what, fn, { context });
  const snapshot: PrecheckSnapshot = { failures: [] };
  const attempt = async <T>(reads: PrecheckRead[], fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      // kubeCall's errors say what was read and why it failed, secret-free
      const reason = err instanceof DeployError ? err.message : describeFailure(err);
      for (const read of reads) snapshot.failures.push({ read, reason });
      return undefined;
    }
  };
  const namespaces = stackNamespaces(plan);
  const [access, crds, istiods, pods, mutating, validating, nsList, helm, gatewayObjects, policy] =
    await Promise.all([
      attempt(["access"], () => reviewAccess(cluster, questions)),
      attempt(["gatewayApiCrds", "istioCrds"], () =>
        call("listing CustomResourceDefinitions", () => ext.listCustomResourceDefinition()),
      ),
      attempt(["istiods"], () =>
        call("listing istiod Deployments", () =>
          apps.listDeploymentForAllNamespaces({ labelSelector: "app=istiod" }),
        ),
      ),
      attempt(["pods"], () => listProxyPods(cluster)),
      attempt(["mutatingWebhooks"], () =>
        call("listing MutatingWebhookConfigurations", () => admission.listMutatingWebhookConfiguration()),
      ),
      attempt(["managedObjects"], () =>
        call("listing ValidatingWebhookConfigurations", () => admission.listValidatingWebhookConfiguration()),
      ),
      attempt(["namespaces"], () => call("listing Namespaces", () => core.listNamespace())),
      attempt(["helmReleases"], () =>
        Promise.all(
          namespaces.map((namespace) =>
            call(`listing Helm release records in ${namespace}`, () =>
              core.listNamespacedSecret({ namespace, labelSelector: "owner=helm" }),
            ),
          ),
        ),
      ),
      attempt(["managedObjects"], () => readGatewayObjects(cluster, plan)),
      attempt(["gatewayApiPolicy"], () => hasSafeUpgradesPolicy(cluster)),
    ]);
  fill(snapshot, { access, crds, istiods, pods, mutating, validating, nsList, helm, gatewayObjects });
  if (policy !== undefined) snapshot.gatewayApiPolicy = policy;
  return snapshot;
}

/** What the reads of `readPrecheck` returned; undefined for a read that failed. */
interface Reads {
  access: AccessAnswer[] | undefined;
  crds: k8s.V1CustomResourceDefinitionList | undefined;
  istiods: k8s.V1DeploymentList | undefined;
  pods: ProxyPod[] | undefined;
  mutating: k8s.V1MutatingWebhookConfigurationList | undefined;
  validating: k8s.V1ValidatingWebhookConfigurationList | undefined;
  nsList: k8s.V1NamespaceList | undefined;
  helm: k8s.V1SecretList[] | undefined;
  gatewayObjects: ManagedObject[] | undefined;
}

/** Puts what was read into the snapshot, reduced to what the checks use. */
function fill(snapshot: PrecheckSnapshot, reads: Reads): void {
  const { access, crds, istiods, pods, mutating, validating, nsList, helm, gatewayObjects } = reads;
  if (access !== undefined) snapshot.access = access;
  if (crds !== undefined) {
    const { gatewayApi, istio } = splitCrds(crds.items);
    snapshot.gatewayApiCrds = gatewayApi;
    snapshot.istioCrds = istio;
  }
  if (istiods !== undefined) snapshot.istiods = istiods.items.map(istiodOf);
  if (pods !== undefined) snapshot.pods = pods;
  if (mutating !== undefined) snapshot.mutatingWebhooks = mutating.items;
  if (nsList !== undefined)
    snapshot.namespaces = nsList.items.map((n) => ({
      name: n.metadata?.name ?? "",
      labels: n.metadata?.labels ?? {},
    }));
  if (helm !== undefined) snapshot.helmReleases = newestHelmRecords(helm.flatMap((l) => l.items));
  if (
    istiods !== undefined &&
    mutating !== undefined &&
    validating !== undefined &&
    gatewayObjects !== undefined
  )
    snapshot.managedObjects = [
      ...istiods.items.map((d) => managed("apps/v1", "Deployment", d)),
      ...mutating.items.map((w) =>
        managed("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", w),
      ),
      ...validating.items.map((w) =>
        managed("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", w),
      ),
      ...gatewayObjects,
    ];
  else if (!snapshot.failures.some((f) => f.read === "managedObjects"))
    snapshot.failures.push({ read: "managedObjects", reason: "the objects it needs could not be read" });
}

/** An istiod Deployment's revision, and the version its image tag names (`pilot:1.30.3-distroless` → 1.30.3). */
export function istiodOf(d: k8s.V1Deployment): Istiod {
  const image = d.spec?.template?.spec?.containers?.find((c) => c.name === "discovery")?.image ?? "";
  return {
    namespace: d.metadata?.namespace ?? "",
    name: d.metadata?.name ?? "",
    revision: d.metadata?.labels?.["istio.io/rev"] ?? "default",
    version: imageVersion(image),
  };
}

/** The planned gateways' Deployments and Services that exist already. */
async function readGatewayObjects(cluster: ResolvedCluster, plan: InstallPlan): Promise<ManagedObject[]> {
  const core = cluster.config.makeApiClient(k8s.CoreV1Api);
  const apps = cluster.config.makeApiClient(k8s.AppsV1Api);
  const read = async <T extends { metadata?: k8s.V1ObjectMeta }>(what: string, fn: () => Promise<T>) =>
    kubeCall(what, fn, { context: cluster.context }).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
  const found = await Promise.all(
    plan.mesh.gateways.map(async (g) => {
      const at = { name: g.name, namespace: g.namespace };
      const [d, s] = await Promise.all([
        read(`reading Deployment ${g.namespace}/${g.name}`, () => apps.readNamespacedDeployment(at)),
        read(`reading Service ${g.namespace}/${g.name}`, () => core.readNamespacedService(at)),
      ]);
      return [
        ...(d === undefined ? [] : [managed("apps/v1", "Deployment", d)]),
        ...(s === undefined ? [] : [managed("v1", "Service", s)]),
      ];
    }),
  );
  return found.flat();
}
