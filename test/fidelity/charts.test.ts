import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, it } from "node:test";
import { root, validManifests } from "../helpers/paths.js";
import { find, type K8sObject, useChartRepository } from "./helm.js";
import { type RenderedPlan, renderManifest } from "./render-plan.js";

const charts = useChartRepository();

const example = (name: string) => `${root}/examples/${name}.yaml`;
const fixture = (name: string) => `${root}/test/fixtures/manifests/valid/${name}.yaml`;

const workloads = (objs: K8sObject[]) =>
  objs.filter((o) => o.kind === "Deployment" || o.kind === "DaemonSet");
// biome-ignore lint/suspicious/noExplicitAny: rendered container specs
const container = (o: K8sObject, name?: string): any =>
  o.spec.template.spec.containers.find((c: { name: string }) => name === undefined || c.name === name) ??
  o.spec.template.spec.containers[0];
const env = (o: K8sObject, name: string): string | undefined =>
  container(o).env?.find((e: { name: string }) => e.name === name)?.value;
const mesh = (objs: K8sObject[], name = "istio") => find(objs, "ConfigMap", name).data.mesh as string;

describe("every example and fixture renders through the real charts", () => {
  for (const version of ["1.29.6", "1.30.3"]) {
    for (const [name, file] of validManifests()) {
      // manifests with revisions name their own versions: render them once
      const ownVersions = /^\s*revisions:/m.test(readFileSync(file, "utf8"));
      if (ownVersions && version === "1.29.6") continue;
      it(`${name} at ${version}`, async () => {
        const r = await renderManifest(
          charts.helm,
          charts.repo,
          file,
          ownVersions ? [] : [`spec.version=${version}`],
        );
        assert.ok(r.all.length > 0);
        for (const w of workloads(r.all)) {
          for (const c of w.spec.template.spec.containers) {
            if (c.image === "auto") continue; // gateways: filled in by istiod's injector
            const rel = r.plan.releases.find((x) => r.releases.get(x.name)?.includes(w));
            const chartVersion = rel?.version ?? version;
            // the hub each published chart was stamped with (fixtures/README.md)
            const defaultHub = chartVersion.startsWith("1.30")
              ? "registry.istio.io/release"
              : "docker.io/istio";
            const hub = name === "hub-override" ? "registry.example.com/istio" : defaultHub;
            const tag = name === "hub-override" ? "1.30.3-custom" : chartVersion;
            assert.match(
              c.image,
              new RegExp(`^${hub.replace(/\./g, "\\.")}/[a-z-]+:${tag.replace(/\./g, "\\.")}(-distroless)?$`),
              `${w.kind}/${w.metadata.name} image`,
            );
          }
        }
      });
    }
  }
});

describe("examples/production.yaml installs what the manifest says", () => {
  let r: RenderedPlan;
  before(async () => {
    r = await renderManifest(charts.helm, charts.repo, example("production"));
  });
  it("istiod: 3 replicas, no HPA, requests 1000m/2Gi, a PDB, spread across nodes", () => {
    const istiod = r.releases.get("istiod") ?? [];
    const d = find(istiod, "Deployment", "istiod");
    assert.equal(d.spec.replicas, 3);
    assert.equal(istiod.filter((o) => o.kind === "HorizontalPodAutoscaler").length, 0);
    assert.deepEqual(container(d, "discovery").resources.requests, { cpu: "1000m", memory: "2Gi" });
    find(istiod, "PodDisruptionBudget", "istiod");
    assert.ok(d.spec.template.spec.affinity?.podAntiAffinity, "anti-affinity");
  });
  it("ingress gateway: 2 replicas, requests 500m/256Mi, a PDB, a LoadBalancer Service", () => {
    const gw = r.releases.get("istio-ingressgateway") ?? [];
    const d = find(gw, "Deployment", "istio-ingressgateway");
    assert.equal(d.spec.replicas, 2);
    assert.deepEqual(container(d, "istio-proxy").resources.requests, { cpu: "500m", memory: "256Mi" });
    find(gw, "PodDisruptionBudget", "istio-ingressgateway");
    assert.equal(gw.filter((o) => o.kind === "HorizontalPodAutoscaler").length, 0);
    const svc = find(gw, "Service", "istio-ingressgateway");
    assert.equal(svc.spec.type, "LoadBalancer");
    assert.deepEqual(
      svc.spec.ports.map((p: { port: number }) => p.port),
      [15021, 80, 443],
    );
    assert.equal(svc.spec.selector.istio, "ingressgateway");
    assert.equal(svc.metadata.namespace, "istio-ingress");
  });
  it("egress gateway: a Deployment and a ClusterIP Service", () => {
    const gw = r.releases.get("istio-egressgateway") ?? [];
    find(gw, "Deployment", "istio-egressgateway");
    assert.equal(find(gw, "Service", "istio-egressgateway").spec.type, "ClusterIP");
  });
  it("a STRICT PeerAuthentication named default in the control-plane namespace, after istiod", () => {
    const pa = r.plan.objects.find((o) => o.manifest.kind === "PeerAuthentication");
    assert.deepEqual(pa?.manifest.metadata.name, "default");
    assert.equal(pa?.manifest.metadata.namespace, "istio-system");
    assert.deepEqual(pa?.manifest.spec, { mtls: { mode: "STRICT" } });
    assert.deepEqual(pa?.dependsOn, ["istiod"]);
    const crd = find(
      r.releases.get("istio-base") ?? [],
      "CustomResourceDefinition",
      "peerauthentications.security.istio.io",
    );
    assert.ok(
      crd.spec.versions.some((v: { name: string; served: boolean }) => v.name === "v1" && v.served),
      "the CRD serves the apiVersion the plan uses",
    );
  });
  it("access logs in the mesh config", () => {
    assert.match(mesh(r.releases.get("istiod") ?? []), /accessLogFile: \/dev\/stdout/);
  });
});

