/**
 * End to end across two clusters: two API servers of the harness on 127.0.0.1, each with kwok
 * nodes (webhooks off, no istiod process: kwok marks istiod's pods ready). One `planton apply`
 * with two manifests installs a multi-primary mesh over two networks, then a primary-remote one.
 * What is real: the charts, the engine, both API servers, the remote secrets' service accounts,
 * tokens and RBAC (the test reads the other cluster with the kubeconfig istiod would use). What
 * stays simulated: no traffic flows (kwok runs no proxies, no gateway gets a load-balancer
 * address, no istiod reads the remote secret).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { chartsDir, serveFolder } from "../fidelity/helm.js";
import { e2eBin, suiteWork } from "../helpers/e2e-suite.js";
import { simulateWebhookCaBundles, writeManifest, writeMeshPluginCas } from "../helpers/e2e-mesh.js";
import { plantonEnv, type Result, runPlanton, show } from "./run-cli.js";
// @ts-expect-error: plain JavaScript harness
import { startCluster, stopCluster } from "./cluster/harness.mjs";

// biome-ignore lint/suspicious/noExplicitAny: API responses are free-form
type Body = any;
interface Cluster {
  dir: string;
  server: string;
  kubeconfigPath: string;
  request: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: Body }>;
}

const bin = e2eBin;
const { work, tmp, figures } = suiteWork("multicluster", { removeOnExit: false });

let charts = "";
let closeCharts: () => Promise<void> = async () => {};
const clusters: Cluster[] = [];
const [east, west] = [0, 1].map((i) => () => clusters[i] as Cluster);

before(async () => {
  const served = await serveFolder(chartsDir);
  charts = served.url;
  closeCharts = served.close;
  const t = Date.now();
  // the second cluster shares the binaries of the first; both start side by side
  clusters.push(
    ...((await Promise.all([
      startCluster({ binDir: bin, nodes: 1 }),
      startCluster({ binDir: bin, nodes: 1 }),
    ])) as Cluster[]),
  );
  figures.twoClusters = (Date.now() - t) / 1000;
});
const stopped = new Set<Cluster>();
after(async () => {
  await Promise.all(clusters.filter((c) => !stopped.has(c)).map((c) => stopCluster(c)));
  await closeCharts();
});

const cli = (args: string[]): Promise<Result> =>
  runPlanton(args, plantonEnv({ bin, kubeconfigPath: east().kubeconfigPath, work, tmp }));
const files = (...names: string[]) => names.flatMap((n) => ["-f", join(work, `${n}.yaml`)]);

/** One plug-in CA per cluster, both signed by one root: the mesh's one trust root. */
const pluginCas = (): string => writeMeshPluginCas(work, "Planton Mesh Root CA", ["east", "west"]);
const manifest = (name: string, lines: string[]): void => writeManifest(work, name, lines, charts);

