import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import {
  type KubernetesIstioStackOutputs,
  KubernetesIstioStackOutputsSchema,
} from "../../gen/planton/kubernetes/istio/v1/stack_outputs_pb.js";

/** The stack outputs, as the generated proto type. */
export type StackOutputs = KubernetesIstioStackOutputs;

/** A Helm release the state holds. */
export interface StateRelease {
  name: string;
  namespace: string;
  chart: string;
}

/** An operation a killed engine left pending on a Helm release. */
export interface PendingRelease {
  name: string;
  namespace: string;
  /** `creating`: Pulumi never recorded the release; `updating`: an upgrade was cut off. */
  operation: string;
}

/** What a stack's state holds, read once at the start of every command. */
export interface StackState {
  /** The outputs of the last successful apply; undefined when none finished yet. */
  outputs?: StackOutputs;
  /** Helm releases in the state (also those of an apply that failed half-way). */
  releases: StateRelease[];
  /** Namespaces the stack created. */
  namespaces: string[];
  /** Number of resources of any kind (0: the stack is empty). */
  resourceCount: number;
  pending: PendingRelease[];
}

interface ExportedResource {
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
    }))
    .filter((r) => r.name !== "" && r.namespace !== "");
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
  return {
    ...(outputs === undefined ? {} : { outputs }),
    releases,
    namespaces,
    resourceCount: resources.filter(
      (r) => r.type !== "pulumi:pulumi:Stack" && !r.type?.startsWith("pulumi:providers:"),
    ).length,
    pending,
  };
}

/** Release name → recorded chart version, from the outputs (for the skew check and the diff). */
export function recordedReleases(
  state: StackState,
): Record<string, { chart: string; version: string; namespace: string; values: Record<string, unknown> }> {
  return Object.fromEntries(
    Object.entries(state.outputs?.releases ?? {}).map(([name, r]) => [
      name,
      {
        chart: r.chart,
        version: r.version,
        namespace: r.namespace,
        values: (r.values ?? {}) as Record<string, unknown>,
      },
    ]),
  );
}
