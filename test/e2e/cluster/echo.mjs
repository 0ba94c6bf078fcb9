// Istio's test echo programs (istio-echo-server, istio-echo-client; built by scripts/e2e-build.sh
// istiod from the same istio.io/istio module as pilot-discovery) as the app of a proxyless gRPC
// pod, next to its agent (agent.mjs), the way the `grpc-agent` injection template pairs them:
// the app reads the agent's gRPC xDS bootstrap (GRPC_XDS_BOOTSTRAP), talks xDS to the agent's
// XDS socket and takes its certificates from the files the agent writes (file_watcher provider).
//
//   import { startEchoServer, echoCall } from "./echo.mjs";
//   const server = await startEchoServer(cluster, { pod, agent, port: 7070, cluster: "east" });
//   const r = await echoCall({ agent, url: "xds:///hello.app.svc.cluster.local:7070" });
//   r.ok, r.fields  // exit status 0; the response's Key=Value fields (ServiceVersion, Cluster, IP)
//
// The server binds the pod's IP only (INSTANCE_IP, --bind-ip), never a wildcard address: several
// pods share one network namespace (netns.mjs). Its gRPC port is an xDS server (--xds-grpc-server):
// it serves only once istiod's inbound listener for the pod arrives, with that listener's mTLS and
// RBAC. A call without `agent` uses no bootstrap: plaintext, as an app outside the mesh would.
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { cacheRoot, sleep, tail } from "./host.mjs";

const binary = (binDir, name) => {
  const p = path.join(binDir ?? path.join(cacheRoot(), "bin"), name);
  if (!fs.existsSync(p)) throw new Error(`${p} is missing: run scripts/e2e-build.sh istiod`);
  return p;
};

/**
 * Starts istio-echo-server for `pod` next to its `agent`, its gRPC `port` an xDS server, and waits
 * until the port serves. `version` (default: the pod's name) and `cluster` come back in
 * every response. Ready = its xDS server is SERVING the listener istiod sent for the pod.
 * Options: binDir, timeoutMs (60000). Resolves to { process, logPath, stop }.
 */
export async function startEchoServer(cluster, opts) {
  const { pod, agent, port } = opts;
  const { name, namespace } = pod.metadata;
  const bin = binary(opts.binDir, "istio-echo-server");
  const http = port + 1;
  const tcp = port + 2;
  const args = [
    `--grpc=${port}`,
    `--xds-grpc-server=${port}`,
    `--port=${http}`,
    `--tcp=${tcp}`,
    `--bind-ip=${port},${http},${tcp}`,
    `--version=${opts.version ?? name}`,
    `--cluster=${opts.cluster ?? ""}`,
  ];
  const env = {
    PATH: process.env.PATH,
    HOME: agent.dir,
    INSTANCE_IP: pod.status.podIP,
    NAMESPACE: namespace,
    GRPC_XDS_BOOTSTRAP: agent.bootstrap,
  };
  const logPath = path.join(cluster.dir, `echo-${name}.log`);
  const fd = fs.openSync(logPath, "a");
  const child = spawn(bin, args, { cwd: agent.dir, env, stdio: ["ignore", fd, fd] });
  fs.closeSync(fd);
  child.name = `echo-${name}`;
  cluster.processes.push(child);
  const server = { process: child, logPath, stop: () => stopProcess(child) };
  const deadline = Date.now() + (opts.timeoutMs ?? 60000);
  for (;;) {
    const log = fs.existsSync(logPath) ? fs.readFileSync(logPath, "utf8") : "";
    // gRPC's xDS server took istiod's inbound listener for the pod (its own readiness probe is a
    // plaintext call, which a STRICT listener refuses: it logs "readiness failed" and serves on)
    if (log.includes(`Listener "${pod.status.podIP}:${port}" entering mode: "SERVING"`)) return server;
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      await stopProcess(child);
      throw new Error(`echo server of ${namespace}/${name} not ready; log ${logPath}:\n${tail(logPath)}`);
    }
    await sleep(200);
  }
}

/**
 * One call with istio-echo-client to `url` (xds:///host:port through the agent's bootstrap, or
 * grpc://ip:port). Options: agent (none: no xDS, plaintext), timeout ("5s"), binDir.
 * Resolves to { ok, output, fields } (fields: the response's Key=Value pairs, first value each).
 */
export function echoCall(opts) {
  const bin = binary(opts.binDir, "istio-echo-client");
  const env = { PATH: process.env.PATH, HOME: opts.agent?.dir ?? process.env.HOME };
  if (opts.agent) env.GRPC_XDS_BOOTSTRAP = opts.agent.bootstrap;
  const args = [opts.url, "--count=1", `--timeout=${opts.timeout ?? "5s"}`, "--msg=planton"];
  return new Promise((resolve) => {
    execFile(bin, args, { env, cwd: opts.agent?.dir, timeout: 30000 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      const fields = {};
      for (const m of output.matchAll(/^\[\d+(?: body)?\] (\w+)=(.*)$/gm))
        if (m[1] && !(m[1] in fields)) fields[m[1]] = m[2];
      resolve({ ok: !error, output, fields });
    });
  });
}

async function stopProcess(p) {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once("exit", r));
  p.kill("SIGTERM");
  const t = setTimeout(() => p.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(t);
}
