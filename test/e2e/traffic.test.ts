/**
 * End to end: the mesh planton configures works as a mesh (issue 28). Two clusters of the harness
 * (webhooks on), each with a real istiod per istiod Deployment (watchIstiods plays the kubelet).
 *
 * 1. Multi-primary: each istiod reads the other cluster through the remote secret planton wrote
 *    (the kubeconfig of the reader account, with the RBAC planton created there), shown by
 *    istiod's own debug interface: /debug/clusterz names the other cluster by the manifest's
 *    clusterName, /debug/registryz and /debug/endpointShardz hold its Service and the pod's
 *    address with the manifest's network.
 * 2. Workload identity: a pod's agent (pilot-agent, proxyless, run as a host process) obtains its
 *    certificate from istiod with the pod's bound service-account token; the chain ends at the
 *    manifest's plug-in root and the SPIFFE ID carries its trust domain, namespace and account.
 * 3. Primary-remote: a pod created in a labelled namespace of the remote is injected by the
 *    primary's istiod, through the path planton configured (the remote's webhook calls its istiod
 *    Service, whose EndpointSlice holds the manifest's primary address; the harness maps that
 *    address to the primary's istiod, as the primary's east-west gateway would).
 * Traffic between workloads (level 3, proxyless gRPC echo programs): traffic-calls.test.ts.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { e2eBin, suiteWork } from "../helpers/e2e-suite.js";
import { writeManifest, writeMeshPluginCas } from "../helpers/e2e-mesh.js";
import {
  type Body,
  type Cluster,
  debug,
  endpointShards,
  pemChain,
  verifyChain,
  waitFor,
  workload,
} from "./mesh-helpers.js";
import { plantonEnv, type Result, runPlanton, show } from "./run-cli.js";
import {
  type Istiods,
  multiPrimarySpec,
  otherCluster,
  startTwoClusters,
  watchIstiodsOf,
} from "./two-clusters.js";
// @ts-expect-error: plain JavaScript harness
import { startAgent } from "./cluster/agent.mjs";

const bin = e2eBin;
const { work, tmp, figures } = suiteWork("traffic", { removeOnExit: true });

const TRUST_DOMAIN = "mesh.planton.test";
const NETWORKS = { east: "net-east", west: "net-west" } as const;
let charts = "";
let stopClusters: () => Promise<void> = async () => {};
const clusters: Record<"east" | "west", Cluster> = {} as never;
let istiods: Record<"east" | "west", Istiods> = {} as never;
const agents: { stop: () => Promise<void> }[] = [];

before(async () => {
  const two = await startTwoClusters();
  Object.assign(clusters, two.clusters);
  istiods = two.istiods; // the same object: a restart replaces a watcher there, which stop() then stops
  charts = two.charts;
  stopClusters = two.stop;
  figures.twoClusters = two.seconds;
});
after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await stopClusters();
});

const cli = (args: string[]): Promise<Result> =>
  runPlanton(args, plantonEnv({ bin, kubeconfigPath: clusters.east.kubeconfigPath, work, tmp }));
const files = (...names: string[]) => names.flatMap((n) => ["-f", join(work, `${n}.yaml`)]);

const manifest = (name: string, lines: string[]): void => writeManifest(work, name, lines, charts);

/** One plug-in CA per cluster, both signed by one root (the mesh's root), as files planton reads. */
const pluginCas = (): string => writeMeshPluginCas(work, "Planton Traffic Root CA", ["east", "west"]);

const other = otherCluster;
const pods: Partial<Record<"east" | "west", Body>> = {};
const plainPods: Partial<Record<"east" | "west", Body>> = {};
let applied = false; // the later steps of a block need its apply: they fail at once without it

