import type { EngineEvent, PulumiFn } from "@pulumi/pulumi/automation/index.js";
import type { KubernetesIstioValid } from "../../gen/planton/kubernetes/istio/v1/api_pb.js";
import type { ResolvedCluster } from "../cluster/kubeconfig.js";
import type { CaFacts, InstallPlan } from "../istio/types.js";
import type { EngineSettings } from "../pulumi/settings.js";
import { type EarlyState, readStackState, startStateRead } from "../pulumi/state-read.js";
import type { EngineSession } from "../pulumi/workspace.js";
import type { PlannedChanges } from "./changes.js";
import type { PrecheckResult } from "./precheck/model.js";
import { timed } from "../timings.js";
import type { RemoteProblem, ResolvedRemote } from "./remotes.js";

/** How a deploy verb talks to the person or script running it; the CLI provides it. */
export interface DeployIo {
  /** One line of progress or information (standard error). */
  info(line: string): void;
  /** One warning line. */
  warn(line: string): void;
  /** Engine events, for live progress. */
  onEvent?(event: EngineEvent): void;
  /** What apply's preview found, told before the question. */
  planned?(p: PlannedChanges & { hasChanges: boolean }): void;
  /** What the precheck gate found (apply and preview), told before the question. */
  findings?(r: PrecheckResult): void;
  /**
   * Waits for this stack's turn to change its cluster when nobody is asked (apply --yes): after
   * every stack's gate passed, and after the stacks of the waves before it.
   */
  ready?(): Promise<void>;
  /**
   * A step that must precede every change of the mesh, the earlier waves' included: it runs
   * after the one answer (or, with --yes, once every gate passed), before any stack's turn.
   * Absent, or ignored, for a stack no other stack changes before.
   */
  beforeAnyChange?(step: () => Promise<void>): void;
  /** The engine's raw output (shown with -v). */
  onEngineOutput?(text: string): void;
  /** Asks before a change; resolves false when the person says no. */
  confirm(question: string): Promise<boolean>;
  /** A value that must never be printed (passphrase, token, key), and what it is. */
  secret(value: string, what?: string): void;
}

