// The remote clusters a primary reads (`spec.multiCluster.remotes`): their remote secrets and the
// reader planton creates in each.

import type { KubernetesIstioSpec } from "../../gen/planton/kubernetes/istio/v1/spec_pb.js";
import { managedBy, objectNamePart } from "./multicluster.js";
import type { PlannedRemote } from "./types.js";
import { compareVersions } from "./versions.js";

/** Where remote readers live in the remote cluster: there whatever the remote's install order. */
export const readerNamespace = "kube-system";

type Rule = PlannedRemote["rules"][number];

/**
 * The rules of the istiod chart's reader ClusterRole (`reader-clusterrole.yaml`) at `version`:
 * what istiod needs to read a remote cluster. `servesRemotes`: the chart's `istiodRemote` rules
 * too (writing `istio-ca-root-cert` ConfigMaps and patching the injector and validation
 * webhooks), which a primary needs in its remote-profile clusters. 1.28 reads no ConfigMaps in the
 * core rule. The fidelity tests compare these with the rendered charts.
 */
export function readerRules(version: string, servesRemotes: boolean): Rule[] {
  const core = ["endpoints", "pods", "services", "nodes", "replicationcontrollers", "namespaces", "secrets"];
  if (compareVersions(version, "1.29.0") >= 0) core.push("configmaps");
  const read = ["get", "list", "watch"];
  const rules: Rule[] = [
    {
      apiGroups: [
        "config.istio.io",
        "security.istio.io",
        "networking.istio.io",
        "authentication.istio.io",
        "rbac.istio.io",
        "telemetry.istio.io",
        "extensions.istio.io",
      ],
      resources: ["*"],
      verbs: read,
    },
    { apiGroups: [""], resources: core, verbs: read },
    { apiGroups: ["networking.istio.io"], resources: ["workloadentries"], verbs: ["get", "watch", "list"] },
    {
      apiGroups: ["networking.x-k8s.io", "gateway.networking.k8s.io"],
      resources: ["gateways"],
      verbs: ["get", "watch", "list"],
    },
    { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: read },
    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: read },
    {
      apiGroups: ["multicluster.x-k8s.io"],
      resources: ["serviceexports"],
      verbs: ["get", "list", "watch", "create", "delete"],
    },
    { apiGroups: ["multicluster.x-k8s.io"], resources: ["serviceimports"], verbs: read },
    { apiGroups: ["apps"], resources: ["replicasets"], verbs: read },
    { apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] },
    { apiGroups: ["authorization.k8s.io"], resources: ["subjectaccessreviews"], verbs: ["create"] },
  ];
  if (servesRemotes)
    rules.push(
      { apiGroups: [""], resources: ["configmaps"], verbs: ["create", "get", "list", "watch", "update"] },
      {
        apiGroups: ["admissionregistration.k8s.io"],
        resources: ["mutatingwebhookconfigurations"],
        verbs: ["get", "list", "watch", "update", "patch"],
      },
      {
        apiGroups: ["admissionregistration.k8s.io"],
        resources: ["validatingwebhookconfigurations"],
        verbs: ["get", "list", "watch", "update"],
      },
    );
  return rules.map((r) => ({ ...r, verbs: [...r.verbs] }));
}

/**
 * The remote secrets of `spec.multiCluster.remotes`, each as `istioctl create-remote-secret`
 * shapes it (label `istio/multiCluster: "true"`, annotation `networking.istio.io/cluster`), with
 * the reader planton creates in the remote cluster. `servesRemotes`: this istiod is the external
 * control plane of remote-profile clusters (its east-west gateway exposes istiod), so the
 * readers get the chart's remote rules too.
 */
export function planRemotes(
  spec: KubernetesIstioSpec,
  version: string,
  istiodRelease: string,
  servesRemotes: boolean,
): PlannedRemote[] {
  const self = objectNamePart(spec.multiCluster?.clusterName ?? "");
  return (spec.multiCluster?.remotes ?? []).map((r) => {
    const that = objectNamePart(r.clusterName);
    return {
      clusterName: r.clusterName,
      kubeconfig: r.kubeconfig,
      context: r.context,
      server: r.server,
      secret: {
        name: `istio-remote-secret-${that}`,
        namespace: spec.namespace,
        labels: { "istio/multiCluster": "true", ...managedBy },
        annotations: { "networking.istio.io/cluster": r.clusterName },
      },
      reader: readerNames(self, that),
      rules: readerRules(version, servesRemotes),
      dependsOn: [istiodRelease],
    };
  });
}

/**
 * The reader's objects in the remote cluster, named after both clusters
 * (`istio-reader-<this>-<remote>`, token Secret `…-token`): renaming the remote in this manifest
 * (same cluster, new name) gives new names, so Pulumi's create-before-delete of the replacement
 * does not collide with the objects it replaces; and two primaries reading one cluster keep
 * theirs apart. With cluster names of at most 63 characters the token Secret's name stays
 * within 146 (a Secret's limit is 253).
 */
export function readerNames(self: string, that: string): PlannedRemote["reader"] {
  const name = `istio-reader-${self}-${that}`;
  return {
    namespace: readerNamespace,
    serviceAccount: name,
    tokenSecret: `${name}-token`,
    clusterRole: name,
    clusterRoleBinding: name,
  };
}
