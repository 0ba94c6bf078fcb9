import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { root } from "../helpers/paths.js";
import { corpus, nameFor, runConvert } from "../unit/convert/helpers.js";
import { planIstio } from "../../src/istio/plan.js";
import type { PlannedRelease } from "../../src/istio/types.js";
import { loadManifest } from "../../src/manifest/load.js";
import { find, type K8sObject, renderRelease, useChartRepository } from "./helm.js";
import { changed, leaves, meaningful, withValue } from "./mutate.js";
import { type RenderedPlan, renderManifest } from "./render-plan.js";

/**
 * Round trip: IstioOperator → `planton convert` → the plan → the real charts rendered by Helm.
 * What the IstioOperator asked for must be in the rendered objects.
 */
const charts = useChartRepository();
const dir = mkdtempSync(join(tmpdir(), "planton-convert-"));

async function converted(name: string): Promise<string> {
  const file = join(root, "test", "fixtures", "istio-operator", `${name}.yaml`);
  const given = nameFor(name, file);
  const r = await runConvert({ file: relative(root, file), ...(given === undefined ? {} : { name: given }) });
  assert.equal(r.code, 0, r.stderr);
  const out = join(dir, `${name}.yaml`);
  writeFileSync(out, r.stdout);
  return out;
}

const render = async (name: string) => renderManifest(charts.helm, charts.repo, await converted(name));

// biome-ignore lint/suspicious/noExplicitAny: rendered container specs
const container = (o: K8sObject, name?: string): any =>
  o.spec.template.spec.containers.find((c: { name: string }) => name === undefined || c.name === name) ??
  o.spec.template.spec.containers[0];
const env = (o: K8sObject, name: string): string | undefined =>
  container(o).env?.find((e: { name: string }) => e.name === name)?.value;
// biome-ignore lint/suspicious/noExplicitAny: mesh config is free-form
const mesh = (objs: K8sObject[], name = "istio"): any => parse(find(objs, "ConfigMap", name).data.mesh);
const ports = (svc: K8sObject) => svc.spec.ports.map((p: { port: number }) => p.port);
const hpa = (objs: K8sObject[], name: string) => {
  const h = find(objs, "HorizontalPodAutoscaler", name);
  const cpu = h.spec.metrics?.find((m: { resource?: { name: string } }) => m.resource?.name === "cpu");
  return { min: h.spec.minReplicas, max: h.spec.maxReplicas, cpu: cpu?.resource.target.averageUtilization };
};

describe("convert round trip: every converted IstioOperator renders through the real charts", () => {
  for (const [name] of corpus()) {
    it(name, async () => {
      const r = await render(name);
      assert.ok(r.all.length > 0);
    });
  }
});

