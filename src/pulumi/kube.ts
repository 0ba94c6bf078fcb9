import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { DeployError } from "../errors.js";
import type { InstallPlan } from "../istio/types.js";
import { compareVersions, minimumKubernetesFor } from "../istio/versions.js";

/** A kubeconfig resolved to a file, its contents and one context. */
export interface ResolvedCluster {
  kubeconfigPath: string;
  kubeconfig: string;
  context: string;
  config: k8s.KubeConfig;
}

/** Inputs that pick the cluster: flags override the manifest, which overrides the environment. */
export interface ClusterSelection {
  kubeconfigFlag?: string | undefined;
  contextFlag?: string | undefined;
  manifestKubeconfig: string;
  manifestContext: string;
  /** Project Planton's `target_cluster.cluster_name`, read as a context name. */
  manifestClusterName: string;
}

const expandHome = (p: string) => (p.startsWith("~/") ? join(homedir(), p.slice(2)) : p);

/**
 * Resolves the kubeconfig file and context: `--kubeconfig` > `spec.targetCluster.kubeconfig` >
 * $KUBECONFIG (first existing entry) > ~/.kube/config; `--context` > `targetCluster.context` >
 * `clusterName` > the file's current context. A context that does not exist is an error that
 * lists those that do.
 */
export function resolveCluster(sel: ClusterSelection, env: NodeJS.ProcessEnv): ResolvedCluster {
  const candidates = [
    sel.kubeconfigFlag,
    sel.manifestKubeconfig || undefined,
    ...(env.KUBECONFIG ?? "").split(delimiter).filter((x) => x !== ""),
    join(homedir(), ".kube", "config"),
  ]
    .filter((x): x is string => x !== undefined)
    .map(expandHome);
  const explicit = sel.kubeconfigFlag ?? (sel.manifestKubeconfig || undefined);
  const path = explicit !== undefined ? expandHome(explicit) : candidates.find((p) => existsSync(p));
  if (path === undefined || !existsSync(path)) {
    throw new DeployError(
      `no kubeconfig found${path ? ` at ${path}` : ""}`,
      "pass --kubeconfig, set spec.targetCluster.kubeconfig or $KUBECONFIG, or create ~/.kube/config",
    );
  }
  const config = new k8s.KubeConfig();
  let contents: string;
  try {
    contents = readFileSync(path, "utf8");
    config.loadFromString(contents);
  } catch (err) {
    throw new DeployError(
      `cannot read kubeconfig ${path}: ${(err as Error).message.split("\n")[0]}`,
      "check that the file is a valid kubeconfig",
      err,
    );
  }
  const wanted =
    sel.contextFlag ?? (sel.manifestContext || sel.manifestClusterName || config.getCurrentContext());
  const names = config.getContexts().map((c) => c.name);
  if (!wanted || !names.includes(wanted)) {
    throw new DeployError(
      wanted
        ? `kubeconfig ${path} has no context named "${wanted}"`
        : `kubeconfig ${path} has no current context`,
      names.length > 0
        ? `use one of: ${names.join(", ")} (with --context or spec.targetCluster.context)`
        : "the kubeconfig has no contexts",
    );
  }
  config.setCurrentContext(wanted);
  return { kubeconfigPath: path, kubeconfig: contents, context: wanted, config };
}

async function withTimeout<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<T>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000}s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function describeError(err: unknown): string {
  const e = err as { code?: number; body?: unknown; message?: string; cause?: { code?: string } };
  return e.cause?.code ?? e.message?.split("\n")[0] ?? String(err);
}

/** A finding of the pre-flight check. */
export interface PrecheckResult {
  kubernetesVersion: string;
  /** istiod Deployments in the cluster that this stack does not manage. */
  foreignControlPlanes: string[];
}

/**
 * Before apply: the cluster answers, its Kubernetes version is at least the minimum for the
 * planned Istio version, and any Istio control plane already there belongs to this stack.
 */
