import { accessSync, constants } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";

/** Where planton installs the Pulumi CLI on first use: `~/.planton/pulumi/bin/pulumi`. */
export function plantonHome(env: NodeJS.ProcessEnv): string {
  return env.PLANTON_HOME ?? join(homedir(), ".planton");
}

/** A Pulumi CLI found on this machine: its install root (holding `bin/pulumi`) and binary. */
export interface PulumiCliLocation {
  root: string;
  binary: string;
  source: "PATH" | "planton";
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the Pulumi CLI: first on PATH (a `pulumi` whose folder is `<root>/bin`), then where
 * planton installs it. Pure lookup; starts nothing.
 */
export function findPulumiCli(env: NodeJS.ProcessEnv): PulumiCliLocation | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const binary = join(dir, "pulumi");
    if (executable(binary)) return { root: join(dir, ".."), binary, source: "PATH" };
  }
  const root = join(plantonHome(env), "pulumi");
  const binary = join(root, "bin", "pulumi");
  return executable(binary) ? { root, binary, source: "planton" } : undefined;
}
