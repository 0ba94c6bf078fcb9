// A throw-away Kubernetes control plane for planton's end-to-end tests: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok (fake kubelets), all on 127.0.0.1, from the
// binaries that scripts/e2e-build.sh puts in ${PLANTON_E2E_CACHE:-~/.cache/planton-e2e}/bin.
//
//   import { startCluster, stopCluster } from "./harness.mjs";
//   const cluster = await startCluster();      // { kubeconfig, kubeconfigPath, server, dir, request, ... }
//   ...
//   await stopCluster(cluster);
//
// CLI: `node harness.mjs start` (runs until Ctrl-C / SIGTERM, prints the kubeconfig path),
//      `node harness.mjs selftest` (starts, runs a Deployment to Ready through kwok, stops).
//
// Admission webhooks are switched off (--disable-admission-plugins=MutatingAdmissionWebhook,
// ValidatingAdmissionWebhook): nothing can serve them, since no pod really runs. Opt in with
// startCluster({ webhooks: true }): the API server then keeps them on and dials every Service
// (webhooks' clientConfig.service) through an HTTP CONNECT proxy on a Unix socket (an egress
// selector for the `cluster` network), which sends a connection for a Service's ClusterIP:port to a
// host process registered with cluster.addHostEndpoint({ namespace, labels, ports }) whose labels
// match the Service's selector. No address but 127.0.0.1 carries traffic. See istiod.mjs.
// Needs openssl on PATH. Works on Node >= 20.
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { auditFlags } from "./audit.mjs";
import { certKubeconfig } from "./kubeconfig.mjs";
import { cacheRoot, freePort, sleep, tail } from "./host.mjs";

const SERVICE_CIDR = "10.96.0.0/16";
const SERVICE_IP = "10.96.0.1"; // first IP of SERVICE_CIDR: the `kubernetes` Service
const POD_CIDR = "10.244.0.0/16";
export const KWOK_ANNOTATION = "kwok.x-k8s.io/node";

function openssl(dir, args) {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

// CA, apiserver serving cert, admin client cert (system:masters), service-account key pair.
// ECDSA P-256 throughout: fast to generate, accepted by every component.
function makePki(dir) {
  fs.writeFileSync(
    path.join(dir, "openssl.cnf"),
    [
      "[req]",
      "distinguished_name = dn",
      "[dn]",
      "[ca_ext]",
      "basicConstraints = critical,CA:TRUE",
      "keyUsage = critical,keyCertSign,cRLSign,digitalSignature",
      "subjectKeyIdentifier = hash",
      "[server_ext]",
      "basicConstraints = critical,CA:FALSE",
      "keyUsage = critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage = serverAuth",
      "subjectAltName = DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc," +
        `DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:${SERVICE_IP}`,
      "[client_ext]",
      "basicConstraints = critical,CA:FALSE",
      "keyUsage = critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage = clientAuth",
      "",
    ].join("\n"),
  );
  const key = (name) =>
    openssl(dir, ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`]);
  key("ca");
  openssl(dir, [
    "req",
    "-x509",
    "-new",
    "-config",
    "openssl.cnf",
    "-key",
    "ca.key",
    "-subj",
    "/CN=planton-e2e-ca",
    "-days",
    "3650",
    "-extensions",
    "ca_ext",
    "-out",
    "ca.crt",
  ]);
  const leaf = (name, subj, ext) => {
    key(name);
    openssl(dir, [
      "req",
      "-new",
      "-config",
      "openssl.cnf",
      "-key",
      `${name}.key`,
      "-subj",
      subj,
      "-out",
      `${name}.csr`,
    ]);
    openssl(dir, [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-set_serial",
      String(Date.now() * 1000 + Math.floor(Math.random() * 1000)),
      "-days",
      "365",
      "-extfile",
      "openssl.cnf",
      "-extensions",
      ext,
      "-out",
      `${name}.crt`,
    ]);
  };
  leaf("apiserver", "/CN=kube-apiserver", "server_ext");
  leaf("admin", `/O=system:masters/CN=${ADMIN_USER}`, "client_ext");
  // The components and the harness itself act under their own system:* names, so that an audit
  // log tells their writes from those made with the admin kubeconfig (planton's, Helm's, a test's).
  for (const [name, user] of Object.entries(COMPONENT_USERS))
    leaf(name, `/O=system:masters/CN=${user}`, "client_ext");
  key("sa");
  openssl(dir, ["ec", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
  const read = (f) => fs.readFileSync(path.join(dir, f));
  return { ca: read("ca.crt"), cert: read("admin.crt"), key: read("admin.key") };
}

/** The user name of the admin kubeconfig (`cluster.kubeconfigPath`): what planton, Helm and istioctl use. */
export const ADMIN_USER = "planton-e2e-admin";
/** Client identities of the components (all in system:masters), by kubeconfig name. */
const COMPONENT_USERS = {
  "kube-controller-manager": "system:kube-controller-manager",
  "kube-scheduler": "system:kube-scheduler",
  kwok: "system:kwok-controller",
  istiod: "system:planton-e2e-istiod",
  harness: "system:planton-e2e-harness",
};

// One kubeconfig per component identity: <dir>/<name>.kubeconfig.
function writeComponentKubeconfigs(cluster) {
  const read = (f) => fs.readFileSync(path.join(cluster.dir, f));
  cluster.componentKubeconfigs = {};
  for (const name of Object.keys(COMPONENT_USERS)) {
    const file = path.join(cluster.dir, `${name}.kubeconfig`);
    const pki = { ca: cluster.ca, cert: read(`${name}.crt`), key: read(`${name}.key`) };
    fs.writeFileSync(file, certKubeconfig(cluster.server, pki), { mode: 0o600 });
    cluster.componentKubeconfigs[name] = file;
  }
}

// Minimal JSON client for the API server. Resolves { status, body } (body parsed if JSON).
function makeRequest(server, pki) {
  const agent = new https.Agent({ ca: pki.ca, cert: pki.cert, key: pki.key, keepAlive: true });
  const request = (method, urlPath, body, { timeoutMs = 10000, contentType = "application/json" } = {}) =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
      const req = https.request(
        new URL(urlPath, server),
        {
          method,
          agent,
          timeout: timeoutMs,
          headers: data
            ? { "content-type": contentType, accept: "application/json" }
            : { accept: "application/json" },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c) => (text += c));
          res.on("end", () => {
            let parsed = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              /* plain text, e.g. /readyz */
            }
            resolve({ status: res.statusCode, body: parsed });
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath}: timed out`)));
      req.on("error", reject);
      if (data) req.write(data);
      req.end();
    });
  request.agent = agent;
  return request;
}

