/** Recorded Kubernetes objects for the precheck tests (test/fixtures/precheck), and plans to check them against. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type * as k8s from "@kubernetes/client-node";
import { istiodOf, managed, type PrecheckSnapshot, splitCrds } from "../../../src/cluster/precheck-reads.js";
import { proxyPodOf } from "../../../src/cluster/proxy-pods.js";
import { newestHelmRecords } from "../../../src/cluster/status-reads.js";
import { planIstio } from "../../../src/istio/plan.js";
import type { InstallPlan } from "../../../src/istio/types.js";
import { loadManifest } from "../../../src/manifest/load.js";
import { header } from "../../helpers/load.js";
import { root } from "../../helpers/paths.js";

/** The objects of one fixture file. */
export function recorded<T>(file: string): T[] {
  return JSON.parse(readFileSync(join(root, "test", "fixtures", "precheck", file), "utf8")) as T[];
}

/** The plan of a manifest's `spec:` block. */
export function planOf(spec: string): InstallPlan {
  const r = loadManifest({ file: "-", readStdin: () => Buffer.from(`${header}spec:\n${spec}`) });
  if (r.kind !== "ok") throw new Error(JSON.stringify(r.diagnostics));
  return planIstio(r.manifest);
}

/** A snapshot of the recorded objects, reduced by the same functions the cluster reads use. */
export function snapshotOf(
  files: {
    pods?: string;
    crds?: string[];
    istiods?: string;
    webhooks?: string[];
    namespaces?: string;
    helm?: string;
  },
  /** Changes a recorded pod before it is read (to vary one fact of the recording). */
  editPod: (pod: k8s.V1Pod) => void = () => {},
): PrecheckSnapshot {
  const s: PrecheckSnapshot = { failures: [] };
  if (files.pods !== undefined)
    s.pods = recorded<k8s.V1Pod>(files.pods).flatMap((p) => {
      editPod(p);
      return proxyPodOf(p) ?? [];
    });
  if (files.crds !== undefined) {
    const { gatewayApi, istio } = splitCrds(
      files.crds.flatMap((f) => recorded<k8s.V1CustomResourceDefinition>(f)),
    );
    s.gatewayApiCrds = gatewayApi;
    s.istioCrds = istio;
  }
  const webhooks = (files.webhooks ?? []).flatMap((f) => recorded<k8s.V1MutatingWebhookConfiguration>(f));
  s.mutatingWebhooks = webhooks;
  if (files.istiods !== undefined) {
    const deployments = recorded<k8s.V1Deployment>(files.istiods);
    s.istiods = deployments.map(istiodOf);
    s.managedObjects = [
      ...deployments.map((d) => managed("apps/v1", "Deployment", d)),
      ...webhooks.map((w) => managed("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", w)),
    ];
  }
  if (files.namespaces !== undefined)
    s.namespaces = recorded<k8s.V1Namespace>(files.namespaces).map((n) => ({
      name: n.metadata?.name ?? "",
      labels: n.metadata?.labels ?? {},
    }));
  if (files.helm !== undefined) s.helmReleases = newestHelmRecords(recorded<k8s.V1Secret>(files.helm));
  return s;
}

/** Revisions → versions as a manifest `spec:` block (the first is the default revision). */
export function revisionsSpec(revisions: Record<string, string>, extra = ""): string {
  const entries = Object.entries(revisions);
  return `  revisions:\n${entries.map(([name, version]) => `    - {name: ${name}, version: ${version}}`).join("\n")}\n  defaultRevision: ${entries[0]?.[0]}\n${extra}`;
}
