import type { Context } from "./context.js";
import { dropOverlays, stringMap, takeEnv } from "./k8s.js";
import { gatewaySizing } from "./gateway-sizing.js";
import { demoIngressPorts, sharedValues } from "./gateway-values.js";
import { isObject, type Json, type JsonObject, Source } from "./source.js";

type Direction = "ingress" | "egress";

/** A gateway chart value one gateway needs, and the IstioOperator path it came from. */
interface Extra {
  keys: string[];
  value: Json;
  from: string;
}

interface Converted {
  gateway: JsonObject;
  extras: Extra[];
  direction: Direction;
}

const listKey = (d: Direction) => (d === "ingress" ? "ingressGateways" : "egressGateways");

/** The gateways a built-in IstioOperator profile turns on without listing them. */
function implicitGateways(profile: string, d: Direction): string[] {
  if (d === "ingress") return profile === "default" || profile === "demo" ? ["istio-ingressgateway"] : [];
  return profile === "demo" ? ["istio-egressgateway"] : [];
}

/**
 * `components.ingressGateways[]` / `egressGateways[]` (with the legacy `values.gateways.<name>`):
 * each enabled gateway becomes a `spec.ingressGateways` / `egressGateways` entry in the same
 * namespace (IstioOperator's default: the control plane's), with replicas or autoscaling,
 * resources and its Service. Chart values only one gateway needs (ports, labels, scheduling) go to
 * `helmValues.gateway` when that gateway is the only one (those values reach every gateway), and
 * to the gateway's own `helmValues` otherwise.
 */
export function convertGateways(ctx: Context, src: Source): void {
  const all: Converted[] = [];
  for (const d of ["ingress", "egress"] as const) {
    const key = listKey(d);
    const listed = src.peek("components", key);
    if (listed !== undefined) src.take("components", key);
    const entries: { source: Source | undefined; name: string }[] = [];
    if (Array.isArray(listed)) {
      listed.forEach((g, i) => {
        const path = src.at("components", `${key}[${i}]`);
        if (!isObject(g) || typeof g.name !== "string" || g.name === "") {
          ctx.notes.dropped(path, "a gateway without a name");
          return;
        }
        entries.push({ source: ctx.track(new Source(g, path)), name: g.name });
      });
    } else if (listed !== undefined) {
      ctx.notes.dropped(src.at("components", key), "not a list");
    }
    const shared = sharedValues(ctx, src, d);
    // a list given replaces the profile's (istioctl merges lists whole); without one, the
    // profile's gateway, or the built-in one `values.gateways.istio-<kind>gateway.enabled` asks for
    if (listed === undefined) {
      const builtIn = `istio-${d}gateway`;
      const implicit = implicitGateways(ctx.profile, d);
      const names = implicit.length === 0 && shared.enabled === true ? [builtIn] : implicit;
      for (const name of names) {
        entries.push({ source: undefined, name });
        ctx.notes.changed(
          implicit.length > 0 ? ctx.profileOrigin : shared.enabledPath,
          `${implicit.length > 0 ? `the ${ctx.profile} profile's` : "the built-in"} ${name} made explicit, in ${ctx.namespace} as IstioOperator installs it`,
        );
      }
    }
    let enabledCount = 0;
    for (const e of entries) {
      const legacy = shared.copy();
      const c = convertGateway(ctx, src, e.source, legacy, e.name, d, shared.enabled === true);
      if (c !== undefined) {
        shared.used(legacy);
        all.push(c);
        enabledCount++;
      }
    }
    shared.finish(enabledCount);
    // `[]` only where planton's profile would add its own default gateway
    if (enabledCount === 0 && implicitGateways(ctx.profile, d).length > 0) ctx.spec[key] = [];
  }
  for (const c of all) {
    const key = listKey(c.direction);
    ctx.spec[key] = [...(ctx.spec[key] ?? []), c.gateway];
  }
  placeExtras(ctx, all);
}

/** Records a chart value one gateway needs, when it is set. */
type AddExtra = (keys: string[], value: Json | undefined, from: string) => void;

