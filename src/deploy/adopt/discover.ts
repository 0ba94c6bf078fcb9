import { decodeHelmPayload, newestRecordPerRelease } from "../../cluster/helm-records.js";
import type { Values } from "../../istio/merge.js";
import type { Component } from "../../istio/types.js";
import type {
  ClusterObjects,
  IstioctlComponent,
  KubeObject,
  LiveMember,
  LiveMesh,
  LiveRelease,
  LiveTag,
} from "./live.js";

/** Istio's charts, by the name in a release record's chart metadata. */
const istioCharts: Record<string, Component> = {
  base: "base",
  istiod: "istiod",
  gateway: "gateway",
  cni: "cni",
  ztunnel: "ztunnel",
};

/** istioctl's component label → the Helm chart that installs the same objects. */
const istioctlCharts: Record<string, Component> = {
  Base: "base",
  Pilot: "istiod",
  IngressGateways: "gateway",
  EgressGateways: "gateway",
  Cni: "cni",
  Ztunnel: "ztunnel",
};

export const componentLabel = "operator.istio.io/component";
const managedBy = "app.kubernetes.io/managed-by";
const tagPrefix = "istio-revision-tag-";

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown): string => (typeof v === "string" ? v : "");

/** The newest record of one release, decoded; undefined when it is not a readable release. */
function decodeRecord(secret: KubeObject): LiveRelease | undefined {
  const labels = secret.metadata?.labels ?? {};
  const payload = secret.data?.release;
  if (payload === undefined) return undefined;
  let rel: unknown;
  try {
    rel = decodeHelmPayload(payload);
  } catch {
    return undefined;
  }
  if (!isMap(rel)) return undefined;
  const meta = isMap(rel.chart) && isMap(rel.chart.metadata) ? rel.chart.metadata : {};
  const info = isMap(rel.info) ? rel.info : {};
  const chart = text(meta.name);
  const values = (isMap(rel.config) ? rel.config : {}) as Values;
  return {
    name: text(rel.name) || (labels.name ?? ""),
    namespace: text(rel.namespace) || (secret.metadata?.namespace ?? ""),
    chart,
    version: text(meta.version),
    helmRevision: Number(labels.version ?? rel.version ?? 0) || 0,
    status: labels.status ?? text(info.status),
    values,
    component: istioCharts[chart],
    istioRevision: text(values.revision),
  };
}

/** The newest record of every Helm release (by Helm revision), uninstalled ones left out. */
export function helmReleases(secrets: KubeObject[]): LiveRelease[] {
  return newestRecordPerRelease(secrets)
    .map(decodeRecord)
    .filter((r): r is LiveRelease => r !== undefined && r.status !== "uninstalled")
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}

