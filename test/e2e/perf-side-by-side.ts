/**
 * The performance scenario's two columns, measured in one run on one cluster: planton's apply,
 * unchanged preview and destroy of a manifest (with `PLANTON_TIMINGS=1`, so each prints where
 * its time goes), beside the same releases installed by hand with plain Helm, in sequence, with
 * the very values `render --output-dir` writes, and the plan's objects created through the API
 * (as `kubectl apply` would). Figures are printed, never asserted: they depend on the machine.
 * @internal
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { loadavg } from "node:os";
import { join } from "node:path";
import { helmBinary } from "../fidelity/helm.js";
import type { Result } from "./run-cli.js";
import { show } from "./run-cli.js";

interface PerfCluster {
  // biome-ignore lint/suspicious/noExplicitAny: API responses are free-form
  request: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;
}

/** What the scenario needs from its suite. @internal */
export interface PerfContext {
  cluster: PerfCluster;
  /** The chart repository's URL. */
  charts: string;
  /** The suite's work folder. */
  work: string;
  /** The suite's planton environment (Helm runs in it too). */
  env: NodeJS.ProcessEnv;
  /** Runs the real CLI. */
  cli: (args: string[], opts?: { extraEnv?: NodeJS.ProcessEnv }) => Promise<Result>;
}

interface PlannedRelease {
  name: string;
  chart: string;
  version: string;
  namespace: string;
  helmWait: boolean;
}
interface RenderedPlan {
  namespaces: { name: string }[];
  releases: PlannedRelease[];
  objects: {
    manifest: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };
  }[];
}

/** One round's figures. */
interface Round {
  helmInstall: number;
  helmUninstall: number;
  helmReleases: Record<string, number>;
  a: Result;
  p: Result;
  d: Result;
}

/** The median figures of a scenario, by name (seconds). @internal */
export type PerfFigures = Record<"apply" | "helmInstall" | "preview" | "destroy" | "helmUninstall", number>;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const timings = (r: Result) => JSON.parse(/timings: (\{.*\})/.exec(r.stderr)?.[1] ?? "{}");

/** Polls `ready` every 100 ms until it holds, for at most 10 minutes. */
async function until(what: string, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 600_000;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`${what}: not after 10 minutes`);
    await pause(100);
  }
}

/**
 * Runs `rounds` rounds of Helm then planton for `manifestArgs` (`-f …`, `--set …`), prints each
 * round's figures and phases and the medians, and returns the medians.
 * @internal
 */
export async function sideBySide(
  ctx: PerfContext,
  label: string,
  manifestArgs: string[],
  rounds: number,
): Promise<PerfFigures> {
  const plan = await renderPlan(ctx, label, manifestArgs);
  const namespaces = plan.namespaces.map((n) => n.name);
  const gone = () => Promise.all(namespaces.map((ns) => namespaceGone(ctx.cluster, ns)));
  await gone();
  const timedEnv = { extraEnv: { PLANTON_TIMINGS: "1" } };
  const runs: Round[] = [];
  for (let round = 0; round < rounds; round++) {
    const { total: helmInstall, perRelease: helmReleases } = await helmInstallAll(ctx, plan, label);
    const uninstallStart = Date.now();
    await helmUninstallAll(ctx, plan);
    for (const ns of namespaces) await ctx.cluster.request("DELETE", `/api/v1/namespaces/${ns}`);
    await gone();
    const helmUninstall = (Date.now() - uninstallStart) / 1000;

    const a = await ctx.cli(["apply", "--yes", ...manifestArgs], timedEnv);
    assert.equal(a.code, 0, show(a));
    const p = await ctx.cli(["preview", "--expect-no-changes", ...manifestArgs], timedEnv);
    assert.equal(p.code, 0, show(p));
    const d = await ctx.cli(["destroy", "--yes", ...manifestArgs], timedEnv);
    assert.equal(d.code, 0, show(d));
    await gone();
    runs.push({ helmInstall, helmUninstall, helmReleases, a, p, d });
    console.log(
      `  ${label} round ${round + 1} (load ${loadavg()[0]?.toFixed(2)}): apply ${a.seconds} vs helm ${helmInstall.toFixed(2)}; preview ${p.seconds}; destroy ${d.seconds} vs helm ${helmUninstall.toFixed(2)}\n    helm    ${JSON.stringify(helmReleases)}\n    apply   ${JSON.stringify(timings(a))}\n    preview ${JSON.stringify(timings(p))}\n    destroy ${JSON.stringify(timings(d))}`,
    );
  }
  return report(label, runs);
}

/** `render -o json --output-dir`: the plan and one values file per release. */
async function renderPlan(ctx: PerfContext, label: string, manifestArgs: string[]): Promise<RenderedPlan> {
  const dir = join(ctx.work, `values-${label.replace(/\W+/g, "-")}`);
  const rendered = await ctx.cli(["render", "-o", "json", ...manifestArgs, "--output-dir", dir]);
  assert.equal(rendered.code, 0, show(rendered));
  return JSON.parse(rendered.stdout) as RenderedPlan;
}

