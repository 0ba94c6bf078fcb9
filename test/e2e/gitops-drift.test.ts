/**
 * Drift with the real istiod: the objects of base and istiod, rendered by the real charts with
 * the plan's values, are server-side applied to the harness's API server; then istiod
 * (pilot-discovery) runs and patches its webhooks. A GitOps tool's drift is what a sync would
 * change: the object as a server-side dry-run apply of the rendering gives it, against the live
 * object (Flux's drift detection does exactly this; Argo CD compares the same fields). Every
 * differing field must be covered by the export's ignore rules, in both formats, and without
 * the rules the webhooks' caBundle must show (so the comparison sees istiod's patches).
 */
import assert from "node:assert/strict";
import { homedir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { exportGitops } from "../../src/gitops/index.js";
import { type K8sObject, useChartRepository } from "../fidelity/helm.js";
import { renderManifest } from "../fidelity/render-plan.js";
import { root } from "../helpers/paths.js";
// @ts-expect-error: plain JavaScript harness
import { startCluster, stopCluster } from "./cluster/harness.mjs";
// @ts-expect-error: plain JavaScript harness
import { startIstiod, stopIstiod } from "./cluster/istiod.mjs";

// biome-ignore lint/suspicious/noExplicitAny: API responses are free-form
type Body = any;
type Request = (
  m: string,
  p: string,
  b?: unknown,
  o?: { contentType?: string },
) => Promise<{ status: number; body: Body }>;
const bin = join(process.env.PLANTON_E2E_CACHE ?? join(homedir(), ".cache", "planton-e2e"), "bin");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const APPLY = { contentType: "application/apply-patch+yaml" };

/** kind → its resource path for one apiVersion, from the API server's discovery. */
async function resourcePath(request: Request, o: K8sObject, cache: Map<string, Body>): Promise<string> {
  const base = o.apiVersion.includes("/") ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  if (!cache.has(base)) cache.set(base, (await request("GET", base)).body);
  const r = (cache.get(base).resources ?? []).find((x: Body) => x.kind === o.kind && !x.name.includes("/"));
  assert.ok(r, `${o.apiVersion} ${o.kind} is not served`);
  const ns = r.namespaced ? `/namespaces/${o.metadata.namespace ?? "istio-system"}` : "";
  return `${base}${ns}/${r.name}/${o.metadata.name}`;
}

/** Leaf paths (JSON pointers) where two objects differ, leaving out what the API server keeps. */
function differences(a: Body, b: Body, path = ""): string[] {
  // bookkeeping of the API server, and the Deployment controller's rollout counter (not in any rendering)
  if (path === "/status" || /^\/metadata\/(resourceVersion|managedFields|generation)$/.test(path)) return [];
  if (path === "/metadata/annotations/deployment.kubernetes.io~1revision") return [];
  const isMap = (x: Body) => x !== null && typeof x === "object" && !Array.isArray(x);
  // a map on one side only: compare field by field, so the new fields are named one by one
  if ((isMap(a) && b === undefined) || (a === undefined && isMap(b)))
    return differences(a ?? {}, b ?? {}, path);
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) =>
      differences(a[k], b[k], `${path}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`),
    );
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
}

interface Drift {
  group: string;
  kind: string;
  name: string;
  path: string;
}

/** Argo CD: the jq paths planton writes (`.a[]?.b.c`) as a pattern over JSON pointers. */
function argoCovers(rules: Body[], d: Drift): boolean {
  return rules.some(
    (r) =>
      r.group === d.group &&
      r.kind === d.kind &&
      (r.jqPathExpressions as string[]).some((e) => {
        assert.match(e, /^(\.[A-Za-z]+(\[\]\?)?)+$/, `a jq path planton does not write: ${e}`);
        const re = e.replace(/\[\]\?/g, "/\\d+").replace(/\./g, "/");
        return new RegExp(`^${re}(/|$)`).test(d.path);
      }),
  );
}

/** Flux: JSON pointers, a pointer covering its subtree. */
function fluxCovers(rules: Body[], d: Drift): boolean {
  return rules.some(
    (r) =>
      r.target.group === d.group &&
      r.target.kind === d.kind &&
      (r.paths as string[]).some((p) => d.path === p || d.path.startsWith(`${p}/`)),
  );
}

