// Runs a pod's Istio agent (pilot-agent, built by scripts/e2e-build.sh istiod from the same
// istio.io/istio module as pilot-discovery) as a host process, the way the `grpc-agent` injection
// template runs it for a proxyless gRPC pod: no Envoy (DISABLE_ENVOY), the workload certificate
// written to files (OUTPUT_CERTS), a gRPC xDS bootstrap. The kubelet's part is played here:
//
//   import { startAgent } from "./agent.mjs";
//   const agent = await startAgent(cluster, { pod, istiod, clusterId: "east" });
//   agent.certs  // { chain, key, root }: PEM text of cert-chain.pem, key.pem, root-cert.pem
//   agent.bootstrap  // the gRPC xDS bootstrap file (absolute): GRPC_XDS_BOOTSTRAP of the app
//   await agent.stop();
//
// - `pod` is a Pod object of the cluster (kwok runs it): its namespace, service account, name and
//   IP fill POD_NAME, POD_NAMESPACE, SERVICE_ACCOUNT, INSTANCE_IP as the fieldRefs would.
// - Volumes, relative to the agent's working folder as pilot-agent reads them: the projected token
//   `./var/run/secrets/tokens/istio-token` (a TokenRequest for the pod's service account, audience
//   istio-ca, bound to the pod) and `./var/run/secrets/istio/root-cert.pem` (the ConfigMap
//   istio-ca-root-cert that istiod wrote into the pod's namespace).
// - istiod is reached on 127.0.0.1 (its 15012 port) with ISTIOD_SAN = the Service's DNS name, which
//   its serving certificate carries; in a pod that is the mesh config's discoveryAddress.
// - Nothing listens but the status port (a free one on 127.0.0.1) and Unix sockets in the folder.
//   The config folder (its XDS socket, which the bootstrap names) and OUTPUT_CERTS are absolute
//   paths in the agent's folder: gRPC reads `unix:///./etc/...` as /etc/..., shared by all agents.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { cacheRoot, freePort, sleep, tail } from "./host.mjs";

/** The pod's volumes: the bound service-account token (audience istio-ca) and the mesh root. */
async function writeVolumes(cluster, pod, dir) {
  const { namespace, name, uid } = pod.metadata;
  const sa = pod.spec.serviceAccountName ?? "default";
  const tok = await cluster.request("POST", `/api/v1/namespaces/${namespace}/serviceaccounts/${sa}/token`, {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: {
      audiences: ["istio-ca"],
      expirationSeconds: 3600,
      boundObjectRef: { apiVersion: "v1", kind: "Pod", name, uid },
    },
  });
  if (tok.status !== 201) throw new Error(`TokenRequest for ${namespace}/${sa}: HTTP ${tok.status}`);
  const cm = await cluster.request("GET", `/api/v1/namespaces/${namespace}/configmaps/istio-ca-root-cert`);
  if (cm.status !== 200) throw new Error(`${namespace}/istio-ca-root-cert: HTTP ${cm.status}`);
  const put = (rel, data, mode = 0o644) => {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, data, { mode });
  };
  put("var/run/secrets/tokens/istio-token", tok.body.status.token, 0o600);
  put("var/run/secrets/istio/root-cert.pem", cm.body.data["root-cert.pem"]);
  fs.mkdirSync(path.join(dir, "etc/istio/proxy"), { recursive: true });
  fs.mkdirSync(path.join(dir, "var/lib/istio/data"), { recursive: true }); // the template's emptyDir
}

/**
 * Starts pilot-agent for `pod` against `istiod` (an object of istiod.mjs) and waits until it has
 * written the workload certificate. Options: clusterId, binDir, timeoutMs (60000), log, extraEnv.
 * Resolves to { process, dir, logPath, bootstrap, certs: { chain, key, root }, stop }.
 */
export async function startAgent(cluster, opts) {
  const { pod, istiod } = opts;
  const bin = path.join(opts.binDir ?? path.join(cacheRoot(), "bin"), "pilot-agent");
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run scripts/e2e-build.sh istiod`);
  const { namespace, name } = pod.metadata;
  const dir = path.join(cluster.dir, `agent-${name}-${Date.now()}`);
  fs.mkdirSync(dir, { recursive: true });
  await writeVolumes(cluster, pod, dir);
  const out = "var/lib/istio/data";
  const bootstrap = path.join(dir, "etc/istio/proxy/grpc-bootstrap.json");
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    POD_NAME: name,
    POD_NAMESPACE: namespace,
    SERVICE_ACCOUNT: pod.spec.serviceAccountName ?? "default",
    INSTANCE_IP: pod.status?.podIP ?? "",
    ISTIO_META_CLUSTER_ID: opts.clusterId ?? "Kubernetes",
    ISTIO_META_GENERATOR: "grpc",
    DISABLE_ENVOY: "true",
    OUTPUT_CERTS: path.join(dir, out),
    GRPC_XDS_BOOTSTRAP: bootstrap,
    JWT_POLICY: "third-party-jwt",
    PILOT_CERT_PROVIDER: "istiod",
    ISTIOD_SAN: `${istiod.name}.${istiod.namespace}.svc`,
    PROXY_CONFIG: JSON.stringify({
      discoveryAddress: `127.0.0.1:${istiod.ports[15012]}`,
      configPath: path.join(dir, "etc/istio/proxy"),
      statusPort: await freePort(),
    }),
    ...opts.extraEnv,
  };
  const logPath = path.join(cluster.dir, `agent-${name}.log`);
  const fd = fs.openSync(logPath, "a");
  const args = ["proxy", "sidecar", `--domain=${namespace}.svc.cluster.local`];
  const child = spawn(bin, args, { cwd: dir, env, stdio: ["ignore", fd, fd] });
  fs.closeSync(fd);
  child.name = `agent-${name}`;
  cluster.processes.push(child);
  const agent = { process: child, dir, logPath, bootstrap, certs: undefined, stop: () => stopAgent(agent) };
  const files = ["cert-chain.pem", "key.pem", "root-cert.pem"].map((f) => path.join(dir, out, f));
  const deadline = Date.now() + (opts.timeoutMs ?? 60000);
  while (!files.every((f) => fs.existsSync(f) && fs.statSync(f).size > 0)) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`pilot-agent for ${namespace}/${name} exited; log ${logPath}:\n${tail(logPath)}`);
    if (Date.now() > deadline) {
      await stopAgent(agent);
      throw new Error(
        `pilot-agent for ${namespace}/${name}: no certificate; log ${logPath}:\n${tail(logPath)}`,
      );
    }
    await sleep(200);
  }
  const [chain, key, root] = files.map((f) => fs.readFileSync(f, "utf8"));
  agent.certs = { chain, key, root };
  opts.log?.(
    `pilot-agent for ${namespace}/${name}: certificate after ${Date.now() - deadline + (opts.timeoutMs ?? 60000)} ms`,
  );
  return agent;
}

/** Stops the agent (SIGTERM, SIGKILL after 10 s). */
export async function stopAgent(agent) {
  const p = agent?.process;
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once("exit", r));
  p.kill("SIGTERM");
  const t = setTimeout(() => p.kill("SIGKILL"), 10000);
  await exited;
  clearTimeout(t);
}
