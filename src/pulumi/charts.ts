import type { ChartSource } from "../istio/types.js";

/**
 * Where a planned chart comes from, as Helm takes it: the chart (a name in a repository, an OCI
 * reference or an archive's path) and, for a name, its repository.
 */
export function chartLocation(r: { chart: string; source: ChartSource }): { chart: string; repo?: string } {
  switch (r.source.type) {
    case "repository":
      return { chart: r.chart, repo: r.source.url };
    case "oci":
      return { chart: r.source.ref };
    case "archive":
      return { chart: r.source.path };
  }
}
