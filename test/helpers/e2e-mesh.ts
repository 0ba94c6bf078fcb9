/**
 * Files and cluster steps the two-cluster e2e suites (multicluster, traffic) and the one-cluster
 * suite share: plug-in CAs signed by one root, a manifest file, and the CA bundle istiod would
 * write into its webhooks.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeRoot, makeSigned } from "./ca-certs.js";

// biome-ignore lint/suspicious/noExplicitAny: API responses are free-form
type Body = any;
/** What these steps need of a harness cluster: its API. */
export interface ApiClient {
  request: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: Body }>;
}

/**
 * One plug-in CA per cluster name, all signed by one root (the mesh's trust root): the root in
 * `<work>/ca`, each cluster's files planton reads in `<work>/cacerts-<name>`. Returns the root PEM.
 */
export function writeMeshPluginCas(work: string, rootCn: string, names: readonly string[]): string {
  const dir = join(work, "ca");
  mkdirSync(dir, { recursive: true });
  makeRoot(dir, rootCn);
  for (const name of names) {
    makeSigned(dir, name, { ca: true, days: 365, cn: `Planton ${name} Intermediate CA` });
    const out = join(work, `cacerts-${name}`);
    mkdirSync(out, { recursive: true });
    copyFileSync(join(dir, `${name}-cert.pem`), join(out, "ca-cert.pem"));
    copyFileSync(join(dir, `${name}-key.pem`), join(out, "ca-key.pem"));
    copyFileSync(join(dir, "root-cert.pem"), join(out, "root-cert.pem"));
    const chain =
      readFileSync(join(out, "ca-cert.pem"), "utf8") + readFileSync(join(out, "root-cert.pem"), "utf8");
    writeFileSync(join(out, "cert-chain.pem"), chain);
  }
  return readFileSync(join(dir, "root-cert.pem"), "utf8");
}

/** `<work>/<name>.yaml`: a KubernetesIstio manifest with `specLines` and the charts served at `charts`. */
export function writeManifest(work: string, name: string, specLines: string[], charts: string): void {
  const head = ["apiVersion: kubernetes.project-planton.org/v1", "kind: KubernetesIstio", "metadata:"];
  const spec = [...specLines, "charts:", `  repository: ${charts}`].map((l) => `  ${l}`);
  writeFileSync(join(work, `${name}.yaml`), [...head, `  name: ${name}`, "spec:", ...spec, ""].join("\n"));
}

/**
 * What istiod does at start-up and kwok cannot: write a CA bundle into every webhook
 * configuration that calls an istiod Service (Helm upgrades reset it). Simulated.
 */
export async function simulateWebhookCaBundles(cluster: ApiClient): Promise<void> {
  for (const kind of ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"]) {
    const list = await cluster.request("GET", `/apis/admissionregistration.k8s.io/v1/${kind}`);
    for (const w of list.body.items ?? []) {
      const hooks = (w.webhooks ?? []) as {
        clientConfig: { service?: { name: string }; caBundle?: string };
      }[];
      if (!hooks.some((h) => h.clientConfig.service?.name.startsWith("istiod"))) continue;
      for (const h of hooks) h.clientConfig.caBundle = Buffer.from("simulated istiod CA").toString("base64");
      const r = await cluster.request(
        "PUT",
        `/apis/admissionregistration.k8s.io/v1/${kind}/${w.metadata.name}`,
        w,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
  }
}
