import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import {
  type KubernetesIstioStackOutputs,
  KubernetesIstioStackOutputsSchema,
} from "../../gen/planton/kubernetes/istio/v1/stack_outputs_pb.js";
import type { InterruptedRelease } from "../istio/types.js";
import { type WaypointFacts, waypointFacts } from "../istio/waypoints.js";

/** The stack outputs, as the generated proto type. */
export type StackOutputs = KubernetesIstioStackOutputs;

/** A Helm release the state holds. */
export interface StateRelease {
  name: string;
  namespace: string;
  chart: string;
  /** The chart version and values the release was last successfully applied with. */
  version: string;
  values: Record<string, unknown>;
}

/** What a stack's state holds, read once at the start of every command. */
export interface StackState {
  /** The outputs of the last successful apply; undefined when none finished yet. */
  outputs?: StackOutputs;
  /** Helm releases in the state (also those of an apply that failed half-way). */
  releases: StateRelease[];
  /** Namespaces the stack created. */
  namespaces: string[];
  /** Revision tags as last applied: tag → revision (from the tag webhooks in the state). */
  tags: Record<string, string>;
  /** Labels planton last applied per namespace (workload and created namespaces). */
  namespaceLabels: Record<string, Record<string, string>>;
  /** The waypoint Gateways as last applied (absent: none). */
  waypoints?: WaypointFacts[];
  /** Number of resources of any kind (0: the stack is empty). */
  resourceCount: number;
  pending: InterruptedRelease[];
}

interface ExportedResource {
  urn?: string;
  type?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}
interface Exported {
  deployment?: {
    resources?: ExportedResource[];
    pending_operations?: { type: string; resource: ExportedResource }[];
  };
}

const releaseType = "kubernetes:helm.sh/v3:Release";
const str = (v: unknown) => (typeof v === "string" ? v : "");

/** Reads the outputs map (JSON names) into the proto type; undefined when nothing was applied. */
export function parseOutputs(map: Record<string, unknown> | undefined): StackOutputs | undefined {
  if (map === undefined || typeof map.namespace !== "string") return undefined;
  return fromJson(KubernetesIstioStackOutputsSchema, map as JsonValue, { ignoreUnknownFields: true });
}

/**
 * Reads an exported deployment (`pulumi stack export --show-secrets`; reading it proves the
 * secrets decrypt). Secret values in it are never kept: only names, namespaces and outputs.
 */
export function parseState(exported: unknown): StackState {
  const d = (exported as Exported | undefined)?.deployment;
  const resources = d?.resources ?? [];
  const stack = resources.find((r) => r.type === "pulumi:pulumi:Stack");
  const releases = resources
    .filter((r) => r.type === releaseType)
    .map((r) => ({
      name: str(r.outputs?.name ?? r.inputs?.name),
      namespace: str(r.outputs?.namespace ?? r.inputs?.namespace),
      chart: str(r.outputs?.chart ?? r.inputs?.chart),
      // a failed update leaves the last applied inputs and outputs in place
      version: str(r.outputs?.version ?? r.inputs?.version),
      values: (r.outputs?.values ?? r.inputs?.values ?? {}) as Record<string, unknown>,
    }))
    .filter((r) => r.name !== "" && r.namespace !== "");
  const labelsOf = (r: ExportedResource) =>
    ((r.inputs?.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {}) as Record<
      string,
      string
    >;
  const tags: Record<string, string> = {};
  for (const r of resources.filter(
    (x) => x.type === "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration",
  )) {
    const l = labelsOf(r);
    if (l["istio.io/tag"] && l["istio.io/rev"]) tags[l["istio.io/tag"]] = l["istio.io/rev"];
  }
  const namespaceLabels: Record<string, Record<string, string>> = {};
  for (const r of resources.filter(
    (x) => x.type === "kubernetes:core/v1:Namespace" || x.type === "kubernetes:core/v1:NamespacePatch",
  )) {
    const name = str((r.inputs?.metadata as { name?: unknown } | undefined)?.name);
    // a created namespace's use-waypoint labels live in a patch of their own: merge them
    if (name !== "") namespaceLabels[name] = { ...namespaceLabels[name], ...labelsOf(r) };
  }
  const namespaces = resources
    .filter((r) => r.type === "kubernetes:core/v1:Namespace")
    .map((r) => str((r.outputs?.metadata as { name?: unknown } | undefined)?.name))
    .filter((n) => n !== "");
  const pending = (d?.pending_operations ?? [])
    .filter(
      (op) => op.resource.type === releaseType && op.resource.inputs?.name && op.resource.inputs.namespace,
    )
    .map((op) => ({
      name: str(op.resource.inputs?.name),
      namespace: str(op.resource.inputs?.namespace),
      operation: op.type,
    }));
  const outputs = parseOutputs(stack?.outputs);
  const waypoints = resources
    .filter((r) => r.type === "kubernetes:gateway.networking.k8s.io/v1:Gateway")
    .flatMap((r) => waypointFacts({ kind: "Gateway", ...(r.inputs as object) }) ?? []);
  return {
    ...(outputs === undefined ? {} : { outputs }),
    releases,
    namespaces,
    tags,
    namespaceLabels,
    ...(waypoints.length > 0 ? { waypoints } : {}),
    resourceCount: resources.filter(
      (r) => r.type !== "pulumi:pulumi:Stack" && !r.type?.startsWith("pulumi:providers:"),
    ).length,
    pending,
  };
}

/**
 * The chart of a recorded release as the plan named it: the stack outputs' record, else the last
 * segment of its chart input (a path or an OCI reference), without a packaged archive's version.
 */
export function recordedChart(state: StackState, r: { name: string; chart: string }): string {
  return (
    state.outputs?.releases[r.name]?.chart ??
    (r.chart.split("/").at(-1) ?? r.chart).replace(/-\d.*\.tgz$/, "")
  );
}

/**
 * Release name → chart, version, namespace and values as last applied, from the Release
 * resources of the state: unlike the stack outputs (written even by an update that failed
 * half-way), they change only when the release itself was applied. For the skew check and
 * the diff.
 */
export function recordedReleases(
  state: StackState,
): Record<string, { chart: string; version: string; namespace: string; values: Record<string, unknown> }> {
  return Object.fromEntries(
    state.releases.map((r) => [
      r.name,
      {
        chart: recordedChart(state, r),
        version: r.version,
        namespace: r.namespace,
        values: r.values,
      },
    ]),
  );
}

/**
 * Tags and workload namespaces as last applied (from the state's resources, not the outputs):
 * each namespace's labels and the revision they send its pods to (`istio.io/rev` through the
 * tags; `istio-injection=enabled` to the default revision the base release was applied with).
 */
export function recordedMembership(state: StackState | undefined): {
  revisionTags: Record<string, string>;
  namespaces: { name: string; revision: string; labels: Record<string, string> }[];
} {
  if (state === undefined) return { revisionTags: {}, namespaces: [] };
  const base = state.releases.find((r) => recordedReleases(state)[r.name]?.chart === "base");
  const defaultRevision = String(base?.values.defaultRevision ?? "default") || "default";
  const namespaces = (state.outputs?.namespaces ?? []).map((n) => {
    const labels = { ...(state.namespaceLabels[n.name] ?? n.labels) };
    delete labels["app.kubernetes.io/managed-by"];
    const rev = labels["istio.io/rev"];
    const revision =
      rev !== undefined
        ? (state.tags[rev] ?? rev)
        : labels["istio-injection"] === "enabled"
          ? defaultRevision
          : "";
    return { name: n.name, revision, labels };
  });
  return { revisionTags: state.tags, namespaces };
}
