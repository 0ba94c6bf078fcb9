import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { kubeconfigSecrets, resolveCluster } from "../../cluster/kubeconfig.js";
import type { JsonObject } from "../../convert/source.js";
import type { AdoptionPlan } from "../../deploy/adopt/adoption-plan.js";
import { liveReleaseChanges, planAdoption, readLiveMesh, refusalError } from "../../deploy/adopt/index.js";
import { renderWrittenManifest, writeManifest } from "../../deploy/adopt/write-manifest.js";
import { DeployError, UsageError } from "../../errors.js";
import { planIstio } from "../../istio/plan.js";
import { renderReleaseChanges } from "../../output/results.js";
import { escapeControl } from "../../output/redact.js";
import type { CommandContext } from "../io.js";
import { loadForCommand } from "../load-input.js";

export interface AdoptFlags {
  file?: string;
  set?: string[];
  writeManifest?: string;
  name?: string;
  context?: string;
  kubeconfig?: string;
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The adoption plan as lines: imports, ownership changes, conflicts, objects left alone. */
function describePlan(p: AdoptionPlan): string {
  const lines = [`imports into the stack (${p.imports.length}):`];
  for (const i of p.imports) lines.push(`  ${i.type} ${i.name} (id ${i.id})`);
  if (p.ownership.length > 0) {
    lines.push(`handed to Helm releases (ownership metadata written first) (${p.ownership.length}):`);
    for (const o of p.ownership)
      lines.push(
        `  ${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name} → release ${o.releaseNamespace}/${o.release}`,
      );
  }
  for (const c of p.conflicts)
    lines.push(
      `conflict: ${c.object}: ${c.field} cannot change in place; choices:`,
      ...c.choices.map((x) => `  - ${x}`),
    );
  for (const u of p.unclaimed) lines.push(`left alone (no release of the manifest takes it): ${u}`);
  return `${lines.map((l) => escapeControl(l)).join("\n")}\n`;
}

/**
 * `planton adopt`: reads the live mesh (reads only) and, with --write-manifest, writes the
 * manifest that reproduces it; with -f alone, shows what adoption into that manifest's stack
 * would do. Taking the mesh into the stack is not wired to the engine yet (exit 1, nothing changed).
 */
export async function adopt(flags: AdoptFlags, ctx: CommandContext): Promise<void> {
  if (flags.file === undefined && flags.writeManifest === undefined)
    throw new UsageError(
      "adopt needs -f FILE, --write-manifest PATH, or both",
      "e.g. planton adopt --write-manifest istio.yaml",
    );
  if (flags.name !== undefined && !dnsLabel.test(flags.name))
    throw new UsageError(
      `--name ${JSON.stringify(escapeControl(flags.name))} is not a DNS-1123 label`,
      "e.g. --name production-mesh",
    );
  const loaded =
    flags.file === undefined ? undefined : loadForCommand({ file: flags.file, set: flags.set ?? [] }, ctx);
  const target = loaded?.manifest.spec.targetCluster;
  const cluster = resolveCluster(
    {
      kubeconfigFlag: flags.kubeconfig,
      contextFlag: flags.context,
      manifestKubeconfig: target?.kubeconfig ?? "",
      manifestContext: target?.context ?? "",
      manifestClusterName: target?.clusterName ?? "",
      cwd: ctx.io.cwd,
    },
    ctx.io.env,
  );
  for (const s of kubeconfigSecrets(cluster)) ctx.secret(s, "kubeconfig credential");
  const plan = loaded === undefined ? undefined : planIstio(loaded.manifest);
  const reading = await readLiveMesh(cluster, plan);
  if (reading.refusals.length > 0) throw refusalError(reading.refusals);

  if (flags.writeManifest !== undefined) {
    const name = flags.name ?? loaded?.manifest.metadata.name ?? "adopted-mesh";
    const written = writeManifest(reading.mesh, name);
    startFrom(written.manifest, loaded?.manifest.spec.targetCluster, flags);
    const path = resolve(ctx.io.cwd, flags.writeManifest);
    try {
      writeFileSync(path, renderWrittenManifest(written, `the live mesh of context ${cluster.context}`));
    } catch (err) {
      throw new DeployError(
        `cannot write ${escapeControl(path)}: ${(err as Error).message}`,
        "pass a writable path to --write-manifest",
      );
    }
    const dropped = written.notes.filter((n) => n.kind === "dropped").length;
    const changed = written.notes.length - dropped;
    ctx.io.stderr(
      `wrote ${escapeControl(path)}: ${reading.mesh.releases.length} Helm releases${reading.mesh.istioctl.length > 0 ? `, ${reading.mesh.istioctl.length} istioctl components` : ""}; ${dropped} not carried over, ${changed} planton would change (its header lists them)\n`,
    );
    return;
  }
  if (plan === undefined) return;
  ctx.io.stdout(describePlan(planAdoption(reading, plan)));
  ctx.io.stdout(renderReleaseChanges(liveReleaseChanges(reading, plan), ctx.out));
  throw new DeployError(
    "taking a live mesh into a stack is not available yet: nothing was changed",
    "the lines above are what adoption would do; planton adopt --write-manifest writes the manifest that reproduces the mesh",
  );
}

/**
 * With -f as the starting point, the written manifest keeps its target cluster (the kubeconfig
 * as -f wrote it; --kubeconfig is this machine's path and is not written); --context is kept.
 */
function startFrom(
  manifest: JsonObject,
  target: { kubeconfig: string; context: string } | undefined,
  flags: AdoptFlags,
): void {
  const spec = manifest.spec as JsonObject;
  const kubeconfig = target?.kubeconfig ?? "";
  const context = flags.context ?? target?.context ?? "";
  const cluster: JsonObject = {};
  if (kubeconfig !== "") cluster.kubeconfig = kubeconfig;
  if (context !== "") cluster.context = context;
  if (Object.keys(cluster).length > 0) manifest.spec = { targetCluster: cluster, ...spec };
}