describe("drift with the real istiod: every field istiod changes is in the export's ignore rules", () => {
  const charts = useChartRepository();
  let cluster: { request: Request } | undefined;
  let istiod: unknown;
  before(async () => {
    cluster = await startCluster({ binDir: bin, nodes: 1, webhooks: true });
  });
  after(async () => {
    await stopIstiod(istiod);
    if (cluster !== undefined) await stopCluster(cluster);
  });

  it("examples/dev.yaml: base and istiod", { timeout: 240_000 }, async () => {
    const request = (cluster as { request: Request }).request;
    const r = await renderManifest(charts.helm, charts.repo, `${root}/examples/dev.yaml`);
    const objects = ["istio-base", "istiod"].flatMap((n) => r.releases.get(n) ?? []);
    const discovery = new Map<string, Body>();
    await request("POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "istio-system" },
    });
    const apply = async (o: K8sObject, dryRun: boolean) => {
      const path = `${await resourcePath(request, o, discovery)}?fieldManager=gitops&force=true${dryRun ? "&dryRun=All" : ""}`;
      const res = await request("PATCH", path, o, APPLY);
      assert.ok(
        res.status === 200 || res.status === 201,
        `${o.kind} ${o.metadata.name}: ${JSON.stringify(res.body).slice(0, 300)}`,
      );
      return res.body;
    };
    const crds = objects.filter((o) => o.kind === "CustomResourceDefinition");
    for (const o of crds) await apply(o, false);
    for (let i = 0; i < 100 && (await request("GET", "/apis/networking.istio.io/v1")).status !== 200; i++)
      await sleep(100);
    discovery.clear();
    const applied = new Map<string, Body>(); // resource path → the object as applied, defaults included
    for (const o of objects.filter((x) => x.kind !== "CustomResourceDefinition"))
      applied.set(await resourcePath(request, o, discovery), await apply(o, false));
    for (const o of crds)
      applied.set(
        await resourcePath(request, o, discovery),
        (await request("GET", await resourcePath(request, o, discovery))).body,
      );

    istiod = await startIstiod(cluster, { binDir: bin });
    const webhooks = objects.filter((o) => o.kind.endsWith("WebhookConfiguration"));
    assert.ok(webhooks.length >= 2, "the charts render webhook configurations");
    for (let i = 0; ; i++) {
      const live = await Promise.all(
        webhooks.map(async (o) => (await request("GET", await resourcePath(request, o, discovery))).body),
      );
      if (
        live.every((w: Body) =>
          (w.webhooks ?? []).every((h: Body) => (h.clientConfig?.caBundle ?? "") !== ""),
        )
      )
        break;
      assert.ok(i < 120, "istiod did not patch every webhook's caBundle within 60 s");
      await sleep(500);
    }

    const drift: Drift[] = [];
    for (const o of objects) {
      const path = await resourcePath(request, o, discovery);
      const live = (await request("GET", path)).body;
      const synced = await apply(o, true);
      const group = o.apiVersion.includes("/") ? (o.apiVersion.split("/")[0] ?? "") : "";
      const before = applied.get(path);
      const paths = new Set([...differences(synced, live), ...differences(before, live)]);
      for (const p of paths) drift.push({ group, kind: o.kind, name: o.metadata.name, path: p });
    }
    const show = (d: Drift[]) => d.map((x) => `${x.kind} ${x.name} ${x.path}`);
    assert.ok(
      drift.some((d) => d.path.endsWith("/clientConfig/caBundle")),
      `without the rules the caBundle shows; drift: ${JSON.stringify(show(drift))}`,
    );

    const gitops = (format: "argocd" | "flux") =>
      exportGitops([{ plan: r.plan, file: "dev.yaml", folder: "" }], {
        format,
        repoUrl: "https://git.example.com/p.git",
        path: "p",
        project: "default",
      }).flatMap((f) => f.docs) as Body[];
    const argo = gitops("argocd").flatMap((d) => d.spec?.ignoreDifferences ?? []);
    const flux = gitops("flux").flatMap((d) =>
      d.kind === "HelmRelease" ? d.spec.driftDetection.ignore : [],
    );
    assert.deepEqual(
      show(drift.filter((d) => !argoCovers(argo, d))),
      [],
      "Argo CD's ignoreDifferences miss these",
    );
    assert.deepEqual(
      show(drift.filter((d) => !fluxCovers(flux, d))),
      [],
      "Flux's drift ignore rules miss these",
    );
    console.log(`drift istiod caused: ${JSON.stringify(show(drift))}`);
  });
});
