import { outputs as stackOutputs } from "../../deploy/outputs.js";
import { clusterFor, settingsFor } from "../../deploy/request.js";
import { renderOutputs } from "../../output/results.js";
import { jsonDocument } from "../../output/json.js";
import type { CommandContext } from "../io.js";
import { loadForCommand } from "../load-input.js";
import { type ClusterFlags, deployIo } from "./cluster-command.js";

export interface OutputsFlags extends ClusterFlags {
  output?: "text" | "json";
}

/**
 * `planton outputs`: the recorded stack outputs. Needs no cluster: gateway addresses are read
 * live only when a kubeconfig is at hand and the cluster answers.
 */
export async function outputs(flags: OutputsFlags, ctx: CommandContext): Promise<void> {
  const { manifest } = loadForCommand(flags, ctx);
  const settings = settingsFor(manifest, flags, ctx.io.env, ctx.secret);
  let cluster: ReturnType<typeof clusterFor> | undefined;
  try {
    cluster = clusterFor(manifest, flags, ctx.io, ctx.secret);
  } catch {
    cluster = undefined; // no usable kubeconfig: the recorded outputs are still worth printing
  }
  const { io, stopProgress } = deployIo(ctx, flags);
  const o = await stackOutputs({ settings, env: ctx.io.env, io, signal: ctx.signal, cluster }).finally(
    stopProgress,
  );
  ctx.io.stdout(flags.output === "json" ? jsonDocument(o) : renderOutputs(o, ctx.out));
}
