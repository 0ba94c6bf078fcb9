// The cluster side of an opened stack: its cluster, its plan and its remote clusters. Loaded by
// ./open.ts once the state reads have started: the Kubernetes client takes a while to load.

import type { KubernetesIstioValid } from "../../gen/planton/kubernetes/istio/v1/api_pb.js";
import { kubeconfigSecrets, type ResolvedCluster, resolveCluster } from "../cluster/kubeconfig.js";
import { planIstio } from "../istio/plan.js";
import type { DeployIo, DeployRequest, OpenRequest, StackFile, Target } from "./request.js";
import { resolveRemotes, resolveRemotesLeniently } from "./remotes.js";

/** The cluster of a manifest and flags; the kubeconfig's credentials are registered with `secret`. */
export function clusterFor(
  manifest: KubernetesIstioValid,
  target: Target,
  ctx: { env: NodeJS.ProcessEnv; cwd: string },
  secret: (value: string) => void,
): ResolvedCluster {
  return resolveTarget(manifest.spec.targetCluster, target, ctx, secret);
}

/** The cluster the flags name over `spec.targetCluster` (absent: the flags and kubeconfig alone). */
export function resolveTarget(
  tc: KubernetesIstioValid["spec"]["targetCluster"] | undefined,
  target: Target,
  ctx: { env: NodeJS.ProcessEnv; cwd: string },
  secret: (value: string) => void,
): ResolvedCluster {
  const cluster = resolveCluster(
    {
      kubeconfigFlag: target.kubeconfig,
      contextFlag: target.context,
      manifestKubeconfig: tc?.kubeconfig ?? "",
      manifestContext: tc?.context ?? "",
      manifestClusterName: tc?.clusterName ?? "",
      cwd: ctx.cwd,
    },
    ctx.env,
  );
  for (const s of kubeconfigSecrets(cluster)) secret(s);
  return cluster;
}

type Targets = Pick<DeployRequest, "plan" | "cluster" | "remotes" | "remoteProblems">;

/** What a stack's verb needs of its cluster, as `req.needs` says. */
export function targetsOf(req: OpenRequest, s: StackFile, io: DeployIo): Partial<Targets> {
  if (req.needs.cluster === "optional") {
    try {
      return { cluster: clusterFor(s.manifest, req.target, req, io.secret) };
    } catch {
      return {}; // no usable kubeconfig: what needs no cluster is still worth doing
    }
  }
  const cluster = clusterFor(s.manifest, req.target, req, io.secret);
  const plan = planIstio(s.manifest, { ca: s.ca });
  if (!req.needs.lenientRemotes)
    return {
      cluster,
      plan,
      remotes: resolveRemotes(plan.remotes, req.env, io.secret),
      remoteProblems: [],
    };
  const { resolved, problems } = resolveRemotesLeniently(plan.remotes, req.env, io.secret);
  return { cluster, plan, remotes: resolved, remoteProblems: problems };
}
