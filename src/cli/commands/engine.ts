import { createInterface } from "node:readline/promises";
import { ChangesFoundError, DeployError, UsageError } from "../../errors.js";
import { planIstio } from "../../istio/plan.js";
import type { InstallPlan } from "../../istio/types.js";
import { checkVersionSkew, diffReleases } from "../../istio/upgrade.js";
import {
  hasChanges,
  renderChangeSummary,
  renderOutputs,
  renderReleaseChanges,
  renderSkew,
} from "../../output/engine.js";
import { createProgress } from "../../output/progress.js";
import {
  cleanupLeftovers,
  gatewayAddresses,
  precheck,
  repairInterruptedReleases,
  type ResolvedCluster,
  resolveCluster,
  waitForDeployments,
} from "../../pulumi/kube.js";
import type { StackOutputs } from "../../pulumi/program.js";
import {
  type EngineContext,
  engineOptions,
  getPulumiCommand,
  interruptedReleases,
  openStack,
  readRecordedOutputs,
  redact,
  runEngine,
  unlockStack,
} from "../../pulumi/runner.js";
import { resolveEngineSettings } from "../../pulumi/settings.js";
import type { CommandContext } from "../io.js";
import { loadForCommand, type ManifestInput } from "../load-input.js";

/** Flags of the commands that run the engine. */
export interface EngineFlags extends ManifestInput {
  context?: string;
  kubeconfig?: string;
  stack?: string;
  backend?: string;
  json?: boolean;
  yes?: boolean;
  refresh?: boolean;
  expectNoChanges?: boolean;
  purgeCrds?: boolean;
  force?: boolean;
  timeout?: string;
  output?: "text" | "json";
}

interface Prepared {
  plan: InstallPlan;
  engine: EngineContext;
  cluster: ResolvedCluster;
  release: () => void;
}

/**
 * Loads and plans the manifest, resolves state settings, finds the Pulumi CLI (first, so a
 * machine without it fails fast with how to install it), resolves the cluster, and turns the
 * first Ctrl-C into a clean cancellation of the engine (a second one exits at once).
 */
async function prepare(o: EngineFlags, ctx: CommandContext): Promise<Prepared> {
  const loaded = loadForCommand(o, ctx);
  const plan = planIstio(loaded.manifest);
  const settings = resolveEngineSettings(
    { stack: o.stack, backend: o.backend, manifestName: loaded.manifest.metadata.name },
    ctx.io.env,
  );
  const abort = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    ctx.io.stderr(
      "\ncancelling: waiting for the engine to stop cleanly and release the lock (Ctrl-C again to quit at once)…\n",
    );
    abort.abort();
  };
  process.on("SIGINT", onSigint);
  const engine: EngineContext = {
    settings,
    env: ctx.io.env,
    notify: (m) => ctx.io.stderr(`${m}\n`),
    signal: abort.signal,
    ...(ctx.global.verbose ? { onOutput: (t: string) => ctx.io.stderr(redact(t, settings)) } : {}),
  };
  await getPulumiCommand(ctx.io.env, engine.notify);
  const tc = loaded.manifest.spec.targetCluster;
  const cluster = resolveCluster(
    {
      kubeconfigFlag: o.kubeconfig,
      contextFlag: o.context,
      manifestKubeconfig: tc?.kubeconfig ?? "",
      manifestContext: tc?.context ?? "",
      manifestClusterName: tc?.clusterName ?? "",
    },
    ctx.io.env,
  );
  return { plan, engine, cluster, release: () => process.off("SIGINT", onSigint) };
}

/** Live progress on a terminal, plain lines elsewhere, engine text redacted. */
function progressFor(p: Prepared, ctx: CommandContext) {
  return createProgress({
    live: ctx.io.stderrIsTTY && !ctx.global.nonInteractive,
    write: ctx.io.stderr,
    style: ctx.err,
    verbose: ctx.global.verbose,
    redact: (s) => redact(s, p.engine.settings),
  });
}

function refuseSkew(plan: InstallPlan, recorded: StackOutputs | undefined): void {
  const problems = checkVersionSkew(plan, recorded?.releases ?? {});
  if (problems.length > 0)
    throw new DeployError(`refusing to change Istio in place: ${renderSkew(problems)}`, problems[0]?.hint);
}

