import schema from "../../../schema/kubernetes-istio.v1.json" with { type: "json" };
import type { CommandContext } from "../io.js";

/** `planton schema`: the manifest's JSON Schema (generated from the protos) for editors. */
export async function printSchema(ctx: CommandContext): Promise<void> {
  ctx.io.stdout(`${JSON.stringify(schema, null, 2)}\n`);
}
