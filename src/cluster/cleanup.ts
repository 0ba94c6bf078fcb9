import * as k8s from "@kubernetes/client-node";
import type { PlannedCleanup } from "../istio/types.js";
import { isNotFound, kubeCall } from "./api.js";
import { firstRecordTime } from "./helm-records.js";
import type { ResolvedCluster } from "./kubeconfig.js";
import type { ControlPlane } from "./precheck.js";

/**
 * What proves that an object istiod created at run time is this stack's. Gathered before the
 * releases are removed (their records and Deployments are the evidence).
 */
export interface OwnershipEvidence {
  /** The control plane's namespace, as the stack recorded it. */
  namespace: string;
  /** The stack's istiod releases (each also names its Service: `istiod`, `istiod-<rev>`). */
  istiodReleases: string[];
  /** The stack's base release, which owns Istio's CRDs. */
  baseRelease?: string;
  /** When the first of the stack's istiod releases was installed; undefined: none found. */
  since?: Date;
  /** Root certificates (PEM) that the stack's istiod published. */
  roots: string[];
  /** Control planes in the cluster that are not the stack's. */
  foreign: ControlPlane[];
  /** Roots the foreign control planes published (a shared root proves nothing). */
  foreignRoots: string[];
}

/** What `destroy` removed, and what it left because it could not prove the object its own. */
export interface CleanupResult {
  removed: string[];
  kept: { object: string; reason: string }[];
}

const created = (m: k8s.V1ObjectMeta | undefined) =>
  m?.creationTimestamp instanceof Date ? m.creationTimestamp.getTime() : Number.NaN;

const tolerate404 = (err: unknown) => {
  if (!isNotFound(err)) throw err;
};

async function readRoot(core: k8s.CoreV1Api, namespace: string): Promise<string | undefined> {
  const cm = await kubeCall("reading istio-ca-root-cert", () =>
    core.readNamespacedConfigMap({ name: "istio-ca-root-cert", namespace }),
  ).catch((err: unknown) => {
    tolerate404(err);
    return undefined;
  });
  return cm?.data?.["root-cert.pem"]?.trim();
}

/**
 * Collects the evidence: when the stack's istiod was first installed (its oldest Helm record or
 * Deployment), the roots its istiod published, and those of every foreign control plane.
 */
export async function gatherEvidence(
  cluster: ResolvedCluster,
  own: { namespace: string; istiodReleases: string[]; baseRelease?: string },
  foreign: ControlPlane[],
): Promise<OwnershipEvidence> {
  const core = cluster.config.makeApiClient(k8s.CoreV1Api);
  const apps = cluster.config.makeApiClient(k8s.AppsV1Api);
  const times: number[] = [];
  for (const release of own.istiodReleases) {
    const t = await firstRecordTime(cluster, release, own.namespace);
    if (t !== undefined) times.push(t.getTime());
    const d = await kubeCall("reading istiod", () =>
      apps.readNamespacedDeployment({ name: release, namespace: own.namespace }),
    ).catch((err: unknown) => {
      tolerate404(err);
      return undefined;
    });
    if (d?.metadata?.annotations?.["meta.helm.sh/release-name"] === release) times.push(created(d.metadata));
  }
  const valid = times.filter((t) => Number.isFinite(t));
  const roots: string[] = [];
  if (own.istiodReleases.length > 0 && !foreign.some((f) => f.namespace === own.namespace)) {
    const root = await readRoot(core, own.namespace);
    if (root) roots.push(root);
  }
  const foreignRoots: string[] = [];
  for (const ns of new Set(foreign.map((f) => f.namespace))) {
    const root = await readRoot(core, ns);
    if (root) foreignRoots.push(root);
  }
  return {
    namespace: own.namespace,
    istiodReleases: own.istiodReleases,
    ...(own.baseRelease === undefined ? {} : { baseRelease: own.baseRelease }),
    ...(valid.length > 0 ? { since: new Date(Math.min(...valid) - 1000) } : {}),
    roots,
    foreign,
    foreignRoots,
  };
}

