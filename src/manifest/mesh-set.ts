import { type Diagnostic, diagnostic, sortDiagnostics } from "./diagnostic.js";
import { locatePath } from "./locate.js";
import {
  checkClusterNames,
  checkClustersRead,
  checkMeshId,
  checkNetworks,
  checkPrimaries,
  checkRemotesKnown,
  checkStackNames,
  clusterOf,
  isRemote,
  type MeshSetContext,
  type MeshSetItem,
  type Report,
} from "./mesh-set-checks.js";
import { checkTrustRoot } from "./mesh-set-trust.js";

export type { MeshSetItem } from "./mesh-set-checks.js";

/**
 * Several manifests given together (`planton apply -f east.yaml -f west.yaml`) make one mesh:
 * checks across them, each a diagnostic at the offending key of the file to change, and the
 * order in which their clusters are changed.
 */

/**
 * The order of the checks: the cluster names come before the checks that look clusters up by
 * name (they fill the context's `clusters`).
 */
const checks: ((ctx: MeshSetContext) => void)[] = [
  checkStackNames,
  checkMeshId,
  checkClusterNames,
  checkTrustRoot,
  checkRemotesKnown,
  checkPrimaries,
  checkNetworks,
  checkClustersRead,
];

/**
 * Checks that the manifests make one mesh: the same `meshId`; distinct cluster names (required);
 * distinct `metadata.name`s (each is a stack); one trust root among the primaries (a plug-in CA,
 * the same root in each: two self-signed istiods would sign with two roots); every remote and
 * primary named in a `multiCluster` block is one of the manifests, a primary names its remote
 * clusters among its `remotes`, and a primary serving remote clusters exposes its istiod; and
 * when networks differ, each cluster has an east-west gateway exposing its services. Reads the
 * plug-in CA's certificate files for items without `ca`, nothing else. One manifest: no checks.
 */
export function validateMeshSet(items: MeshSetItem[]): Diagnostic[] {
  if (items.length < 2) return [];
  const out: Diagnostic[] = [];
  const report: Report = (item, path, code, message, hint, severity = "error") => {
    const where = locatePath(item.source.index, path);
    out.push(diagnostic(item.source.position(where.offset), where.display, code, message, hint, severity));
  };
  const ctx: MeshSetContext = { items, report, clusters: new Map(), spellings: new Map() };
  for (const check of checks) check(ctx);
  return sortDiagnostics(out);
}

/**
 * The wave of each manifest, by index: remote-profile clusters whose primary is in the set after
 * it (wave 1), everyone else first (wave 0). `remotes` links never order (two primaries read each
 * other); apply runs waves forward, destroy backward.
 */
export function meshSetWaves(items: Pick<MeshSetItem, "manifest">[]): number[] {
  const primaries = new Set(items.filter((i) => !isRemote(i.manifest)).map((i) => clusterOf(i.manifest)));
  return items.map((i) => {
    const p = i.manifest.spec.multiCluster?.primary?.clusterName ?? "";
    return isRemote(i.manifest) && p !== "" && primaries.has(p) ? 1 : 0;
  });
}

/** The set's files in waves (see `meshSetWaves`): `[[primaries…], [remotes…]]`, without empty waves. */
export function orderMeshSet(items: Pick<MeshSetItem, "file" | "manifest">[]): string[][] {
  const waves = meshSetWaves(items);
  const out: string[][] = [];
  for (const w of [0, 1]) {
    const files = items.filter((_, i) => waves[i] === w).map((i) => i.file);
    if (files.length > 0) out.push(files);
  }
  return out;
}
