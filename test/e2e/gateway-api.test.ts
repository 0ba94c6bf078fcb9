/**
 * End to end: `spec.gatewayApi` on a real API server with an audit log (test/e2e/cluster/README.md).
 * One 1-node cluster for the file; the scenarios run in order and build on each other: planton
 * installs the v1.4.1 CRDs from its own bundle (before istiod), upgrades its own to v1.6.3,
 * refuses a downgrade and a channel switch the safe-upgrades policy guards before any change,
 * keeps them on destroy, and never writes to the CRDs another owner installed (a too-old one is
 * reported by the gate).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { e2eBin, suiteWork, useSuiteCluster } from "../helpers/e2e-suite.js";
import { root } from "../helpers/paths.js";
import { plantonEnv, type Result, runPlanton, show } from "./run-cli.js";
// @ts-expect-error: plain JavaScript harness
import { auditMark, auditWrites, formatWrite } from "./cluster/audit.mjs";
// @ts-expect-error: plain JavaScript harness
import * as bundles from "./cluster/bundles.mjs";
// @ts-expect-error: plain JavaScript harness
import { ADMIN_USER } from "./cluster/harness.mjs";

// biome-ignore lint/suspicious/noExplicitAny: API responses are free-form
type Body = any;
interface Cluster {
  request: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: Body }>;
  kubeconfigPath: string;
}
interface Write {
  verb: string;
  group: string;
  resource: string;
  name: string;
  time: string;
  code: number;
}

const bin = e2eBin;
const { work, tmp, figures } = suiteWork("e2e-gatewayapi", { removeOnExit: false });
const started = Date.now();
let cluster: Cluster;
let charts = "";

useSuiteCluster<Cluster>({ nodes: 1, audit: true }, (c, url) => {
  cluster = c;
  charts = url;
});
after(async () => {
  figures.suite = Math.round((Date.now() - started) / 100) / 10;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const env = () => plantonEnv({ bin, kubeconfigPath: cluster.kubeconfigPath, work, tmp });
/** The dev example at Istio 1.30.3 with the Gateway API CRDs of `version` and `channel`. */
const target = (version: string, channel = "STANDARD") => [
  "-f",
  join(root, "examples", "dev.yaml"),
  "--set",
  `spec.charts.repository=${charts}`,
  "--set",
  "spec.version=1.30.3",
  "--set",
  "spec.gatewayApi.install=true",
  "--set",
  `spec.gatewayApi.version=${version}`,
  "--set",
  `spec.gatewayApi.channel=${channel}`,
];
const crdsUrl = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

/** Writes by planton's user since `mark` (dry runs left out: they change nothing). */
const writesSince = (mark: unknown): Write[] => auditWrites(cluster, { since: mark, users: [ADMIN_USER] });
const crdWrites = (ws: Write[]) => ws.filter((w) => w.resource === "customresourcedefinitions");
const gatewayCrdWrites = (ws: Write[]) =>
  crdWrites(ws).filter((w) => w.name.includes(".gateway.networking."));
const show2 = (ws: Write[]) => ws.map(formatWrite).join("\n") || "(none)";

/** The cluster's Gateway API CRDs: name → [bundle version, channel, planton's label]. */
async function gatewayCrds(): Promise<Map<string, [string, string, string]>> {
  const { body } = await cluster.request("GET", crdsUrl);
  const out = new Map<string, [string, string, string]>();
  for (const c of body.items ?? [])
    if (String(c.spec.group).startsWith("gateway.networking."))
      out.set(c.metadata.name, [
        c.metadata.annotations?.["gateway.networking.k8s.io/bundle-version"] ?? "",
        c.metadata.annotations?.["gateway.networking.k8s.io/channel"] ?? "",
        c.metadata.labels?.["app.kubernetes.io/managed-by"] ?? "",
      ]);
  return out;
}

