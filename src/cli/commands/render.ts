import { resolve } from "node:path";
import { UsageError } from "../../errors.js";
import { planIstio } from "../../istio/plan.js";
import { readCaFacts } from "../../manifest/ca.js";
import { planToJson, planToYaml } from "../../output/plan.js";
import { writeOutputDir } from "../../output/plan-dir.js";
import { escapeControl } from "../../output/redact.js";
import type { CommandContext } from "../io.js";
import { loadForCommand, type ManifestInput } from "../load-input.js";
import { type GitopsFlags, refuseGitopsFlagsWithoutFormat, renderGitops } from "./render-gitops.js";

export interface RenderOptions extends Omit<ManifestInput, "file">, Omit<GitopsFlags, "file" | "format"> {
  file: string | string[];
  output: "yaml" | "json";
  outputDir?: string;
  format?: GitopsFlags["format"];
}

/**
 * `planton render`: prints the install plan. With `--output-dir`, also writes
 * `<release>.values.yaml` per release and `plan.json`, so a GitOps tool (or `helm template -f`)
 * installs exactly what `apply` would.
 */
export async function render(opts: RenderOptions, ctx: CommandContext): Promise<void> {
  const files = typeof opts.file === "string" ? [opts.file] : opts.file;
  if (opts.format !== undefined) return renderGitops({ ...opts, file: files, format: opts.format }, ctx);
  refuseGitopsFlagsWithoutFormat(opts);
  if (files.length > 1)
    throw new UsageError(
      `a second manifest: this command reads one (the first was ${escapeControl(files[0] ?? "-")}) unless --format exports several`,
      "render one manifest at a time, or export one mesh with --format argocd|flux --output-dir DIR",
    );
  const options = { ...opts, file: files[0] ?? "-" };
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
