// Runs istiod (pilot-discovery, built by scripts/e2e-build.sh istiod) as a host process against a
// harness cluster, configured the way the istiod chart's Deployment configures its pod:
//
//   import { startCluster } from "./harness.mjs";
//   import { startIstiod, stopIstiod } from "./istiod.mjs";
//   const cluster = await startCluster({ webhooks: true });
//   ... install the istiod chart (planton apply) ...
//   const istiod = await startIstiod(cluster, { revision: "default" });   // or "1-30", ...
//   ...
//   await stopIstiod(istiod);     // stopCluster(cluster) also stops it
//
// or, as a kubelet would, one istiod per istiod Deployment, started as soon as it exists:
//   const istiods = watchIstiods(cluster, { log });   // istiods.running: Map revision -> istiod
//   await istiods.ready("1-30-3");  ...  await istiods.stop();
//
// - Arguments and environment come from the Deployment `istiod[-<revision>]` in the namespace
//   (container `discovery`): fieldRefs resolved as the kubelet would (POD_NAME is the kwok pod's
//   name when there is one), `--log_as_json` dropped (readable logs), the listen addresses moved
//   to free ports on 127.0.0.1 (several istiods share the host), `--shutdownDuration=1s`.
// - Credentials: the harness' istiod kubeconfig (`--kubeconfig` and KUBECONFIG; user
//   system:planton-e2e-istiod in system:masters, so an audit log tells istiod's writes from
//   planton's), not the service account's token: istiod's RBAC is not exercised.
// - Files: istiod reads its volumes from paths relative to its working folder
//   (`./etc/cacerts`, `./var/run/secrets/...`), so each istiod runs in its own folder, where the
//   optional `cacerts` Secret is written as the chart's volume would mount it (plug-in CA), plus
//   the service-account CA file and a projected token (audience istio-ca).
// - The mesh (`istio[-rev]`) and injector (`istio-sidecar-injector[-rev]`) ConfigMaps are read by
//   istiod itself from the API server, as in a pod.
// - The process is registered as a host endpoint of the harness with the pod template's labels and
//   the chart's container ports (8080, 15010, 15012, 15014, 15017), so the API server reaches its
//   webhooks through the istiod Services (and revision-tag Services) by their selectors.
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { cacheRoot, freePort, sleep, tail } from "./host.mjs";