async function apply(args: string[], figure: string): Promise<{ r: Result; writes: Write[] }> {
  const mark = auditMark(cluster);
  const r = await runPlanton(["apply", "--yes", "--no-verify", ...args], env());
  await sleep(300); // the audit log is written after the response
  figures[figure] = r.seconds;
  return { r, writes: writesSince(mark) };
}

describe("spec.gatewayApi on a real API server", () => {
  it("installs the v1.4.1 CRDs from planton's bundle, labelled as planton's, before istiod", async () => {
    const { r, writes } = await apply(target("v1.4.1"), "install v1.4.1 with Istio");
    assert.equal(r.code, 0, show(r));
    assert.match(r.stderr, /Gateway API CRDs v1\.4\.1 \(standard\): 6 to install/);
    const crds = await gatewayCrds();
    assert.equal(crds.size, 6, [...crds.keys()].join(", "));
    for (const [name, v] of crds) assert.deepEqual(v, ["v1.4.1", "standard", "planton"], name);
    const istiod = writes.find((w) => w.resource === "deployments" && w.name === "istiod" && w.code < 300);
    assert.ok(istiod, show2(writes));
    const gatewayWrites = gatewayCrdWrites(writes).filter((w) => w.code < 300);
    assert.ok(gatewayWrites.length >= 6, show2(gatewayWrites));
    const last = gatewayWrites.at(-1) as Write;
    assert.ok(last.time <= istiod.time, `CRDs before istiod:\n${show2(writes)}`);
  });

  it("upgrades its own CRDs from v1.4.1 to v1.6.3 (and adds the bundle's new ones)", async () => {
    const { r } = await apply(target("v1.6.3"), "upgrade to v1.6.3");
    assert.equal(r.code, 0, show(r));
    assert.match(r.stderr, /4 to install; 6 to upgrade \(from v1\.4\.1 standard\)/);
    const crds = await gatewayCrds();
    assert.equal(crds.size, 10);
    for (const [name, v] of crds) assert.deepEqual(v, ["v1.6.3", "standard", "planton"], name);
  });

  it("refuses a downgrade to v1.4.1 at the gate (exit 4) with no write to a CRD", async () => {
    const { r, writes } = await apply(target("v1.4.1"), "downgrade refused");
    assert.equal(r.code, 4, show(r));
    assert.match(r.stderr, /GATEWAY_API_CRD_DOWNGRADE/);
    assert.match(r.stderr, /precheck gate stopped apply before any change/);
    assert.deepEqual(writes, [], show2(writes));
    for (const [name, v] of await gatewayCrds()) assert.equal(v[0], "v1.6.3", name);
  });

  it("refuses standard → experimental where the safe-upgrades policy exists, before any change", async () => {
    const policy = bundles
      .readBundle(bundles.gatewayApiDir("v1.6.3", "standard"))
      .filter((o: { kind: string }) => o.kind !== "CustomResourceDefinition");
    assert.equal(policy.length, 2, "the policy and its binding");
    await bundles.applyObjects(cluster, policy);
    const { r, writes } = await apply(target("v1.6.3", "EXPERIMENTAL"), "channel switch refused");
    assert.equal(r.code, 4, show(r));
    assert.match(r.stderr, /GATEWAY_API_CHANNEL_SWITCH/);
    assert.deepEqual(writes, [], show2(writes));
    for (const [name, v] of await gatewayCrds()) assert.equal(v[1], "standard", name);
  });

  it("without the policy, switches to the experimental channel: new CRDs server-side applied, upgraded ones replaced, no last-applied annotation", async () => {
    const vap = "/apis/admissionregistration.k8s.io/v1";
    const policyName = "safe-upgrades.gateway.networking.k8s.io";
    await cluster.request("DELETE", `${vap}/validatingadmissionpolicybindings/${policyName}`);
    await cluster.request("DELETE", `${vap}/validatingadmissionpolicies/${policyName}`);
    const { r, writes } = await apply(target("v1.6.3", "EXPERIMENTAL"), "switch to experimental");
    assert.equal(r.code, 0, show(r));
    assert.match(r.stderr, /3 to install; 10 to upgrade \(from v1\.6\.3 standard\)/);
    const crds = await gatewayCrds();
    assert.equal(crds.size, 13);
    for (const [name, v] of crds) assert.deepEqual(v, ["v1.6.3", "experimental", "planton"], name);
    // created by server-side apply (a PATCH, application/apply-patch+yaml); upgraded as the
    // provider upgrades every CRD, by a replace (PUT at the live resourceVersion): neither writes a
    // client-side apply's last-applied annotation, which the 530 kB experimental HTTPRoute would not fit
    const ws = gatewayCrdWrites(writes).filter((w) => w.code < 300);
    const created = ws.filter((w) => w.name.endsWith(".gateway.networking.x-k8s.io"));
    assert.ok(created.length >= 3 && created.every((w) => w.verb === "patch"), show2(ws));
    const httproutes = ws.filter((w) => w.name === "httproutes.gateway.networking.k8s.io");
    assert.deepEqual(
      httproutes.map((w) => w.verb),
      ["update"],
      show2(ws),
    );
    const { body } = await cluster.request("GET", `${crdsUrl}/httproutes.gateway.networking.k8s.io`);
    assert.equal(body.metadata.annotations?.["kubectl.kubernetes.io/last-applied-configuration"], undefined);
  });

  it("destroy keeps the Gateway API CRDs (no --purge-crds)", async () => {
    const mark = auditMark(cluster);
    const r = await runPlanton(["destroy", "--yes", ...target("v1.6.3", "EXPERIMENTAL")], env());
    await sleep(300);
    figures.destroy = r.seconds;
    assert.equal(r.code, 0, show(r));
    assert.deepEqual(gatewayCrdWrites(writesSince(mark)), []);
    assert.equal((await gatewayCrds()).size, 13);
  });

  it("never writes to another owner's CRDs: a too-old one stops the gate; waived, Istio installs beside them untouched", async () => {
    await bundles.removeGatewayApi(cluster);
    await bundles.applyGatewayApi(cluster, { version: "v1.4.1", channel: "experimental" });
    const before = await gatewayCrds();
    const stopped = await apply(target("v1.6.3"), "another owner's: stopped");
    assert.equal(stopped.r.code, 4, show(stopped.r));
    assert.match(stopped.r.stderr, /GATEWAY_API_CRD_TOO_OLD/);
    assert.match(stopped.r.stderr, /GATEWAY_API_CRD_FOREIGN/);
    assert.deepEqual(stopped.writes, [], show2(stopped.writes));
    const waived = await apply(
      [...target("v1.6.3"), "--skip-check", "GATEWAY_API_CRD_TOO_OLD"],
      "another owner's: installed beside",
    );
    assert.equal(waived.r.code, 0, show(waived.r));
    assert.match(waived.r.stderr, /another owner's, left as they are/);
    assert.deepEqual(gatewayCrdWrites(waived.writes), [], show2(gatewayCrdWrites(waived.writes)));
    assert.ok(waived.writes.some((w) => w.resource === "deployments" && w.name === "istiod"));
    assert.deepEqual(await gatewayCrds(), before);
  });

  it("destroy --purge-crds deletes Istio's CRDs but not another owner's Gateway API CRDs", async () => {
    const mark = auditMark(cluster);
    const r = await runPlanton(["destroy", "--yes", "--purge-crds", ...target("v1.6.3")], env());
    await sleep(300);
    figures["destroy --purge-crds"] = r.seconds;
    assert.equal(r.code, 0, show(r));
    const deleted = crdWrites(writesSince(mark)).map((w) => w.name);
    assert.ok(
      deleted.some((n) => n.endsWith(".istio.io")),
      deleted.join(", "),
    );
    assert.ok(!deleted.some((n) => n.includes("gateway.networking")), deleted.join(", "));
    assert.equal((await gatewayCrds()).size, 12);
  });
});
