/**
 * End to end: `planton precheck` and apply's gate against a real API server with an audit log
 * (test/e2e/cluster/README.md), each finding provoked for real and asserted by its code. One
 * cluster for the file; the scenarios run in order and build on each other. Every precheck run
 * is checked against the audit log: planton's user made no write but access reviews.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync } from "node:fs";
import { cpus, homedir, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { after, describe, it } from "node:test";
import { useSuiteCluster } from "../helpers/e2e-suite.js";
import { root } from "../helpers/paths.js";
import { plantonEnv, type Result, runPlanton, show } from "./run-cli.js";
// @ts-expect-error: plain JavaScript harness
import { serviceAccountKubeconfig } from "./cluster/access.mjs";
// @ts-expect-error: plain JavaScript harness
import { auditMark, auditWrites, formatWrite } from "./cluster/audit.mjs";
// @ts-expect-error: plain JavaScript harness
import { applyGatewayApi, applyObjects } from "./cluster/bundles.mjs";
// @ts-expect-error: plain JavaScript harness
import { ADMIN_USER } from "./cluster/harness.mjs";
import { waitFor as pollUntil } from "./mesh-helpers.js";

// biome-ignore lint/suspicious/noExplicitAny: API responses are free-form
type Body = any;
interface Cluster {
  dir: string;
  kubeconfigPath: string;
  request: (
    method: string,
    path: string,
    body?: unknown,
    o?: { contentType?: string },
  ) => Promise<{ status: number; body: Body }>;
}
interface Write {
  verb: string;
  user: string;
  resource: string;
  namespace: string;
  name: string;
  code: number;
}
interface Report {
  findings: { code: string; severity: string; message: string; details: string[]; waived: boolean }[];
  unchecked: { code: string; reason: string }[];
}

const cache = process.env.PLANTON_E2E_CACHE ?? join(homedir(), ".cache", "planton-e2e");
const bin = join(cache, "bin");
const work = mkdtempSync(join(tmpdir(), "planton-e2e-precheck-"));
const tmp = join(work, "tmp");
mkdirSync(tmp);
const figures: Record<string, number> = {};
let cluster: Cluster;
let charts = "";

useSuiteCluster<Cluster>({ nodes: 1, audit: true }, (c, url) => {
  cluster = c;
  charts = url;
});
after(async () => {
  console.log(`\nfigures (wall time, seconds): ${JSON.stringify(figures)}`);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const env = (kubeconfigPath = cluster.kubeconfigPath) => plantonEnv({ bin, kubeconfigPath, work, tmp });
const target = () => [
  "-f",
  join(root, "examples", "dev.yaml"),
  "--set",
  `spec.charts.repository=${charts}`,
  "--set",
  "spec.version=1.30.3",
];
const showWrites = (ws: Write[]) => ws.map(formatWrite).join("\n") || "(none)";

/** planton's writes (the admin kubeconfig's user) since `mark`, dry runs and reviews included. */
const writesSince = (mark: unknown): Write[] =>
  auditWrites(cluster, { since: mark, users: [ADMIN_USER], includeDryRun: true, includeNonPersisting: true });

/** Runs `planton precheck -o json`, checks it wrote nothing but access reviews, returns the report. */
async function precheck(
  extra: string[] = [],
  kubeconfigPath?: string,
): Promise<{ r: Result; report: Report; codes: string[] }> {
  const mark = auditMark(cluster);
  const r = await runPlanton(["precheck", ...target(), "-o", "json", ...extra], {
    ...env(kubeconfigPath),
    PLANTON_TIMINGS: "1",
  });
  await sleep(300); // the audit log is written after the response
  const writes = writesSince(mark).filter((w) => !w.resource.startsWith("selfsubject"));
  assert.deepEqual(writes, [], `precheck wrote:\n${showWrites(writes)}`);
  assert.ok(r.code === 0 || r.code === 4 || r.code === 1, show(r));
  let report: Report;
  try {
    report = JSON.parse(r.stdout) as Report;
  } catch {
    assert.fail(`not a report:\n${show(r)}`);
  }
  return { r, report, codes: [...new Set(report.findings.map((f) => f.code))] };
}