/** Why an object cannot be proven the stack's, or undefined when it can. */
function notProven(e: OwnershipEvidence, meta: k8s.V1ObjectMeta | undefined): string | undefined {
  if (e.since === undefined) return "the stack installed no istiod that could have created it";
  const t = created(meta);
  if (!Number.isFinite(t) || t < e.since.getTime()) return "it is older than the stack's istiod";
  return undefined;
}

/** A webhook is the stack's when every hook calls one of the stack's istiod Services. */
function callsOwnIstiod(
  e: OwnershipEvidence,
  hooks: { clientConfig: k8s.AdmissionregistrationV1WebhookClientConfig }[] | undefined,
): boolean {
  const list = hooks ?? [];
  return (
    list.length > 0 &&
    list.every(
      (h) =>
        h.clientConfig.service?.namespace === e.namespace &&
        e.istiodReleases.includes(h.clientConfig.service.name),
    )
  );
}

/**
 * After the releases are gone: removes what the stack's istiod (or `istioctl tag`) created at
 * run time and Helm does not own, each only when the evidence proves it the stack's:
 * - webhook configurations outside Helm whose every hook calls the stack's istiod Service in
 *   the stack's namespace, created after the stack's istiod;
 * - `istio-ca-root-cert` ConfigMaps holding the root the stack's istiod published (and no
 *   foreign control plane publishes), created after it;
 * - istiod's own objects in the stack's namespace (its CA Secret, leader-election ConfigMaps),
 *   created after it, when no foreign istiod shares that namespace;
 * - with `purgeCrds`, Istio's CRDs installed by the stack's base release, and only when no
 *   foreign control plane is left to need them.
 * Everything it leaves is listed with the reason.
 */
export async function cleanupLeftovers(
  cluster: ResolvedCluster,
  e: OwnershipEvidence,
  plan: PlannedCleanup,
  purgeCrds: boolean,
): Promise<CleanupResult> {
  const result: CleanupResult = { removed: [], kept: [] };
  if (e.istiodReleases.length === 0 && e.baseRelease === undefined) return result;
  const c: Cleanup = {
    cluster,
    e,
    plan,
    adm: cluster.config.makeApiClient(k8s.AdmissionregistrationV1Api),
    core: cluster.config.makeApiClient(k8s.CoreV1Api),
    keep: (object, reason) => result.kept.push({ object, reason }),
    remove: async (object, del) => {
      await kubeCall(`deleting ${object}`, del, { context: cluster.context }).catch(tolerate404);
      result.removed.push(object);
    },
    helmOwned: (m) => m?.labels?.["app.kubernetes.io/managed-by"] === "Helm",
  };
  await cleanupWebhooks(c);
  await cleanupRootConfigMaps(c);
  await cleanupControlPlaneObjects(c);
  if (purgeCrds) await purgeIstioCrds(c);
  return result;
}

/** What each cleanup step works with: the evidence, the plan, the API clients and how to keep or remove. */
interface Cleanup {
  cluster: ResolvedCluster;
  e: OwnershipEvidence;
  plan: PlannedCleanup;
  adm: k8s.AdmissionregistrationV1Api;
  core: k8s.CoreV1Api;
  keep: (object: string, reason: string) => void;
  remove: (object: string, del: () => Promise<unknown>) => Promise<void>;
  helmOwned: (m: k8s.V1ObjectMeta | undefined) => boolean;
}

/** Webhook configurations outside Helm whose every hook calls the stack's istiod. */
async function cleanupWebhooks(c: Cleanup): Promise<void> {
  const seen = new Set<string>();
  for (const selector of c.plan.webhookSelectors) {
    const lists = [
      [
        "MutatingWebhookConfiguration",
        await kubeCall("listing webhooks", () =>
          c.adm.listMutatingWebhookConfiguration({ labelSelector: selector }),
        ),
      ],
      [
        "ValidatingWebhookConfiguration",
        await kubeCall("listing webhooks", () =>
          c.adm.listValidatingWebhookConfiguration({ labelSelector: selector }),
        ),
      ],
    ] as const;
    for (const [kind, list] of lists) {
      for (const w of list.items) {
        const name = w.metadata?.name;
        const object = `${kind}/${name}`;
        if (name === undefined || c.helmOwned(w.metadata) || seen.has(object)) continue;
        seen.add(object);
        if (!callsOwnIstiod(c.e, w.webhooks)) continue; // another control plane's: not ours to mention
        const why = notProven(c.e, w.metadata);
        if (why !== undefined) c.keep(object, why);
        else
          await c.remove(object, () =>
            kind === "MutatingWebhookConfiguration"
              ? c.adm.deleteMutatingWebhookConfiguration({ name })
              : c.adm.deleteValidatingWebhookConfiguration({ name }),
          );
      }
    }
  }
}

