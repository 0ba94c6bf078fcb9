// The SDK's Stack calls, less a CLI run or three where planton knows the answer already.

import { type LocalWorkspace, Stack } from "@pulumi/pulumi/automation/index.js";

/**
 * The stack `name`, one CLI run fewer where `exists` says whether it exists (the command's state
 * read found out): an existing stack is not selected again (`pulumi stack select` only checks
 * that it exists; every engine command names it with --stack), a missing one is created at once
 * (not selected first, failing). Otherwise, or when another command created it meanwhile, the
 * SDK selects it, creating it if missing.
 */
export async function openStack(
  workspace: LocalWorkspace,
  name: string,
  exists: boolean | undefined,
): Promise<Stack> {
  if (exists === true) {
    const ws = workspace as unknown as Record<"selectStack", (stack: string) => Promise<void>>;
    ws.selectStack = async () => {};
    try {
      return await Stack.select(name, workspace);
    } finally {
      Reflect.deleteProperty(ws, "selectStack");
    }
  }
  if (exists === false)
    try {
      return await Stack.create(name, workspace);
    } catch (err) {
      if (!/already exists/i.test(err instanceof Error ? err.message : String(err))) throw err;
    }
  return Stack.createOrSelect(name, workspace);
}

/**
 * Runs `op`, an up or destroy of `stack`, without the SDK's work after the engine has exited: it
 * would run `pulumi stack output` twice and `pulumi stack history` once, three more CLI starts
 * that each read (and the first two decrypt) the state, ~1 s on the e2e cluster, to return
 * outputs planton does not use and the change counts the engine's summary event already gave.
 * The state, its lock and the engine's work are the same; only those reads are not made.
 */
export async function withoutAfterwork<T>(stack: Stack, op: () => Promise<T>): Promise<T> {
  const own = stack as unknown as Record<"outputs" | "info", () => Promise<unknown>>;
  own.outputs = async () => ({});
  own.info = async () => undefined;
  try {
    return await op();
  } finally {
    Reflect.deleteProperty(own, "outputs");
    Reflect.deleteProperty(own, "info");
  }
}