function httpStatus(url, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

// Container port (as the chart names it) -> the flag that sets its listen address.
const PORT_FLAGS = {
  8080: "httpAddr",
  15010: "grpcAddr",
  15012: "secureGRPCAddr",
  15014: "monitoringAddr",
  15017: "httpsAddr",
};

/**
 * Starts pilot-discovery for `revision` ("default" = the Deployment `istiod`).
 * Options: namespace (istio-system), binDir, log (function), readyTimeoutMs (60000), extraEnv.
 * Resolves to { revision, namespace, name, process, dir, logPath, ports, podName, stop }.
 */
export async function startIstiod(cluster, opts = {}) {
  const revision = opts.revision ?? "default";
  const namespace = opts.namespace ?? "istio-system";
  const binDir = opts.binDir ?? path.join(cacheRoot(), "bin");
  const log = opts.log ?? (() => {});
  const bin = path.join(binDir, "pilot-discovery");
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run scripts/e2e-build.sh istiod`);
  if (!cluster.addHostEndpoint) throw new Error("the cluster was started without { webhooks: true }");
  const r = cluster.request;
  const t0 = Date.now();
  const name = revision === "default" ? "istiod" : `istiod-${revision}`;

  const dep = await r("GET", `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`);
  if (dep.status !== 200) throw new Error(`deployment ${namespace}/${name}: HTTP ${dep.status}`);
  const podSpec = dep.body.spec.template.spec;
  const labels = dep.body.spec.template.metadata.labels ?? {};
  const c = podSpec.containers.find((x) => x.name === "discovery");
  if (!c) throw new Error(`deployment ${namespace}/${name} has no container "discovery"`);
  const serviceAccount = podSpec.serviceAccountName ?? "default";

  // The kwok pod of this Deployment, if any, lends its name (as POD_NAME would be in a real pod).
  const sel = Object.entries(dep.body.spec.selector.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const pods = await r(
    "GET",
    `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(sel)}`,
  );
  const podName = pods.body.items?.[0]?.metadata?.name ?? `${name}-host`;

  const dir = path.join(cluster.dir, `${name}-${Date.now()}`);
  const write = (rel, data, mode = 0o644) => {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, data, { mode });
  };
  fs.mkdirSync(dir, { recursive: true });
  // volume `cacerts` (Secret cacerts, optional) at /etc/cacerts: the plug-in CA
  await syncCacerts(cluster, namespace, dir);
  fs.mkdirSync(path.join(dir, "var/run/secrets/istio-dns"), { recursive: true });
  write("var/run/secrets/kubernetes.io/serviceaccount/ca.crt", cluster.ca);
  write("var/run/secrets/kubernetes.io/serviceaccount/namespace", namespace);
  // volume `istio-token`: projected service-account token, audience istio-ca
  const tok = await r("POST", `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`, {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: { audiences: ["istio-ca"], expirationSeconds: 43200 },
  });
  if (tok.status === 201) write("var/run/secrets/tokens/istio-token", tok.body.status.token, 0o600);

  // ports: one free 127.0.0.1 port per container port
  const ports = {};
  for (const p of Object.keys(PORT_FLAGS)) ports[p] = await freePort();
  const ctrlzPort = await freePort();

  const args = [];
  const dropped = new Set([...Object.values(PORT_FLAGS), "log_as_json", "shutdownDuration", "ctrlz_port"]);
  for (const a of c.args ?? []) {
    const flag = /^--?([^=]+)/.exec(a)?.[1];
    if (flag && dropped.has(flag)) continue;
    args.push(a);
  }
  for (const [p, flag] of Object.entries(PORT_FLAGS)) args.push(`--${flag}=127.0.0.1:${ports[p]}`);
  const kubeconfig = cluster.componentKubeconfigs?.istiod ?? cluster.kubeconfigPath;
  args.push(
    `--ctrlz_port=${ctrlzPort}`,
    "--ctrlz_address=127.0.0.1",
    "--shutdownDuration=1s",
    `--kubeconfig=${kubeconfig}`,
  );

  const env = { PATH: process.env.PATH, HOME: dir };
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef) {
      const fp = e.valueFrom.fieldRef.fieldPath;
      const v =
        fp === "metadata.name"
          ? podName
          : fp === "metadata.namespace"
            ? namespace
            : fp === "spec.serviceAccountName"
              ? serviceAccount
              : undefined;
      if (v !== undefined) env[e.name] = v;
    }
    // resourceFieldRef (GOMAXPROCS from limits.cpu): left to Go's default
  }
  env.KUBECONFIG = kubeconfig; // the chart's /var/run/secrets/remote/config is for remote clusters
  Object.assign(env, opts.extraEnv ?? {});

  const logPath = path.join(cluster.dir, `${name}.log`);
  const fd = fs.openSync(logPath, "a");
  const child = spawn(bin, args, { cwd: dir, env, stdio: ["ignore", fd, fd] });
  fs.closeSync(fd);
  child.name = name;
  child.logPath = logPath;
  child.on("error", (e) => fs.appendFileSync(logPath, `\nspawn error: ${e.message}\n`));
  cluster.processes.push(child);
  const unregister = cluster.addHostEndpoint({ name, namespace, labels, ports });

  const istiod = {
    revision,
    namespace,
    name,
    process: child,
    dir,
    logPath,
    ports,
    podName,
    args,
    stop: () => stopIstiod(istiod),
    unregister,
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      unregister();
      throw new Error(
        `${name} exited (${child.exitCode ?? child.signalCode}); log ${logPath}:\n${tail(logPath, 40)}`,
      );
    }
    try {
      if ((await httpStatus(`http://127.0.0.1:${ports[8080]}/ready`)) === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stopIstiod(istiod);
      throw new Error(
        `${name} not ready after ${opts.readyTimeoutMs ?? 60000} ms; log ${logPath}:\n${tail(logPath, 40)}`,
      );
    }
    await sleep(250);
  }
  log(
    `${name} (revision ${revision}) ready in ${Date.now() - t0} ms, pid ${child.pid}, webhook 127.0.0.1:${ports[15017]}`,
  );
  return istiod;
}

