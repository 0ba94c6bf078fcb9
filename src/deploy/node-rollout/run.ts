// The node-by-node upgrade of an ambient mesh's node agents, after the control plane: for each
// node in turn, cordon, evict its ambient pods (PodDisruptionBudgets respected), replace its
// outdated CNI and ztunnel pods, wait for them ready, uncordon. Decisions are model.ts's.
import type { AgentRef } from "../../cluster/node-agents.js";
import { revisionHashLabel } from "../../cluster/node-facts.js";
import { DeployError, InterruptedError } from "../../errors.js";
import type { PlannedNodeAgents } from "../../istio/node-agents.js";
import { pause, poll } from "../../poll.js";
import type { NodeRolloutApi } from "./api.js";
import {
  type NodeStep,
  type OutdatedAgent,
  outdatedAgents,
  type PodFacts,
  podsToEvict,
  rolloutOrder,
} from "./model.js";

export interface RolloutOptions {
  /** How long one node may take (evictions a budget blocks, agents becoming ready). */
  timeoutMs: number;
  signal: AbortSignal;
  /** One line of progress (standard error). */
  info(line: string): void;
  /** Pause between eviction attempts a budget refused. */
  retryMs?: number;
}

/**
 * Rolls every node with an outdated node agent pod, one at a time. Returns the nodes rolled.
 * A failed node stops the rollout (the nodes after it are not touched); an interrupt stops it
 * after the node's uncordon; either way no node is left cordoned, or the error names it.
 */
export async function rollNodeAgents(
  api: NodeRolloutApi,
  agents: PlannedNodeAgents,
  options: RolloutOptions,
): Promise<string[]> {
  if (agents.upgrade !== "NODE_BY_NODE") return [];
  const refs: AgentRef[] = agents.agents.map(({ component, namespace, daemonSet }) => ({
    component,
    namespace,
    daemonSet,
  }));
  const facts = await api.readAgents(refs, { timeoutMs: options.timeoutMs, signal: options.signal });
  const steps = rolloutOrder(await api.readNodes(), outdatedAgents(facts));
  if (steps.length === 0) return [];
  const names = refs.map((r) => r.daemonSet).join(" and ");
  options.info(
    `node-by-node upgrade of ${names} on ${steps.length} node(s), one at a time: cordon, evict ambient pods, replace the node agents, uncordon`,
  );
  const done: string[] = [];
  for (const [i, step] of steps.entries()) {
    const rest = steps.slice(i + 1).map((s) => s.node);
    const untouched = rest.length > 0 ? `; not touched: ${rest.join(", ")}` : "";
    const rolled = done.length > 0 ? `; rolled: ${done.join(", ")}` : "";
    if (options.signal.aborted)
      throw new InterruptedError(
        `cancelled before node ${step.node}${rolled}${untouched}`,
        "run apply again to roll the remaining nodes",
      );
    const where = `[${i + 1}/${steps.length}] node ${step.node}`;
    try {
      await rollNode(api, step, refs, { ...options, info: (line) => options.info(`${where}: ${line}`) });
    } catch (err) {
      if (err instanceof InterruptedError)
        throw new InterruptedError(`${err.message}${rolled}${untouched}`, err.hint);
      const reason = err instanceof Error ? err.message : String(err);
      throw new DeployError(
        `node-by-node upgrade stopped at node ${step.node}: ${reason}${rolled}${untouched}`,
        err instanceof DeployError && err.hint
          ? err.hint
          : "fix the cause, then run apply again to continue with the remaining nodes",
      );
    }
    done.push(step.node);
    options.info(`${where}: done`);
  }
  return done;
}

/** One node's turn; the node is uncordoned whatever happens (unless an administrator had cordoned it). */
async function rollNode(
  api: NodeRolloutApi,
  step: NodeStep,
  refs: AgentRef[],
  options: RolloutOptions,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let failure: unknown;
  try {
    if (step.outdated.length > 0) {
      options.info("cordoning");
      await api.setCordon(step.node, true);
      await evictMeshedPods(api, step.node, deadline, options);
      for (const agent of step.outdated) await replaceAgent(api, step.node, agent, refs, deadline, options);
    }
  } catch (err) {
    failure = err;
  }
  if (step.uncordon) await uncordon(api, step.node, failure, options);
  if (failure !== undefined) throw failure;
}

