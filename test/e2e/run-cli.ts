import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { root } from "../helpers/paths.js";

/** What a run of the real CLI printed and how it ended. @internal */
export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** The command users run. @internal */
export const planton = join(root, "bin", "planton");

/**
 * The environment the suites run planton in: the built engine binaries first on PATH, the
 * cluster's kubeconfig, state and Pulumi home under the suite's work folder, a passphrase, CI
 * output, and the suite's own TMPDIR (checked for leftovers). @internal
 */
export function plantonEnv(o: {
  bin: string;
  kubeconfigPath: string;
  work: string;
  tmp: string;
}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${o.bin}:${process.env.PATH}`,
    KUBECONFIG: o.kubeconfigPath,
    PLANTON_HOME: join(o.work, "planton"),
    PULUMI_HOME: join(o.work, "pulumi-home"),
    PULUMI_CONFIG_PASSPHRASE: "e2e-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    CI: "true",
    NO_COLOR: "1",
    TMPDIR: o.tmp,
  };
}

/**
 * Runs the real CLI in its own process group. `onStderr` sees its standard error so far, and the
 * child (for signals). @internal
 */
export function runPlanton(
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { onStderr?: (text: string, p: ChildProcess) => void } = {},
): Promise<Result> {
  const start = Date.now();
  return new Promise((resolve) => {
    const p = spawn(planton, args, { env, cwd: root, detached: true });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => {
      stdout += d;
    });
    p.stderr.on("data", (d) => {
      stderr += d;
      opts.onStderr?.(stderr, p);
    });
    p.on("close", (code, signal) =>
      resolve({ code, signal, stdout, stderr, seconds: (Date.now() - start) / 1000 }),
    );
  });
}

/** A run's exit code and output, for assertion messages. @internal */
export const show = (r: Result) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
