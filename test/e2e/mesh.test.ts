/**
 * End to end with a real istiod: what only a running control plane can confirm. The harness's
 * cluster runs with admission webhooks on ({ webhooks: true }); watchIstiods plays the kubelet
 * for istiod, running `pilot-discovery` (built by scripts/e2e-build.sh istiod) as a host process
 * for every istiod Deployment the charts create, configured from that Deployment. The API server
 * reaches istiod's webhooks through the istiod Services (see test/e2e/cluster/README.md, "A real
 * istiod"). Still simulated: the kubelets (kwok; no proxy container ever runs, so no workload
 * certificate is requested and no xDS is served to a proxy).
 *
 * Each describe block has its own cluster; the scenarios in a block run in order.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
// @ts-expect-error: the parser ships no types
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { chartsDir, serveFolder } from "../fidelity/helm.js";
import { e2eBin, suiteWork } from "../helpers/e2e-suite.js";
import { root } from "../helpers/paths.js";
import { plantonEnv, type Result, runPlanton, show } from "./run-cli.js";
// @ts-expect-error: plain JavaScript harness
import { startCluster, stopCluster } from "./cluster/harness.mjs";
// @ts-expect-error: plain JavaScript harness
import { watchIstiods } from "./cluster/istiod.mjs";
import type { Body, ClusterApi as Cluster } from "./mesh-helpers.js";

interface Istiods {
  ready: (revision?: string, timeoutMs?: number) => Promise<{ name: string; logPath: string }>;
  stop: () => Promise<void>;
}

const bin = e2eBin;
const { work, tmp, figures } = suiteWork("mesh", { removeOnExit: true });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let charts = "";

/** A cluster with webhooks on and an istiod per istiod Deployment, for one describe block. */
function meshCluster(name: string) {
  const ctx = { cluster: undefined as unknown as Cluster, istiods: undefined as unknown as Istiods, name };
  let closeCharts: () => Promise<void> = async () => {};
  before(async () => {
    const t = Date.now();
    const served = await serveFolder(chartsDir);
    charts = served.url;
    closeCharts = served.close;
    ctx.cluster = (await startCluster({
      binDir: bin,
      nodes: 2,
      webhooks: true,
      keepDir: process.env.PLANTON_E2E_KEEP === "1",
    })) as Cluster;
    ctx.istiods = watchIstiods(ctx.cluster, {
      binDir: bin,
      log: (m: string) => console.log(`[istiod] ${m}`),
    });
    figures[`${name}.cluster`] = (Date.now() - t) / 1000;
  });
  after(async () => {
    await ctx.istiods?.stop();
    if (ctx.cluster) await stopCluster(ctx.cluster);
    await closeCharts();
  });
  return ctx;
}

const cli = (cluster: Cluster, args: string[]): Promise<Result> =>
  runPlanton(args, plantonEnv({ bin, kubeconfigPath: cluster.kubeconfigPath, work, tmp }));
const apply = (cluster: Cluster, manifest: string, ...sets: string[]) =>
  cli(cluster, [
    "apply",
    "--yes",
    "-f",
    manifest,
    "--set",
    `spec.charts.repository=${charts}`,
    ...sets.flatMap((s) => ["--set", s]),
  ]);

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && (v as unknown) !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

/** Every webhook of the MutatingWebhookConfiguration `name` has a caBundle: its istiod patched it. */
async function patchedCaBundle(cluster: Cluster, name: string): Promise<string> {
  return waitFor(`caBundle of ${name}`, async () => {
    const r = await cluster.request(
      "GET",
      `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${name}`,
    );
    const hooks: Body[] = r.body.webhooks ?? [];
    if (r.status !== 200 || hooks.length === 0 || hooks.some((h) => !h.clientConfig.caBundle))
      return undefined;
    return Buffer.from(hooks[0].clientConfig.caBundle, "base64").toString();
  });
}

