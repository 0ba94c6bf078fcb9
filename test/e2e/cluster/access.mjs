// A second kubeconfig with limited rights: a ServiceAccount, a ClusterRole and its binding, and a
// token from the TokenRequest API, written as a kubeconfig in the cluster's folder. For tests of
// what planton does when its user lacks a right (issue 21: no rights on admission webhooks).
//
//   const limited = await serviceAccountKubeconfig(cluster, { name: "no-webhooks" });
//   // limited.kubeconfigPath, limited.user === "system:serviceaccount:default:no-webhooks"
//
// The token is only ever written into that kubeconfig file (mode 0600), never logged.
import fs from "node:fs";
import path from "node:path";
import { applyObjects } from "./bundles.mjs";
import { kubeconfigText } from "./kubeconfig.mjs";

// Every API group an Istio install writes to, all verbs; webhooks only readable.
const WRITABLE_GROUPS = [
  "",
  "apps",
  "batch",
  "policy",
  "autoscaling",
  "apiextensions.k8s.io",
  "rbac.authorization.k8s.io",
  "networking.k8s.io",
  "discovery.k8s.io",
  "coordination.k8s.io",
  "certificates.k8s.io",
  "networking.istio.io",
  "security.istio.io",
  "telemetry.istio.io",
  "extensions.istio.io",
  "install.istio.io",
  "gateway.networking.k8s.io",
  "gateway.networking.x-k8s.io",
];

/** Rules with every right an install needs except writing admission webhooks (read only). */
export const RULES_WITHOUT_WEBHOOK_WRITES = [
  { apiGroups: WRITABLE_GROUPS, resources: ["*"], verbs: ["*"] },
  { apiGroups: ["admissionregistration.k8s.io"], resources: ["*"], verbs: ["get", "list", "watch"] },
];

function tokenKubeconfig(cluster, user, token) {
  const server = cluster.server;
  return kubeconfigText({
    server,
    ca: cluster.ca,
    user,
    credentials: { token },
    context: "planton-e2e-limited",
  });
}

/**
 * Creates (or updates) ServiceAccount `namespace/name`, ClusterRole and ClusterRoleBinding
 * `planton-e2e:<name>` with `rules` (default RULES_WITHOUT_WEBHOOK_WRITES), requests a token and
 * writes `<cluster dir>/<name>.kubeconfig`. Resolves to { kubeconfigPath, user }.
 */
export async function serviceAccountKubeconfig(
  cluster,
  {
    name = "planton-limited",
    namespace = "default",
    rules = RULES_WITHOUT_WEBHOOK_WRITES,
    expirationSeconds = 3600,
  } = {},
) {
  const role = `planton-e2e:${name}`;
  const rbac = "rbac.authorization.k8s.io/v1";
  await applyObjects(cluster, [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } },
    { apiVersion: rbac, kind: "ClusterRole", metadata: { name: role }, rules },
    {
      apiVersion: rbac,
      kind: "ClusterRoleBinding",
      metadata: { name: role },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
      subjects: [{ kind: "ServiceAccount", name, namespace }],
    },
  ]);
  const { status, body } = await cluster.request(
    "POST",
    `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds } },
  );
  if (status !== 201 || !body.status?.token)
    throw new Error(`token request for ${namespace}/${name}: HTTP ${status}`);
  const user = `system:serviceaccount:${namespace}:${name}`;
  const kubeconfigPath = path.join(cluster.dir, `${name}.kubeconfig`);
  fs.writeFileSync(kubeconfigPath, tokenKubeconfig(cluster, user, body.status.token), { mode: 0o600 });
  return { kubeconfigPath, user };
}