function httpGet(url, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith("https:") ? https : http;
    const req = mod.get(url, { timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode, body: text }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

async function waitFor(what, fn, { timeoutMs = 60000, intervalMs = 200, procs = [] } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    for (const p of procs) {
      if (p.exitCode !== null || p.signalCode !== null) {
        throw new Error(
          `${what}: ${p.name} exited (${p.exitCode ?? p.signalCode}); log ${p.logPath}:\n${tail(p.logPath)}`,
        );
      }
    }
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

function startProcess(cluster, name, bin, args) {
  const logPath = path.join(cluster.dir, `${name}.log`);
  const fd = fs.openSync(logPath, "a");
  const child = spawn(bin, args, { stdio: ["ignore", fd, fd], cwd: cluster.dir });
  fs.closeSync(fd);
  child.name = name;
  child.logPath = logPath;
  child.on("error", (e) => fs.appendFileSync(logPath, `\nspawn error: ${e.message}\n`));
  cluster.processes.push(child);
  return child;
}

const live = new Set();
process.on("exit", () => {
  for (const c of live)
    for (const p of c.processes) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
});

/**
 * Starts the control plane and kwok and creates `nodes` fake nodes.
 * Options: binDir, stagesDir, nodes (default 3), keepDir (default false), log (function),
 * webhooks (see the file header), audit (an audit log of every write: see audit.mjs),
 * podSubnetBase (default 1: node i's pods get 10.244.<base+i>.0/24).
 * The admin kubeconfig (user ADMIN_USER) is for the code under test; the components and the
 * harness's own `request` use their own system:* identities (`componentKubeconfigs`).
 * Resolves to { dir, server, kubeconfig (YAML text), kubeconfigPath, ca, cert, key, request, nodes, processes,
 * versions, componentKubeconfigs, auditLogPath (with audit) }.
 */
export async function startCluster(opts = {}) {
  const binDir = opts.binDir ?? path.join(cacheRoot(), "bin");
  const stagesDir = opts.stagesDir ?? path.join(cacheRoot(), "share", "kwok", "stages");
  const nodeCount = opts.nodes ?? 3;
  const podCidr = (i) => `10.244.${(opts.podSubnetBase ?? 1) + i}.0/24`;
  const log = opts.log ?? (() => {});
  const bin = (n) => {
    const p = path.join(binDir, n);
    if (!fs.existsSync(p)) throw new Error(`${p} is missing: run scripts/e2e-build.sh`);
    return p;
  };
  const t0 = Date.now();
  const cluster = {
    dir: fs.mkdtempSync(path.join(os.tmpdir(), "planton-e2e-cluster-")),
    processes: [],
    keepDir: !!opts.keepDir,
  };
  live.add(cluster);
  try {
    const pki = makePki(cluster.dir);
    Object.assign(cluster, pki);
    const [etcdPort, etcdPeerPort, apiPort, kcmPort, schedPort, kwokPort] = await Promise.all(
      Array.from({ length: 6 }, freePort),
    );
    cluster.server = `https://127.0.0.1:${apiPort}`;
    cluster.kubeconfig = certKubeconfig(cluster.server, pki);
    cluster.kubeconfigPath = path.join(cluster.dir, "kubeconfig");
    fs.writeFileSync(cluster.kubeconfigPath, cluster.kubeconfig, { mode: 0o600 });
    writeComponentKubeconfigs(cluster);
    const componentKubeconfig = (name) => cluster.componentKubeconfigs[name];
    const f = (n) => path.join(cluster.dir, n);
    const audit = opts.audit ? auditFlags(cluster) : [];

    const webhooks = !!opts.webhooks;
    const egressConfig = f("egress-selector.yaml");
    if (webhooks) await startEgressProxy(cluster, egressConfig);

    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const etcd = startProcess(cluster, "etcd", bin("etcd"), [
      "--name=e2e",
      `--data-dir=${f("etcd-data")}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=e2e=http://127.0.0.1:${etcdPeerPort}`,
      "--unsafe-no-fsync",
      "--log-level=warn",
    ]);
    await waitFor("etcd /health", async () => (await httpGet(`${etcdUrl}/health`)).body.includes('"true"'), {
      procs: [etcd],
    });
    log(`etcd ready (${Date.now() - t0} ms)`);

    const apiserver = startProcess(cluster, "kube-apiserver", bin("kube-apiserver"), [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${f("apiserver.crt")}`,
      `--tls-private-key-file=${f("apiserver.key")}`,
      `--client-ca-file=${f("ca.crt")}`,
      `--service-account-key-file=${f("sa.pub")}`,
      `--service-account-signing-key-file=${f("sa.key")}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      "--authorization-mode=RBAC",
      "--allow-privileged=true",
      ...(webhooks
        ? [`--egress-selector-config-file=${egressConfig}`]
        : // No pod really runs, so no webhook server can answer: see the file header.
          ["--disable-admission-plugins=MutatingAdmissionWebhook,ValidatingAdmissionWebhook"]),
      ...audit,
      "--profiling=false",
      "--v=1",
    ]);
    const request = makeRequest(cluster.server, {
      ca: pki.ca,
      cert: fs.readFileSync(f("harness.crt")),
      key: fs.readFileSync(f("harness.key")),
    });
    cluster.request = request;
    await waitFor(
      "kube-apiserver /readyz",
      async () => (await request("GET", "/readyz", undefined, { timeoutMs: 2000 })).status === 200,
      { timeoutMs: 120000, intervalMs: 300, procs: [etcd, apiserver] },
    );
    log(`kube-apiserver ready (${Date.now() - t0} ms)`);

    const kcm = startProcess(cluster, "kube-controller-manager", bin("kube-controller-manager"), [
      `--kubeconfig=${componentKubeconfig("kube-controller-manager")}`,
      `--authentication-kubeconfig=${componentKubeconfig("kube-controller-manager")}`,
      `--authorization-kubeconfig=${componentKubeconfig("kube-controller-manager")}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${kcmPort}`,
      `--service-account-private-key-file=${f("sa.key")}`,
      `--root-ca-file=${f("ca.crt")}`,
      `--cluster-signing-cert-file=${f("ca.crt")}`,
      `--cluster-signing-key-file=${f("ca.key")}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      "--use-service-account-credentials=true",
      "--leader-elect=false",
      "--v=1",
    ]);
    const scheduler = startProcess(cluster, "kube-scheduler", bin("kube-scheduler"), [
      `--kubeconfig=${componentKubeconfig("kube-scheduler")}`,
      `--authentication-kubeconfig=${componentKubeconfig("kube-scheduler")}`,
      `--authorization-kubeconfig=${componentKubeconfig("kube-scheduler")}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${schedPort}`,
      "--leader-elect=false",
      "--v=1",
    ]);
    const stages = [
      "node-initialize.yaml",
      "node-heartbeat-with-lease.yaml",
      "pod-ready.yaml",
      "pod-complete.yaml",
      "pod-delete.yaml",
    ].map((s) => path.join(stagesDir, s));
    for (const s of stages)
      if (!fs.existsSync(s)) throw new Error(`${s} is missing: run scripts/e2e-build.sh kwok`);
    const kwok = startProcess(cluster, "kwok", bin("kwok"), [
      `--kubeconfig=${componentKubeconfig("kwok")}`,
      ...stages.map((s) => `--config=${s}`),
      "--manage-all-nodes=false",
      `--manage-nodes-with-annotation-selector=${KWOK_ANNOTATION}=fake`,
      `--cidr=${POD_CIDR}`,
      "--node-lease-duration-seconds=40",
      `--server-address=127.0.0.1:${kwokPort}`,
    ]);
    const all = [etcd, apiserver, kcm, scheduler, kwok];

    cluster.nodes = [];
    for (let i = 0; i < nodeCount; i++) {
      const name = `kwok-node-${i}`;
      const res = await request("POST", "/api/v1/nodes", {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
          name,
          annotations: { [KWOK_ANNOTATION]: "fake", "node.alpha.kubernetes.io/ttl": "0" },
          labels: {
            "kubernetes.io/arch": "amd64",
            "kubernetes.io/os": "linux",
            "kubernetes.io/hostname": name,
            "node-role.kubernetes.io/agent": "",
            type: "kwok",
          },
        },
        // one /24 per node, so pod IPs do not repeat across nodes (nor across clusters that
        // share a network namespace, each with its own `podSubnetBase`)
        spec: { podCIDR: podCidr(i), podCIDRs: [podCidr(i)] },
        // kwok keeps an InternalIP it finds (hostNetwork pods get it). TEST-NET-1: never dialled.
        status: {
          addresses: [
            { type: "InternalIP", address: `192.0.2.${i + 1}` },
            { type: "Hostname", address: name },
          ],
        },
      });
      if (res.status !== 201)
        throw new Error(`create node ${name}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
      cluster.nodes.push(name);
    }
    await waitFor(
      "kwok nodes Ready",
      async () => {
        const { body } = await request("GET", "/api/v1/nodes");
        const ready = (body.items ?? []).filter((n) =>
          (n.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
        );
        return ready.length === nodeCount;
      },
      { timeoutMs: 60000, procs: all },
    );
    log(`nodes Ready (${Date.now() - t0} ms)`);
    // The controller-manager creates the `default` ServiceAccount; pods are refused until then.
    await waitFor(
      "ServiceAccount default/default",
      async () => (await request("GET", "/api/v1/namespaces/default/serviceaccounts/default")).status === 200,
      { timeoutMs: 60000, procs: all },
    );
    log(`cluster ready (${Date.now() - t0} ms)`);
    const version = (await request("GET", "/version")).body;
    cluster.version = version;
    return cluster;
  } catch (e) {
    await stopCluster(cluster, { keepDir: true });
    e.message += `\n(cluster files kept in ${cluster.dir})`;
    throw e;
  }
}

/** Stops every process of the cluster (reverse start order) and removes its folder. */
export async function stopCluster(cluster, { keepDir = cluster?.keepDir ?? false } = {}) {
  if (!cluster) return;
  cluster.request?.agent?.destroy();
  cluster.stopping = true;
  cluster.egressProxy?.close();
  for (const c of cluster.egressProxy?.connections ?? []) c.destroy();
  for (const p of [...cluster.processes].reverse()) {
    if (p.exitCode !== null || p.signalCode !== null) continue;
    const exited = new Promise((r) => p.once("exit", r));
    p.kill("SIGTERM");
    const t = setTimeout(() => p.kill("SIGKILL"), 10000);
    await exited;
    clearTimeout(t);
  }
  live.delete(cluster);
  if (!keepDir) fs.rmSync(cluster.dir, { recursive: true, force: true });
}

// --- webhooks: Services reached through an HTTP CONNECT proxy -----------------------------
// kube-apiserver calls a webhook's Service at ClusterIP:port (no --enable-aggregator-routing), with
// the dialer of the `cluster` egress selection. Endpoints cannot point at 127.x (the API server
// refuses loopback endpoint addresses), and the service CIDR is not routed here, so this proxy maps
// the Service to a registered host process: Service by ClusterIP -> port's targetPort -> the
// host endpoint (same namespace, labels matching the selector) that serves that targetPort.
async function startEgressProxy(cluster, configPath) {
  const socketPath = path.join(cluster.dir, "egress.sock");
  fs.writeFileSync(
    configPath,
    [
      "apiVersion: apiserver.k8s.io/v1beta1",
      "kind: EgressSelectorConfiguration",
      "egressSelections:",
      "- name: cluster",
      "  connection:",
      "    proxyProtocol: HTTPConnect",
      "    transport:",
      "      uds:",
      `        udsName: ${socketPath}`,
      "",
    ].join("\n"),
  );
  const logPath = path.join(cluster.dir, "egress.log");
  const note = (m) => fs.appendFileSync(logPath, `${new Date().toISOString()} ${m}\n`);
  cluster.hostEndpoints = [];
  cluster.addHostEndpoint = (ep) => {
    cluster.hostEndpoints.push(ep);
    return () => {
      cluster.hostEndpoints = cluster.hostEndpoints.filter((e) => e !== ep);
    };
  };
  const connections = new Set();
  const server = net.createServer((conn) => {
    connections.add(conn);
    conn.on("close", () => connections.delete(conn));
    conn.on("error", () => {});
    let buf = Buffer.alloc(0);
    const onData = (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) {
        if (buf.length > 16384) conn.destroy();
        return;
      }
      conn.off("data", onData);
      conn.pause();
      const line = buf.subarray(0, buf.indexOf("\r\n")).toString();
      const rest = buf.subarray(end + 4);
      const m = /^CONNECT \[?([^\]\s]+?)\]?:(\d+) HTTP\/1\.[01]$/.exec(line);
      if (!m) {
        note(`${line}: 400 not a CONNECT`);
        conn.end("HTTP/1.1 400 Bad Request\r\n\r\n");
        return;
      }
      connectService(cluster, m[1], Number(m[2]))
        .then(({ up, target, error }) => {
          if (!up) {
            note(`${line}: 502 ${error}`);
            conn.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
            return;
          }
          note(`${line}: ${target.what} -> 127.0.0.1:${target.port}`);
          up.on("error", () => conn.destroy());
          conn.on("close", () => up.destroy());
          conn.write("HTTP/1.1 200 Connection established\r\n\r\n");
          if (rest.length) up.write(rest);
          conn.pipe(up);
          up.pipe(conn);
          conn.resume();
        })
        .catch((e) => {
          note(`${line}: ${e.message}`);
          conn.destroy();
        });
    };
    conn.on("data", onData);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, resolve);
  });
  server.connections = connections;
  cluster.egressProxy = server;
}

// kwok marks a pod Ready at once, so Helm's wait and the Service can be ahead of the host process
// behind them (a real Service routes only to ready pods). Like a connection that waits for the
// endpoint to become ready, retry resolving and connecting for up to 8 s (webhooks time out at 10 s).
async function connectService(cluster, ip, port, waitMs = 8000) {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const target = await resolveService(cluster, ip, port);
    let error = target.error;
    if (target.port) {
      const up = await new Promise((resolve) => {
        const s = net.connect(target.port, "127.0.0.1", () => resolve(s));
        s.once("error", (e) => {
          error = e.message;
          resolve(null);
        });
      });
      if (up) return { up, target };
    }
    if (Date.now() > deadline || cluster.stopping) return { error };
    await sleep(200);
  }
}

async function resolveService(cluster, ip, port) {
  const { body } = await cluster.request("GET", "/api/v1/services");
  const svc = (body.items ?? []).find((s) => (s.spec?.clusterIPs ?? [s.spec?.clusterIP]).includes(ip));
  if (!svc) return { error: `no Service has ClusterIP ${ip}` };
  const what = `service ${svc.metadata.namespace}/${svc.metadata.name}`;
  const sp = (svc.spec.ports ?? []).find((p) => p.port === port && (p.protocol ?? "TCP") === "TCP");
  if (!sp) return { error: `${what} has no TCP port ${port}` };
  const target = sp.targetPort ?? port;
  const selector = svc.spec.selector ?? {};
  if (Object.keys(selector).length === 0) return resolveBySlices(cluster, svc, sp, what);
  const ep = cluster.hostEndpoints.find(
    (e) =>
      e.namespace === svc.metadata.namespace &&
      Object.entries(selector).every(([k, v]) => e.labels?.[k] === v) &&
      e.ports?.[target] !== undefined,
  );
  if (!ep)
    return { error: `no host endpoint for ${what} (selector ${JSON.stringify(selector)}, port ${target})` };
  return { port: ep.ports[target], what: `${what} (${ep.name ?? "host endpoint"})` };
}

// A Service without a selector (e.g. a remote cluster's istiod, whose EndpointSlice holds the
// primary's address): its EndpointSlices' address and port name the host endpoint registered with
// cluster.addHostEndpoint({ address, ports }) (that address stands for a machine outside the
// cluster, e.g. the primary's east-west gateway; only 127.0.0.1 carries the traffic).
async function resolveBySlices(cluster, svc, sp, what) {
  const { namespace, name } = svc.metadata;
  const sel = encodeURIComponent(`kubernetes.io/service-name=${name}`);
  const { body } = await cluster.request(
    "GET",
    `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices?labelSelector=${sel}`,
  );
  for (const slice of body.items ?? []) {
    const port = (slice.ports ?? []).find((p) => (p.name ?? "") === (sp.name ?? ""))?.port;
    if (port === undefined) continue;
    for (const addr of (slice.endpoints ?? []).flatMap((e) => e.addresses ?? [])) {
      const ep = cluster.hostEndpoints.find((e) => e.address === addr && e.ports?.[port] !== undefined);
      if (ep)
        return {
          port: ep.ports[port],
          what: `${what} (endpoint ${addr}:${port}, ${ep.name ?? "host endpoint"})`,
        };
    }
  }
  return { error: `${what} has no selector and no EndpointSlice address with a host endpoint` };
}

// --- CLI ----------------------------------------------------------------------------------
async function selftest() {
  const log = (m) => console.log(`[harness] ${m}`);
  const cluster = await startCluster({ log });
  try {
    log(
      `server ${cluster.server}, version ${cluster.version.gitVersion} (major ${cluster.version.major}, minor ${cluster.version.minor})`,
    );
    const r = cluster.request;
    const dep = await r("POST", "/apis/apps/v1/namespaces/default/deployments", {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "selftest" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "selftest" } },
        template: {
          metadata: { labels: { app: "selftest" } },
          spec: { containers: [{ name: "c", image: "example.invalid/none:1" }] },
        },
      },
    });
    if (dep.status !== 201) throw new Error(`create deployment: ${dep.status} ${JSON.stringify(dep.body)}`);
    const t0 = Date.now();
    const pods = await waitFor(
      "2 selftest pods Running and Ready",
      async () => {
        const { body } = await r("GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dselftest");
        const ok = (body.items ?? []).filter(
          (p) =>
            p.status?.phase === "Running" &&
            (p.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
        );
        return ok.length === 2 ? ok : null;
      },
      { timeoutMs: 60000 },
    );
    for (const p of pods)
      log(`pod ${p.metadata.name} on ${p.spec.nodeName}: ${p.status.phase}, podIP ${p.status.podIP}`);
    const d = await waitFor(
      "deployment available",
      async () => {
        const { body } = await r("GET", "/apis/apps/v1/namespaces/default/deployments/selftest");
        return body.status?.availableReplicas === 2 ? body : null;
      },
      { timeoutMs: 30000 },
    );
    log(
      `deployment selftest: ${d.status.readyReplicas}/${d.spec.replicas} ready, ${d.status.availableReplicas} available (${Date.now() - t0} ms)`,
    );
    console.log("1 passed, 0 failed");
  } finally {
    const t1 = Date.now();
    await stopCluster(cluster);
    log(`stopped (${Date.now() - t1} ms)`);
  }
}

async function serve() {
  const cluster = await startCluster({ log: (m) => console.error(`[harness] ${m}`), keepDir: false });
  console.log(
    JSON.stringify(
      {
        server: cluster.server,
        kubeconfig: cluster.kubeconfigPath,
        dir: cluster.dir,
        pids: Object.fromEntries(cluster.processes.map((p) => [p.name, p.pid])),
      },
      null,
      2,
    ),
  );
  const stop = async () => {
    await stopCluster(cluster);
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const cmd = process.argv[2];
  const run = cmd === "selftest" ? selftest : cmd === "start" ? serve : null;
  if (!run) {
    console.error("usage: node harness.mjs start|selftest");
    process.exit(2);
  }
  run().catch((e) => {
    console.error(e.stack ?? e);
    process.exit(1);
  });
}
