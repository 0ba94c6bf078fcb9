import { Option } from "commander";
import { parseLockTimeout } from "./durations.js";

/** A repeatable flag's values in the order given. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `--help`'s examples block. */
export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join("\n")}\n`;
}

/** A flag with a description, optionally parsing its value. */
export function flag<T>(
  flags: string,
  description: string,
  parse?: (value: string, previous: T) => T,
): Option {
  const option = new Option(flags, description);
  return parse === undefined ? option : option.argParser(parse);
}

/** `-o, --output <format>` over `choices`, the first being the default. */
export function outputOption(what: string, choices: [string, ...string[]]): Option {
  return new Option("-o, --output <format>", what).choices(choices).default(choices[0]);
}

/** `--json` of the cluster commands that print one result. */
export const jsonOption = (): Option => flag("--json", "print the result as JSON on standard output");

/** `-y, --yes` of the commands that ask before they change a cluster. */
export const yesOption = (verb: string): Option =>
  flag("-y, --yes", `${verb} without asking (required without a terminal)`);

/** `--refresh` of the commands that may read the cluster into the state first. */
export const refreshOption = (): Option => flag("--refresh", "refresh the state from the cluster first");

/** `--skip-check <code>` (repeatable) of the commands that run the precheck findings. */
export const skipCheckOption = (description: string): Option =>
  flag("--skip-check <code>", description, collect);

/** `render`'s GitOps export flags (see commands/render-gitops.ts). */
export function gitopsOptions(): Option[] {
  return [
    new Option("--format <tool>", "write a GitOps export into --output-dir").choices(["argocd", "flux"]),
    flag("--repo-url <url>", "Git repository the GitOps tool reads --output-dir from"),
    flag("--path <path>", "--output-dir's path inside that repository (default: --output-dir)"),
    flag("--project <name>", "Argo CD project (default: default)"),
    flag(
      "--destination <[cluster=]dest>",
      "Argo CD cluster URL or name, or Flux kubeconfig Secret (repeatable)",
      collect,
    ),
  ];
}

/** `-f` (one or more manifests) and `--set`. */
export function manifestOptions(): Option[] {
  return [
    new Option(
      "-f, --file <path...>",
      "manifest file(s); - reads standard input; several manifests make one mesh over several clusters",
    ).makeOptionMandatory(),
    flag(
      "--set <path=value>",
      "override a manifest field before validation (repeatable), e.g. spec.controlPlane.replicas=3",
      collect,
    ),
  ];
}

/** Where the cluster and the stack are: `--context`, `--kubeconfig`, `--stack`, `--backend`. */
export function targetOptions(): Option[] {
  return [
    flag("--context <name>", "kubeconfig context (overrides spec.targetCluster.context)"),
    flag("--kubeconfig <path>", "kubeconfig file (overrides spec.targetCluster.kubeconfig)"),
    flag("--stack <name>", "Pulumi stack name (default: metadata.name)"),
    flag("--backend <url>", "state backend URL (default: $PULUMI_BACKEND_URL, else file://~/.planton/state)"),
  ];
}

/** A cluster command's manifest and target flags, plus `--lock-timeout`. */
export function clusterOptions(): Option[] {
  return [
    ...manifestOptions(),
    ...targetOptions(),
    flag(
      "--lock-timeout <duration>",
      "how long to wait for a stack lock another running operation holds: seconds, or 90s, 10m (default: 300 in CI, else 0)",
      parseLockTimeout,
    ),
  ];
}