/** The tag's webhook calls `service` and has a caBundle (its istiod patched it). */
async function tagWebhookReady(cluster: Cluster, tag: string, service: string): Promise<void> {
  await waitFor(`tag ${tag}'s webhook calling ${service}, patched`, async () => {
    const r = await cluster.request(
      "GET",
      `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations?labelSelector=istio.io%2Ftag%3D${tag}`,
    );
    const hooks: Body[] = (r.body.items ?? []).flatMap((w: Body) => w.webhooks ?? []);
    return hooks.length > 0 &&
      hooks.every((h) => h.clientConfig.service?.name === service && h.clientConfig.caBundle)
      ? true
      : undefined;
  });
}

/** Creates a one-replica Deployment and resolves to its first pod, as the webhooks left it. */
async function deployAndGetPod(cluster: Cluster, namespace: string, name: string): Promise<Body> {
  await waitFor(`ServiceAccount ${namespace}/default`, async () =>
    (await cluster.request("GET", `/api/v1/namespaces/${namespace}/serviceaccounts/default`)).status === 200
      ? true
      : undefined,
  );
  const d = await cluster.request("POST", `/apis/apps/v1/namespaces/${namespace}/deployments`, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "app", image: "example.invalid/app:1" }] },
      },
    },
  });
  assert.equal(d.status, 201, JSON.stringify(d.body));
  return waitFor(`a pod of ${namespace}/${name}`, async () => {
    const r = await cluster.request(
      "GET",
      `/api/v1/namespaces/${namespace}/pods?labelSelector=app%3D${name}`,
    );
    return r.body.items?.[0];
  });
}

/** What injection did to a pod: its containers and the revision in sidecar.istio.io/status. */
function injection(pod: Body): { containers: string[]; revision?: string } {
  const status = pod.metadata.annotations?.["sidecar.istio.io/status"];
  return {
    containers: pod.spec.containers.map((c: { name: string }) => c.name),
    revision: status ? JSON.parse(status).revision : undefined,
  };
}

/** A plug-in CA as Istio's docs make one: a root, an intermediate signed by it, the chain. */
function makePluginCa(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "ext.cnf"),
    [
      "[req]",
      "distinguished_name = dn",
      "[dn]",
      "[root]",
      "basicConstraints = critical,CA:TRUE",
      "keyUsage = critical,keyCertSign,cRLSign,digitalSignature",
      "subjectKeyIdentifier = hash",
      "[inter]",
      "basicConstraints = critical,CA:TRUE,pathlen:0",
      "keyUsage = critical,keyCertSign,cRLSign,digitalSignature",
      "subjectKeyIdentifier = hash",
      "authorityKeyIdentifier = keyid",
      "",
    ].join("\n"),
  );
  const ossl = (...args: string[]) =>
    execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  ossl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "root-key.pem",
    "-out",
    "root-cert.pem",
    "-subj",
    "/O=planton-e2e/CN=Plug-in Root CA",
    "-days",
    "3650",
    "-config",
    "ext.cnf",
    "-extensions",
    "root",
  );
  ossl(
    "req",
    "-new",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca-key.pem",
    "-out",
    "ca.csr",
    "-subj",
    "/O=planton-e2e/CN=Plug-in Intermediate CA",
    "-config",
    "ext.cnf",
  );
  ossl(
    "x509",
    "-req",
    "-in",
    "ca.csr",
    "-CA",
    "root-cert.pem",
    "-CAkey",
    "root-key.pem",
    "-set_serial",
    "2",
    "-days",
    "3650",
    "-extfile",
    "ext.cnf",
    "-extensions",
    "inter",
    "-out",
    "ca-cert.pem",
  );
  const root = readFileSync(join(dir, "root-cert.pem"), "utf8");
  writeFileSync(join(dir, "cert-chain.pem"), readFileSync(join(dir, "ca-cert.pem"), "utf8") + root);
  return root;
}

