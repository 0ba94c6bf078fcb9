import { DeployError } from "../errors.js";
import { type ChangeSummary, hasChanges } from "./changes.js";
import { type DeployRequest, istioProgram, readState, withSession } from "./request.js";

/** What `refresh` found. */
export interface RefreshResult {
  stack: string;
  context: string;
  summary: ChangeSummary;
  drift: boolean;
}

/** `refresh`: reconciles the state with the cluster; reports drift. Changes no cluster object. */
export function refresh(req: DeployRequest): Promise<RefreshResult> {
  return withSession(req, async (session) => {
    const state = await readState(req);
    if (state === undefined)
      throw new DeployError(`stack ${req.settings.stack} does not exist`, "run planton apply first");
    const summary = await session.refresh(await istioProgram(req));
    return { stack: req.settings.stack, context: req.cluster.context, summary, drift: hasChanges(summary) };
  });
}
