import {
  baseKeys,
  istiodGlobalKeys,
  istiodKeys,
  istiodProxyKeys,
  sidecarInjectorKeys,
} from "./chart-keys.js";
import { type Context, removedBefore124 } from "./context.js";
import { chartValues } from "./dataplane.js";
import { takeResources } from "./k8s.js";
import { convertMeshConfig } from "./mesh.js";
import { isObject, type Json, onlyDisables, prune, type Source } from "./source.js";

/** Sets a first-class `spec.meshConfig` field unless `spec.meshConfig` already set it. */
function meshDefault(ctx: Context, key: string, value: Json): void {
  const mesh = ctx.section("meshConfig");
  const explicit = ctx.helm.istiod.meshConfig;
  if (isObject(explicit) && explicit[key] !== undefined) return; // set explicitly empty
  if (mesh[key] === undefined) mesh[key] = value;
}

/** `values.*` sections Istio removed (add-ons, Mixer, node agent, …). */
const removedSections: Record<string, string> = {
  mixer: "the Mixer (telemetry v1)",
  kiali: "the Kiali add-on",
  grafana: "the Grafana add-on",
  prometheus: "the Prometheus add-on",
  tracing: "the tracing (Jaeger/Zipkin) add-on",
  istiocoredns: "istiocoredns (replaced by the proxy's DNS capture)",
  security: "Citadel",
  nodeagent: "the node agent",
  certmanager: "the cert-manager add-on",
  galley: "Galley",
  sidecarInjectorWebhookEnabled: "a separate sidecar injector",
  clusterResources: "clusterResources",
};

/** `values.global.*` keys Istio removed. */
const removedGlobal: Record<string, string> = {
  jwtPolicy: "the JWT policy switch (third-party tokens are always used)",
  arch: "architecture node affinity",
  useMCP: "the MCP switch",
  disablePolicyChecks: "Mixer policy checks",
  policyCheckFailOpen: "Mixer policy checks",
  controlPlaneSecurityEnabled: "the control-plane security switch",
  k8sIngress: "the Kubernetes Ingress switch",
  enableHelmTest: "Helm tests",
  meshExpansion: "mesh expansion (use a gateway, as samples/multicluster shows)",
  tracer: "the global tracer settings",
  oneNamespace: "the one-namespace switch",
  configRootNamespace: "global.configRootNamespace",
};

/**
 * `values.global`, `values.pilot` (what the control plane mapper left), the injector's and
 * telemetry settings, `values.base`, `values.meshConfig`, and the keys Istio removed.
 */
