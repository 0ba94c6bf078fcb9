/**
 * Messages and hints for protovalidate rules, keyed by rule id. A rule id from a standard rule
 * (`string.pattern`) is refined by the field it fired on, since "does not match regex" says
 * nothing useful to a person.
 */
export interface Wording {
  message?: string;
  hint?: string;
}

const dnsLabel: Wording = {
  message:
    "must be a DNS-1123 label: lower-case letters, digits and `-`, starting and ending with a letter or digit",
  hint: "for example `istio-system` or `production-mesh`",
};

const versionPattern: Wording = {
  message: "must be MAJOR.MINOR.PATCH, without leading zeros",
  hint: 'quote it, e.g. version: "1.30.3"',
};

/** A mesh id, cluster name or network: a label value. */
const meshName = (example: string): Wording => ({
  message: "must be letters, digits, `-`, `.` and `_`, starting and ending with a letter or digit",
  hint: `for example \`${example}\``,
});

/** Field-specific wording: canonical path suffix (without list indices) → wording per rule id. */
const byField: Record<string, Record<string, Wording>> = {
  "metadata.name": {
    "string.pattern": { ...dnsLabel, hint: "for example `production-mesh`" },
    "string.min_len": {
      message: "is required",
      hint: "name the mesh, e.g. `metadata: {name: production-mesh}`",
    },
    "string.max_len": {
      message: "is longer than 53 characters",
      hint: "shorten it; it names the stack and appears in resource names",
    },
  },
  "spec.namespace": { "string.pattern": dnsLabel, "string.max_len": dnsLabel },
  namespace: { "string.pattern": dnsLabel, "string.max_len": dnsLabel },
  name: {
    "string.pattern": dnsLabel,
    "string.min_len": { message: "is required", hint: "give it a name: lower-case letters, digits and `-`" },
  },
  "spec.ingress_gateways.name": {
    "string.min_len": { message: "is required", hint: "name the gateway, e.g. `istio-ingressgateway`" },
  },
  "spec.egress_gateways.name": {
    "string.min_len": { message: "is required", hint: "name the gateway, e.g. `istio-egressgateway`" },
  },
  "spec.revision_tags.name": {
    "string.min_len": {
      message: "is required",
      hint: "name the tag, e.g. `prod-stable`; namespaces select it by that name (istio.io/rev)",
    },
  },
  "spec.revision_tags.revision": {
    "string.min_len": {
      message: "is required",
      hint: "point the tag at one of spec.revisions, e.g. `1-30-3`",
    },
  },
  "spec.namespaces.name": {
    "string.min_len": { message: "is required", hint: "name the workload namespace, e.g. `shop`" },
  },
  "spec.version": { "string.pattern": versionPattern },
  "spec.ca.istio_csr.root_ca_config_map": {
    "string.pattern": {
      message: "must be a ConfigMap name: lower-case letters, digits, `-` and `.`",
      hint: "for example `istio-ca-root-cert`",
    },
  },
  "spec.ca.istio_csr.address": {
    "string.pattern": {
      message: "must be host:port with a port from 1 to 65535, without a scheme",
      hint: "for example `cert-manager-istio-csr.cert-manager.svc:443`",
    },
  },
  version: {
    "string.pattern": versionPattern,
    "string.min_len": { message: "is required", hint: 'e.g. {name: 1-30-3, version: "1.30.3"}' },
  },
  "spec.revisions.name": {
    "string.pattern": {
      ...dnsLabel,
      hint: "revision names end up in Service names: use `1-30-3`, not `1.30.3`",
    },
    "string.not_in": {
      message: "`default` is reserved",
      hint: "name revisions after their version, e.g. `1-30-3`",
    },
    "string.min_len": { message: "is required", hint: "name the revision after its version, e.g. `1-30-3`" },
    "string.max_len": {
      message: "is longer than 46 characters",
      hint: "istiod is named istiod-<revision>, which must fit in 53 characters",
    },
  },
  "spec.multi_cluster.primary.address": {
    "string.pattern": {
      message: "must be a host name or an IP address, without a scheme or a port",
      hint: "the primary's east-west gateway address, e.g. 192.0.2.10 or istiod.primary.example.com",
    },
  },
  "spec.multi_cluster.mesh_id": { "string.pattern": meshName("mesh1") },
  cluster_name: { "string.pattern": meshName("cluster1") },
  "spec.multi_cluster.network": { "string.pattern": meshName("network1") },
  "spec.multi_cluster.remotes.server": {
    "string.pattern": {
      message:
        "must be an https:// URL of the API server: https://host[:port][/path], without a user name, query (`?`), fragment (`#`) or spaces",
      hint: "the remote API server as this cluster's istiod reaches it, e.g. https://10.0.0.12:6443; credentials come from the reader planton creates",
    },
    "string.max_len": {
      message: "is longer than 2048 characters",
      hint: "give the API server's address, e.g. https://10.0.0.12:6443",
    },
  },
  "spec.images.tag": {
    "string.pattern": {
      message: "is not a valid image tag",
      hint: "letters, digits, `_`, `.` and `-`, e.g. 1.30.3-distroless",
    },
  },
  "spec.images.hub": {
    "string.pattern": { message: "must not contain spaces", hint: "e.g. registry.example.com/istio" },
  },
  "spec.images.pull_secrets": {
    "string.pattern": { message: "must be the name of a Secret", hint: "e.g. regcred" },
  },
  "spec.observability.providers.port": {
    "uint32.gte_lte": {
      message: "is required: the backend's port, 1 to 65535",
      hint: "e.g. 4317 (OTLP gRPC), 4318 (OTLP HTTP) or 9411 (Zipkin)",
    },
  },
  "spec.observability.providers.name": {
    "string.not_in": {
      message: "is the name of one of Istio's built-in providers (envoy, prometheus, stackdriver)",
      hint: "choose another name, e.g. `otel` or `zipkin`",
    },
    "string.min_len": {
      message: "is required",
      hint: "name the provider, e.g. `otel`; tracing and accessLogs refer to it",
    },
  },
  "spec.observability.providers.path": {
    "string.pattern": {
      message: "must be an HTTP path starting with `/`, without spaces",
      hint: "for example `/v1/traces`",
    },
  },
  "spec.observability.tracing.provider": {
    "string.min_len": {
      message: "is required",
      hint: "name the OPENTELEMETRY or ZIPKIN entry of observability.providers that spans go to",
    },
  },
  "spec.observability.dashboards.label": {
    "string.pattern": {
      message: "must be key=value, the label the Grafana sidecar selects ConfigMaps by",
      hint: "e.g. grafana_dashboard=1",
    },
  },
  "spec.gateway_api.version": {
    "string.in": {
      message: "is not a Gateway API bundle planton ships (it ships v1.4.1 and v1.6.3)",
      hint: "use v1.4.1 (Istio 1.28, 1.29) or v1.6.3 (Istio 1.30), or remove version for the default",
    },
  },
  "spec.mesh_config.trust_domain": {
    "string.pattern": { message: "is not a valid trust domain", hint: "e.g. cluster.local" },
  },
};

