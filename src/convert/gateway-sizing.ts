import type { Context } from "./context.js";
import { demoGatewayResources } from "./gateway-values.js";
import { chooseSizing, type Hpa, takeHpa, takeResources } from "./k8s.js";
import type { JsonObject, Source } from "./source.js";

/**
 * A gateway's replicas or autoscaling, and resources: from its `k8s` block over the shared
 * `values.gateways.istio-<kind>gateway` (`legacy`), over the demo profile's, as istioctl layers
 * them. Notes name the path each setting came from.
 */
export function gatewaySizing(ctx: Context, src: Source, legacy: Source, name: string): JsonObject {
  const replicaPath =
    src.peek("k8s", "replicaCount") !== undefined ? src.at("k8s", "replicaCount") : legacy.at("replicaCount");
  const replicaCount = src.takeInt("k8s", "replicaCount") ?? legacy.takeInt("replicaCount");
  const hpaPaths = [src.at("k8s", "hpaSpec")].filter(() => src.peek("k8s", "hpaSpec") !== undefined);
  for (const key of [["autoscaleMin"], ["autoscaleMax"], ["cpu", "targetAverageUtilization"]])
    if (legacy.peek(...key) !== undefined) hpaPaths.push(legacy.at(...key));
  const hpa: Hpa = takeHpa(ctx, src, "k8s", "hpaSpec") ?? {};
  hpa.minReplicas ??= legacy.takeInt("autoscaleMin");
  hpa.maxReplicas ??= legacy.takeInt("autoscaleMax");
  hpa.targetCpu ??= legacy.takeInt("cpu", "targetAverageUtilization");
  // istioctl's demo profile runs every gateway without an autoscaler, with small requests
  const demo = ctx.profile === "demo";
  const autoscale = legacy.takeBool("autoscaleEnabled") ?? (demo ? false : undefined);
  const out = chooseSizing(ctx, {
    who: name,
    field: "",
    off: autoscale === false,
    replicasWhenOff: replicaCount ?? 1,
    replicaCount,
    replicaPath,
    hpa,
    hpaPaths,
  });
  const resources =
    takeResources(src, "k8s", "resources") ??
    takeResources(legacy, "resources") ??
    (demo ? demoGatewayResources() : undefined);
  if (resources !== undefined) out.resources = resources;
  return out;
}
