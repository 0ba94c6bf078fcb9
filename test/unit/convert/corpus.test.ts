import assert from "node:assert/strict";
import { relative } from "node:path";
import { describe, it } from "node:test";
import type { KubernetesIstioValid } from "../../../gen/planton/kubernetes/istio/v1/api_pb.js";
import { planIstio } from "../../../src/istio/plan.js";
import type { InstallPlan, PlannedRelease } from "../../../src/istio/types.js";
import { loadManifest } from "../../../src/manifest/load.js";
import { schemaModeline } from "../../../src/convert/render.js";
import { assertGolden } from "../../helpers/golden.js";
import { root } from "../../helpers/paths.js";
import { corpus, nameFor, runConvert } from "./helpers.js";

/** Converts a corpus file and loads the output as planton would; the output must be valid. */
async function convertAndLoad(name: string, file: string) {
  const given = nameFor(name, file);
  const r = await runConvert({ file: relative(root, file), ...(given === undefined ? {} : { name: given }) });
  assert.equal(r.code, 0, r.stderr);
  const loaded = loadManifest({ file: "-", readStdin: () => Buffer.from(r.stdout) });
  assert.equal(loaded.kind, "ok", JSON.stringify(loaded.kind === "invalid" ? loaded.diagnostics : []));
  assert.deepEqual(loaded.kind === "ok" ? loaded.warnings : [], []);
  return { out: r, manifest: (loaded as { manifest: KubernetesIstioValid }).manifest };
}

const planOf = async (name: string) => {
  const file = `${root}/test/fixtures/istio-operator/${name}.yaml`;
  const { out, manifest } = await convertAndLoad(name, file);
  return { plan: planIstio(manifest), out };
};

// biome-ignore lint/suspicious/noExplicitAny: Helm values are free-form
const values = (plan: InstallPlan, release: string): any => {
  const r = plan.releases.find((x: PlannedRelease) => x.name === release);
  assert.ok(r, `no release ${release}; releases: ${plan.releases.map((x) => x.name).join(", ")}`);
  return r.values;
};
const releaseNames = (plan: InstallPlan) => plan.releases.map((r) => r.name);
const gateways = (plan: InstallPlan) =>
  plan.mesh.gateways.map((g) => `${g.direction} ${g.name} ${g.namespace} ${g.serviceType}`);

describe("convert: every IstioOperator of the corpus converts to a valid manifest, as the golden files say", () => {
  for (const [name, file] of corpus()) {
    it(name, async () => {
      const { out } = await convertAndLoad(name, file);
      assert.ok(out.stdout.startsWith(`${schemaModeline}\n`), "schema modeline first");
      assertGolden(`${root}/test/golden/convert/${name}.yaml`, out.stdout);
    });
  }
});

describe("convert: the seed's environments as IstioOperator install exactly what examples/ install", () => {
  for (const env of ["dev", "staging", "production"]) {
    it(env, async () => {
      const { plan } = await planOf(env);
      const example = loadManifest({ file: `${root}/examples/${env}.yaml` });
      assert.equal(example.kind, "ok");
      if (example.kind !== "ok") return;
      assert.deepEqual(plan, planIstio(example.manifest));
    });
  }
});