describe("multi-primary: each istiod reads the other cluster through planton's remote secret", {
  concurrency: false,
}, () => {
  let root = "";
  it("apply -f east -f west with both istiods running", async () => {
    root = pluginCas();
    for (const name of ["east", "west"] as const)
      manifest(
        name,
        multiPrimarySpec(clusters, name, {
          network: NETWORKS[name],
          trustDomain: TRUST_DOMAIN,
          extra: ["eastWestGateway:", "  service:", "    type: ClusterIP"],
        }),
      );
    const a = await cli(["apply", "--yes", "--no-verify", ...files("east", "west")]);
    figures.applyMultiPrimary = a.seconds;
    assert.equal(a.code, 0, show(a));
    applied = true;
    for (const name of ["east", "west"] as const) {
      pods[name] = await workload(clusters[name], "app", `hello-${name}`);
      // not injected (default has no injection label): its network comes from istio-system's label
      plainPods[name] = await workload(clusters[name], "default", `plain-${name}`);
    }
  });

  for (const name of ["east", "west"] as const)
    it(`${name}'s istiod names ${other(name)} by its clusterName and holds its endpoints on ${NETWORKS[other(name)]}`, async () => {
      assert.ok(applied, "the apply failed");
      const istiod = await istiods[name].ready("default");
      const peer = other(name);
      const t = Date.now();
      const clusterz = await waitFor(`${name}'s istiod: ${peer} synced`, async () => {
        const list = (await debug(istiod, "/debug/clusterz")) as Body[];
        return list.some((c) => c.id === peer && c.syncStatus === "synced") ? list : undefined;
      });
      assert.deepEqual(
        clusterz.map((c: Body) => [c.id, c.secretName]).sort(),
        [
          [name, ""],
          [peer, `istio-system/istio-remote-secret-${peer}`],
        ].sort(),
      );
      const host = `hello-${peer}.app.svc.cluster.local`;
      const registry = (await debug(istiod, "/debug/registryz")) as Body[];
      assert.ok(
        registry.some((s) => s.hostname === host),
        `${host} in ${name}'s registry: ${registry.map((s) => s.hostname)}`,
      );
      const podIP = pods[peer]?.status.podIP;
      const shards = await waitFor(`${name}'s istiod: endpoints of ${host}`, async () => {
        const s = await endpointShards(istiod, host, "app");
        return s[`Kubernetes/${peer}`]?.length ? s : undefined;
      });
      assert.deepEqual(
        Object.keys(shards),
        [`Kubernetes/${peer}`],
        "the endpoints come from the other cluster only",
      );
      assert.deepEqual(
        shards[`Kubernetes/${peer}`]?.map((e) => [e.Addresses, e.Network]),
        [[[podIP], NETWORKS[peer]]],
      );
      const plainHost = `plain-${peer}.default.svc.cluster.local`;
      const plain = await waitFor(`${name}'s istiod: endpoints of ${plainHost}`, async () => {
        const s = await endpointShards(istiod, plainHost, "default");
        return s[`Kubernetes/${peer}`]?.length ? s : undefined;
      });
      assert.deepEqual(
        plain[`Kubernetes/${peer}`]?.map((e) => [e.Addresses, e.Network]),
        [[[plainPods[peer]?.status.podIP], NETWORKS[peer]]],
        "a pod without the injected network label: the network of istio-system's label",
      );
      figures[`${name}SeesPeer`] = (Date.now() - t) / 1000;
    });

  for (const name of ["east", "west"] as const)
    it(`a pod's agent in ${name} gets a certificate for its service account, chained to the plug-in root`, async () => {
      assert.ok(applied, "the apply failed");
      const istiod = await istiods[name].ready("default");
      const pod = pods[name];
      const t = Date.now();
      const agent = await startAgent(clusters[name], { pod, istiod, clusterId: name });
      agents.push(agent);
      figures[`${name}AgentCert`] = (Date.now() - t) / 1000;
      const chain = pemChain(agent.certs.chain);
      const [planRoot] = pemChain(root);
      assert.ok(planRoot);
      const uris = verifyChain(chain, planRoot);
      assert.deepEqual(uris, [`spiffe://${TRUST_DOMAIN}/ns/app/sa/hello-${name}`]);
      assert.equal(pemChain(agent.certs.root)[0]?.fingerprint256, planRoot.fingerprint256, "root-cert.pem");
      const intermediate = pemChain(readFileSync(join(work, `cacerts-${name}`, "ca-cert.pem"), "utf8"))[0];
      assert.equal(
        chain[1]?.fingerprint256,
        intermediate?.fingerprint256,
        `signed by ${name}'s intermediate`,
      );
      await agent.stop();
    });

  it("destroy -f east -f west", async () => {
    const d = await cli(["destroy", "--yes", ...files("east", "west")]);
    assert.equal(d.code, 0, show(d));
  });
});

const PRIMARY_ADDRESS = "192.0.2.10";