describe("convert round trip: the rendered objects hold what the IstioOperator asked for", () => {
  let production: RenderedPlan;
  before(async () => {
    production = await render("production");
  });
  it("production: istiod 3 replicas 1000m/2Gi; gateways with 2 replicas in their namespaces; STRICT mTLS", () => {
    const istiod = find(production.all, "Deployment", "istiod");
    assert.equal(istiod.spec.replicas, 3);
    assert.deepEqual(container(istiod, "discovery").resources.requests, { cpu: "1000m", memory: "2Gi" });
    assert.equal(production.all.filter((o) => o.kind === "HorizontalPodAutoscaler").length, 0);
    const ingress = find(production.all, "Deployment", "istio-ingressgateway");
    assert.equal(ingress.spec.replicas, 2);
    assert.equal(ingress.metadata.namespace, "istio-ingress");
    assert.deepEqual(container(ingress, "istio-proxy").resources.requests, { cpu: "500m", memory: "256Mi" });
    const svc = find(production.all, "Service", "istio-ingressgateway");
    assert.equal(svc.spec.type, "LoadBalancer");
    assert.deepEqual(ports(svc), [15021, 80, 443]);
    const egress = find(production.all, "Service", "istio-egressgateway");
    assert.equal(egress.spec.type, "ClusterIP");
    assert.equal(egress.metadata.namespace, "istio-egress");
    assert.equal(find(production.all, "Deployment", "istio-egressgateway").spec.replicas, 2);
    const pa = production.plan.objects.find((o) => o.manifest.kind === "PeerAuthentication");
    assert.deepEqual(pa?.manifest.spec, { mtls: { mode: "STRICT" } });
    assert.equal(mesh(production.all).accessLogFile, "/dev/stdout");
  });
  it("HA control plane: HPA 3..10 at 70%, PDB, rollout, scheduling, env, priority; gateway HPA 3..20", async () => {
    const r = await render("ha-control-plane");
    assert.deepEqual(hpa(r.all, "istiod"), { min: 3, max: 10, cpu: 70 });
    assert.equal(find(r.all, "PodDisruptionBudget", "istiod").spec.minAvailable, 2);
    const d = find(r.all, "Deployment", "istiod");
    assert.deepEqual(d.spec.strategy.rollingUpdate, { maxSurge: 1, maxUnavailable: 0 });
    const pod = d.spec.template.spec;
    assert.deepEqual(pod.nodeSelector, { "node-role.example.com/infra": "true" });
    assert.ok(pod.tolerations.some((t: { value?: string }) => t.value === "infra"));
    assert.equal(
      pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey,
      "topology.kubernetes.io/zone",
    );
    assert.equal(pod.priorityClassName, "system-cluster-critical");
    assert.equal(
      d.spec.template.metadata.annotations["cluster-autoscaler.kubernetes.io/safe-to-evict"],
      "false",
    );
    assert.equal(env(d, "PILOT_PUSH_THROTTLE"), "200");
    // the chart writes the quantity unquoted: `cpu: 4`
    const limits = container(d, "discovery").resources.limits;
    assert.deepEqual([String(limits.cpu), limits.memory], ["4", "4Gi"]);
    assert.deepEqual(hpa(r.all, "istio-ingressgateway"), { min: 3, max: 20, cpu: 80 });
  });
  it("several ingress gateways: Service types, namespaces, annotations, address, traffic policy", async () => {
    const r = await render("multi-ingress-nodeport");
    const pub = find(r.all, "Service", "istio-ingressgateway");
    assert.equal(pub.metadata.namespace, "istio-ingress");
    assert.equal(pub.spec.type, "LoadBalancer");
    assert.equal(pub.spec.loadBalancerIP, "203.0.113.10");
    assert.equal(pub.spec.externalTrafficPolicy, "Local");
    assert.equal(pub.metadata.annotations?.["service.beta.kubernetes.io/aws-load-balancer-type"], "nlb");
    assert.equal(find(r.all, "Deployment", "istio-ingressgateway").spec.replicas, 3);
    const internal = find(r.all, "Service", "internal-gateway");
    assert.equal(internal.metadata.namespace, "istio-internal");
    assert.equal(internal.spec.type, "NodePort");
    assert.equal(internal.spec.selector.istio, "internal-gateway");
    // values.gateways.istio-ingressgateway.autoscaleEnabled: false reaches every ingress gateway,
    // as in istioctl: no autoscaler, one replica
    assert.equal(
      r.all.filter((o) => o.kind === "HorizontalPodAutoscaler" && o.metadata.name === "internal-gateway")
        .length,
      0,
    );
    assert.equal(find(r.all, "Deployment", "internal-gateway").spec.replicas, 1);
    assert.equal(r.all.filter((o) => o.metadata.name === "partner-gateway").length, 0);
  });
  it("Istio's demo profile: the ingress gateway's Service has istioctl's demo ports", async () => {
    const r = await render("profile-demo");
    const svc = find(r.all, "Service", "istio-ingressgateway");
    const portMap = svc.spec.ports.map(
      (p: { port: number; targetPort: number }) => `${p.port}→${p.targetPort}`,
    );
    assert.deepEqual(portMap, ["15021→15021", "80→8080", "443→8443", "31400→31400", "15443→15443"]);
    // the egress gateway keeps the gateway chart's own ports: the demo ports are ingress ones
    assert.deepEqual(ports(find(r.all, "Service", "istio-egressgateway")), [15021, 80, 443]);
  });
  it('demo with accessLogFile: "" and enableTracing: off renders istiod without access log or tracing', async () => {
    const r = await render("demo-quiet");
    const m = mesh(r.all);
    assert.equal(m.accessLogFile ?? "", "", "the demo profile's /dev/stdout is overridden");
    assert.equal(m.enableTracing, false);
    assert.equal(r.all.filter((o) => o.metadata.name === "istio-egressgateway").length, 0, "enabled: no");
  });
  it("one gateway with overlays: its ports, labels and node selector through helmValues.gateway", async () => {
    const r = await render("overlays");
    const svc = find(r.all, "Service", "istio-ingressgateway");
    assert.deepEqual(ports(svc), [15021, 80, 443, 31400]);
    assert.equal(svc.spec.ports[1].targetPort, 8080);
    const d = find(r.all, "Deployment", "istio-ingressgateway");
    assert.deepEqual(d.spec.template.spec.nodeSelector, { "node-pool": "edge" });
    assert.equal(d.spec.template.metadata.labels.topology, "edge");
    assert.equal(d.spec.template.metadata.labels.istio, "ingressgateway");
    assert.deepEqual(container(find(r.all, "Deployment", "istiod"), "discovery").resources.requests, {
      cpu: "750m",
      memory: "1Gi",
    });
  });
  it("egress with REGISTRY_ONLY: the mesh config, and the egress gateway's Service and HPA", async () => {
    const r = await render("egress-registry-only");
    const m = mesh(r.all);
    assert.deepEqual(m.outboundTrafficPolicy, { mode: "REGISTRY_ONLY" });
    assert.equal(m.accessLogEncoding, "JSON");
    const svc = find(r.all, "Service", "istio-egressgateway");
    assert.equal(svc.spec.type, "ClusterIP");
    assert.equal(svc.metadata.namespace, "istio-egress");
    assert.deepEqual(hpa(r.all, "istio-egressgateway"), { min: 2, max: 5, cpu: 80 });
  });
  it("private registry: images from the registry with the tag; pull secrets; sidecar resources", async () => {
    const r = await render("private-registry");
    assert.equal(
      container(find(r.all, "Deployment", "istiod"), "discovery").image,
      "registry.example.com/istio/pilot:1.30.3-custom",
    );
    const inj = JSON.parse(find(r.all, "ConfigMap", "istio-sidecar-injector").data.values);
    assert.equal(inj.global.hub, "registry.example.com/istio");
    assert.deepEqual(inj.global.imagePullSecrets, ["regcred", "mirror-pull"]);
    assert.deepEqual(inj.global.proxy.resources.requests, { cpu: "50m", memory: "64Mi" });
    assert.equal(inj.global.proxy.logLevel, "warning");
    const gw = find(r.all, "Deployment", "istio-ingressgateway");
    assert.deepEqual(gw.spec.template.spec.imagePullSecrets, [{ name: "regcred" }, { name: "mirror-pull" }]);
  });
  it("tracing: the OpenTelemetry provider in the mesh config, 10% in the mesh-wide Telemetry", async () => {
    const r = await render("tracing");
    const m = mesh(r.all);
    assert.equal(m.extensionProviders[0].name, "otel-tracing");
    // the provider is selected by the Telemetry, so the chart's own defaultProviders stays
    assert.deepEqual(m.defaultProviders, { metrics: ["prometheus"] });
    assert.equal(m.defaultConfig.holdApplicationUntilProxyStarts, true);
    const t = r.plan.objects.find((o) => o.manifest.kind === "Telemetry");
    assert.deepEqual(t?.manifest.spec, {
      tracing: [{ providers: [{ name: "otel-tracing" }], randomSamplingPercentage: 10 }],
    });
  });
  it("CNI: the node agent with the IstioOperator's paths, resources and excluded namespaces", async () => {
    const r = await render("cni");
    const ds = find(r.all, "DaemonSet", "istio-cni-node");
    const volumes = ds.spec.template.spec.volumes.map(
      (v: { hostPath?: { path: string } }) => v.hostPath?.path,
    );
    assert.ok(volumes.includes("/var/lib/cni/bin"), JSON.stringify(volumes));
    assert.deepEqual(container(ds, "install-cni").resources.requests, { cpu: "50m", memory: "64Mi" });
    assert.match(JSON.stringify(find(r.all, "ConfigMap", "istio-cni-config").data), /monitoring/);
  });
  it("ambient: ztunnel sized as asked, access logs in JSON, an ingress gateway", async () => {
    const r = await render("ambient");
    const z = find(r.all, "DaemonSet", "ztunnel");
    assert.deepEqual(container(z).resources.requests, { cpu: "500m", memory: "1Gi" });
    assert.equal(mesh(r.all).accessLogEncoding, "JSON");
    assert.equal(find(r.all, "Service", "istio-ingressgateway").metadata.namespace, "istio-ingress");
  });
  it("multicluster: cluster ID, network, mesh ID and trust domain", async () => {
    const r = await render("multicluster");
    const d = find(r.all, "Deployment", "istiod");
    assert.equal(env(d, "CLUSTER_ID"), "cluster-west");
    const m = mesh(r.all);
    assert.equal(m.trustDomain, "example.org");
    assert.equal(m.defaultConfig.meshId, "mesh1");
    const inj = JSON.parse(find(r.all, "ConfigMap", "istio-sidecar-injector").data.values);
    assert.equal(inj.global.network, "network-west");
  });
  it("revision install: istiod-1-29-6 running Istio 1.29.6", async () => {
    const r = await render("revision-canary");
    const d = find(r.all, "Deployment", "istiod-1-29-6");
    assert.match(container(d, "discovery").image, /\/pilot:1\.29\.6$/);
    find(r.all, "MutatingWebhookConfiguration", "istio-revision-tag-default");
  });
  it("custom namespace: istiod and the gateway in mesh-system", async () => {
    const r = await render("custom-namespace");
    assert.equal(find(r.all, "Deployment", "istiod").metadata.namespace, "mesh-system");
    assert.equal(find(r.all, "Service", "istio-ingressgateway").metadata.namespace, "mesh-system");
  });
});

