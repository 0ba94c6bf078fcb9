/**
 * End to end, adoption (issue 22): a mesh installed with a real Helm 3 from the chart fixtures
 * (base, istiod revision 1-29-6 with a tag, an ingress gateway with custom values), taken into a
 * planton stack with `adopt --write-manifest` then `adopt -f … --yes`. The cluster runs a real
 * istiod per istiod Deployment (as mesh.test.ts) and keeps an audit log of every write.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { chartsDir, serveFolder } from "../fidelity/helm.js";
import { root } from "../helpers/paths.js";
import { plantonEnv, type Result, runPlanton, show } from "./run-cli.js";
// @ts-expect-error: plain JavaScript harness
import { auditMark, auditWrites, formatWrite } from "./cluster/audit.mjs";
// @ts-expect-error: plain JavaScript harness
import { startCluster, stopCluster } from "./cluster/harness.mjs";
// @ts-expect-error: plain JavaScript harness
import { useHelm } from "./cluster/helm.mjs";
// @ts-expect-error: plain JavaScript harness
import { watchIstiods } from "./cluster/istiod.mjs";
import { assertUntouched, clusterKinds, type LiveObjects, liveObjects as listLive } from "./adopt-helpers.js";
import type { Body, ClusterApi as Cluster } from "./mesh-helpers.js";

interface Write {
  verb: string;
  resource: string;
  namespace: string;
  name: string;
}

const cache = process.env.PLANTON_E2E_CACHE ?? join(homedir(), ".cache", "planton-e2e");
const bin = join(cache, "bin");
const work = mkdtempSync(join(tmpdir(), "planton-adopt-"));
const tmp = join(work, "tmp");
mkdirSync(tmp);
process.on("exit", () => {
  if (process.env.PLANTON_E2E_KEEP !== "1") rmSync(work, { recursive: true, force: true });
});

const languageHost = join(root, "test", "e2e", "cluster", "language");
const version = "1.29.6";
const revision = "1-29-6";
const namespaces = ["istio-system", "istio-ingress"];
const liveObjects = (cluster: Cluster) => listLive(cluster, namespaces);

describe("adopt a Helm-installed mesh", () => {
  let cluster: Cluster;
  let istiods: { ready: (rev?: string, ms?: number) => Promise<unknown>; stop: () => Promise<void> };
  let charts = "";
  let closeCharts: () => Promise<void> = async () => {};
  const manifest = join(work, "adopted.yaml");
  // `pulumi import` loads the project runtime's language host, which the e2e build does not make:
  // a stand-in serving the SDK's own in-process server (test/e2e/cluster/language/)
  const cli = (args: string[]): Promise<Result> => {
    const env = plantonEnv({ bin, kubeconfigPath: cluster.kubeconfigPath, work, tmp });
    return runPlanton(args, { ...env, PATH: `${env.PATH}:${languageHost}` });
  };
  const withRepo = (args: string[]) => [...args, "-f", manifest, "--set", `spec.charts.repository=${charts}`];

  before(async () => {
    const served = await serveFolder(chartsDir);
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

  it("Helm installs base, istiod revision 1-29-6 with a tag, and an ingress gateway with custom values", async () => {
    const helm = useHelm(cluster);
    const repo = charts;
    await helm.install({
      release: "istio-base",
      chart: "base",
      version,
      repo,
      namespace: "istio-system",
      values: { defaultRevision: revision },
    });
    await helm.install({
      release: `istiod-${revision}`,
      chart: "istiod",
      version,
      repo,
      namespace: "istio-system",
      values: { revision, revisionTags: ["stable"], pilot: { replicaCount: 1 } },
    });
    await istiods.ready(revision, 120_000);
    await helm.install({
      release: "istio-ingressgateway",
      chart: "gateway",
      version,
      repo,
      namespace: "istio-ingress",
      values: { revision, replicaCount: 2, service: { type: "ClusterIP" }, labels: { team: "edge" } },
    });
    const releases = (await helm.list()) as { name: string; status: string }[];
    assert.deepEqual(
      releases.map((r) => [r.name, r.status]).sort(),
      [
        ["istio-base", "deployed"],
        [`istiod-${revision}`, "deployed"],
        ["istio-ingressgateway", "deployed"],
      ].sort(),
    );
  });

  let seen: LiveObjects;

  it("adopt --write-manifest writes the manifest that reproduces the mesh", async () => {
    const r = await cli(["adopt", "--write-manifest", manifest, "--name", "adopted"]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stderr, /wrote .*adopted\.yaml: 3 Helm releases/);
    const text = readFileSync(manifest, "utf8");
    assert.match(text, new RegExp(`version: ${version.replaceAll(".", "\\.")}`));
  });

  it("adopt -f --yes: every live object keeps its UID and spec, no Pod is recreated, nothing deleted", async () => {
    seen = await liveObjects(cluster);
    assert.ok(
      [...seen.keys()].some((k) => k.includes("/pods/")),
      "the gateway's pods run",
    );
    const mark = auditMark(cluster);
    const r = await cli(["adopt", "--yes", ...withRepo([])]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /^adopted into stack adopted: \d+ resources imported/m);
    assertUntouched(seen, await liveObjects(cluster));
    const writes: Write[] = auditWrites(cluster, { since: mark });
    const deletes = writes.filter((w) => w.verb === "delete" || w.verb === "deletecollection");
    assert.deepEqual(deletes.map(formatWrite), []);
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
    assert.match(r.stdout, /^ {6}\+ meshConfig: \{"accessLogFile":"\/dev\/stderr"\}$/m);
    assert.match(r.stdout, /^ {2}~ istiod-1-29-6 /m);
    assert.match(r.stdout, /^Resources: \d+ unchanged, 1 to update$/m);
  });

  it("a canary upgrade to 1.30.3 after adoption works as for a mesh planton installed; the adopted revision is untouched", async () => {
    const doc = parse(readFileSync(manifest, "utf8"));
    const revisions = doc.spec.revisions as { name: string; version: string }[] | undefined;
    if (revisions === undefined || !revisions.some((r) => r.name === revision))
      throw new Error(`the written manifest has no revision ${revision}: ${JSON.stringify(doc.spec)}`);
    revisions.push({ name: "1-30-3", version: "1.30.3" });
    const canary = join(work, "canary.yaml");
    writeFileSync(canary, stringify(doc));
    const old = await liveObjects(cluster);
    const r = await cli(["apply", "--yes", "-f", canary, "--set", `spec.charts.repository=${charts}`]);
    assert.equal(r.code, 0, show(r));
    await istiods.ready("1-30-3", 120_000);
    const releases = (await useHelm(cluster).list()) as { name: string; status: string }[];
    assert.ok(
      releases.some((x) => x.name === "istiod-1-30-3" && x.status === "deployed"),
      JSON.stringify(releases),
    );
    const now = await liveObjects(cluster);
    for (const [k, v] of old)
      if (k.includes(`istiod-${revision}`) || k.includes("/pods/"))
        assert.equal(now.get(k)?.uid, v.uid, `${k} was recreated by the canary`);
  });

  it("destroy after adoption removes what the stack now owns: the releases, and nothing left by Helm", async () => {
    const r = await cli([
      "destroy",
      "--yes",
      "-f",
      join(work, "canary.yaml"),
      "--set",
      `spec.charts.repository=${charts}`,
    ]);
    assert.equal(r.code, 0, show(r));
    const releases = (await useHelm(cluster).list()) as unknown[];
    assert.deepEqual(releases, []);
    const hooks = await cluster.request("GET", clusterKinds[0] ?? "");
    assert.deepEqual(
      (hooks.body.items as Body[]).map((h) => h.metadata.name).filter((n: string) => n.startsWith("istio")),
      [],
    );
  });
});