/** `istio-ca-root-cert` ConfigMaps holding the root the stack's istiod published. */
async function cleanupRootConfigMaps(c: Cleanup): Promise<void> {
  for (const name of c.plan.configMapsInAllNamespaces) {
    const list = await kubeCall(`listing ${name} ConfigMaps`, () =>
      c.core.listConfigMapForAllNamespaces({ fieldSelector: `metadata.name=${name}` }),
    );
    for (const cm of list.items) {
      const ns = cm.metadata?.namespace;
      if (ns === undefined) continue;
      const object = `ConfigMap/${ns}/${name}`;
      const root = cm.data?.["root-cert.pem"]?.trim() ?? "";
      if (!c.e.roots.includes(root)) continue; // not published by the stack's istiod
      const why = c.e.foreignRoots.includes(root)
        ? "a control plane this stack does not manage publishes the same root"
        : notProven(c.e, cm.metadata);
      if (why !== undefined) c.keep(object, why);
      else await c.remove(object, () => c.core.deleteNamespacedConfigMap({ name, namespace: ns }));
    }
  }
}

/** istiod's own objects in the stack's namespace, unless a foreign istiod shares it. */
async function cleanupControlPlaneObjects(c: Cleanup): Promise<void> {
  const sharedNamespace = c.e.foreign.some((f) => f.namespace === c.e.namespace);
  for (const o of c.plan.controlPlaneObjects) {
    if (o.kind === "Lease") continue;
    const object = `${o.kind}/${c.e.namespace}/${o.name}`;
    const ref = { name: o.name, namespace: c.e.namespace };
    const found = await kubeCall(`reading ${object}`, () =>
      o.kind === "Secret" ? c.core.readNamespacedSecret(ref) : c.core.readNamespacedConfigMap(ref),
    ).catch((err: unknown) => {
      tolerate404(err);
      return undefined;
    });
    if (found === undefined || c.helmOwned(found.metadata)) continue;
    const why = sharedNamespace
      ? "another istiod runs in the same namespace"
      : notProven(c.e, found.metadata);
    if (why !== undefined) c.keep(object, why);
    else
      await c.remove(object, () =>
        o.kind === "Secret" ? c.core.deleteNamespacedSecret(ref) : c.core.deleteNamespacedConfigMap(ref),
      );
  }
}

/** Istio's CRDs installed by the stack's base release, when no foreign control plane needs them. */
async function purgeIstioCrds(c: Cleanup): Promise<void> {
  const ext = c.cluster.config.makeApiClient(k8s.ApiextensionsV1Api);
  const crds = await kubeCall("listing CRDs", () => ext.listCustomResourceDefinition());
  for (const crd of crds.items) {
    const name = crd.metadata?.name;
    const group = crd.spec.group;
    if (name === undefined || !c.plan.crdGroups.some((g) => group === g || group.endsWith(`.${g}`))) continue;
    const object = `CustomResourceDefinition/${name}`;
    const a = crd.metadata?.annotations ?? {};
    const mine =
      c.e.baseRelease !== undefined &&
      a["meta.helm.sh/release-name"] === c.e.baseRelease &&
      a["meta.helm.sh/release-namespace"] === c.e.namespace;
    if (!mine) c.keep(object, "the stack's base release did not install it");
    else if (c.e.foreign.length > 0) c.keep(object, "another Istio control plane still uses Istio's CRDs");
    else await c.remove(object, () => ext.deleteCustomResourceDefinition({ name }));
  }
}