export async function precheck(
  cluster: ResolvedCluster,
  plan: InstallPlan,
  managedReleases: string[],
  timeoutMs = 15000,
): Promise<PrecheckResult> {
  let version: k8s.VersionInfo;
  try {
    version = await withTimeout(
      "the Kubernetes API",
      timeoutMs,
      cluster.config.makeApiClient(k8s.VersionApi).getCode(),
    );
  } catch (err) {
    throw new DeployError(
      `cannot reach the cluster of context "${cluster.context}" (${cluster.config.getCurrentCluster()?.server ?? "no server"}): ${describeError(err)}`,
      `check that the cluster is running and that kubeconfig ${cluster.kubeconfigPath} is current`,
      err,
    );
  }
  const major = version.major.replace(/\D/g, "");
  const minor = version.minor.replace(/\D/g, "");
  const kubernetesVersion = `${major}.${minor}`;
  const needed = minimumKubernetesFor(plan.mesh.version);
  if (compareVersions(`${kubernetesVersion}.0`, `${needed}.0`) < 0) {
    throw new DeployError(
      `Kubernetes ${version.gitVersion} is older than ${needed}, the minimum for Istio ${plan.mesh.version}`,
      `upgrade the cluster, or install an older Istio (spec.version)`,
    );
  }
  const apps = cluster.config.makeApiClient(k8s.AppsV1Api);
  const list = await withTimeout(
    "listing Deployments",
    timeoutMs,
    apps.listDeploymentForAllNamespaces({ labelSelector: "app=istiod" }),
  );
  const mine = new Set(managedReleases);
  const foreignControlPlanes = list.items
    .filter((d) => {
      const release = d.metadata?.annotations?.["meta.helm.sh/release-name"];
      return !(release !== undefined && mine.has(release) && d.metadata?.namespace === plan.mesh.namespace);
    })
    .map((d) => {
      const release = d.metadata?.annotations?.["meta.helm.sh/release-name"];
      return `${d.metadata?.namespace}/${d.metadata?.name} (${release ? `Helm release ${release}` : "not installed by Helm"})`;
    });
  return { kubernetesVersion, foreignControlPlanes };
}

/** Reads the external addresses of LoadBalancer gateway Services (empty while pending). */
export async function gatewayAddresses(
  cluster: ResolvedCluster,
  plan: InstallPlan,
): Promise<Record<string, string[]>> {
  const core = cluster.config.makeApiClient(k8s.CoreV1Api);
  const out: Record<string, string[]> = {};
  for (const g of plan.mesh.gateways) {
    try {
      const svc = await withTimeout(
        "reading a Service",
        5000,
        core.readNamespacedService({ name: g.name, namespace: g.namespace }),
      );
      out[g.name] = (svc.status?.loadBalancer?.ingress ?? [])
        .map((i) => i.ip ?? i.hostname ?? "")
        .filter((x) => x !== "");
    } catch {
      out[g.name] = [];
    }
  }
  return out;
}

