import { header } from "../../helpers/load.js";
import type { RuleCase } from "./rules.testdata.js";

const spec = (body: string) => `${header}spec:\n${body}`;
const otel = "      - {name: otel, kind: OPENTELEMETRY, service: otel.observability.svc, port: 4317}\n";
const logs =
  "      - {name: otel-logs, kind: OPENTELEMETRY_LOGS, service: otel.observability.svc, port: 4317}\n";

/** One manifest per rule of `spec.observability`, each breaking exactly that rule. */
export const observabilityCases: RuleCase[] = [
  {
    name: "a provider needs a name",
    yaml: spec(
      `  observability:\n    providers:\n      - ⟦{kind: ZIPKIN, service: zipkin.tracing.svc, port: 9411}\n`,
    ),
    code: "string.min_len",
    path: "spec.observability.providers[0].name",
  },
  {
    name: "a provider is not named like a built-in one",
    yaml: spec(
      `  observability:\n    providers:\n      - {⟦name: envoy, kind: ZIPKIN, service: zipkin.tracing.svc, port: 9411}\n`,
    ),
    code: "string.not_in",
    path: "spec.observability.providers[0].name",
  },
  {
    name: "provider names are unique",
    yaml: spec(`  observability:\n    ⟦providers:\n${otel}${otel}`),
    code: "observability.provider_names_unique",
    path: "spec.observability.providers",
  },
  {
    name: "a provider's kind is one Istio has",
    yaml: spec(
      `  observability:\n    providers:\n      - {name: j, ⟦kind: JAEGER, service: jaeger.tracing.svc, port: 9411}\n`,
    ),
    code: "string.in",
    path: "spec.observability.providers[0].kind",
  },
  {
    name: "a provider needs a port",
    yaml: spec(
      `  observability:\n    providers:\n      - ⟦{name: z, kind: ZIPKIN, service: zipkin.tracing.svc}\n`,
    ),
    code: "uint32.gte_lte",
    path: "spec.observability.providers[0].port",
  },
  {
    name: "a provider's service has no scheme",
    yaml: spec(
      `  observability:\n    providers:\n      - {name: z, kind: ZIPKIN, ⟦service: "http://user:s3cret@zipkin.tracing.svc", port: 9411}\n`,
    ),
    code: "observability.service_scheme",
    path: "spec.observability.providers[0].service",
  },
  {
    name: "a provider's service has no port",
    yaml: spec(
      `  observability:\n    providers:\n      - {name: z, kind: ZIPKIN, ⟦service: "zipkin.tracing.svc:9411", port: 9411}\n`,
    ),
    code: "observability.service_port",
    path: "spec.observability.providers[0].service",
  },
  {
    name: "a provider's service is a host name",
    yaml: spec(
      `  observability:\n    providers:\n      - {name: z, kind: ZIPKIN, ⟦service: "user@zipkin.svc", port: 9411}\n`,
    ),
    code: "observability.service_host",
    path: "spec.observability.providers[0].service",
  },
  {
    name: "only OpenTelemetry has a protocol",
    yaml: spec(
      `  observability:\n    providers:\n      - {name: z, kind: ZIPKIN, service: zipkin.tracing.svc, port: 9411, ⟦protocol: HTTP}\n`,
    ),
    code: "observability.protocol_kind",
    path: "spec.observability.providers[0].protocol",
  },
  {
    name: "only OTLP over HTTP has a path",
    yaml: spec(
      `  observability:\n    providers:\n      - {name: o, kind: OPENTELEMETRY, service: otel.svc, port: 4317, ⟦path: /v1/traces}\n`,
    ),
    code: "observability.path_kind",
    path: "spec.observability.providers[0].path",
  },
  {
    name: "sampling is 0 to 100",
    yaml: spec(
      `  observability:\n    providers:\n${otel}    tracing:\n      provider: otel\n      ⟦samplingPercent: 150\n`,
    ),
    code: "double.gte_lte",
    path: "spec.observability.tracing.samplingPercent",
  },
  {
    name: "tracing names a provider",
    yaml: spec(`  observability:\n    providers:\n${otel}    ⟦tracing: {samplingPercent: 5}\n`),
    code: "string.min_len",
    path: "spec.observability.tracing.provider",
  },
  {
    name: "tracing names a declared provider",
    yaml: spec(`  observability:\n    providers:\n${otel}    tracing:\n      ⟦provider: jaeger\n`),
    code: "observability.tracer_unknown",
    path: "spec.observability.tracing.provider",
  },
  {
    name: "tracing does not name an access-log provider",
    yaml: spec(`  observability:\n    providers:\n${logs}    tracing:\n      ⟦provider: otel-logs\n`),
    code: "observability.tracer_kind",
    path: "spec.observability.tracing.provider",
  },
  {
    name: "tracing and meshConfig.tracingSamplingPercent are not both set",
    yaml: spec(
      `  meshConfig:\n    ⟦tracingSamplingPercent: 10\n  observability:\n    providers:\n${otel}    tracing: {provider: otel}\n`,
    ),
    code: "observability.sampling_twice",
    path: "spec.meshConfig.tracingSamplingPercent",
  },
  {
    name: "access logs say where",
    yaml: spec(`  observability:\n    ⟦accessLogs: {provider: envoy}\n`),
    code: "access_logs.where",
    path: "spec.observability.accessLogs",
  },
  {
    name: "access logs name a declared provider",
    yaml: spec(`  observability:\n    accessLogs:\n      meshWide: true\n      ⟦provider: otel-logs\n`),
    code: "observability.log_provider_unknown",
    path: "spec.observability.accessLogs.provider",
  },
  {
    name: "access logs do not name a tracer",
    yaml: spec(
      `  observability:\n    providers:\n${otel}    accessLogs:\n      meshWide: true\n      ⟦provider: otel\n`,
    ),
    code: "observability.log_provider_kind",
    path: "spec.observability.accessLogs.provider",
  },
  {
    name: "access-log namespaces are DNS labels",
    yaml: spec(`  observability:\n    accessLogs:\n      namespaces:\n        - ⟦Shop\n`),
    code: "string.pattern",
    path: "spec.observability.accessLogs.namespaces[0]",
  },
  {
    name: "access logs for a namespace the manifest does not list (warning)",
    yaml: spec(
      `  namespaces:\n    - name: shop\n  observability:\n    accessLogs:\n      namespaces: [shop, ⟦cart]\n`,
    ),
    code: "observability.log_namespace_unlisted",
    path: "spec.observability.accessLogs.namespaces[1]",
    severity: "warning",
  },
  {
    name: "access logs for the root namespace are mesh-wide ones",
    yaml: spec(`  observability:\n    accessLogs:\n      namespaces: [⟦istio-system]\n`),
    code: "observability.log_namespace_root",
    path: "spec.observability.accessLogs.namespaces[0]",
  },
  {
    name: "monitors mode is AUTO, ON or OFF",
    yaml: spec(`  observability:\n    metrics:\n      ⟦monitors: YES\n      labels: {release: prom}\n`),
    code: "string.in",
    path: "spec.observability.metrics.monitors",
  },
  {
    name: "monitors without a selector label (warning)",
    yaml: spec(`  observability:\n    ⟦metrics: {monitors: ON}\n`),
    code: "observability.monitors_unlabelled",
    path: "spec.observability.metrics",
    severity: "warning",
  },
  {
    name: "the dashboards' label is key=value",
    yaml: spec(`  observability:\n    dashboards:\n      ⟦label: grafana_dashboard\n`),
    code: "string.pattern",
    path: "spec.observability.dashboards.label",
  },
  {
    name: "a meshConfig defaultProviders without metrics drops Istio's metrics (warning)",
    yaml: spec(
      `  helmValues:\n    ⟦istiod:\n      meshConfig:\n        defaultProviders:\n          tracing: [otel]\n`,
    ),
    code: "observability.default_providers_without_metrics",
    path: "spec.helmValues.istiod.meshConfig.defaultProviders",
    severity: "warning",
  },
];
