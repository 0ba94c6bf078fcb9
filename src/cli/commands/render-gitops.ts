import { isAbsolute, posix, resolve } from "node:path";
import { ManifestError, UsageError } from "../../errors.js";
import { readBundle } from "../../deploy/gateway-api-bundle.js";
import { type Destination, exportGitops, type GitopsCluster } from "../../gitops/index.js";
import { planIstio } from "../../istio/plan.js";
import { readCaFacts } from "../../manifest/ca.js";
import { validateMeshSet } from "../../manifest/mesh-set.js";
import { renderDiagnostics } from "../../output/diagnostics.js";
import { escapeControl } from "../../output/escape.js";
import { writeGitopsDir } from "../../output/gitops-dir.js";
import { gitopsTexts } from "../../output/gitops-files.js";
import type { CommandContext } from "../io.js";
import { loadForCommand, summarize } from "../load-input.js";

/** `render --format argocd|flux` flags. */
export interface GitopsFlags {
  file: string[];
  set?: string[];
  format: "argocd" | "flux";
  outputDir?: string;
  repoUrl?: string;
  path?: string;
  project?: string;
  destination?: string[];
}

const SAFE_NAME = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/;

/** Refuses the export's flags on a plain `render`, where they would be silently ignored. */
export function refuseGitopsFlagsWithoutFormat(flags: Omit<GitopsFlags, "file" | "format">): void {
  const given = (
    [
      ["--repo-url", flags.repoUrl],
      ["--path", flags.path],
      ["--project", flags.project],
      ["--destination", flags.destination],
    ] as const
  ).filter(([, v]) => v !== undefined);
  if (given.length > 0)
    throw new UsageError(
      `${given.map(([f]) => f).join(", ")} only apply with --format argocd or flux`,
      "add --format argocd or --format flux",
    );
}

/**
 * `planton render --format argocd|flux --output-dir DIR`: the GitOps export of one manifest, or
 * of several making one mesh (one folder per cluster). Everything is checked and rendered before
 * the first file is written.
 */
export async function renderGitops(flags: GitopsFlags, ctx: CommandContext): Promise<void> {
  if (flags.outputDir === undefined)
    throw new UsageError(`--format ${flags.format} needs --output-dir`, "e.g. --output-dir gitops/istio");
  if (flags.file.length > 1 && flags.file.includes("-"))
    throw new UsageError("-f - (standard input) cannot be combined with other manifests", "give file paths");
  const clusters = loadClusters(flags, ctx);
  const files = exportGitops(clusters, {
    format: flags.format,
    ...(flags.repoUrl === undefined ? {} : { repoUrl: flags.repoUrl }),
    path: repoPath(flags.path, flags.outputDir),
    project: flags.project ?? "default",
  });
  const { texts, secretIn } = gitopsTexts(files);
  if (secretIn !== undefined)
    throw new UsageError(
      `${escapeControl(secretIn)} would hold something shaped like a secret (a key, token or password); nothing was written`,
      "keep secrets out of the manifest's values: provide them through a secret store the cluster reads",
    );
  const { removed } = writeGitopsDir(resolve(ctx.io.cwd, flags.outputDir), flags.outputDir, texts);
  const dir = escapeControl(flags.outputDir);
  ctx.io.stderr(`wrote ${texts.size} ${flags.format === "argocd" ? "Argo CD" : "Flux"} files to ${dir}\n`);
  if (removed.length > 0)
    ctx.io.stderr(
      `removed ${removed.length} stale files: ${removed.map((f) => escapeControl(f)).join(", ")}\n`,
    );
}

/** The output directory's path inside the Git repository: `--path`, else `--output-dir` if relative. */
function repoPath(path: string | undefined, outputDir: string): string {
  const p = path ?? outputDir;
  if (isAbsolute(p))
    throw new UsageError(
      `${path === undefined ? "--output-dir" : "--path"} ${escapeControl(p)} is absolute; the GitOps tool needs the path inside the Git repository`,
      "give --path, e.g. --path clusters/prod/istio",
    );
  const n = posix.normalize(p.replace(/\\/g, "/")).replace(/\/+$/, "");
  if (n === ".." || n.startsWith("../"))
    throw new UsageError(
      `--path ${escapeControl(p)} leaves the repository`,
      "give the path from the repository's root",
    );
  return n === "" ? "." : n;
}