/** The remote's injector webhooks all have a caBundle (the primary's istiod patched them). */
const remoteInjectorPatched = (timeoutMs = 60000) =>
  waitFor(
    "the remote's injector patched by the primary's istiod",
    async () => {
      const r = await clusters.west.request(
        "GET",
        "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-sidecar-injector",
      );
      const hooks: Body[] = r.body.webhooks ?? [];
      return hooks.length > 0 && hooks.every((h) => h.clientConfig.caBundle) ? true : undefined;
    },
    timeoutMs,
  );

describe("primary-remote: the remote's pods are injected by the primary's istiod", {
  concurrency: false,
}, () => {
  let unregister = () => {};
  after(() => unregister());

  it("apply -f primary -f remote", async () => {
    applied = false;
    manifest("primary", [
      "profile: minimal",
      "targetCluster:",
      `  kubeconfig: ${clusters.east.kubeconfigPath}`,
      "multiCluster:",
      "  meshId: mesh1",
      "  clusterName: primary",
      "  network: net1",
      "  remotes:",
      "    - clusterName: remote",
      `      kubeconfig: ${clusters.west.kubeconfigPath}`,
      "eastWestGateway:",
      "  exposeIstiod: true",
      "  service:",
      "    type: ClusterIP",
    ]);
    manifest("remote", [
      "profile: remote",
      "targetCluster:",
      `  kubeconfig: ${clusters.west.kubeconfigPath}`,
      "namespaces:",
      "  - name: shop",
      "    create: true",
      "multiCluster:",
      "  meshId: mesh1",
      "  clusterName: remote",
      "  network: net1",
      "  primary:",
      "    clusterName: primary",
      `    address: ${PRIMARY_ADDRESS}`,
    ]);
    const a = await cli(["apply", "--yes", "--no-verify", ...files("primary", "remote")]);
    figures.applyPrimaryRemote = a.seconds;
    assert.equal(a.code, 0, show(a));
    applied = true;
    const primary = await istiods.east.ready("default");
    // the primary's address stands for its east-west gateway, which passes 15017 to istiod
    unregister = clusters.west.addHostEndpoint({
      name: "primary's east-west gateway",
      address: PRIMARY_ADDRESS,
      ports: { 15017: primary.ports[15017] as number, 15012: primary.ports[15012] as number },
    });
  });

  // istiod decides once, when it adds the remote cluster from its secret, whether it leads there
  // (EXTERNAL_ISTIOD: the remote's istio-system must carry topology.istio.io/controlPlaneClusters),
  // so the remote stack creates that namespace before the primary's stack changes anything
  it("the primary's istiod patches the remote's injector right after the apply", async () => {
    assert.ok(applied, "the apply failed");
    await remoteInjectorPatched(20000); // after a restart it takes under 1 s
  });

  it("after a restart of the primary's istiod, a pod in the remote's labelled namespace is injected by it", async () => {
    assert.ok(applied, "the apply failed");
    // as `kubectl rollout restart deployment/istiod` would: a new istiod process
    await istiods.east.stop();
    istiods.east = watchIstiodsOf(clusters.east, "east");
    const primary = await istiods.east.ready("default");
    unregister();
    unregister = clusters.west.addHostEndpoint({
      name: "primary's east-west gateway",
      address: PRIMARY_ADDRESS,
      ports: { 15017: primary.ports[15017] as number, 15012: primary.ports[15012] as number },
    });
    await remoteInjectorPatched();
    const pod = await workload(clusters.west, "shop", "cart");
    const proxy = (pod.spec.containers as Body[]).find((c) => c.name === "istio-proxy");
    assert.ok(proxy, `injected: ${(pod.spec.containers as Body[]).map((c) => c.name)}`);
    const env = Object.fromEntries((proxy.env as Body[]).map((e) => [e.name, e.value]));
    assert.equal(env.ISTIO_META_CLUSTER_ID, "remote", "the remote's clusterName, from the webhook's path");
    assert.equal(env.ISTIO_META_NETWORK, "net1");
    assert.equal(JSON.parse(pod.metadata.annotations["sidecar.istio.io/status"]).revision, "default");
    const egress = readFileSync(join(clusters.west.dir, "egress.log"), "utf8");
    assert.match(egress, new RegExp(`service istio-system/istiod \\(endpoint ${PRIMARY_ADDRESS}:15017`));
  });
});