const waitFor = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60000) =>
  pollUntil(what, fn, timeoutMs, 250);

/** Waits until pod `ns/name` reached `phase`. */
const podPhase = (ns: string, name: string, phase: string) =>
  waitFor(`pod ${ns}/${name} ${phase}`, async () => {
    const { body } = await cluster.request("GET", `/api/v1/namespaces/${ns}/pods/${name}`);
    return body.status?.phase === phase ? true : undefined;
  });

/** Creates a bare pod `ns/name` of a `proxied` spec and waits until it runs. */
async function runProxiedPod(ns: string, name: string, pod: ReturnType<typeof proxied>): Promise<void> {
  const r = await cluster.request("POST", `/api/v1/namespaces/${ns}/pods`, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { ...pod.metadata, name },
    spec: pod.spec,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  await podPhase(ns, name, "Running");
}

/** A pod spec with an application container and an injected proxy of `version`, injected by `revision`. */
function proxied(version: string, revision: string) {
  return {
    metadata: {
      labels: { app: "shop", "istio.io/rev": revision },
      annotations: { "sidecar.istio.io/status": JSON.stringify({ revision }) },
    },
    spec: {
      containers: [
        { name: "app", image: "example.invalid/shop:1" },
        { name: "istio-proxy", image: `docker.io/istio/proxyv2:${version}` },
      ],
    },
  };
}

const ns = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name, labels },
});