/** Loads every manifest (all diagnostics before any exit), checks they make one mesh, plans each. */
function loadClusters(flags: GitopsFlags, ctx: CommandContext): GitopsCluster[] {
  const loaded: (ReturnType<typeof loadForCommand> & { file: string })[] = [];
  const failed: string[] = [];
  for (const file of flags.file) {
    try {
      loaded.push({ ...loadForCommand({ file, set: flags.set ?? [] }, ctx), file });
    } catch (err) {
      if (!(err instanceof ManifestError)) throw err;
      failed.push(err.message);
    }
  }
  if (failed.length > 0) throw new ManifestError(failed.join("; "));
  const withCa = loaded.map((l) => ({ ...l, ca: readCaFacts(l.manifest) }));
  if (loaded.length > 1) {
    const diagnostics = validateMeshSet(withCa);
    if (diagnostics.length > 0) ctx.io.stderr(renderDiagnostics(diagnostics, ctx.err));
    if (diagnostics.some((d) => d.severity === "error")) throw new ManifestError(summarize(diagnostics));
  }
  const several = loaded.length > 1;
  const destinations = parseDestinations(flags.destination ?? [], flags.format, several);
  const folders = new Set<string>();
  return withCa.map((l) => {
    const plan = planIstio(l.manifest, { ca: l.ca });
    const cluster = plan.mesh.multiCluster?.clusterName || l.manifest.metadata.name;
    const folder = several ? cluster.toLowerCase().replace(/[_.]/g, "-") : "";
    if (several && (!SAFE_NAME.test(folder) || folders.has(folder)))
      throw new UsageError(
        `cluster ${escapeControl(cluster)} (${escapeControl(l.file)}) needs a folder name of its own`,
        "give each manifest its own spec.multiCluster.clusterName",
      );
    folders.add(folder);
    const destination =
      destinations.get(cluster) ??
      destinations.get("") ??
      (several && flags.format === "argocd" ? ({ kind: "name", name: cluster } as const) : undefined);
    return {
      plan,
      file: l.file,
      folder,
      ...(destination === undefined ? {} : { destination }),
      ...(plan.gatewayApi === undefined ? {} : { gatewayApiCrds: readBundle(plan.gatewayApi) }),
    };
  });
}

/**
 * `--destination [CLUSTER=]DEST`: for Argo CD a cluster URL (server) or name; for Flux the Secret
 * holding the cluster's kubeconfig. Without CLUSTER= it applies to the only manifest.
 */
function parseDestinations(
  values: string[],
  format: "argocd" | "flux",
  several: boolean,
): Map<string, Destination> {
  const out = new Map<string, Destination>();
  for (const v of values) {
    const eq = v.indexOf("=");
    const cluster = eq > 0 && !v.slice(0, eq).includes("://") ? v.slice(0, eq) : "";
    const dest = cluster === "" ? v : v.slice(eq + 1);
    if (cluster === "" && several)
      throw new UsageError(
        "with several -f, each --destination names its cluster",
        "e.g. --destination east=https://east.example.com:6443",
      );
    if (dest === "")
      throw new UsageError(
        `--destination ${escapeControl(v)}: no destination given`,
        "e.g. --destination in-cluster",
      );
    const url = dest.includes("://");
    if (url && format === "flux")
      throw new UsageError(
        `--destination ${escapeControl(v)}: Flux reaches another cluster through a kubeconfig Secret, not a URL`,
        "give the Secret's name (in the control plane's namespace)",
      );
    if (url && /^[^:]*:\/\/[^/?#]*@|\?/.test(dest))
      throw new UsageError(
        `--destination: the URL holds credentials or a query`,
        "register the cluster's credentials in Argo CD instead",
      );
    out.set(cluster, url ? { kind: "server", server: dest } : { kind: "name", name: dest });
  }
  return out;
}