/** A loaded manifest: what planning needs, and where it stands among several. */
export interface StackFile {
  file: string;
  manifest: KubernetesIstioValid;
  /** The CA files' facts, read once when the manifest was loaded. */
  ca: CaFacts | undefined;
  /** Index of its wave: a primary's wave comes before its remotes'. */
  wave: number;
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

/** What a verb needs opened besides the settings. */
export interface Needs {
  /** required: the cluster, the plan and the remotes; optional: the cluster if it resolves; none. */
  cluster: "required" | "optional" | "none";
  /** Start the state read now, for a stack alone (verbs that read it through an engine session). */
  readState: boolean;
  /** destroy: a remote whose kubeconfig or context is gone is a problem to report, not an error. */
  lenientRemotes?: boolean;
}

/** What opening the stacks of one command takes. */
export interface OpenRequest {
  stacks: StackFile[];
  target: Target;
  env: NodeJS.ProcessEnv;
  cwd: string;
  signal: AbortSignal;
  /** How a stack reports; `label` is undefined for a stack alone. */
  ioFor(label: string | undefined): Omit<DeployIo, "confirm">;
  needs: Needs;
}

/** A stack as every verb receives it: its settings resolved once, its state read already started. */
export interface StackHandle {
  /** The manifest's path as given (`-` for standard input). */
  file: string;
  /** `stack east` — prefixes what it writes when several stacks run together. */
  label: string;
  /** Index of its wave: waves run in order, a wave's members side by side. */
  wave: number;
  manifest: KubernetesIstioValid;
  settings: EngineSettings;
  /** The state read started when the stack was opened; taken by the first engine session. */
  state?: Promise<EarlyState>;
  env: NodeJS.ProcessEnv;
  io: DeployIo;
  signal: AbortSignal;
}

/** What every cluster verb needs, resolved once per command (see ./open.ts). */
export interface DeployRequest extends StackHandle {
  plan: InstallPlan;
  cluster: ResolvedCluster;
  /** The plan's remote clusters (`spec.multiCluster.remotes`), resolved like `cluster`. */
  remotes: ResolvedRemote[];
  /** Remotes that could not be resolved (only with `lenientRemotes`, for destroy). */
  remoteProblems: RemoteProblem[];
}

/** Opens the engine session of a request; `use` runs with it and the folder is always removed. */
export async function withSession<T>(
  req: Pick<DeployRequest, "settings" | "env" | "io" | "signal">,
  use: (s: EngineSession) => Promise<T>,
): Promise<T> {
  // loaded here, not at the top: the Pulumi SDK costs ~0.7 s to load, and `status` never needs it
  const { EngineSession: Session } = await timed("load engine", () => import("../pulumi/workspace.js"));
  const session = await timed("engine session", () =>
    Session.open({
      settings: req.settings,
      env: req.env,
      notify: req.io.info,
      signal: req.signal,
      ...(req.io.onEvent ? { onEvent: req.io.onEvent } : {}),
      ...(req.io.onEngineOutput ? { onOutput: req.io.onEngineOutput } : {}),
    }),
  );
  try {
    return await use(session);
  } finally {
    session.close();
  }
}

/** Starts reading a stack's state (one `pulumi stack export`, no SDK); never rejects. */
export function startReading(req: Pick<StackHandle, "settings" | "env" | "signal">): Promise<EarlyState> {
  return timed("state (early)", () => startStateRead(req));
}

/**
 * The stack's state as its command found it (undefined: no stack): the read started when it was
 * opened, else one made now. Decrypting every secret proves the passphrase: a wrong one or a
 * damaged state stops the command here, before anything in the cluster changes.
 */
export function readState(req: Pick<StackHandle, "settings" | "env" | "io" | "signal" | "state">) {
  return readStackState(readContext(req), req.state);
}

/** The stack's state read again now (after an update). */
export function readStateAgain(req: Pick<StackHandle, "settings" | "env" | "io" | "signal">) {
  return readStackState(readContext(req));
}

const readContext = (req: Pick<StackHandle, "settings" | "env" | "io" | "signal">) => ({
  settings: req.settings,
  env: req.env,
  signal: req.signal,
  notify: req.io.info,
});

/**
 * The gateway releases, whose readiness apply waits for itself (`waitForGateways`) instead of
 * Helm: Helm's wait polls every 2 s, so a gateway whose pods are ready within a second still
 * holds the update 2 s; apply polls the Deployments every 250 ms, for the same condition
 * (every replica updated and available, which is stricter than Helm's). Nothing depends on a
 * gateway's pods inside the update; an ingress gateway of a LoadBalancer Service was never
 * Helm's to wait for (Helm would wait for an address).
 */
export function gatewayReleases(plan: InstallPlan) {
  return plan.releases.filter((r) => r.component === "gateway");
}

/**
 * The request's inline Pulumi program, bound to its cluster and remote clusters (every release's
 * timeout overridden by `timeoutSeconds`; the gateways without Helm's wait, see `gatewayReleases`). The program module, and with it the Pulumi SDK, is
 * loaded here, when a command needs it, so that the state read can run while it loads.
 */
export async function istioProgram(
  req: Pick<DeployRequest, "plan" | "cluster" | "remotes" | "io" | "signal">,
  options: { timeoutSeconds?: number | undefined } = {},
): Promise<PulumiFn> {
  const { createIstioProgram } = await timed("load program", () => import("../pulumi/program.js"));
  const { programRemote } = await import("./remotes.js");
  const { gatewayApiCrdsToApply } = await import("./gateway-api.js");
  const gatewayApiCrds = await gatewayApiCrdsToApply(req.plan, req.cluster, req.io.info);
  return createIstioProgram(
    req.plan,
    {
      ...req.cluster,
      gatewayApiCrds,
      remotes: req.remotes.map(programRemote),
      secret: (v) => req.io.secret(v, "a remote reader's token"),
      admitted: async (manifest) => {
        const { waitUntilAdmitted } = await import("../cluster/admission.js");
        await waitUntilAdmitted(req.cluster, manifest, { timeoutMs: 120_000, signal: req.signal });
      },
      waypointReady: async (namespace, name) => {
        const { waitForDeployments } = await import("../cluster/workloads.js");
        const timeoutMs = (options.timeoutSeconds ?? 300) * 1000;
        const notReady = await waitForDeployments(req.cluster, [{ namespace, name }], {
          timeoutMs,
          signal: req.signal,
          onWait: () => req.io.info(`waiting for waypoint ${namespace}/${name}'s Deployment to be ready…`),
        });
        if (notReady.length > 0)
          throw new Error(
            `waypoint ${namespace}/${name}: its Deployment is not ready after ${timeoutMs / 1000} s; the namespaces sent to it were not labelled (kubectl -n ${namespace} describe deployment ${name})`,
          );
      },
    },
    {
      awaitedOutside: new Set(gatewayReleases(req.plan).map((r) => r.name)),
      ...(options.timeoutSeconds === undefined ? {} : { timeoutSeconds: options.timeoutSeconds }),
    },
  );
}
