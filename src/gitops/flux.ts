import { posix } from "node:path";
import type { InstallPlan, PlannedRelease } from "../istio/types.js";
import { fluxDriftIgnore, ignoreRules } from "./ignore.js";
import { header, notExpressed } from "./notes.js";
import { gatewayApiCrdDocs, otherObjects, plannedNamespaces, releaseValues } from "./objects.js";
import { checkSource } from "./sources.js";
import type { GitopsCluster, GitopsFile, GitopsOptions } from "./types.js";
import { managedBy } from "./types.js";

/** Flux's own namespace and the GitRepository its bootstrap creates there. */
const FLUX_NAMESPACE = "flux-system";
/** Never prune a namespace planton only labels. */
const KEEP = { annotations: { "kustomize.toolkit.fluxcd.io/prune": "disabled" } };
const HELM_CHART_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";

function meta(name: string, namespace: string, plan: InstallPlan) {
  return { name, namespace, labels: { ...managedBy, "app.kubernetes.io/part-of": plan.mesh.name } };
}

/** Where each release's chart comes from: one HelmRepository per URL, one OCIRepository per OCI chart. */
function chartSources(plan: InstallPlan): { docs: Record<string, unknown>[]; ref: Map<string, object> } {
  const ns = FLUX_NAMESPACE;
  const docs: Record<string, unknown>[] = [];
  const ref = new Map<string, object>();
  const repos = new Map<string, string>();
  for (const r of plan.releases) {
    const s = checkSource(r);
    if (s.type === "oci") {
      const name = `${plan.mesh.name}-${r.name}-chart`;
      docs.push({
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "OCIRepository",
        metadata: meta(name, ns, plan),
        spec: {
          interval: "1h",
          url: s.ref,
          ref: { tag: r.version },
          layerSelector: { mediaType: HELM_CHART_LAYER, operation: "copy" },
        },
      });
      ref.set(r.name, { chartRef: { kind: "OCIRepository", name } });
      continue;
    }
    let name = repos.get(s.url);
    if (name === undefined) {
      name = `${plan.mesh.name}-istio${repos.size === 0 ? "" : `-${repos.size + 1}`}`;
      repos.set(s.url, name);
      docs.push({
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "HelmRepository",
        metadata: meta(name, ns, plan),
        spec: { interval: "1h", url: s.url },
      });
    }
    const chart = { chart: r.chart, version: r.version, sourceRef: { kind: "HelmRepository", name } };
    ref.set(r.name, { chart: { spec: chart } });
  }
  return { docs, ref };
}

/**
 * One release as a HelmRelease: the chart at the plan's version, values inline, `dependsOn` the
 * plan's prerequisites, CRDs created and replaced on upgrade (the base chart's), Helm's wait as
 * the plan says, and drift detection with the ignore rules for istiod's run-time changes.
 */
function helmRelease(c: GitopsCluster, r: PlannedRelease, chart: object): Record<string, unknown> {
  const wait = r.helmWait ? {} : { disableWait: true };
  const spec: Record<string, unknown> = {
    interval: "10m",
    releaseName: r.name,
    targetNamespace: r.namespace,
    storageNamespace: r.namespace,
    ...chart,
    timeout: `${r.timeoutSeconds}s`,
    install: { crds: "Create", remediation: { retries: 3 }, ...wait },
    upgrade: { crds: "CreateReplace", remediation: { retries: 3 }, ...wait },
    driftDetection: { mode: "enabled", ignore: fluxDriftIgnore(ignoreRules(r.component)) },
    values: releaseValues(c.plan, r),
  };
  if (r.dependsOn.length > 0) spec.dependsOn = r.dependsOn.map((d) => ({ name: `${c.plan.mesh.name}-${d}` }));
  if (c.destination !== undefined) spec.kubeConfig = kubeConfig(c);
  return {
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    kind: "HelmRelease",
    metadata: meta(`${c.plan.mesh.name}-${r.name}`, FLUX_NAMESPACE, c.plan),
    spec,
  };
}

/** For a remote cluster: the Secret holding its kubeconfig, named by `--destination`. */
function kubeConfig(c: GitopsCluster): object {
  const d = c.destination;
  const name = d === undefined ? "" : d.kind === "name" ? d.name : d.server;
  return { secretRef: { name } };
}

/**
 * The Kustomizations, in order: the namespaces and the Gateway API CRDs (in the destination
 * cluster; the CRDs never pruned), the releases (HelmReleases and their sources in Flux's
 * namespace, waited for), then the other objects (in the destination cluster).
 */
