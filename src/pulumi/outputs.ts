import { create, type JsonObject } from "@bufbuild/protobuf";
import { KubernetesIstioStackOutputsSchema } from "../../gen/planton/kubernetes/istio/v1/stack_outputs_pb.js";
import type { InstallPlan } from "../istio/types.js";

/** The stack outputs an apply of `plan` records (gateway addresses are read live, not stored). */
export function stackOutputsOf(plan: InstallPlan) {
  return create(KubernetesIstioStackOutputsSchema, {
    namespace: plan.mesh.namespace,
    version: plan.mesh.version,
    revisions: plan.mesh.revisions.map((r) => ({
      name: r.name,
      version: r.version,
      istiodService: r.istiodService,
    })),
    defaultRevision: plan.mesh.defaultRevision,
    istiodService: plan.mesh.istiodService,
    gateways: plan.mesh.gateways.map((g) => ({ ...g, addresses: [] })),
    revisionTags: plan.mesh.revisionTags,
    namespaces: plan.workloadNamespaces.map((n) => ({
      name: n.name,
      created: n.create || plan.namespaces.some((p) => p.name === n.name),
      revision: n.revision,
      labels: n.labels,
    })),
    remotes: plan.remotes.map((r) => r.clusterName),
    clusterName: plan.mesh.multiCluster?.clusterName ?? "",
    network: plan.mesh.multiCluster?.network ?? "",
    releases: Object.fromEntries(
      plan.releases.map((r) => [
        r.name,
        { chart: r.chart, version: r.version, namespace: r.namespace, values: r.values as JsonObject },
      ]),
    ),
  });
}
