import { toJson } from "@bufbuild/protobuf";
import {
  type KubernetesIstioStackOutputsJson,
  KubernetesIstioStackOutputsSchema,
} from "../../gen/planton/kubernetes/istio/v1/stack_outputs_pb.js";
import type { ResolvedCluster } from "../cluster/kubeconfig.js";
import { serviceAddresses } from "../cluster/workloads.js";
import { DeployError } from "../errors.js";
import { readState, type StackHandle } from "./request.js";

/**
 * `outputs`: the recorded stack outputs (without the recorded values), with gateway addresses
 * read from the cluster when it answers within a few seconds.
 */
export async function outputs(
  req: StackHandle & { cluster?: ResolvedCluster | undefined },
): Promise<KubernetesIstioStackOutputsJson> {
  const state = await readState(req);
  if (state?.outputs === undefined)
    throw new DeployError(`stack ${req.settings.stack} has no outputs yet`, "run planton apply first");
  const json = toJson(KubernetesIstioStackOutputsSchema, state.outputs, {
    alwaysEmitImplicit: true,
  }) as KubernetesIstioStackOutputsJson;
  delete json.releases;
  if (req.cluster !== undefined) {
    const addresses = await serviceAddresses(
      req.cluster,
      (json.gateways ?? []).map((g) => ({ name: g.name ?? "", namespace: g.namespace ?? "" })),
    );
    for (const g of json.gateways ?? []) g.addresses = addresses[g.name ?? ""] ?? [];
  }
  return json;
}
