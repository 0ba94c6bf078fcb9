/**
 * The two-cluster mesh of the traffic suites (traffic.test.ts, traffic-calls.netns.ts): two
 * harness clusters `east` and `west` with webhooks on, each with a real istiod per istiod
 * Deployment (watchIstiods plays the kubelet), and the chart fixtures served on 127.0.0.1.
 */
import { chartsDir, serveFolder } from "../fidelity/helm.js";
import { e2eBin } from "../helpers/e2e-suite.js";
import type { Cluster, Istiod } from "./mesh-helpers.js";
// @ts-expect-error: plain JavaScript harness
import { startCluster, stopCluster } from "./cluster/harness.mjs";
// @ts-expect-error: plain JavaScript harness
import { watchIstiods } from "./cluster/istiod.mjs";

export type Name = "east" | "west";
export interface Istiods {
  ready: (revision?: string, timeoutMs?: number) => Promise<Istiod>;
  stop: () => Promise<void>;
}
export interface TwoClusters {
  clusters: Record<Name, Cluster>;
  istiods: Record<Name, Istiods>;
  /** The chart repository's URL. */
  charts: string;
  /** Seconds the clusters took to start. */
  seconds: number;
  stop: () => Promise<void>;
}

/** A real istiod per istiod Deployment of `cluster` (again after a stop: a restart), logging as `name`. */
export function watchIstiodsOf(cluster: Cluster, name: Name): Istiods {
  return watchIstiods(cluster, { binDir: e2eBin, log: (m: string) => console.log(`[istiod ${name}] ${m}`) });
}

/**
 * Starts both clusters side by side. `podSubnets` gives each its own pod range (harness
 * `podSubnetBase`), where both clusters' pods share one network namespace's addresses.
 */
export async function startTwoClusters(podSubnets?: Record<Name, number>): Promise<TwoClusters> {
  const served = await serveFolder(chartsDir);
  const t = Date.now();
  const keepDir = process.env.PLANTON_E2E_KEEP === "1";
  const start = (name: Name) =>
    startCluster({
      binDir: e2eBin,
      nodes: 1,
      webhooks: true,
      keepDir,
      ...(podSubnets === undefined ? {} : { podSubnetBase: podSubnets[name] }),
    }) as Promise<Cluster>;
  const [east, west] = await Promise.all([start("east"), start("west")]);
  const clusters = { east, west };
  const watch = (name: Name): Istiods =>
    watchIstiods(clusters[name], {
      binDir: e2eBin,
      log: (m: string) => console.log(`[istiod ${name}] ${m}`),
    });
  const istiods = { east: watch("east"), west: watch("west") };
  return {
    clusters,
    istiods,
    charts: served.url,
    seconds: (Date.now() - t) / 1000,
    // the watchers of `istiods` at the time of the stop: a suite may replace one (a restart)
    stop: async () => {
      await Promise.all(Object.values(istiods).map((i) => i.stop()));
      await Promise.all(Object.values(clusters).map((c) => stopCluster(c)));
      await served.close();
    },
  };
}

export const otherCluster = (name: Name): Name => (name === "east" ? "west" : "east");

/**
 * The lines of one cluster's multi-primary manifest spec (for writeManifest): minimal profile,
 * its plug-in CA from `./cacerts-<name>`, the trust domain, namespace `app` created, the mesh
 * identity and the other cluster as its remote; `extra` lines are appended.
 */
export function multiPrimarySpec(
  clusters: Record<Name, Cluster>,
  name: Name,
  o: { network: string; trustDomain: string; extra?: string[] },
): string[] {
  const other = otherCluster(name);
  return [
    "profile: minimal",
    "targetCluster:",
    `  kubeconfig: ${clusters[name].kubeconfigPath}`,
    "ca:",
    "  type: PLUGIN",
    "  plugin:",
    `    directory: ./cacerts-${name}`,
    "meshConfig:",
    `  trustDomain: ${o.trustDomain}`,
    "namespaces:",
    "  - name: app",
    "    create: true",
    "multiCluster:",
    "  meshId: mesh1",
    `  clusterName: ${name}`,
    `  network: ${o.network}`,
    "  remotes:",
    `    - clusterName: ${other}`,
    `      kubeconfig: ${clusters[other].kubeconfigPath}`,
    ...(o.extra ?? []),
  ];
}