describe("mesh: plug-in CA, STRICT mTLS and a labelled namespace", { concurrency: false }, () => {
  const ctx = meshCluster("pluginCa");
  const dir = join(work, "plugin-ca");
  const manifest = join(dir, "mesh.yaml");
  let root = "";

  it("apply installs it; istiod publishes the plug-in root and patches its webhooks", async () => {
    root = makePluginCa(join(dir, "cacerts"));
    writeFileSync(
      manifest,
      [
        "apiVersion: kubernetes.project-planton.org/v1",
        "kind: KubernetesIstio",
        "metadata:",
        "  name: mesh-e2e",
        "spec:",
        "  profile: minimal",
        "  mtls:",
        "    mode: STRICT",
        "  ca:",
        "    type: PLUGIN",
        "    plugin:",
        "      directory: ./cacerts",
        "  namespaces:",
        "    - name: app",
        "      create: true",
        "",
      ].join("\n"),
    );
    const { cluster, istiods } = ctx;
    const a = await apply(cluster, manifest);
    figures.applyPluginCa = a.seconds;
    assert.equal(a.code, 0, show(a));
    const t = Date.now();
    await istiods.ready("default");
    const published = await waitFor("istio-ca-root-cert in app", async () => {
      const r = await cluster.request("GET", "/api/v1/namespaces/app/configmaps/istio-ca-root-cert");
      return r.status === 200 ? (r.body.data["root-cert.pem"] as string) : undefined;
    });
    assert.equal(
      published.trim(),
      root.trim(),
      "the ConfigMap holds the plug-in root, not a self-signed one",
    );
    const bundle = await patchedCaBundle(cluster, "istio-sidecar-injector");
    assert.ok(bundle.includes(root.trim()), "the injector webhook trusts istiod through the plug-in root");
    figures.istiodPatchedAfterApply = (Date.now() - t) / 1000;
    const pa = await cluster.request(
      "GET",
      "/apis/security.istio.io/v1/namespaces/istio-system/peerauthentications/default",
    );
    assert.equal(pa.body.spec?.mtls?.mode, "STRICT", JSON.stringify(pa.body));
  });

  it("a Deployment in the namespace planton labelled gets the proxy from istiod's webhook", async () => {
    const pod = await deployAndGetPod(ctx.cluster, "app", "web");
    const inj = injection(pod);
    assert.ok(inj.containers.includes("istio-proxy"), JSON.stringify(inj));
    assert.equal(inj.revision, "default");
    assert.equal(pod.metadata.labels["security.istio.io/tlsMode"], "istio");
  });

  it("istiod's validating webhook refuses an invalid Istio resource", async () => {
    const vwc = await waitFor("validation webhook armed", async () => {
      const r = await ctx.cluster.request(
        "GET",
        "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/istio-validator-istio-system",
      );
      const h = r.body.webhooks?.[0];
      return h?.clientConfig?.caBundle && h.failurePolicy === "Fail" ? h : undefined;
    });
    assert.equal(vwc.failurePolicy, "Fail");
    // passes the CRD's schema, fails istiod's own validation: an egress host without namespace/
    const r = await ctx.cluster.request("POST", "/apis/networking.istio.io/v1/namespaces/app/sidecars", {
      apiVersion: "networking.istio.io/v1",
      kind: "Sidecar",
      metadata: { name: "invalid" },
      spec: { egress: [{ hosts: ["web.app.svc.cluster.local"] }] },
    });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(r.body.message, /admission webhook "(rev\.)?validation\.istio\.io" denied the request/);
    assert.match(r.body.message, /host must be of form namespace\/dnsName/);
  });
});

