/**
 * End to end, adoption of an istioctl-installed mesh (issue 22): the e2e istioctl (built from the
 * same istio.io/istio module as pilot-discovery) installs the default profile (base, istiod and
 * the ingress gateway) into a harness cluster with webhooks and a real istiod; then
 * `adopt --write-manifest` and `adopt -f … --yes` hand its objects to Helm releases of the same
 * charts, served from scripts/istioctl-charts.sh's repository (the module's charts at one
 * release-like version, which istioctl renders too through --manifests).
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { parse } from "yaml";
import { serveFolder } from "../fidelity/helm.js";
import { root } from "../helpers/paths.js";
import { assertUntouched, type LiveObjects, liveObjects } from "./adopt-helpers.js";
import { plantonEnv, type Result, runPlanton, show } from "./run-cli.js";
// @ts-expect-error: plain JavaScript harness
import { auditMark, auditWrites, formatWrite } from "./cluster/audit.mjs";
// @ts-expect-error: plain JavaScript harness
import { startCluster, stopCluster } from "./cluster/harness.mjs";
// @ts-expect-error: plain JavaScript harness
import { useHelm } from "./cluster/helm.mjs";
// @ts-expect-error: plain JavaScript harness
import { watchIstiods } from "./cluster/istiod.mjs";
import type { Body, ClusterApi as Cluster } from "./mesh-helpers.js";

const cache = process.env.PLANTON_E2E_CACHE ?? join(homedir(), ".cache", "planton-e2e");
const bin = join(cache, "bin");
const work = mkdtempSync(join(tmpdir(), "planton-adopt-istioctl-"));
const tmp = join(work, "tmp");
mkdirSync(tmp);
process.on("exit", () => {
  if (process.env.PLANTON_E2E_KEEP !== "1") rmSync(work, { recursive: true, force: true });
});

interface Write {
  verb: string;
  resource: string;
  namespace: string;
  name: string;
}

/** Waits until a Deployment's newest generation runs alone: updated, ready, no old pod left. */
async function rolledOut(cluster: Cluster, path: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const d = (await cluster.request("GET", path)).body;
    const st = d.status ?? {};
    const want = d.spec.replicas ?? 1;
    if (
      st.observedGeneration === d.metadata.generation &&
      st.updatedReplicas === want &&
      st.replicas === want
    )
      return;
    if (Date.now() > deadline) throw new Error(`${path} did not roll out: ${JSON.stringify(st)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const languageHost = join(root, "test", "e2e", "cluster", "language");
const namespaces = ["istio-system"];

/** The chart repository and manifests istioctl renders (scripts/istioctl-charts.sh), and their version. */
function istioctlCharts(): { dir: string; version: string } {
  const dir = execFileSync("bash", [join(root, "scripts", "istioctl-charts.sh")], {
    encoding: "utf8",
  }).trim();
  const index = parse(readFileSync(join(dir, "repo", "index.yaml"), "utf8"));
  return { dir, version: index.entries.istiod[0].version };
}

describe("adopt an istioctl-installed mesh", () => {
  let cluster: Cluster;
  let istiods: { ready: (rev?: string, ms?: number) => Promise<unknown>; stop: () => Promise<void> };
  let charts = "";
  let closeCharts: () => Promise<void> = async () => {};
  let built: { dir: string; version: string };
  const manifest = join(work, "adopted.yaml");
  const cli = (args: string[]): Promise<Result> => {
    const env = plantonEnv({ bin, kubeconfigPath: cluster.kubeconfigPath, work, tmp });
    return runPlanton(args, { ...env, PATH: `${env.PATH}:${languageHost}` });
  };
  const withRepo = (args: string[]) => [...args, "-f", manifest, "--set", `spec.charts.repository=${charts}`];

  before(async () => {
    built = istioctlCharts();
    const served = await serveFolder(join(built.dir, "repo"));
    charts = served.url;
    closeCharts = served.close;
    cluster = (await startCluster({ binDir: bin, nodes: 2, webhooks: true, audit: true })) as Cluster;
    istiods = watchIstiods(cluster, { binDir: bin, log: (m: string) => console.log(`[istiod] ${m}`) });
  });
  after(async () => {
    await istiods?.stop();
    if (cluster) await stopCluster(cluster);
    await closeCharts();
  });

  it("istioctl installs the default profile: base, istiod and the ingress gateway, no Helm release", async () => {
    const args = ["install", "-y", "--kubeconfig", cluster.kubeconfigPath, "--manifests"];
    args.push(join(built.dir, "manifests"), "--set", "profile=default", "--readiness-timeout", "3m");
    await promisify(execFile)(join(bin, "istioctl"), args, {
      env: { ...process.env, HOME: work },
      maxBuffer: 16 * 1024 * 1024,
    }).catch((e: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`istioctl install failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
    });
    await istiods.ready("default", 120_000);
    const deployments = await cluster.request("GET", "/apis/apps/v1/namespaces/istio-system/deployments");
    assert.deepEqual(
      (deployments.body.items as Body[])
        .map((d) => [d.metadata.name, d.metadata.labels?.["operator.istio.io/component"]])
        .sort(),
      [
        ["istio-ingressgateway", "IngressGateways"],
        ["istiod", "Pilot"],
      ],
    );
    assert.deepEqual(await useHelm(cluster).list(), []);
  });

  let seen: LiveObjects;
  const istiod = "/apis/apps/v1/namespaces/istio-system/deployments/istiod";
  const injector =
    "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-sidecar-injector";

  it("adopt --write-manifest writes the charts' version, istioctl's image tag, and leaves the gateway as istioctl installed it", async () => {
    const r = await cli(["adopt", "--write-manifest", manifest, "--name", "adopted"]);
    assert.equal(r.code, 0, show(r));
    const text = readFileSync(manifest, "utf8");
    const doc = parse(text);
    assert.equal(doc.spec.version, built.version, text);
    assert.deepEqual(doc.spec.images, { hub: "registry.istio.io/release", tag: "1.31-dev" }, text);
    assert.deepEqual(doc.spec.ingressGateways, [], text);
    assert.match(
      text,
      /istioctl\.gateways\.istio-system\/istio-ingressgateway: left as istioctl installed\s+#?\s*it/,
    );
  });

  it("adopt -f refuses, before any write: istiod's pods carry istioctl's release name, which the chart's release would replace", async () => {
    const mark = auditMark(cluster);
    const r = await cli(["adopt", "--yes", ...withRepo([])]);
    assert.equal(r.code, 1, show(r));
    assert.match(
      r.stderr,
      /refusing to adopt: Deployment istio-system\/istiod: spec\.template\.metadata\.labels\.app\.kubernetes\.io\/instance is "istio", the chart's "istiod" \(the chart labels its pods with the Helm release's name, istiod, so every pod would be replaced\)/,
    );
    assert.match(
      r.stderr,
      /kubectl -n istio-system patch deployment istiod --field-manager planton --type merge/,
    );
    assert.deepEqual((auditWrites(cluster, { since: mark }) as Write[]).map(formatWrite), []);
  });

  it("after the rolling update the refusal names (the user's own), adopt -f --yes hands the mesh over: no UID, spec or Pod changes, nothing deleted", async () => {
    const patch = {
      spec: { template: { metadata: { labels: { "app.kubernetes.io/instance": "istiod" } } } },
    };
    const request = cluster.request as (
      m: string,
      p: string,
      b: unknown,
      o: object,
    ) => Promise<{ status: number }>;
    // as the refusal's kubectl command does it: a merge patch under planton's field manager
    const patched = await request("PATCH", `${istiod}?fieldManager=planton`, patch, {
      contentType: "application/merge-patch+json",
    });
    assert.equal(patched.status, 200);
    await rolledOut(cluster, istiod);
    seen = await liveObjects(cluster, namespaces);
    assert.ok(
      [...seen.keys()].some((k) => k.includes("/pods/istio-ingressgateway-")),
      "the gateway's pods run",
    );
    const mark = auditMark(cluster);
    const r = await cli(["adopt", "--yes", ...withRepo([])]);
    assert.equal(r.code, 0, show(r));
    assert.match(
      r.stdout,
      /^adopted into stack adopted: \d+ resources imported, \d+ objects handed to Helm/m,
    );
    assert.match(r.stderr, /^turned back on: MutatingWebhookConfiguration istio-sidecar-injector /m);
    // the one spec adoption changes, and says so: the injector istioctl's default tag turned off
    assertUntouched(seen, await liveObjects(cluster, namespaces), {
      ignoreGeneration: true,
      specChanged: [injector],
    });
    const writes = auditWrites(cluster, { since: mark }) as Write[];
    const deletes = writes.filter((w) => w.verb === "delete" || w.verb === "deletecollection");
    assert.deepEqual(deletes.map(formatWrite), []);
    const releases = (await useHelm(cluster).list()) as { name: string; status: string }[];
    assert.deepEqual(releases.map((x) => [x.name, x.status]).sort(), [
      ["istio-base", "deployed"],
      ["istiod", "deployed"],
    ]);
  });

  it("the next preview --expect-no-changes exits 0", async () => {
    const r = await cli(["preview", "--expect-no-changes", ...withRepo([])]);
    assert.equal(r.code, 0, show(r));
  });

  it("a one-field change to the manifest previews exactly that change", async () => {
    const r = await cli([
      "preview",
      "--expect-no-changes",
      ...withRepo(["--set", "spec.meshConfig.accessLogFile=/dev/stderr"]),
    ]);
    assert.equal(r.code, 3, show(r));
    assert.equal((r.stdout.match(/^ {6}[~+-] /gm) ?? []).length, 1, show(r));
    assert.match(r.stdout, /^ {6}\+ meshConfig\.accessLogFile: "\/dev\/stderr"$/m);
    assert.match(r.stdout, /^ {2}~ istiod 1\.31\.0$/m);
    assert.match(r.stdout, /^Resources: \d+ unchanged, 1 to update$/m);
  });
});
