import type { Context } from "./context.js";
import { chooseSizing, dropOverlays, type Hpa, stringMap, takeEnv, takeHpa, takeResources } from "./k8s.js";
import { isObject, type JsonObject, type Source, show } from "./source.js";

const pilot = ["components", "pilot"];
const k8s = [...pilot, "k8s"];
const values = ["values", "pilot"];

/**
 * istiod: `components.pilot` and the sizing part of `values.pilot`. Replicas, autoscaling and
 * resources become `spec.controlPlane`; scheduling and env become istiod chart values under
 * `pilot.` (the chart copies `pilot.*` over its top-level keys, so these win over profiles and
 * sit next to the keys planton itself sets there).
 */
export function convertControlPlane(ctx: Context, src: Source): void {
  convertIstiodComponent(ctx, src);
  const cp = istiodSizing(ctx, src);
  const resources = takeResources(src, ...k8s, "resources") ?? takeResources(src, ...values, "resources");
  if (resources !== undefined) cp.resources = resources;
  if (Object.keys(cp).length > 0) Object.assign(ctx.section("controlPlane"), cp);
  convertIstiodScheduling(ctx, src);
  convertIstiodRollout(ctx, src);
  dropOverlays(ctx, src, ...k8s);
}

/** `components.pilot`'s switch, image and namespace, none of which planton lets move. */
function convertIstiodComponent(ctx: Context, src: Source): void {
  const enabled = src.takeBool(...pilot, "enabled");
  if (enabled === false)
    ctx.notes.dropped(
      src.at(...pilot, "enabled"),
      "istiod disabled: planton always installs istiod (a remote or external control plane is not supported yet)",
    );
  src.take(...values, "enabled");
  // istioctl sets a component's hub and tag over `values.pilot.hub`/`tag`
  for (const key of ["hub", "tag"]) {
    const own = src.takeString(...pilot, key);
    if (own === undefined) continue;
    ctx.helmValue("istiod", ["pilot", key], own);
    const value = src.take(...values, key);
    if (value !== undefined && String(value) !== own)
      ctx.notes.dropped(
        src.at(...values, key),
        `${show(value)}: ${src.at(...pilot, key)} (${show(own)}) is applied over it, as istioctl does`,
      );
  }
  const ns = src.takeString(...pilot, "namespace");
  if (ns !== undefined && ns !== ctx.namespace)
    ctx.notes.dropped(
      src.at(...pilot, "namespace"),
      `istiod namespace ${ns}: planton installs istiod in spec.namespace (${ctx.namespace})`,
    );
}

/** istiod's replicas or autoscaling, from `k8s` over `values.pilot`. */
function istiodSizing(ctx: Context, src: Source): JsonObject {
  const replicaPath = src.peek(...k8s, "replicaCount") !== undefined ? k8s : values;
  const replicaCount = src.takeInt(...k8s, "replicaCount") ?? src.takeInt(...values, "replicaCount");
  // the paths the autoscaler's settings came from, for notes
  const hpaPaths = [src.at(...k8s, "hpaSpec")].filter(() => src.peek(...k8s, "hpaSpec") !== undefined);
  for (const key of [["autoscaleMin"], ["autoscaleMax"], ["cpu", "targetAverageUtilization"]])
    if (src.peek(...values, ...key) !== undefined) hpaPaths.push(src.at(...values, ...key));
  const hpa: Hpa = takeHpa(ctx, src, ...k8s, "hpaSpec") ?? {};
  const vmin = src.takeInt(...values, "autoscaleMin");
  const vmax = src.takeInt(...values, "autoscaleMax");
  const vcpu = src.takeInt(...values, "cpu", "targetAverageUtilization");
  hpa.minReplicas ??= vmin;
  hpa.maxReplicas ??= vmax;
  hpa.targetCpu ??= vcpu;
  const autoscale = src.takeBool(...values, "autoscaleEnabled");
  return chooseSizing(ctx, {
    who: "istiod",
    field: "controlPlane.",
    // the demo profile turns istiod's autoscaler off too
    off: autoscale === false || (autoscale === undefined && ctx.profile === "demo"),
    replicasWhenOff: replicaCount ?? (autoscale === false ? 1 : undefined),
    replicaCount,
    replicaPath: src.at(...replicaPath, "replicaCount"),
    hpa,
    hpaPaths,
  });
}

/** Scheduling and environment → istiod chart keys (§4.2 of the chart reference). */
function convertIstiodScheduling(ctx: Context, src: Source): void {
  const { env, envVarFrom } = takeEnv(src, ...k8s, "env");
  if (env !== undefined) ctx.helmValue("istiod", ["pilot", "env"], env);
  if (envVarFrom !== undefined) ctx.helmValue("istiod", ["pilot", "envVarFrom"], envVarFrom);
  for (const key of ["nodeSelector", "tolerations", "affinity", "podAnnotations"]) {
    const v = src.take(...k8s, key);
    if (v !== undefined) ctx.helmValue("istiod", ["pilot", key], v);
  }
  const serviceAnnotations = stringMap(src.take(...k8s, "serviceAnnotations"));
  if (serviceAnnotations !== undefined)
    ctx.helmValue("istiod", ["pilot", "serviceAnnotations"], serviceAnnotations);
}

/** The rolling update, disruption budget and priority class → istiod chart keys. */
function convertIstiodRollout(ctx: Context, src: Source): void {
  const rolling = [...k8s, "strategy", "rollingUpdate"];
  const surge = src.peek(...rolling, "maxSurge");
  const unavailable = src.peek(...rolling, "maxUnavailable");
  if (typeof surge === "string" || typeof surge === "number") {
    src.take(...rolling, "maxSurge");
    ctx.helmValue("istiod", ["pilot", "rollingMaxSurge"], surge);
  }
  if (typeof unavailable === "string" || typeof unavailable === "number") {
    src.take(...rolling, "maxUnavailable");
    ctx.helmValue("istiod", ["pilot", "rollingMaxUnavailable"], unavailable);
  }
  if (src.peek(...k8s, "strategy", "type") === "RollingUpdate") src.take(...k8s, "strategy", "type");
  const pdb = src.peek(...k8s, "podDisruptionBudget");
  if (isObject(pdb)) {
    for (const key of ["minAvailable", "maxUnavailable"]) {
      const v = src.take(...k8s, "podDisruptionBudget", key);
      if (v !== undefined) ctx.helmValue("istiod", ["pilot", "pdb", key], v);
    }
    src.take(...k8s, "podDisruptionBudget", "selector");
  }
  const priority = src.takeString(...k8s, "priorityClassName");
  if (priority !== undefined) ctx.helmValue("istiod", ["global", "priorityClassName"], priority);
}
