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

const g = ["values", "global"];

/** Notes that `values.global.<from>` is obsolete and was written as `meshConfig.<to>`. */
function noteObsolete(ctx: Context, src: Source, from: string[], to: string, shown = from.join(".")): void {
  ctx.notes.changed(src.at(...g, ...from), `global.${shown} is obsolete; written as meshConfig.${to}`);
}

/** An obsolete global key the istiod chart now reads as `meshConfig.<to>` (a dotted path). */
function toMeshConfig(ctx: Context, src: Source, from: string[], to: string, value: Json | undefined): void {
  if (value === undefined) return;
  ctx.helmValue("istiod", ["meshConfig", ...to.split(".")], value);
  noteObsolete(ctx, src, from, to);
}

/** An obsolete global key written as the first-class `spec.meshConfig.<key>` when `accept`s its value. */
function toMeshField(
  ctx: Context,
  src: Source,
  from: string[],
  key: string,
  accept: (value: Json) => boolean,
  shown?: string,
): void {
  const value = src.peek(...g, ...from);
  if (value === undefined || !accept(value)) return;
  src.take(...g, ...from);
  meshDefault(ctx, key, value);
  noteObsolete(ctx, src, from, key, shown);
}

/** `values.global`'s image pull secrets, mesh and network identity, and proxy resources. */
function convertIdentity(ctx: Context, src: Source): void {
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
}

/** `global.mtls.*`: `enabled` becomes `mtls.mode`, `auto` the mesh's auto mTLS. */
function convertGlobalMtls(ctx: Context, src: Source): void {
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
  toMeshConfig(ctx, src, ["mtls", "auto"], "enableAutoMtls", src.takeBool(...g, "mtls", "auto"));
}

/** Obsolete global keys with a modern form in meshConfig; those with none are dropped. */
function convertObsoleteGlobals(ctx: Context, src: Source): void {
  convertGlobalMtls(ctx, src);
  const policy = (v: Json) => v === "ALLOW_ANY" || v === "REGISTRY_ONLY";
  const outbound = ["outboundTrafficPolicy", "mode"];
  toMeshField(ctx, src, outbound, "outboundTrafficPolicy", policy, "outboundTrafficPolicy");
  const logFile = src.takeString(...g, "proxy", "accessLogFile");
  if (logFile !== undefined) {
    if (logFile !== "") meshDefault(ctx, "accessLogFile", logFile);
    noteObsolete(ctx, src, ["proxy", "accessLogFile"], "accessLogFile");
  }
  toMeshField(
    ctx,
    src,
    ["proxy", "accessLogEncoding"],
    "accessLogEncoding",
    (v) => v === "TEXT" || v === "JSON",
  );
  for (const [from, to] of [
    ["accessLogFormat", "accessLogFormat"],
    ["concurrency", "defaultConfig.concurrency"],
    ["holdApplicationUntilProxyStarts", "defaultConfig.holdApplicationUntilProxyStarts"],
  ] as const)
    toMeshConfig(ctx, src, ["proxy", from], to, src.take(...g, "proxy", from));
  for (const key of ["localityLbSetting", "certificates"])
    toMeshConfig(ctx, src, [key], key, src.take(...g, key));
  const zipkin = ["tracer", "zipkin", "address"];
  toMeshConfig(ctx, src, zipkin, "defaultConfig.tracing.zipkin.address", src.takeString(...g, ...zipkin));
  toMeshConfig(ctx, src, ["enableTracing"], "enableTracing", src.takeBool(...g, "enableTracing"));
  toMeshField(ctx, src, ["trustDomain"], "trustDomain", (v) => typeof v === "string" && v !== "");
  for (const [key, what] of Object.entries(removedGlobal)) {
    if (src.take(...g, key) !== undefined)
      ctx.notes.dropped(src.at(...g, key), `${what}, ${removedBefore124}`);
  }
}

/** The platform (read by every chart), and what istiod still reads under global, pilot, the injector. */
function convertIstiodValues(ctx: Context, src: Source): void {
  const platform = src.takeString(...g, "platform");
  if (platform !== undefined)
    for (const chart of ["base", "istiod", "cni", "ztunnel", "gateway"] as const)
      ctx.helmValue(chart, ["global", "platform"], platform);

  const traceSampling = src.peek("values", "pilot", "traceSampling");
  if (typeof traceSampling === "number" && traceSampling >= 0 && traceSampling <= 100) {
    src.take("values", "pilot", "traceSampling");
    meshDefault(ctx, "tracingSamplingPercent", traceSampling);
  }
  chartValues(ctx, src, [...g, "proxy"], "istiod", ["global", "proxy"], istiodProxyKeys);
  chartValues(ctx, src, g, "istiod", ["global"], istiodGlobalKeys);
  // values.pilot (sizing taken by the control plane) and the injector
  chartValues(ctx, src, ["values", "pilot"], "istiod", ["pilot"], istiodKeys);
  const injector = "sidecarInjectorWebhook";
  chartValues(ctx, src, ["values", injector], "istiod", [injector], sidecarInjectorKeys);
  for (const key of ["istiodRemote", "revisionTags", "gatewayClasses", "experimental"]) {
    const v = prune(src.take("values", key));
    if (v !== undefined) ctx.helmValue("istiod", [key], v);
  }
  for (const key of ["securityContext", "seccompProfile"]) {
    const v = src.take("values", "gateways", key);
    if (v !== undefined) ctx.helmValue("istiod", ["gateways", key], v);
  }
}

/** Telemetry: v2 settings the chart still reads; the ones it refuses, and v1, are dropped. */
function convertTelemetry(ctx: Context, src: Source): void {
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
  if (!isObject(src.peek("values", "telemetry"))) return;
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

/** `values.base`, `values.defaultRevision`, `values.meshConfig` and the sections Istio removed. */
function convertBaseAndRemoved(ctx: Context, src: Source): void {
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

/**
 * `values.global`, `values.pilot` (what the control plane mapper left), the injector's and
 * telemetry settings, `values.base`, `values.meshConfig`, and the keys Istio removed.
 */
export function convertValues(ctx: Context, src: Source): void {
  convertIdentity(ctx, src); // hub and tag were read with spec.hub and spec.tag
  convertObsoleteGlobals(ctx, src);
  convertIstiodValues(ctx, src);
  convertTelemetry(ctx, src);
  convertBaseAndRemoved(ctx, src);
}