/** Stops one istiod (SIGTERM, SIGKILL after 10 s) and removes its host endpoint. */
export async function stopIstiod(istiod) {
  if (!istiod) return;
  istiod.unregister();
  const p = istiod.process;
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once("exit", r));
  p.kill("SIGTERM");
  const t = setTimeout(() => p.kill("SIGKILL"), 10000);
  await exited;
  clearTimeout(t);
}

/** Writes the `cacerts` Secret into <dir>/etc/cacerts, as the optional secret volume would (and
 * updates it when the Secret changes, as the kubelet does). Returns true when a file changed. */
export async function syncCacerts(cluster, namespace, dir) {
  const res = await cluster.request("GET", `/api/v1/namespaces/${namespace}/secrets/cacerts`);
  const data = res.status === 200 ? (res.body.data ?? {}) : {};
  const target = path.join(dir, "etc", "cacerts");
  let changed = false;
  const want = new Set(Object.keys(data));
  if (fs.existsSync(target))
    for (const f of fs.readdirSync(target))
      if (!want.has(f)) {
        fs.rmSync(path.join(target, f));
        changed = true;
      }
  for (const [k, v] of Object.entries(data)) {
    const p = path.join(target, k);
    const buf = Buffer.from(v, "base64");
    if (fs.existsSync(p) && fs.readFileSync(p).equals(buf)) continue;
    fs.mkdirSync(target, { recursive: true });
    fs.writeFileSync(p, buf, { mode: 0o600 });
    changed = true;
  }
  return changed;
}

/**
 * Plays the kubelet for istiod: every `intervalMs`, starts an istiod for each Deployment labelled
 * app=istiod in `namespace` that has none, stops the istiod of a Deployment that is gone, and keeps
 * each one's `cacerts` files in step with the Secret. Returns { running (Map revision -> istiod),
 * ready(revision, timeoutMs), stop() }. Start failures are logged and retried on the next round.
 */
export function watchIstiods(cluster, opts = {}) {
  const namespace = opts.namespace ?? "istio-system";
  const log = opts.log ?? (() => {});
  const intervalMs = opts.intervalMs ?? 500;
  const running = new Map();
  const starting = new Map();
  let stopped = false;
  let timer;
  const round = async () => {
    const { status, body } = await cluster.request(
      "GET",
      `/apis/apps/v1/namespaces/${namespace}/deployments?labelSelector=app%3Distiod`,
    );
    if (status !== 200) return;
    const revisions = new Set();
    for (const d of body.items ?? []) {
      if (d.metadata.deletionTimestamp) continue;
      const rev = d.spec.template.metadata.labels?.["istio.io/rev"] ?? "default";
      revisions.add(rev);
      if (running.has(rev) || starting.has(rev)) continue;
      const p = startIstiod(cluster, { ...opts, namespace, revision: rev })
        .then((i) => {
          if (stopped) return stopIstiod(i);
          running.set(rev, i);
        })
        .catch((e) => log(`istiod ${rev}: ${e.message.split("\n")[0]} (retrying)`))
        .finally(() => starting.delete(rev));
      starting.set(rev, p);
    }
    for (const [rev, i] of running)
      if (!revisions.has(rev)) {
        running.delete(rev);
        log(`istiod ${rev}: Deployment gone, stopping`);
        await stopIstiod(i);
      } else await syncCacerts(cluster, namespace, i.dir);
  };
  const loop = async () => {
    if (stopped) return;
    try {
      await round();
    } catch (e) {
      log(`istiod watcher: ${e.message}`);
    }
    if (!stopped) timer = setTimeout(loop, intervalMs);
  };
  loop();
  return {
    running,
    async ready(revision = "default", timeoutMs = 90000) {
      const deadline = Date.now() + timeoutMs;
      while (!running.has(revision)) {
        if (Date.now() > deadline)
          throw new Error(`no istiod for revision ${revision} after ${timeoutMs} ms`);
        await sleep(200);
      }
      return running.get(revision);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await Promise.allSettled([...starting.values()]);
      await Promise.all([...running.values()].map(stopIstiod));
      running.clear();
    },
  };
}
