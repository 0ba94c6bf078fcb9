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
}

/**
 * Reads what adoption needs, each kind with one cluster-wide list call, all in parallel; any
 * failed call is a `DeployError`. Only reads: nothing in the cluster changes. Helm records are
 * decoded later (their values stay in memory and are never printed).
 */
export async function readAdoption(cluster: ResolvedCluster): Promise<AdoptReads> {
  const { config, context } = cluster;
  const core = config.makeApiClient(k8s.CoreV1Api);
  const apps = config.makeApiClient(k8s.AppsV1Api);
  const rbac = config.makeApiClient(k8s.RbacAuthorizationV1Api);
  const admission = config.makeApiClient(k8s.AdmissionregistrationV1Api);
  const policy = config.makeApiClient(k8s.PolicyV1Api);
  const autoscaling = config.makeApiClient(k8s.AutoscalingV2Api);
  const custom = config.makeApiClient(k8s.CustomObjectsApi);
  const call = <T>(what: string, fn: () => Promise<T>) => kubeCall(what, fn, { context });
  const labelled = { labelSelector: componentSelector };
  const [secrets, mutating, namespaces, peer, tagServices, ...operator] = await Promise.all([
    call("listing Helm release records", () =>
      core.listSecretForAllNamespaces({ labelSelector: "owner=helm" }),
    ),
    call("listing MutatingWebhookConfigurations", () => admission.listMutatingWebhookConfiguration()),
    call("listing Namespaces", () => core.listNamespace()),
    call("listing PeerAuthentications", () =>
      custom.listClusterCustomObject({
        group: "security.istio.io",
        version: "v1",
        plural: "peerauthentications",
      }),
    ).catch((err: unknown) => {
      if (isNotFound(err)) return { items: [] }; // the kind is not installed
      throw err;
    }),
    call("listing revision tag Services", () =>
      core.listServiceForAllNamespaces({ labelSelector: "istio.io/tag" }),
    ),
    call("listing Istio's Deployments", () => apps.listDeploymentForAllNamespaces(labelled)).then((l) =>
      items(l, "apps/v1", "Deployment"),
    ),
    call("listing Istio's DaemonSets", () => apps.listDaemonSetForAllNamespaces(labelled)).then((l) =>
      items(l, "apps/v1", "DaemonSet"),
    ),
    call("listing Istio's Services", () => core.listServiceForAllNamespaces(labelled)).then((l) =>
      items(l, "v1", "Service"),
    ),
    call("listing Istio's ServiceAccounts", () => core.listServiceAccountForAllNamespaces(labelled)).then(
      (l) => items(l, "v1", "ServiceAccount"),
    ),
    call("listing Istio's ConfigMaps", () => core.listConfigMapForAllNamespaces(labelled)).then((l) =>
      items(l, "v1", "ConfigMap"),
    ),
    call("listing Istio's Roles", () => rbac.listRoleForAllNamespaces(labelled)).then((l) =>
      items(l, "rbac.authorization.k8s.io/v1", "Role"),
    ),
    call("listing Istio's RoleBindings", () => rbac.listRoleBindingForAllNamespaces(labelled)).then((l) =>
      items(l, "rbac.authorization.k8s.io/v1", "RoleBinding"),
    ),
    call("listing Istio's ClusterRoles", () => rbac.listClusterRole(labelled)).then((l) =>
      items(l, "rbac.authorization.k8s.io/v1", "ClusterRole"),
    ),
    call("listing Istio's ClusterRoleBindings", () => rbac.listClusterRoleBinding(labelled)).then((l) =>
      items(l, "rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ),
    call("listing Istio's ValidatingWebhookConfigurations", () =>
      admission.listValidatingWebhookConfiguration(labelled),
    ).then((l) => items(l, "admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration")),
    call("listing Istio's MutatingWebhookConfigurations", () =>
      admission.listMutatingWebhookConfiguration(labelled),
    ).then((l) => items(l, "admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration")),
    call("listing Istio's PodDisruptionBudgets", () =>
      policy.listPodDisruptionBudgetForAllNamespaces(labelled),
    ).then((l) => items(l, "policy/v1", "PodDisruptionBudget")),
    call("listing Istio's HorizontalPodAutoscalers", () =>
      autoscaling.listHorizontalPodAutoscalerForAllNamespaces(labelled),
    ).then((l) => items(l, "autoscaling/v2", "HorizontalPodAutoscaler")),
  ]);
  return {
    helmSecrets: items(secrets, "v1", "Secret"),
    mutatingWebhooks: items(mutating, "admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"),
    namespaces: items(namespaces, "v1", "Namespace"),
    peerAuthentications: ((peer as { items?: KubeObject[] }).items ?? []).map((p) => ({
      ...p,
      kind: "PeerAuthentication",
    })),
    operatorObjects: operator.flat(),
    tagServices: tagServices.items.map((s) => `${s.metadata?.namespace ?? ""}/${s.metadata?.name ?? ""}`),
  };
}
