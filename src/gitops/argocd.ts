import { posix } from "node:path";
import { UsageError } from "../errors.js";
import type { InstallPlan, PlannedRelease } from "../istio/types.js";
import { argoIgnoreDifferences, ignoreRules } from "./ignore.js";
import { header, notExpressed } from "./notes.js";
import { gatewayApiCrdDocs, otherObjects, releaseValues } from "./objects.js";
import { argoChartSource } from "./sources.js";
import {
  type Destination,
  type GitopsCluster,
  type GitopsFile,
  type GitopsOptions,
  managedBy,
} from "./types.js";
import { objectsWave, releaseWaves } from "./waves.js";

const API = "argoproj.io/v1alpha1";
/** The namespace Argo CD watches for Applications (its default install). */
export const ARGOCD_NAMESPACE = "argocd";
const IN_CLUSTER: Destination = { kind: "server", server: "https://kubernetes.default.svc" };
/** Never delete or prune a namespace planton only labels. */
const KEEP = { annotations: { "argocd.argoproj.io/sync-options": "Prune=false,Delete=false" } };

function destination(d: Destination | undefined, namespace: string): Record<string, string> {
  const where = d ?? IN_CLUSTER;
  return where.kind === "server" ? { server: where.server, namespace } : { name: where.name, namespace };
}

function application(
  name: string,
  wave: number,
  spec: Record<string, unknown>,
  plan: InstallPlan,
): Record<string, unknown> {
  return {
    apiVersion: API,
    kind: "Application",
    metadata: {
      name,
      namespace: ARGOCD_NAMESPACE,
      labels: { ...managedBy, "app.kubernetes.io/part-of": plan.mesh.name },
      annotations: { "argocd.argoproj.io/sync-wave": String(wave) },
      finalizers: ["resources-finalizer.argocd.argoproj.io"],
    },
    spec,
  };
}

/**
 * One release as an Application: the chart at the plan's version, the values inline, the
 * namespace created with the plan's labels when the plan creates it, server-side apply for the
 * base chart (its CRDs are too large for client-side apply's annotation), and the ignore rules
 * for what istiod changes at run time, respected by self-heal too.
 */
function releaseApplication(c: GitopsCluster, r: PlannedRelease, wave: number, o: GitopsOptions) {
  const ns = c.plan.namespaces.find((n) => n.name === r.namespace);
  const rules = ignoreRules(r.component);
  const syncOptions = [
    ...(ns === undefined ? [] : ["CreateNamespace=true"]),
    ...(r.component === "base" ? ["ServerSideApply=true"] : []),
    ...(rules.length === 0 ? [] : ["RespectIgnoreDifferences=true"]),
  ];
  const syncPolicy: Record<string, unknown> = { automated: { prune: true, selfHeal: true }, syncOptions };
  if (ns !== undefined)
    syncPolicy.managedNamespaceMetadata = {
      labels: ns.labels,
      ...(ns.annotations === undefined ? {} : { annotations: ns.annotations }),
    };
  const spec: Record<string, unknown> = {
    project: o.project,
    destination: destination(c.destination, r.namespace),
    source: {
      ...argoChartSource(r),
      targetRevision: r.version,
      helm: { releaseName: r.name, valuesObject: releaseValues(c.plan, r) },
    },
    syncPolicy,
  };
  if (rules.length > 0) spec.ignoreDifferences = argoIgnoreDifferences(rules);
  return application(`${c.plan.mesh.name}-${r.name}`, wave, spec, c.plan);
}

/**
 * An Application syncing one directory of the repository, server-side (CRDs are too large for
 * client-side apply's annotation): the plan's other objects (last wave) or the Gateway API CRDs
 * (the wave before every release, as planton applies them before istiod).
 */
function folderApplication(c: GitopsCluster, suffix: string, dir: string, wave: number, o: GitopsOptions) {
  return application(
    `${c.plan.mesh.name}-${suffix}`,
    wave,
    {
      project: o.project,
      destination: destination(c.destination, c.plan.mesh.namespace),
      source: { repoURL: o.repoUrl, path: dir, targetRevision: "HEAD" },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["ServerSideApply=true"] },
    },
    c.plan,
  );
}

/** The app of apps: Argo CD's own cluster, reading the `apps` folder. */
function rootApplication(c: GitopsCluster, dir: string, o: GitopsOptions) {
  const spec = {
    project: o.project,
    destination: destination(IN_CLUSTER, ARGOCD_NAMESPACE),
    source: { repoURL: o.repoUrl, path: dir, targetRevision: "HEAD" },
    syncPolicy: { automated: { prune: true, selfHeal: true } },
  };
  return application(`${c.plan.mesh.name}-apps`, 0, spec, c.plan);
}

/**
 * One cluster's Argo CD files: `root.yaml` (the app of apps, applied once by hand),
 * `apps/<release>.yaml` per release in sync waves of the install order, `apps/objects.yaml`
 * (last wave) and `objects/objects.yaml`, the plan's other objects, and where the plan installs
 * them `apps/gateway-api-crds.yaml` (wave -1) and `crds/gateway-api.yaml`, the Gateway API CRDs.
 */
export function argocdFiles(c: GitopsCluster, o: GitopsOptions): GitopsFile[] {
  if (o.repoUrl === undefined)
    throw new UsageError(
      "--format argocd needs --repo-url: the Git repository Argo CD reads the output directory from",
      "e.g. --repo-url https://github.com/example/platform.git --path clusters/prod/istio",
    );
  const base = posix.join(o.path, c.folder);
  const top = header(c.plan, c.file, "argocd");
  const waves = releaseWaves(c.plan.releases);
  const files: GitopsFile[] = [
    {
      path: posix.join(c.folder, "root.yaml"),
      header: [
        ...top,
        "Apply this file once (kubectl apply -n argocd -f root.yaml); Argo CD then syncs apps/ in sync-wave order.",
        "Argo CD waits for each wave's Applications to be healthy only with the Application health check",
        "(resource.customizations.health.argoproj.io_Application in argocd-cm).",
        "Not expressed here:",
        ...notExpressed(c.plan),
      ],
      docs: [rootApplication(c, posix.join(base, "apps"), o)],
    },
  ];
  for (const r of c.plan.releases)
    files.push({
      path: posix.join(c.folder, "apps", `${r.name}.yaml`),
      header: top,
      docs: [releaseApplication(c, r, waves.get(r.name) ?? 0, o)],
    });
  // [Application suffix, folder, file, objects, wave]
  const folders: [string, string, string, Record<string, unknown>[], number][] = [
    ["gateway-api-crds", "crds", "gateway-api.yaml", gatewayApiCrdDocs(c, KEEP), -1],
    ["objects", "objects", "objects.yaml", otherObjects(c.plan, KEEP), objectsWave(waves)],
  ];
  for (const [name, folder, file, docs, wave] of folders) {
    if (docs.length === 0) continue;
    const app = folderApplication(c, name, posix.join(base, folder), wave, o);
    files.push({ path: posix.join(c.folder, "apps", `${name}.yaml`), header: top, docs: [app] });
    files.push({ path: posix.join(c.folder, folder, file), header: top, docs });
  }
  return files;
}
