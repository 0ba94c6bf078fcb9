import { Command, InvalidArgumentError, Option } from "commander";
import pkg from "../../package.json" with { type: "json" };
import { createStyle, colorEnabled, type ColorMode } from "../output/style.js";
import { parseLockTimeout, parseTimeout } from "./durations.js";
import type { CommandContext, GlobalOptions, Io } from "./io.js";

/** What main.ts gives every command besides the Io: cancellation and the secret registry. */
export interface Runtime {
  signal: AbortSignal;
  secret: (value: string, what?: string) => void;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * The `-f` of a command that reads one manifest: a second one is refused (exit 2) rather than
 * silently replacing the first, which would act on the last file and never read the others.
 */
function onlyOne(value: string, previous: string | undefined): string {
  if (previous !== undefined)
    throw new InvalidArgumentError(
      `a second manifest: this command reads one (the first was ${previous}); run it once per manifest`,
    );
  return value;
}

/** `render`'s GitOps export flags (see commands/render-gitops.ts). */
function gitopsOptions(cmd: Command): Command {
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

function manifestOptions(cmd: Command, multiple = false): Command {
  return cmd
    .addOption(
      multiple
        ? new Option(
            "-f, --file <path...>",
            "manifest file(s); - reads standard input; several manifests make one mesh over several clusters",
          ).makeOptionMandatory()
        : new Option("-f, --file <path>", "manifest file; - reads standard input")
            .argParser(onlyOne)
            .makeOptionMandatory(),
    )
    .option(
      "--set <path=value>",
      "override a manifest field before validation (repeatable), e.g. spec.controlPlane.replicas=3",
      collect,
    );
}

function clusterOptions(cmd: Command): Command {
  return cmd
    .option("--context <name>", "kubeconfig context (overrides spec.targetCluster.context)")
    .option("--kubeconfig <path>", "kubeconfig file (overrides spec.targetCluster.kubeconfig)")
    .option("--stack <name>", "Pulumi stack name (default: metadata.name)")
    .option(
      "--backend <url>",
      "state backend URL (default: $PULUMI_BACKEND_URL, else file://~/.planton/state)",
    )
    .option(
      "--lock-timeout <duration>",
      "how long to wait for a stack lock another running operation holds: seconds, or 90s, 10m (default: 300 in CI, else 0)",
      parseLockTimeout,
    );
}

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join("\n")}\n`;
}

const exitCodes = `
Exit codes:
  0    success
  1    the operation failed (cluster, engine, Helm), or "no" at the prompt
  2    the input is wrong: usage, manifest, kubeconfig or context, state settings
  3    preview --expect-no-changes found changes
  4    status found the mesh unhealthy (a check is an error), or precheck (or apply's gate) found what would break
  130  interrupted: nothing changed, or the engine was cancelled and the lock released
`;

/**
 * Declares every command, flag and example. Actions normalise options and lazily import their
 * command module, so `--help`, `validate` and `render` never load the Pulumi SDK.
 */
export function createProgram(io: Io, runtime: Runtime): Command {
  const program = new Command("planton");
  const context = (): CommandContext => {
    const o = program.opts<{ color: ColorMode; verbose?: boolean; nonInteractive?: boolean }>();
    const global: GlobalOptions = {
      color: o.color,
      verbose: o.verbose === true,
      nonInteractive:
        o.nonInteractive === true ||
        (io.env.CI !== undefined && io.env.CI !== "" && io.env.CI !== "false") ||
        !io.stdinIsTTY,
    };
    return {
      io,
      global,
      err: createStyle(colorEnabled(global.color, io.stderrIsTTY, io.env)),
      out: createStyle(colorEnabled(global.color, false, io.env) && global.color === "always"),
      signal: runtime.signal,
      secret: runtime.secret,
    };
  };

  program
    .description("Install and run the Istio service mesh on Kubernetes from one declarative manifest.")
    .version(pkg.version, "--version", "print planton's version")
    .addOption(
      new Option("--color <when>", "colour output").choices(["auto", "always", "never"]).default("auto"),
    )
    .option("--non-interactive", "never prompt (implied when CI is set or standard input is not a terminal)")
    .option("-v, --verbose", "more detail, including engine logs")
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText(
      "after",
      `${examples([
        "planton validate -f istio.yaml",
        "planton render -f istio.yaml -o json",
        "planton preview -f istio.yaml --expect-no-changes",
        "planton apply -f istio.yaml --yes",
        "planton destroy -f istio.yaml",
      ])}${exitCodes}`,
    );
  // set before the subcommands are declared, which copy these settings: commander must never
  // call process.exit itself, so main.ts maps every outcome to an exit code in one place
  program.exitOverride();
  program.configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  manifestOptions(program.command("validate"), true)
    .description("Check manifests without touching a cluster; print every problem with file:line:column.")
    .addOption(
      new Option("-o, --output <format>", "diagnostics format").choices(["text", "json"]).default("text"),
    )
    .addHelpText(
      "after",
      examples([
        "planton validate -f istio.yaml",
        "planton validate -f a.yaml -f b.yaml -o json",
        "cat istio.yaml | planton validate -f -",
        "planton validate -f istio.yaml --set spec.version=1.29.6",
      ]),
    )
    .action(async (o) => (await import("./commands/validate.js")).validate(o, context()));

  gitopsOptions(manifestOptions(program.command("render"), true))
    .description("Print the install plan: Helm releases in order with chart, version, namespace and values.")
    .addOption(new Option("-o, --output <format>", "plan format").choices(["yaml", "json"]).default("yaml"))
    .option("--output-dir <dir>", "also write one values file per release plus plan.json, for GitOps tools")
    .addHelpText(
      "after",
      examples([
        "planton render -f istio.yaml",
        "planton render -f istio.yaml -o json | jq '.releases[].name'",
        "planton render -f istio.yaml --output-dir out/",
        "planton render -f istio.yaml --format argocd --output-dir gitops/ --repo-url https://git.example.com/platform.git",
        "planton render -f east.yaml -f west.yaml --format flux --output-dir gitops/",
      ]),
    )
    .action(async (o) => (await import("./commands/render.js")).render(o, context()));

  clusterOptions(manifestOptions(program.command("preview"), true))
    .description(
      "Show what apply would change: per-release value changes and Pulumi's summary. Never prompts.",
    )
    .option("--json", "print the result as JSON on standard output")
    .option(
      "--expect-no-changes",
      "exit 3 when anything would change (drift check in CI); exit 4 when apply's precheck gate would stop",
    )
    .option("--refresh", "refresh the state from the cluster first")
    .option(
      "--skip-check <code>",
      "waive one precheck finding code (repeatable): listed as waived, never fails --expect-no-changes",
      collect,
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

  clusterOptions(manifestOptions(program.command("apply"), true))
    .description("Preview, confirm, then install or upgrade Istio; shows progress per release and a summary.")
    .option("-y, --yes", "apply without asking (required without a terminal)")
    .option("--json", "print the result as JSON on standard output")
    .option("--refresh", "refresh the state from the cluster first")
    .option(
      "--timeout <duration>",
      "how long each release may take to become ready, and each node of an ambient node-by-node upgrade: seconds, or 90s, 10m, 1h (default: 600, base 300; a node 300)",
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
    .option(
      "--skip-check <code>",
      "waive one precheck finding code (repeatable): apply's gate lists it as waived and does not stop on it",
      collect,
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

  clusterOptions(manifestOptions(program.command("destroy"), true))
    .description(
      "Remove everything the stack installed, in reverse order, plus istiod's leftover webhooks. CRDs stay unless --purge-crds.",
    )
    .option("-y, --yes", "destroy without asking (required without a terminal)")
    .option("--json", "print the result as JSON on standard output")
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

  clusterOptions(manifestOptions(program.command("refresh"), true))
    .description("Reconcile the stack's state with the cluster and report drift. Changes no cluster object.")
    .option("--json", "print the result as JSON on standard output")
    .addHelpText("after", examples(["planton refresh -f istio.yaml", "planton refresh -f istio.yaml --json"]))
    .action(async (o) => (await import("./commands/refresh.js")).refresh(o, context()));

  clusterOptions(manifestOptions(program.command("outputs"), true))
    .description(
      "Print the stack outputs: namespace, version, revisions, istiod service, gateways and addresses.",
    )
    .addOption(new Option("-o, --output <format>", "output format").choices(["text", "json"]).default("text"))
    .addHelpText(
      "after",
      examples([
        "planton outputs -f istio.yaml",
        "planton outputs -f istio.yaml -o json | jq -r .istiodService",
      ]),
    )
    .action(async (o) => (await import("./commands/outputs.js")).outputs(o, context()));

  clusterOptions(manifestOptions(program.command("status"), true))
    .description(
      "Check the mesh's health: Helm releases, istiod per revision (on a remote cluster: the primary serving it), CRDs, webhooks and tags, gateways, mTLS, remote secrets, and the pods of every injected namespace. Changes nothing. With several -f, every stack side by side: exit 4 when any is unhealthy (even if another could not be checked), else 1 when any could not be checked.",
    )
    .addOption(new Option("-o, --output <format>", "output format").choices(["text", "json"]).default("text"))
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

  program
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
    .option("--name <name>", "metadata.name of the written manifest (default: -f's, else adopted-mesh)")
    .option("--context <name>", "kubeconfig context (overrides spec.targetCluster.context)")
    .option("--kubeconfig <path>", "kubeconfig file (overrides spec.targetCluster.kubeconfig)")
    .option("--stack <name>", "Pulumi stack name (default: metadata.name)")
    .option(
      "--backend <url>",
      "state backend URL (default: $PULUMI_BACKEND_URL, else file://~/.planton/state)",
    )
    .option("-y, --yes", "adopt without asking (required without a terminal)")
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

  clusterOptions(manifestOptions(program.command("precheck"), true))
    .description(
      "Check, before installing or upgrading to the manifest, every known way it would break: Kubernetes and Gateway API CRD versions, the rights the install needs, proxy version skew and known in-place breaks, webhook overlaps and the default tag's owner, pending Helm releases, foreign field managers, an Istio CRD downgrade, revisions removed while still used. Reads only. Exit 4 when a finding is an error, 1 when a check could not be made.",
    )
    .addOption(new Option("-o, --output <format>", "output format").choices(["text", "json"]).default("text"))
    .option(
      "--skip-check <code>",
      "waive one finding code (repeatable): its findings are listed as waived and do not fail",
      collect,
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

  clusterOptions(manifestOptions(program.command("unlock"), true))
    .description("Remove a stack lock left behind by a killed planton or pulumi process.")
    .option(
      "--force",
      "also remove a lock whose process still seems to run; for a remote backend, cancel the stack's running update",
    )
    .addHelpText("after", examples(["planton unlock -f istio.yaml", "planton unlock -f istio.yaml --force"]))
    .action(async (o) => (await import("./commands/unlock.js")).unlock(o, context()));

  program
    .command("convert")
    .description(
      "Convert an IstioOperator (istioctl's install format, or its bare spec) into a KubernetesIstio manifest; what did not map is listed in its header.",
    )
    .addOption(
      new Option("-f, --file <path>", "IstioOperator file; - reads standard input").makeOptionMandatory(),
    )
    .option("--name <name>", "metadata.name of the manifest (default: the IstioOperator's metadata.name)")
    .option("--strict", "exit 2, printing no manifest, when anything did not map")
    .addOption(
      new Option("-o, --output <format>", "manifest format").choices(["yaml", "json"]).default("yaml"),
    )
    .addHelpText(
      "after",
      examples([
        "planton convert -f istio-operator.yaml > istio.yaml",
        "planton convert -f istio-operator.yaml --name prod-mesh --strict",
        "cat istio-operator.yaml | planton convert -f - -o json",
      ]),
    )
    .action(async (o) => (await import("./commands/convert.js")).convert(o, context()));

  program
    .command("schema")
    .description("Print the manifest's JSON Schema, for editors (yaml-language-server).")
    .addHelpText(
      "after",
      examples([
        "planton schema > kubernetes-istio.schema.json",
        "# then, first line of istio.yaml:",
        "# yaml-language-server: $schema=./kubernetes-istio.schema.json",
      ]),
    )
    .action(async () => (await import("./commands/schema.js")).printSchema(context()));

  program
    .command("version")
    .description("Print planton's version, the default Istio version and the Pulumi SDK and CLI versions.")
    .addOption(new Option("-o, --output <format>", "output format").choices(["text", "json"]).default("text"))
    .addHelpText("after", examples(["planton version", "planton version -o json"]))
    .action(async (o) => (await import("./commands/version.js")).printVersion(o, context()));

  return program;
}
