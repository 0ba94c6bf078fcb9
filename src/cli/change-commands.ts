import type { Command } from "commander";
import { parseTimeout } from "./durations.js";
import {
  type ContextOf,
  clusterOptions,
  collect,
  examples,
  jsonOption,
  refreshOption,
  skipCheckOption,
  targetOptions,
  yesOption,
} from "./options.js";

/** `preview`: what apply would change. */
export function previewCommand(program: Command, context: ContextOf): void {
  clusterOptions(program.command("preview"))
    .description(
      "Show what apply would change: per-release value changes and Pulumi's summary. Never prompts.",
    )
    .addOption(jsonOption())
    .option(
      "--expect-no-changes",
      "exit 3 when anything would change (drift check in CI); exit 4 when apply's precheck gate would stop",
    )
    .addOption(refreshOption())
    .addOption(
      skipCheckOption(
        "waive one precheck finding code (repeatable): listed as waived, never fails --expect-no-changes",
      ),
    )
    .addHelpText(
      "after",
      examples([
        "planton preview -f istio.yaml",
        "planton preview -f istio.yaml --expect-no-changes --refresh",
        "planton preview -f istio.yaml --json",
        "planton preview -f east.yaml -f west.yaml   # one mesh over two clusters",
      ]),
    )
    .action(async (o) => (await import("./commands/preview.js")).preview(o, context()));
}

/** `apply`: preview, confirm, install or upgrade, verify. */
export function applyCommand(program: Command, context: ContextOf): void {
  clusterOptions(program.command("apply"))
    .description("Preview, confirm, then install or upgrade Istio; shows progress per release and a summary.")
    .addOption(yesOption("apply"))
    .addOption(jsonOption())
    .addOption(refreshOption())
    .option(
      "--timeout <duration>",
      "how long each release may take to become ready: seconds, or 90s, 10m, 1h (default: 600, base 300)",
      parseTimeout,
    )
    .option(
      "--no-verify",
      "skip the health checks at the end (the same as planton status; by default apply fails when the control plane is not healthy within --timeout, default 300s)",
    )
    .option(
      "--restart-workloads",
      "once the revision a namespace now points at is ready, rollout-restart its Deployments, StatefulSets and DaemonSets (only namespaces in spec.namespaces whose revision changed)",
    )
    .addOption(
      skipCheckOption(
        "waive one precheck finding code (repeatable): apply's gate lists it as waived and does not stop on it",
      ),
    )
    .addHelpText(
      "after",
      examples([
        "planton apply -f istio.yaml",
        "planton apply -f istio.yaml --yes",
        "planton apply -f istio.yaml --set spec.version=1.30.3 --yes",
        "planton apply -f examples/canary/3-move-stable.yaml --restart-workloads",
        "planton apply -f istio.yaml --skip-check PROXY_VERSION_SKEW   # accept that finding of the gate",
        "planton apply -f primary.yaml -f remote.yaml   # the primary first, then its remote",
      ]),
    )
    .action(async (o) => (await import("./commands/apply.js")).apply(o, context()));
}

/** `destroy`: remove what the stack installed. */
export function destroyCommand(program: Command, context: ContextOf): void {
  clusterOptions(program.command("destroy"))
    .description(
      "Remove everything the stack installed, in reverse order, plus istiod's leftover webhooks. CRDs stay unless --purge-crds.",
    )
    .addOption(yesOption("destroy"))
    .addOption(jsonOption())
    .option("--purge-crds", "also delete Istio's CRDs, and with them every Istio resource in the cluster")
    .option(
      "--forget-unreachable-remotes",
      "when a cluster of spec.multiCluster.remotes cannot be reached, remove everything else and leave planton's reader there (listed); without it destroy stops before changing anything",
    )
    .addHelpText(
      "after",
      examples([
        "planton destroy -f istio.yaml",
        "planton destroy -f istio.yaml --yes --purge-crds",
        "planton destroy -f primary.yaml -f remote.yaml   # remotes first, then their primary",
      ]),
    )
    .action(async (o) => (await import("./commands/destroy.js")).destroy(o, context()));
}

/** `adopt`: write the manifest of a running mesh, or take it into a stack. */
export function adoptCommand(program: Command, context: ContextOf): void {
  const adopt = program
    .command("adopt")
    .description(
      "Take a running Istio mesh (installed with Helm or istioctl) into a stack: with --write-manifest, write the manifest that reproduces it (reads only); with -f, show what adoption does, ask, then hand istioctl's objects to Helm and import the live releases into the manifest's stack. planton then owns the mesh: destroy removes it.",
    )
    .option(
      "-f, --file <path>",
      "the manifest to adopt into (its namespace picks the control plane; its target cluster is used)",
    )
    .option("--set <path=value>", "override a manifest field before validation (repeatable)", collect)
    .option(
      "--write-manifest <path>",
      "write the KubernetesIstio manifest that reproduces the live mesh to this file",
    )
    .option("--name <name>", "metadata.name of the written manifest (default: -f's, else adopted-mesh)");
  targetOptions(adopt)
    .addOption(yesOption("adopt"))
    .addHelpText(
      "after",
      examples([
        "planton adopt --write-manifest istio.yaml --context prod",
        "planton adopt -f istio.yaml --write-manifest adopted.yaml",
        "planton adopt -f istio.yaml   # shows the imports and hand-overs, asks, then adopts",
        "planton adopt -f istio.yaml --yes",
      ]),
    )
    .action(async (o) => (await import("./commands/adopt.js")).adopt(o, context()));
}
