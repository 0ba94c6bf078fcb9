import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PulumiFn } from "@pulumi/pulumi/automation/index.js";
import { toJson } from "@bufbuild/protobuf";
import { KubernetesIstioStackOutputsSchema } from "../../gen/planton/kubernetes/istio/v1/stack_outputs_pb.js";
import type { InstallPlan, PlannedObject } from "../istio/types.js";
import { stackOutputsOf } from "./outputs.js";
import { releaseChartArgs } from "./chart-inputs.js";
import { drawCaSecret } from "./ca.js";
import { drawGatewayApiCrds } from "./gateway-api.js";
import { drawRemoteSecrets, type RemoteTarget } from "./remotes.js";
import { namespaceDependency } from "../istio/waypoints.js";
import {
  drawNamespacePatches,
  drawTags,
  drawWorkloadNamespaces,
  namespaceAnnotations,
  plannedNamespaceLabels,
} from "./membership.js";

/** The cluster the program talks to. The kubeconfig's contents go into state only as a secret. */
export interface ClusterTarget {
  kubeconfig: string;
  context: string;
  /** The plan's remote clusters, resolved (see `resolveRemotes`); needed when the plan has remotes. */
  remotes?: RemoteTarget[];
  /** Told every secret the program reads at run time (the remote readers' tokens), for redaction. */
  secret?: (value: string) => void;
  /** Resolves once the API server would admit this object (its admission webhooks answer); see `waitUntilAdmitted`. */
  admitted?: (manifest: PlannedObject["manifest"]) => Promise<void>;
  /** The Gateway API CRDs planton may write (the deploy layer's decision), applied before istiod. */
  gatewayApiCrds?: Record<string, unknown>[];
  /** Resolves once the waypoint's Deployment (istiod's, named as its Gateway) is ready. */
  waypointReady?: (namespace: string, name: string) => Promise<void>;
}

/**
 * The inline Pulumi program for a plan. It draws the plan and decides nothing: one Namespace per
 * planned namespace, one `helm.v3.Release` per planned release with the plan's chart, version,
 * namespace, values, wait and timeout, `dependsOn` edges exactly as planned (plus the release's
 * own namespace), the plan's objects as custom resources after their releases, and a Kubernetes
 * provider bound to the target cluster, and the Gateway API CRDs it is given before istiod.
 * `timeoutSeconds` overrides every release's timeout; the releases `awaitedOutside` names are
 * installed without Helm's wait (their caller waits for them itself).
 */
export function createIstioProgram(
  plan: InstallPlan,
  target: ClusterTarget,
  options: { timeoutSeconds?: number; awaitedOutside?: ReadonlySet<string> } = {},
): PulumiFn {
  return async () => {
    const provider = new k8s.Provider("cluster", {
      kubeconfig: pulumi.secret(target.kubeconfig),
      context: target.context,
    });
    const namespaces = drawNamespaces(plan, provider);
    const caSecret = drawCaSecret(plan, provider, namespaces);
    const gatewayApiCrds = drawGatewayApiCrds(target.gatewayApiCrds ?? [], provider);
    const releases = drawReleases(plan, provider, { namespaces, caSecret, gatewayApiCrds, ...options });
    drawNamespacePatches(plan, provider);
    const tags = drawTags(plan, provider, releases);
    const ready = new Map<string, pulumi.Resource>([...releases, ...tags]);
    for (const [name, ns] of namespaces) ready.set(namespaceDependency(name), ns);
    for (const [id, ns] of drawWorkloadNamespaces(plan, provider, ready, "created")) ready.set(id, ns);
    for (const o of plan.objects) ready.set(o.id, drawObject(o, provider, ready, target.admitted));
    drawWorkloadNamespaces(plan, provider, ready, "patched", target.waypointReady);
    drawRemoteSecrets(plan, provider, releases, target.remotes ?? [], target.secret);
    return toJson(KubernetesIstioStackOutputsSchema, stackOutputsOf(plan), {
      alwaysEmitImplicit: true,
    }) as Record<string, unknown>;
  };
}

/** One Namespace per planned namespace, with planton's labels and annotations. */
function drawNamespaces(plan: InstallPlan, provider: k8s.Provider): Map<string, k8s.core.v1.Namespace> {
  const namespaces = new Map<string, k8s.core.v1.Namespace>();
  for (const ns of plan.namespaces) {
    const metadata = {
      name: ns.name,
      labels: plannedNamespaceLabels(plan, ns.name, ns.labels),
      annotations: { ...ns.annotations, ...namespaceAnnotations },
    };
    namespaces.set(ns.name, new k8s.core.v1.Namespace(ns.name, { metadata }, { provider }));
  }
  return namespaces;
}

