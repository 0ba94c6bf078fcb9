/**
 * The harness's tools for the precheck and adopt suites (issues 21 and 22), each proven on one
 * throw-away cluster with an audit log: the audit log itself, the Gateway API CRD bundles, a
 * limited service-account kubeconfig, a real Helm 3 installing from the chart fixtures, and
 * istioctl built from istiod's pin. See test/e2e/cluster/README.md.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as k8s from "@kubernetes/client-node";
import { chartsDir, serveFolder } from "../fidelity/helm.js";
import { e2eBin } from "../helpers/e2e-suite.js";
// @ts-expect-error: plain JavaScript harness
import { serviceAccountKubeconfig } from "./cluster/access.mjs";
// @ts-expect-error: plain JavaScript harness
import { auditMark, auditWrites, formatWrite } from "./cluster/audit.mjs";
// @ts-expect-error: plain JavaScript harness
import { applyGatewayApi, gatewayApiVersions } from "./cluster/bundles.mjs";
// @ts-expect-error: plain JavaScript harness
import { ADMIN_USER, startCluster, stopCluster } from "./cluster/harness.mjs";
// @ts-expect-error: plain JavaScript harness
import { useHelm } from "./cluster/helm.mjs";
import { type Body, type ClusterApi as Cluster, waitFor as pollUntil } from "./mesh-helpers.js";

interface Write {
  verb: string;
  user: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  code: number;
}

const bin = e2eBin;
const show = (ws: Write[]) => ws.map(formatWrite).join("\n") || "(none)";

const waitFor = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30000) =>
  pollUntil(what, fn, timeoutMs, 200);

const client = <T extends k8s.ApiType>(kubeconfigPath: string, api: new (c: k8s.Configuration) => T): T => {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return kc.makeApiClient(api);
};

describe("e2e harness", () => {
  let cluster: Cluster;
  before(async () => {
    cluster = (await startCluster({ binDir: bin, nodes: 1, audit: true })) as Cluster;
  });
  after(async () => {
    if (cluster) await stopCluster(cluster);
  });

  it("audit log: lists exactly the write made with the admin kubeconfig, not the components' writes it caused", async () => {
    const mark = auditMark(cluster);
    await client(cluster.kubeconfigPath, k8s.CoreV1Api).createNamespacedPod({
      namespace: "default",
      body: {
        metadata: { name: "audited" },
        spec: { containers: [{ name: "c", image: "example.invalid/none:1" }] },
      },
    });
    // the scheduler binds it and kwok reports it Running: writes by system:* users
    await waitFor("pod audited Running", async () => {
      const { body } = await cluster.request("GET", "/api/v1/namespaces/default/pods/audited");
      return body.status?.phase === "Running" ? true : undefined;
    });
    const end = auditMark(cluster);
    const writes: Write[] = auditWrites(cluster, { since: mark, until: end });
    assert.deepEqual(
      writes.map((w) => [w.verb, w.user, w.resource, w.namespace, w.name, w.code]),
      [["create", ADMIN_USER, "pods", "default", "audited", 201]],
      show(writes),
    );
    const all: Write[] = auditWrites(cluster, { since: mark, until: end, users: "all" });
    const others = new Set(
      all.filter((w) => w.user !== ADMIN_USER).map((w) => `${w.user} ${w.resource}/${w.subresource}`),
    );
    assert.ok(others.has("system:kube-scheduler pods/binding"), show(all));
    assert.ok(others.has("system:kwok-controller pods/status"), show(all));
  });

  it("Gateway API: the v1.4.1 bundle's CRDs, then the v1.6.x bundle's, carry their bundle version", async () => {
    const versions: string[] = gatewayApiVersions();
    assert.equal(versions[0], "v1.4.1");
    assert.match(versions.at(-1) ?? "", /^v1\.6\.\d+$/);
    const bundleVersion = async (crd: string) =>
      (await cluster.request("GET", `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd}`)).body
        .metadata?.annotations?.["gateway.networking.k8s.io/bundle-version"];
    const old: string[] = await applyGatewayApi(cluster, { version: "v1.4.1" });
    assert.ok(old.includes("httproutes.gateway.networking.k8s.io"), old.join(", "));
    assert.ok(
      !old.includes("tlsroutes.gateway.networking.k8s.io"),
      "TLSRoute is not in v1.4.1's standard channel",
    );
    assert.equal(await bundleVersion("httproutes.gateway.networking.k8s.io"), "v1.4.1");
    const newer: string[] = await applyGatewayApi(cluster, { version: versions.at(-1) });
    for (const crd of ["httproutes", "tlsroutes", "tcproutes"])
      assert.equal(await bundleVersion(`${crd}.gateway.networking.k8s.io`), versions.at(-1), crd);
    assert.ok(newer.length > old.length);
  });

  it("service-account kubeconfig: reads the cluster, but a webhook write is refused (403)", async () => {
    const limited = await serviceAccountKubeconfig(cluster, { name: "no-webhooks" });
    assert.equal(limited.user, "system:serviceaccount:default:no-webhooks");
    const namespaces = await client(limited.kubeconfigPath, k8s.CoreV1Api).listNamespace();
    assert.ok(namespaces.items.some((n) => n.metadata?.name === "kube-system"));
    const review = await client(limited.kubeconfigPath, k8s.AuthorizationV1Api).createSelfSubjectAccessReview(
      {
        body: {
          spec: {
            resourceAttributes: {
              group: "admissionregistration.k8s.io",
              resource: "mutatingwebhookconfigurations",
              verb: "create",
            },
          },
        },
      },
    );
    assert.equal(review.status?.allowed, false);
    const mark = auditMark(cluster);
    await assert.rejects(
      client(limited.kubeconfigPath, k8s.AdmissionregistrationV1Api).createMutatingWebhookConfiguration({
        body: { metadata: { name: "refused" }, webhooks: [] },
      }),
      (e: { code?: number }) => e.code === 403,
    );
    const writes: Write[] = auditWrites(cluster, { since: mark, users: [limited.user] });
    assert.deepEqual(
      // refused before the body is read, so the event names no object
      writes.map((w) => [w.verb, w.resource, w.code]),
      [["create", "mutatingwebhookconfigurations", 403]],
      show(writes),
    );
  });

  it("helm: a real Helm 3 installs the base chart 1.29.6 from the fixtures; its release is deployed", async () => {
    const charts = await serveFolder(chartsDir);
    try {
      const helm = useHelm(cluster);
      await helm.install({
        release: "istio-base",
        chart: "base",
        version: "1.29.6",
        repo: charts.url,
        namespace: "istio-system",
      });
      const releases: Body[] = await helm.list();
      assert.deepEqual(
        releases.map((r) => [r.name, r.namespace, r.status, r.chart]),
        [["istio-base", "istio-system", "deployed", "base-1.29.6"]],
      );
      const crd = await cluster.request(
        "GET",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/virtualservices.networking.istio.io",
      );
      assert.equal(crd.status, 200);
    } finally {
      await charts.close();
    }
  });

  it("istioctl: built from pilot-discovery's istio.io/istio pin, it carries the same version stamp", () => {
    const version = (b: string, ...args: string[]) =>
      JSON.parse(execFileSync(join(bin, b), ["version", ...args, "-o", "json"], { encoding: "utf8" }))
        .clientVersion;
    const istiod = version("pilot-discovery");
    assert.match(istiod.tag, /^v0\.0\.0-\d{14}-[0-9a-f]{12}$/);
    assert.deepEqual(version("istioctl", "--remote=false"), istiod);
  });
});
