// The private temporary folder of one use of the Pulumi CLI (an engine session, a state read):
// `planton-<pid>-XXXXXX` under TMPDIR, with a `tmp` folder for the engine and its plugins, which
// write temporary files too (the Kubernetes provider leaves a copy of the kubeconfig per Helm
// operation). Removed by `remove`; those of killed planton processes are swept at the next one.

import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface WorkFolder {
  dir: string;
  /** TMPDIR for the engine and its plugins. */
  engineTmp: string;
  remove(): void;
}

/** A new work folder under `env.TMPDIR` (or the system's); `sweep` first removes abandoned ones. */
export function openWorkFolder(env: NodeJS.ProcessEnv, options: { sweep?: boolean } = {}): WorkFolder {
  const base = env.TMPDIR || tmpdir();
  if (options.sweep) sweepAbandoned(base);
  const dir = mkdtempSync(join(base, `planton-${process.pid}-`));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const engineTmp = join(dir, "tmp");
  try {
    mkdirSync(engineTmp, { mode: 0o700 });
  } catch (err) {
    remove();
    throw err;
  }
  return { dir, engineTmp, remove };
}

/**
 * Removes the work folders of planton processes that were killed before they could remove
 * their own (`planton-<pid>-*` whose pid no longer runs). A folder whose pid runs is left alone,
 * whoever runs it.
 */
function sweepAbandoned(base: string): void {
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^planton-(\d+)-[A-Za-z0-9]{6}$/.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
      continue; // still running (or not ours to signal): leave it
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") continue;
    }
    rmSync(join(base, name), { recursive: true, force: true });
  }
}
