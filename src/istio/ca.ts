import type { ObservabilityInputs } from "./observability.js";
import type { KubernetesIstioSpec } from "../../gen/planton/kubernetes/istio/v1/spec_pb.js";
import type { Values } from "./merge.js";
import type { CaFacts, PlannedCa } from "./types.js";

/** The Secret Istio's plug-in CA reads; istiod's chart mounts it (optional) at /etc/cacerts. */
export const caSecretName = "cacerts";
/** Where istio-csr listens when the manifest does not say. */
export const defaultIstioCsrAddress = "cert-manager-istio-csr.cert-manager.svc:443";
/** istiod's pod annotation that changes with the plug-in CA's certificates, so istiod restarts and loads them. */
export const caChecksumAnnotation = "planton.io/cacerts-checksum";
/** The ConfigMap the mesh's root certificate is published in, in every namespace, unless the manifest names another. */
export const defaultRootCaConfigMap = "istio-ca-root-cert";

/** What the plan needs from outside the manifest: the plug-in CA's facts, read by the caller. */
export interface PlanInputs extends ObservabilityInputs {
  ca?: CaFacts | undefined;
}

/**
 * The mesh CA's part of the plan: for `PLUGIN`, the `cacerts` Secret (created from the files'
 * absolute paths, or only checked with `existingSecret`) and its certificates' facts; for
 * `ISTIO_CSR`, istio-csr's address and Service. Undefined for istiod's self-signed CA. Holds
 * paths, never file contents: the program reads the files itself.
 */
export function planCa(spec: KubernetesIstioSpec, facts: CaFacts | undefined): PlannedCa | undefined {
  const ca = spec.ca;
  if (ca?.type === "PLUGIN" && ca.plugin !== undefined) {
    const p = ca.plugin;
    const create = !p.existingSecret;
    return {
      type: "PLUGIN",
      secret: {
        name: caSecretName,
        namespace: spec.namespace,
        create,
        files: create
          ? {
              "ca-cert.pem": p.caCert,
              "ca-key.pem": p.caKey,
              "root-cert.pem": p.rootCert,
              "cert-chain.pem": p.certChain,
            }
          : {},
        certificates: create ? (facts?.certificates ?? []) : [],
        checksum: create ? (facts?.checksum ?? "") : "",
      },
    };
  }
  if (ca?.type === "ISTIO_CSR") {
    const address = ca.istioCsr?.address || defaultIstioCsrAddress;
    return {
      type: "ISTIO_CSR",
      istioCsr: {
        address,
        service: inClusterService(address),
        rootCaConfigMap: ca.istioCsr?.rootCaConfigMap || defaultRootCaConfigMap,
      },
    };
  }
  return undefined;
}

/** `name.namespace.svc[.cluster.local]:port` → its Service; undefined for an address outside the cluster. */
function inClusterService(address: string): { name: string; namespace: string } | undefined {
  const host = address.replace(/:[0-9]+$/, "");
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)(\.svc(\.cluster\.local)?)?$/.exec(host);
  return m?.[1] !== undefined && m[2] !== undefined ? { name: m[1], namespace: m[2] } : undefined;
}

/**
 * istiod values for the mesh CA. `PLUGIN`: the chart already mounts `cacerts` (optional), so only
 * a pod annotation with the certificates' checksum, which rolls istiod when they change.
 * `ISTIO_CSR` (istio-csr's installation guide): proxies send CSRs to istio-csr
 * (`global.caAddress`) and istiod's CA server is off (`ENABLE_CA_SERVER=false`); istiod's serving
 * certificate comes from istio-csr's `istiod-tls` Secret, which the chart mounts by itself. A
 * root ConfigMap other than `istio-ca-root-cert` is `global.trustBundleName`: the chart mounts it
 * into istiod and every proxy, and tells istiod its name (`PILOT_CA_CERT_CONFIGMAP`).
 */
export function caIstiodValues(ca: PlannedCa | undefined): Values {
  if (ca?.secret?.checksum)
    return { pilot: { podAnnotations: { [caChecksumAnnotation]: ca.secret.checksum } } };
  const csr = ca?.istioCsr;
  if (csr !== undefined)
    return {
      global: {
        caAddress: csr.address,
        ...(csr.rootCaConfigMap !== defaultRootCaConfigMap ? { trustBundleName: csr.rootCaConfigMap } : {}),
      },
      pilot: { env: { ENABLE_CA_SERVER: "false" } },
    };
  return {};
}
