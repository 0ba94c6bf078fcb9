import { UsageError } from "../errors.js";
import type { ChartSource, PlannedRelease } from "../istio/types.js";

/**
 * A chart source a GitOps tool can fetch: an https:// Helm repository or an oci:// registry,
 * without credentials in the URL (no user name, password or query: tokens travel there).
 * A local chart archive is refused: the tool runs in the cluster and cannot read it.
 */
export function checkSource(release: PlannedRelease): Exclude<ChartSource, { type: "archive" }> {
  const s = release.source;
  if (s.type === "archive")
    throw new UsageError(
      `release ${release.name}: its chart is a local archive, which a GitOps tool cannot fetch`,
      "publish the charts to an https:// or oci:// repository and set spec.charts.repository to it",
    );
  const url = s.type === "repository" ? s.url : s.ref;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || parsed.username !== "" || parsed.password !== "" || parsed.search !== "")
    throw new UsageError(
      `release ${release.name}: the chart repository URL holds credentials or a query, which would be written to Git`,
      "remove them from spec.charts.repository and give the tool its own repository credentials (an Argo CD repository Secret, Flux's secretRef)",
    );
  return s;
}

/** Argo CD's Helm source: the repository, or for OCI the registry path without the scheme. */
export function argoChartSource(release: PlannedRelease): { repoURL: string; chart: string } {
  const s = checkSource(release);
  if (s.type === "repository") return { repoURL: s.url, chart: release.chart };
  const ref = s.ref.replace(/^oci:\/\//, "");
  return { repoURL: ref.slice(0, ref.lastIndexOf("/")), chart: release.chart };
}
