import { header } from "../../helpers/load.js";

/**
 * One manifest per rule of shared/design/manifest.md (and per rule of the proto), each breaking
 * exactly that rule. `⟦` marks where the diagnostic must point; `path` is the field path in the
 * manifest's own spelling.
 */
export interface RuleCase {
  name: string;
  yaml: string;
  code: string;
  path: string;
  severity?: "error" | "warning";
  overrides?: string[];
}

const spec = (body: string) => `${header}spec:\n${body}`;

export const ruleCases: RuleCase[] = [
  {
    name: "apiVersion must be exact",
    yaml: `⟦apiVersion: v1\nkind: KubernetesIstio\nmetadata:\n  name: m\nspec: {}\n`,
    code: "string.const",
    path: "apiVersion",
  },
  {
    name: "kind must be exact",
    yaml: `apiVersion: kubernetes.project-planton.org/v1\n⟦kind: Istio\nmetadata:\n  name: m\nspec: {}\n`,
    code: "string.const",
    path: "kind",
  },
  {
    name: "metadata.name is a DNS-1123 label",
    yaml: `apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesIstio\nmetadata:\n  ⟦name: Prod_Mesh\nspec: {}\n`,
    code: "string.pattern",
    path: "metadata.name",
  },
  {
    name: "metadata.name fits release names",
    yaml: `apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesIstio\nmetadata:\n  ⟦name: ${"a".repeat(54)}\nspec: {}\n`,
    code: "string.max_len",
    path: "metadata.name",
  },
  {
    name: "metadata.name is required",
    yaml: `apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesIstio\n⟦metadata:\n  labels: {a: b}\nspec: {}\n`,
    code: "string.min_len",
    path: "metadata.name",
  },
  {
    name: "spec is required",
    yaml: `⟦apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesIstio\nmetadata:\n  name: m\nstatus: {}\n`,
    code: "required",
    path: "spec",
  },
  {
    name: "version is MAJOR.MINOR.PATCH (unquoted 1.30 stays 1.30)",
    yaml: spec("  ⟦version: 1.30\n"),
    code: "string.pattern",
    path: "spec.version",
  },
  {
    name: "version is at least 1.24.0",
    yaml: spec('  ⟦version: "1.23.9"\n'),
    code: "version.too_old",
    path: "spec.version",
  },
  {
    name: "version newer than known is a warning",
    yaml: spec('  ⟦version: "1.31.0"\n'),
    code: "version.untested",
    path: "spec.version",
    severity: "warning",
  },
  {
    name: "version and revisions are exclusive",
    yaml: spec('  version: "1.30.3"\n  ⟦revisions:\n    - {name: a, version: "1.30.3"}\n'),
    code: "spec.version_with_revisions",
    path: "spec.revisions",
  },
  {
    name: "cpu quantity",
    yaml: spec("  controlPlane:\n    resources:\n      requests:\n        ⟦cpu: 1.5 cores\n"),
    code: "quantity.cpu",
    path: "spec.controlPlane.resources.requests.cpu",
  },
  {
    name: "memory quantity rejects GB",
    yaml: spec("  controlPlane:\n    resources:\n      requests:\n        ⟦memory: 2GB\n"),
    code: "quantity.memory",
    path: "spec.controlPlane.resources.requests.memory",
  },
  {
    name: "negative quantity",
    yaml: spec("  proxy:\n    resources:\n      limits:\n        ⟦cpu: -1\n"),
    code: "quantity.cpu",
    path: "spec.proxy.resources.limits.cpu",
  },
  {
    name: "request above limit",
    yaml: spec(
      "  controlPlane:\n    resources:\n      requests:\n        ⟦memory: 4Gi\n      limits:\n        memory: 2Gi\n",
    ),
    code: "quantity.request_above_limit",
    path: "spec.controlPlane.resources.requests.memory",
  },
  {
    name: "limit below the chart's default request",
    yaml: spec("  controlPlane:\n    resources:\n      limits:\n        ⟦cpu: 200m\n"),
    code: "quantity.limit_below_default_request",
    path: "spec.controlPlane.resources.limits.cpu",
  },
  {
    name: "control plane replicas and autoscaling are exclusive",
    yaml: spec("  controlPlane:\n    replicas: 2\n    ⟦autoscaling: {maxReplicas: 4}\n"),
    code: "control_plane.replicas_and_autoscaling",
    path: "spec.controlPlane.autoscaling",
  },
  {
    name: "gateway replicas and autoscaling are exclusive",
    yaml: spec(
      "  ingressGateways:\n    - name: gw\n      replicas: 2\n      ⟦autoscaling: {maxReplicas: 4}\n",
    ),
    code: "gateway.replicas_and_autoscaling",
    path: "spec.ingressGateways[0].autoscaling",
  },
  {
    name: "minReplicas <= maxReplicas",
    yaml: spec("  controlPlane:\n    autoscaling:\n      ⟦minReplicas: 6\n      maxReplicas: 3\n"),
    code: "autoscaling.min_above_max",
    path: "spec.controlPlane.autoscaling.minReplicas",
  },
  {
    name: "replicas at least 1",
    yaml: spec("  controlPlane:\n    ⟦replicas: 0\n"),
    code: "int32.gte_lte",
    path: "spec.controlPlane.replicas",
  },
  {
    name: "replicas at most 100",
    yaml: spec("  ingressGateways:\n    - name: gw\n      ⟦replicas: 101\n"),
    code: "int32.gte_lte",
    path: "spec.ingressGateways[0].replicas",
  },
  {
    name: "container.resources and controlPlane.resources are exclusive",
    yaml: spec(
      "  container:\n    resources: {requests: {cpu: 1}}\n  controlPlane:\n    ⟦resources: {requests: {cpu: 1}}\n",
    ),
    code: "spec.resources_conflict",
    path: "spec.controlPlane.resources",
  },
  {
    name: "gateway names are unique",
    yaml: spec("  ingressGateways:\n    - name: gw\n  egressGateways:\n    - ⟦name: gw\n"),
    code: "spec.gateway_names_unique",
    path: "spec.egressGateways[0].name",
  },
  {
    name: "gateway names are DNS labels",
    yaml: spec("  ingressGateways:\n    - ⟦name: Ingress.GW\n"),
    code: "string.pattern",
    path: "spec.ingressGateways[0].name",
  },
  {
    name: "gateway namespaces are DNS labels",
    yaml: spec("  egressGateways:\n    - name: eg\n      ⟦namespace: Egress\n"),
    code: "string.pattern",
    path: "spec.egressGateways[0].namespace",
  },
  {
    name: "namespace is a DNS label",
    yaml: spec("  ⟦namespace: istio_system\n"),
    code: "string.pattern",
    path: "spec.namespace",
  },
  {
    name: "ambient forces CNI on",
    yaml: spec("  profile: ambient\n  cni:\n    ⟦enabled: false\n"),
    code: "spec.ambient_requires_cni",
    path: "spec.cni.enabled",
  },
  {
    name: "ambient has no east-west gateway planton can make",
    yaml: spec(
      "  profile: ambient\n  multiCluster: {meshId: m, clusterName: c1, network: n1}\n  ⟦eastWestGateway: {}\n",
    ),
    code: "spec.ambient_east_west_gateway",
    path: "spec.eastWestGateway",
  },
  {
    name: "ambient.upgrade only with the ambient profile",
    yaml: spec("  profile: default\n  ambient:\n    ⟦upgrade: ROLLING\n"),
    code: "spec.ambient_upgrade_needs_ambient",
    path: "spec.ambient.upgrade",
  },
  {
    name: "ambient.upgrade is NODE_BY_NODE or ROLLING",
    yaml: spec("  profile: ambient\n  ambient:\n    ⟦upgrade: SURGE\n"),
    code: "string.in",
    path: "spec.ambient.upgrade",
  },
  {
    name: "profile is one of four",
    yaml: spec("  ⟦profile: production\n"),
    code: "string.in",
    path: "spec.profile",
  },
  {
    name: "tracing sampling within 0..100",
    yaml: spec("  meshConfig:\n    ⟦tracingSamplingPercent: 150\n"),
    code: "double.gte_lte",
    path: "spec.meshConfig.tracingSamplingPercent",
  },
  {
    name: "images.hub has no scheme",
    yaml: spec("  images:\n    ⟦hub: https://registry.example.com/istio\n"),
    code: "images.hub_scheme",
    path: "spec.images.hub",
  },
  {
    name: "charts.repository scheme",
    yaml: spec("  charts:\n    ⟦repository: ftp://mirror/charts\n"),
    code: "charts.repository_scheme",
    path: "spec.charts.repository",
  },
  {
    name: "charts.repository directory exists",
    yaml: spec("  charts:\n    ⟦repository: /nonexistent/planton-charts\n"),
    code: "charts.repository_missing",
    path: "spec.charts.repository",
  },
  {
    name: "revision names are unique",
    yaml: spec(
      '  ⟦revisions:\n    - {name: a, version: "1.30.3"}\n    - {name: a, version: "1.29.6"}\n  defaultRevision: a\n',
    ),
    code: "revisions.unique_names",
    path: "spec.revisions",
  },
  {
    name: "revision names are DNS labels",
    yaml: spec('  revisions:\n    - {⟦name: 1.30.3, version: "1.30.3"}\n'),
    code: "string.pattern",
    path: "spec.revisions[0].name",
  },
  {
    name: "revision needs a version",
    yaml: spec("  revisions:\n    - ⟦{name: a}\n"),
    code: "string.min_len",
    path: "spec.revisions[0].version",
  },
  {
    name: "defaultRevision names a revision",
    yaml: spec('  revisions:\n    - {name: a, version: "1.30.3"}\n  ⟦defaultRevision: b\n'),
    code: "spec.default_revision_unknown",
    path: "spec.defaultRevision",
  },
  {
    name: "defaultRevision required with two revisions",
    yaml: spec('  ⟦revisions:\n    - {name: a, version: "1.30.3"}\n    - {name: b, version: "1.29.6"}\n'),
    code: "spec.default_revision_required",
    path: "spec.revisions",
  },
  {
    name: "revisions at most one minor apart",
    yaml: spec(
      '  revisions:\n    - {name: a, version: "1.28.10"}\n    - {name: b, ⟦version: "1.30.3"}\n  defaultRevision: a\n',
    ),
    code: "revisions.skew",
    path: "spec.revisions[1].version",
  },
  { name: "unknown key", yaml: spec("  ⟦profle: default\n"), code: "key.unknown", path: "spec.profle" },
  {
    name: "wrong type",
    yaml: spec("  controlPlane:\n    replicas: ⟦three\n"),
    code: "type.mismatch",
    path: "spec.controlPlane.replicas",
  },
  {
    name: "service type",
    yaml: spec("  ingressGateways:\n    - name: gw\n      service:\n        ⟦type: External\n"),
    code: "string.in",
    path: "spec.ingressGateways[0].service.type",
  },
  { name: "mtls mode", yaml: spec("  mtls:\n    ⟦mode: ON\n"), code: "string.in", path: "spec.mtls.mode" },
  {
    name: "Project Planton credential id is refused",
    yaml: spec("  target_cluster:\n    ⟦kubernetes_credential_id: local-kind\n"),
    code: "target_cluster.credential_id_unsupported",
    path: "spec.target_cluster.kubernetes_credential_id",
  },
  {
    name: "Project Planton cluster kind is refused",
    yaml: spec("  targetCluster:\n    ⟦clusterKind: GcpGkeCluster\n"),
    code: "target_cluster.cluster_kind_unsupported",
    path: "spec.targetCluster.clusterKind",
  },
  {
    name: "context and clusterName are exclusive",
    yaml: spec("  targetCluster:\n    context: a\n    ⟦clusterName: b\n"),
    code: "target_cluster.context_and_cluster_name",
    path: "spec.targetCluster.clusterName",
  },
  {
    name: "image pull secret names",
    yaml: spec("  images:\n    pullSecrets: [⟦Reg Cred]\n"),
    code: "string.pattern",
    path: "spec.images.pullSecrets[0]",
  },
  {
    name: "a revision tag is a DNS-1123 label",
    yaml: spec(
      "  revisions: [{name: 1-29-6, version: 1.29.6}, {name: 1-30-3, version: 1.30.3}]\n  defaultRevision: 1-30-3\n  revisionTags:\n    - ⟦name: Prod_Stable\n      revision: 1-30-3\n",
    ),
    code: "string.pattern",
    path: "spec.revisionTags[0].name",
  },
  {
    name: "the default tag is defaultRevision, not a revision tag",
    yaml: spec(
      "  revisions: [{name: 1-29-6, version: 1.29.6}, {name: 1-30-3, version: 1.30.3}]\n  defaultRevision: 1-30-3\n  revisionTags:\n    - ⟦name: default\n      revision: 1-30-3\n",
    ),
    code: "string.not_in",
    path: "spec.revisionTags[0].name",
  },
  {
    name: "revision tags are unique",
    yaml: spec(
      "  revisions: [{name: 1-29-6, version: 1.29.6}, {name: 1-30-3, version: 1.30.3}]\n  defaultRevision: 1-30-3\n  revisionTags:\n    - {name: stable, revision: 1-30-3}\n    - {⟦name: stable, revision: 1-29-6}\n",
    ),
    code: "revision_tags.duplicate",
    path: "spec.revisionTags[1].name",
  },
  {
    name: "a revision tag points at a declared revision",
    yaml: spec(
      "  revisions: [{name: 1-29-6, version: 1.29.6}, {name: 1-30-3, version: 1.30.3}]\n  defaultRevision: 1-30-3\n  revisionTags:\n    - name: stable\n      ⟦revision: 1-31-0\n",
    ),
    code: "revision_tags.unknown_revision",
    path: "spec.revisionTags[0].revision",
  },
  {
    name: "a revision tag may not take a revision's name",
    yaml: spec(
      "  revisions: [{name: 1-29-6, version: 1.29.6}, {name: 1-30-3, version: 1.30.3}]\n  defaultRevision: 1-30-3\n  revisionTags:\n    - ⟦name: 1-29-6\n      revision: 1-30-3\n",
    ),
    code: "revision_tags.shadows_revision",
    path: "spec.revisionTags[0].name",
  },
  {
    name: "a workload namespace is a DNS-1123 label",
    yaml: spec("  namespaces:\n    - ⟦name: Shop\n"),
    code: "string.pattern",
    path: "spec.namespaces[0].name",
  },
  {
    name: "kube-system never joins the mesh",
    yaml: spec("  namespaces:\n    - ⟦name: kube-system\n"),
    code: "namespaces.reserved",
    path: "spec.namespaces[0].name",
  },
  {
    name: "the control plane's namespace is not a workload namespace",
    yaml: spec("  namespace: mesh\n  namespaces:\n    - ⟦name: mesh\n"),
    code: "namespaces.reserved",
    path: "spec.namespaces[0].name",
  },
  {
    name: "workload namespaces are unique",
    yaml: spec("  namespaces:\n    - name: shop\n    - ⟦name: shop\n"),
    code: "namespaces.duplicate",
    path: "spec.namespaces[1].name",
  },
  {
    name: "injection is SIDECAR, AMBIENT or DISABLED",
    yaml: spec("  namespaces:\n    - name: shop\n      ⟦injection: ON\n"),
    code: "string.in",
    path: "spec.namespaces[0].injection",
  },
  {
    name: "AMBIENT needs the ambient profile",
    yaml: spec("  namespaces:\n    - name: shop\n      ⟦injection: AMBIENT\n"),
    code: "namespaces.ambient_profile",
    path: "spec.namespaces[0].injection",
  },
  {
    name: "a namespace's revision is a declared revision or tag",
    yaml: spec(
      "  revisions: [{name: 1-29-6, version: 1.29.6}, {name: 1-30-3, version: 1.30.3}]\n  defaultRevision: 1-30-3\n  namespaces:\n    - name: shop\n      ⟦revision: prod-stable\n",
    ),
    code: "namespaces.unknown_revision",
    path: "spec.namespaces[0].revision",
  },
  {
    name: "a revision only with SIDECAR injection",
    yaml: spec(
      "  revisions: [{name: 1-29-6, version: 1.29.6}, {name: 1-30-3, version: 1.30.3}]\n  defaultRevision: 1-30-3\n  namespaces:\n    - name: shop\n      injection: DISABLED\n      ⟦revision: 1-30-3\n",
    ),
    code: "namespaces.revision_without_sidecar",
    path: "spec.namespaces[0].revision",
  },
  {
    name: "injection labels come from injection, not labels",
    yaml: spec("  namespaces:\n    - name: shop\n      labels:\n        ⟦istio-injection: enabled\n"),
    code: "namespaces.label_injection",
    path: "spec.namespaces[0].labels.istio-injection",
  },
  {
    name: "the default profile's ingress gateway is not in a namespace marked DISABLED",
    yaml: spec("  namespaces:\n    - name: istio-ingress\n      ⟦injection: DISABLED\n"),
    code: "namespaces.gateway_not_injected",
    path: "spec.namespaces[0].injection",
  },
  {
    name: "an egress gateway is not in a namespace marked DISABLED",
    yaml: spec(
      "  profile: minimal\n  egressGateways: [{name: out, namespace: edge}]\n  namespaces:\n    - {name: edge, ⟦injection: DISABLED}\n",
    ),
    code: "namespaces.gateway_not_injected",
    path: "spec.namespaces[0].injection",
  },
  {
    name: "the east-west gateway is not in a namespace marked DISABLED",
    yaml: spec(
      "  profile: minimal\n  multiCluster: {meshId: m, clusterName: c1, network: n1}\n  eastWestGateway: {namespace: istio-gateways}\n  namespaces:\n    - name: istio-gateways\n      ⟦injection: DISABLED\n",
    ),
    code: "namespaces.gateway_not_injected",
    path: "spec.namespaces[0].injection",
  },
  {
    name: "a gateway may not take the name of planton's istiod release",
    yaml: spec("  ingressGateways:\n    - ⟦name: istiod\n"),
    code: "gateway.name_reserved",
    path: "spec.ingressGateways[0].name",
  },
  {
    name: "a gateway may not take the name of a revision's istiod release",
    yaml: spec(
      '  revisions: [{name: 1-30-3, version: "1.30.3"}]\n  egressGateways:\n    - ⟦name: istiod-1-30-3\n',
    ),
    code: "gateway.name_reserved",
    path: "spec.egressGateways[0].name",
  },
  {
    name: "charts.repository refuses plain http",
    yaml: spec("  charts:\n    ⟦repository: http://charts.example.com/istio\n"),
    code: "charts.repository_scheme",
    path: "spec.charts.repository",
  },
  {
    name: "charts.repository refuses credentials in the URL",
    yaml: spec("  charts:\n    ⟦repository: https://me:hunter2@charts.example.com/istio\n"),
    code: "charts.repository_credentials",
    path: "spec.charts.repository",
  },
  {
    name: "charts.repository URL has no whitespace",
    yaml: spec("  charts:\n    ⟦repository: https://charts.example.com/my charts\n"),
    code: "charts.repository_whitespace",
    path: "spec.charts.repository",
  },
  {
    name: "version has no leading zeros",
    yaml: spec('  ⟦version: "1.029.06"\n'),
    code: "string.pattern",
    path: "spec.version",
  },
  {
    name: "revision version has no leading zeros",
    yaml: spec('  revisions:\n    - {name: a, ⟦version: "01.30.3"}\n'),
    code: "string.pattern",
    path: "spec.revisions[0].version",
  },
  {
    name: "duplicate key points at the second occurrence",
    yaml: spec("  controlPlane:\n    replicas: 2\n    ⟦replicas: 3\n"),
    code: "yaml.duplicate_key",
    path: "spec.controlPlane.replicas",
  },
  {
    name: "a tag JSON has no value for is refused",
    yaml: spec("  helmValues:\n    istiod:\n      since: ⟦!!timestamp 2001-12-14\n"),
    code: "yaml.tag",
    path: "spec.helmValues.istiod.since",
  },
  {
    name: "__proto__ in Helm values is refused, not dropped",
    yaml: spec("  helmValues:\n    istiod:\n      ⟦__proto__: {pilot: {}}\n"),
    code: "key.reserved",
    path: "spec.helmValues.istiod.__proto__",
  },
  {
    name: "ca.type is one of the CA kinds",
    yaml: spec("  ca:\n    ⟦type: VAULT\n"),
    code: "string.in",
    path: "spec.ca.type",
  },
  {
    name: "ca PLUGIN needs plugin",
    yaml: spec("  ca:\n    ⟦type: PLUGIN\n"),
    code: "ca.plugin_required",
    path: "spec.ca.type",
  },
  {
    name: "ca.plugin only with PLUGIN",
    yaml: spec("  ca:\n    type: ISTIO_CSR\n    ⟦plugin: {existingSecret: true}\n"),
    code: "ca.plugin_without_type",
    path: "spec.ca.plugin",
  },
  {
    name: "ca.istioCsr only with ISTIO_CSR",
    yaml: spec("  ca:\n    ⟦istioCsr: {address: 'a.b.svc:443'}\n"),
    code: "ca.istio_csr_without_type",
    path: "spec.ca.istioCsr",
  },
  {
    name: "ca.plugin has one source",
    yaml: spec("  ca:\n    type: PLUGIN\n    ⟦plugin: {directory: certs, existingSecret: true}\n"),
    code: "ca.plugin_one_source",
    path: "spec.ca.plugin",
  },
  {
    name: "ca.plugin files come as four",
    yaml: spec("  ca:\n    type: PLUGIN\n    ⟦plugin: {caCert: ca-cert.pem}\n"),
    code: "ca.plugin_all_files",
    path: "spec.ca.plugin",
  },
  {
    name: "ca.istioCsr.address is host:port",
    yaml: spec("  ca:\n    type: ISTIO_CSR\n    istioCsr:\n      ⟦address: https://csr.example\n"),
    code: "string.pattern",
    path: "spec.ca.istioCsr.address",
  },
  {
    name: "ca.istioCsr.address has a port from 1 to 65535",
    yaml: spec("  ca:\n    type: ISTIO_CSR\n    istioCsr:\n      ⟦address: csr.cert-manager.svc:99999\n"),
    code: "string.pattern",
    path: "spec.ca.istioCsr.address",
  },
  {
    name: "ca.istioCsr.rootCaConfigMap is a ConfigMap name",
    yaml: spec("  ca:\n    type: ISTIO_CSR\n    istioCsr:\n      ⟦rootCaConfigMap: Root_CA\n"),
    code: "string.pattern",
    path: "spec.ca.istioCsr.rootCaConfigMap",
  },
  {
    name: "profile remote needs multiCluster.primary",
    yaml: spec("  profile: remote\n  ⟦multiCluster:\n    clusterName: r\n"),
    code: "remote.primary_required",
    path: "spec.multiCluster.primary",
  },
  {
    name: "profile remote needs multiCluster.clusterName",
    yaml: spec("  profile: remote\n  ⟦multiCluster:\n    primary: {clusterName: p, address: 192.0.2.10}\n"),
    code: "remote.cluster_name_required",
    path: "spec.multiCluster.clusterName",
  },
  {
    name: "profile remote refuses revisions",
    yaml: spec(
      "  profile: remote\n  multiCluster: {clusterName: r, primary: {clusterName: p, address: 192.0.2.10}}\n  ⟦revisions: [{name: 1-30-3, version: 1.30.3}]\n",
    ),
    code: "remote.revisions",
    path: "spec.revisions",
  },
  {
    name: "profile remote refuses revisionTags",
    yaml: spec(
      "  profile: remote\n  multiCluster: {clusterName: r, primary: {clusterName: p, address: 192.0.2.10}}\n  ⟦revisionTags: [{name: stable, revision: x}]\n",
    ),
    code: "remote.revision_tags",
    path: "spec.revisionTags",
  },
  {
    name: "profile remote refuses the CNI node agent",
    yaml: spec(
      "  profile: remote\n  multiCluster: {clusterName: r, primary: {clusterName: p, address: 192.0.2.10}}\n  cni:\n    ⟦enabled: true\n",
    ),
    code: "remote.cni",
    path: "spec.cni.enabled",
  },
  {
    name: "profile remote refuses spec.ca",
    yaml: spec(
      "  profile: remote\n  multiCluster: {clusterName: r, primary: {clusterName: p, address: 192.0.2.10}}\n  ⟦ca: {type: ISTIO_CSR}\n",
    ),
    code: "remote.ca",
    path: "spec.ca",
  },
  {
    name: "profile remote refuses remotes",
    yaml: spec(
      "  profile: remote\n  multiCluster:\n    clusterName: r\n    primary: {clusterName: p, address: 192.0.2.10}\n    ⟦remotes: [{clusterName: x, context: x}]\n",
    ),
    code: "remote.remotes",
    path: "spec.multiCluster.remotes",
  },
  {
    name: "profile remote refuses mtls: only the primary's istiod acts on it",
    yaml: spec(
      "  profile: remote\n  multiCluster: {clusterName: r, primary: {clusterName: p, address: 192.0.2.10}}\n  ⟦mtls: {mode: STRICT}\n",
    ),
    code: "remote.mtls",
    path: "spec.mtls",
  },
  {
    name: "profile remote refuses meshConfig: only the primary's istiod acts on it",
    yaml: spec(
      "  profile: remote\n  multiCluster: {clusterName: r, primary: {clusterName: p, address: 192.0.2.10}}\n  ⟦meshConfig: {accessLogFile: /dev/stdout}\n",
    ),
    code: "remote.mesh_config",
    path: "spec.meshConfig",
  },
  {
    name: "profile remote refuses proxy: only the primary's istiod acts on it",
    yaml: spec(
      "  profile: remote\n  multiCluster: {clusterName: r, primary: {clusterName: p, address: 192.0.2.10}}\n  ⟦proxy: {resources: {requests: {cpu: 50m}}}\n",
    ),
    code: "remote.proxy",
    path: "spec.proxy",
  },
  {
    name: "profile remote refuses controlPlane: only the primary's istiod acts on it",
    yaml: spec(
      "  profile: remote\n  multiCluster: {clusterName: r, primary: {clusterName: p, address: 192.0.2.10}}\n  ⟦controlPlane: {replicas: 2}\n",
    ),
    code: "remote.control_plane",
    path: "spec.controlPlane",
  },
  {
    name: "profile remote refuses container: only the primary's istiod acts on it",
    yaml: spec(
      "  profile: remote\n  multiCluster: {clusterName: r, primary: {clusterName: p, address: 192.0.2.10}}\n  ⟦container: {resources: {requests: {cpu: 50m}}}\n",
    ),
    code: "remote.container",
    path: "spec.container",
  },
  {
    name: "profile remote has no istiod to expose",
    yaml: spec(
      "  profile: remote\n  multiCluster: {clusterName: r, network: n, primary: {clusterName: p, address: 192.0.2.10}}\n  eastWestGateway:\n    ⟦exposeIstiod: true\n",
    ),
    code: "remote.expose_istiod",
    path: "spec.eastWestGateway.exposeIstiod",
  },
  {
    name: "a remote's primary is another cluster",
    yaml: spec(
      "  profile: remote\n  multiCluster:\n    clusterName: r\n    primary:\n      ⟦clusterName: r\n      address: 192.0.2.10\n",
    ),
    code: "remote.primary_is_self",
    path: "spec.multiCluster.primary.clusterName",
  },
  {
    name: "multiCluster.primary.address is a host name or IP without scheme or port",
    yaml: spec(
      "  profile: remote\n  multiCluster:\n    clusterName: r\n    primary:\n      clusterName: p\n      ⟦address: https://istiod.example.com:15012\n",
    ),
    code: "string.pattern",
    path: "spec.multiCluster.primary.address",
  },
  {
    name: "multiCluster.primary only with profile remote",
    yaml: spec("  multiCluster:\n    clusterName: c\n    ⟦primary: {clusterName: p, address: 192.0.2.10}\n"),
    code: "multi_cluster.primary_without_remote",
    path: "spec.multiCluster.primary",
  },
  {
    name: "remotes need multiCluster.clusterName",
    yaml: spec("  ⟦multiCluster:\n    remotes: [{clusterName: west, context: west}]\n"),
    code: "multi_cluster.cluster_name_required",
    path: "spec.multiCluster.clusterName",
  },
  {
    name: "remote cluster names are unique",
    yaml: spec(
      "  multiCluster:\n    clusterName: east\n    remotes:\n      - {clusterName: west, context: w}\n      - ⟦clusterName: west\n        context: w2\n",
    ),
    code: "multi_cluster.remotes_duplicate",
    path: "spec.multiCluster.remotes[1].clusterName",
  },
  {
    name: "a remote is not this cluster",
    yaml: spec(
      "  multiCluster:\n    clusterName: east\n    remotes:\n      - ⟦clusterName: east\n        context: e\n",
    ),
    code: "multi_cluster.remote_is_self",
    path: "spec.multiCluster.remotes[0].clusterName",
  },
  {
    name: "remote cluster names differing only in case are one name",
    yaml: spec(
      "  multiCluster:\n    clusterName: east\n    remotes:\n      - {clusterName: west, context: w}\n      - ⟦clusterName: West\n        context: w2\n",
    ),
    code: "multi_cluster.remotes_duplicate",
    path: "spec.multiCluster.remotes[1].clusterName",
  },
  {
    name: "remote cluster names differing only in punctuation are one name",
    yaml: spec(
      "  multiCluster:\n    clusterName: east\n    remotes:\n      - {clusterName: west.1, context: w}\n      - ⟦clusterName: west-1\n        context: w2\n",
    ),
    code: "multi_cluster.remotes_duplicate",
    path: "spec.multiCluster.remotes[1].clusterName",
  },
  {
    name: "a remote is not this cluster, in another case",
    yaml: spec(
      "  multiCluster:\n    clusterName: east\n    remotes:\n      - ⟦clusterName: East\n        context: e\n",
    ),
    code: "multi_cluster.remote_is_self",
    path: "spec.multiCluster.remotes[0].clusterName",
  },
  {
    name: "a remote is not this cluster, in other punctuation",
    yaml: spec(
      "  multiCluster:\n    clusterName: east_1\n    remotes:\n      - ⟦clusterName: east.1\n        context: e\n",
    ),
    code: "multi_cluster.remote_is_self",
    path: "spec.multiCluster.remotes[0].clusterName",
  },
  {
    name: "a remote names a context or a kubeconfig",
    yaml: spec("  multiCluster:\n    clusterName: east\n    remotes:\n      - ⟦clusterName: west\n"),
    code: "remote.context_or_kubeconfig",
    path: "spec.multiCluster.remotes[0].context",
  },
  {
    name: "a remote's server override is an https:// URL without credentials",
    yaml: spec(
      "  multiCluster:\n    clusterName: east\n    remotes:\n      - clusterName: west\n        context: w\n        ⟦server: http://user:pw@10.0.0.1:6443\n",
    ),
    code: "string.pattern",
    path: "spec.multiCluster.remotes[0].server",
  },
  {
    name: "multiCluster.clusterName fits the object names derived from it (63)",
    yaml: spec(`  multiCluster:\n    ⟦clusterName: ${"c".repeat(64)}\n`),
    code: "string.max_len",
    path: "spec.multiCluster.clusterName",
  },
  {
    name: "multiCluster.network is a label value (63)",
    yaml: spec(`  multiCluster:\n    ⟦network: ${"n".repeat(64)}\n`),
    code: "string.max_len",
    path: "spec.multiCluster.network",
  },
  {
    name: "multiCluster.primary.clusterName is a cluster name (63)",
    yaml: spec(
      `  profile: remote\n  multiCluster:\n    clusterName: r\n    primary:\n      ⟦clusterName: ${"p".repeat(64)}\n      address: 192.0.2.10\n`,
    ),
    code: "string.max_len",
    path: "spec.multiCluster.primary.clusterName",
  },
  {
    name: "multiCluster.remotes[].clusterName fits the remote secret's and reader's names (63)",
    yaml: spec(
      `  multiCluster:\n    clusterName: east\n    remotes:\n      - ⟦clusterName: ${"w".repeat(64)}\n        context: w\n`,
    ),
    code: "string.max_len",
    path: "spec.multiCluster.remotes[0].clusterName",
  },
  {
    name: "the east-west gateway needs multiCluster.network",
    yaml: spec("  multiCluster: {clusterName: east}\n  ⟦eastWestGateway: {}\n"),
    code: "east_west_gateway.network_required",
    path: "spec.eastWestGateway",
  },
  {
    name: "the east-west gateway's name is not an ingress gateway's",
    yaml: spec(
      "  multiCluster: {network: n1}\n  ingressGateways: [{name: gw}]\n  eastWestGateway:\n    ⟦name: gw\n",
    ),
    code: "east_west_gateway.name_taken",
    path: "spec.eastWestGateway.name",
  },
  {
    name: "the east-west gateway's name is not one of planton's releases",
    yaml: spec("  multiCluster: {network: n1}\n  eastWestGateway:\n    ⟦name: istiod\n"),
    code: "gateway.name_reserved",
    path: "spec.eastWestGateway.name",
  },
  {
    name: "the east-west gateway: replicas or autoscaling",
    yaml: spec(
      "  multiCluster: {network: n1}\n  eastWestGateway:\n    replicas: 2\n    ⟦autoscaling: {maxReplicas: 3}\n",
    ),
    code: "east_west_gateway.replicas_and_autoscaling",
    path: "spec.eastWestGateway.autoscaling",
  },
  {
    name: "the east-west gateway's resources are quantities",
    yaml: spec(
      "  multiCluster: {network: n1}\n  eastWestGateway:\n    resources:\n      requests:\n        ⟦cpu: 1.5 cores\n",
    ),
    code: "quantity.cpu",
    path: "spec.eastWestGateway.resources.requests.cpu",
  },
  {
    name: "--set values are validated and point at the flag",
    yaml: spec("  profile: minimal\n"),
    code: "int32.gte_lte",
    path: "spec.controlPlane.replicas",
    overrides: ["spec.controlPlane.replicas=0"],
  },
];