/**
 * One Helm release per planned release, after the releases it depends on, its namespace and
 * (for istiod) the CA secret and the Gateway API CRDs; `timeoutSeconds` overrides every release's own.
 */
function drawReleases(
  plan: InstallPlan,
  provider: k8s.Provider,
  after: {
    namespaces: Map<string, k8s.core.v1.Namespace>;
    caSecret: pulumi.Resource | undefined;
    /** The Gateway API CRDs planton writes: istiod reads them when it starts. */
    gatewayApiCrds: pulumi.Resource[];
    timeoutSeconds?: number;
    awaitedOutside?: ReadonlySet<string>;
  },
): Map<string, k8s.helm.v3.Release> {
  const releases = new Map<string, k8s.helm.v3.Release>();
  for (const r of plan.releases) {
    const deps: pulumi.Resource[] = r.dependsOn.map((name) => {
      const dep = releases.get(name);
      if (dep === undefined) throw new Error(`plan lists ${r.name} before its dependency ${name}`);
      return dep;
    });
    const ns = after.namespaces.get(r.namespace);
    if (ns !== undefined) deps.push(ns);
    if (after.caSecret !== undefined && r.component === "istiod") deps.push(after.caSecret);
    if (r.component === "istiod") deps.push(...after.gatewayApiCrds);
    const args: k8s.helm.v3.ReleaseArgs = {
      name: r.name,
      ...releaseChartArgs(r.source, r.chart),
      version: r.version,
      namespace: r.namespace,
      values: r.values,
      allowNullValues: true,
      skipAwait: !r.helmWait || after.awaitedOutside?.has(r.name) === true,
      timeout: after.timeoutSeconds ?? r.timeoutSeconds,
      cleanupOnFail: true,
      maxHistory: 10,
    };
    // a stack installed before its caller waited for this release keeps Helm's wait as recorded:
    // switching it is no reason to upgrade the release, nor a change for preview to report
    const outside = after.awaitedOutside?.has(r.name) === true ? { ignoreChanges: ["skipAwait"] } : {};
    releases.set(r.name, new k8s.helm.v3.Release(r.name, args, { provider, dependsOn: deps, ...outside }));
  }
  return releases;
}

/**
 * One plan object as a custom resource, after what it depends on (releases, namespaces), and
 * once the API server would admit it: a fresh istiod answers its validating webhook only after
 * patching in its CA bundle (never waited for in a preview).
 */
function drawObject(
  o: PlannedObject,
  provider: k8s.Provider,
  ready: Map<string, pulumi.Resource>,
  admitted: ClusterTarget["admitted"],
): pulumi.Resource {
  const deps = o.dependsOn
    .map((name) => ready.get(name))
    .filter((x): x is pulumi.Resource => x !== undefined);
  const spec =
    admitted === undefined
      ? o.manifest.spec
      : pulumi.all(deps.map((d) => d.urn)).apply(async () => {
          if (!pulumi.runtime.isDryRun()) await admitted(o.manifest);
          return o.manifest.spec;
        });
  const opts = { provider, dependsOn: deps };
  // a core object (the dashboards' ConfigMaps) is no custom resource: its type token is core/v1
  if (o.manifest.apiVersion === "v1" && o.manifest.kind === "ConfigMap")
    return new k8s.core.v1.ConfigMap(
      o.id,
      { metadata: o.manifest.metadata, data: o.manifest.data ?? {} },
      opts,
    );
  return new k8s.apiextensions.CustomResource(o.id, { ...awaitingProgrammed(o.manifest), spec }, opts);
}

/**
 * A waypoint Gateway (class `istio-waypoint`) is done only once istiod reports it `Programmed`
 * (its Service has an address; istiod does not look at the Deployment's pods, which the
 * namespace labels wait for separately, see `drawWorkloadNamespaces`). The provider's
 * `pulumi.com/waitFor` annotation makes the engine wait for that condition.
 */
function awaitingProgrammed(manifest: PlannedObject["manifest"]): PlannedObject["manifest"] {
  const spec = manifest.spec as { gatewayClassName?: string } | undefined;
  if (manifest.kind !== "Gateway" || spec?.gatewayClassName !== "istio-waypoint") return manifest;
  const annotations = { ...manifest.metadata.annotations, "pulumi.com/waitFor": "condition=Programmed" };
  return { ...manifest, metadata: { ...manifest.metadata, annotations } };
}