/** Revision tags: the `istio-revision-tag-<name>` webhooks, and who owns each. */
export function revisionTags(webhooks: KubeObject[]): LiveTag[] {
  const out: LiveTag[] = [];
  for (const w of webhooks) {
    const name = w.metadata?.name ?? "";
    if (!name.startsWith(tagPrefix)) continue;
    const labels = w.metadata?.labels ?? {};
    const annotations = w.metadata?.annotations ?? {};
    const release = annotations["meta.helm.sh/release-name"];
    const owner: LiveTag["owner"] =
      labels[managedBy] === "planton"
        ? { kind: "planton" }
        : release !== undefined
          ? { kind: "helm", release, namespace: annotations["meta.helm.sh/release-namespace"] ?? "" }
          : { kind: "istioctl" };
    out.push({
      name: labels["istio.io/tag"] ?? name.slice(tagPrefix.length),
      revision: labels["istio.io/rev"] ?? "",
      owner,
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Namespaces whose labels select a data plane, with the mode and revision Istio reads from them. */
export function meshMembers(namespaces: KubeObject[]): LiveMember[] {
  const out: LiveMember[] = [];
  for (const ns of namespaces) {
    const name = ns.metadata?.name ?? "";
    const l = ns.metadata?.labels ?? {};
    if (l["istio.io/dataplane-mode"] === "ambient") out.push({ name, injection: "AMBIENT", revision: "" });
    else if (l["istio-injection"] === "enabled") out.push({ name, injection: "SIDECAR", revision: "" });
    else if (l["istio-injection"] === "disabled") out.push({ name, injection: "DISABLED", revision: "" });
    else if (l["istio.io/rev"] !== undefined)
      out.push({ name, injection: "SIDECAR", revision: l["istio.io/rev"] });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The version of the chart that rendered an object (`helm.sh/chart: istiod-1.29.6`). istioctl
 * labels its objects with its own version too (`operator.istio.io/version`); in a release both
 * are the same, but a development build says `1.31-dev` while its charts say `1.31.0`, and the
 * charts are what a Helm release takes the objects over with.
 */
function chartVersion(labels: Record<string, string>): string | undefined {
  return /-(\d+\.\d+\.\d+)$/.exec(labels["helm.sh/chart"] ?? "")?.[1];
}

/**
 * What istioctl installed, grouped by component and revision. Objects a Helm release owns carry
 * the same labels (the charts render them) and are left out, as are revision tags' objects.
 */
export function istioctlComponents(objects: KubeObject[]): IstioctlComponent[] {
  const groups = new Map<string, IstioctlComponent>();
  for (const o of objects) {
    const labels = o.metadata?.labels ?? {};
    const component = labels[componentLabel];
    if (component === undefined) continue;
    if (o.metadata?.annotations?.["meta.helm.sh/release-name"] !== undefined) continue;
    // a revision tag's objects carry Pilot's label too (the chart renders them so); tags are read apart
    if (labels["istio.io/tag"] !== undefined || labels[managedBy] === "planton") continue;
    const revision = labels["istio.io/rev"] ?? "";
    const key = `${component}/${revision === "default" ? "" : revision}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = { component, chart: istioctlCharts[component], revision, version: "", objects: [] };
      groups.set(key, g);
    }
    g.version = chartVersion(labels) ?? (g.version || (labels["operator.istio.io/version"] ?? ""));
    g.objects.push(o);
  }
  return [...groups.values()].sort((a, b) =>
    `${a.component}/${a.revision}`.localeCompare(`${b.component}/${b.revision}`),
  );
}

const kindName = (o: KubeObject) =>
  `${o.kind ?? "?"} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name ?? ""}`;

/** The control plane's namespace: istiod's release's, else istioctl's Pilot objects', else istio-system. */
function rootNamespace(releases: LiveRelease[], istioctl: IstioctlComponent[]): string {
  const istiod =
    releases.find((r) => r.component === "istiod") ?? releases.find((r) => r.component === "base");
  if (istiod !== undefined) return istiod.namespace;
  const pilot = istioctl.find((c) => c.component === "Pilot")?.objects.find((o) => o.metadata?.namespace);
  return pilot?.metadata?.namespace ?? "istio-system";
}

/** The live mesh in recorded cluster objects. Pure. */
export function discoverMesh(objects: ClusterObjects): LiveMesh {
  const releases = helmReleases(objects.helmSecrets).filter((r) => r.component !== undefined);
  const istioctl = istioctlComponents(objects.operatorObjects);
  const root = rootNamespace(releases, istioctl);
  const pa = objects.peerAuthentications.find(
    (p) => p.metadata?.name === "default" && p.metadata?.namespace === root && !isMap(p.spec?.selector),
  );
  const mode = isMap(pa?.spec?.mtls) ? text(pa.spec.mtls.mode) : "";
  const marked = [...objects.namespaces, ...objects.mutatingWebhooks, ...objects.peerAuthentications]
    .filter((o) => o.metadata?.labels?.[managedBy] === "planton")
    .map(kindName)
    .sort();
  return {
    releases,
    tags: revisionTags(objects.mutatingWebhooks),
    members: meshMembers(objects.namespaces),
    ...(pa === undefined
      ? {}
      : { peerAuthentication: { namespace: root, mode, labels: pa.metadata?.labels ?? {} } }),
    istioctl,
    plantonMarked: marked,
  };
}
