/**
 * What the adoption suites (adopt.test.ts, adopt-istioctl.test.ts) check on the live mesh: every
 * object's UID and spec generation before and after, and the writes the audit log saw.
 */
import assert from "node:assert/strict";
import type { Body, ClusterApi as Cluster } from "./mesh-helpers.js";

/** What the live objects are listed by: namespaced kinds, then cluster-wide ones. */
const kinds = [
  "/apis/apps/v1/namespaces/NS/deployments",
  "/api/v1/namespaces/NS/services",
  "/api/v1/namespaces/NS/configmaps",
  "/api/v1/namespaces/NS/serviceaccounts",
  "/api/v1/namespaces/NS/pods",
];
export const clusterKinds = [
  "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
  "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
];

export type LiveObjects = Map<string, { uid: string; generation?: number; spec: string }>;

/** What an object is asked to be: a workload's or Service's spec, a webhook configuration's webhooks. */
const specOf = (o: Body): string => JSON.stringify(o.spec ?? o.webhooks ?? null);

/** Every live object of the mesh in `namespaces`: `path/name` → its UID and generation (the spec's version). */
export async function liveObjects(cluster: Cluster, namespaces: string[]): Promise<LiveObjects> {
  const out: LiveObjects = new Map();
  const paths = [...namespaces.flatMap((ns) => kinds.map((k) => k.replace("NS", ns))), ...clusterKinds];
  for (const p of paths) {
    const r = await cluster.request("GET", p);
    assert.equal(r.status, 200, `GET ${p}: ${JSON.stringify(r.body)}`);
    for (const o of r.body.items as Body[])
      if (o.metadata.labels?.owner !== "helm")
        out.set(`${p}/${o.metadata.name}`, {
          uid: o.metadata.uid,
          generation: o.metadata.generation,
          spec: specOf(o),
        });
  }
  return out;
}

/**
 * Every object seen before is still there with its UID, its spec and its generation, and no Pod
 * was added. `ignoreGeneration`: a Deployment's generation also counts annotation changes (its
 * ReplicaSets copy them), which a hand-over's ownership annotations are; the spec is compared
 * anyway. `specChanged`: objects whose spec the caller expects to change (and checks apart).
 */
export function assertUntouched(
  before: LiveObjects,
  afterwards: LiveObjects,
  opts: { ignoreGeneration?: boolean; specChanged?: string[] } = {},
): void {
  for (const [k, v] of before) {
    const now = afterwards.get(k);
    assert.ok(now !== undefined, `${k} is gone`);
    assert.equal(now.uid, v.uid, `${k} was recreated`);
    if (k.includes("/pods/") || opts.specChanged?.includes(k)) continue;
    assert.equal(now.spec, v.spec, `${k}'s spec changed`);
    if (!opts.ignoreGeneration) assert.equal(now.generation, v.generation, `${k}'s generation changed`);
  }
  const added = [...afterwards.keys()].filter((k) => !before.has(k));
  assert.deepEqual(
    added.filter((k) => k.includes("/pods/")),
    [],
    "no new Pod",
  );
}
