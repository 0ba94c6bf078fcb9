import type { KubeObject } from "../../../src/deploy/adopt/live.js";

/**
 * What `istioctl install` (1.28–1.30, default profile) leaves: every object labelled with its
 * component (`operator.istio.io/component`), `install.operator.istio.io/owning-resource: unknown`
 * (no in-cluster IstioOperator since 1.24), `istio.io/rev` and `operator.istio.io/version`.
 */
const labels = (component: string, version: string, extra: Record<string, string> = {}) => ({
  "install.operator.istio.io/owning-resource": "unknown",
  "istio.io/rev": "default",
  "operator.istio.io/component": component,
  "operator.istio.io/version": version,
  ...extra,
});

export function istioctlInstall(version = "1.29.6", namespace = "istio-system"): KubeObject[] {
  return [
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: "istiod-default-validator", labels: labels("Base", version) },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: "istiod",
        namespace,
        uid: "u-istiod",
        labels: labels("Pilot", version, { app: "istiod", istio: "pilot" }),
      },
      spec: { selector: { matchLabels: { istio: "pilot" } } },
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "istio", namespace, labels: labels("Pilot", version) },
      data: {
        mesh: "accessLogFile: /dev/stdout\ndefaultConfig:\n  discoveryAddress: istiod.istio-system.svc:15012\nenablePrometheusMerge: true\n",
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "istiod", namespace, labels: labels("Pilot", version, { app: "istiod" }) },
      spec: { clusterIP: "10.96.12.7", selector: { app: "istiod", istio: "pilot" } },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: "istio-ingressgateway",
        namespace,
        labels: labels("IngressGateways", version, { app: "istio-ingressgateway", istio: "ingressgateway" }),
      },
      spec: { selector: { matchLabels: { app: "istio-ingressgateway", istio: "ingressgateway" } } },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: "istio-ingressgateway",
        namespace,
        labels: labels("IngressGateways", version, { app: "istio-ingressgateway", istio: "ingressgateway" }),
      },
      spec: {
        clusterIP: "10.96.40.2",
        type: "LoadBalancer",
        selector: { app: "istio-ingressgateway", istio: "ingressgateway" },
      },
    },
  ];
}
