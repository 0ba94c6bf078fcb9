import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { InstallPlan, PlannedRemote } from "../istio/types.js";

/**
 * A remote cluster of the plan, resolved before the engine runs: what its provider needs, and how
 * the program reads the kubeconfig istiod will read it with (given by the caller: the program
 * itself touches no cluster).
 */
export interface RemoteTarget {
  clusterName: string;
  /** The remote kubeconfig's contents and context, for the remote cluster's provider. */
  kubeconfig: string;
  context: string;
  /**
   * The kubeconfig of the reader whose token Secret is `reader`, for `server` ("": the remote
   * kubeconfig's), with its token; waits up to `waitMs` for the token to be issued; undefined
   * when it has none.
   */
  readerKubeconfig(
    reader: { namespace: string; tokenSecret: string },
    server: string,
    waitMs: number,
  ): Promise<{ kubeconfig: string; token: string } | undefined>;
}

/** How long apply waits for the remote's token controller to issue the reader's token. */
const tokenWaitMs = 60_000;

const managedBy = { "app.kubernetes.io/managed-by": "planton" };

/**
 * The remote secrets of the plan, as `istioctl create-remote-secret` makes them, owned by this
 * stack on both sides so destroy removes both: in the remote cluster a reader service account,
 * its token Secret and a ClusterRole bound to it (through a provider for that cluster); in this
 * cluster the Secret istiod watches, holding a kubeconfig with the reader's token. The token and
 * the kubeconfig are Pulumi secrets. The token is read once the token Secret exists: in a preview
 * of a stack that has it, from the remote cluster (so an unchanged stack previews no change); in
 * a preview before it exists, the kubeconfig is unknown.
 */
export function drawRemoteSecrets(
  plan: InstallPlan,
  provider: k8s.Provider,
  ready: Map<string, pulumi.Resource>,
  remotes: RemoteTarget[],
  secret: (value: string) => void = () => {},
): void {
  for (const r of plan.remotes) {
    const target = remotes.find((t) => t.clusterName === r.clusterName);
    if (target === undefined) throw new Error(`remote cluster ${r.clusterName} was not resolved`);
    drawRemote(
      r,
      target,
      provider,
      r.dependsOn.flatMap((d) => ready.get(d) ?? []),
      secret,
    );
  }
}

function drawRemote(
  r: PlannedRemote,
  remote: RemoteTarget,
  provider: k8s.Provider,
  dependsOn: pulumi.Resource[],
  secret: (value: string) => void,
): void {
  // named by the remote's normalised name (as its Secret is): a change of case or punctuation in
  // the manifest is then an update in place, not a second copy of the same objects
  const key = r.secret.name.replace(/^istio-remote-secret-/, "");
  const id = (what: string) => `remote-${key}-${what}`;
  const remoteProvider = new k8s.Provider(id("cluster"), {
    kubeconfig: pulumi.secret(remote.kubeconfig),
    context: remote.context,
  });
  const opts = { provider: remoteProvider };
  const { namespace } = r.reader;
  const sa = new k8s.core.v1.ServiceAccount(
    id("reader"),
    { metadata: { name: r.reader.serviceAccount, namespace, labels: managedBy } },
    opts,
  );
  const role = new k8s.rbac.v1.ClusterRole(
    id("reader-role"),
    { metadata: { name: r.reader.clusterRole, labels: managedBy }, rules: r.rules },
    opts,
  );
  const binding = new k8s.rbac.v1.ClusterRoleBinding(
    id("reader-binding"),
    {
      metadata: { name: r.reader.clusterRoleBinding, labels: managedBy },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
      subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace }],
    },
    opts,
  );
  const token = new k8s.core.v1.Secret(
    id("token"),
    {
      metadata: {
        name: r.reader.tokenSecret,
        namespace,
        labels: managedBy,
        annotations: { "kubernetes.io/service-account.name": r.reader.serviceAccount },
      },
      type: "kubernetes.io/service-account-token",
    },
    { ...opts, dependsOn: [sa], additionalSecretOutputs: ["data"] },
  );
  // runs only once the token Secret has an id: never in a preview of a stack without it
  const kubeconfig = pulumi.all([token.id, binding.id]).apply(async () => {
    const dryRun = pulumi.runtime.isDryRun();
    const reader = await remote.readerKubeconfig(r.reader, r.server, dryRun ? 0 : tokenWaitMs);
    // a preview whose token Secret was deleted behind the stack's back: apply will wait for it
    if (reader === undefined) return "(issued by apply)";
    secret(reader.token);
    return reader.kubeconfig;
  });
  new k8s.core.v1.Secret(
    `remote-secret-${key}`,
    {
      metadata: {
        name: r.secret.name,
        namespace: r.secret.namespace,
        labels: { ...r.secret.labels, ...managedBy },
        annotations: r.secret.annotations,
      },
      type: "Opaque",
      data: pulumi.secret(
        kubeconfig.apply((k) => ({ [r.clusterName]: Buffer.from(k, "utf8").toString("base64") })),
      ),
    },
    { provider, dependsOn, additionalSecretOutputs: ["data", "stringData"] },
  );
}
