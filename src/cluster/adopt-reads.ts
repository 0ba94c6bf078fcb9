import * as k8s from "@kubernetes/client-node";
import { isNotFound, kubeCall } from "./api.js";
import type { ResolvedCluster } from "./kubeconfig.js";

/** A Kubernetes object as the API returns it (only what adoption reads). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  /** A Secret's data: base64 of each value, as the API returns it. */
  data?: Record<string, string>;
  [key: string]: unknown;
}

/** Everything adoption reads, each kind with one list call. */
export interface ClusterObjects {
  /** Helm storage Secrets (`owner=helm`) of every namespace. */
  helmSecrets: KubeObject[];
  /** MutatingWebhookConfigurations (revision tags and injectors). */
  mutatingWebhooks: KubeObject[];
  namespaces: KubeObject[];
  /** PeerAuthentications of every namespace (empty when the kind is not installed). */
  peerAuthentications: KubeObject[];
  /** Objects labelled `operator.istio.io/component` (what istioctl installed), any kind. */
  operatorObjects: KubeObject[];
}

/** The label istioctl (and Istio's charts) put on every object of a component. */
const componentSelector = "operator.istio.io/component";

/** A list's items as plain objects, with the kind and apiVersion the list items lack. */
function items(list: { items: object[] }, apiVersion: string, kind: string): KubeObject[] {
  return list.items.map((o) => ({ ...(o as KubeObject), apiVersion, kind }));
}

/** Everything `adopt` reads besides the Helm records and Istio's objects: tag Services' names. */
export interface AdoptReads extends ClusterObjects {
  /** `namespace/name` of every revision tag's Service (`istio.io/tag` label). */
  tagServices: string[];
  /** `istiod-default-validator`, when it exists: the default tag's, which istioctl does not label. */
  defaultValidator: KubeObject[];
}

/** The API clients adoption reads through. */
function adoptionClients(config: k8s.KubeConfig) {
  return {
    core: config.makeApiClient(k8s.CoreV1Api),
    apps: config.makeApiClient(k8s.AppsV1Api),
    rbac: config.makeApiClient(k8s.RbacAuthorizationV1Api),
    admission: config.makeApiClient(k8s.AdmissionregistrationV1Api),
    policy: config.makeApiClient(k8s.PolicyV1Api),
    autoscaling: config.makeApiClient(k8s.AutoscalingV2Api),
    custom: config.makeApiClient(k8s.CustomObjectsApi),
    crds: config.makeApiClient(k8s.ApiextensionsV1Api),
  };
}
type Clients = ReturnType<typeof adoptionClients>;
type ListCall = (c: Clients, options: { labelSelector: string }) => Promise<{ items: object[] }>;

const rbacV1 = "rbac.authorization.k8s.io/v1";
const admissionV1 = "admissionregistration.k8s.io/v1";

/** Every kind istioctl installs (labelled `operator.istio.io/component`): apiVersion, kind, list call. */
const operatorKinds: [string, string, ListCall][] = [
  ["apps/v1", "Deployment", (c, o) => c.apps.listDeploymentForAllNamespaces(o)],
  ["apps/v1", "DaemonSet", (c, o) => c.apps.listDaemonSetForAllNamespaces(o)],
  ["v1", "Service", (c, o) => c.core.listServiceForAllNamespaces(o)],
  ["v1", "ServiceAccount", (c, o) => c.core.listServiceAccountForAllNamespaces(o)],
  ["v1", "ConfigMap", (c, o) => c.core.listConfigMapForAllNamespaces(o)],
  [rbacV1, "Role", (c, o) => c.rbac.listRoleForAllNamespaces(o)],
  [rbacV1, "RoleBinding", (c, o) => c.rbac.listRoleBindingForAllNamespaces(o)],
  [rbacV1, "ClusterRole", (c, o) => c.rbac.listClusterRole(o)],
  [rbacV1, "ClusterRoleBinding", (c, o) => c.rbac.listClusterRoleBinding(o)],
  [
    admissionV1,
    "ValidatingWebhookConfiguration",
    (c, o) => c.admission.listValidatingWebhookConfiguration(o),
  ],
  [admissionV1, "MutatingWebhookConfiguration", (c, o) => c.admission.listMutatingWebhookConfiguration(o)],
  ["policy/v1", "PodDisruptionBudget", (c, o) => c.policy.listPodDisruptionBudgetForAllNamespaces(o)],
  // the base chart's CRDs: istioctl labels them Base, and Helm refuses to install over them without its metadata
  ["apiextensions.k8s.io/v1", "CustomResourceDefinition", (c, o) => c.crds.listCustomResourceDefinition(o)],
  [
    "autoscaling/v2",
    "HorizontalPodAutoscaler",
    (c, o) => c.autoscaling.listHorizontalPodAutoscalerForAllNamespaces(o),
  ],
];

/**
 * Reads what adoption needs, each kind with one cluster-wide list call, all in parallel; any
 * failed call is a `DeployError`. Only reads: nothing in the cluster changes. Helm records are
 * decoded later (their values stay in memory and are never printed).
 */
export async function readAdoption(cluster: ResolvedCluster): Promise<AdoptReads> {
  const c = adoptionClients(cluster.config);
  const call = <T>(what: string, fn: () => Promise<T>) => kubeCall(what, fn, { context: cluster.context });
  const labelled = { labelSelector: componentSelector };
  const [secrets, mutating, namespaces, peer, tagServices, validator, ...operator] = await Promise.all([
    call("listing Helm release records", () =>
      c.core.listSecretForAllNamespaces({ labelSelector: "owner=helm" }),
    ),
    call("listing MutatingWebhookConfigurations", () => c.admission.listMutatingWebhookConfiguration()),
    call("listing Namespaces", () => c.core.listNamespace()),
    call("listing PeerAuthentications", () =>
      c.custom.listClusterCustomObject({
        group: "security.istio.io",
        version: "v1",
        plural: "peerauthentications",
      }),
    ).catch((err: unknown) => {
      if (isNotFound(err)) return { items: [] }; // the kind is not installed
      throw err;
    }),
    call("listing revision tag Services", () =>
      c.core.listServiceForAllNamespaces({ labelSelector: "istio.io/tag" }),
    ),
    call("reading istiod-default-validator", () =>
      c.admission.listValidatingWebhookConfiguration({
        fieldSelector: "metadata.name=istiod-default-validator",
      }),
    ),
    ...operatorKinds.map(([apiVersion, kind, list]) =>
      call(`listing Istio's ${kind}s`, () => list(c, labelled)).then((l) => items(l, apiVersion, kind)),
    ),
  ]);
  return {
    helmSecrets: items(secrets, "v1", "Secret"),
    mutatingWebhooks: items(mutating, admissionV1, "MutatingWebhookConfiguration"),
    namespaces: items(namespaces, "v1", "Namespace"),
    peerAuthentications: ((peer as { items?: KubeObject[] }).items ?? []).map((p) => ({
      ...p,
      kind: "PeerAuthentication",
    })),
    operatorObjects: operator.flat(),
    tagServices: tagServices.items.map((s) => `${s.metadata?.namespace ?? ""}/${s.metadata?.name ?? ""}`),
    defaultValidator: items(validator, admissionV1, "ValidatingWebhookConfiguration"),
  };
}
