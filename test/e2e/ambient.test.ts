/**
 * End to end with a real istiod: an ambient mesh with a waypoint (issue 24). The harness's
 * cluster runs with admission webhooks on and two kwok nodes, without Gateway API CRDs: the
 * ambient profile's `spec.gatewayApi` default installs them before istiod; watchIstiods
 * runs `pilot-discovery` for the istiod Deployment. planton creates the waypoint `Gateway` and
 * labels the namespace; istiod's own deployment controller then creates the waypoint's
 * Deployment and Service from the Gateway (which proves the Gateway is one istiod accepts), kwok
 * reports its pod ready, and istiod marks the Gateway Programmed, which status reports. Still
 * simulated: the kubelets (no CNI agent runs, so no pod is ever captured: status says so).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chartsDir, serveFolder } from "../fidelity/helm.js";
import { e2eBin, suiteWork } from "../helpers/e2e-suite.js";
import { writeManifest } from "../helpers/e2e-mesh.js";
import { type Body, type Cluster, waitFor } from "./mesh-helpers.js";
import { plantonEnv, type Result, runPlanton, show } from "./run-cli.js";
// @ts-expect-error: plain JavaScript harness
import { startCluster, stopCluster } from "./cluster/harness.mjs";
// @ts-expect-error: plain JavaScript harness
import { watchIstiods } from "./cluster/istiod.mjs";

const bin = e2eBin;
const { work, tmp, figures } = suiteWork("ambient", { removeOnExit: true });

let cluster: Cluster;
let istiods: {
  ready: (revision?: string, timeoutMs?: number) => Promise<unknown>;
  stop: () => Promise<void>;
};
let closeCharts: () => Promise<void> = async () => {};

before(async () => {
  const t = Date.now();
  const served = await serveFolder(chartsDir);
  closeCharts = served.close;
  cluster = (await startCluster({
    binDir: bin,
    nodes: 2,
    webhooks: true,
    keepDir: process.env.PLANTON_E2E_KEEP === "1",
  })) as Cluster;
  istiods = watchIstiods(cluster, { binDir: bin, log: (m: string) => console.log(`[istiod] ${m}`) });
  // shop exists before the mesh, with a workload: planton only labels it
  const ns = await cluster.request("POST", "/api/v1/namespaces", { metadata: { name: "shop" } });
  assert.equal(ns.status, 201, JSON.stringify(ns.body));
  writeManifest(
    work,
    "ambient",
    ["profile: ambient", "namespaces:", "  - name: shop", "    injection: AMBIENT", "    waypoint: {}"],
    served.url,
  );
  figures.cluster = (Date.now() - t) / 1000;
});
after(async () => {
  await istiods?.stop();
  if (cluster) await stopCluster(cluster);
  await closeCharts();
});

const cli = (args: string[]): Promise<Result> =>
  runPlanton(args, plantonEnv({ bin, kubeconfigPath: cluster.kubeconfigPath, work, tmp }));
const file = () => ["-f", join(work, "ambient.yaml")];
const get = async (path: string): Promise<Body | undefined> => {
  const r = await cluster.request("GET", path);
  return r.status === 200 ? r.body : undefined;
};
const gatewayPath = "/apis/gateway.networking.k8s.io/v1/namespaces/shop/gateways/waypoint";

describe("ambient: a namespace with a waypoint", { concurrency: false }, () => {
  let applied = false;

  it("apply shows and creates the Gateway; istiod creates the waypoint's Deployment and Service; apply's check waits until it is programmed", async () => {
    const a = await cli(["apply", "--yes", ...file()]);
    figures.apply = a.seconds;
    assert.equal(a.code, 0, show(a));
    applied = true;
    // the ambient profile installed the Gateway API CRDs itself (planton's label), before istiod
    const crd = await get(
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gateways.gateway.networking.k8s.io",
    );
    assert.equal(crd?.metadata.labels?.["app.kubernetes.io/managed-by"], "planton", show(a));
    // the changes preview shows (planton's diff against the state), printed before the update
    assert.match(a.stderr, /Waypoints:\n {2}\+ shop\/waypoint \(for service\)/, show(a));
    const gw = await get(gatewayPath);
    const listeners = (gw?.spec.listeners ?? []).map((l: Body) => [l.name, l.port, l.protocol]);
    assert.deepEqual(listeners, [["mesh", 15008, "HBONE"]]);
    assert.equal(gw?.spec.gatewayClassName, "istio-waypoint");
    assert.equal(gw?.metadata.labels["istio.io/waypoint-for"], "service");
    // the engine waited for Programmed before the labels that depend on the waypoint
    assert.equal(gw?.metadata.annotations["pulumi.com/waitFor"], "condition=Programmed");
    const ns = await get("/api/v1/namespaces/shop");
    assert.equal(ns?.metadata.labels["istio.io/use-waypoint"], "waypoint");
    assert.equal(ns?.metadata.labels["istio.io/dataplane-mode"], "ambient");
    // created by istiod's deployment controller, owned by the Gateway
    const dep = await get("/apis/apps/v1/namespaces/shop/deployments/waypoint");
    assert.ok(dep, "istiod created the waypoint Deployment");
    assert.equal(dep.metadata.ownerReferences?.[0]?.kind, "Gateway");
    assert.equal(dep.spec.template.metadata.labels["istio.io/dataplane-mode"], "none");
    const svc = await get("/api/v1/namespaces/shop/services/waypoint");
    assert.ok(
      svc?.spec.ports.some((p: Body) => p.port === 15008),
      `the waypoint Service listens on 15008: ${JSON.stringify(svc?.spec.ports)}`,
    );
  });

  it("status: node agents on both nodes, shop enrolled, the waypoint programmed (JSON)", async () => {
    assert.ok(applied, "needs the apply above");
    // a workload in shop: no CNI agent runs here, so it is never captured, and status says so
    const web = await cluster.request("POST", "/api/v1/namespaces/shop/pods", {
      metadata: { name: "web" },
      spec: { containers: [{ name: "app", image: "example.invalid/web" }] },
    });
    assert.equal(web.status, 201, JSON.stringify(web.body));
    await waitFor("pod shop/web running", async () =>
      (await get("/api/v1/namespaces/shop/pods/web"))?.status?.phase === "Running" ? true : undefined,
    );
    const s = await cli(["status", ...file(), "-o", "json", "--wait", "60"]);
    const report = JSON.parse(s.stdout) as {
      checks: { name: string; state: string; message: string; details: string[] }[];
    };
    const check = (name: string) => report.checks.find((c) => c.name === name);
    assert.equal(check("waypoint/shop/waypoint")?.state, "ok", show(s));
    assert.equal(check("waypoint/shop/waypoint")?.message, "waypoint shop/waypoint programmed (for service)");
    assert.equal(
      check("node-agent/ztunnel")?.message,
      "ztunnel ready on every schedulable node (2)",
      show(s),
    );
    assert.equal(check("node-agent/istio-cni-node")?.state, "ok", show(s));
    assert.equal(check("gateway-api")?.state, "ok", show(s));
    assert.match(check("gateway-api")?.message ?? "", /Gateway API CRDs at v1\.6\.3 standard, established/);
    assert.equal(check("ambient/shop")?.state, "warning", show(s));
    assert.match(check("ambient/shop")?.message ?? "", /1 of 1 pod in shop not captured by ztunnel: web/);
    const gw = await get(gatewayPath);
    assert.ok(
      gw?.status.conditions.some((c: Body) => c.type === "Programmed" && c.status === "True"),
      JSON.stringify(gw?.status),
    );
  });

  it("destroy removes the waypoint and shop's labels, and keeps shop", async () => {
    assert.ok(applied, "needs the apply above");
    const d = await cli(["destroy", "--yes", ...file()]);
    assert.equal(d.code, 0, show(d));
    assert.equal(await get(gatewayPath), undefined);
    const ns = await get("/api/v1/namespaces/shop");
    assert.equal(ns?.metadata.labels["istio.io/use-waypoint"], undefined);
    assert.equal(ns?.metadata.labels["istio.io/dataplane-mode"], undefined);
    await waitFor("the waypoint Deployment collected with its Gateway", async () =>
      (await get("/apis/apps/v1/namespaces/shop/deployments/waypoint")) === undefined ? true : undefined,
    );
  });
});