export function convertValues(ctx: Context, src: Source): void {
  const g = ["values", "global"];

  // images (hub and tag were read with spec.hub and spec.tag) and identity
  const secrets = src.peek(...g, "imagePullSecrets");
  if (Array.isArray(secrets)) {
    src.take(...g, "imagePullSecrets");
    const names = secrets
      .map((s) => (isObject(s) ? s.name : s))
      .filter((s): s is string => typeof s === "string" && s !== "");
    if (names.length > 0) ctx.section("images").pullSecrets = names;
  }
  const meshId = src.takeString(...g, "meshID");
  const cluster = src.takeString(...g, "multiCluster", "clusterName");
  const network = src.takeString(...g, "network");
  src.take(...g, "multiCluster", "enabled"); // only switched the legacy multicluster gateways
  const mc: Record<string, string> = {};
  if (meshId) mc.meshId = meshId;
  if (cluster) mc.clusterName = cluster;
  if (network) mc.network = network;
  if (Object.keys(mc).length > 0) Object.assign(ctx.section("multiCluster"), mc);
  const proxyResources = takeResources(src, ...g, "proxy", "resources");
  if (proxyResources !== undefined) ctx.section("proxy").resources = proxyResources;

  // obsolete global keys with a modern form
  const mtls = src.takeBool(...g, "mtls", "enabled");
  if (mtls === true) {
    ctx.section("mtls").mode = "STRICT";
    ctx.notes.changed(
      src.at(...g, "mtls", "enabled"),
      "global.mtls.enabled is obsolete; written as mtls.mode: STRICT (a mesh-wide PeerAuthentication)",
    );
  } else if (mtls === false) {
    ctx.notes.changed(
      src.at(...g, "mtls", "enabled"),
      "global.mtls.enabled: false is Istio's default (PERMISSIVE)",
    );
  }
  const autoMtls = src.takeBool(...g, "mtls", "auto");
  if (autoMtls !== undefined) {
    ctx.helmValue("istiod", ["meshConfig", "enableAutoMtls"], autoMtls);
    ctx.notes.changed(
      src.at(...g, "mtls", "auto"),
      "global.mtls.auto is obsolete; written as meshConfig.enableAutoMtls",
    );
  }
  const outbound = src.peek(...g, "outboundTrafficPolicy", "mode");
  if (outbound === "ALLOW_ANY" || outbound === "REGISTRY_ONLY") {
    src.take(...g, "outboundTrafficPolicy", "mode");
    meshDefault(ctx, "outboundTrafficPolicy", outbound);
    ctx.notes.changed(
      src.at(...g, "outboundTrafficPolicy", "mode"),
      "global.outboundTrafficPolicy is obsolete; written as meshConfig.outboundTrafficPolicy",
    );
  }
  const logFile = src.takeString(...g, "proxy", "accessLogFile");
  if (logFile !== undefined) {
    if (logFile !== "") meshDefault(ctx, "accessLogFile", logFile);
    ctx.notes.changed(
      src.at(...g, "proxy", "accessLogFile"),
      "global.proxy.accessLogFile is obsolete; written as meshConfig.accessLogFile",
    );
  }
  const logEncoding = src.peek(...g, "proxy", "accessLogEncoding");
  if (logEncoding === "TEXT" || logEncoding === "JSON") {
    src.take(...g, "proxy", "accessLogEncoding");
    meshDefault(ctx, "accessLogEncoding", logEncoding);
    ctx.notes.changed(
      src.at(...g, "proxy", "accessLogEncoding"),
      "global.proxy.accessLogEncoding is obsolete; written as meshConfig.accessLogEncoding",
    );
  }
  for (const [from, to] of [
    ["accessLogFormat", "accessLogFormat"],
    ["concurrency", "defaultConfig.concurrency"],
    ["holdApplicationUntilProxyStarts", "defaultConfig.holdApplicationUntilProxyStarts"],
  ] as const) {
    const v = src.take(...g, "proxy", from);
    if (v === undefined) continue;
    ctx.helmValue("istiod", ["meshConfig", ...to.split(".")], v);
    ctx.notes.changed(
      src.at(...g, "proxy", from),
      `global.proxy.${from} is obsolete; written as meshConfig.${to}`,
    );
  }
  for (const key of ["localityLbSetting", "certificates"]) {
    const v = src.take(...g, key);
    if (v === undefined) continue;
    ctx.helmValue("istiod", ["meshConfig", key], v);
    ctx.notes.changed(src.at(...g, key), `global.${key} is obsolete; written as meshConfig.${key}`);
  }
  const zipkin = src.takeString(...g, "tracer", "zipkin", "address");
  if (zipkin !== undefined) {
    ctx.helmValue("istiod", ["meshConfig", "defaultConfig", "tracing", "zipkin", "address"], zipkin);
    ctx.notes.changed(
      src.at(...g, "tracer", "zipkin", "address"),
      "global.tracer.zipkin.address is obsolete; written as meshConfig.defaultConfig.tracing.zipkin.address",
    );
  }
  const enableTracing = src.takeBool(...g, "enableTracing");
  if (enableTracing !== undefined) {
    ctx.helmValue("istiod", ["meshConfig", "enableTracing"], enableTracing);
    ctx.notes.changed(
      src.at(...g, "enableTracing"),
      "global.enableTracing is obsolete; written as meshConfig.enableTracing",
    );
  }
  const trust = src.peek(...g, "trustDomain");
  if (typeof trust === "string" && trust !== "") {
    src.take(...g, "trustDomain");
    meshDefault(ctx, "trustDomain", trust);
    ctx.notes.changed(
      src.at(...g, "trustDomain"),
      "global.trustDomain is obsolete; written as meshConfig.trustDomain",
    );
  }
  for (const [key, what] of Object.entries(removedGlobal)) {
    if (src.take(...g, key) !== undefined)
      ctx.notes.dropped(src.at(...g, key), `${what}, ${removedBefore124}`);
  }
  // the platform is read by every chart
  const platform = src.takeString(...g, "platform");
  if (platform !== undefined)
    for (const chart of ["base", "istiod", "cni", "ztunnel", "gateway"] as const)
      ctx.helmValue(chart, ["global", "platform"], platform);

  const traceSampling = src.peek("values", "pilot", "traceSampling");
  if (typeof traceSampling === "number" && traceSampling >= 0 && traceSampling <= 100) {
    src.take("values", "pilot", "traceSampling");
    meshDefault(ctx, "tracingSamplingPercent", traceSampling);
  }
  // what istiod still reads under global and global.proxy
  chartValues(ctx, src, [...g, "proxy"], "istiod", ["global", "proxy"], istiodProxyKeys);
  chartValues(ctx, src, g, "istiod", ["global"], istiodGlobalKeys);
  // values.pilot (sizing taken by the control plane) and the injector
  chartValues(ctx, src, ["values", "pilot"], "istiod", ["pilot"], istiodKeys);
  chartValues(
    ctx,
    src,
    ["values", "sidecarInjectorWebhook"],
    "istiod",
    ["sidecarInjectorWebhook"],
    sidecarInjectorKeys,
  );
  for (const key of ["istiodRemote", "revisionTags", "gatewayClasses", "experimental"]) {
    const v = prune(src.take("values", key));
    if (v !== undefined) ctx.helmValue("istiod", [key], v);
  }
  for (const key of ["securityContext", "seccompProfile"]) {
    const v = src.take("values", "gateways", key);
    if (v !== undefined) ctx.helmValue("istiod", ["gateways", key], v);
  }

  // telemetry: v2 settings the chart still reads; the ones it refuses, and v1, are dropped
  for (const key of ["configOverride", "disableOutbound", "outboundAccessLogging"]) {
    for (const provider of ["prometheus", "stackdriver"]) {
      if (src.take("values", "telemetry", "v2", provider, key) !== undefined)
        ctx.notes.dropped(
          src.at("values", "telemetry", "v2", provider, key),
          "removed from Istio; the istiod chart refuses it or ignores it",
        );
    }
  }
  const v1 = src.take("values", "telemetry", "v1");
  if (v1 !== undefined && !onlyDisables(v1))
    ctx.notes.dropped(src.at("values", "telemetry", "v1"), `telemetry v1 (Mixer), ${removedBefore124}`);
  const telemetry = src.peek("values", "telemetry");
  if (isObject(telemetry)) {
    for (const path of [
      ["enabled"],
      ["v2", "enabled"],
      ["v2", "prometheus", "enabled"],
      ["v2", "stackdriver", "enabled"],
    ]) {
      const v = src.takeBool("values", "telemetry", ...path);
      if (v !== undefined) ctx.helmValue("istiod", ["telemetry", ...path], v);
    }
  }

  chartValues(ctx, src, ["values", "base"], "base", ["base"], baseKeys);
  const defaultRevision = src.take("values", "defaultRevision");
  if (defaultRevision !== undefined && defaultRevision !== "")
    ctx.notes.dropped(
      src.at("values", "defaultRevision"),
      "planton picks the default revision itself (spec.defaultRevision names one of spec.revisions)",
    );

  convertMeshConfig(ctx, src, "values", "meshConfig");

  for (const [key, what] of Object.entries(removedSections)) {
    const v = src.take("values", key);
    if (v !== undefined && !onlyDisables(v))
      ctx.notes.dropped(src.at("values", key), `${what}, ${removedBefore124}`);
  }
}
