import type { KubernetesIstioSpec } from "../../gen/planton/kubernetes/istio/v1/spec_pb.js";
import { defaultNamespace } from "../istio/defaults.js";

/** One problem with `spec.observability`, at a field path. */
export interface ObservabilityProblem {
  path: string;
  code: string;
  message: string;
  hint: string;
  severity: "error" | "warning";
}

const base = "spec.observability";
const tracerKinds = new Set(["OPENTELEMETRY", "ZIPKIN"]);

/** A problem at `path`; an error unless `severity` says warning (as ca.ts builds its own). */
function problem(
  path: string,
  code: string,
  message: string,
  hint: string,
  severity: ObservabilityProblem["severity"] = "error",
): ObservabilityProblem {
  return { path, code, message, hint, severity };
}
const error = problem;
const warning = (path: string, code: string, message: string, hint: string) =>
  problem(path, code, message, hint, "warning");

/**
 * The rules of `spec.observability` that one field's proto rule cannot say, above all Istio's
 * silent traps: a Telemetry naming a provider the mesh config lacks, or an access-log provider
 * named as a tracer, does nothing; a mesh config `defaultProviders` without metrics drops
 * Prometheus metrics. Also: both sampling settings at once, a service address with a scheme or
 * a port, protocol settings of the wrong kind, access logs for a namespace the manifest does not
 * list, monitors without a label a Prometheus could select them by. Pure.
 */
export function checkObservability(spec: KubernetesIstioSpec): ObservabilityProblem[] {
  const o = spec.observability;
  const out: ObservabilityProblem[] = [...defaultProvidersTrap(spec)];
  if (o === undefined) return out;
  out.push(...providerProblems(spec));
  out.push(...tracingProblems(spec));
  out.push(...accessLogProblems(spec));
  if (o.metrics !== undefined && o.metrics.monitors !== "OFF" && Object.keys(o.metrics.labels).length === 0)
    out.push(
      warning(
        `${base}.metrics`,
        "observability.monitors_unlabelled",
        "the monitors get no labels: a Prometheus that selects monitors by label will not scrape them",
        "add the label your Prometheus selects by, e.g. `labels: {release: kube-prometheus-stack}`",
      ),
    );
  return out;
}

function providerProblems(spec: KubernetesIstioSpec): ObservabilityProblem[] {
  const out: ObservabilityProblem[] = [];
  spec.observability?.providers.forEach((p, i) => {
    const at = `${base}.providers[${i}]`;
    if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(p.service))
      out.push(
        error(
          `${at}.service`,
          "observability.service_scheme",
          "must be a host name without a scheme",
          "drop the scheme (and any user name), e.g. `otel-collector.observability.svc.cluster.local`",
        ),
      );
    else if (/:\d*$/.test(p.service) || p.service.includes("/"))
      out.push(
        error(
          `${at}.service`,
          "observability.service_port",
          "must be a host name only, without a port or path",
          "put the port in `port` (and an OTLP HTTP path in `path`)",
        ),
      );
    else if (!/^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/.test(p.service))
      out.push(
        error(
          `${at}.service`,
          "observability.service_host",
          "is not a host name: letters, digits, `-` and `.` only",
          "give the backend's Service DNS name, e.g. `otel-collector.observability.svc.cluster.local`",
        ),
      );
    if (p.kind !== "OPENTELEMETRY" && p.protocol !== "")
      out.push(
        error(
          `${at}.protocol`,
          "observability.protocol_kind",
          `only an OPENTELEMETRY provider has a protocol; ${p.kind} is ${p.kind === "ZIPKIN" ? "HTTP" : "gRPC"}`,
          "remove `protocol`",
        ),
      );
    if (p.path !== "" && !(p.kind === "OPENTELEMETRY" && p.protocol === "HTTP"))
      out.push(
        error(
          `${at}.path`,
          "observability.path_kind",
          "only an OPENTELEMETRY provider with protocol HTTP has a path",
          "remove `path`, or set `protocol: HTTP`",
        ),
      );
  });
  return out;
}

