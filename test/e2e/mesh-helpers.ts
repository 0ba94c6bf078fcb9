/**
 * Helpers of the traffic suite (traffic.test.ts): reading a host-process istiod's debug interface,
 * waiting, creating workloads, and reading the certificates a workload's agent obtained.
 */
import { X509Certificate } from "node:crypto";
import { request } from "node:http";

// biome-ignore lint/suspicious/noExplicitAny: API responses are free-form
export type Body = any;
/** A started e2e cluster (cluster/harness.mjs) as the suites use it: its folder, kubeconfig and API. */
export interface ClusterApi {
  dir: string;
  kubeconfigPath: string;
  request: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: Body }>;
}
export interface Cluster extends ClusterApi {
  server: string;
  addHostEndpoint: (ep: { name: string; address: string; ports: Record<number, number> }) => () => void;
}
export interface Istiod {
  name: string;
  namespace: string;
  logPath: string;
  ports: Record<number, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns something other than undefined; the last reason is in the error. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 60000,
  intervalMs = 300,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** GET on istiod's HTTP port (8080 in the pod; debug handlers are open to localhost), as JSON. */
export function debug(istiod: Istiod, path: string): Promise<Body> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: istiod.ports[8080], path, timeout: 5000 }, (res) => {
      let data = "";
      res.on("data", (d) => {
        data += d;
      });
      res.on("end", () => {
        if (res.statusCode !== 200) reject(new Error(`${path}: HTTP ${res.statusCode}: ${data}`));
        else resolve(JSON.parse(data));
      });
    });
    req.on("timeout", () => req.destroy(new Error(`${path}: timeout`)));
    req.on("error", reject);
    req.end();
  });
}

/** The endpoints istiod holds for a Service host, by shard ("Kubernetes/<cluster>"). */
export async function endpointShards(
  istiod: Istiod,
  host: string,
  namespace: string,
): Promise<Record<string, { Addresses: string[]; Network: string }[]>> {
  const all = await debug(istiod, "/debug/endpointShardz");
  return all?.[host]?.[namespace]?.Shards ?? {};
}

async function create(cluster: Cluster, path: string, body: Body): Promise<Body> {
  const r = await cluster.request("POST", path, body);
  if (r.status !== 201) throw new Error(`POST ${path}: HTTP ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * A Service `name` in `namespace` with one pod behind it (a Deployment, run by kwok) under the
 * service account `name`; resolves to the pod once it is Running with an IP. `template` adds
 * labels and annotations to the pod template (its selector stays app=<name>).
 */
export async function workload(
  cluster: Cluster,
  namespace: string,
  name: string,
  template: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): Promise<Body> {
  await waitFor(`namespace ${namespace}`, async () =>
    (await cluster.request("GET", `/api/v1/namespaces/${namespace}/serviceaccounts/default`)).status === 200
      ? true
      : undefined,
  );
  await create(cluster, `/api/v1/namespaces/${namespace}/serviceaccounts`, { metadata: { name } });
  const labels = { app: name };
  await create(cluster, `/api/v1/namespaces/${namespace}/services`, {
    metadata: { name },
    spec: { selector: labels, ports: [{ name: "grpc", port: 7070, targetPort: 7070 }] },
  });
  await create(cluster, `/apis/apps/v1/namespaces/${namespace}/deployments`, {
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels: { ...template.labels, ...labels }, annotations: template.annotations },
        spec: {
          serviceAccountName: name,
          containers: [{ name: "app", image: "example.invalid/echo", ports: [{ containerPort: 7070 }] }],
        },
      },
    },
  });
  return waitFor(`a running pod of ${namespace}/${name}`, async () => {
    const sel = encodeURIComponent(`app=${name}`);
    const r = await cluster.request("GET", `/api/v1/namespaces/${namespace}/pods?labelSelector=${sel}`);
    return (r.body.items as Body[] | undefined)?.find((p) => p.status?.phase === "Running" && p.status.podIP);
  });
}

/** The PEM blocks of a file, each as an X509Certificate, in order. */
export function pemChain(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
    (b) => new X509Certificate(b),
  );
}

/**
 * Verifies each certificate of `chain` against the next and the last against `root` (issuer name
 * and signature), so the chain ends at `root`; returns the leaf's URI SANs.
 */
export function verifyChain(chain: X509Certificate[], root: X509Certificate): string[] {
  // the chain may end with the root itself (a plug-in CA's cert-chain.pem does)
  const path = [...chain.filter((c) => c.fingerprint256 !== root.fingerprint256), root];
  for (let i = 0; i + 1 < path.length; i++) {
    const [cert, issuer] = [path[i] as X509Certificate, path[i + 1] as X509Certificate];
    if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey))
      throw new Error(`certificate ${i} (${cert.subject}) is not signed by ${issuer.subject}`);
  }
  const leaf = chain[0] as X509Certificate;
  return (leaf.subjectAltName ?? "")
    .split(", ")
    .filter((s) => s.startsWith("URI:"))
    .map((s) => s.slice(4));
}