async function confirm(question: string, o: EngineFlags, ctx: CommandContext): Promise<void> {
  if (o.yes) return;
  if (ctx.global.nonInteractive) {
    throw new UsageError(
      "refusing to change the cluster without confirmation: there is no terminal to ask on",
      "rerun with --yes once the preview looks right",
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
    if (answer !== "y" && answer !== "yes") throw new UsageError("cancelled: nothing was changed");
  } finally {
    rl.close();
  }
}

async function previewChanges(p: Prepared, o: EngineFlags, recorded: StackOutputs | undefined) {
  const timeout = o.timeout === undefined ? undefined : Number(o.timeout);
  const stack = await openStack(p.engine, p.plan, p.cluster, timeout);
  const result = await runEngine(p.engine, () =>
    stack.preview({ ...engineOptions(p.engine), refresh: o.refresh === true }),
  );
  const changes = diffReleases(p.plan, recorded?.releases ?? {});
  return { stack, summary: result.changeSummary as Record<string, number>, changes };
}

/** `planton preview`: what apply would change, per release and in Pulumi's summary. Never prompts. */
export async function preview(o: EngineFlags, ctx: CommandContext): Promise<void> {
  const p = await prepare(o, ctx);
  try {
    const recorded = await readRecordedOutputs(p.engine);
    refuseSkew(p.plan, recorded);
    const check = await precheck(p.cluster, p.plan, Object.keys(recorded?.releases ?? {}));
    for (const f of check.foreignControlPlanes)
      ctx.io.stderr(
        `${ctx.err.yellow("warning:")} an Istio control plane this stack does not manage is installed: ${f}; apply will refuse to run\n`,
      );
    const { summary, changes } = await previewChanges(p, o, recorded);
    const changed = hasChanges(summary);
    if (o.json) {
      ctx.io.stdout(
        `${JSON.stringify({ operation: "preview", stack: p.engine.settings.stack, context: p.cluster.context, changes, summary, hasChanges: changed }, null, 2)}\n`,
      );
    } else {
      ctx.io.stdout(renderReleaseChanges(changes, ctx.out));
      ctx.io.stdout(`Resources: ${renderChangeSummary(summary, "plan")}\n`);
    }
    if (o.expectNoChanges && changed)
      throw new ChangesFoundError(
        `stack ${p.engine.settings.stack} would change: ${renderChangeSummary(summary, "plan")}`,
      );
  } finally {
    p.release();
  }
}

/** `planton apply`: preview, confirm, apply with progress, wait for gateways, then a summary. */
export async function apply(o: EngineFlags, ctx: CommandContext): Promise<void> {
  const started = Date.now();
  const p = await prepare(o, ctx);
  try {
    const recorded = await readRecordedOutputs(p.engine);
    refuseSkew(p.plan, recorded);
    const check = await precheck(p.cluster, p.plan, Object.keys(recorded?.releases ?? {}));
    if (check.foreignControlPlanes.length > 0) {
      throw new DeployError(
        `an Istio control plane this stack does not manage is already installed: ${check.foreignControlPlanes.join(", ")}`,
        "remove it first, or manage this mesh with the tool that installed it; planton will not overwrite it",
      );
    }
    const { stack, summary, changes } = await previewChanges(p, o, recorded);
    ctx.io.stderr(renderReleaseChanges(changes, ctx.err));
    if (!hasChanges(summary)) {
      ctx.io.stderr(`No changes: stack ${p.engine.settings.stack} matches the manifest.\n`);
    } else {
      ctx.io.stderr(`Resources: ${renderChangeSummary(summary, "plan")}\n`);
      await confirm(
        `Apply these changes to context "${p.cluster.context}" (Kubernetes ${check.kubernetesVersion})?`,
        o,
        ctx,
      );
      // a killed earlier run may have left Helm releases half-installed or mid-upgrade
      const interrupted = await runEngine(p.engine, () => interruptedReleases(stack));
      for (const line of await repairInterruptedReleases(p.cluster, interrupted))
        ctx.io.stderr(`repairing: ${line}\n`);
      const progress = progressFor(p, ctx);
      try {
        await runEngine(p.engine, () =>
          stack.up({ ...engineOptions(p.engine), onEvent: progress.onEvent, refresh: o.refresh === true }),
        );
      } finally {
        progress.stop();
      }
    }
    const waitFor = p.plan.releases
      .filter((r) => r.component === "gateway" && !r.helmWait)
      .map((r) => ({ name: r.name, namespace: r.namespace }));
    const notReady = await waitForDeployments(p.cluster, waitFor, 600_000, (n) =>
      ctx.io.stderr(`waiting for gateway ${n} to become ready…\n`),
    );
    if (notReady.length > 0)
      throw new DeployError(
        `gateways not ready after 10 minutes: ${notReady.join(", ")}`,
        "check the pods with kubectl describe; rerun apply once fixed",
      );
    const outputs = (await readRecordedOutputs(p.engine)) as StackOutputs;
    const addresses = await gatewayAddresses(p.cluster, p.plan);
    for (const g of outputs.gateways) g.addresses = addresses[g.name] ?? [];
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (o.json) {
      ctx.io.stdout(
        `${JSON.stringify({ operation: "apply", stack: p.engine.settings.stack, changes, summary, durationSeconds: Number(seconds), outputs }, null, 2)}\n`,
      );
    } else {
      ctx.io.stderr(`${ctx.err.green("Applied")} in ${seconds}s: ${renderChangeSummary(summary, "done")}.\n`);
      ctx.io.stdout(renderOutputs(outputs, ctx.out));
    }
  } finally {
    p.release();
  }
}

/** `planton destroy`: removes the releases in reverse order, then istiod's leftovers (and CRDs with --purge-crds). */
export async function destroy(o: EngineFlags, ctx: CommandContext): Promise<void> {
  const started = Date.now();
  const p = await prepare(o, ctx);
  try {
    const recorded = await readRecordedOutputs(p.engine);
    const names = Object.keys(recorded?.releases ?? {}).reverse();
    ctx.io.stderr(
      names.length > 0
        ? `Will remove: ${names.join(", ")}${o.purgeCrds ? ", and Istio's CRDs with every Istio resource in the cluster" : ""}\n`
        : "The stack records no releases; removing what remains of it.\n",
    );
    await confirm(`Destroy stack ${p.engine.settings.stack} in context "${p.cluster.context}"?`, o, ctx);
    const stack = await openStack(p.engine, p.plan, p.cluster);
    const progress = progressFor(p, ctx);
    let summary: Record<string, number> = {};
    try {
      const r = await runEngine(p.engine, () =>
        stack.destroy({ ...engineOptions(p.engine), onEvent: progress.onEvent }),
      );
      summary = (r.summary.resourceChanges ?? {}) as Record<string, number>;
    } finally {
      progress.stop();
    }
    const removed = await cleanupLeftovers(p.cluster, p.plan, o.purgeCrds === true);
    await runEngine(p.engine, () => stack.workspace.removeStack(p.engine.settings.stack));
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (o.json) {
      ctx.io.stdout(
        `${JSON.stringify({ operation: "destroy", stack: p.engine.settings.stack, summary, cleanedUp: removed, durationSeconds: Number(seconds) }, null, 2)}\n`,
      );
    } else {
      ctx.io.stderr(
        `${ctx.err.green("Destroyed")} in ${seconds}s: ${renderChangeSummary(summary, "done")}; removed ${removed.length} leftover objects.${o.purgeCrds ? "" : " Istio's CRDs were kept (--purge-crds removes them)."}\n`,
      );
    }
  } finally {
    p.release();
  }
}

/** `planton refresh`: reconciles the state with the cluster and reports drift. */
export async function refresh(o: EngineFlags, ctx: CommandContext): Promise<void> {
  const p = await prepare(o, ctx);
  try {
    const stack = await openStack(p.engine, p.plan, p.cluster);
    const r = await runEngine(p.engine, () => stack.refresh({ ...engineOptions(p.engine) }));
    const summary = (r.summary.resourceChanges ?? {}) as Record<string, number>;
    const drift = Object.entries(summary).filter(([op, n]) => op !== "same" && n > 0);
    if (o.json)
      ctx.io.stdout(
        `${JSON.stringify({ operation: "refresh", stack: p.engine.settings.stack, summary, drift: drift.length > 0 }, null, 2)}\n`,
      );
    else
      ctx.io.stdout(
        drift.length > 0
          ? `Drift found and recorded: ${renderChangeSummary(summary, "done")}. Run planton apply to put the cluster back.\n`
          : "No drift: the cluster matches the state.\n",
      );
  } finally {
    p.release();
  }
}

/** `planton outputs`: the stack outputs, with gateway addresses read live when the cluster answers. */
export async function outputs(o: EngineFlags, ctx: CommandContext): Promise<void> {
  const loaded = loadForCommand(o, ctx);
  const settings = resolveEngineSettings(
    { stack: o.stack, backend: o.backend, manifestName: loaded.manifest.metadata.name },
    ctx.io.env,
  );
  const engine: EngineContext = { settings, env: ctx.io.env, notify: (m) => ctx.io.stderr(`${m}\n`) };
  const recorded = await readRecordedOutputs(engine);
  if (recorded === undefined)
    throw new DeployError(
      `stack ${settings.stack} has no outputs yet`,
      `run planton apply -f ${o.file} first`,
    );
  const { releases: _releases, ...shown } = recorded;
  ctx.io.stdout(
    o.output === "json" ? `${JSON.stringify(shown, null, 2)}\n` : renderOutputs(recorded, ctx.out),
  );
}

/** `planton unlock`: removes a stack lock left by a killed process. */
export async function unlock(o: EngineFlags, ctx: CommandContext): Promise<void> {
  const loaded = loadForCommand(o, ctx);
  const settings = resolveEngineSettings(
    { stack: o.stack, backend: o.backend, manifestName: loaded.manifest.metadata.name },
    ctx.io.env,
  );
  const done = await unlockStack(
    { settings, env: ctx.io.env, notify: (m) => ctx.io.stderr(`${m}\n`) },
    o.force === true,
  );
  ctx.io.stdout(done.length > 0 ? `${done.join("\n")}\n` : `stack ${settings.stack} was not locked\n`);
}
