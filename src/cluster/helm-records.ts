import { gunzipSync } from "node:zlib";
import * as k8s from "@kubernetes/client-node";
import { isNotFound, kubeCall } from "./api.js";
import type { InterruptedRelease } from "../istio/types.js";
import type { ResolvedCluster } from "./kubeconfig.js";

/**
 * The release a Helm storage Secret's `release` key holds: JSON, gzipped (by Helm 3; records of
 * older writers are not), base64-encoded by Helm and again by the Secret, as the API returns it.
 * Throws on a payload that is not one.
 */
export function decodeHelmPayload(payload: string): unknown {
  let raw = Buffer.from(Buffer.from(payload, "base64").toString("latin1"), "base64");
  if (raw[0] === 0x1f && raw[1] === 0x8b) raw = gunzipSync(raw);
  return JSON.parse(raw.toString("utf8"));
}

/** Helm's storage records (Secrets `sh.helm.release.v1.<name>.v<n>`) of one release. */
async function records(cluster: ResolvedCluster, name: string, namespace: string) {
  const core = cluster.config.makeApiClient(k8s.CoreV1Api);
  const list = await kubeCall(
    `listing the Helm records of release ${namespace}/${name}`,
    () => core.listNamespacedSecret({ namespace, labelSelector: `owner=helm,name=${name}` }),
    { context: cluster.context },
  );
  return { core, items: list.items };
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
  const done: string[] = [];
  for (const r of releases) {
    const { core, items } = await records(cluster, r.name, r.namespace);
    for (const s of items) {
      const status = s.metadata?.labels?.status ?? "";
      const name = s.metadata?.name;
      if (name === undefined) continue;
      if (r.operation !== "creating" && !status.startsWith("pending-")) continue;
      await kubeCall("removing a Helm record", () =>
        core.deleteNamespacedSecret({ name, namespace: r.namespace }),
      ).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
      done.push(
        `removed the record ${r.namespace}/${name} (${status}) of the interrupted ${r.operation === "creating" ? "install" : "upgrade"} of ${r.name}`,
      );
    }
  }
  return done;
}

/** When a release was first installed, as far as its remaining Helm records tell. */
export async function firstRecordTime(
  cluster: ResolvedCluster,
  name: string,
  namespace: string,
): Promise<Date | undefined> {
  const { items } = await records(cluster, name, namespace);
  const times = items
    .map((s) => s.metadata?.creationTimestamp)
    .filter((t): t is Date => t instanceof Date)
    .map((t) => t.getTime());
  return times.length > 0 ? new Date(Math.min(...times)) : undefined;
}

/**
 * Of Helm's storage records (Secrets labelled `owner=helm`, `name`, `version`), the newest of each
 * release by its Helm revision; records of other owners are left out.
 */
export function newestRecordPerRelease<
  T extends { metadata?: { namespace?: string; labels?: Record<string, string> } },
>(secrets: T[]): T[] {
  const newest = new Map<string, { revision: number; secret: T }>();
  for (const s of secrets) {
    const labels = s.metadata?.labels ?? {};
    if (labels.owner !== "helm" || labels.name === undefined) continue;
    const key = `${s.metadata?.namespace ?? ""}/${labels.name}`;
    const revision = Number(labels.version ?? 0) || 0;
    const seen = newest.get(key);
    if (seen === undefined || revision > seen.revision) newest.set(key, { revision, secret: s });
  }
  return [...newest.values()].map((n) => n.secret);
}
