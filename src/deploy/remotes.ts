import { kubeconfigSecrets, type ResolvedCluster, resolveCluster } from "../cluster/kubeconfig.js";
import { readerKubeconfig } from "../cluster/remote-access.js";
import { UsageError } from "../errors.js";
import type { RemoteTarget } from "../pulumi/remotes.js";

/** A remote cluster of the plan, resolved to its kubeconfig and context before anything runs. */
export interface ResolvedRemote {
  clusterName: string;
  cluster: ResolvedCluster;
}

/** A resolved remote as the program takes it: its provider's kubeconfig and how to read the reader's. */
export function programRemote(r: ResolvedRemote): RemoteTarget {
  return {
    clusterName: r.clusterName,
    kubeconfig: r.cluster.kubeconfig,
    context: r.cluster.context,
    readerKubeconfig: (reader, server, waitMs) =>
      readerKubeconfig(r.cluster, r.clusterName, reader, server, waitMs),
  };
}

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
): ResolvedRemote[] {
  return remotes.map((r, i) => resolveRemote(r, i, env, secret));
}

/** A remote cluster that could not be resolved (destroy goes on without it when told to). */
export interface RemoteProblem {
  clusterName: string;
  reason: string;
}

/**
 * As `resolveRemotes`, for destroy: a remote whose kubeconfig or context is gone is reported,
 * not an error. Destroy needs no remote to be resolved (the engine deletes with the providers the
 * state recorded); it checks them only to say, before anything changes, which cannot be reached.
 */
export function resolveRemotesLeniently(
  remotes: RemoteSelection[],
  env: NodeJS.ProcessEnv,
  secret: (value: string) => void,
): { resolved: ResolvedRemote[]; problems: RemoteProblem[] } {
  const resolved: ResolvedRemote[] = [];
  const problems: RemoteProblem[] = [];
  remotes.forEach((r, i) => {
    try {
      resolved.push(resolveRemote(r, i, env, secret));
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      problems.push({ clusterName: r.clusterName, reason: err.message });
    }
  });
  return { resolved, problems };
}

function resolveRemote(
  r: RemoteSelection,
  i: number,
  env: NodeJS.ProcessEnv,
  secret: (value: string) => void,
): ResolvedRemote {
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
}
