import { type Command, Option } from "commander";
import { type ContextOf, examples, gitopsOptions, manifestOptions, outputOption } from "./options.js";

/** `validate`: checks manifests, no cluster. */
export function validateCommand(program: Command, context: ContextOf): void {
  manifestOptions(program.command("validate"))
    .description("Check manifests without touching a cluster; print every problem with file:line:column.")
    .addOption(outputOption("diagnostics format", ["text", "json"]))
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
}

/** `render`: the install plan, and optionally its files or a GitOps export. */
export function renderCommand(program: Command, context: ContextOf): void {
  gitopsOptions(manifestOptions(program.command("render")))
    .description("Print the install plan: Helm releases in order with chart, version, namespace and values.")
    .addOption(outputOption("plan format", ["yaml", "json"]))
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
}

/** `convert`: an IstioOperator into a manifest. */
export function convertCommand(program: Command, context: ContextOf): void {
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
    .addOption(outputOption("manifest format", ["yaml", "json"]))
    .addHelpText(
      "after",
      examples([
        "planton convert -f istio-operator.yaml > istio.yaml",
        "planton convert -f istio-operator.yaml --name prod-mesh --strict",
        "cat istio-operator.yaml | planton convert -f - -o json",
      ]),
    )
    .action(async (o) => (await import("./commands/convert.js")).convert(o, context()));
}

/** `schema`: the manifest's JSON Schema. */
export function schemaCommand(program: Command, context: ContextOf): void {
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
}

/** `version`: planton's, Istio's and Pulumi's versions. */
export function versionCommand(program: Command, context: ContextOf): void {
  program
    .command("version")
    .description("Print planton's version, the default Istio version and the Pulumi SDK and CLI versions.")
    .addOption(outputOption("output format", ["text", "json"]))
    .addHelpText("after", examples(["planton version", "planton version -o json"]))
    .action(async (o) => (await import("./commands/version.js")).printVersion(o, context()));
}
