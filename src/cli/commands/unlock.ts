import { unlock as unlockStack } from "../../deploy/unlock.js";
import { settingsFor } from "../../deploy/request.js";
import type { CommandContext } from "../io.js";
import { loadForCommand } from "../load-input.js";
import { type ClusterFlags, deployIo } from "./cluster-command.js";

export interface UnlockFlags extends ClusterFlags {
  force?: boolean;
}

/** `planton unlock`: removes a stack lock left by a killed process. */
export async function unlock(flags: UnlockFlags, ctx: CommandContext): Promise<void> {
  const { manifest } = loadForCommand(flags, ctx);
  const settings = settingsFor(manifest, flags, ctx.io.env, ctx.secret);
  const { io } = deployIo(ctx, flags);
  const done = await unlockStack({ settings, env: ctx.io.env, io, signal: ctx.signal }, flags.force === true);
  ctx.io.stdout(done.length > 0 ? `${done.join("\n")}\n` : `stack ${settings.stack} was not locked\n`);
}
