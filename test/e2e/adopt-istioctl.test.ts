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
    const r = await promisify(execFile)(join(bin, "istioctl"), args, {
      env: { ...process.env, HOME: work },
      maxBuffer: 16 * 1024 * 1024,
    }).catch((e: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`istioctl install failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
    });
    console.log(r.stdout, r.stderr);
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

  it("adopt --write-manifest writes the manifest of the charts' version", async () => {
    const r = await cli(["adopt", "--write-manifest", manifest, "--name", "adopted"]);
    assert.equal(r.code, 0, show(r));
    const doc = parse(readFileSync(manifest, "utf8"));
    console.log(readFileSync(manifest, "utf8"));
    assert.equal(doc.spec.version, built.version, show(r));
  });

  it("adopt -f --yes: every live object keeps its UID and spec, no Pod is recreated, nothing deleted", async () => {
    seen = await liveObjects(cluster, namespaces);
    assert.ok(
      [...seen.keys()].some((k) => k.includes("/pods/istio-ingressgateway-")),
      "the gateway's pods run",
    );
    const mark = auditMark(cluster);
    const r = await cli(["adopt", "--yes", ...withRepo([])]);
    console.log(show(r));
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /^adopted into stack adopted: \d+ resources imported/m);
    assertUntouched(seen, await liveObjects(cluster, namespaces));
    const writes = auditWrites(cluster, { since: mark }) as { verb: string }[];
    const deletes = writes.filter((w) => w.verb === "delete" || w.verb === "deletecollection");
    assert.deepEqual(deletes.map(formatWrite), []);
    const releases = (await useHelm(cluster).list()) as { name: string; status: string }[];
    assert.deepEqual(releases.map((x) => [x.name, x.status]).sort(), [
      ["istio-base", "deployed"],
      ["istio-ingressgateway", "deployed"],
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
    assert.match(r.stdout, /^ {6}\+ meshConfig: \{"accessLogFile":"\/dev\/stderr"\}$/m);
    assert.match(r.stdout, /^ {2}~ istiod /m);
    assert.match(r.stdout, /^Resources: \d+ unchanged, 1 to update$/m);
  });
});