/** One gateway; undefined when it is disabled (noted). */
function convertGateway(
  ctx: Context,
  root: Source,
  g: Source | undefined,
  legacy: Source,
  name: string,
  d: Direction,
  /** `values.gateways.istio-<kind>gateway.enabled: true`: istioctl installs every listed one. */
  forced: boolean,
): Converted | undefined {
  const src = g ?? new Source({}, root.at("components", listKey(d)));
  src.take("name");
  if (leftOut(ctx, src, name, d, forced)) return undefined;
  const gateway: JsonObject = { name, namespace: src.takeString("namespace") || ctx.namespace };
  const extras: Extra[] = [];
  const extra: AddExtra = (keys, value, from) => {
    if (value !== undefined) extras.push({ keys, value, from });
  };
  gatewayIdentity(ctx, src, legacy, name, extra);
  Object.assign(gateway, gatewaySizing(ctx, src, legacy, name));
  const service = gatewayService(src, legacy, d);
  if (Object.keys(service).length > 0) gateway.service = service;
  gatewayPorts(ctx, { src, legacy, own: g !== undefined }, name, d, extra);
  gatewayScheduling(src, legacy, extra);
  dropOverlays(ctx, src, "k8s");
  return { gateway, extras, direction: d };
}

/** True (and noted where it matters) when the gateway is disabled; its settings are spent. */
function leftOut(ctx: Context, src: Source, name: string, d: Direction, forced: boolean): boolean {
  if (src.takeBool("enabled") !== false || forced) return false;
  // a built-in gateway the profile does not install anyway needs no note
  const builtIn = name === "istio-ingressgateway" || name === "istio-egressgateway";
  if (!builtIn || implicitGateways(ctx.profile, d).includes(name))
    ctx.notes.changed(src.at("enabled"), `${d} gateway ${name} is disabled; left out`);
  src.drain();
  return true;
}

/** A gateway's image (it follows istiod's) and the labels the chart does not derive itself. */
function gatewayIdentity(ctx: Context, src: Source, legacy: Source, name: string, extra: AddExtra): void {
  for (const k of ["hub", "tag"]) {
    if (src.take(k) !== undefined)
      ctx.notes.dropped(src.at(k), `gateway ${k}: a gateway's proxy image follows istiod's (spec.images)`);
  }
  // labels: the gateway chart derives `app: <name>` and `istio: <name without istio->`
  const chartLabels: Record<string, string> = { app: name, istio: name.replace(/^istio-/, "") };
  const label = stringMap(src.take("label") ?? legacy.take("labels"));
  if (label !== undefined) {
    const differing = Object.fromEntries(Object.entries(label).filter(([k, v]) => chartLabels[k] !== v));
    if (Object.keys(differing).length > 0) extra(["labels"], differing, src.at("label"));
  }
}

/** The gateway's Service: type (where not the chart's default), annotations, address, policy. */
function gatewayService(src: Source, legacy: Source, d: Direction): JsonObject {
  const service: JsonObject = {};
  const type = src.peek("k8s", "service", "type") ?? legacy.peek("type");
  if (type === "LoadBalancer" || type === "NodePort" || type === "ClusterIP") {
    src.take("k8s", "service", "type");
    legacy.take("type");
    if (!(type === "ClusterIP" && d === "egress") && !(type === "LoadBalancer" && d === "ingress"))
      service.type = type;
  }
  const annotations = stringMap(src.take("k8s", "serviceAnnotations") ?? legacy.take("serviceAnnotations"));
  if (annotations !== undefined) service.annotations = annotations;
  const lbIp = src.takeString("k8s", "service", "loadBalancerIP") ?? legacy.takeString("loadBalancerIP");
  if (lbIp) service.loadBalancerIp = lbIp;
  const etp = src.peek("k8s", "service", "externalTrafficPolicy") ?? legacy.peek("externalTrafficPolicy");
  if (etp === "Cluster" || etp === "Local") {
    src.take("k8s", "service", "externalTrafficPolicy");
    legacy.take("externalTrafficPolicy");
    service.externalTrafficPolicy = etp;
  }
  return service;
}

