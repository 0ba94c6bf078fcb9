import type { Context } from "./context.js";
import { isObject, type Json, type JsonObject, Source } from "./source.js";

/**
 * The Service ports istioctl's demo profile gives every ingress gateway (its chart values
 * `gateways.istio-ingressgateway.ports`, the same in Istio 1.28, 1.29 and 1.30): the status port,
 * HTTP and HTTPS on the non-root target ports, TCP 31400 and SNI-routed TLS 15443.
 */
export function demoIngressPorts(): Json[] {
  return [
    { port: 15021, targetPort: 15021, name: "status-port" },
    { port: 80, targetPort: 8080, name: "http2" },
    { port: 443, targetPort: 8443, name: "https" },
    { port: 31400, targetPort: 31400, name: "tcp" },
    { port: 15443, targetPort: 15443, name: "tls" },
  ];
}

/** The requests istioctl's demo profile gives every gateway (`gateways.*.resources`). */
export function demoGatewayResources(): JsonObject {
  return { requests: { cpu: "10m", memory: "40Mi" } };
}

/** Hands out a copy of the shared chart values to each gateway and reports what none used. */
export interface SharedValues {
  /** Their `enabled` (istioctl: true installs every gateway of the kind, listed or built in). */
  enabled: boolean | undefined;
  enabledPath: string;
  /** A private copy for one gateway to take from. */
  copy(): Source;
  /** The copy of a gateway that is installed. */
  used(copy: Source): void;
  /** Reports what no installed gateway used; `installed` counts the gateways of this kind. */
  finish(installed: number): void;
}

/**
 * `values.gateways.istio-ingressgateway` (or `istio-egressgateway`): istioctl renders every
 * gateway of that kind from these chart values, whatever the gateway's name, with the gateway's
 * own `k8s` settings over them. So every gateway of the kind reads them; a setting counts as
 * converted when some installed gateway used it.
 */
export function sharedValues(ctx: Context, root: Source, d: "ingress" | "egress"): SharedValues {
  const keys = ["values", "gateways", `istio-${d}gateway`];
  const path = root.at(...keys);
  const found = root.peek(...keys);
  const values: JsonObject = isObject(found) ? found : {};
  if (isObject(found)) root.take(...keys);
  const fresh = () => {
    const s = new Source(values, path);
    s.takeBool("enabled");
    s.take("name"); // istioctl sets it from the gateway's own name
    s.take("injectionTemplate"); // the gateway chart always uses the `gateway` injection template
    return s;
  };
  const used: Source[] = [];
  const enabled = new Source(values, path).takeBool("enabled");
  return {
    enabled,
    enabledPath: root.at(...keys, "enabled"),
    copy: fresh,
    used: (copy) => used.push(copy),
    finish: (installed) => {
      const left = ctx.track(fresh());
      if (installed > 0) {
        left.takeWhatOthersTook(used);
        return;
      }
      const rest = left.rest(1).map(([p]) => p.slice(path.length + 1));
      if (rest.length === 0) return;
      left.drain();
      ctx.notes.dropped(
        path,
        `${rest.join(", ")}: no ${d} gateway is installed, so these settings reach none`,
      );
    },
  };
}
