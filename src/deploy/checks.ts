import { nodeAgentSkew } from "./node-rollout/model.js";
import {
  type ControlPlane,
  describeControlPlane,
  foreignControlPlanes,
  listControlPlanes,
  type Ownership,
  requireKubernetes,
  serverVersion,
} from "../cluster/precheck.js";
import { checkMeshCa } from "../cluster/mesh-ca.js";
import { settleMonitors } from "./observability.js";
import { crdExists } from "../cluster/crd-exists.js";
import { namespaceLabels } from "../cluster/namespaces.js";
import { DeployError } from "../errors.js";
import type { InstallPlan } from "../istio/types.js";
import { checkVersionSkew } from "../istio/upgrade.js";
import { minimumKubernetesFor } from "../istio/versions.js";
import { recordedReleases, type StackState } from "../pulumi/state.js";
import type { DeployRequest } from "./request.js";

/** What the stack can prove it owns: the releases in its state, in the namespace it recorded. */
export function ownershipOf(state: StackState | undefined, plan: InstallPlan): Ownership {
  return {
    namespace: state?.outputs?.namespace || plan.mesh.namespace,
    // a release a killed apply was creating is the stack's too: its istiod may already run
    releases: new Map(
      [...(state?.pending ?? []), ...(state?.releases ?? [])].map((r) => [r.name, r.namespace]),
    ),
  };
}

/**
 * Refuses what Istio cannot do in place, before the cluster is touched: a version jump of more
 * than one minor version, and moving an installed control plane to another namespace.
 */
export function refuseInPlaceChanges(plan: InstallPlan, state: StackState | undefined): void {
  const problems = checkVersionSkew(plan, state === undefined ? {} : recordedReleases(state));
  if (problems.length > 0)
    throw new DeployError(
      `refusing to change Istio in place: ${problems.map((p) => p.message).join("; ")}`,
      problems[0]?.hint,
    );
  const skew =
    plan.mesh.nodeAgents && nodeAgentSkew(plan.mesh.nodeAgents, state ? recordedReleases(state) : {});
  if (skew) throw new DeployError(`refusing to upgrade the node agents: ${skew.message}`, skew.hint);
  const recorded = state?.outputs?.namespace;
  if (recorded && recorded !== plan.mesh.namespace && (state?.releases.length ?? 0) > 0)
    throw new DeployError(
      `refusing to move the control plane from namespace ${recorded} to ${plan.mesh.namespace} in place: the stack's releases would be deleted and reinstalled, and every workload would lose its control plane in between`,
      `keep spec.namespace: ${recorded}; to move, destroy this stack and apply the manifest as a new stack (--stack), or install the new control plane beside the old one as a canary`,
    );
}

/** Each namespace of the cluster with its labels. */
type LiveNamespaces = Awaited<ReturnType<typeof namespaceLabels>>;

/** What the cluster check found. */
export interface ClusterFacts {
  kubernetesVersion: string;
  controlPlanes: ControlPlane[];
  foreign: ControlPlane[];
  /** Things that will not stop the operation but deserve a look. */
  warnings: string[];
}

/**
 * Workload namespaces against the cluster: an adopted one must exist (planton will not create it
 * silently), and an injection label planton does not own that contradicts planton's is named
 * (server-side apply removes only the labels planton set itself).
 */
async function checkWorkloadNamespaces(
  req: DeployRequest,
  state: StackState | undefined,
  liveNamespaces: () => Promise<LiveNamespaces>,
): Promise<string[]> {
  const planned = new Set(req.plan.namespaces.map((n) => n.name));
  const adopted = req.plan.workloadNamespaces.filter((n) => !n.create && !planned.has(n.name));
  if (adopted.length === 0) return [];
  const live = await liveNamespaces();
  const missing = adopted.filter((n) => !live.has(n.name)).map((n) => n.name);
  if (missing.length > 0)
    throw new DeployError(
      `namespace${missing.length > 1 ? "s" : ""} ${missing.join(", ")} do${missing.length > 1 ? "" : "es"} not exist in context "${req.cluster.context}"`,
      "create them first (kubectl create namespace …), or set create: true in spec.namespaces to let planton create and own them",
    );
  const warnings: string[] = [];
  for (const n of adopted) {
    const ours = state?.outputs?.namespaces.find((o) => o.name === n.name)?.labels ?? {};
    const labels = live.get(n.name) ?? {};
    for (const key of ["istio-injection", "istio.io/rev", "istio.io/dataplane-mode"]) {
      if (labels[key] === undefined || key in n.labels || key in ours) continue;
      warnings.push(
        `namespace ${n.name} has the label ${key}=${labels[key]} that planton did not set; it competes with planton's ${Object.entries(
          n.labels,
        )
          .filter(([k]) => k.startsWith("istio"))
          .map(([k, v]) => `${k}=${v}`)
          .join(", ")}: remove it with \`kubectl label namespace ${n.name} ${key}-\``,
      );
    }
  }
  return warnings;
}

