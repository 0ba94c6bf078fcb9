import { type Context, removedBefore124 } from "./context.js";
import { isObject, type JsonObject, prune, type Source } from "./source.js";

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
  const first: JsonObject = {};
  const file = src.peek(...keys, "accessLogFile");
  if (typeof file === "string") {
    src.take(...keys, "accessLogFile");
    if (file !== "") first.accessLogFile = file;
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
