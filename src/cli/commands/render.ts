import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../../errors.js";
import { planIstio } from "../../istio/plan.js";
import { planToJson, planToYaml, valuesToYaml } from "../../output/plan.js";
import type { CommandContext } from "../io.js";
import { loadForCommand, type ManifestInput } from "../load-input.js";

export interface RenderOptions extends ManifestInput {
  output: "yaml" | "json";
  outputDir?: string;
}

/**
 * `planton render`: prints the install plan. With `--output-dir`, also writes
 * `<release>.values.yaml` per release and `plan.json`, so a GitOps tool (or `helm template -f`)
 * installs exactly what `apply` would.
 */
export async function render(options: RenderOptions, ctx: CommandContext): Promise<void> {
  const loaded = loadForCommand(options, ctx);
  const plan = planIstio(loaded.manifest);
  if (options.outputDir !== undefined) {
    try {
      mkdirSync(options.outputDir, { recursive: true });
      for (const r of plan.releases)
        writeFileSync(join(options.outputDir, `${r.name}.values.yaml`), valuesToYaml(r.values));
      writeFileSync(join(options.outputDir, "plan.json"), planToJson(plan));
    } catch (err) {
      throw new UsageError(
        `--output-dir ${options.outputDir}: ${(err as Error).message}`,
        "pass a writable directory",
      );
    }
    ctx.io.stderr(`wrote ${plan.releases.length} values files and plan.json to ${options.outputDir}\n`);
  }
  ctx.io.stdout(options.output === "json" ? planToJson(plan) : planToYaml(plan));
}
