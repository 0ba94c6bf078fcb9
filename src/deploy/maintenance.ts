import {
  type KubernetesIstioStackOutputsJson,
  KubernetesIstioStackOutputsSchema,
} from "../../gen/planton/kubernetes/istio/v1/stack_outputs_pb.js";
import { toJson } from "@bufbuild/protobuf";
import type { ResolvedCluster } from "../cluster/kubeconfig.js";
import { serviceAddresses } from "../cluster/workloads.js";
import { DeployError } from "../errors.js";
import { bucketUnlockPlan, requireForceForRemote, unlockFileBackend } from "../pulumi/locks.js";
import type { ChangeSummary } from "./preview.js";
import { type DeployRequest, istioProgram, withSession } from "./request.js";

/** What `refresh` found. */
export interface RefreshResult {
  stack: string;
  context: string;
  summary: ChangeSummary;
  drift: boolean;
}

/** `refresh`: reconciles the state with the cluster; reports drift. Changes no cluster object. */
export function refresh(req: DeployRequest): Promise<RefreshResult> {
  return withSession(req, async (session) => {
    const state = await session.readState();
    if (state === undefined)
      throw new DeployError(`stack ${req.settings.stack} does not exist`, "run planton apply first");
    const stack = await session.withProgram(await istioProgram(req));
    const r = await session.run(() => stack.refresh(session.options(req.io.onEvent?.bind(req.io))));
    const summary = (r.summary.resourceChanges ?? {}) as ChangeSummary;
    return {
      stack: req.settings.stack,
      context: req.cluster.context,
      summary,
      drift: Object.entries(summary).some(([op, n]) => op !== "same" && n > 0),
    };
  });
}

/**
 * `outputs`: the recorded stack outputs (without the recorded values), with gateway addresses
 * read from the cluster when it answers within a few seconds.
 */
export function outputs(
  req: Pick<DeployRequest, "settings" | "env" | "io" | "signal"> & { cluster?: ResolvedCluster | undefined },
): Promise<KubernetesIstioStackOutputsJson> {
  return withSession(req, async (session) => {
    const state = await session.readState();
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
  });
}

/**
 * `unlock`: in a file backend removes the locks of dead processes on this machine (any lock
 * with `force`); in a bucket (s3://, gs://, azblob://) likewise, from the holders the engine
 * names; in Pulumi Cloud only with `force`, by cancelling the stack's running update.
 */
export async function unlock(
  req: Pick<DeployRequest, "settings" | "env" | "io" | "signal">,
  force: boolean,
): Promise<string[]> {
  if (req.settings.backendUrl.startsWith("file://")) return unlockFileBackend(req.settings, force);
  if (!/^https?:\/\//.test(req.settings.backendUrl)) return unlockBucket(req, force);
  requireForceForRemote(req.settings, force);
  await withSession(req, (session) => session.cancel());
  return [`cancelled the running update of stack ${req.settings.stack}`];
}

/** `unlock` of a bucket backend: names the holders, then removes every lock of the stack. */
function unlockBucket(req: Pick<DeployRequest, "settings" | "env" | "io" | "signal">, force: boolean) {
  return withSession(req, async (session) => {
    if ((await session.readState()) === undefined)
      throw new DeployError(`stack ${req.settings.stack} does not exist`, "check --stack and --backend");
    const holders = await session.lockHolders();
    if (holders.length === 0) return [`stack ${req.settings.stack} is not locked`];
    const lines = bucketUnlockPlan(req.settings.stack, holders, force);
    await session.cancel();
    return lines;
  });
}
