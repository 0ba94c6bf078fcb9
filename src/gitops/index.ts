import { argocdFiles } from "./argocd.js";
import { fluxFiles } from "./flux.js";
import type { GitopsCluster, GitopsFile, GitopsOptions } from "./types.js";

export type { Destination, GitopsCluster, GitopsFile, GitopsOptions } from "./types.js";

/**
 * The GitOps export of a mesh: for each cluster's plan, the Argo CD Applications or the Flux
 * objects that install what `planton apply` would, in the same order, with the ignore rules for
 * istiod's run-time changes. Pure: plans in, files out (the caller writes them). Secrets are
 * never in a plan, so never in the files; what Git cannot carry is listed in the headers.
 */
export function exportGitops(clusters: GitopsCluster[], options: GitopsOptions): GitopsFile[] {
  const files = options.format === "argocd" ? argocdFiles : fluxFiles;
  return clusters.flatMap((c) => files(c, options));
}
