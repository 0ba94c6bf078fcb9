import type { Command } from "commander";
import {
  type ContextOf,
  clusterOptions,
  examples,
  jsonOption,
  outputOption,
  skipCheckOption,
} from "./options.js";

/** `refresh`: reconcile the state with the cluster. */
export function refreshCommand(program: Command, context: ContextOf): void {
  clusterOptions(program.command("refresh"))
    .description("Reconcile the stack's state with the cluster and report drift. Changes no cluster object.")
    .addOption(jsonOption())
    .addHelpText("after", examples(["planton refresh -f istio.yaml", "planton refresh -f istio.yaml --json"]))
    .action(async (o) => (await import("./commands/refresh.js")).refresh(o, context()));
}

/** `outputs`: the stack outputs. */
export function outputsCommand(program: Command, context: ContextOf): void {
  clusterOptions(program.command("outputs"))
    .description(
      "Print the stack outputs: namespace, version, revisions, istiod service, gateways and addresses.",
    )
    .addOption(outputOption("output format", ["text", "json"]))
    .addHelpText(
      "after",
      examples([
        "planton outputs -f istio.yaml",
        "planton outputs -f istio.yaml -o json | jq -r .istiodService",
      ]),
    )
    .action(async (o) => (await import("./commands/outputs.js")).outputs(o, context()));
}

/** `status`: the mesh's health. */
export function statusCommand(program: Command, context: ContextOf): void {
  clusterOptions(program.command("status"))
    .description(
      "Check the mesh's health: Helm releases, istiod per revision (on a remote cluster: the primary serving it), CRDs, webhooks and tags, gateways, mTLS, remote secrets, and the pods of every injected namespace. Changes nothing. With several -f, every stack side by side: exit 4 when any is unhealthy (even if another could not be checked), else 1 when any could not be checked.",
    )
    .addOption(outputOption("output format", ["text", "json"]))
    .option(
      "--wait <duration>",
      "re-check every 2s until healthy or this much time passed: seconds, or 90s, 10m, 1h (with several -f, each stack on its own)",
    )
    .addHelpText(
      "after",
      examples([
        "planton status -f istio.yaml",
        "planton status -f istio.yaml --wait 5m",
        "planton status -f istio.yaml -o json | jq -r '.checks[] | select(.state != \"ok\") | .message'",
        "planton status -f east.yaml -f west.yaml   # one mesh over two clusters, a table per stack",
      ]),
    )
    .action(async (o) => (await import("./commands/status.js")).status(o, context()));
}

/** `precheck`: what installing or upgrading to the manifest would break. */
export function precheckCommand(program: Command, context: ContextOf): void {
  clusterOptions(program.command("precheck"))
    .description(
      "Check, before installing or upgrading to the manifest, every known way it would break: Kubernetes and Gateway API CRD versions, the rights the install needs, proxy version skew and known in-place breaks, webhook overlaps and the default tag's owner, pending Helm releases, foreign field managers, an Istio CRD downgrade, revisions removed while still used. Reads only. Exit 4 when a finding is an error, 1 when a check could not be made.",
    )
    .addOption(outputOption("output format", ["text", "json"]))
    .addOption(
      skipCheckOption(
        "waive one finding code (repeatable): its findings are listed as waived and do not fail",
      ),
    )
    .addHelpText(
      "after",
      examples([
        "planton precheck -f istio.yaml",
        "planton precheck -f istio.yaml -o json | jq -r '.findings[] | select(.severity == \"ERROR\") | .code'",
        "planton precheck -f istio.yaml --skip-check PROXY_VERSION_SKEW",
        "planton precheck -f east.yaml -f west.yaml   # one mesh over two clusters, a report per stack",
      ]),
    )
    .action(async (o) => (await import("./commands/precheck.js")).precheck(o, context()));
}

/** `unlock`: remove a stale stack lock. */
export function unlockCommand(program: Command, context: ContextOf): void {
  clusterOptions(program.command("unlock"))
    .description("Remove a stack lock left behind by a killed planton or pulumi process.")
    .option(
      "--force",
      "also remove a lock whose process still seems to run; for a remote backend, cancel the stack's running update",
    )
    .addHelpText("after", examples(["planton unlock -f istio.yaml", "planton unlock -f istio.yaml --force"]))
    .action(async (o) => (await import("./commands/unlock.js")).unlock(o, context()));
}
