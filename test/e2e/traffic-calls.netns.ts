/**
 * The traffic suite proper (issue 28, level 3), run by traffic-calls.test.ts inside a network
 * namespace of its own (cluster/netns.mjs), where the harness's pod IPs are local addresses.
 *
 * Two clusters, multi-primary on one network, STRICT mTLS and a trust domain from the manifest,
 * each with its real istiod (watchIstiods). Pods are proxyless gRPC workloads, injected by istiod
 * with the `grpc-agent` template; each runs as host processes: pilot-agent (agent.mjs, with the
 * injected CLUSTER_ID) and Istio's echo server or client (echo.mjs) on its bootstrap.
 * A DestinationRule (ISTIO_MUTUAL) makes the clients use mTLS, as proxyless gRPC requires.
 *   (a) a call within the mesh succeeds over mTLS; (b) a plaintext call to the STRICT workload is
 *   refused; (c) an AuthorizationPolicy that denies the caller's SPIFFE principal (which only an
 *   mTLS peer certificate carries) makes the call fail, and removing it lets it through again;
 *   (d) a client in east reaches a Service whose only endpoints are in west.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { e2eBin, suiteWork } from "../helpers/e2e-suite.js";
import { writeManifest, writeMeshPluginCas } from "../helpers/e2e-mesh.js";
import { type Body, type Cluster, waitFor, workload } from "./mesh-helpers.js";
import { plantonEnv, runPlanton, show } from "./run-cli.js";
import { type Istiods, multiPrimarySpec, type Name, startTwoClusters } from "./two-clusters.js";
// @ts-expect-error: plain JavaScript harness
import { startAgent } from "./cluster/agent.mjs";
// @ts-expect-error: plain JavaScript harness
import { echoCall, startEchoServer } from "./cluster/echo.mjs";

if (process.env.PLANTON_E2E_NETNS !== "1")
  throw new Error("traffic-calls.netns.ts runs inside its network namespace: run traffic-calls.test.ts");

interface Agent {
  dir: string;
  bootstrap: string;
  stop: () => Promise<void>;
}
interface Call {
  ok: boolean;
  output: string;
  fields: Record<string, string>;
}

const bin = e2eBin;
const { work, tmp, figures } = suiteWork("traffic-calls", { removeOnExit: true });
const TRUST_DOMAIN = "mesh.planton.test";
const PORT = 7070;
const clusters = {} as Record<Name, Cluster>;
let istiods = {} as Record<Name, Istiods>;
const stops: (() => Promise<void>)[] = [];
let charts = "";
let stopClusters: () => Promise<void> = async () => {};

before(async () => {
  // distinct pod subnets: both clusters' pods share this namespace's addresses
  const two = await startTwoClusters({ east: 1, west: 101 });
  Object.assign(clusters, two.clusters);
  istiods = two.istiods; // the same object: a restart replaces a watcher there, which stop() then stops
  charts = two.charts;
  stopClusters = two.stop;
  figures.twoClusters = two.seconds;
});
after(async () => {
  for (const stop of stops.reverse()) await stop();
  await stopClusters();
});

const _other = (name: Name): Name => (name === "east" ? "west" : "east");

/** A pod of the grpc-agent template with its agent running: the injected env gives its cluster ID. */
async function meshPod(name: Name, app: string): Promise<{ pod: Body; agent: Agent }> {
  // no security.istio.io/tlsMode label (the template leaves it to the user): with it istiod would
  // make the server STRICT by itself; without it, the manifest's mesh-wide STRICT decides
  const pod = await workload(clusters[name], "app", app, {
    annotations: { "inject.istio.io/templates": "grpc-agent" },
  });
  const proxy = (pod.spec.containers as Body[]).find((c) => c.name === "istio-proxy");
  assert.ok(proxy, `${app} injected: ${(pod.spec.containers as Body[]).map((c) => c.name)}`);
  const env = Object.fromEntries((proxy.env as Body[]).map((e) => [e.name, e.value]));
  assert.equal(env.ISTIO_META_GENERATOR, "grpc", "the grpc-agent template");
  const istiod = await istiods[name].ready("default");
  const agent: Agent = await startAgent(clusters[name], {
    pod,
    istiod,
    clusterId: env.ISTIO_META_CLUSTER_ID,
    extraEnv: { ISTIO_META_NETWORK: env.ISTIO_META_NETWORK ?? "" },
  });
  stops.push(() => agent.stop());
  return { pod, agent };
}

const host = (app: string) => `xds:///${app}.app.svc.cluster.local:${PORT}`;
const pods: Partial<Record<string, { pod: Body; agent: Agent }>> = {};
let applied = false;
let served = false; // hello answered a call over the mesh