/** The Service's ports and the rest of its chart keys; `own`: the gateway was listed itself. */
function gatewayPorts(
  ctx: Context,
  from: { src: Source; legacy: Source; own: boolean },
  name: string,
  d: Direction,
  extra: AddExtra,
): void {
  const { src, legacy } = from;
  const ports = src.peek("k8s", "service", "ports") !== undefined ? src : legacy;
  const portsPath = ports === src ? ["k8s", "service", "ports"] : ["ports"];
  const given = ports.take(...portsPath);
  // the demo profile's values give every ingress gateway its extra ports
  const portList = given ?? (d === "ingress" && ctx.profile === "demo" ? demoIngressPorts() : undefined);
  extra(["service", "ports"], portList, given === undefined ? ctx.profileOrigin : ports.at(...portsPath));
  if (portList === undefined && d === "ingress")
    ctx.notes.changed(
      from.own ? src.path : ctx.profileOrigin,
      `${name}: the gateway chart's Service sends ports 80 and 443 to target ports 80 and 443, where istioctl's sent them to 8080 and 8443; update AuthorizationPolicies that name target ports`,
    );
  for (const k of ["loadBalancerSourceRanges", "externalIPs", "ipFamilyPolicy", "ipFamilies"])
    extra(["service", k], src.take("k8s", "service", k), src.at("k8s", "service", k));
  const lbRanges = legacy.take("loadBalancerSourceRanges");
  extra(["service", "loadBalancerSourceRanges"], lbRanges, legacy.at("loadBalancerSourceRanges"));
}

/** Scheduling and environment → gateway chart keys. */
function gatewayScheduling(src: Source, legacy: Source, extra: AddExtra): void {
  const { env, envVarFrom } = takeEnv(src, "k8s", "env");
  extra(["env"], env, src.at("k8s", "env"));
  extra(["envVarFrom"], envVarFrom, src.at("k8s", "env"));
  const legacyEnv = legacy.takeObject("env");
  extra(["env"], legacyEnv, legacy.at("env"));
  for (const k of [
    "nodeSelector",
    "tolerations",
    "affinity",
    "podAnnotations",
    "strategy",
    "securityContext",
    "priorityClassName",
    "readinessProbe",
    "imagePullPolicy",
    "podDisruptionBudget",
  ]) {
    extra([k], src.take("k8s", k), src.at("k8s", k));
    if (["nodeSelector", "tolerations", "podAnnotations"].includes(k))
      extra([k], legacy.take(k), legacy.at(k));
  }
}

/**
 * Chart values only some gateways need: when one gateway is installed, or every gateway asks for
 * the same, they go to `helmValues.gateway` (which reaches every gateway); otherwise each
 * gateway's own go to its `helmValues`, merged last for that gateway only.
 */
function placeExtras(ctx: Context, all: Converted[]): void {
  const withExtras = all.filter((c) => c.extras.length > 0);
  if (withExtras.length === 0) return;
  const flat = (c: Converted) =>
    JSON.stringify(
      c.extras.map((e) => [e.keys, e.value]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
  const same = all.every((c) => flat(c) === flat(all[0] as Converted));
  if (all.length === 1 || same) {
    for (const e of (all[0] as Converted).extras) ctx.helmValue("gateway", e.keys, e.value);
    return;
  }
  for (const c of withExtras) {
    const own: JsonObject = isObject(c.gateway.helmValues) ? c.gateway.helmValues : {};
    for (const e of c.extras) setPath(own, e.keys, e.value);
    c.gateway.helmValues = own;
  }
}

/** Sets `value` at `keys` in `target`, creating the maps on the way (a later value wins). */
function setPath(target: JsonObject, keys: string[], value: Json): void {
  let node = target;
  for (const k of keys.slice(0, -1)) {
    const next = node[k];
    if (!isObject(next)) node[k] = {};
    node = node[k] as JsonObject;
  }
  const last = keys.at(-1) as string;
  const current = node[last];
  node[last] = isObject(current) && isObject(value) ? { ...current, ...value } : value;
}
