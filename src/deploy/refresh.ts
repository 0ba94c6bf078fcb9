import { DeployError } from "../errors.js";
import type { ChangeSummary } from "./changes.js";
import { type DeployRequest, istioProgram, withSession } from "./request.js";

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
    const state = await session.readState();
    if (state === undefined)
      throw new DeployError(`stack ${req.settings.stack} does not exist`, "run planton apply first");
    const stack = await session.withProgram(await istioProgram(req));
    const r = await session.run(() => stack.refresh(session.options(req.io.onEvent?.bind(req.io))));
    const summary = (r.summary.resourceChanges ?? {}) as ChangeSummary;
    return {
      stack: req.settings.stack,
      context: req.cluster.context,
      summary,
      drift: Object.entries(summary).some(([op, n]) => op !== "same" && n > 0),
    };
  });
}