function tracingProblems(spec: KubernetesIstioSpec): ObservabilityProblem[] {
  const tracing = spec.observability?.tracing;
  if (tracing === undefined) return [];
  const out: ObservabilityProblem[] = [];
  if (spec.meshConfig?.tracingSamplingPercent !== undefined)
    out.push(
      error(
        "spec.mesh_config.tracing_sampling_percent",
        "observability.sampling_twice",
        "is set together with observability.tracing, which has its own samplingPercent",
        "move the percentage to observability.tracing.samplingPercent and remove this one",
      ),
    );
  if (tracing.provider === "") return out;
  const providers = spec.observability?.providers ?? [];
  const p = providers.find((x) => x.name === tracing.provider);
  if (p === undefined)
    out.push(
      error(
        `${base}.tracing.provider`,
        "observability.tracer_unknown",
        `\`${tracing.provider}\` is not one of observability.providers: Istio would silently trace nowhere`,
        tracerHint(providers),
      ),
    );
  else if (!tracerKinds.has(p.kind))
    out.push(
      error(
        `${base}.tracing.provider`,
        "observability.tracer_kind",
        `\`${p.name}\` is an ${p.kind} provider (access logs), not a tracer: Istio would silently send no spans`,
        tracerHint(providers),
      ),
    );
  return out;
}

function tracerHint(providers: { name: string; kind: string }[]): string {
  const names = providers.filter((p) => tracerKinds.has(p.kind)).map((p) => `\`${p.name}\``);
  return names.length > 0
    ? `name one of the tracing providers: ${names.join(", ")}`
    : "add a provider of kind OPENTELEMETRY or ZIPKIN to observability.providers and name it here";
}

function accessLogProblems(spec: KubernetesIstioSpec): ObservabilityProblem[] {
  const logs = spec.observability?.accessLogs;
  if (logs === undefined) return [];
  const out: ObservabilityProblem[] = [];
  if (logs.provider !== "" && logs.provider !== "envoy") {
    const p = spec.observability?.providers.find((x) => x.name === logs.provider);
    if (p?.kind !== "OPENTELEMETRY_LOGS")
      out.push(
        error(
          `${base}.access_logs.provider`,
          p === undefined ? "observability.log_provider_unknown" : "observability.log_provider_kind",
          p === undefined
            ? `\`${logs.provider}\` is not one of observability.providers: Istio would silently log nothing`
            : `\`${p.name}\` is a ${p.kind} provider (tracing), not an access-log one: Istio would silently log nothing`,
          "use `envoy` (the proxies' standard output) or the name of an OPENTELEMETRY_LOGS provider",
        ),
      );
  }
  const root = spec.namespace || defaultNamespace;
  const known = new Set([
    ...spec.namespaces.map((n) => n.name),
    ...[...spec.ingressGateways, ...spec.egressGateways].map((g) => g.namespace),
  ]);
  logs.namespaces.forEach((ns, i) => {
    const at = `${base}.access_logs.namespaces[${i}]`;
    if (ns === root)
      out.push(
        error(
          at,
          "observability.log_namespace_root",
          `\`${ns}\` is the control-plane namespace, Istio's root namespace: a Telemetry there logs the whole mesh`,
          "set meshWide: true to log everywhere, or list the workload namespaces to log",
        ),
      );
    else if (!known.has(ns))
      out.push(
        warning(
          at,
          "observability.log_namespace_unlisted",
          `\`${ns}\` is not one of spec.namespaces: apply fails if it does not exist, and its pods may have no proxy to log`,
          "add it to spec.namespaces (with `create: true` if planton should create it), or check the name",
        ),
      );
  });
  return out;
}

/**
 * A `defaultProviders` in the istiod chart's meshConfig replaces the chart's own, which is what
 * enables Prometheus metrics (istio-charts.md §4.4): without `metrics`, `istio_requests_total`
 * silently disappears.
 */
function defaultProvidersTrap(spec: KubernetesIstioSpec): ObservabilityProblem[] {
  const mesh = spec.helmValues?.istiod?.meshConfig;
  const dp =
    typeof mesh === "object" && mesh !== null
      ? (mesh as Record<string, unknown>).defaultProviders
      : undefined;
  if (typeof dp !== "object" || dp === null) return [];
  const metrics = (dp as Record<string, unknown>).metrics;
  if (Array.isArray(metrics) && metrics.length > 0) return [];
  return [
    warning(
      "spec.helm_values.istiod.meshConfig.defaultProviders",
      "observability.default_providers_without_metrics",
      "replaces the chart's defaultProviders, which is what turns Prometheus metrics on: istio_requests_total and every other Istio metric would disappear",
      "add `metrics: [prometheus]` to it, or use spec.observability instead of defaultProviders",
    ),
  ];
}
