import { mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { SemVer } from "semver";
import { DeployError } from "../errors.js";
import { withDeadline } from "../poll.js";
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

/** @internal (exported for tests; use `getPulumiCommand`) */
export async function locatePulumiCommand(
  env: NodeJS.ProcessEnv,
  notify: (m: string) => void,
): Promise<PulumiCommand> {
  const found = findPulumiCli(env);
  if (found !== undefined) {
    try {
      // an absolute root (…/bin/pulumi) keeps the CLI the one found here, whatever the child's PATH
      const root = basename(dirname(found.binary)) === "bin" ? found.root : undefined;
      const command = root === undefined ? "pulumi" : resolve(join(root, "bin/pulumi"));
      const known = knownVersion(env, found.binary);
      if (known !== undefined) return commandOf(command, known);
      const cli = await PulumiCommand.get(root === undefined ? {} : { root });
      rememberVersion(env, found.binary, cli.version?.format());
      return cli;
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
    return await withDeadline(() => PulumiCommand.install({ root }), 120_000);
  } catch (err) {
    cached = undefined;
    throw new DeployError(
      `the Pulumi CLI is not installed and could not be installed automatically (${(err as Error).message.split("\n")[0]})`,
      installHint,
    );
  }
}

/** The PulumiCommand the SDK would build after `pulumi version` (its constructor is not public in the types). */
function commandOf(command: string, version: string): PulumiCommand {
  const Ctor = PulumiCommand as unknown as new (command: string, version: SemVer) => PulumiCommand;
  return new Ctor(command, new SemVer(version));
}

/** The cache of the CLI's version: `pulumi version` costs ~0.1 s on every engine command. */
const versionCache = (env: NodeJS.ProcessEnv) => join(plantonHome(env), "cache", "pulumi-version.json");

/** Identifies the binary a version was read from: its real path, size and modification time. */
function binaryKey(binary: string): string | undefined {
  try {
    const real = realpathSync(binary);
    const st = statSync(real);
    return `${real}:${st.size}:${st.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/**
 * The version `pulumi version` printed for this very binary before (and that the SDK then
 * checked against its minimum), or undefined: a changed, moved or replaced binary is asked again.
 */
function knownVersion(env: NodeJS.ProcessEnv, binary: string): string | undefined {
  const key = binaryKey(binary);
  if (key === undefined) return undefined;
  try {
    const cached = JSON.parse(readFileSync(versionCache(env), "utf8")) as {
      key?: unknown;
      version?: unknown;
    };
    if (cached.key !== key || typeof cached.version !== "string") return undefined;
    return new SemVer(cached.version).format();
  } catch {
    return undefined;
  }
}

function rememberVersion(env: NodeJS.ProcessEnv, binary: string, version: string | undefined): void {
  const key = binaryKey(binary);
  if (key === undefined || version === undefined) return;
  try {
    const file = versionCache(env);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ key, version }));
    renameSync(tmp, file);
  } catch {
    // a cache: without it, the next command asks the CLI again
  }
}
