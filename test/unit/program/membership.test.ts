/**
 * Revision tags and workload namespaces in the Pulumi program, under Pulumi's mocks: each tag is
 * a helm.v3.Chart of its target revision's istiod chart reduced to the tag's webhook and Service
 * (the stand-in template renders the chart's other objects too, which must be dropped), after
 * that istiod; adopted namespaces are NamespacePatches, created ones Namespaces, after the tag or
 * istiod their label names. The real chart's rendering is checked in test/fidelity.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { planIstio } from "../../../src/istio/plan.js";
import { loadManifest } from "../../../src/manifest/load.js";
import { root } from "../../helpers/paths.js";
import { usePulumiMocks } from "../../helpers/pulumi-mocks.js";

interface TemplateOpts {
  values: { revision?: string; revisionTags?: string[] };
  chart?: string;
  path?: string;
  fetch_opts?: { repo?: string };
  version?: string;
}

const templates: TemplateOpts[] = [];

/** What the istiod chart renders for `revision` and `revisionTags` (the parts that matter here). */
function fakeTemplate(jsonOpts: string): unknown[] {
  const opts = JSON.parse(jsonOpts) as TemplateOpts & { namespace: string };
  templates.push(opts);
  const rev = opts.values.revision ?? "";
  const svc = rev ? `istiod-${rev}` : "istiod";
  return [
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: svc, namespace: opts.namespace } },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "MutatingWebhookConfiguration",
      metadata: { name: `istio-sidecar-injector-${rev}` },
      webhooks: [],
    },
    ...(opts.values.revisionTags ?? []).flatMap((t) => [
      {
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "MutatingWebhookConfiguration",
        metadata: {
          name: `istio-revision-tag-${t}`,
          labels: { "istio.io/tag": t, "istio.io/rev": rev, "app.kubernetes.io/managed-by": "Helm" },
        },
        webhooks: [
          {
            name: "rev.namespace.sidecar-injector.istio.io",
            clientConfig: {
              service: { name: svc, namespace: opts.namespace, path: "/inject", port: 443 },
              caBundle: "",
            },
          },
        ],
      },
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: {
          name: `istiod-revision-tag-${t}`,
          namespace: opts.namespace,
          labels: { "istio.io/rev": rev },
        },
        spec: { selector: { app: "istiod", "istio.io/rev": rev } },
      },
    ]),
  ];
}

const { seen, run: runPlan } = usePulumiMocks((args) =>
  args.token === "kubernetes:helm:template" ? { result: fakeTemplate(args.inputs.jsonOpts as string) } : {},
);

async function run(file: string, overrides: string[] = []) {
  templates.length = 0;
  const loaded = loadManifest({ file, overrides });
  assert.equal(loaded.kind, "ok", JSON.stringify(loaded));
  if (loaded.kind !== "ok") throw new Error("invalid");
  const plan = planIstio(loaded.manifest);
  // the charts render (the template invoke) and register their children asynchronously
  await runPlan(plan, () => templates.length >= plan.tags.length);
  return plan;
}

