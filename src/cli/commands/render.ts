import { resolve } from "node:path";
import { planIstio } from "../../istio/plan.js";
import { readCaFacts } from "../../manifest/ca.js";
import { planToJson, planToYaml } from "../../output/plan.js";
import { writeOutputDir } from "../../output/plan-dir.js";
import { escapeControl } from "../../output/redact.js";
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
  const plan = planIstio(loaded.manifest, { ca: readCaFacts(loaded.manifest) });
  if (options.outputDir !== undefined) {
    const dir = escapeControl(options.outputDir);
    const { removed } = writeOutputDir(resolve(ctx.io.cwd, options.outputDir), options.outputDir, plan);
    ctx.io.stderr(`wrote ${plan.releases.length} values files and plan.json to ${dir}\n`);
    if (removed.length > 0)
      ctx.io.stderr(
        `removed ${removed.length} stale values files: ${removed.map((f) => escapeControl(f)).join(", ")}\n`,
      );
  }
  ctx.io.stdout(options.output === "json" ? planToJson(plan) : planToYaml(plan));
}