async function uncordon(
  api: NodeRolloutApi,
  node: string,
  failure: unknown,
  options: RolloutOptions,
): Promise<void> {
  try {
    await api.setCordon(node, false);
    options.info("uncordoned");
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    const before = failure instanceof Error ? `${failure.message}; then ` : "";
    const message = `${before}could not uncordon node ${node}: ${why}`;
    const hint = `uncordon it yourself: kubectl uncordon ${node}`;
    throw failure instanceof InterruptedError
      ? new InterruptedError(message, hint)
      : new DeployError(message, hint);
  }
}

function checkAborted(options: RolloutOptions, what: string): void {
  if (options.signal.aborted)
    throw new InterruptedError(`cancelled while ${what}`, "run apply again to roll the remaining nodes");
}

/** Evicts the node's ambient pods (all at once, each retried while a budget blocks it) and waits until they are gone. */
async function evictMeshedPods(
  api: NodeRolloutApi,
  node: string,
  deadline: number,
  options: RolloutOptions,
): Promise<void> {
  const pods = podsToEvict(await api.podsOnNode(node), await api.namespaceLabels());
  options.info(
    pods.length === 0
      ? "no ambient pods to evict"
      : `evicting ${pods.length} ambient pod(s): ${pods.map((p) => `${p.namespace}/${p.name}`).join(", ")}`,
  );
  // every eviction ends before the node is uncordoned or the process exits: an eviction request
  // cut off mid-way can leave its budget counting a disruption that never happened (for minutes)
  const settled = await Promise.allSettled(pods.map((p) => evictOne(api, p, deadline, options)));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  checkAborted(options, `evicting pods from node ${node}`);
}

async function evictOne(
  api: NodeRolloutApi,
  pod: PodFacts,
  deadline: number,
  options: RolloutOptions,
): Promise<void> {
  const what = `${pod.namespace}/${pod.name}`;
  let told = false;
  for (;;) {
    checkAborted(options, `evicting ${what}`);
    const result = await api.evictPod(pod.namespace, pod.name);
    if (result !== "blocked") break;
    const budgets = await api.budgetsFor(pod.namespace, pod.labels);
    const blocking =
      budgets.length > 0 ? `PodDisruptionBudget ${budgets.join(", ")}` : "a PodDisruptionBudget";
    if (Date.now() >= deadline)
      throw new DeployError(
        `evicting ${what} was refused until the timeout: ${blocking} allows no disruption`,
        "let the budget's workload get more ready replicas (or raise --timeout), then run apply again; planton never deletes a pod a budget protects",
      );
    if (!told) options.info(`evicting ${what} waits: ${blocking}; retrying until it allows one`);
    told = true;
    await pause(options.retryMs ?? 2000, options.signal);
  }
  const gone = await poll(
    () => api.podGone(pod.namespace, pod.name),
    (g) => g,
    {
      timeoutMs: Math.max(deadline - Date.now(), 0),
      intervalMs: 500,
      signal: options.signal,
    },
  );
  checkAborted(options, `waiting for ${what} to stop`);
  if (gone.state !== "done")
    throw new DeployError(
      `evicted pod ${what} did not stop in time`,
      "check the pod's finalizers and grace period",
    );
}

/** Deletes the node's outdated agent pod and waits for its DaemonSet's new pod there to be ready. */
async function replaceAgent(
  api: NodeRolloutApi,
  node: string,
  agent: OutdatedAgent,
  refs: AgentRef[],
  deadline: number,
  options: RolloutOptions,
): Promise<void> {
  checkAborted(options, `replacing ${agent.daemonSet} on node ${node}`);
  options.info(`replacing ${agent.component} pod ${agent.namespace}/${agent.pod}`);
  await api.deletePod(agent.namespace, agent.pod);
  const ref = refs.filter((r) => r.daemonSet === agent.daemonSet && r.namespace === agent.namespace);
  const readyOnNode = async () => {
    const [facts] = await api.readAgents(ref, { timeoutMs: 5000 });
    return (
      facts?.pods.some(
        (p) => p.node === node && p.ready && !p.deleting && p.labels[revisionHashLabel] === facts.currentHash,
      ) === true
    );
  };
  const outcome = await poll(readyOnNode, (ready) => ready, {
    timeoutMs: Math.max(deadline - Date.now(), 0),
    intervalMs: 1000,
    signal: options.signal,
  });
  checkAborted(options, `waiting for the new ${agent.daemonSet} pod on node ${node}`);
  if (outcome.state !== "done")
    throw new DeployError(
      `the new ${agent.daemonSet} pod on node ${node} was not ready in time`,
      `check it with kubectl -n ${agent.namespace} get pods -o wide --field-selector spec.nodeName=${node}`,
    );
  options.info(`${agent.component} ready`);
}
