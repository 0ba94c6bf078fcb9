import { readCaFacts } from "../../manifest/ca.js";
import { meshSetWaves, validateMeshSet } from "../../manifest/mesh-set.js";
import { ManifestError, UsageError } from "../../errors.js";
import { createRequest, type DeployRequest } from "../../deploy/request.js";
import { renderDiagnostics } from "../../output/diagnostics.js";
import type { CaFacts } from "../../istio/types.js";
import type { CommandContext } from "../io.js";
import { loadForCommand, summarize } from "../load-input.js";
import { type ClusterFlags, deployIo } from "./cluster-command.js";

/** One manifest of a mesh given as several `-f`: its stack, with its own labelled output. */
export interface Member {
  file: string;
  /** `stack east` — prefixes every line it writes. */
  label: string;
  req: DeployRequest;
  /** Index of its wave: waves run in order, a wave's members side by side. */
  wave: number;
}

/** Flags of a command given several manifests. */
export type MeshFlags = Omit<ClusterFlags, "file"> & { file: string[] };

/**
 * Loads every manifest (all their diagnostics printed before any exit), validates them as one
 * mesh, orders them (a primary before its remotes) and resolves each one's stack and cluster,
 * all before anything touches a cluster. `--stack`, `--context` and `--kubeconfig` name one
 * stack or cluster, so they are refused here: each manifest names its own.
 */
export function loadMeshSet(
  flags: MeshFlags,
  ctx: CommandContext,
  confirm: (member: number, question: string) => Promise<boolean>,
  options: { lenientRemotes?: boolean } = {},
): { members: Member[]; finish: () => void } {
  for (const [flag, value] of [
    ["--stack", flags.stack],
    ["--context", flags.context],
    ["--kubeconfig", flags.kubeconfig],
  ] as const)
    if (value !== undefined)
      throw new UsageError(
        `${flag} names one stack or cluster and cannot be used with several -f`,
        "set metadata.name and spec.targetCluster in each manifest instead",
      );
  if (flags.file.includes("-"))
    throw new UsageError("-f - (standard input) cannot be combined with other manifests", "give file paths");
  const loaded: (ReturnType<typeof loadForCommand> & { ca: CaFacts | undefined })[] = [];
  const failed: string[] = [];
  for (const file of flags.file) {
    try {
      const l = loadForCommand({ file, set: flags.set ?? [] }, ctx);
      loaded.push({ ...l, ca: readCaFacts(l.manifest) });
    } catch (err) {
      if (!(err instanceof ManifestError)) throw err;
      failed.push(err.message);
    }
  }
  if (failed.length > 0) throw new ManifestError(failed.join("; "));
  const diagnostics = validateMeshSet(loaded);
  if (diagnostics.length > 0) {
    ctx.io.stderr(renderDiagnostics(diagnostics, ctx.err));
    if (diagnostics.some((d) => d.severity === "error")) throw new ManifestError(summarize(diagnostics));
  }
  const waves = meshSetWaves(loaded);
  const stops: (() => void)[] = [];
  const members = loaded.map((l, i): Member => {
    const label = `stack ${l.manifest.metadata.name}`;
    const { io, stopProgress } = deployIo(ctx, { yes: flags.yes }, { label });
    stops.push(stopProgress);
    const req = createRequest(
      l.manifest,
      { backend: flags.backend, lockTimeout: flags.lockTimeout },
      {
        env: ctx.io.env,
        cwd: ctx.io.cwd,
        io: { ...io, confirm: (q) => confirm(i, q) },
        signal: ctx.signal,
        planInputs: { ca: l.ca },
        ...(options.lenientRemotes ? { lenientRemotes: true } : {}),
      },
    );
    return { file: l.file, label, req, wave: waves[i] ?? 0 };
  });
  return {
    members,
    finish: () => {
      for (const stop of stops) stop();
    },
  };
}