/** Calls until `want` holds for the result (istiod's pushes reach the workloads in their time). */
async function callUntil(what: string, url: string, want: (c: Call) => boolean, agent?: Agent) {
  let last: Call | undefined;
  try {
    return await waitFor(
      what,
      async () => {
        last = (await echoCall({ url, agent, timeout: "3s" })) as Call;
        return want(last) ? last : undefined;
      },
      45000,
      500,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}; last call:\n${last?.output}`);
  }
}

describe("proxyless gRPC workloads call each other through the mesh planton installed", {
  concurrency: false,
}, () => {
  it("apply -f east -f west (multi-primary, one network, STRICT mTLS, plug-in CA)", async () => {
    writeMeshPluginCas(work, "Planton Traffic Calls Root CA", ["east", "west"]);
    for (const name of ["east", "west"] as const)
      writeManifest(
        work,
        name,
        multiPrimarySpec(clusters, name, {
          network: "net1",
          trustDomain: TRUST_DOMAIN,
          extra: ["mtls:", "  mode: STRICT"],
        }),
        charts,
      );
    const env = plantonEnv({ bin, kubeconfigPath: clusters.east.kubeconfigPath, work, tmp });
    const files = ["east", "west"].flatMap((n) => ["-f", join(work, `${n}.yaml`)]);
    const a = await runPlanton(["apply", "--yes", "--no-verify", ...files], env);
    figures.apply = a.seconds;
    assert.equal(a.code, 0, show(a));
    applied = true;
  });

  it("the workloads' agents and echo servers start (hello in east, faraway only in west)", async () => {
    assert.ok(applied, "the apply failed");
    const t = Date.now();
    const servers = [
      ["east", "hello"],
      ["west", "faraway"],
    ] as const;
    for (const [name, app] of servers) {
      const p = await meshPod(name, app);
      pods[app] = p;
      const server = await startEchoServer(clusters[name], { ...p, port: PORT, cluster: name });
      stops.push(() => server.stop());
    }
    pods.caller = await meshPod("east", "caller");
    // proxyless gRPC has no auto-mTLS: clients use Istio's certificates only when a DestinationRule
    // says ISTIO_MUTUAL (the caller's istiod reads it from its own cluster)
    const dr = await clusters.east.request(
      "POST",
      "/apis/networking.istio.io/v1/namespaces/app/destinationrules",
      {
        apiVersion: "networking.istio.io/v1",
        kind: "DestinationRule",
        metadata: { name: "mesh-mtls" },
        spec: { host: "*.app.svc.cluster.local", trafficPolicy: { tls: { mode: "ISTIO_MUTUAL" } } },
      },
    );
    assert.equal(dr.status, 201, JSON.stringify(dr.body));
    figures.workloads = (Date.now() - t) / 1000;
  });

  it("(a) caller -> hello over the mesh (mTLS: ISTIO_MUTUAL, STRICT): the response names hello in east", async () => {
    const caller = pods.caller;
    assert.ok(caller && pods.hello, "the workloads did not start");
    const t = Date.now();
    const r = await callUntil("hello answers", host("hello"), (c) => c.ok, caller.agent);
    figures.firstCall = (Date.now() - t) / 1000;
    assert.equal(r.fields.ServiceVersion, pods.hello.pod.metadata.name, r.output);
    assert.equal(r.fields.Cluster, "east", r.output);
    // (the peer address the server saw is the namespace's first address, 10.244.0.1: the client
    // dials without binding its pod IP; its identity shows in (c))
    served = true;
  });

  it("(b) a plaintext call to hello (STRICT) is refused", async () => {
    const target = pods.hello?.pod.status.podIP;
    assert.ok(target && served, "hello did not answer over the mesh");
    const r = (await echoCall({ url: `grpc://${target}:${PORT}`, timeout: "3s" })) as Call;
    assert.equal(r.ok, false, `a plaintext call went through:\n${r.output}`);
    assert.equal(r.fields.ServiceVersion, undefined, r.output);
    // hello listens (it answered (a)): the connection is accepted and then closed, not refused
    assert.doesNotMatch(r.output, /connection refused/, r.output);
    assert.match(r.output, /Unavailable/, r.output);
  });

  it("(c) an AuthorizationPolicy denying the caller's principal makes the call fail; removing it lets it through", async () => {
    const caller = pods.caller;
    assert.ok(caller, "the workloads did not start");
    const path = "/apis/security.istio.io/v1/namespaces/app/authorizationpolicies";
    const principal = `${TRUST_DOMAIN}/ns/app/sa/caller`;
    const created = await clusters.east.request("POST", path, {
      apiVersion: "security.istio.io/v1",
      kind: "AuthorizationPolicy",
      metadata: { name: "deny-caller" },
      spec: {
        selector: { matchLabels: { app: "hello" } },
        action: "DENY",
        rules: [{ from: [{ source: { principals: [principal] } }] }],
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const denied = await callUntil("the call denied", host("hello"), (c) => !c.ok, caller.agent);
    assert.match(denied.output, /PermissionDenied|RBAC/i);
    const removed = await clusters.east.request("DELETE", `${path}/deny-caller`);
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    await callUntil("the call allowed again", host("hello"), (c) => c.ok, caller.agent);
  });

  it("(d) caller in east reaches faraway, whose only endpoints are in west", async () => {
    const caller = pods.caller;
    assert.ok(caller && pods.faraway, "the workloads did not start");
    const t = Date.now();
    const r = await callUntil("faraway answers", host("faraway"), (c) => c.ok, caller.agent);
    figures.crossClusterCall = (Date.now() - t) / 1000;
    assert.equal(r.fields.ServiceVersion, pods.faraway.pod.metadata.name, r.output);
    assert.equal(r.fields.Cluster, "west", r.output);
  });

  it("destroy -f east -f west", async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    const env = plantonEnv({ bin, kubeconfigPath: clusters.east.kubeconfigPath, work, tmp });
    const files = ["east", "west"].flatMap((n) => ["-f", join(work, `${n}.yaml`)]);
    const d = await runPlanton(["destroy", "--yes", ...files], env);
    assert.equal(d.code, 0, show(d));
  });
});