/** Waits until each named Deployment has all its replicas available, or the deadline passes. */
export async function waitForDeployments(
  cluster: ResolvedCluster,
  targets: { name: string; namespace: string }[],
  timeoutMs: number,
  onWait?: (name: string) => void,
): Promise<string[]> {
  const apps = cluster.config.makeApiClient(k8s.AppsV1Api);
  const deadline = Date.now() + timeoutMs;
  const notReady: string[] = [];
  for (const t of targets) {
    onWait?.(t.name);
    for (;;) {
      const d = await apps
        .readNamespacedDeployment({ name: t.name, namespace: t.namespace })
        .catch(() => undefined);
      const want = d?.spec?.replicas ?? 1;
      if (
        d !== undefined &&
        (d.status?.availableReplicas ?? 0) >= want &&
        (d.status?.updatedReplicas ?? 0) >= want
      )
        break;
      if (Date.now() > deadline) {
        notReady.push(`${t.namespace}/${t.name}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  return notReady;
}

/**
 * After the releases are gone: removes what istiod (or istioctl) created at run time and Helm
 * does not own, as the plan lists it, and with `purgeCrds` Istio's CRDs. Returns what was removed.
 */
export async function cleanupLeftovers(
  cluster: ResolvedCluster,
  plan: InstallPlan,
  purgeCrds: boolean,
): Promise<string[]> {
  const removed: string[] = [];
  const adm = cluster.config.makeApiClient(k8s.AdmissionregistrationV1Api);
  const core = cluster.config.makeApiClient(k8s.CoreV1Api);
  const helmOwned = (m: k8s.V1ObjectMeta | undefined) =>
    m?.labels?.["app.kubernetes.io/managed-by"] === "Helm";
  const ignoreMissing = (err: unknown) => {
    if ((err as { code?: number }).code !== 404) throw err;
  };
  for (const selector of plan.cleanup.webhookSelectors) {
    for (const w of (await adm.listMutatingWebhookConfiguration({ labelSelector: selector })).items) {
      if (helmOwned(w.metadata) || w.metadata?.name === undefined) continue;
      await adm.deleteMutatingWebhookConfiguration({ name: w.metadata.name }).catch(ignoreMissing);
      removed.push(`MutatingWebhookConfiguration/${w.metadata.name}`);
    }
    for (const w of (await adm.listValidatingWebhookConfiguration({ labelSelector: selector })).items) {
      if (helmOwned(w.metadata) || w.metadata?.name === undefined) continue;
      await adm.deleteValidatingWebhookConfiguration({ name: w.metadata.name }).catch(ignoreMissing);
      removed.push(`ValidatingWebhookConfiguration/${w.metadata.name}`);
    }
  }
  for (const name of plan.cleanup.configMapsInAllNamespaces) {
    for (const cm of (await core.listConfigMapForAllNamespaces({ fieldSelector: `metadata.name=${name}` }))
      .items) {
      const ns = cm.metadata?.namespace;
      if (ns === undefined) continue;
      await core.deleteNamespacedConfigMap({ name, namespace: ns }).catch(ignoreMissing);
      removed.push(`ConfigMap/${ns}/${name}`);
    }
  }
  const ns = plan.mesh.namespace;
  for (const o of plan.cleanup.controlPlaneObjects) {
    const del =
      o.kind === "Secret"
        ? core.deleteNamespacedSecret({ name: o.name, namespace: ns })
        : o.kind === "ConfigMap"
          ? core.deleteNamespacedConfigMap({ name: o.name, namespace: ns })
          : undefined;
    if (del === undefined) continue;
    if (await del.then(() => true).catch(() => false)) removed.push(`${o.kind}/${ns}/${o.name}`);
  }
  if (purgeCrds) {
    const ext = cluster.config.makeApiClient(k8s.ApiextensionsV1Api);
    for (const crd of (await ext.listCustomResourceDefinition()).items) {
      const group = crd.spec.group;
      if (
        !plan.cleanup.crdGroups.some((g) => group === g || group.endsWith(`.${g}`)) ||
        crd.metadata?.name === undefined
      )
        continue;
      await ext.deleteCustomResourceDefinition({ name: crd.metadata.name }).catch(ignoreMissing);
      removed.push(`CustomResourceDefinition/${crd.metadata.name}`);
    }
  }
  return removed;
}

/** A Helm release that the engine was installing or upgrading when its process was killed. */
export interface InterruptedRelease {
  name: string;
  namespace: string;
  /** `creating`: Pulumi never recorded the release; `updating`: an upgrade was cut off. */
  operation: string;
}

/**
 * Repairs Helm releases left half-done by a killed engine, so the next apply can proceed:
 * Helm refuses to install a release whose record exists ("cannot re-use a name") and to upgrade
 * one stuck in a pending state. For an interrupted install every record of the release goes
 * (Pulumi never recorded it; the new install adopts the objects, which carry this release's
 * name); for an interrupted upgrade only the pending revision goes, so the last deployed one is
 * current again. Objects are never deleted. Returns what was done.
 */
export async function repairInterruptedReleases(
  cluster: ResolvedCluster,
  releases: InterruptedRelease[],
): Promise<string[]> {
  const core = cluster.config.makeApiClient(k8s.CoreV1Api);
  const done: string[] = [];
  for (const r of releases) {
    const records = await core.listNamespacedSecret({
      namespace: r.namespace,
      labelSelector: `owner=helm,name=${r.name}`,
    });
    for (const s of records.items) {
      const status = s.metadata?.labels?.status ?? "";
      const name = s.metadata?.name;
      if (name === undefined) continue;
      if (r.operation !== "creating" && !status.startsWith("pending-")) continue;
      await core.deleteNamespacedSecret({ name, namespace: r.namespace }).catch(() => undefined);
      done.push(
        `removed the record ${r.namespace}/${name} (${status}) of the interrupted ${r.operation === "creating" ? "install" : "upgrade"} of ${r.name}`,
      );
    }
  }
  return done;
}
