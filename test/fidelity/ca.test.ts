/**
 * The mesh CA's istiod values, rendered by the real 1.29 and 1.30 istiod charts: the plug-in
 * CA's checksum lands on istiod's pod template (so new certificates roll istiod) and istiod
 * mounts the `cacerts` Secret; istio-csr turns istiod's CA server off, points the injected
 * proxies at istio-csr, and istiod mounts istio-csr's `istiod-tls` Secret for its own serving
 * certificate.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubernetesIstioValid } from "../../gen/planton/kubernetes/istio/v1/api_pb.js";
import { caChecksumAnnotation } from "../../src/istio/ca.js";
import { planIstio } from "../../src/istio/plan.js";
import { loadManifest } from "../../src/manifest/load.js";
import { header } from "../helpers/load.js";
import { find, type K8sObject, renderComponent, useChartRepository } from "./helm.js";

const charts = useChartRepository();
const checksum = "c".repeat(64);

function manifest(ca: string, version: string): KubernetesIstioValid {
  const r = loadManifest({
    file: "-",
    readStdin: () => Buffer.from(`${header}spec:\n  profile: minimal\n  version: "${version}"\n  ca:\n${ca}`),
    overrides: [`spec.charts.repository=http://127.0.0.1:1`],
  });
  if (r.kind !== "ok") throw new Error(JSON.stringify(r.diagnostics));
  return r.manifest;
}

const istiod = (m: KubernetesIstioValid, facts?: { certificates: []; checksum: string }) =>
  renderComponent(charts, planIstio(m, { ca: facts }), "istiod");

// biome-ignore lint/suspicious/noExplicitAny: rendered pod specs
const pod = (objs: K8sObject[]): any => find(objs, "Deployment", "istiod").spec.template;
const env = (objs: K8sObject[], name: string): string | undefined =>
  pod(objs).spec.containers[0].env.find((e: { name: string }) => e.name === name)?.value;

describe("the mesh CA through the real istiod charts", () => {
  for (const version of ["1.29.6", "1.30.3"]) {
    it(`PLUGIN at ${version}: checksum annotation on the pod, cacerts mounted`, async () => {
      // the files' facts are read outside the plan; a stand-in checksum here (the files are unit-tested)
      const m = manifest("    type: PLUGIN\n    plugin: {existingSecret: true}\n", version);
      const plugin = m.spec.ca?.plugin;
      assert.ok(plugin);
      plugin.existingSecret = false;
      const objs = await istiod(m, { certificates: [], checksum });
      assert.equal(pod(objs).metadata.annotations[caChecksumAnnotation], checksum);
      const volume = pod(objs).spec.volumes.find((v: { name: string }) => v.name === "cacerts");
      assert.deepEqual(volume.secret, { secretName: "cacerts", optional: true });
    });
    it(`ISTIO_CSR at ${version}: CA server off, proxies sent to istio-csr, istiod-tls mounted`, async () => {
      const address = "cert-manager-istio-csr.cert-manager.svc:443";
      const objs = await istiod(
        manifest(`    type: ISTIO_CSR\n    istioCsr: {address: "${address}"}\n`, version),
      );
      assert.equal(env(objs, "ENABLE_CA_SERVER"), "false");
      const injector = find(objs, "ConfigMap", "istio-sidecar-injector");
      assert.ok(
        JSON.stringify(injector.data).includes(address),
        "the injection template sends CSRs to istio-csr",
      );
      const tls = pod(objs).spec.volumes.find((v: { name: string }) => v.name === "istio-csr-dns-cert");
      assert.deepEqual(tls.secret, { secretName: "istiod-tls", optional: true });
      assert.equal(env(objs, "PILOT_CA_CERT_CONFIGMAP"), undefined);
    });
    it(`ISTIO_CSR at ${version} with rootCaConfigMap: istiod and the proxies read that ConfigMap`, async () => {
      const objs = await istiod(
        manifest("    type: ISTIO_CSR\n    istioCsr: {rootCaConfigMap: mesh-root-cert}\n", version),
      );
      assert.equal(env(objs, "PILOT_CA_CERT_CONFIGMAP"), "mesh-root-cert");
      const root = pod(objs).spec.volumes.find((v: { name: string }) => v.name === "istio-csr-ca-configmap");
      assert.equal(root.configMap.name, "mesh-root-cert");
      const injector = find(objs, "ConfigMap", "istio-sidecar-injector");
      assert.ok(JSON.stringify(injector.data).includes("mesh-root-cert"), "proxies mount the root from it");
    });
  }
});