/**
 * Each release by `helm install`, in the plan's order, with `--wait` where planton's release
 * waits; a release planton installs without Helm's wait (an ingress gateway: its LoadBalancer
 * Service never gets an address here, so Helm's wait would never end) is followed by a wait for
 * its Deployment's pods, as planton's own gateway wait does. Then the plan's objects.
 */
async function helmInstallAll(
  ctx: PerfContext,
  plan: RenderedPlan,
  label: string,
): Promise<{ total: number; perRelease: Record<string, number> }> {
  const helmHome = join(ctx.work, "helm");
  const helmEnv = {
    ...ctx.env,
    HELM_CACHE_HOME: join(helmHome, "cache"),
    HELM_CONFIG_HOME: join(helmHome, "config"),
    HELM_DATA_HOME: join(helmHome, "data"),
  };
  const dir = join(ctx.work, `values-${label.replace(/\W+/g, "-")}`);
  const perRelease: Record<string, number> = {};
  const start = Date.now();
  for (const r of plan.releases) {
    const t = Date.now();
    await helm(helmEnv, [
      "install",
      r.name,
      r.chart,
      "--repo",
      ctx.charts,
      "--version",
      r.version,
      "--namespace",
      r.namespace,
      "--create-namespace",
      "-f",
      join(dir, `${r.name}.values.yaml`),
      ...(r.helmWait ? ["--wait", "--timeout", "10m"] : []),
    ]);
    if (!r.helmWait) await until(`${r.name} ready`, () => deploymentReady(ctx.cluster, r.namespace, r.name));
    perRelease[r.name] = (Date.now() - t) / 1000;
  }
  for (const o of plan.objects) {
    const m = o.manifest;
    const ns = m.metadata.namespace === undefined ? "" : `/namespaces/${m.metadata.namespace}`;
    const base = m.apiVersion.includes("/") ? `/apis/${m.apiVersion}` : `/api/${m.apiVersion}`;
    const res = await ctx.cluster.request("POST", `${base}${ns}/${m.kind.toLowerCase()}s`, m);
    assert.ok(res.status < 300, `create ${m.kind} ${m.metadata.name}: ${JSON.stringify(res.body)}`);
  }
  return { total: (Date.now() - start) / 1000, perRelease };
}

/** `helm uninstall --wait` of each release, in reverse order. */
async function helmUninstallAll(ctx: PerfContext, plan: RenderedPlan): Promise<void> {
  for (const r of [...plan.releases].reverse())
    await helm(ctx.env, ["uninstall", r.name, "--namespace", r.namespace, "--wait"]);
}

/** Runs Helm asynchronously (the chart repository is served by this very process). */
function helm(env: NodeJS.ProcessEnv, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(helmBinary(), args, { env }, (err, _out, stderr) =>
      err ? reject(new Error(`helm ${args.join(" ")}: ${stderr}`)) : resolve(),
    ),
  );
}

async function deploymentReady(cluster: PerfCluster, ns: string, name: string): Promise<boolean> {
  const d = (await cluster.request("GET", `/apis/apps/v1/namespaces/${ns}/deployments/${name}`)).body;
  const want = d?.spec?.replicas ?? 1;
  return d?.status?.updatedReplicas === want && d?.status?.availableReplicas === want;
}

/** Resolves once the namespace is gone (polled every 100 ms). */
function namespaceGone(cluster: PerfCluster, name: string): Promise<void> {
  return until(`namespace ${name} deleted`, async () => {
    return (await cluster.request("GET", `/api/v1/namespaces/${name}`)).status === 404;
  });
}

/** Prints the medians and the last round's phases; returns the medians. */
function report(label: string, runs: Round[]): PerfFigures {
  const median = (f: (r: Round) => number) => {
    const xs = runs.map(f).sort((x, y) => x - y);
    return xs.length % 2 === 1
      ? (xs[(xs.length - 1) / 2] ?? 0)
      : ((xs[xs.length / 2 - 1] ?? 0) + (xs[xs.length / 2] ?? 0)) / 2;
  };
  const figures: PerfFigures = {
    apply: median((r) => r.a.seconds),
    helmInstall: median((r) => r.helmInstall),
    preview: median((r) => r.p.seconds),
    destroy: median((r) => r.d.seconds),
    helmUninstall: median((r) => r.helmUninstall),
  };
  const rows = [
    ["first apply", figures.apply, figures.helmInstall, "sequential helm install --wait"],
    ["preview, unchanged", figures.preview, 1.5, "target"],
    [
      "destroy",
      figures.destroy,
      figures.helmUninstall,
      "sequential helm uninstall --wait + namespace deletion",
    ],
  ] as const;
  const n = runs.length;
  console.log(
    `\nperformance of ${label} (seconds, ${n > 1 ? `median of ${n} rounds` : "this run"}):\n${rows.map(([what, planton, other, vs]) => `  ${what.padEnd(20)} planton ${planton.toFixed(1).padStart(5)}  vs ${other.toFixed(1).padStart(5)} (${vs}): ${(planton / other).toFixed(2)}x`).join("\n")}`,
  );
  return figures;
}
