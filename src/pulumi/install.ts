import { basename, dirname, join } from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { DeployError } from "../errors.js";
import { findPulumiCli, plantonHome } from "./cli-path.js";

/** How to install the Pulumi CLI by hand, for error hints. */
export const installHint =
  "install the Pulumi CLI (https://www.pulumi.com/docs/install/, e.g. `curl -fsSL https://get.pulumi.com | sh`) and put `pulumi` on PATH, or unpack it so that ~/.planton/pulumi/bin/pulumi exists";

let cached: Promise<PulumiCommand> | undefined;

/**
 * The Pulumi CLI: on PATH, else where planton installed it, else installed now into
 * ~/.planton/pulumi (saying so). Fails fast with how to install it when none can be had.
 */
export function getPulumiCommand(
  env: NodeJS.ProcessEnv,
  notify: (m: string) => void,
): Promise<PulumiCommand> {
  cached ??= locatePulumiCommand(env, notify);
  return cached;
}

async function locatePulumiCommand(
  env: NodeJS.ProcessEnv,
  notify: (m: string) => void,
): Promise<PulumiCommand> {
  const found = findPulumiCli(env);
  if (found !== undefined) {
    try {
      // an absolute root (…/bin/pulumi) keeps the CLI the one found here, whatever the child's PATH
      return await PulumiCommand.get(basename(dirname(found.binary)) === "bin" ? { root: found.root } : {});
    } catch (err) {
      cached = undefined;
      throw new DeployError(
        `the Pulumi CLI at ${found.binary} does not work: ${(err as Error).message.split("\n")[0]}`,
        installHint,
      );
    }
  }
  const root = join(plantonHome(env), "pulumi");
  notify(
    `Pulumi CLI not found on PATH: installing the version that matches planton's Pulumi SDK into ${root} (one time)…`,
  );
  try {
    return await Promise.race([
      PulumiCommand.install({ root }),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("timed out after 120s")), 120_000).unref(),
      ),
    ]);
  } catch (err) {
    cached = undefined;
    throw new DeployError(
      `the Pulumi CLI is not installed and could not be installed automatically (${(err as Error).message.split("\n")[0]})`,
      installHint,
    );
  }
}
