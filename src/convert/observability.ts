import type { Context } from "./context.js";
import { isObject, type Json, type JsonObject, type Source } from "./source.js";

const providerName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const builtIn = new Set(["envoy", "prometheus", "stackdriver"]);
/** A host name as `service` takes it: no scheme, port or path. */
const host = /^[^:/\s]+$/;

/** The part of a MeshConfig provider that planton's providers hold: service and port only. */
function serviceAndPort(
  v: Json | undefined,
  extra: string[] = [],
): { service: string; port: number } | undefined {
  if (!isObject(v)) return undefined;
  if (Object.keys(v).some((k) => !["service", "port", ...extra].includes(k))) return undefined;
  const { service, port } = v;
  if (typeof service !== "string" || !host.test(service) || service.length > 253) return undefined;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { service, port };
}

/** One `extensionProviders` entry as a planton provider; undefined when planton has no such shape. */
function providerOf(e: Json | undefined): JsonObject | undefined {
  if (!isObject(e) || typeof e.name !== "string" || !providerName.test(e.name) || builtIn.has(e.name)) return;
  const kinds = Object.keys(e).filter((k) => k !== "name");
  if (kinds.length !== 1) return undefined;
  const [kind] = kinds;
  const body = kind === undefined ? undefined : e[kind];
  if (kind === "zipkin") {
    const at = serviceAndPort(body);
    return at && { name: e.name, kind: "ZIPKIN", ...at };
  }
  if (kind === "envoyOtelAls") {
    const at = serviceAndPort(body);
    return at && { name: e.name, kind: "OPENTELEMETRY_LOGS", ...at };
  }
  if (kind !== "opentelemetry" || !isObject(body)) return undefined;
  const at = serviceAndPort(body, ["http"]);
  if (at === undefined) return undefined;
  if (body.http === undefined) return { name: e.name, kind: "OPENTELEMETRY", ...at };
  const http = body.http;
  if (!isObject(http) || Object.keys(http).some((k) => k !== "path")) return undefined;
  const path = typeof http.path === "string" && http.path !== "" ? http.path : "/v1/traces";
  if (!/^\/\S*$/.test(path)) return undefined;
  return { name: e.name, kind: "OPENTELEMETRY", ...at, protocol: "HTTP", path };
}

const names = (v: Json | undefined): string[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : undefined;

/**
 * The MeshConfig's tracing and access-log providers as `spec.observability`: `extensionProviders`
 * (all of them, or none: a Helm list would replace planton's), `defaultProviders.tracing` (one
 * converted tracer, unless `enableTracing: false`) and `.accessLogging` (`envoy` or one converted
 * log provider, mesh-wide), `.metrics: [prometheus]` (what the chart sets anyway), and
 * `enableTracing` with a converted tracer. What does not fit stays in the istiod chart's meshConfig, as before.
 */
export function convertObservability(ctx: Context, src: Source, ...keys: string[]): void {
  const list = src.peek(...keys, "extensionProviders");
  const providers = Array.isArray(list) ? list.map(providerOf) : [];
  const all = providers.every((p) => p !== undefined) ? (providers as JsonObject[]) : [];
  if (all.length > 0) src.take(...keys, "extensionProviders");
  const observability: JsonObject = all.length > 0 ? { providers: all } : {};
  const kindOf = (name: string): string => {
    const kind = all.find((p) => p.name === name)?.kind;
    return typeof kind === "string" ? kind : "";
  };
  const dp = src.peek(...keys, "defaultProviders");
  if (isObject(dp) && Object.keys(dp).every((k) => ["tracing", "accessLogging", "metrics"].includes(k))) {
    const tracing = names(dp.tracing);
    const logging = names(dp.accessLogging);
    const metrics = names(dp.metrics);
    const tracer = tracing?.length === 1 ? tracing[0] : undefined;
    const logger = logging?.length === 1 ? logging[0] : undefined;
    const tracingOn = src.peek(...keys, "enableTracing") !== false;
    const fits =
      (dp.tracing === undefined ||
        (tracingOn && tracer !== undefined && ["OPENTELEMETRY", "ZIPKIN"].includes(kindOf(tracer)))) &&
      (dp.accessLogging === undefined ||
        (logger !== undefined && (logger === "envoy" || kindOf(logger) === "OPENTELEMETRY_LOGS"))) &&
      metrics?.length === 1 &&
      metrics[0] === "prometheus";
    if (fits) {
      src.take(...keys, "defaultProviders");
      if (tracer !== undefined) observability.tracing = { provider: tracer };
      if (logger !== undefined) observability.accessLogs = { meshWide: true, provider: logger };
    }
  }
  // the converted tracer is on only with tracing on (true is Istio's default)
  if (observability.tracing !== undefined) src.take(...keys, "enableTracing");
  if (Object.keys(observability).length > 0)
    ctx.spec.observability = { ...observability, ...ctx.spec.observability };
}

/** A converted mesh-wide tracer takes the mesh config's sampling: planton refuses both at once. */
export function moveSampling(ctx: Context): void {
  const tracing = ctx.spec.observability?.tracing;
  const sampling = ctx.spec.meshConfig?.tracingSamplingPercent;
  if (!isObject(tracing) || sampling === undefined || ctx.spec.meshConfig === undefined) return;
  tracing.samplingPercent = sampling;
  delete ctx.spec.meshConfig.tracingSamplingPercent;
}