/** Wording by rule id alone. */
const byRule: Record<string, Wording> = {
  "string.const": { hint: "use apiVersion: kubernetes.project-planton.org/v1 and kind: KubernetesIstio" },
  "string.in": { hint: "use one of the values listed" },
  required: { message: "is required" },
  "int32.gte_lte": { hint: "use a whole number from 1 to 100" },
  "double.gte_lte": { hint: "use a number from 0 to 100" },
  "spec.version_with_revisions": { hint: "remove version; each revision names its own version" },
  "spec.resources_conflict": { hint: "move the values into controlPlane.resources and remove container" },
  "spec.ambient_requires_cni": { hint: "remove cni.enabled, or set it to true" },
  "spec.ambient_east_west_gateway": {
    hint: "remove eastWestGateway: ambient multi-network (multi-primary) is not supported by planton yet; use the default profile with sidecars for a multi-network mesh",
  },
  "spec.ambient_upgrade_needs_ambient": {
    hint: "set spec.profile: ambient, or remove ambient.upgrade (other profiles run no ztunnel)",
  },
  "spec.default_revision_unknown": { hint: "use the name of one of spec.revisions" },
  "spec.default_revision_required": {
    hint: "set defaultRevision to the revision that should own the `default` tag",
  },
  "spec.gateway_names_unique": {
    hint: "rename one of the gateways; the name is its Helm release and Service name",
  },
  "revisions.unique_names": { hint: "give each revision its own name, e.g. 1-29-6 and 1-30-3" },
  "target_cluster.credential_id_unsupported": {
    hint: "remove it and set targetCluster.context to a context of your kubeconfig",
  },
  "target_cluster.cluster_kind_unsupported": {
    hint: "remove it and set targetCluster.context to a context of your kubeconfig",
  },
  "target_cluster.context_and_cluster_name": { hint: "remove clusterName" },
  "control_plane.replicas_and_autoscaling": {
    hint: "remove autoscaling for a fixed count, or replicas to autoscale",
  },
  "gateway.replicas_and_autoscaling": {
    hint: "remove autoscaling for a fixed count, or replicas to autoscale",
  },
  "autoscaling.min_above_max": { hint: "lower minReplicas or raise maxReplicas (defaults: 1 and 5)" },
  "ca.plugin_required": {
    hint: "add plugin: {directory: ./certs} (ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem)",
  },
  "ca.plugin_without_type": { hint: "set type: PLUGIN, or remove plugin" },
  "ca.istio_csr_without_type": { hint: "set type: ISTIO_CSR, or remove istioCsr" },
  "ca.plugin_one_source": { hint: "keep one: directory, caCert/caKey/rootCert/certChain, or existingSecret" },
  "ca.plugin_all_files": { hint: "or give directory: one folder holding the four files" },
  "east_west_gateway.replicas_and_autoscaling": {
    hint: "remove autoscaling for a fixed count, or replicas to autoscale",
  },
  "remote.context_or_kubeconfig": {
    hint: "add context: <the remote cluster's kubeconfig context> (and kubeconfig: <file> when it is not the default one)",
  },
  "observability.provider_names_unique": { hint: "give each provider its own name" },
  "access_logs.where": {
    hint: "add meshWide: true, or namespaces: [<namespace>] to log only there; remove accessLogs to keep them off",
  },
  "uint32.gte_lte": { hint: "use a number from 1 to 65535" },
  "images.hub_scheme": { hint: "drop the scheme, e.g. registry.example.com/istio" },
  "charts.repository_scheme": {
    hint: "use https://…, oci://… or a local directory of chart archives (plain http:// is not accepted)",
  },
};