describe("revision tags and workload namespaces in the program", () => {
  it("step 2 of the canary flow: two tags, an adopted and a created namespace", async () => {
    await run(join(root, "examples", "canary", "2-canary.yaml"));
    // each tag renders its target revision's chart with revisionTags: [tag]
    assert.deepEqual(
      templates.map((t) => [t.values.revision, t.values.revisionTags]),
      [
        ["1-29-6", ["prod-stable"]],
        ["1-30-3", ["prod-canary"]],
      ],
    );
    const webhooks = seen.registered.filter(
      (r) => r.type === "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration",
    );
    assert.deepEqual(webhooks.map((w) => w.name).sort(), [
      "istio-revision-tag-prod-canary",
      "istio-revision-tag-prod-stable",
    ]);
    const stable = webhooks.find((w) => w.name === "istio-revision-tag-prod-stable");
    const hooks = stable?.inputs.webhooks as { clientConfig: Record<string, unknown> }[];
    assert.deepEqual(hooks[0]?.clientConfig.service, {
      name: "istiod-1-29-6",
      namespace: "istio-system",
      path: "/inject",
      port: 443,
    });
    assert.ok(!("caBundle" in (hooks[0]?.clientConfig ?? {})), "caBundle is istiod's to write");
    const labels = (stable?.inputs.metadata as { labels: Record<string, string> } | undefined)?.labels ?? {};
    assert.equal(labels["app.kubernetes.io/managed-by"], "planton");
    const services = seen.registered
      .filter((r) => r.type === "kubernetes:core/v1:Service")
      .map((r) => r.name)
      .sort();
    assert.deepEqual(services, [
      "istio-system/istiod-revision-tag-prod-canary",
      "istio-system/istiod-revision-tag-prod-stable",
    ]);
    assert.equal(
      seen.registered.filter((r) => r.type === "kubernetes:apps/v1:Deployment").length,
      0,
      "nothing else of the chart",
    );
    assert.deepEqual(seen.edges.get("kubernetes:helm.sh/v3:Chart::tag-prod-stable"), ["istiod-1-29-6"]);
    assert.deepEqual(seen.edges.get("kubernetes:helm.sh/v3:Chart::tag-prod-canary"), ["istiod-1-30-3"]);
    // shop is adopted: a patch of its labels only; shop-canary is created by planton
    const patch = seen.registered.find((r) => r.type === "kubernetes:core/v1:NamespacePatch");
    assert.equal(patch?.name, "workload-shop");
    assert.deepEqual(patch?.inputs.metadata, { name: "shop", labels: { "istio.io/rev": "prod-stable" } });
    assert.deepEqual(seen.edges.get("kubernetes:core/v1:NamespacePatch::workload-shop"), ["tag-prod-stable"]);
    const created = seen.registered.find(
      (r) => r.type === "kubernetes:core/v1:Namespace" && r.name === "workload-shop-canary",
    );
    // destroy waits for the namespace's deletion itself (polling fast), not the provider
    assert.deepEqual((created?.inputs.metadata as { annotations: unknown } | undefined)?.annotations, {
      "pulumi.com/skipAwait": "true",
    });
    assert.deepEqual((created?.inputs.metadata as { labels: unknown } | undefined)?.labels, {
      "istio.io/rev": "prod-canary",
      "app.kubernetes.io/managed-by": "planton",
    });
  });
  it("a tag reads its chart from every source form; one on disk as a path, which the provider never pulls", async () => {
    const canary = join(root, "examples", "canary", "2-canary.yaml");
    const dir = mkdtempSync(join(tmpdir(), "planton-charts-"));
    const cases: [string, Partial<TemplateOpts>][] = [
      [
        "https://charts.example.com/istio",
        { chart: "istiod", fetch_opts: { repo: "https://charts.example.com/istio" } },
      ],
      ["oci://registry.example.com/charts", { chart: "oci://registry.example.com/charts/istiod" }],
      // helm pull reads "/dir/istiod-1.30.3.tgz" as repository "" and chart "dir/…": "repo not found"
      [dir, { path: `${dir}/istiod-1.30.3.tgz` }],
    ];
    for (const [repository, expected] of cases) {
      await run(canary, [`spec.charts.repository=${repository}`]);
      const canaryTag = templates.find((t) => t.values.revisionTags?.[0] === "prod-canary");
      const { chart, path, fetch_opts } = canaryTag ?? {};
      assert.deepEqual(JSON.parse(JSON.stringify({ chart, path, fetch_opts })), expected, repository);
    }
  });
  it("waypoints: a namespace is sent to its waypoint only once the waypoint exists, created or only labelled", async () => {
    await run(join(root, "examples", "ambient-waypoints.yaml"));
    const gw = "kubernetes:gateway.networking.k8s.io/v1:Gateway";
    assert.deepEqual(seen.edges.get(`${gw}::waypoint-shop-waypoint`), ["istiod", "workload-shop"]);
    assert.deepEqual(seen.edges.get(`${gw}::waypoint-orders-orders-waypoint`), ["istiod"]);
    // each waypoint is done only once istiod reports it Programmed: the labels wait for that
    for (const r of seen.registered.filter((x) => x.type === gw))
      assert.equal(
        (r.inputs.metadata as { annotations?: Record<string, string> }).annotations?.["pulumi.com/waitFor"],
        "condition=Programmed",
        r.name,
      );
    // the created namespace comes first, without the use-waypoint label; a patch adds it after the waypoint
    assert.deepEqual(seen.edges.get("kubernetes:core/v1:Namespace::workload-shop"), ["istiod"]);
    const labelsOf = (name: string) =>
      (seen.registered.find((r) => r.name === name)?.inputs.metadata as { labels?: Record<string, string> })
        ?.labels ?? {};
    assert.equal(labelsOf("workload-shop")["istio.io/use-waypoint"], undefined);
    assert.deepEqual(seen.edges.get("kubernetes:core/v1:NamespacePatch::workload-waypoint-shop"), [
      "workload-shop",
      "waypoint-shop-waypoint",
    ]);
    assert.deepEqual(labelsOf("workload-waypoint-shop"), { "istio.io/use-waypoint": "waypoint" });
    assert.deepEqual(seen.edges.get("kubernetes:core/v1:NamespacePatch::workload-orders"), [
      "istiod",
      "waypoint-orders-orders-waypoint",
    ]);
    assert.deepEqual(seen.edges.get("kubernetes:core/v1:NamespacePatch::workload-billing"), [
      "istiod",
      "waypoint-shop-waypoint",
    ]);
  });
  it("waypoints: a namespace's use-waypoint labels wait for the waypoint's Deployment, not only its Gateway", async () => {
    const file = join(root, "examples", "ambient-waypoints.yaml");
    const loaded = loadManifest({ file, overrides: [] });
    if (loaded.kind !== "ok") throw new Error("invalid");
    const plan = planIstio(loaded.manifest);
    const asked: string[] = [];
    const patches = () =>
      seen.registered.filter((r) => r.type === "kubernetes:core/v1:NamespacePatch").map((r) => r.name);
    let whileOrdersWaited: string[] = [];
    // shop's waypoint is ready at once; orders' only 300 ms later: what was labelled meanwhile?
    const waypointReady = (namespace: string, name: string) => {
      asked.push(`${namespace}/${name}`);
      if (namespace !== "orders") return Promise.resolve();
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          whileOrdersWaited = patches();
          resolve();
        }, 300),
      );
    };
    await runPlan(plan, () => patches().includes("workload-orders"), { waypointReady });
    assert.deepEqual([...new Set(asked)].sort(), ["orders/orders-waypoint", "shop/waypoint"]);
    assert.ok(whileOrdersWaited.includes("workload-waypoint-shop"), whileOrdersWaited.join(", "));
    assert.ok(whileOrdersWaited.includes("workload-billing"), "billing is sent to shop's waypoint, ready");
    assert.ok(!whileOrdersWaited.includes("workload-orders"), "orders waits for its waypoint's Deployment");
    assert.ok(patches().includes("workload-orders"), "and is labelled once it is ready");
  });

  it("a manifest without tags or namespaces draws neither", async () => {
    await run(join(root, "examples", "dev.yaml"));
    assert.equal(templates.length, 0);
    assert.ok(!seen.registered.some((r) => r.type === "kubernetes:core/v1:NamespacePatch"));
  });
});
