import type { EngineEvent, PulumiFn } from "@pulumi/pulumi/automation/index.js";
import type { KubernetesIstioValid } from "../../gen/planton/kubernetes/istio/v1/api_pb.js";
import { kubeconfigSecrets, type ResolvedCluster, resolveCluster } from "../cluster/kubeconfig.js";
import type { PlanInputs } from "../istio/ca.js";
import { planIstio } from "../istio/plan.js";
import type { InstallPlan } from "../istio/types.js";
import { type EngineSettings, resolveEngineSettings, settingsSecrets } from "../pulumi/settings.js";
import type { RemoteTarget } from "../pulumi/remotes.js";
import type { EngineSession } from "../pulumi/workspace.js";
import { timed } from "../timings.js";
import { readStateEarly, takePrefetchedState } from "./early-state.js";
import { type RemoteProblem, resolveRemotes, resolveRemotesLeniently } from "./remotes.js";

/** How a deploy verb talks to the person or script running it; the CLI provides it. */
export interface DeployIo {
  /** One line of progress or information (standard error). */
  info(line: string): void;
  /** One warning line. */
  warn(line: string): void;
  /** Engine events, for live progress. */
  onEvent?(event: EngineEvent): void;
  /** The engine's raw output (shown with -v). */
  onEngineOutput?(text: string): void;
  /** Asks before a change; resolves false when the person says no. */
  confirm(question: string): Promise<boolean>;
  /** A value that must never be printed (passphrase, token, key), and what it is. */
  secret(value: string, what?: string): void;
}

/** What every cluster verb needs, resolved once per command. */
export interface DeployRequest {
  manifest: KubernetesIstioValid;
  plan: InstallPlan;
  settings: EngineSettings;
  cluster: ResolvedCluster;
  /** The plan's remote clusters (`spec.multiCluster.remotes`), resolved like `cluster`. */
  remotes: RemoteTarget[];
  /** Remotes that could not be resolved (only with `lenientRemotes`, for destroy). */
  remoteProblems: RemoteProblem[];
  env: NodeJS.ProcessEnv;
  io: DeployIo;
  signal: AbortSignal;
}

/** Flags that pick the stack and the cluster. */
export interface Target {
  stack?: string | undefined;
  backend?: string | undefined;
  /** --lock-timeout in seconds. */
  lockTimeout?: number | undefined;
  context?: string | undefined;
  kubeconfig?: string | undefined;
}

/** The stack settings of a manifest and flags; their secrets are registered with `secret`. */
export function settingsFor(
  manifest: KubernetesIstioValid,
  target: Target,
  env: NodeJS.ProcessEnv,
  secret: (value: string, what?: string) => void,
): EngineSettings {
  const settings = resolveEngineSettings(
    {
      stack: target.stack,
      backend: target.backend,
      manifestName: manifest.metadata.name,
      lockTimeoutSeconds: target.lockTimeout,
    },
    env,
  );
  for (const s of settingsSecrets(settings)) secret(s.value, s.what);
  return settings;
}

/** The cluster of a manifest and flags; the kubeconfig's credentials are registered with `secret`. */
export function clusterFor(
  manifest: KubernetesIstioValid,
  target: Target,
  ctx: { env: NodeJS.ProcessEnv; cwd: string },
  secret: (value: string) => void,
): ResolvedCluster {
  const tc = manifest.spec.targetCluster;
  const cluster = resolveCluster(
    {
      kubeconfigFlag: target.kubeconfig,
      contextFlag: target.context,
      manifestKubeconfig: tc?.kubeconfig ?? "",
      manifestContext: tc?.context ?? "",
      manifestClusterName: tc?.clusterName ?? "",
      cwd: ctx.cwd,
    },
    ctx.env,
  );
  for (const s of kubeconfigSecrets(cluster)) secret(s);
  return cluster;
}

/** Resolves the stack settings and the cluster once, and plans the manifest. */
export function createRequest(
  manifest: KubernetesIstioValid,
  target: Target,
  ctx: {
    env: NodeJS.ProcessEnv;
    cwd: string;
    io: DeployIo;
    signal: AbortSignal;
    planInputs?: PlanInputs;
    /** destroy: a remote whose kubeconfig or context is gone is a problem to report, not an error. */
    lenientRemotes?: boolean;
  },
): DeployRequest {
  const settings = settingsFor(manifest, target, ctx.env, ctx.io.secret);
  const cluster = clusterFor(manifest, target, ctx, ctx.io.secret);
  const plan = planIstio(manifest, ctx.planInputs);
  return {
    manifest,
    plan,
    settings,
    cluster,
    ...(ctx.lenientRemotes
      ? (({ resolved, problems }) => ({ remotes: resolved, remoteProblems: problems }))(
          resolveRemotesLeniently(plan.remotes, ctx.env, ctx.io.secret),
        )
      : { remotes: resolveRemotes(plan.remotes, ctx.env, ctx.io.secret), remoteProblems: [] }),
    env: ctx.env,
    io: ctx.io,
    signal: ctx.signal,
  };
}

/** Opens the engine session of a request; `use` runs with it and the folder is always removed. */
export async function withSession<T>(
  req: Pick<DeployRequest, "settings" | "env" | "io" | "signal">,
  use: (s: EngineSession) => Promise<T>,
): Promise<T> {
  // the state is read (one `pulumi stack export`, no SDK) while the Pulumi SDK loads and the
  // session opens: each takes ~0.4-0.7 s, and every command reads the state first
  const early = takePrefetchedState(req.settings) ?? readStateEarly(req.settings, req.env, req.signal);
  let session: EngineSession;
  try {
    // loaded here, not at the top: the Pulumi SDK costs ~0.7 s to load, and `status` never needs it
    const { EngineSession: Session } = await timed("load engine", () => import("../pulumi/workspace.js"));
    session = await timed("engine session", () =>
      Session.open({
        settings: req.settings,
        env: req.env,
        notify: req.io.info,
        signal: req.signal,
        ...(req.io.onEngineOutput ? { onOutput: req.io.onEngineOutput } : {}),
      }),
    );
  } catch (err) {
    await early; // its CLI process and folder are gone before the command ends
    throw err;
  }
  session.useEarlyState(early);
  try {
    return await use(session);
  } finally {
    await early; // a command that never read the state still waits for its CLI process
    session.close();
  }
}

/**
 * The request's inline Pulumi program, bound to its cluster and remote clusters (every release's
 * timeout overridden by `timeoutSeconds`). The program module, and with it the Pulumi SDK, is
 * loaded here, when a command needs it, so that the state read can run while it loads.
 */
export async function istioProgram(
  req: Pick<DeployRequest, "plan" | "cluster" | "remotes" | "io" | "signal">,
  options: { timeoutSeconds?: number | undefined } = {},
): Promise<PulumiFn> {
  const { createIstioProgram } = await import("../pulumi/program.js");
  return createIstioProgram(
    req.plan,
    {
      ...req.cluster,
      remotes: req.remotes,
      secret: (v) => req.io.secret(v, "a remote reader's token"),
      admitted: async (manifest) => {
        const { waitUntilAdmitted } = await import("../cluster/admission.js");
        await waitUntilAdmitted(req.cluster, manifest, { timeoutMs: 120_000, signal: req.signal });
      },
    },
    options.timeoutSeconds === undefined ? {} : { timeoutSeconds: options.timeoutSeconds },
  );
}
