import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { JsonObject } from "../../convert/source.js";
import { readLiveMesh, refusalError } from "../../deploy/adopt/index.js";
import { renderWrittenManifest, writeManifest } from "../../deploy/adopt/write-manifest.js";
import { resolveTarget } from "../../deploy/targets.js";
import { DeployError, UsageError } from "../../errors.js";
import { planIstio } from "../../istio/plan.js";
import { renderChangeSummary } from "../../output/results.js";
import { renderPlanned } from "../../output/stack-fields.js";
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
  stack?: string;
  backend?: string;
  yes?: boolean;
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * `planton adopt`: with --write-manifest, reads the live mesh (reads only) and writes the
 * manifest that reproduces it; with -f alone, adopts the mesh into that manifest's stack through
 * the front door (shows what it does, asks once, then hands over, imports and updates).
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
  if (flags.file !== undefined && flags.writeManifest === undefined)
    return adoptIntoStack(flags.file, flags, ctx);
  const loaded =
    flags.file === undefined ? undefined : loadForCommand({ file: flags.file, set: flags.set ?? [] }, ctx);
  const cluster = resolveTarget(loaded?.manifest.spec.targetCluster, flags, ctx.io, (s) =>
    ctx.secret(s, "kubeconfig credential"),
  );
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
}

/** `adopt -f FILE`: the adopt verb on the manifest's stack; the result on standard output. */
async function adoptIntoStack(file: string, flags: AdoptFlags, ctx: CommandContext): Promise<void> {
  const { runCluster, settle } = await import("../stacks.js");
  const outcomes = await runCluster(
    {
      file: [file],
      set: flags.set ?? [],
      stack: flags.stack,
      backend: flags.backend,
      context: flags.context,
      kubeconfig: flags.kubeconfig,
      yes: flags.yes === true,
    },
    ctx,
    { verb: "adopt", options: {} },
    // how the manifest differs from the live releases, shown before the question
    (write) => (p) => write(renderPlanned(p, ctx.err)),
  );
  settle(outcomes, () => {
    for (const o of outcomes)
      if (o.ok) {
        ctx.io.stdout(
          `adopted into stack ${escapeControl(o.result.stack)}: ${o.result.adoption.imports.length} resources imported, ${o.result.adoption.ownership.length} objects handed to Helm; the update after it: ${renderChangeSummary(o.result.summary, "done")}\n`,
        );
      }
  });
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