describe("convert: every helmValues key a conversion writes is read by its chart", () => {
  // every distinct (chart, key) that convert put in spec.helmValues, with a release of that chart
  const seen = new Map<string, { release: PlannedRelease; path: string[]; value: unknown }>();
  before(async () => {
    for (const [name] of corpus()) {
      const text = await readFile(await converted(name), "utf8");
      const loaded = loadManifest({ file: "-", readStdin: () => Buffer.from(text) });
      if (loaded.kind !== "ok") continue;
      const helm = (parse(text).spec.helmValues ?? {}) as Record<string, unknown>;
      const plan = planIstio(loaded.manifest);
      for (const [component, tree] of Object.entries(helm)) {
        const release = plan.releases.find((r) => r.component === component);
        if (release === undefined) continue;
        for (const leaf of leaves(tree)) {
          const id = `${release.chart}: ${leaf.path.join(".")}`;
          if (!seen.has(id)) seen.set(id, { release, ...leaf });
        }
      }
    }
  });
  it("changing any one of them changes what the chart renders (or the chart refuses the change)", async () => {
    assert.ok(seen.size > 20, `only ${seen.size} keys`);
    const ignored: string[] = [];
    for (const [id, { release, path, value }] of [...seen.entries()].sort()) {
      const target = { ...release, source: { type: "repository" as const, url: charts.repo } };
      const base = meaningful((await renderRelease(charts.helm, target, charts.repo)).objects);
      let after: string;
      try {
        after = meaningful(
          (
            await renderRelease(
              charts.helm,
              target,
              charts.repo,
              withValue(release.values, path, changed(value)),
            )
          ).objects,
        );
      } catch {
        continue; // the chart refused the changed value: it reads the key
      }
      if (after === base) ignored.push(id);
    }
    assert.deepEqual(ignored, []);
  });
});
