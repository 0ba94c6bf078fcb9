// The front door of the cluster verbs: the CLI calls `runStacks` once per command, with one or
// more manifests. A stack alone is a mesh of one: every command opens its stacks (./open.ts), runs
// its verb on each through one MeshRun (waves, one question, destroy in reverse), and hands back
// one outcome per stack. The verb's module, and with it the Pulumi SDK, loads only here.

import type { KubernetesIstioStackOutputsJson } from "../../gen/planton/kubernetes/istio/v1/stack_outputs_pb.js";
import { timed } from "../timings.js";
import type { AdoptOptions, AdoptResult } from "./adopt/run.js";
import type { ApplyOptions, ApplyResult } from "./apply.js";
import type { DestroyOptions, DestroyResult } from "./destroy.js";
import { MeshRun, type Outcome } from "./mesh-run.js";
import { type OpenedStack, openStacks, settleStates } from "./open.js";
import type { PrecheckOptions, PrecheckResult } from "./precheck.js";
import type { PreviewOptions, PreviewResult } from "./preview.js";
import type { RefreshResult } from "./refresh.js";
import { type DeployRequest, type Needs, type OpenRequest, startReading } from "./request.js";
import type { StatusResult } from "./status/model.js";
import type { StatusOptions } from "./status/run.js";

/** One command of the cluster verbs, with its options. */
export type ClusterCommand =
  | { verb: "preview"; options: PreviewOptions }
  | { verb: "apply"; options: ApplyOptions }
  | { verb: "destroy"; options: DestroyOptions }
  | { verb: "refresh" }
  | { verb: "status"; options: StatusOptions }
  | { verb: "outputs" }
  | { verb: "unlock"; force: boolean }
  | { verb: "precheck"; options: PrecheckOptions }
  | { verb: "adopt"; options: AdoptOptions };

/** What each verb returns for one stack. */
export interface VerbResults {
  preview: PreviewResult;
  apply: ApplyResult;
  destroy: DestroyResult;
  refresh: RefreshResult;
  status: StatusResult;
  outputs: KubernetesIstioStackOutputsJson;
  unlock: string[];
  precheck: PrecheckResult;
  adopt: AdoptResult;
}

/** What became of one stack of a command. */
export type StackOutcome<V extends ClusterCommand["verb"]> = Outcome<OpenedStack, VerbResults[V]>;

/** A command's stacks and how they report: `confirm` asks once, before any stack changes. */
export interface StacksRequest extends Omit<OpenRequest, "needs"> {
  /** Asks the question (several stacks: all their questions in one); false when the answer is no. */
  confirm(question: string): Promise<boolean>;
}

const needs: Record<ClusterCommand["verb"], Needs> = {
  preview: { cluster: "required", readState: true },
  apply: { cluster: "required", readState: true },
  destroy: { cluster: "required", readState: true, lenientRemotes: true },
  refresh: { cluster: "required", readState: true },
  status: { cluster: "required", readState: true },
  outputs: { cluster: "optional", readState: true },
  unlock: { cluster: "none", readState: false },
  precheck: { cluster: "required", readState: false },
  adopt: { cluster: "required", readState: true },
};

/** The word that asks for all stacks at once: "Apply all 2?". */
const askAll: Record<ClusterCommand["verb"], string> = {
  preview: "Preview",
  apply: "Apply",
  destroy: "Destroy",
  refresh: "Refresh",
  status: "Check",
  outputs: "Read",
  unlock: "Unlock",
  precheck: "Check",
  adopt: "Adopt",
};

/**
 * Runs `command` on every stack of `req`: all start together (reads, checks and previews side by
 * side); each changes its cluster in its wave's turn (a primary before its remotes; destroy the
 * other way round), after the one question. Returns one outcome per stack, in the order given.
 */
export async function runStacks<C extends ClusterCommand>(
  req: StacksRequest,
  command: C,
): Promise<StackOutcome<C["verb"]>[]> {
  const run = new MeshRun(
    req.stacks.map((s) => s.wave),
    req.stacks.map((s) => `stack ${s.manifest.metadata.name}`),
    command.verb === "destroy" ? "reverse" : "forward",
    (questions) =>
      req.confirm(
        questions.length === 1
          ? (questions[0] ?? "")
          : `${questions.join("\n")}\n${askAll[command.verb]} all ${questions.length}?`,
      ),
  );
  const opened = await openStacks({ ...req, needs: needs[command.verb] }, (i, q) => run.confirm(i, q));
  try {
    const verb = (await timed("load modules", () => loadVerb(command))) as (s: OpenedStack) => Promise<never>;
    return await Promise.all(opened.map((s, i) => run.run(i, s, async () => verb(turn(command, run, s, i)))));
  } finally {
    await settleStates(opened);
  }
}

/**
 * Gives stack `i` its turn where its verb cannot ask (apply --yes asks nothing: after its gate it
 * waits, like a question, for every stack's gate and then its wave), and starts its state read
 * if opening did not (several stacks).
 */
function turn(command: ClusterCommand, run: MeshRun, s: OpenedStack, i: number): OpenedStack {
  if (command.verb === "apply" && command.options.skipPreview === true) s.io.ready = () => run.ready(i);
  if (command.verb === "apply") s.io.beforeAnyChange = (step) => run.beforeAnyChange(i, step);
  if (needs[command.verb].readState && s.state === undefined) s.state = startReading(s);
  return s;
}

/** The verb of `command` for one stack, its module loaded now. */
async function loadVerb(command: ClusterCommand) {
  switch (command.verb) {
    case "preview": {
      const { preview } = await import("./preview.js");
      return (s: OpenedStack) => preview(request(s), command.options);
    }
    case "apply": {
      const { apply } = await import("./apply.js");
      return (s: OpenedStack) => apply(request(s), command.options);
    }
    case "destroy": {
      const { destroy } = await import("./destroy.js");
      return (s: OpenedStack) => destroy(request(s), command.options);
    }
    case "refresh": {
      const { refresh } = await import("./refresh.js");
      return (s: OpenedStack) => refresh(request(s));
    }
    case "status": {
      const { status } = await import("./status.js");
      return (s: OpenedStack) => status(request(s), command.options);
    }
    case "outputs": {
      const { outputs } = await import("./outputs.js");
      return (s: OpenedStack) => outputs(s);
    }
    case "unlock": {
      const { unlock } = await import("./unlock.js");
      return (s: OpenedStack) => unlock(s, command.force);
    }
    case "precheck": {
      const { precheck } = await import("./precheck.js");
      const { options } = command;
      return (s: OpenedStack) => {
        const r = request(s);
        return precheck({ plan: r.plan, cluster: r.cluster, stack: r.settings.stack, ...options });
      };
    }
    case "adopt": {
      const { adoptStack } = await import("./adopt/run.js");
      return (s: OpenedStack) => adoptStack(request(s), command.options);
    }
  }
}

/** An opened stack whose verb needed its cluster: it has one, and its plan and remotes. */
function request(s: OpenedStack): DeployRequest {
  if (s.cluster === undefined || s.plan === undefined || s.remotes === undefined)
    throw new Error(`stack ${s.settings.stack} was opened without its cluster`);
  return s as DeployRequest;
}
