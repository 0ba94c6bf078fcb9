import type { Context } from "./context.js";
import { isObject, type Json, type JsonObject, type Source, show } from "./source.js";

/**
 * The shapes IstioOperator's `k8s` blocks share (KubernetesResourcesSpec): resources, HPA,
 * env lists. Each helper takes what it converts from the source and leaves the rest.
 */

const quantity = (v: Json | undefined): string | undefined =>
  typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;

/** `resources` with cpu and memory requests and limits, as strings; other resources stay behind. */
export function takeResources(src: Source, ...keys: string[]): JsonObject | undefined {
  const out: JsonObject = {};
  for (const part of ["requests", "limits"]) {
    const list: JsonObject = {};
    for (const r of ["cpu", "memory"]) {
      const q = quantity(src.peek(...keys, part, r));
      if (q === undefined) continue;
      src.take(...keys, part, r);
      list[r] = q;
    }
    if (Object.keys(list).length > 0) out[part] = list;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** An HPA spec's bounds and CPU target (autoscaling/v2 or v2beta1 form). */
export interface Hpa {
  minReplicas?: number | undefined;
  maxReplicas?: number | undefined;
  targetCpu?: number | undefined;
}

/** Reads `hpaSpec`: min, max and the CPU utilization metric; other metrics stay behind. */
export function takeHpa(ctx: Context, src: Source, ...keys: string[]): Hpa | undefined {
  if (!isObject(src.peek(...keys))) return undefined;
  const hpa: Hpa = {};
  const min = src.takeInt(...keys, "minReplicas");
  const max = src.takeInt(...keys, "maxReplicas");
  if (min !== undefined) hpa.minReplicas = min;
  if (max !== undefined) hpa.maxReplicas = max;
  src.take(...keys, "scaleTargetRef"); // always the component's own Deployment
  const metrics = src.peek(...keys, "metrics");
  if (Array.isArray(metrics)) {
    src.take(...keys, "metrics");
    metrics.forEach((m, i) => {
      const r = isObject(m) && isObject(m.resource) ? m.resource : undefined;
      const target = r !== undefined && isObject(r.target) ? r.target : undefined;
      const util = target?.averageUtilization ?? r?.targetAverageUtilization;
      if (r?.name === "cpu" && typeof util === "number" && Number.isInteger(util)) hpa.targetCpu = util;
      else
        ctx.notes.dropped(
          src.at(...keys, `metrics[${i}]`),
          `autoscaling metric ${show(m)}: planton autoscales on CPU only`,
        );
    });
  }
  return hpa;
}

/** `{minReplicas, maxReplicas, targetCpuUtilizationPercentage}` with what is set. */
export function autoscalingOf(h: Hpa): JsonObject {
  const out: JsonObject = {};
  if (h.minReplicas !== undefined) out.minReplicas = h.minReplicas;
  if (h.maxReplicas !== undefined) out.maxReplicas = h.maxReplicas;
  if (h.targetCpu !== undefined) out.targetCpuUtilizationPercentage = h.targetCpu;
  return out;
}

/**
 * A Kubernetes env list (`[{name, value}]`, `[{name, valueFrom}]`) as the charts take it: plain
 * values as an `env` map, references as an `envVarFrom` list.
 */
export function takeEnv(src: Source, ...keys: string[]): { env?: JsonObject; envVarFrom?: Json[] } {
  const list = src.peek(...keys);
  if (!Array.isArray(list)) return {};
  src.take(...keys);
  const env: JsonObject = {};
  const from: Json[] = [];
  for (const e of list) {
    if (!isObject(e) || typeof e.name !== "string") continue;
    if (e.valueFrom !== undefined) from.push({ name: e.name, valueFrom: e.valueFrom });
    else env[e.name] = e.value === undefined || e.value === null ? "" : String(e.value);
  }
  const out: { env?: JsonObject; envVarFrom?: Json[] } = {};
  if (Object.keys(env).length > 0) out.env = env;
  if (from.length > 0) out.envVarFrom = from;
  return out;
}

/** Annotations as text, the only form a Service annotation takes. */
export function stringMap(v: Json | undefined): Record<string, string> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null || typeof x === "object") continue;
    out[k] = String(x);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Reports `k8s.overlays` of a component: kustomize-style patches with no Helm equivalent. */
export function dropOverlays(ctx: Context, src: Source, ...keys: string[]): void {
  const overlays = src.take(...keys, "overlays");
  if (!Array.isArray(overlays)) return;
  overlays.forEach((o, i) => {
    const what = isObject(o) ? `${String(o.kind ?? "?")}/${String(o.name ?? "?")}` : "?";
    ctx.notes.dropped(
      src.at(...keys, `overlays[${i}]`),
      `overlay patching ${what}: kustomize-style patches have no Helm equivalent; express it through helmValues or a post-render step`,
    );
  });
}

/** What a component's sizing settings say, gathered from wherever istioctl layered them. */
export interface SizingFacts {
  /** Who is sized, for notes: `istiod` or the gateway's name. */
  who: string;
  /** The spec field that holds the sizing, for notes: `controlPlane.` or `` for a gateway. */
  field: string;
  /** The autoscaler is off (set so, or by the profile). */
  off: boolean;
  /** The replica count to write when the autoscaler is off, if any. */
  replicasWhenOff: number | undefined;
  replicaCount: number | undefined;
  replicaPath: string;
  hpa: Hpa;
  /** Where the autoscaler's settings came from. */
  hpaPaths: string[];
}

/**
 * Fixed replicas or autoscaling, as istioctl would have run the component: settings the
 * chosen form leaves unused are noted with the path they came from.
 */
export function chooseSizing(ctx: Context, f: SizingFacts): JsonObject {
  const out: JsonObject = {};
  const hasHpa = Object.values(f.hpa).some((v) => v !== undefined);
  if (f.off) {
    if (f.replicasWhenOff !== undefined) out.replicas = f.replicasWhenOff;
    if (hasHpa)
      for (const path of f.hpaPaths)
        ctx.notes.dropped(path, "autoscaling settings unused: the autoscaler is disabled");
  } else if (hasHpa) {
    out.autoscaling = autoscalingOf(f.hpa);
    if (f.replicaCount !== undefined)
      ctx.notes.changed(
        f.replicaPath,
        `replicaCount ${f.replicaCount} left out: the autoscaler sets ${f.who}'s replica count`,
      );
  } else if (f.replicaCount !== undefined) {
    out.replicas = f.replicaCount;
    ctx.notes.changed(
      f.replicaPath,
      `${f.who}'s autoscaler (1 to 5 replicas) ran next to replicaCount; ${f.field}replicas: ${f.replicaCount} turns it off (use ${f.field}autoscaling to keep one)`,
    );
  }
  return out;
}