describe("planton precheck and apply's gate on a real API server", () => {
  it("a clean cluster: nothing would break (exit 0), and precheck wrote nothing but access reviews", async () => {
    const { r, report } = await precheck();
    assert.equal(r.code, 0, show(r));
    assert.deepEqual(report.findings, []);
    figures["precheck, empty cluster"] = r.seconds;
  });

  it("Gateway API CRDs of the v1.4.1 experimental bundle against Istio 1.30: GATEWAY_API_CRD_TOO_OLD", async () => {
    const crds: string[] = await applyGatewayApi(cluster, { version: "v1.4.1", channel: "experimental" });
    assert.ok(crds.includes("tlsroutes.gateway.networking.k8s.io"), crds.join(", "));
    const { r, report, codes } = await precheck();
    assert.equal(r.code, 4, show(r));
    assert.deepEqual(codes, ["GATEWAY_API_CRD_TOO_OLD"]);
    assert.ok(
      report.findings.some((f) => f.message.includes("tlsroutes")),
      r.stdout,
    );
  });

  it("apply stops at the gate (exit 4): the table on stderr, and no write by planton at all", async () => {
    const mark = auditMark(cluster);
    const r = await runPlanton(["apply", "--yes", "--no-verify", ...target()], env());
    await sleep(300);
    assert.equal(r.code, 4, show(r));
    assert.match(r.stderr, /GATEWAY_API_CRD_TOO_OLD/);
    assert.match(r.stderr, /precheck gate stopped apply before any change/);
    const writes = writesSince(mark).filter((w) => !w.resource.startsWith("selfsubject"));
    assert.deepEqual(writes, [], showWrites(writes));
    figures["apply stopped at the gate"] = r.seconds;
  });

  it("apply --skip-check GATEWAY_API_CRD_TOO_OLD: says it was waived, and installs", async () => {
    const r = await runPlanton(
      ["apply", "--yes", "--no-verify", ...target(), "--skip-check", "GATEWAY_API_CRD_TOO_OLD"],
      { ...env(), PLANTON_TIMINGS: "1" },
    );
    assert.equal(r.code, 0, show(r));
    // what the gate adds: its wait once the state, the cluster checks and the plan are done
    const timings = JSON.parse(/timings: (.*)/.exec(r.stderr)?.[1] ?? "{}") as Record<string, number>;
    figures["apply's gate wait"] = (timings["precheck gate"] ?? Number.NaN) / 1000;
    assert.match(r.stderr, /--skip-check GATEWAY_API_CRD_TOO_OLD: waived \d+ findings?/);
    const { status } = await cluster.request(
      "GET",
      "/apis/apps/v1/namespaces/istio-system/deployments/istiod",
    );
    assert.equal(status, 200);
    figures["apply with a waived finding"] = r.seconds;
  });

  it("after the v1.6.3 bundle, no Gateway API finding", async () => {
    await applyGatewayApi(cluster, { version: "v1.6.3", channel: "experimental" });
    const { r, codes } = await precheck();
    assert.equal(r.code, 0, show(r));
    assert.deepEqual(codes, []);
  });

  it("pods whose injected proxy is two minor versions old (1.28): PROXY_VERSION_SKEW", async () => {
    await applyObjects(cluster, [ns("legacy", { "istio-injection": "enabled" })]);
    await runProxiedPod("legacy", "old-proxy", proxied("1.28.10", "default"));
    const { r, report, codes } = await precheck();
    assert.equal(r.code, 4, show(r));
    assert.deepEqual(codes, ["PROXY_VERSION_SKEW"]);
    assert.match(report.findings[0]?.message ?? "", /1\.28\.10 in legacy/);
  });

  it("a foreign mutating webhook selecting istio-injection=enabled: WEBHOOK_OVERLAP", async () => {
    await applyObjects(cluster, [
      {
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "MutatingWebhookConfiguration",
        metadata: { name: "other-injector" },
        webhooks: [
          {
            name: "inject.other.example.com",
            admissionReviewVersions: ["v1"],
            sideEffects: "None",
            failurePolicy: "Ignore",
            clientConfig: { service: { name: "other", namespace: "default", path: "/inject" } },
            namespaceSelector: { matchLabels: { "istio-injection": "enabled" } },
            rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }],
          },
        ],
      },
    ]);
    const { codes, report } = await precheck();
    assert.ok(codes.includes("WEBHOOK_OVERLAP"), JSON.stringify(codes));
    assert.match(report.findings.find((f) => f.code === "WEBHOOK_OVERLAP")?.message ?? "", /other-injector/);
  });

  it("a Helm release left pending-upgrade: HELM_RELEASE_PENDING", async () => {
    const release = { name: "istiod", info: { status: "pending-upgrade" }, version: 2 };
    await cluster.request("POST", "/api/v1/namespaces/istio-system/secrets", {
      apiVersion: "v1",
      kind: "Secret",
      type: "helm.sh/release.v1",
      metadata: {
        name: "sh.helm.release.v1.istiod.v2",
        labels: { owner: "helm", name: "istiod", status: "pending-upgrade", version: "2" },
      },
      data: {
        release: Buffer.from(gzipSync(Buffer.from(JSON.stringify(release))).toString("base64")).toString(
          "base64",
        ),
      },
    });
    const { codes } = await precheck();
    assert.ok(codes.includes("HELM_RELEASE_PENDING"), JSON.stringify(codes));
  });

  it("a field of istiod's Deployment owned by another manager: FIELD_MANAGER_CONFLICT", async () => {
    const url = "/apis/apps/v1/namespaces/istio-system/deployments/istiod?fieldManager=e2e-hand-edit";
    const { status } = await cluster.request(
      "PATCH",
      url,
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "istiod", namespace: "istio-system", labels: { "hand-edited": "yes" } },
      },
      { contentType: "application/apply-patch+yaml" },
    );
    assert.equal(status, 200);
    const { codes, report } = await precheck();
    assert.ok(codes.includes("FIELD_MANAGER_CONFLICT"), JSON.stringify(codes));
    assert.match(
      report.findings.find((f) => f.code === "FIELD_MANAGER_CONFLICT")?.message ?? "",
      /e2e-hand-edit/,
    );
  });

  it("a user whose RBAC lacks webhook rights (a service-account kubeconfig): RBAC_MISSING", async () => {
    const limited = await serviceAccountKubeconfig(cluster, { name: "no-webhooks" });
    const { r, report, codes } = await precheck([], limited.kubeconfigPath);
    assert.equal(r.code, 4, show(r));
    assert.ok(codes.includes("RBAC_MISSING"), JSON.stringify(codes));
    assert.match(
      report.findings.find((f) => f.code === "RBAC_MISSING")?.details.join(" ") ??
        report.findings.find((f) => f.code === "RBAC_MISSING")?.message ??
        "",
      /mutatingwebhookconfigurations/,
    );
  });

  it("a removed revision: a Completed pod does not keep it in use, a Running one does (REVISION_IN_USE)", async () => {
    await applyObjects(cluster, [
      ns("batch"),
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: {
          name: "istiod-1-29",
          namespace: "istio-system",
          labels: { app: "istiod", "istio.io/rev": "1-29" },
        },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: "istiod", "istio.io/rev": "1-29" } },
          template: {
            metadata: { labels: { app: "istiod", "istio.io/rev": "1-29" } },
            spec: { containers: [{ name: "discovery", image: "docker.io/istio/pilot:1.29.6" }] },
          },
        },
      },
    ]);
    const job = proxied("1.29.6", "1-29");
    await cluster.request("POST", "/apis/batch/v1/namespaces/batch/jobs", {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "nightly" },
      spec: { template: { metadata: job.metadata, spec: { ...job.spec, restartPolicy: "Never" } } },
    });
    const finished = await waitFor("the job's pod Succeeded", async () => {
      const { body } = await cluster.request(
        "GET",
        "/api/v1/namespaces/batch/pods?labelSelector=job-name%3Dnightly",
      );
      const pod = (body.items ?? []).find((p: Body) => p.status?.phase === "Succeeded");
      return pod?.metadata?.name as string | undefined;
    });
    const before = await precheck();
    assert.ok(!before.codes.includes("REVISION_IN_USE"), `${finished}: ${before.r.stdout}`);

    await runProxiedPod("batch", "still-served", proxied("1.29.6", "1-29"));
    const { report, codes } = await precheck();
    assert.ok(codes.includes("REVISION_IN_USE"), JSON.stringify(codes));
    const inUse = report.findings.find((f) => f.code === "REVISION_IN_USE");
    assert.match(inUse?.message ?? "", /revision 1-29 .*1 running pod/);
    assert.ok(
      inUse?.details.some((d) => d.includes("batch/still-served")),
      inUse?.details.join("\n"),
    );
    assert.ok(
      inUse?.details.some((d) => d.includes(`batch/${finished}`) && d.includes("not counted")),
      inUse?.details.join("\n"),
    );
  });

  it("precheck of 2,000 pods in 20 namespaces (a printed figure, not an assertion of time)", async () => {
    const namespaces = Array.from({ length: 20 }, (_, i) => `scale-${i}`);
    const pod = proxied("1.30.3", "default");
    for (const name of namespaces) {
      await applyObjects(cluster, [ns(name, { "istio-injection": "enabled" })]);
      const deployment = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "app" },
        spec: {
          replicas: 100,
          selector: { matchLabels: { app: "shop" } },
          template: { metadata: pod.metadata, spec: pod.spec },
        },
      };
      const { status } = await cluster.request(
        "POST",
        `/apis/apps/v1/namespaces/${name}/deployments`,
        deployment,
      );
      assert.equal(status, 201);
    }
    const podCount = async () =>
      ((await cluster.request("GET", "/api/v1/pods?labelSelector=app%3Dshop")).body.items ?? []).filter(
        (p: Body) => p.metadata.namespace.startsWith("scale-"),
      ).length;
    await waitFor("2,000 pods", async () => ((await podCount()) >= 2000 ? true : undefined), 240_000);
    // three runs (timings are noisy on a shared machine): the median is the figure, each run's
    // phases (PLANTON_TIMINGS) and the machine's load printed with it
    const runs: { seconds: number; phases: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const { r } = await precheck();
      runs.push({ seconds: r.seconds, phases: /timings: (.*)/.exec(r.stderr)?.[1] ?? "" });
    }
    const median = [...runs].sort((a, b) => a.seconds - b.seconds)[1]?.seconds ?? 0;
    figures["precheck, 2,000 pods in 20 namespaces (median of 3)"] = median;
    const load = `load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores`;
    console.log(
      `precheck with 2,000 pods in 20 namespaces: ${median.toFixed(2)} s (median of 3; target 1.5 s; ${load})\n${runs.map((x) => `  ${x.seconds.toFixed(2)} s ${x.phases}`).join("\n")}`,
    );
  });
});
