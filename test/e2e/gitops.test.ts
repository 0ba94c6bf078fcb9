/**
 * The GitOps export against a real API server with the real Argo CD and Flux CRDs installed
 * (scripts/gitops-crds.sh): every exported Application, HelmRelease, HelmRepository,
 * OCIRepository, GitRepository and Kustomization is created with a server-side dry run and
 * strict field validation, so a misspelt or misplaced field fails as it would in a cluster.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { itChecksEveryExport } from "../helpers/gitops-exports.js";
import { root } from "../helpers/paths.js";
import { e2eBin } from "../helpers/e2e-suite.js";
// @ts-expect-error: plain JavaScript harness
import { startCluster, stopCluster } from "./cluster/harness.mjs";

// biome-ignore lint/suspicious/noExplicitAny: API responses are free-form
type Body = any;
interface Cluster {
  request: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: Body }>;
}
const bin = e2eBin;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** apiVersion/kind → the resource path prefix of a namespaced custom resource. */
const resources = new Map<string, { prefix: string; plural: string }>();
let cluster: Cluster;

async function installCrds(dir: string): Promise<void> {
  const files = ["argocd", "flux"].flatMap((d) => readdirSync(join(dir, d)).map((f) => join(dir, d, f)));
  for (const file of files) {
    const crd = parseAllDocuments(readFileSync(file, "utf8"))[0]?.toJS();
    const r = await cluster.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
    assert.equal(r.status, 201, `${file}: ${JSON.stringify(r.body).slice(0, 300)}`);
    for (const v of crd.spec.versions)
      resources.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, {
        prefix: `/apis/${crd.spec.group}/${v.name}`,
        plural: crd.spec.names.plural,
      });
    const name = crd.metadata.name as string;
    for (let i = 0; ; i++) {
      const g = await cluster.request(
        "GET",
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
      );
      if (
        (g.body.status?.conditions ?? []).some((c: Body) => c.type === "Established" && c.status === "True")
      )
        break;
      assert.ok(i < 100, `${name} is not established`);
      await sleep(100);
    }
  }
}

async function ensureNamespace(name: string): Promise<void> {
  const r = await cluster.request("POST", "/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name },
  });
  assert.ok(r.status === 201 || r.status === 409, JSON.stringify(r.body));
}

/** Dry-run creates every GitOps object in `texts`; returns the API server's refusals. */
async function dryRun(texts: Iterable<string>, seen: Set<string>): Promise<string[]> {
  const refused: string[] = [];
  for (const text of texts)
    for (const doc of parseAllDocuments(text)) {
      const o = doc.toJS();
      const where = o === null ? undefined : resources.get(`${o.apiVersion}/${o.kind}`);
      if (where === undefined) continue;
      seen.add(o.kind);
      await ensureNamespace(o.metadata.namespace);
      const path = `${where.prefix}/namespaces/${o.metadata.namespace}/${where.plural}?dryRun=All&fieldValidation=Strict`;
      const r = await cluster.request("POST", path, o);
      if (r.status !== 201)
        refused.push(`${o.kind} ${o.metadata.name}: ${r.status} ${r.body?.message ?? ""}`);
    }
  return refused;
}

const missing = spawnSync("go", ["version"]).status !== 0 ? "go is not on PATH" : false;

describe("the GitOps export is accepted by an API server with Argo CD's and Flux's CRDs", {
  skip: missing,
}, () => {
  before(async () => {
    const crds = spawnSync("bash", [join(root, "scripts/gitops-crds.sh")], { encoding: "utf8" });
    assert.equal(crds.status, 0, crds.stderr);
    cluster = (await startCluster({ binDir: bin, nodes: 1 })) as Cluster;
    await installCrds(crds.stdout.trim());
  });
  after(async () => {
    if (cluster !== undefined) await stopCluster(cluster);
  });

  it("refuses an unknown field (the dry run is strict)", async () => {
    const bad =
      "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: x, namespace: argocd}\nspec:\n  project: default\n  destination: {server: https://kubernetes.default.svc}\n  sources: []\n  ignoreDifference: []\n";
    assert.equal((await dryRun([bad], new Set())).length, 1);
  });

  itChecksEveryExport(dryRun, {
    oci: "oci:// charts, in both formats",
    kinds: "every kind the export writes was sent",
  });
});