describe("examples/dev.yaml and staging.yaml", () => {
  it("dev: no gateway, istiod requests 100m/256Mi", async () => {
    const r = await renderManifest(charts.helm, charts.repo, example("dev"));
    assert.deepEqual(
      r.plan.releases.map((x) => x.name),
      ["istio-base", "istiod"],
    );
    assert.deepEqual(container(find(r.all, "Deployment", "istiod"), "discovery").resources.requests, {
      cpu: "100m",
      memory: "256Mi",
    });
  });
  it("staging: one istiod replica and one gateway replica, neither with a PDB; access logs", async () => {
    const r = await renderManifest(charts.helm, charts.repo, example("staging"));
    assert.equal(find(r.all, "Deployment", "istiod").spec.replicas, 1);
    assert.equal(find(r.all, "Deployment", "istio-ingressgateway").spec.replicas, 1);
    assert.equal(r.all.filter((o) => o.kind === "PodDisruptionBudget").length, 0);
    assert.deepEqual(container(find(r.all, "Deployment", "istiod"), "discovery").resources.requests, {
      cpu: "500m",
      memory: "1Gi",
    });
    assert.match(mesh(r.all), /accessLogFile: \/dev\/stdout/);
  });
});

describe("profiles, CNI, revisions, images, mesh settings", () => {
  it("ambient: ztunnel and CNI DaemonSets, istiod in ambient mode", async () => {
    const r = await renderManifest(charts.helm, charts.repo, fixture("profile-ambient"));
    assert.deepEqual(
      r.plan.releases.map((x) => x.name),
      ["istio-base", "istiod", "istio-cni", "ztunnel"],
    );
    find(r.all, "DaemonSet", "ztunnel");
    const cni = find(r.all, "DaemonSet", "istio-cni-node");
    assert.ok(cni);
    assert.equal(env(find(r.all, "Deployment", "istiod"), "PILOT_ENABLE_AMBIENT"), "true");
    assert.match(find(r.all, "ConfigMap", "istio-cni-config").data.AMBIENT_ENABLED, /true/);
  });
  it("ambient node agents: OnDelete by default (no rolling block left), the charts' rolling update with ROLLING", async () => {
    const strategies = async (extra: string[]) => {
      const r = await renderManifest(charts.helm, charts.repo, fixture("profile-ambient"), extra);
      return ["ztunnel", "istio-cni-node"].map((n) => find(r.all, "DaemonSet", n).spec.updateStrategy);
    };
    for (const version of ["1.29.6", "1.30.3"])
      for (const s of await strategies([`spec.version=${version}`])) {
        assert.equal(s.type, "OnDelete", version);
        // the chart prints `rollingUpdate: null`, which the API server reads as absent
        assert.equal(s.rollingUpdate ?? null, null, version);
      }
    const rolling = await strategies(["spec.ambient.upgrade=ROLLING"]);
    assert.deepEqual(
      rolling.map((s) => s.type),
      ["RollingUpdate", "RollingUpdate"],
    );
  });
  it("demo: an ingress and an egress gateway", async () => {
    const r = await renderManifest(charts.helm, charts.repo, fixture("profile-demo"));
    find(r.all, "Deployment", "istio-ingressgateway");
    find(r.all, "Deployment", "istio-egressgateway");
    assert.match(mesh(r.all), /accessLogFile: \/dev\/stdout/);
  });
  it("CNI in sidecar mode: the node agent, and injection without the privileged init container", async () => {
    const r = await renderManifest(charts.helm, charts.repo, fixture("cni-sidecar"));
    find(r.all, "DaemonSet", "istio-cni-node");
    const values = JSON.parse(find(r.all, "ConfigMap", "istio-sidecar-injector").data.values);
    assert.equal(values.pilot.cni.enabled, true);
  });
  it("revisions: two istiods, the default tag on the default revision, validation pointed at it", async () => {
    const r = await renderManifest(charts.helm, charts.repo, fixture("revisions-canary"));
    const old = r.releases.get("istiod-1-29-6") ?? [];
    const next = r.releases.get("istiod-1-30-3") ?? [];
    assert.equal(
      find(old, "Deployment", "istiod-1-29-6").spec.template.metadata.labels["istio.io/rev"],
      "1-29-6",
    );
    assert.equal(
      find(next, "Deployment", "istiod-1-30-3").spec.template.metadata.labels["istio.io/rev"],
      "1-30-3",
    );
    find(old, "MutatingWebhookConfiguration", "istio-revision-tag-default");
    assert.equal(next.filter((o) => o.metadata.name === "istio-revision-tag-default").length, 0);
    const validator = find(
      r.releases.get("istio-base") ?? [],
      "ValidatingWebhookConfiguration",
      "istiod-default-validator",
    );
    assert.equal(validator.webhooks[0].clientConfig.service.name, "istiod-1-29-6");
    assert.equal(validator.webhooks[0].failurePolicy, "Fail");
    assert.equal(
      r.plan.releases.find((x) => x.name === "istio-base")?.version,
      "1.30.3",
      "CRDs first at the newest version",
    );
  });
  it("hub override reaches every image and the injector; pull secrets in each chart's form", async () => {
    const r = await renderManifest(charts.helm, charts.repo, fixture("hub-override"));
    const inj = JSON.parse(find(r.all, "ConfigMap", "istio-sidecar-injector").data.values);
    assert.equal(inj.global.hub, "registry.example.com/istio");
    assert.equal(inj.global.tag, "1.30.3-custom");
    assert.deepEqual(inj.global.imagePullSecrets, ["regcred"]);
    const gw = find(r.all, "Deployment", "istio-ingressgateway");
    assert.deepEqual(gw.spec.template.spec.imagePullSecrets, [{ name: "regcred" }]);
    // ztunnel puts pull secrets on its ServiceAccount
    assert.deepEqual(
      (find(r.all, "ServiceAccount", "ztunnel") as unknown as { imagePullSecrets: unknown }).imagePullSecrets,
      [{ name: "regcred" }],
    );
    assert.equal(find(r.all, "Service", "istio-ingressgateway").spec.type, "NodePort");
  });
  it("autoscaling: HPAs with the manifest's bounds, PDBs from two replicas, service settings", async () => {
    const r = await renderManifest(charts.helm, charts.repo, fixture("autoscaling"));
    const hpa = find(r.all, "HorizontalPodAutoscaler", "istiod");
    assert.deepEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], [2, 6]);
    assert.equal(hpa.spec.metrics[0].resource.target.averageUtilization, 70);
    find(r.all, "PodDisruptionBudget", "istiod");
    const ghpa = find(r.all, "HorizontalPodAutoscaler", "istio-ingressgateway");
    assert.deepEqual([ghpa.spec.minReplicas, ghpa.spec.maxReplicas], [3, 9]);
    find(r.all, "PodDisruptionBudget", "istio-ingressgateway");
    const svc = find(r.all, "Service", "istio-ingressgateway");
    assert.equal(svc.spec.loadBalancerIP, "203.0.113.10");
    assert.equal(svc.spec.externalTrafficPolicy, "Local");
    assert.equal(svc.metadata.annotations?.["service.beta.kubernetes.io/aws-load-balancer-type"], "nlb");
  });
  it("single replicas get no PDB", async () => {
    const r = await renderManifest(charts.helm, charts.repo, fixture("fixed-replicas-single"));
    assert.equal(r.all.filter((o) => o.kind === "PodDisruptionBudget").length, 0);
    assert.equal(r.all.filter((o) => o.kind === "HorizontalPodAutoscaler").length, 0);
  });
  it("mesh settings, sampling 0, identity and a custom namespace", async () => {
    const r = await renderManifest(charts.helm, charts.repo, fixture("mesh-settings"));
    const m = mesh(r.all);
    assert.match(m, /accessLogEncoding: JSON/);
    assert.match(m, /mode: REGISTRY_ONLY/);
    assert.match(m, /trustDomain: example.org/);
    assert.match(m, /meshId: mesh1/);
    const d = find(r.all, "Deployment", "istiod");
    assert.equal(d.metadata.namespace, "mesh-system");
    assert.equal(env(d, "PILOT_TRACE_SAMPLING"), "0", "a zero sampling rate is not dropped");
    assert.equal(env(d, "CLUSTER_ID"), "cluster1");
    const inj = JSON.parse(find(r.all, "ConfigMap", "istio-sidecar-injector").data.values);
    assert.deepEqual(inj.global.proxy.resources, {
      requests: { cpu: "50m", memory: "64Mi" },
      limits: { cpu: "1", memory: "512Mi" },
    });
    assert.equal(inj.global.network, "network1");
  });
});