/**
 * The namespaces of `spec.observability.accessLogs` must exist or be created by this apply: the
 * Telemetry of a missing one could not be created, and the update would stop half-way.
 */
async function checkAccessLogNamespaces(
  req: DeployRequest,
  liveNamespaces: () => Promise<LiveNamespaces>,
): Promise<void> {
  const created = new Set([
    req.plan.mesh.namespace,
    ...req.plan.namespaces.map((n) => n.name),
    ...req.plan.workloadNamespaces.filter((n) => n.create).map((n) => n.name),
  ]);
  const wanted = [
    ...new Set(
      req.plan.objects
        .filter((o) => o.manifest.kind === "Telemetry")
        .map((o) => o.manifest.metadata.namespace ?? "")
        .filter((n) => !created.has(n)),
    ),
  ];
  if (wanted.length === 0) return;
  const live = await liveNamespaces();
  const missing = wanted.filter((n) => !live.has(n));
  if (missing.length > 0)
    throw new DeployError(
      `spec.observability.accessLogs.namespaces: ${missing.join(", ")} ${missing.length > 1 ? "do" : "does"} not exist in context "${req.cluster.context}": the access-log Telemetry could not be created; nothing was changed`,
      "create the namespace first, or list it under spec.namespaces with create: true",
    );
}

/**
 * Waypoints are Gateway API Gateways: when planton installs no Gateway API CRDs
 * (`spec.gatewayApi.install: false`), the cluster must have the Gateway kind already, or the
 * update would stop half-way, after the control plane.
 */
async function checkWaypointCrds(req: DeployRequest): Promise<void> {
  const waypoints = req.plan.objects.filter(
    (o) => o.manifest.kind === "Gateway" && o.manifest.apiVersion.startsWith("gateway.networking.k8s.io/"),
  );
  if (waypoints.length === 0 || req.plan.gatewayApi !== undefined) return;
  if (await crdExists(req.cluster, "gateways.gateway.networking.k8s.io")) return;
  const names = waypoints.map((w) => `${w.manifest.metadata.namespace}/${w.manifest.metadata.name}`);
  throw new DeployError(
    `the manifest has waypoints (${names.join(", ")}), but context "${req.cluster.context}" has no Gateway API CRDs and spec.gatewayApi does not install them; nothing was changed`,
    "remove spec.gatewayApi.install: false (the ambient profile installs them), or install the Gateway API CRDs first",
  );
}

/**
 * The cluster answers, runs a Kubernetes new enough for the planned Istio (skipped for
 * destroy), and which istiod Deployments are not the stack's own.
 */
export async function checkCluster(
  req: DeployRequest,
  state: StackState | undefined,
  purpose: "install" | "destroy",
): Promise<ClusterFacts> {
  const server = await serverVersion(req.cluster);
  if (purpose === "install")
    requireKubernetes(server, minimumKubernetesFor(req.plan.mesh.version), req.plan.mesh.version);
  const controlPlanes = await listControlPlanes(req.cluster);
  if (purpose === "install") await checkMeshCa(req.cluster, req.plan.ca);
  // the namespaces are listed once, by the first check that needs them
  let listed: Promise<LiveNamespaces> | undefined;
  const liveNamespaces = () => {
    listed ??= namespaceLabels(req.cluster);
    return listed;
  };
  if (purpose === "install") await settleMonitors(req);
  if (purpose === "install") await checkAccessLogNamespaces(req, liveNamespaces);
  if (purpose === "install") await checkWaypointCrds(req);
  const warnings = purpose === "install" ? await checkWorkloadNamespaces(req, state, liveNamespaces) : [];
  return {
    kubernetesVersion: `${server.version.major}.${server.version.minor}`,
    controlPlanes,
    foreign: foreignControlPlanes(controlPlanes, ownershipOf(state, req.plan)),
    warnings,
  };
}

/** Refuses to install beside a control plane the stack does not manage. */
export function refuseForeign(facts: ClusterFacts): void {
  if (facts.foreign.length > 0)
    throw new DeployError(
      `an Istio control plane this stack does not manage is already installed: ${facts.foreign.map(describeControlPlane).join(", ")}`,
      "remove it first, or manage this mesh with the tool that installed it; planton will not overwrite it",
    );
}