describe("convert: the plan of each converted manifest has the settings the IstioOperator asked for", () => {
  it("Istio's default profile: istiod and an ingress gateway in istio-system", async () => {
    const { plan } = await planOf("profile-default");
    assert.deepEqual(releaseNames(plan), ["istio-base", "istiod", "istio-ingressgateway"]);
    assert.deepEqual(gateways(plan), ["ingress istio-ingressgateway istio-system LoadBalancer"]);
  });
  it("Istio's demo profile: the charts' demo profile, ingress and egress gateways in istio-system", async () => {
    const { plan } = await planOf("profile-demo");
    assert.equal(values(plan, "istiod").profile, "demo");
    assert.deepEqual(gateways(plan), [
      "ingress istio-ingressgateway istio-system LoadBalancer",
      "egress istio-egressgateway istio-system ClusterIP",
    ]);
  });
  it("Istio's minimal profile: base and istiod only", async () => {
    const { plan } = await planOf("profile-minimal");
    assert.deepEqual(releaseNames(plan), ["istio-base", "istiod"]);
  });
  it("Istio's ambient profile: CNI and ztunnel, no gateway", async () => {
    const { plan } = await planOf("profile-ambient");
    assert.deepEqual(releaseNames(plan), ["istio-base", "istiod", "istio-cni", "ztunnel"]);
    assert.equal(values(plan, "istio-cni").profile, "ambient");
  });
  it("HA control plane: istiod autoscaled 3..10 at 70% CPU, sized, scheduled, with its PDB", async () => {
    const { plan } = await planOf("ha-control-plane");
    const pilot = values(plan, "istiod").pilot;
    assert.equal(pilot.autoscaleEnabled, true);
    assert.equal(pilot.autoscaleMin, 3);
    assert.equal(pilot.autoscaleMax, 10);
    assert.deepEqual(pilot.cpu, { targetAverageUtilization: 70 });
    assert.deepEqual(pilot.resources, {
      requests: { cpu: "1", memory: "2Gi" },
      limits: { cpu: "4", memory: "4Gi" },
    });
    assert.deepEqual(pilot.nodeSelector, { "node-role.example.com/infra": "true" });
    assert.equal(pilot.tolerations[0].value, "infra");
    assert.equal(
      pilot.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey,
      "topology.kubernetes.io/zone",
    );
    assert.deepEqual(pilot.env, { PILOT_ENABLE_STATUS: "true", PILOT_PUSH_THROTTLE: "200" });
    assert.deepEqual(pilot.pdb, { minAvailable: 2 });
    assert.equal(pilot.rollingMaxSurge, 1);
    assert.equal(pilot.rollingMaxUnavailable, 0);
    assert.equal(values(plan, "istiod").global.priorityClassName, "system-cluster-critical");
    const gw = values(plan, "istio-ingressgateway");
    assert.deepEqual(gw.autoscaling, { enabled: true, minReplicas: 3, maxReplicas: 20 });
  });
  it("several ingress gateways: names, namespaces, Service types, annotations, address, traffic policy", async () => {
    const { plan, out } = await planOf("multi-ingress-nodeport");
    assert.deepEqual(gateways(plan), [
      "ingress istio-ingressgateway istio-ingress LoadBalancer",
      "ingress internal-gateway istio-internal NodePort",
    ]);
    const pub = values(plan, "istio-ingressgateway");
    assert.equal(pub.replicaCount, 3);
    assert.deepEqual(pub.autoscaling, { enabled: false });
    assert.equal(pub.service.annotations["service.beta.kubernetes.io/aws-load-balancer-type"], "nlb");
    assert.equal(pub.service.loadBalancerIP, "203.0.113.10");
    assert.equal(pub.service.externalTrafficPolicy, "Local");
    assert.deepEqual(pub.resources.limits, { cpu: "2", memory: "1Gi" });
    const internal = values(plan, "internal-gateway");
    // values.gateways.istio-ingressgateway.autoscaleEnabled: false reaches every ingress gateway in
    // istioctl, so internal-gateway's hpaSpec is unused there too: one replica
    assert.deepEqual(internal.autoscaling, { enabled: false });
    assert.equal(internal.replicaCount, 1);
    assert.match(
      out.stdout,
      /^# {3}spec\.components\.ingressGateways\[1\]\.k8s\.hpaSpec: autoscaling settings unused/m,
    );
    assert.equal(internal.service.type, "NodePort");
    assert.equal(internal.service.annotations["example.com/owner"], "platform-team");
    // each gateway's own ports go to its own helmValues (helmValues.gateway would reach both)
    const portsOf = (v: { service: { ports: { port: number; targetPort: number; nodePort?: number }[] } }) =>
      v.service.ports.map((p) => `${p.port}→${p.targetPort}${p.nodePort ? `:${p.nodePort}` : ""}`);
    assert.deepEqual(portsOf(pub), ["15021→15021", "80→8080", "443→8443"]);
    assert.deepEqual(portsOf(internal).slice(0, 2), ["15021→15021:31021", "80→8080:30080"]);
    assert.doesNotMatch(out.stdout, /per-gateway chart values are not supported/);
    assert.doesNotMatch(out.stdout, /partner-gateway\n/);
  });
  it("egress with REGISTRY_ONLY: mesh config and a ClusterIP egress gateway in istio-egress", async () => {
    const { plan } = await planOf("egress-registry-only");
    const mesh = values(plan, "istiod").meshConfig;
    assert.deepEqual(mesh.outboundTrafficPolicy, { mode: "REGISTRY_ONLY" });
    assert.equal(mesh.accessLogEncoding, "JSON");
    assert.ok(gateways(plan).includes("egress istio-egressgateway istio-egress ClusterIP"));
    assert.deepEqual(values(plan, "istio-egressgateway").autoscaling, {
      enabled: true,
      minReplicas: 2,
      maxReplicas: 5,
    });
  });
  it("CNI: the node agent with its chart settings, sidecar-mode CNI in istiod", async () => {
    const { plan } = await planOf("cni");
    const cni = values(plan, "istio-cni").cni;
    assert.equal(cni.cniBinDir, "/var/lib/cni/bin");
    assert.deepEqual(cni.excludeNamespaces, ["kube-system", "monitoring"]);
    assert.deepEqual(cni.resources, { requests: { cpu: "50m", memory: "64Mi" } });
    assert.deepEqual(cni.logging, { level: "info" });
    assert.deepEqual(values(plan, "istiod").pilot.cni, { enabled: true });
    assert.equal(values(plan, "istiod").sidecarInjectorWebhook.rewriteAppHTTPProbe, true);
  });
  it("ambient: ztunnel sized, CNI ambient settings, JSON access logs, an ingress gateway", async () => {
    const { plan } = await planOf("ambient");
    assert.deepEqual(values(plan, "ztunnel").resources, { requests: { cpu: "500m", memory: "1Gi" } });
    assert.equal(values(plan, "ztunnel").logLevel, "warn");
    assert.equal(values(plan, "istio-cni").cni.ambient.dnsCapture, true);
    assert.equal(values(plan, "istiod").meshConfig.accessLogEncoding, "JSON");
    assert.deepEqual(gateways(plan), ["ingress istio-ingressgateway istio-ingress LoadBalancer"]);
  });
  it("revision install: istiod-1-29-6 at 1.29.6 holding the default tag", async () => {
    const { plan } = await planOf("revision-canary");
    assert.deepEqual(releaseNames(plan), ["istio-base", "istiod-1-29-6"]);
    const istiod = plan.releases.find((r) => r.name === "istiod-1-29-6");
    assert.equal(istiod?.version, "1.29.6");
    assert.equal(istiod?.values.revision, "1-29-6");
    assert.deepEqual(istiod?.values.revisionTags, ["default"]);
  });
  it("private registry: hub, tag and pull secrets everywhere, sidecar resources", async () => {
    const { plan } = await planOf("private-registry");
    const g = values(plan, "istiod").global;
    assert.equal(g.hub, "registry.example.com/istio");
    assert.equal(g.tag, "1.30.3-custom");
    assert.deepEqual(g.imagePullSecrets, ["regcred", "mirror-pull"]);
    assert.deepEqual(g.proxy.resources.limits, { cpu: "1", memory: "512Mi" });
    assert.equal(g.proxy.logLevel, "warning");
    assert.equal(g.imagePullPolicy, "IfNotPresent");
    assert.deepEqual(values(plan, "istio-ingressgateway").imagePullSecrets, [
      { name: "regcred" },
      { name: "mirror-pull" },
    ]);
  });
  it("tracing: the OpenTelemetry provider and a mesh-wide Telemetry at 10% (spec.observability)", async () => {
    const { plan } = await planOf("tracing");
    const v = values(plan, "istiod");
    assert.equal(v.pilot?.traceSampling, undefined);
    assert.deepEqual(v.meshConfig.extensionProviders, [
      {
        name: "otel-tracing",
        opentelemetry: { service: "opentelemetry-collector.observability.svc.cluster.local", port: 4317 },
      },
    ]);
    // the chart's own defaultProviders (metrics: prometheus) stays, not replaced
    assert.equal(v.meshConfig.defaultProviders, undefined);
    const t = plan.objects.find((o) => o.manifest.kind === "Telemetry");
    assert.deepEqual(t?.manifest.spec, {
      tracing: [{ providers: [{ name: "otel-tracing" }], randomSamplingPercentage: 10 }],
    });
  });
  it("overlays: listed as not converted with their paths; the rest converted", async () => {
    const { plan, out } = await planOf("overlays");
    assert.match(
      out.stdout,
      /^# {3}spec\.components\.pilot\.k8s\.overlays\[0\]: overlay patching Deployment\/istiod/m,
    );
    assert.match(out.stdout, /^# {3}spec\.components\.ingressGateways\[0\]\.k8s\.overlays\[0\]: /m);
    const gw = values(plan, "istio-ingressgateway");
    assert.deepEqual(
      gw.service.ports.map((p: { port: number }) => p.port),
      [15021, 80, 443, 31400],
    );
    assert.equal(gw.labels.topology, "edge");
    assert.deepEqual(gw.nodeSelector, { "node-pool": "edge" });
    assert.deepEqual(values(plan, "istiod").pilot.resources, { requests: { cpu: "750m", memory: "1Gi" } });
  });
  it("legacy keys: global.mtls.enabled becomes the STRICT PeerAuthentication; removed keys are listed", async () => {
    const { plan, out } = await planOf("legacy");
    const pa = plan.objects.find((o) => o.manifest.kind === "PeerAuthentication");
    assert.deepEqual(pa?.manifest.spec, { mtls: { mode: "STRICT" } });
    for (const path of ["spec.values.global.jwtPolicy", "spec.addonComponents", "spec.tag"])
      assert.match(out.stdout, new RegExp(`^# {3}${path.replace(/\./g, "\\.")}: `, "m"), path);
    assert.match(out.stdout, /removed in a release before 1\.24/);
    assert.equal(values(plan, "istiod").meshConfig.accessLogFile, "/dev/stdout");
  });
  it("multicluster: mesh ID, cluster name, network and trust domain in istiod and ztunnel's terms", async () => {
    const { plan } = await planOf("multicluster");
    const v = values(plan, "istiod");
    assert.equal(v.global.meshID, "mesh1");
    assert.deepEqual(v.global.multiCluster, { clusterName: "cluster-west" });
    assert.equal(v.global.network, "network-west");
    assert.equal(v.global.logging.level, "default:info");
    assert.equal(v.meshConfig.trustDomain, "example.org");
  });
  it("a bare spec fragment, named by --name", async () => {
    const { plan } = await planOf("bare-spec");
    assert.equal(plan.mesh.name, "bare-spec");
    assert.deepEqual(values(plan, "istiod").pilot.resources, { requests: { cpu: "250m", memory: "512Mi" } });
  });
  it("a custom control-plane namespace: gateways follow it, as IstioOperator's default", async () => {
    const { plan } = await planOf("custom-namespace");
    assert.equal(plan.mesh.namespace, "mesh-system");
    assert.deepEqual(gateways(plan), ["ingress istio-ingressgateway mesh-system LoadBalancer"]);
    assert.equal(values(plan, "istiod").global.istioNamespace, "mesh-system");
  });
});
