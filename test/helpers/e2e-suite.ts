/** Where an e2e suite finds its binaries and keeps its files and figures. */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { chartsDir, serveFolder } from "../fidelity/helm.js";
// @ts-expect-error: plain JavaScript harness
import { startCluster, stopCluster } from "../e2e/cluster/harness.mjs";

/** The binaries scripts/e2e-build.sh puts in ${PLANTON_E2E_CACHE:-~/.cache/planton-e2e}/bin. */
export const e2eBin = join(process.env.PLANTON_E2E_CACHE ?? join(homedir(), ".cache", "planton-e2e"), "bin");

export interface SuiteWork {
  /** A fresh folder `planton-<name>-…` for the suite's files. */
  work: string;
  /** The commands' temporary folder, inside `work`. */
  tmp: string;
  /** Wall times in seconds by name, printed when the process exits (when there are any). */
  figures: Record<string, number>;
}

/**
 * A suite's work folder and figures. With `removeOnExit` the folder is removed when the process
 * exits, unless PLANTON_E2E_KEEP=1.
 */
export function suiteWork(name: string, opts: { removeOnExit: boolean }): SuiteWork {
  const work = mkdtempSync(join(tmpdir(), `planton-${name}-`));
  const tmp = join(work, "tmp");
  mkdirSync(tmp);
  const figures: Record<string, number> = {};
  process.on("exit", () => {
    if (opts.removeOnExit && process.env.PLANTON_E2E_KEEP !== "1")
      rmSync(work, { recursive: true, force: true });
    if (Object.keys(figures).length > 0)
      console.log(`\nfigures (wall time, seconds): ${JSON.stringify(figures)}`);
  });
  return { work, tmp, figures };
}

/**
 * One harness cluster (`startCluster` options) and the chart fixtures served on 127.0.0.1 for a
 * whole suite file: both started before its tests and stopped after them. `use` receives them.
 */
export function useSuiteCluster<C>(
  options: Record<string, unknown>,
  use: (cluster: C, charts: string) => void,
): void {
  let cluster: C | undefined;
  let closeCharts: () => Promise<void> = async () => {};
  before(async () => {
    cluster = (await startCluster({ binDir: e2eBin, ...options })) as C;
    const served = await serveFolder(chartsDir);
    closeCharts = served.close;
    use(cluster, served.url);
  });
  after(async () => {
    await closeCharts();
    if (cluster !== undefined) await stopCluster(cluster);
  });
}
