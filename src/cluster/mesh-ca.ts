import * as k8s from "@kubernetes/client-node";
import { DeployError } from "../errors.js";
import type { PlannedCa } from "../istio/types.js";
import { isNotFound, kubeCall } from "./api.js";
import { crdExists } from "./crd-exists.js";
import type { ResolvedCluster } from "./kubeconfig.js";

/** The keys Istio's plug-in CA reads from `cacerts`. */
const pluginKeys = ["ca-cert.pem", "ca-key.pem", "root-cert.pem", "cert-chain.pem"];
/** The CRD whose presence says cert-manager is installed. */
export const certManagerCrd = "certificates.cert-manager.io";

async function exists<T>(what: string, call: () => Promise<T>, context: string): Promise<T | undefined> {
  try {
    return await kubeCall(what, call, { context });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * What the mesh CA needs from the cluster before istiod is installed: a `cacerts` Secret managed
 * elsewhere (`existingSecret`) exists with the four keys (only their names are read into
 * messages, never their values); one planton creates is not already there from someone else;
 * for istio-csr, cert-manager's CRDs and istio-csr's Service
 * exist. Throws a `DeployError` (exit 1) that says what to install.
 */
export async function checkMeshCa(cluster: ResolvedCluster, ca: PlannedCa | undefined): Promise<void> {
  const context = cluster.context;
  const secret = ca?.secret;
  if (secret !== undefined && !secret.create) {
    const core = cluster.config.makeApiClient(k8s.CoreV1Api);
    const found = await exists(
      `reading Secret ${secret.namespace}/${secret.name}`,
      () => core.readNamespacedSecret({ name: secret.name, namespace: secret.namespace }),
      context,
    );
    const create = `kubectl create secret generic ${secret.name} -n ${secret.namespace} ${pluginKeys.map((k) => `--from-file=${k}`).join(" ")}`;
    if (found === undefined)
      throw new DeployError(
        `the Secret ${secret.name} does not exist in namespace ${secret.namespace} (context "${context}"); spec.ca.plugin.existingSecret says it is managed elsewhere`,
        `create it first (${create}), or give spec.ca.plugin.directory to let planton create it`,
      );
    const missing = pluginKeys.filter((k) => !(k in (found.data ?? {})));
    if (missing.length > 0)
      throw new DeployError(
        `the Secret ${secret.namespace}/${secret.name} lacks ${missing.join(", ")}; Istio's plug-in CA needs ${pluginKeys.join(", ")}`,
        `recreate it with all four files: ${create}`,
      );
  }
  if (secret?.create === true) {
    // a cacerts Secret someone else made would make the create fail halfway through the apply
    const core = cluster.config.makeApiClient(k8s.CoreV1Api);
    const found = await exists(
      `reading Secret ${secret.namespace}/${secret.name}`,
      () => core.readNamespacedSecret({ name: secret.name, namespace: secret.namespace }),
      context,
    );
    if (found !== undefined && found.metadata?.labels?.["app.kubernetes.io/managed-by"] !== "planton")
      throw new DeployError(
        `a Secret ${secret.name} that planton did not create already exists in namespace ${secret.namespace} (context "${context}")`,
        "set spec.ca.plugin.existingSecret: true to use it as it is, or delete it so planton creates it from the files",
      );
  }
  const csr = ca?.istioCsr;
  if (csr !== undefined) {
    if (!(await crdExists(cluster, certManagerCrd)))
      throw new DeployError(
        `cert-manager is not installed in context "${context}" (no CustomResourceDefinition ${certManagerCrd}); spec.ca.type ISTIO_CSR needs cert-manager and istio-csr before Istio`,
        "install cert-manager (helm install cert-manager jetstack/cert-manager -n cert-manager --create-namespace --set crds.enabled=true), then istio-csr (helm install cert-manager-istio-csr jetstack/cert-manager-istio-csr -n cert-manager), and rerun",
      );
    const svc = csr.service;
    if (svc !== undefined) {
      const core = cluster.config.makeApiClient(k8s.CoreV1Api);
      const found = await exists(
        `reading Service ${svc.namespace}/${svc.name}`,
        () => core.readNamespacedService({ name: svc.name, namespace: svc.namespace }),
        context,
      );
      if (found === undefined)
        throw new DeployError(
          `istio-csr is not installed in context "${context}": no Service ${svc.name} in namespace ${svc.namespace} (spec.ca.istioCsr.address ${csr.address})`,
          `install istio-csr (helm install ${svc.name} jetstack/cert-manager-istio-csr -n ${svc.namespace}), or fix spec.ca.istioCsr.address, and rerun`,
        );
    }
  }
}
