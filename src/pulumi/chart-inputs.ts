import type { ChartSource } from "../istio/types.js";

/**
 * How a chart source reaches the provider. The provider reads a chart in two ways, and they
 * disagree about a file on disk:
 *
 * - `helm.v3.Release` locates its chart the way `helm install` does: a `chart` that names an
 *   existing file or directory is loaded from there, an `oci://` reference is pulled, and a name
 *   is looked up in `repositoryOpts.repo`.
 * - `helm.v3.Chart` (the `kubernetes:helm:template` invoke) either loads `path` from disk or
 *   *pulls* `chart` the way `helm pull` does, which knows no local files: a chart that is a path
 *   is split into a repository name and a chart name, and the pull fails with "repo not found".
 *   A chart on disk must therefore be given as `path`, never as `chart`.
 */

/** `helm.v3.Release` inputs for a chart source. */
export function releaseChartArgs(
  source: ChartSource,
  chart: string,
): { chart: string; repositoryOpts?: { repo: string } } {
  switch (source.type) {
    case "repository":
      return { chart, repositoryOpts: { repo: source.url } };
    case "oci":
      return { chart: source.ref };
    case "archive":
      return { chart: source.path };
  }
}

/** `helm.v3.Chart` inputs for a chart source: a chart on disk is a `path`, which the provider loads without pulling. */
export function templateChartArgs(
  source: ChartSource,
  chart: string,
): { chart: string; fetchOpts?: { repo: string } } | { path: string } {
  switch (source.type) {
    case "repository":
      return { chart, fetchOpts: { repo: source.url } };
    case "oci":
      return { chart: source.ref };
    case "archive":
      return { path: source.path };
  }
}
