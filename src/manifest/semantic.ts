import { existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import type { KubernetesIstio } from "../../gen/planton/kubernetes/istio/v1/api_pb.js";
import type { KubernetesIstioResources } from "../../gen/planton/kubernetes/istio/v1/spec_pb.js";
import { componentReleaseNames, reservedReleaseNames } from "../istio/releases.js";
import {
  compareVersions,
  minimumIstioVersion,
  minorDistance,
  newestKnownVersion,
  parseVersion,
} from "../istio/versions.js";
import type { NodeRef } from "./decode.js";
import { type Diagnostic, diagnostic, type Position } from "./diagnostic.js";
import { locatePath } from "./locate.js";
import { checkPluginCa } from "./ca.js";
import { checkImageHub } from "./image-hub.js";
import { checkGatewayInjection, checkMembership } from "./mesh-membership.js";
import { checkWaypoints } from "./waypoints.js";
import { checkMultiCluster } from "./multicluster.js";
import { checkObservability } from "./observability.js";
import { parseCpu, parseMemory, type QuantityResult } from "./quantity.js";

/** Requests the charts apply when the manifest sets none (istio-charts.md §4.2, §5.2, §4.3). */
const chartDefaultRequests = {
  istiod: { cpu: "500m", memory: "2048Mi" },
  gateway: { cpu: "100m", memory: "128Mi" },
  proxy: { cpu: "100m", memory: "128Mi" },
} as const;

interface Ctx {
  index: Map<string, NodeRef>;
  position: (offset: number | undefined) => Position;
  out: Diagnostic[];
}

function report(
  ctx: Ctx,
  path: string,
  code: string,
  message: string,
  hint: string,
  severity: "error" | "warning" = "error",
): void {
  const where = locatePath(ctx.index, path);
  ctx.out.push(diagnostic(ctx.position(where.offset), where.display, code, message, hint, severity));
}

function checkResources(
  ctx: Ctx,
  r: KubernetesIstioResources | undefined,
  path: string,
  defaults: { cpu: string; memory: string },
): void {
  if (r === undefined) return;
  const parsed: Record<string, QuantityResult | undefined> = {};
  for (const side of ["requests", "limits"] as const) {
    const list = r[side];
    if (list === undefined) continue;
    for (const [kind, parse] of [
      ["cpu", parseCpu],
      ["memory", parseMemory],
    ] as const) {
      const text = list[kind];
      if (text === "") continue;
      const q = parse(text);
      parsed[`${side}.${kind}`] = q;
      if (q.kind === "invalid") report(ctx, `${path}.${side}.${kind}`, `quantity.${kind}`, q.message, q.hint);
    }
  }
  for (const kind of ["cpu", "memory"] as const) {
    const limit = parsed[`limits.${kind}`];
    if (limit?.kind !== "ok") continue;
    const explicit = parsed[`requests.${kind}`];
    const request = explicit ?? (kind === "cpu" ? parseCpu(defaults.cpu) : parseMemory(defaults.memory));
    if (request.kind !== "ok" || request.value <= limit.value) continue;
    const limitText = r.limits?.[kind] ?? "";
    if (explicit !== undefined) {
      report(
        ctx,
        `${path}.requests.${kind}`,
        "quantity.request_above_limit",
        `request ${r.requests?.[kind]} is greater than the limit ${limitText}`,
        `lower the request or raise the limit`,
      );
    } else {
      report(
        ctx,
        `${path}.limits.${kind}`,
        "quantity.limit_below_default_request",
        `limit ${limitText} is below the chart's default ${kind} request ${defaults[kind]}`,
        `also set ${path.split(".").at(-1)}.requests.${kind} to at most ${limitText}`,
      );
    }
  }
}

function checkVersion(ctx: Ctx, version: string, path: string): void {
  if (parseVersion(version) === undefined) {
    // the pattern rule reports anything but digits and dots; what is left has absurd numbers
    if (/^\d+\.\d+\.\d+$/.test(version) && !/(^|\.)0\d/.test(version)) {
      report(ctx, path, "version.invalid", "is not a version: a number is too large", 'e.g. "1.30.3"');
    }
    return;
  }
  if (compareVersions(version, minimumIstioVersion) < 0) {
    report(
      ctx,
      path,
      "version.too_old",
      `Istio ${version} is older than ${minimumIstioVersion}, the oldest planton installs`,
      `use ${minimumIstioVersion} or newer`,
    );
  } else if (compareVersions(version, newestKnownVersion()) > 0) {
    report(
      ctx,
      path,
      "version.untested",
      `Istio ${version} is newer than ${newestKnownVersion()}, the newest this release of planton was tested with`,
      "it may work; check the charts' release notes, or upgrade planton",
      "warning",
    );
  }
}

/** Expands `~` and resolves a local chart directory against the manifest's folder. */
export function resolveChartDirectory(repository: string, manifestDir: string): string {
  if (repository.startsWith("~/")) return join(homedir(), repository.slice(2));
  return isAbsolute(repository) ? repository : resolve(manifestDir, repository);
}

/**
 * Checks the rules CEL cannot express well: Kubernetes quantities and request ≤ limit (also
 * against the charts' default requests), gateway names that are planton's own release names,
 * version bounds and revision skew, and the chart repository (a URL without credentials or
 * whitespace, or an existing local directory). Returns errors and warnings.
 */
export function checkSemantics(
  m: KubernetesIstio,
  index: Map<string, NodeRef>,
  position: (offset: number | undefined) => Position,
  manifestDir: string,
): Diagnostic[] {
  const ctx: Ctx = { index, position, out: [] };
  const spec = m.spec;
  if (spec === undefined) return [];
  checkResources(ctx, spec.container?.resources, "spec.container.resources", chartDefaultRequests.istiod);
  checkResources(
    ctx,
    spec.controlPlane?.resources,
    "spec.control_plane.resources",
    chartDefaultRequests.istiod,
  );
  checkResources(ctx, spec.proxy?.resources, "spec.proxy.resources", chartDefaultRequests.proxy);
  // a gateway's name is its Helm release name: it must not take one of planton's own
  const reserved = reservedReleaseNames(spec.revisions.map((r) => r.name));
  for (const [list, path] of [
    [spec.ingressGateways, "spec.ingress_gateways"],
    [spec.egressGateways, "spec.egress_gateways"],
  ] as const) {
    list.forEach((g, i) => {
      checkResources(ctx, g.resources, `${path}[${i}].resources`, chartDefaultRequests.gateway);
      if (!reserved.has(g.name)) return;
      report(
        ctx,
        `${path}[${i}].name`,
        "gateway.name_reserved",
        `\`${g.name}\` is the name of one of planton's own Helm releases`,
        `rename the gateway (its name is its Helm release name); planton's releases are ${Object.values(componentReleaseNames).join(", ")} and istiod-<revision>`,
      );
    });
  }
  checkResources(
    ctx,
    spec.eastWestGateway?.resources,
    "spec.east_west_gateway.resources",
    chartDefaultRequests.gateway,
  );
  if (spec.version !== "") checkVersion(ctx, spec.version, "spec.version");
  spec.revisions.forEach((r, i) => {
    checkVersion(ctx, r.version, `spec.revisions[${i}].version`);
  });
  const versions = spec.revisions.map((r) => r.version).filter((v) => parseVersion(v) !== undefined);
  for (const [i, r] of spec.revisions.entries()) {
    const far = versions.find((v) => minorDistance(v, r.version) > 1);
    if (far !== undefined && compareVersions(r.version, far) > 0) {
      report(
        ctx,
        `spec.revisions[${i}].version`,
        "revisions.skew",
        `${r.version} is more than one minor version from ${far}`,
        "Istio supports revisions at most one minor version apart; go through the version in between",
      );
    }
  }
  for (const p of [...checkMembership(spec), ...checkWaypoints(spec)])
    report(ctx, p.path, p.code, p.message, p.hint);
  const written = {
    ingressGateways: index.has("spec.ingress_gateways"),
    egressGateways: index.has("spec.egress_gateways"),
  };
  for (const p of checkGatewayInjection(spec, written)) report(ctx, p.path, p.code, p.message, p.hint);
  for (const p of checkMultiCluster(spec)) report(ctx, p.path, p.code, p.message, p.hint);
  for (const p of checkPluginCa(spec, manifestDir))
    report(ctx, p.path, p.code, p.message, p.hint, p.severity);
  const hub = checkImageHub(spec.images?.hub ?? "");
  if (hub !== undefined) report(ctx, hub.path, hub.code, hub.message, hub.hint);
  for (const p of checkObservability(spec)) report(ctx, p.path, p.code, p.message, p.hint, p.severity);
  const repo = spec.charts?.repository ?? "";
  if (repo !== "") checkRepository(ctx, repo, manifestDir);
  return ctx.out;
}

const repositoryPath = "spec.charts.repository";

/**
 * A chart repository is an https:// or oci:// URL without whitespace or credentials (the
 * scheme itself is a proto rule), or an existing local directory. Messages never repeat the
 * value: it may hold a password.
 */
function checkRepository(ctx: Ctx, repo: string, manifestDir: string): void {
  if (!repo.includes("://")) {
    if (repo !== repo.trim()) {
      report(
        ctx,
        repositoryPath,
        "charts.repository_whitespace",
        "starts or ends with whitespace",
        "remove the spaces around the directory name",
      );
      return;
    }
    const dir = resolveChartDirectory(repo, manifestDir);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      report(
        ctx,
        repositoryPath,
        "charts.repository_missing",
        `${dir} is not a directory`,
        "use an https:// or oci:// repository URL, or a directory holding the chart archives (base-<version>.tgz, …)",
      );
    }
    return;
  }
  const authority = /^[^:]*:\/\/([^/?#]*)/.exec(repo)?.[1] ?? "";
  if (authority.includes("@")) {
    report(
      ctx,
      repositoryPath,
      "charts.repository_credentials",
      "must not contain a user name or password",
      "remove them from the URL and give them to Helm instead: `helm registry login` for oci://, `helm repo add --username` for https://",
    );
  }
  // a query is where signed URLs and token links carry their secret (`?token=`, `sig=`,
  // `X-Amz-Signature=`), and a fragment (`#token=`) is where single-page links do; a chart
  // repository needs neither, so both are refused, unnamed
  if (/[?#]/.test(repo.slice(repo.indexOf("://") + 3 + authority.length))) {
    report(
      ctx,
      repositoryPath,
      "charts.repository_query",
      "must not have a query (`?…`) or a fragment (`#…`): they carry tokens and signatures, which planton would print and store",
      "give the repository's plain URL and the credentials to Helm: `helm registry login` for oci://, `helm repo add --username` for https://",
    );
  }
  if (!repo.startsWith("https://") && !repo.startsWith("oci://")) return; // the scheme rule reported it
  if (/\s/.test(repo)) {
    report(
      ctx,
      repositoryPath,
      "charts.repository_whitespace",
      "a repository URL must not contain whitespace",
      "remove the spaces (write %20 for a space inside the path)",
    );
  } else if (!authority.includes("@") && (!URL.canParse(repo) || new URL(repo).hostname === "")) {
    report(
      ctx,
      repositoryPath,
      "charts.repository_url",
      "is not a valid URL",
      "e.g. https://charts.example.com/istio or oci://registry.example.com/istio",
    );
  }
}
