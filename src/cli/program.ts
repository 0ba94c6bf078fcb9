import { Command, Option } from "commander";
import pkg from "../../package.json" with { type: "json" };
import { createStyle, colorEnabled, type ColorMode } from "../output/style.js";
import { declareCommands } from "./commands.js";
import type { CommandContext, GlobalOptions, Io } from "./io.js";
import { examples } from "./options.js";

/** What main.ts gives every command besides the Io: cancellation and the secret registry. */
export interface Runtime {
  signal: AbortSignal;
  secret: (value: string, what?: string) => void;
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
 * Declares the global flags, then every command (commands.ts: their flags, examples and the
 * module each runs).
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

  declareCommands(program, context);
  return program;
}