describe("mesh: revision tags route injection, and moving a tag moves it", { concurrency: false }, () => {
  const ctx = meshCluster("canary");
  const step = (n: string) => join(root, "examples", "canary", `${n}.yaml`);
  const status = async (n: string) => {
    const s = await cli(ctx.cluster, [
      "status",
      "-o",
      "json",
      "-f",
      step(n),
      "--set",
      `spec.charts.repository=${charts}`,
    ]);
    const report = JSON.parse(s.stdout);
    return (ns: string) => report.namespaces.find((x: { name: string }) => x.name === ns);
  };

  it("each namespace's pods are injected by the revision its tag names", async () => {
    const { cluster, istiods } = ctx;
    // shop exists before (adopted); shop-canary planton creates
    assert.equal(
      (await cluster.request("POST", "/api/v1/namespaces", { metadata: { name: "shop" } })).status,
      201,
    );
    const a = await apply(cluster, step("2-canary"));
    figures.applyCanary = a.seconds;
    assert.equal(a.code, 0, show(a));
    await Promise.all([istiods.ready("1-29-6"), istiods.ready("1-30-3")]);
    await tagWebhookReady(cluster, "prod-stable", "istiod-1-29-6");
    await tagWebhookReady(cluster, "prod-canary", "istiod-1-30-3");
    const stable = injection(await deployAndGetPod(cluster, "shop", "web"));
    assert.ok(stable.containers.includes("istio-proxy"), JSON.stringify(stable));
    assert.equal(stable.revision, "1-29-6", "prod-stable → 1-29-6");
    const canary = injection(await deployAndGetPod(cluster, "shop-canary", "web"));
    assert.equal(canary.revision, "1-30-3", "prod-canary → 1-30-3");
  });

  it("after the tag moves, the next pod is injected by the new revision", async () => {
    const { cluster } = ctx;
    const a = await apply(cluster, step("3-move-stable"));
    assert.equal(a.code, 0, show(a));
    await tagWebhookReady(cluster, "prod-stable", "istiod-1-30-3");
    const moved = injection(await deployAndGetPod(cluster, "shop", "web2"));
    assert.ok(moved.containers.includes("istio-proxy"), JSON.stringify(moved));
    assert.equal(moved.revision, "1-30-3", "prod-stable → 1-30-3 now");
  });

  it("status counts the pod 1-29-6 injected as outdated after the move", async () => {
    const st = await status("3-move-stable");
    assert.equal(st("shop").targetRevision, "1-30-3");
    assert.deepEqual([st("shop").upToDate, st("shop").outdated], [1, 1], JSON.stringify(st("shop")));
  });
});