function kustomizations(
  c: GitopsCluster,
  base: string,
  o: GitopsOptions,
  has: { namespaces: boolean; crds: boolean; others: boolean },
) {
  const name = c.plan.mesh.name;
  const docs: Record<string, unknown>[] = [];
  let sourceRef: Record<string, string> = {
    kind: "GitRepository",
    name: "flux-system",
    namespace: FLUX_NAMESPACE,
  };
  if (o.repoUrl !== undefined) {
    docs.push({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: meta(name, FLUX_NAMESPACE, c.plan),
      spec: { interval: "5m", url: o.repoUrl, ref: { branch: "main" } },
    });
    sourceRef = { kind: "GitRepository", name };
  }
  const kustomization = (suffix: string, extra: Record<string, unknown>) => ({
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: meta(`${name}-${suffix}`, FLUX_NAMESPACE, c.plan),
    spec: { interval: "10m", path: `./${posix.join(base, suffix)}`, prune: true, sourceRef, ...extra },
  });
  const remote = c.destination === undefined ? {} : { kubeConfig: kubeConfig(c) };
  const after = (...what: string[]) =>
    what.length === 0 ? {} : { dependsOn: what.map((w) => ({ name: `${name}-${w}` })) };
  if (has.namespaces) docs.push(kustomization("namespaces", { ...remote }));
  if (has.crds) docs.push(kustomization("crds", { prune: false, wait: true, ...remote }));
  const first = [...(has.namespaces ? ["namespaces"] : []), ...(has.crds ? ["crds"] : [])];
  docs.push(kustomization("releases", { wait: true, timeout: "30m", ...after(...first) }));
  if (has.others) docs.push(kustomization("objects", { ...after("releases"), ...remote }));
  return docs;
}

/**
 * One cluster's Flux files: `sync.yaml` (the Kustomizations, applied by Flux from the folder
 * above or once by hand), `namespaces/` (the plan's namespaces with their labels), `releases/`
 * (chart sources and one HelmRelease per release, in Flux's namespace, named `<mesh>-<release>`),
 * `crds/` (the Gateway API CRDs, where the plan installs them) and `objects/` (the plan's other
 * objects, after every release is ready).
 */
export function fluxFiles(c: GitopsCluster, o: GitopsOptions): GitopsFile[] {
  const base = posix.join(o.path, c.folder);
  const top = header(c.plan, c.file, "flux");
  const sources = chartSources(c.plan);
  const others = otherObjects(c.plan, KEEP);
  const releaseFiles = c.plan.releases.map((r) => `${r.name}.yaml`);
  const namespaces = plannedNamespaces(c.plan);
  const crds = gatewayApiCrdDocs(c, KEEP);
  const files: GitopsFile[] = [
    {
      path: posix.join(c.folder, "sync.yaml"),
      header: [
        ...top,
        `Flux applies namespaces/${crds.length > 0 ? " and crds/" : ""}, then releases/ (and waits for every HelmRelease), then objects/.`,
        "Not expressed here:",
        ...notExpressed(c.plan),
      ],
      docs: kustomizations(c, base, o, {
        namespaces: namespaces.length > 0,
        crds: crds.length > 0,
        others: others.length > 0,
      }),
    },
    kustomize(c.folder, "", ["sync.yaml"]),
    kustomize(c.folder, "releases", ["sources.yaml", ...releaseFiles]),
    { path: posix.join(c.folder, "releases", "sources.yaml"), header: top, docs: sources.docs },
  ];
  if (namespaces.length > 0) {
    files.push(kustomize(c.folder, "namespaces", ["namespaces.yaml"]));
    files.push({
      path: posix.join(c.folder, "namespaces", "namespaces.yaml"),
      header: top,
      docs: namespaces,
    });
  }
  if (crds.length > 0) {
    files.push(kustomize(c.folder, "crds", ["gateway-api.yaml"]));
    files.push({ path: posix.join(c.folder, "crds", "gateway-api.yaml"), header: top, docs: crds });
  }
  for (const r of c.plan.releases)
    files.push({
      path: posix.join(c.folder, "releases", `${r.name}.yaml`),
      header: top,
      docs: [helmRelease(c, r, sources.ref.get(r.name) ?? {})],
    });
  if (others.length > 0) {
    files.push(kustomize(c.folder, "objects", ["objects.yaml"]));
    files.push({ path: posix.join(c.folder, "objects", "objects.yaml"), header: top, docs: others });
  }
  return files;
}

/** A kustomize `kustomization.yaml`, so Flux applies exactly the listed files of a folder. */
function kustomize(folder: string, sub: string, resources: string[]): GitopsFile {
  return {
    path: posix.join(folder, sub, "kustomization.yaml"),
    header: [],
    docs: [{ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources }],
  };
}
