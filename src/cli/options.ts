import { type Command, Option } from "commander";
import { parseLockTimeout } from "./durations.js";
import type { CommandContext } from "./io.js";

/** Builds a command's context when its action runs (global flags are parsed by then). */
export type ContextOf = () => CommandContext;

/** A repeatable flag's values in the order given. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `--help`'s examples block. */
export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join("\n")}\n`;
}

/** `-o, --output <format>` over `choices`, the first being the default. */
export function outputOption(what: string, choices: [string, ...string[]]): Option {
  return new Option("-o, --output <format>", what).choices(choices).default(choices[0]);
}

/** `--json` of the cluster commands that print one result. */
export const jsonOption = (): Option => new Option("--json", "print the result as JSON on standard output");

/** `-y, --yes` of the commands that ask before they change a cluster. */
export const yesOption = (verb: string): Option =>
  new Option("-y, --yes", `${verb} without asking (required without a terminal)`);

/** `--refresh` of the commands that may read the cluster into the state first. */
export const refreshOption = (): Option =>
  new Option("--refresh", "refresh the state from the cluster first");

/** `--skip-check <code>` (repeatable) of the commands that run the precheck findings. */
export const skipCheckOption = (description: string): Option =>
  new Option("--skip-check <code>", description).argParser(collect);

/** `render`'s GitOps export flags (see commands/render-gitops.ts). */
export function gitopsOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--format <tool>", "write a GitOps export into --output-dir").choices(["argocd", "flux"]),
    )
    .option("--repo-url <url>", "Git repository the GitOps tool reads --output-dir from")
    .option("--path <path>", "--output-dir's path inside that repository (default: --output-dir)")
    .option("--project <name>", "Argo CD project (default: default)")
    .option(
      "--destination <[cluster=]dest>",
      "Argo CD cluster URL or name, or Flux kubeconfig Secret (repeatable)",
      collect,
    );
}

/** `-f` (one or more manifests) and `--set`. */
export function manifestOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "-f, --file <path...>",
        "manifest file(s); - reads standard input; several manifests make one mesh over several clusters",
      ).makeOptionMandatory(),
    )
    .option(
      "--set <path=value>",
      "override a manifest field before validation (repeatable), e.g. spec.controlPlane.replicas=3",
      collect,
    );
}

/** Where the cluster and the stack are: `--context`, `--kubeconfig`, `--stack`, `--backend`. */
export function targetOptions(cmd: Command): Command {
  return cmd
    .option("--context <name>", "kubeconfig context (overrides spec.targetCluster.context)")
    .option("--kubeconfig <path>", "kubeconfig file (overrides spec.targetCluster.kubeconfig)")
    .option("--stack <name>", "Pulumi stack name (default: metadata.name)")
    .option(
      "--backend <url>",
      "state backend URL (default: $PULUMI_BACKEND_URL, else file://~/.planton/state)",
    );
}

/** A cluster command's manifest and target flags, plus `--lock-timeout`. */
export function clusterOptions(cmd: Command): Command {
  return targetOptions(manifestOptions(cmd)).option(
    "--lock-timeout <duration>",
    "how long to wait for a stack lock another running operation holds: seconds, or 90s, 10m (default: 300 in CI, else 0)",
    parseLockTimeout,
  );
}
