import { cniKeys, ztunnelKeys } from "./chart-keys.js";
import type { Chart, Context } from "./context.js";
import { dropOverlays, takeEnv, takeResources } from "./k8s.js";
import { isObject, prune, type Source } from "./source.js";

/**
 * The node agents: `components.cni` / `values.cni` (the Istio CNI node agent) and
 * `components.ztunnel` / `values.ztunnel` (ambient's node proxy). Enabling CNI is
 * `spec.cni.enabled`; ztunnel comes with `profile: ambient`. Their chart settings go to
 * `helmValues.cni` (under `cni.`, which the chart copies over its top-level keys, so they win
 * over profiles as they did in IstioOperator) and `helmValues.ztunnel`.
 */
export function convertDataplane(ctx: Context, src: Source): void {
  const ambient = ctx.profile === "ambient";

  // CNI
  const cniEnabled = nodeAgent(ctx, src, "cni", {
    label: "CNI",
    what: "the CNI node agent",
    whenOn: () => {
      if (!ambient) ctx.section("cni").enabled = true;
    },
  });
  componentK8s(ctx, src, "cni", ["cni"]);
  const cniLogLevel = src.takeString("values", "cni", "logLevel");
  if (cniLogLevel !== undefined) {
    ctx.helmValue("cni", ["cni", "logging", "level"], cniLogLevel);
    ctx.notes.changed(
      src.at("values", "cni", "logLevel"),
      "values.cni.logLevel is now the cni chart's logging.level",
    );
  }
  chartValues(ctx, src, ["values", "cni"], "cni", ["cni"], cniKeys);
  // sidecar-mode CNI on istiod's side: planton sets it whenever CNI is installed
  const pilotCni = src.takeBool("values", "pilot", "cni", "enabled");
  if (pilotCni !== undefined && pilotCni !== (ambient || cniEnabled === true))
    ctx.notes.dropped(
      src.at("values", "pilot", "cni", "enabled"),
      "planton sets istiod's pilot.cni.enabled exactly when the CNI node agent is installed",
    );
  const oldIstioCni = src.takeBool("values", "istio_cni", "enabled");
  if (oldIstioCni !== undefined) {
    if (oldIstioCni && !ambient) ctx.section("cni").enabled = true;
    ctx.notes.changed(
      src.at("values", "istio_cni", "enabled"),
      "values.istio_cni.enabled no longer exists in the charts; written as spec.cni.enabled",
    );
  }

  // ztunnel
  nodeAgent(ctx, src, "ztunnel", {
    label: "ztunnel",
    what: "ztunnel",
    whenOn: () => {
      if (!ambient)
        ctx.notes.dropped(
          src.at("components", "ztunnel", "enabled"),
          "planton installs ztunnel with profile: ambient only; set profile: ambient for an ambient mesh",
        );
    },
  });
  componentK8s(ctx, src, "ztunnel", []);
  chartValues(ctx, src, ["values", "ztunnel"], "ztunnel", [], ztunnelKeys);
}

/**
 * `components.<name>.enabled` and `.namespace` of a node agent: `whenOn` handles `enabled: true`;
 * turning it off under the ambient profile, or another namespace, is noted. Returns `enabled`.
 */
function nodeAgent(
  ctx: Context,
  src: Source,
  chart: "cni" | "ztunnel",
  says: { label: string; what: string; whenOn: () => void },
): boolean | undefined {
  const enabled = src.takeBool("components", chart, "enabled");
  if (enabled === true) says.whenOn();
  if (enabled === false && ctx.profile === "ambient")
    ctx.notes.dropped(
      src.at("components", chart, "enabled"),
      `${says.label} cannot be turned off with the ambient profile; planton installs it`,
    );
  const ns = src.takeString("components", chart, "namespace");
  if (ns !== undefined && ns !== ctx.namespace)
    ctx.notes.dropped(
      src.at("components", chart, "namespace"),
      `${says.label} namespace ${ns}: planton installs ${says.what} in spec.namespace (${ctx.namespace})`,
    );
  return enabled;
}

/** `components.<name>.k8s` of a DaemonSet component: resources, scheduling, env. */
function componentK8s(ctx: Context, src: Source, chart: "cni" | "ztunnel", prefix: string[]): void {
  const k8s = ["components", chart, "k8s"];
  const resources = takeResources(src, ...k8s, "resources");
  if (resources !== undefined) ctx.helmValue(chart, [...prefix, "resources"], resources);
  for (const key of [
    "tolerations",
    "affinity",
    "podAnnotations",
    ...(chart === "ztunnel" ? ["nodeSelector"] : []),
  ]) {
    const v = src.take(...k8s, key);
    if (v !== undefined) ctx.helmValue(chart, [...prefix, key], v);
  }
  const { env } = takeEnv(src, ...k8s, "env");
  if (env !== undefined) ctx.helmValue(chart, [...prefix, "env"], env);
  dropOverlays(ctx, src, ...k8s);
}

/** Chart defaults (Istio 1.30.3 values.yaml) that istioctl's built-in profiles restate. */
const chartDefaults: Record<string, unknown> = {
  "istiod.global.configValidation": true,
  "istiod.global.istioNamespace": "istio-system",
  "ztunnel.resourceName": "ztunnel",
  "istiod.pilot.autoscaleEnabled": true,
};

/**
 * Moves `values.<section>.<key>` to `helmValues.<chart>.<prefix>.<key>` for every key the chart
 * reads; the others stay behind and are reported as not converted.
 */
export function chartValues(
  ctx: Context,
  src: Source,
  keys: string[],
  chart: Chart,
  prefix: string[],
  known: Set<string>,
): void {
  const section = src.peek(...keys);
  if (!isObject(section)) return;
  for (const k of Object.keys(section)) {
    if (!known.has(k)) continue;
    const v = prune(src.take(...keys, k));
    // a value equal to the chart's default (istioctl's profiles repeat a few) is left out
    if (JSON.stringify(v) === JSON.stringify(chartDefaults[[chart, ...prefix, k].join(".")])) continue;
    if (v !== undefined) ctx.helmValue(chart, [...prefix, k], v);
  }
}
