import { type Context, removedBefore124 } from "./context.js";
import { convertObservability } from "./observability.js";
import { isObject, type Json, type JsonObject, prune, type Source, show } from "./source.js";

/** MeshConfig fields of the Mixer era that Istio's MeshConfig no longer has. */
const removedMeshFields = [
  "mixerCheckServer",
  "mixerReportServer",
  "disablePolicyChecks",
  "policyCheckFailOpen",
  "sidecarToTelemetrySessionAffinity",
  "sdsUdsPath",
  "sdsRefreshDelay",
  "enableSdsTokenMount",
  "authPolicy",
];

/** Stackdriver tracing fields the istiod chart refuses to render (its NOTES.txt: "… is removed"). */
const refusedTracingFields = [
  "debug",
  "maxNumberOfAttributes",
  "maxNumberOfAnnotations",
  "maxNumberOfMessageEvents",
];

const trustDomainPattern = /^[a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?$/;

/**
 * `spec.meshConfig` (and the legacy `values.meshConfig`): access log file and encoding,
 * outbound traffic policy, trace sampling and trust domain become `spec.meshConfig`; everything
 * else goes to the istiod chart's `meshConfig`, which istiod reads as its mesh config.
 */
export function convertMeshConfig(ctx: Context, src: Source, ...keys: string[]): void {
  if (!isObject(src.peek(...keys))) return;
  convertObservability(ctx, src, ...keys);
  const first: JsonObject = {};
  const file = src.peek(...keys, "accessLogFile");
  if (typeof file === "string") {
    src.take(...keys, "accessLogFile");
    // explicitly empty turns access logs off, also where the chart's profile turns them on
    if (file !== "") first.accessLogFile = file;
    else ctx.helmValue("istiod", ["meshConfig", "accessLogFile"], "");
  }
  const encoding = src.peek(...keys, "accessLogEncoding");
  if (encoding === "TEXT" || encoding === "JSON")
    first.accessLogEncoding = src.take(...keys, "accessLogEncoding") ?? "";
  const mode = src.peek(...keys, "outboundTrafficPolicy", "mode");
  if (mode === "ALLOW_ANY" || mode === "REGISTRY_ONLY")
    first.outboundTrafficPolicy = src.take(...keys, "outboundTrafficPolicy", "mode") ?? "";
  const sampling = src.peek(...keys, "defaultConfig", "tracing", "sampling");
  if (typeof sampling === "number" && sampling >= 0 && sampling <= 100)
    first.tracingSamplingPercent = src.takeNumber(...keys, "defaultConfig", "tracing", "sampling") ?? 0;
  const trust = src.peek(...keys, "trustDomain");
  if (typeof trust === "string" && trustDomainPattern.test(trust))
    first.trustDomain = src.takeString(...keys, "trustDomain") ?? "";
  if (Object.keys(first).length > 0)
    Object.assign(ctx.section("meshConfig"), { ...first, ...ctx.spec.meshConfig });

  for (const f of removedMeshFields) {
    if (src.take(...keys, f) !== undefined)
      ctx.notes.dropped(src.at(...keys, f), `a Mixer-era mesh setting, ${removedBefore124}`);
  }
  for (const f of refusedTracingFields) {
    if (src.take(...keys, "defaultConfig", "tracing", "stackdriver", f) !== undefined)
      ctx.notes.dropped(
        src.at(...keys, "defaultConfig", "tracing", "stackdriver", f),
        "removed from Istio; the istiod chart refuses to render it",
      );
  }
  const rest = prune(src.take(...keys));
  if (isObject(rest)) ctx.helmValue("istiod", ["meshConfig"], rest);
}

/**
 * istioctl merges `spec.values.meshConfig` over `spec.meshConfig` key by key (lists and values
 * replace, maps merge): each `spec.meshConfig` setting that `spec.values.meshConfig` also sets is
 * taken out here, noted when the two differ, so the values one is what converts.
 */
export function dropOverriddenMesh(ctx: Context, src: Source, keys: string[] = []): void {
  const typed = src.peek("meshConfig", ...keys);
  if (!isObject(typed)) return;
  for (const k of Object.keys(typed)) {
    const t: Json | undefined = typed[k];
    const v = src.peek("values", "meshConfig", ...keys, k);
    if (v === undefined || t === undefined) continue;
    if (isObject(t) && isObject(v)) {
      dropOverriddenMesh(ctx, src, [...keys, k]);
      continue;
    }
    src.take("meshConfig", ...keys, k);
    if (JSON.stringify(t) !== JSON.stringify(v))
      ctx.notes.dropped(
        src.at("meshConfig", ...keys, k),
        `${show(t)}: ${src.at("values", "meshConfig", ...keys, k)} (${show(v)}) is applied over it, as istioctl does`,
      );
  }
}