/** Wording for a violation of `ruleId` at `path` (canonical). */
export function wordingFor(ruleId: string, path: string): Wording {
  const bare = path.replace(/\[[^\]]*\]/g, "");
  const candidates = Object.keys(byField)
    .filter((k) => bare === k || bare.endsWith(`.${k}`))
    .sort((a, b) => b.length - a.length);
  for (const k of candidates) {
    const w = byField[k]?.[ruleId];
    if (w !== undefined) return { ...byRule[ruleId], ...w };
  }
  return byRule[ruleId] ?? {};
}

/**
 * Message-level CEL rules fire on the message; these say which of its fields to point at, so
 * the diagnostic lands on the line to change.
 */
export const pointAtField: Record<string, string> = {
  "spec.version_with_revisions": "revisions",
  "spec.resources_conflict": "control_plane.resources",
  "spec.ambient_requires_cni": "cni.enabled",
  "spec.ambient_east_west_gateway": "east_west_gateway",
  "spec.ambient_upgrade_needs_ambient": "ambient.upgrade",
  "spec.default_revision_unknown": "default_revision",
  "spec.default_revision_required": "revisions",
  "target_cluster.credential_id_unsupported": "kubernetes_credential_id",
  "target_cluster.cluster_kind_unsupported": "cluster_kind",
  "target_cluster.context_and_cluster_name": "cluster_name",
  "control_plane.replicas_and_autoscaling": "autoscaling",
  "gateway.replicas_and_autoscaling": "autoscaling",
  "east_west_gateway.replicas_and_autoscaling": "autoscaling",
  "remote.context_or_kubeconfig": "context",
  "autoscaling.min_above_max": "min_replicas",
  "ca.plugin_required": "type",
  "ca.plugin_without_type": "plugin",
  "ca.istio_csr_without_type": "istio_csr",
  "observability.provider_names_unique": "providers",
};
