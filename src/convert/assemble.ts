import { moveSampling } from "./observability.js";
import type { Chart, Context } from "./context.js";
import { isObject, type Json, type JsonObject } from "./source.js";

/** The IstioOperator sections each chart's values are read from. */
const sourcesOf: Record<Chart, string[][]> = {
  base: [["values", "base"]],
  istiod: [["values", "pilot"]],
  cni: [
    ["components", "cni"],
    ["values", "cni"],
  ],
  ztunnel: [
    ["components", "ztunnel"],
    ["values", "ztunnel"],
  ],
  gateway: [["values", "gateways"]],
};

/** The spec in the manifest's field order, without empty sections. */
export function assembleSpec(ctx: Context): JsonObject {
  moveSampling(ctx);
  const s = ctx.spec;
  const out: JsonObject = {};
  const put = (key: string, v: Json | undefined) => {
    if (v === undefined) return;
    if (isObject(v) && Object.keys(v).length === 0) return;
    out[key] = v;
  };
  put("version", s.version);
  put("profile", s.profile);
  put("namespace", s.namespace);
  put("controlPlane", s.controlPlane);
  put("ingressGateways", s.ingressGateways);
  put("egressGateways", s.egressGateways);
  put("cni", s.cni);
  put("mtls", s.mtls);
  put("meshConfig", s.meshConfig);
  put("proxy", s.proxy);
  put("multiCluster", s.multiCluster);
  put("images", s.images);
  put("revisions", s.revisions);
  put("defaultRevision", s.defaultRevision);
  put("observability", s.observability);
  const installed: Record<Chart, boolean> = {
    base: true,
    istiod: true,
    cni: s.profile === "ambient" || s.cni?.enabled === true,
    ztunnel: s.profile === "ambient",
    gateway: (s.ingressGateways?.length ?? 0) + (s.egressGateways?.length ?? 0) > 0,
  };
  const helm: JsonObject = {};
  for (const chart of ["base", "istiod", "cni", "ztunnel", "gateway"] as Chart[]) {
    const values = ctx.helm[chart];
    if (Object.keys(values).length === 0) continue;
    if (installed[chart]) {
      helm[chart] = values;
      continue;
    }
    // settings every chart gets are simply not needed; others are reported
    const own = Object.keys(values).filter(
      (k) =>
        k !== "compatibilityVersion" &&
        !(
          k === "global" &&
          isObject(values.global) &&
          Object.keys(values.global).every((g) => g === "platform")
        ),
    );
    if (own.length === 0) continue;
    // name where the settings came from, among the paths the input has
    const from = ctx.present(sourcesOf[chart]);
    ctx.notes.dropped(
      from.length > 0 ? from.join(", ") : ctx.profileOrigin,
      `${chart} settings (${own.join(", ")}): the converted manifest installs no ${chart}`,
    );
  }
  put("helmValues", helm);
  return out;
}
