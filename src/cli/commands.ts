import { type Command, Option } from "commander";
import { parseTimeout } from "./durations.js";
import type { CommandContext } from "./io.js";
import {
  clusterOptions,
  collect,
  examples,
  flag,
  gitopsOptions,
  jsonOption,
  manifestOptions,
  outputOption,
  refreshOption,
  skipCheckOption,
  targetOptions,
  yesOption,
} from "./options.js";

/** One command as `--help` shows it, and the lazily imported module that runs it. */
interface CommandSpec {
  name: string;
  description: string;
  options: Option[];
  examples: string[];
  /** Receives commander's parsed options, typed by the command module itself. */
  run: (options: never, ctx: CommandContext) => Promise<void>;
}

const textOrJson = () => outputOption("output format", ["text", "json"]);

/** Every command in `--help`'s order. Each imports its module only when it runs, so `--help`,
 * `validate` and `render` never load the Pulumi SDK. */
const commands: CommandSpec[] = [
  {
    name: "validate",
    description: "Check manifests without touching a cluster; print every problem with file:line:column.",
    options: [...manifestOptions(), outputOption("diagnostics format", ["text", "json"])],
    examples: [
      "planton validate -f istio.yaml",
      "planton validate -f a.yaml -f b.yaml -o json",
      "cat istio.yaml | planton validate -f -",
      "planton validate -f istio.yaml --set spec.version=1.29.6",
    ],
    run: async (o, ctx) => (await import("./commands/validate.js")).validate(o, ctx),
  },
  {
    name: "render",
    description: "Print the install plan: Helm releases in order with chart, version, namespace and values.",
    options: [
      ...manifestOptions(),
      ...gitopsOptions(),
      outputOption("plan format", ["yaml", "json"]),
      flag("--output-dir <dir>", "also write one values file per release plus plan.json, for GitOps tools"),
    ],
    examples: [
      "planton render -f istio.yaml",
      "planton render -f istio.yaml -o json | jq '.releases[].name'",
      "planton render -f istio.yaml --output-dir out/",
      "planton render -f istio.yaml --format argocd --output-dir gitops/ --repo-url https://git.example.com/platform.git",
      "planton render -f east.yaml -f west.yaml --format flux --output-dir gitops/",
    ],
    run: async (o, ctx) => (await import("./commands/render.js")).render(o, ctx),
  },
  {
    name: "preview",
    description:
      "Show what apply would change: per-release value changes and Pulumi's summary. Never prompts.",
    options: [
      ...clusterOptions(),
      jsonOption(),
      flag(
        "--expect-no-changes",
        "exit 3 when anything would change (drift check in CI); exit 4 when apply's precheck gate would stop",
      ),
      refreshOption(),
      skipCheckOption(
        "waive one precheck finding code (repeatable): listed as waived, never fails --expect-no-changes",
      ),
    ],
    examples: [
      "planton preview -f istio.yaml",
      "planton preview -f istio.yaml --expect-no-changes --refresh",
      "planton preview -f istio.yaml --json",
      "planton preview -f east.yaml -f west.yaml   # one mesh over two clusters",
    ],
    run: async (o, ctx) => (await import("./commands/preview.js")).preview(o, ctx),
  },
  {
    name: "apply",
    description: "Preview, confirm, then install or upgrade Istio; shows progress per release and a summary.",
    options: [
      ...clusterOptions(),
      yesOption("apply"),
      jsonOption(),
      refreshOption(),
      flag(
        "--timeout <duration>",
        "how long each release may take to become ready, and each node of an ambient node-by-node upgrade: seconds, or 90s, 10m, 1h (default: 600, base 300; a node 300)",
        parseTimeout,
      ),
      flag(
        "--no-verify",
        "skip the health checks at the end (the same as planton status; by default apply fails when the control plane is not healthy within --timeout, default 300s)",
      ),
      flag(
        "--restart-workloads",
        "once the revision a namespace now points at is ready, rollout-restart its Deployments, StatefulSets and DaemonSets (only namespaces in spec.namespaces whose revision changed)",
      ),
      skipCheckOption(
        "waive one precheck finding code (repeatable): apply's gate lists it as waived and does not stop on it",
      ),
    ],
    examples: [
      "planton apply -f istio.yaml",
      "planton apply -f istio.yaml --yes",
      "planton apply -f istio.yaml --set spec.version=1.30.3 --yes",
      "planton apply -f examples/canary/3-move-stable.yaml --restart-workloads",
      "planton apply -f istio.yaml --skip-check PROXY_VERSION_SKEW   # accept that finding of the gate",
      "planton apply -f primary.yaml -f remote.yaml   # the primary first, then its remote",
    ],
    run: async (o, ctx) => (await import("./commands/apply.js")).apply(o, ctx),
  },
  {
    name: "destroy",
    description:
      "Remove everything the stack installed, in reverse order, plus istiod's leftover webhooks. CRDs stay unless --purge-crds.",
    options: [
      ...clusterOptions(),
      yesOption("destroy"),
      jsonOption(),
      flag(
        "--purge-crds",
        "also delete Istio's CRDs and the Gateway API CRDs planton installed, and with them every Istio resource, Gateway and route in the cluster",
      ),
      flag(
        "--forget-unreachable-remotes",
        "when a cluster of spec.multiCluster.remotes cannot be reached, remove everything else and leave planton's reader there (listed); without it destroy stops before changing anything",
      ),
    ],
    examples: [
      "planton destroy -f istio.yaml",
      "planton destroy -f istio.yaml --yes --purge-crds",
      "planton destroy -f primary.yaml -f remote.yaml   # remotes first, then their primary",
    ],
    run: async (o, ctx) => (await import("./commands/destroy.js")).destroy(o, ctx),
  },
  {
    name: "refresh",
    description: "Reconcile the stack's state with the cluster and report drift. Changes no cluster object.",
    options: [...clusterOptions(), jsonOption()],
    examples: ["planton refresh -f istio.yaml", "planton refresh -f istio.yaml --json"],
    run: async (o, ctx) => (await import("./commands/refresh.js")).refresh(o, ctx),
  },
  {
    name: "outputs",
    description:
      "Print the stack outputs: namespace, version, revisions, istiod service, gateways and addresses.",
    options: [...clusterOptions(), textOrJson()],
    examples: [
      "planton outputs -f istio.yaml",
      "planton outputs -f istio.yaml -o json | jq -r .istiodService",
    ],
    run: async (o, ctx) => (await import("./commands/outputs.js")).outputs(o, ctx),
  },
  {
    name: "status",
    description:
      "Check the mesh's health: Helm releases, istiod per revision (on a remote cluster: the primary serving it), CRDs, webhooks and tags, gateways, mTLS, remote secrets, and the pods of every injected namespace. Changes nothing. With several -f, every stack side by side: exit 4 when any is unhealthy (even if another could not be checked), else 1 when any could not be checked.",
    options: [
      ...clusterOptions(),
      textOrJson(),
      flag(
        "--wait <duration>",
        "re-check every 2s until healthy or this much time passed: seconds, or 90s, 10m, 1h (with several -f, each stack on its own)",
      ),
    ],
    examples: [
      "planton status -f istio.yaml",
      "planton status -f istio.yaml --wait 5m",
      "planton status -f istio.yaml -o json | jq -r '.checks[] | select(.state != \"ok\") | .message'",
      "planton status -f east.yaml -f west.yaml   # one mesh over two clusters, a table per stack",
    ],
    run: async (o, ctx) => (await import("./commands/status.js")).status(o, ctx),
  },
  {
    name: "adopt",
    description:
      "Take a running Istio mesh (installed with Helm or istioctl) into a stack: with --write-manifest, write the manifest that reproduces it (reads only); with -f, show what adoption does, ask, then hand istioctl's objects to Helm and import the live releases into the manifest's stack. planton then owns the mesh: destroy removes it.",
    options: [
      flag(
        "-f, --file <path>",
        "the manifest to adopt into (its namespace picks the control plane; its target cluster is used)",
      ),
      flag("--set <path=value>", "override a manifest field before validation (repeatable)", collect),
      flag(
        "--write-manifest <path>",
        "write the KubernetesIstio manifest that reproduces the live mesh to this file",
      ),
      flag("--name <name>", "metadata.name of the written manifest (default: -f's, else adopted-mesh)"),
      ...targetOptions(),
      yesOption("adopt"),
    ],
    examples: [
      "planton adopt --write-manifest istio.yaml --context prod",
      "planton adopt -f istio.yaml --write-manifest adopted.yaml",
      "planton adopt -f istio.yaml   # shows the imports and hand-overs, asks, then adopts",
      "planton adopt -f istio.yaml --yes",
    ],
    run: async (o, ctx) => (await import("./commands/adopt.js")).adopt(o, ctx),
  },
  {
    name: "precheck",
    description:
      "Check, before installing or upgrading to the manifest, every known way it would break: Kubernetes and Gateway API CRD versions, the rights the install needs, proxy version skew and known in-place breaks, webhook overlaps and the default tag's owner, pending Helm releases, foreign field managers, an Istio CRD downgrade, revisions removed while still used. Reads only. Exit 4 when a finding is an error, 1 when a check could not be made.",
    options: [
      ...clusterOptions(),
      textOrJson(),
      skipCheckOption(
        "waive one finding code (repeatable): its findings are listed as waived and do not fail",
      ),
    ],
    examples: [
      "planton precheck -f istio.yaml",
      "planton precheck -f istio.yaml -o json | jq -r '.findings[] | select(.severity == \"ERROR\") | .code'",
      "planton precheck -f istio.yaml --skip-check PROXY_VERSION_SKEW",
      "planton precheck -f east.yaml -f west.yaml   # one mesh over two clusters, a report per stack",
    ],
    run: async (o, ctx) => (await import("./commands/precheck.js")).precheck(o, ctx),
  },
  {
    name: "unlock",
    description: "Remove a stack lock left behind by a killed planton or pulumi process.",
    options: [
      ...clusterOptions(),
      flag(
        "--force",
        "also remove a lock whose process still seems to run; for a remote backend, cancel the stack's running update",
      ),
    ],
    examples: ["planton unlock -f istio.yaml", "planton unlock -f istio.yaml --force"],
    run: async (o, ctx) => (await import("./commands/unlock.js")).unlock(o, ctx),
  },
  {
    name: "convert",
    description:
      "Convert an IstioOperator (istioctl's install format, or its bare spec) into a KubernetesIstio manifest; what did not map is listed in its header.",
    options: [
      new Option("-f, --file <path>", "IstioOperator file; - reads standard input").makeOptionMandatory(),
      flag("--name <name>", "metadata.name of the manifest (default: the IstioOperator's metadata.name)"),
      flag("--strict", "exit 2, printing no manifest, when anything did not map"),
      outputOption("manifest format", ["yaml", "json"]),
    ],
    examples: [
      "planton convert -f istio-operator.yaml > istio.yaml",
      "planton convert -f istio-operator.yaml --name prod-mesh --strict",
      "cat istio-operator.yaml | planton convert -f - -o json",
    ],
    run: async (o, ctx) => (await import("./commands/convert.js")).convert(o, ctx),
  },
  {
    name: "schema",
    description: "Print the manifest's JSON Schema, for editors (yaml-language-server).",
    options: [],
    examples: [
      "planton schema > kubernetes-istio.schema.json",
      "# then, first line of istio.yaml:",
      "# yaml-language-server: $schema=./kubernetes-istio.schema.json",
    ],
    run: async (_o, ctx) => (await import("./commands/schema.js")).printSchema(ctx),
  },
  {
    name: "version",
    description: "Print planton's version, the default Istio version and the Pulumi SDK and CLI versions.",
    options: [textOrJson()],
    examples: ["planton version", "planton version -o json"],
    run: async (o, ctx) => (await import("./commands/version.js")).printVersion(o, ctx),
  },
];

/** Declares every command of the table on `program`; `context` is built when one runs. */
export function declareCommands(program: Command, context: () => CommandContext): void {
  for (const spec of commands) {
    const command = program.command(spec.name).description(spec.description);
    for (const option of spec.options) command.addOption(option);
    command
      .addHelpText("after", examples(spec.examples))
      .action(async (options) => spec.run(options as never, context()));
  }
}