/** A GET against a cluster's API server with a kubeconfig's server, CA and bearer token. */
function getWithKubeconfig(kubeconfig: string, path: string): Promise<{ status: number; body: Body }> {
  const k = parse(kubeconfig) as Body;
  const server = new URL(k.clusters[0].cluster.server);
  const ca = Buffer.from(k.clusters[0].cluster["certificate-authority-data"], "base64");
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: server.hostname,
        port: server.port,
        path,
        method: "GET",
        ca,
        headers: { authorization: `Bearer ${k.users[0].user.token}` },
      },
      (res) => {
        let data = "";
        res.on("data", (d) => {
          data += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data ? JSON.parse(data) : {} }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** The remote secret `istio-remote-secret-<remote>` in `cluster`, and the kubeconfig it holds. */
async function remoteSecret(cluster: Cluster, remote: string): Promise<{ secret: Body; kubeconfig: string }> {
  const r = await cluster.request(
    "GET",
    `/api/v1/namespaces/istio-system/secrets/istio-remote-secret-${remote}`,
  );
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { secret: r.body, kubeconfig: Buffer.from(r.body.data[remote], "base64").toString("utf8") };
}

/** Every file under `dir`, read as text. */
function allText(dir: string): string {
  let out = "";
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = join(e.parentPath, e.name);
    if (e.isFile() && statSync(p).size < 20_000_000) out += readFileSync(p, "latin1");
  }
  return out;
}

/** planton's objects left in a cluster: its reader, remote secrets, east-west gateway, namespaces. */
async function plantonObjects(cluster: Cluster): Promise<string[]> {
  const left: string[] = [];
  const list = async (path: string) => ((await cluster.request("GET", path)).body.items ?? []) as Body[];
  for (const s of await list("/api/v1/secrets?labelSelector=istio%2FmultiCluster%3Dtrue"))
    left.push(`Secret ${s.metadata.namespace}/${s.metadata.name}`);
  for (const s of await list("/api/v1/namespaces/kube-system/serviceaccounts"))
    if (s.metadata.name.startsWith("istio-reader-"))
      left.push(`ServiceAccount kube-system/${s.metadata.name}`);
  for (const r of await list("/apis/rbac.authorization.k8s.io/v1/clusterroles"))
    if (r.metadata.labels?.["app.kubernetes.io/managed-by"] === "planton")
      left.push(`ClusterRole ${r.metadata.name}`);
  for (const n of await list("/api/v1/namespaces"))
    if (n.metadata.name === "istio-system" && n.status?.phase !== "Terminating")
      left.push("Namespace istio-system");
  for (const d of await list("/apis/apps/v1/deployments"))
    if (d.metadata.namespace === "istio-system") left.push(`Deployment istio-system/${d.metadata.name}`);
  return left;
}

/**
 * What istiod does at start-up and kwok cannot: write a CA bundle into the webhooks that call an
 * istiod Service (on a remote cluster the primary's istiod does it through its remote secret),
 * and with a plug-in CA publish the root as istio-ca-root-cert. Simulated, so that status's
 * webhook and CA checks can pass here.
 */
async function simulateIstiod(cluster: Cluster, rootCert?: string): Promise<void> {
  await simulateWebhookCaBundles(cluster);
  if (rootCert === undefined) return;
  const r = await cluster.request("POST", "/api/v1/namespaces/istio-system/configmaps", {
    metadata: { name: "istio-ca-root-cert", namespace: "istio-system" },
    data: { "root-cert.pem": rootCert },
  });
  assert.ok([201, 409].includes(r.status), JSON.stringify(r.body));
}

interface StatusDoc {
  stack: string;
  state: string;
  checks: { name: string; category: string; state: string; message: string }[];
}

/**
 * `status -f … -f …` as JSON: the reports by stack, after asserting the exit code. `wait`: right
 * after an apply the API server can answer 429 while a new CRD's storage initializes, which
 * --wait retries.
 */
async function meshStatus(names: string[], code: number, wait = "60s"): Promise<Map<string, StatusDoc>> {
  const r = await cli(["status", "-o", "json", "--wait", wait, ...files(...names)]);
  assert.equal(r.code, code, show(r));
  const doc = JSON.parse(r.stdout) as { operation: string; stacks: StatusDoc[] };
  assert.equal(doc.operation, "status");
  return new Map(doc.stacks.map((s) => [s.stack, s]));
}

const check = (doc: StatusDoc | undefined, name: string) => {
  const c = doc?.checks.find((x) => x.name === name);
  assert.ok(c, `no check ${name}: ${JSON.stringify(doc?.checks.map((x) => x.name))}`);
  return c;
};

describe("multi-primary on two networks, applied with one command", { concurrency: false }, () => {
  it("apply -f east -f west installs istiod, an east-west gateway, the network label and a remote secret in each", async () => {
    pluginCas();
    for (const [name, other, net] of [
      ["east", "west", "net-east"],
      ["west", "east", "net-west"],
    ] as const) {
      const kubeconfig = (name === "east" ? east() : west()).kubeconfigPath;
      const otherKubeconfig = (other === "east" ? east() : west()).kubeconfigPath;
      manifest(name, [
        "profile: minimal",
        "targetCluster:",
        `  kubeconfig: ${kubeconfig}`,
        "ca:",
        "  type: PLUGIN",
        "  plugin:",
        `    directory: ./cacerts-${name}`,
        "multiCluster:",
        "  meshId: mesh1",
        `  clusterName: ${name}`,
        `  network: ${net}`,
        "  remotes:",
        `    - clusterName: ${other}`,
        `      kubeconfig: ${otherKubeconfig}`,
        "eastWestGateway:",
        "  service:",
        "    type: ClusterIP",
      ]);
    }
    const a = await cli(["apply", "--yes", "--no-verify", ...files("east", "west")]);
    figures.applyMultiPrimary = a.seconds;
    assert.equal(a.code, 0, show(a));
    for (const [cluster, name, other, net] of [
      [east(), "east", "west", "net-east"],
      [west(), "west", "east", "net-west"],
    ] as const) {
      const ns = await cluster.request("GET", "/api/v1/namespaces/istio-system");
      assert.equal(ns.body.metadata.labels["topology.istio.io/network"], net, `${name}: network label`);
      const istiod = await cluster.request("GET", "/apis/apps/v1/namespaces/istio-system/deployments/istiod");
      assert.equal(istiod.status, 200, `${name}: istiod`);
      const env = istiod.body.spec.template.spec.containers[0].env as { name: string; value?: string }[];
      assert.equal(env.find((e) => e.name === "CLUSTER_ID")?.value, name);
      const gw = await cluster.request(
        "GET",
        "/api/v1/namespaces/istio-system/services/istio-eastwestgateway",
      );
      assert.equal(gw.status, 200, `${name}: east-west gateway Service`);
      assert.ok(
        (gw.body.spec.ports as { port: number }[]).some((p) => p.port === 15443),
        `${name}: 15443 on the east-west gateway: ${JSON.stringify(gw.body.spec.ports)}`,
      );
      const cng = await cluster.request(
        "GET",
        "/apis/networking.istio.io/v1/namespaces/istio-system/gateways/cross-network-gateway",
      );
      assert.equal(cng.status, 200, `${name}: cross-network Gateway`);
      assert.equal(cng.body.spec.servers[0].tls.mode, "AUTO_PASSTHROUGH");
      const { secret, kubeconfig } = await remoteSecret(cluster, other);
      assert.equal(secret.metadata.labels["istio/multiCluster"], "true");
      assert.equal(secret.metadata.annotations["networking.istio.io/cluster"], other);
      // the kubeconfig istiod would use really authenticates against the other API server,
      // and its service account reads what istiod reads there
      const otherCluster = other === "east" ? east() : west();
      assert.equal(parse(kubeconfig).clusters[0].cluster.server, otherCluster.server);
      const pods = await getWithKubeconfig(kubeconfig, "/api/v1/pods?limit=1");
      assert.equal(pods.status, 200, `${name} → ${other}: ${JSON.stringify(pods.body)}`);
      const otherIstiod = await getWithKubeconfig(
        kubeconfig,
        "/api/v1/namespaces/istio-system/services/istiod",
      );
      assert.equal(otherIstiod.status, 200, `${name} reads ${other}'s istiod Service`);
      // read only: the reader cannot delete what it reads
      const token = parse(kubeconfig).users[0].user.token as string;
      assert.ok(token.length > 20);
      assert.ok(!a.stdout.includes(token) && !a.stderr.includes(token), "the token is never printed");
      assert.ok(!allText(join(work, "planton")).includes(token), "the token is not in clear in the state");
    }
  });

  it("status -f east -f west: both healthy, each reading the other through its remote secret", async () => {
    const root = readFileSync(join(work, "ca", "root-cert.pem"), "utf8");
    await Promise.all([simulateIstiod(east(), root), simulateIstiod(west(), root)]);
    const t = Date.now();
    const reports = await meshStatus(["east", "west"], 0);
    figures.statusMultiPrimary = (Date.now() - t) / 1000;
    for (const [name, other] of [
      ["east", "west"],
      ["west", "east"],
    ] as const) {
      const doc = reports.get(name);
      assert.deepEqual(
        doc?.checks.filter((c) => c.state !== "ok"),
        [],
        `${name}: every check ok`,
      );
      assert.match(check(doc, "istiod/default").message, /^istiod istio-system\/istiod ready/);
      assert.equal(check(doc, `remote-secret/${other}`).state, "ok");
      assert.equal(check(doc, "gateway/istio-eastwestgateway").state, "ok");
    }
    const table = await cli(["status", ...files("east", "west")]);
    assert.equal(table.code, 0, show(table));
    assert.match(table.stdout, /^# stack east \(.*east\.yaml\)$/m);
    assert.match(
      table.stdout,
      /^ok {4}remote-secrets +remote secret istio-system\/istio-remote-secret-west present/m,
    );
    console.log(`\nplanton status -f east.yaml -f west.yaml (multi-primary):\n${table.stdout}`);
  });

  it("preview of both with --expect-no-changes finds nothing to change", async () => {
    const p = await cli(["preview", "--expect-no-changes", ...files("east", "west")]);
    figures.previewMultiPrimary = p.seconds;
    assert.equal(p.code, 0, show(p));
    assert.match(p.stdout, /# stack east/);
    assert.match(p.stdout, /# stack west/);
  });

  it("destroy -f east -f west leaves neither cluster with planton's objects", async () => {
    const d = await cli(["destroy", "--yes", ...files("east", "west")]);
    figures.destroyMultiPrimary = d.seconds;
    assert.equal(d.code, 0, show(d));
    for (const c of [east(), west()]) assert.deepEqual(await plantonObjects(c), []);
  });
});

describe("primary-remote: the remote's injector calls the primary", { concurrency: false }, () => {
  it("apply -f remote -f primary: the remote's annotated namespace, then the primary, then the remote pointing at it", async () => {
    manifest("primary", [
      "profile: minimal",
      "targetCluster:",
      `  kubeconfig: ${east().kubeconfigPath}`,
      "multiCluster:",
      "  meshId: mesh1",
      "  clusterName: primary",
      "  network: net1",
      "  remotes:",
      "    - clusterName: remote",
      `      kubeconfig: ${west().kubeconfigPath}`,
      "eastWestGateway:",
      "  exposeIstiod: true",
      "  service:",
      "    type: ClusterIP",
    ]);
    manifest("remote", [
      "profile: remote",
      "targetCluster:",
      `  kubeconfig: ${west().kubeconfigPath}`,
      "multiCluster:",
      "  meshId: mesh1",
      "  clusterName: remote",
      "  network: net1",
      "  primary:",
      "    clusterName: primary",
      "    address: 192.0.2.10",
    ]);
    // given in the "wrong" order: planton orders them
    const a = await cli(["apply", "--yes", "--no-verify", ...files("remote", "primary")]);
    figures.applyPrimaryRemote = a.seconds;
    assert.equal(a.code, 0, show(a));
    // the remote's annotated namespace first (the primary's istiod reads it once, when the remote
    // secret appears), then the primary's whole update, then the remote's releases
    const remoteNamespace = a.stderr.indexOf("[stack remote] namespace istio-system: create done");
    const primaryStart = a.stderr.search(/\[stack primary\] .*: create started/);
    const primaryDone = a.stderr.lastIndexOf("[stack primary]");
    const remoteReleases = a.stderr.indexOf("[stack remote] release ");
    assert.ok(
      remoteNamespace >= 0 && primaryStart > remoteNamespace && remoteReleases > primaryDone,
      `the remote's namespace, the primary, then the remote:\n${a.stderr}`,
    );
    const mwc = await west().request(
      "GET",
      "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-sidecar-injector",
    );
    assert.equal(mwc.status, 200, JSON.stringify(mwc.body));
    // as Istio's chart does it for an IP address: the webhooks call the Service istiod of the
    // remote cluster, whose only endpoint is the primary's address on the webhook port
    for (const h of mwc.body.webhooks as Body[]) {
      assert.equal(h.clientConfig.service?.name, "istiod", JSON.stringify(h.clientConfig));
      assert.equal(h.clientConfig.service?.path, "/inject/cluster/remote/net/net1");
    }
    const slices = await west().request(
      "GET",
      "/apis/discovery.k8s.io/v1/namespaces/istio-system/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Distiod",
    );
    const endpoints = (slices.body.items as Body[]).flatMap((s) =>
      (s.endpoints as Body[]).flatMap((e) => e.addresses as string[]),
    );
    assert.deepEqual(endpoints, ["192.0.2.10"], JSON.stringify(slices.body));
    const ports = (slices.body.items as Body[]).flatMap((s) => (s.ports as Body[]).map((p) => p.port));
    assert.ok(ports.includes(15017), `webhook port among ${ports}`);
    const istiod = await west().request("GET", "/apis/apps/v1/namespaces/istio-system/deployments/istiod");
    assert.equal(istiod.status, 404, "a remote cluster runs no istiod");
    const ns = await west().request("GET", "/api/v1/namespaces/istio-system");
    assert.equal(ns.body.metadata.annotations["topology.istio.io/controlPlaneClusters"], "primary");
    const vs = await east().request(
      "GET",
      "/apis/networking.istio.io/v1/namespaces/istio-system/gateways/istiod-gateway",
    );
    assert.equal(vs.status, 200, "the primary exposes istiod through its east-west gateway");
    const { kubeconfig } = await remoteSecret(east(), "remote");
    const r = await getWithKubeconfig(kubeconfig, "/api/v1/namespaces/istio-system/configmaps");
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });

  it("status -f primary -f remote: the remote is served by the primary, the primary's remote secret is ok", async () => {
    // before istiod writes the bundles (kwok runs none): exactly the webhook checks fail, on both
    const before = await meshStatus(["primary", "remote"], 4, "4s");
    for (const [stack, doc] of before)
      assert.deepEqual(
        doc.checks.filter((c) => c.state !== "ok").map((c) => `${c.name}: ${c.state}`),
        ["injector/default: error", "validation: error"],
        `${stack}: ${JSON.stringify(doc.checks.filter((c) => c.state !== "ok"))}`,
      );
    assert.match(
      before.get("remote")?.checks.find((c) => c.name === "injector/default")?.message ?? "",
      /has no CA bundle .*: the API server cannot call the primary primary's istiod/,
    );
    await Promise.all([simulateIstiod(east()), simulateIstiod(west())]);
    const t = Date.now();
    const reports = await meshStatus(["primary", "remote"], 0);
    figures.statusPrimaryRemote = (Date.now() - t) / 1000;
    const remote = reports.get("remote");
    assert.deepEqual(
      remote?.checks.filter((c) => c.state !== "ok"),
      [],
    );
    assert.deepEqual(
      remote?.checks.filter((c) => c.category === "control-plane").map((c) => c.message),
      [
        "served by the primary primary at 192.0.2.10 (Service istio-system/istiod → EndpointSlice 192.0.2.10)",
      ],
    );
    const primary = reports.get("primary");
    assert.deepEqual(
      primary?.checks.filter((c) => c.state !== "ok"),
      [],
    );
    assert.equal(check(primary, "remote-secret/remote").state, "ok");
    const table = await cli(["status", ...files("remote", "primary")]);
    assert.equal(table.code, 0, show(table));
    console.log(`\nplanton status -f remote.yaml -f primary.yaml (primary-remote):\n${table.stdout}`);
  });

  it("destroy of both removes the remote first and leaves nothing of planton's", async () => {
    const d = await cli(["destroy", "--yes", ...files("primary", "remote")]);
    figures.destroyPrimaryRemote = d.seconds;
    assert.equal(d.code, 0, show(d));
    for (const c of [east(), west()]) assert.deepEqual(await plantonObjects(c), []);
  });
});

describe("destroy when a remote cluster is gone", { concurrency: false }, () => {
  it("stops before changing anything; --forget-unreachable-remotes removes the rest and says what stays", async () => {
    const a = await cli(["apply", "--yes", "--no-verify", ...files("primary")]);
    assert.equal(a.code, 0, show(a));
    const { kubeconfig } = await remoteSecret(east(), "remote");
    assert.equal((await getWithKubeconfig(kubeconfig, "/api/v1/namespaces")).status, 200);
    // the remote cluster goes away for good (its API server and etcd stop)
    stopped.add(west());
    await stopCluster(west());
    const refused = await cli(["destroy", "--yes", ...files("primary")]);
    assert.equal(refused.code, 1, show(refused));
    assert.match(refused.stderr, /remote cluster cannot be reached: remote/);
    assert.match(refused.stderr, /nothing was changed/);
    assert.ok(
      (await plantonObjects(east())).includes("Deployment istio-system/istiod"),
      "nothing was removed",
    );
    const d = await cli(["destroy", "--yes", "--forget-unreachable-remotes", ...files("primary")]);
    figures.destroyUnreachableRemote = d.seconds;
    assert.equal(d.code, 0, show(d));
    assert.match(
      d.stderr,
      /these stay behind: in remote: ServiceAccount and Secret kube-system\/istio-reader-primary-remote/,
    );
    assert.deepEqual(await plantonObjects(east()), []);
  });
});
