import { kubeconfigSecrets, resolveCluster } from "../cluster/kubeconfig.js";
import { UsageError } from "../errors.js";
import type { RemoteTarget } from "../pulumi/remotes.js";

/** What a plan says about reaching a remote cluster (`spec.multiCluster.remotes[]`). */
export interface RemoteSelection {
  clusterName: string;
  /** Absolute path, or "" for $KUBECONFIG / ~/.kube/config. */
  kubeconfig: string;
  /** "" for that file's current context. */
  context: string;
}

/**
 * Resolves every remote cluster's kubeconfig and context before anything runs, so a wrong path
 * or context is an input error (exit 2) naming the remote, not a failure halfway through an
 * apply. Each kubeconfig's credentials are registered with `secret`.
 */
export function resolveRemotes(
  remotes: RemoteSelection[],
  env: NodeJS.ProcessEnv,
  secret: (value: string) => void,
): RemoteTarget[] {
  return remotes.map((r, i) => {
    try {
      const cluster = resolveCluster(
        {
          kubeconfigFlag: r.kubeconfig === "" ? undefined : r.kubeconfig,
          contextFlag: r.context === "" ? undefined : r.context,
          manifestKubeconfig: "",
          manifestContext: "",
          manifestClusterName: "",
          cwd: "/",
        },
        env,
      );
      for (const s of kubeconfigSecrets(cluster)) secret(s);
      return { clusterName: r.clusterName, cluster };
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      throw new UsageError(
        `spec.multiCluster.remotes[${i}] (cluster ${r.clusterName}): ${err.message}`,
        "set the remote's kubeconfig and context to a cluster this machine can reach",
      );
    }
  });
}
