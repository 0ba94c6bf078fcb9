import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { DeployError, UsageError } from "../errors.js";
import { readFileBounded } from "../manifest/read-file.js";

/** A kubeconfig resolved to a file, its contents and one context. */
export interface ResolvedCluster {
  kubeconfigPath: string;
  kubeconfig: string;
  context: string;
  config: k8s.KubeConfig;
}

/** Inputs that pick the cluster: flags override the manifest, which overrides the environment. */
export interface ClusterSelection {
  kubeconfigFlag?: string | undefined;
  contextFlag?: string | undefined;
  manifestKubeconfig: string;
  manifestContext: string;
  /** Project Planton's `target_cluster.cluster_name`, read as a context name. */
  manifestClusterName: string;
  /** Relative paths are resolved against this folder. */
  cwd: string;
}

/** Kubeconfigs are small; a larger file is the wrong file (and is not read into memory). */
const maxKubeconfigBytes = 4 * 1024 * 1024;

/**
 * Resolves the kubeconfig file and context: `--kubeconfig` > `spec.targetCluster.kubeconfig` >
 * $KUBECONFIG (first existing entry) > ~/.kube/config; `--context` > `targetCluster.context` >
 * `clusterName` > the file's current context. A context that does not exist is an error that
 * lists those that do. A file that cannot be parsed is reported by line, never by its text.
 */
export function resolveCluster(sel: ClusterSelection, env: NodeJS.ProcessEnv): ResolvedCluster {
  const expand = (p: string) => {
    const home = p.startsWith("~/") ? join(homedir(), p.slice(2)) : p;
    return isAbsolute(home) ? home : resolve(sel.cwd, home);
  };
  const explicit = sel.kubeconfigFlag ?? (sel.manifestKubeconfig || undefined);
  const candidates = [...(env.KUBECONFIG ?? "").split(delimiter).filter((x) => x !== ""), "~/.kube/config"];
  const path = explicit !== undefined ? expand(explicit) : candidates.map(expand).find((p) => existsSync(p));
  if (path === undefined || !existsSync(path)) {
    throw new UsageError(
      `no kubeconfig found${path ? ` at ${path}` : ""}`,
      "pass --kubeconfig, set spec.targetCluster.kubeconfig or $KUBECONFIG, or create ~/.kube/config",
    );
  }
  const read = readFileBounded(path, { limit: maxKubeconfigBytes });
  if (read.kind === "directory" || read.kind === "not_regular")
    throw new UsageError(`kubeconfig ${path} is not a regular file`, "pass a kubeconfig file");
  if (read.kind === "too_large")
    throw new UsageError(`kubeconfig ${path} is larger than 4 MiB`, "pass a kubeconfig file");
  if (read.kind !== "ok")
    throw new UsageError(
      `cannot read kubeconfig ${path}: ${read.kind === "missing" ? "ENOENT" : read.code}`,
      "make the file readable by the current user",
    );
  const contents = read.bytes.toString("utf8");
  const config = new k8s.KubeConfig();
  try {
    config.loadFromString(contents);
  } catch (err) {
    // the parser's message quotes the offending lines, which may hold tokens or keys: keep
    // only where it is, and never attach the error itself
    const mark = (err as { mark?: { line?: number; column?: number } }).mark;
    const where =
      mark?.line !== undefined ? ` at line ${mark.line + 1}, column ${(mark.column ?? 0) + 1}` : "";
    throw new UsageError(
      `kubeconfig ${path} is not a valid kubeconfig${where}`,
      "check the file with `kubectl config view --kubeconfig <file>`",
    );
  }
  const wanted =
    sel.contextFlag ?? (sel.manifestContext || sel.manifestClusterName || config.getCurrentContext());
  const names = config.getContexts().map((c) => c.name);
  if (!wanted || !names.includes(wanted)) {
    throw new UsageError(
      wanted
        ? `kubeconfig ${path} has no context named "${wanted}"`
        : `kubeconfig ${path} has no current context`,
      names.length > 0
        ? `use one of: ${names.join(", ")} (with --context or spec.targetCluster.context)`
        : "the kubeconfig has no contexts",
    );
  }
  config.setCurrentContext(wanted);
  return { kubeconfigPath: path, kubeconfig: contents, context: wanted, config };
}

/**
 * The credentials in a kubeconfig (tokens, passwords, keys, certificates), so that output can
 * redact them wherever they appear.
 */
export function kubeconfigSecrets(cluster: ResolvedCluster): string[] {
  const out: string[] = [];
  for (const u of cluster.config.getUsers()) {
    for (const v of [u.token, u.password, u.keyData, u.certData]) {
      if (typeof v === "string" && v !== "") out.push(v);
    }
    const ap = u.authProvider as { config?: Record<string, unknown> } | undefined;
    for (const [k, v] of Object.entries(ap?.config ?? {}))
      if (typeof v === "string" && /token|secret|password/i.test(k) && v !== "") out.push(v);
  }
  return out;
}

/** `DeployError` for a cluster that cannot be reached, naming the context and server. */
export function unreachable(cluster: ResolvedCluster, reason: string): DeployError {
  return new DeployError(
    `cannot reach the cluster of context "${cluster.context}" (${cluster.config.getCurrentCluster()?.server ?? "no server"}): ${reason}`,
    `check that the cluster is running and that kubeconfig ${cluster.kubeconfigPath} is current`,
  );
}