describe("mesh: observability — Telemetry through istiod's webhook, monitors, dashboards, status", {
  concurrency: false,
}, () => {
  const ctx = meshCluster("observability");
  const manifest = join(work, "observability.yaml");
  const statusJson = async () => {
    const s = await cli(ctx.cluster, [
      "status",
      "-o",
      "json",
      "-f",
      manifest,
      "--set",
      `spec.charts.repository=${charts}`,
    ]);
    const checks: Body[] = JSON.parse(s.stdout).checks;
    return Object.fromEntries(checks.filter((c) => c.category === "observability").map((c) => [c.name, c]));
  };
  const list = async (path: string) => {
    const r = await ctx.cluster.request(
      "GET",
      `${path}?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dplanton`,
    );
    return r.status === 404
      ? []
      : ((r.body.items ?? []) as Body[]).map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
  };
  const monitors = async () => [
    ...(await list("/apis/monitoring.coreos.com/v1/servicemonitors")),
    ...(await list("/apis/monitoring.coreos.com/v1/podmonitors")),
  ];

  it("AUTO without the Prometheus Operator's CRDs: apply passes istiod's validating webhook, creates no monitor, and status says why", async () => {
    const example = readFileSync(join(root, "examples", "observability.yaml"), "utf8");
    writeFileSync(manifest, example);
    const without = parseYaml(example);
    delete without.spec.observability;
    const bare = join(work, "observability-bare.yaml");
    writeFileSync(bare, stringifyYaml(without));
    const { cluster, istiods } = ctx;
    // istiod first (an earlier apply), so the Telemetry objects meet its armed validating webhook
    const first = await apply(
      cluster,
      manifest,
      "spec.observability.accessLogs=null",
      "spec.observability.tracing=null",
    );
    assert.equal(first.code, 0, show(first));
    await istiods.ready("default");
    await waitFor("validation webhook armed", async () => {
      const r = await cluster.request(
        "GET",
        "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/istio-validator-istio-system",
      );
      const h = r.body.webhooks?.[0];
      return h?.clientConfig?.caBundle && h.failurePolicy === "Fail" ? true : undefined;
    });
    const a = await apply(cluster, manifest);
    assert.equal(a.code, 0, show(a));
    assert.deepEqual((await list("/apis/telemetry.istio.io/v1/telemetries")).sort(), [
      "istio-system/mesh-default",
      "shop/access-logs",
    ]);
    assert.deepEqual(await monitors(), []);
    const st = await statusJson();
    assert.equal(st["observability/providers"]?.state, "ok", JSON.stringify(st));
    assert.equal(st["observability/telemetry"]?.state, "ok");
    assert.equal(st["observability/monitors"]?.state, "warning");
    assert.match(st["observability/monitors"]?.message, /CRDs are not in the cluster/);
    assert.equal(st["observability/dashboards"]?.state, "ok");
  });

  it("with the CRDs: apply creates the monitors, and the port and path the ServiceMonitor names on istiod serve Prometheus text", async () => {
    const { cluster, istiods } = ctx;
    const crds = execFileSync(
      process.execPath,
      [join(root, "scripts", "fetch-prometheus-operator-crds.mjs")],
      {
        encoding: "utf8",
      },
    ).trim();
    for (const f of [
      "monitoring.coreos.com_servicemonitors.yaml",
      "monitoring.coreos.com_podmonitors.yaml",
    ]) {
      const crd = parseYaml(readFileSync(join(crds, f), "utf8"));
      const r = await cluster.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
      assert.equal(r.status, 201, JSON.stringify(r.body).slice(0, 300));
    }
    await waitFor("monitor CRDs established", async () => {
      const r = await cluster.request("GET", "/apis/monitoring.coreos.com/v1/podmonitors");
      return r.status === 200 ? true : undefined;
    });
    const a = await apply(cluster, manifest);
    assert.equal(a.code, 0, show(a));
    assert.deepEqual((await monitors()).sort(), ["istio-system/istio-proxies", "istio-system/istiod"]);
    // follow the ServiceMonitor: its selector and port name → the istiod Service's port → istiod
    const sm = (
      await cluster.request(
        "GET",
        "/apis/monitoring.coreos.com/v1/namespaces/istio-system/servicemonitors/istiod",
      )
    ).body;
    const [endpoint] = sm.spec.endpoints;
    const selector = Object.entries(sm.spec.selector.matchLabels as Record<string, string>)
      .map(([k, v]) => `${k}%3D${v}`)
      .join(",");
    const services: Body[] = (
      await cluster.request("GET", `/api/v1/namespaces/istio-system/services?labelSelector=${selector}`)
    ).body.items;
    assert.equal(services.length, 1, "one istiod Service selected");
    const port = services[0].spec.ports.find((p: Body) => p.name === endpoint.port);
    assert.ok(port, `the istiod Service has a port named ${endpoint.port}`);
    const istiod = (await istiods.ready("default")) as unknown as { ports: Record<string, number> };
    const hostPort = istiod.ports[String(port.targetPort ?? port.port)];
    assert.ok(hostPort, `istiod listens on container port ${port.targetPort}`);
    const text = await (await fetch(`http://127.0.0.1:${hostPort}${endpoint.path}`)).text();
    const families: { name: string; metrics: unknown[] }[] = parsePrometheusTextFormat(text);
    const names = families.map((f) => f.name);
    assert.ok(
      names.includes("pilot_xds_pushes") || names.some((n) => n.startsWith("pilot_")),
      names.join(" "),
    );
    assert.ok(families.every((f) => Array.isArray(f.metrics)));
    const st = await statusJson();
    assert.equal(st["observability/monitors"]?.state, "ok", JSON.stringify(st["observability/monitors"]));
  });

  it("destroy removes every Telemetry, monitor and dashboard planton created", async () => {
    const d = await cli(ctx.cluster, [
      "destroy",
      "--yes",
      "-f",
      manifest,
      "--set",
      `spec.charts.repository=${charts}`,
    ]);
    assert.equal(d.code, 0, show(d));
    assert.deepEqual(await list("/apis/telemetry.istio.io/v1/telemetries"), []);
    assert.deepEqual(await monitors(), []);
    assert.deepEqual(await list("/api/v1/configmaps"), []);
  });
});
