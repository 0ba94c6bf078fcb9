// Opening the stacks of one command: the one step every cluster verb starts from. It resolves each
// stack's settings once and starts reading its state (one `pulumi stack export`, ~0.5 s) before
// the heavy modules load (the Kubernetes client here, then the Pulumi SDK in the verb), so the two
// run side by side; then it resolves the cluster, plans the manifest and resolves the remotes.

import type { KubernetesIstioValid } from "../../gen/planton/kubernetes/istio/v1/api_pb.js";
import { type EngineSettings, resolveEngineSettings, settingsSecrets } from "../pulumi/settings.js";
import { timed } from "../timings.js";
import {
  type DeployIo,
  type DeployRequest,
  type OpenRequest,
  type StackFile,
  type StackHandle,
  startReading,
  type Target,
} from "./request.js";

/** An opened stack: a full `DeployRequest` when its verb needs the cluster, else its handle. */
export type OpenedStack = StackHandle & Partial<Omit<DeployRequest, keyof StackHandle>>;

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

/**
 * Opens every stack of a command: settings and state reads first, then (after the Kubernetes
 * client loads) cluster, plan and remotes. `confirm(i, q)` is stack `i`'s question. Anything
 * wrong stops here, before any cluster is touched; a read already started is waited for.
 */
export async function openStacks(
  req: OpenRequest,
  confirm: (i: number, question: string) => Promise<boolean>,
): Promise<OpenedStack[]> {
  const handles: StackHandle[] = [];
  try {
    for (const [i, s] of req.stacks.entries()) handles.push(openHandle(req, s, (q) => confirm(i, q)));
    if (req.needs.cluster === "none") return handles;
    const { targetsOf } = await timed("load modules", () => import("./targets.js"));
    return handles.map((h, i) => ({ ...h, ...targetsOf(req, req.stacks[i] as StackFile, h.io) }));
  } catch (err) {
    await settleStates(handles);
    throw err;
  }
}

/** Waits for the state reads nobody took: no CLI process outlives planton. */
export async function settleStates(stacks: Pick<StackHandle, "state">[]): Promise<void> {
  await Promise.all(stacks.map((s) => s.state));
}

function openHandle(
  req: OpenRequest,
  s: StackFile,
  confirm: (question: string) => Promise<boolean>,
): StackHandle {
  const label = `stack ${s.manifest.metadata.name}`;
  const io: DeployIo = { ...req.ioFor(req.stacks.length > 1 ? label : undefined), confirm };
  const settings = settingsFor(s.manifest, req.target, req.env, io.secret);
  return {
    file: s.file,
    label,
    wave: s.wave,
    manifest: s.manifest,
    settings,
    // several stacks read their state when their verb starts (run-stacks.ts turn), once every
    // stack's input is known good; each verb's checks and gate then pass before any stack changes
    ...(req.needs.readState && req.stacks.length === 1
      ? { state: startReading({ settings, env: req.env, signal: req.signal }) }
      : {}),
    env: req.env,
    io,
    signal: req.signal,
  };
}
