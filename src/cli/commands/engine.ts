import { DeployError } from "../../errors.js";
import type { CommandContext } from "../io.js";

// The engine commands arrive with the Pulumi runner (issue 4); until then they say so.
const notYet = async (_o: unknown, _ctx: CommandContext): Promise<void> => {
  throw new DeployError("this command needs the Pulumi engine, which this build does not include yet");
};
export const preview = notYet;
export const apply = notYet;
export const destroy = notYet;
export const refresh = notYet;
export const outputs = notYet;
