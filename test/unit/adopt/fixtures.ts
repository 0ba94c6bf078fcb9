import { gzipSync } from "node:zlib";
import type { ClusterObjects, KubeObject } from "../../../src/deploy/adopt/live.js";
import { planIstio } from "../../../src/istio/plan.js";
import type { InstallPlan } from "../../../src/istio/types.js";
import { loadManifest } from "../../../src/manifest/load.js";
import { root } from "../../helpers/paths.js";

/**
 * Recorded cluster objects as Helm 3, istioctl and Istio leave them. A Helm record is the Secret
 * `sh.helm.release.v1.<name>.v<n>` (type `helm.sh/release.v1`, labels name/owner/status/version,
 * Helm ≥ 3.15 adds modifiedAt) whose `release` key is the release as JSON, gzipped and
 * base64-encoded by Helm (pkg/storage/driver/util.go) and once more by the API.
 */

export interface RecordInput {
  name: string;
  namespace: string;
  chart: string;
  version: string;
  values: Record<string, unknown>;
  status?: string;
  revision?: number;
}

export function helmSecret(r: RecordInput): KubeObject {
  const status = r.status ?? "deployed";
  const revision = r.revision ?? 1;
  const release = {
    name: r.name,
    info: {
      first_deployed: "2026-11-02T10:14:03.512Z",
      last_deployed: "2026-11-02T10:14:03.512Z",
      deleted: "",
      description: status === "deployed" ? "Install complete" : "Preparing install",
      status,
    },
    chart: {
      metadata: {
        name: r.chart,
        version: r.version,
        description: `Helm chart for ${r.chart}`,
        apiVersion: "v2",
        appVersion: r.version,
        type: "application",
      },
      lock: null,
      templates: [],
      values: { _internal_defaults_do_not_set: {} },
      schema: null,
      files: [],
    },
    config: r.values,
    manifest: "---\n# Source: ...\n",
    version: revision,
    namespace: r.namespace,
  };
  const helmEncoded = gzipSync(Buffer.from(JSON.stringify(release))).toString("base64");
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "helm.sh/release.v1",
    metadata: {
      name: `sh.helm.release.v1.${r.name}.v${revision}`,
      namespace: r.namespace,
      uid: `uid-${r.namespace}-${r.name}-${revision}`,
      labels: { name: r.name, owner: "helm", status, version: String(revision), modifiedAt: "1793614443" },
    },
    data: { release: Buffer.from(helmEncoded).toString("base64") },
  };
}

/** A revision tag's webhook as `istioctl tag set` leaves it (no Helm metadata). */
export function tagWebhook(
  tag: string,
  revision: string,
  extra: Record<string, string> = {},
  annotations?: Record<string, string>,
): KubeObject {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: {
      name: `istio-revision-tag-${tag}`,
      labels: { app: "sidecar-injector", "istio.io/rev": revision, "istio.io/tag": tag, ...extra },
      ...(annotations === undefined ? {} : { annotations }),
    },
  };
}

/** The plan's gateways' Deployments, every replica ready: adopt waits for every gateway after its update. */
export function readyGateways(plan: InstallPlan): KubeObject[] {
  return plan.releases
    .filter((r) => r.component === "gateway")
    .map((r) => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: r.name, namespace: r.namespace, generation: 1 },
      spec: { replicas: 1 },
      status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 },
    }));
}

export const emptyCluster = (): ClusterObjects => ({
  helmSecrets: [],
  mutatingWebhooks: [],
  namespaces: [],
  peerAuthentications: [],
  operatorObjects: [],
});

/**
 * The cluster a Helm user leaves after installing what `plan` plans by hand: every release
 * recorded with the plan's chart, version and values, tags set with istioctl, namespaces
 * labelled, the mesh-wide PeerAuthentication applied (no planton labels anywhere).
 */
export function clusterFromPlan(plan: InstallPlan): ClusterObjects {
  const c = emptyCluster();
  c.helmSecrets = plan.releases.flatMap((r) => [
    helmSecret({ ...r, values: r.values, status: "superseded", revision: 1 }),
    helmSecret({ ...r, values: r.values, revision: 2 }),
  ]);
  c.mutatingWebhooks = plan.tags.map((t) => tagWebhook(t.name, t.revision));
  c.namespaces = plan.workloadNamespaces.map((n) => ({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: n.name, labels: { "kubernetes.io/metadata.name": n.name, ...n.labels } },
  }));
  const pa = plan.objects.find((o) => o.id === "peer-authentication-default");
  if (pa !== undefined)
    c.peerAuthentications = [
      {
        apiVersion: "security.istio.io/v1",
        kind: "PeerAuthentication",
        metadata: { name: "default", namespace: plan.mesh.namespace },
        spec: pa.manifest.spec ?? {},
      },
    ];
  return c;
}

/**
 * A mesh installed by hand with Helm, the way Istio's docs do (few values): base, istiod with an
 * env and a meshConfig value, and an ingress gateway with a NodePort Service.
 */
export function handInstalledCluster(): ClusterObjects {
  const c = emptyCluster();
  const release = (name: string, namespace: string, chart: string, values: Record<string, unknown>) =>
    helmSecret({ name, namespace, chart, version: "1.29.6", values });
  c.helmSecrets = [
    release("istio-base", "istio-system", "base", {}),
    release("istiod", "istio-system", "istiod", {
      pilot: { env: { PILOT_ENABLE_ALPHA_GATEWAY_API: "true" } },
      meshConfig: { accessLogFile: "/dev/stdout" },
    }),
    release("istio-ingress", "istio-ingress", "gateway", {
      service: { type: "NodePort" },
      podAnnotations: { team: "edge" },
    }),
  ];
  return c;
}

/** The plan of a manifest of this repository (`file` from its root) with `--set` overrides. */
export function planOf(file: string, sets: string[] = []): InstallPlan {
  const r = loadManifest({ file: `${root}/${file}`, overrides: sets });
  if (r.kind !== "ok") throw new Error(JSON.stringify(r.diagnostics));
  return planIstio(r.manifest);
}
