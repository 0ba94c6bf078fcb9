/**
 * Team state in a real S3-compatible object store: SeaweedFS (`weed server -filer -s3`, built by
 * scripts/e2e-build.sh seaweedfs) on 127.0.0.1, one bucket, one identity whose keys reach the
 * Pulumi CLI as AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and the bucket URL as users write it for
 * an S3-compatible store (endpoint, path style, region). Two clusters of the e2e harness (two
 * stacks in one bucket apply side by side). The scenarios run in order and share the bucket.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { homedir, hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chartsDir, serveFolder } from "../fidelity/helm.js";
import { root } from "../helpers/paths.js";
import { plantonEnv, type Result, runPlanton, show } from "./run-cli.js";
// @ts-expect-error: plain JavaScript harness
import { startCluster, stopCluster } from "./cluster/harness.mjs";
// @ts-expect-error: plain JavaScript harness
import { startS3 } from "./cluster/s3.mjs";

interface Cluster {
  kubeconfigPath: string;
  // biome-ignore lint/suspicious/noExplicitAny: API responses are free-form
  request: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;
}
interface S3 {
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  url: (bucket?: string) => string;
  objects: (bucket?: string) => Promise<Map<string, Buffer>>;
  put: (key: string, body: string) => Promise<void>;
  stop: () => Promise<void>;
}

const cache = process.env.PLANTON_E2E_CACHE ?? join(homedir(), ".cache", "planton-e2e");
const bin = join(cache, "bin");
const work = mkdtempSync(join(tmpdir(), "planton-s3-"));
const tmp = join(work, "tmp");
mkdirSync(tmp);
const passphrase = "s3-e2e-passphrase-7f3a9c";
const figures: Record<string, number> = {};
let clusterA: Cluster;
let clusterB: Cluster;
let s3: S3;
let charts = "";
let closeCharts: () => Promise<void> = async () => {};

before(async () => {
  const t = Date.now();
  // each assigned as it starts, so that after() stops what did start when another part fails
  await Promise.all([
    startCluster({ binDir: bin, nodes: 2 }).then((c: Cluster) => {
      clusterA = c;
    }),
    startCluster({ binDir: bin, nodes: 1 }).then((c: Cluster) => {
      clusterB = c;
    }),
    startS3({ binDir: bin, workDir: work }).then((x: S3) => {
      s3 = x;
    }),
  ]);
  const served = await serveFolder(chartsDir);
  charts = served.url;
  closeCharts = served.close;
  figures.setup = (Date.now() - t) / 1000;
});
after(async () => {
  await closeCharts();
  await Promise.all([clusterA && stopCluster(clusterA), clusterB && stopCluster(clusterB), s3?.stop()]);
  if (process.env.PLANTON_E2E_KEEP !== "1") rmSync(work, { recursive: true, force: true });
  console.log(`\nfigures (wall time, seconds): ${JSON.stringify(figures)}`);
});

/** planton against cluster A (or B) with the bucket's credentials and the suite's passphrase. */
function cli(
  args: string[],
  o: { cluster?: Cluster; env?: NodeJS.ProcessEnv; onStderr?: (t: string, p: ChildProcess) => void } = {},
): Promise<Result> {
  const env = {
    ...plantonEnv({ bin, kubeconfigPath: (o.cluster ?? clusterA).kubeconfigPath, work, tmp }),
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    AWS_ACCESS_KEY_ID: s3.accessKey,
    AWS_SECRET_ACCESS_KEY: s3.secretKey,
    AWS_EC2_METADATA_DISABLED: "true",
    ...o.env,
  };
  const full = args[0] === "apply" ? [...args, "--no-verify"] : args;
  return runPlanton(full, env, o.onStderr ? { onStderr: o.onStderr } : {});
}

const dev = join(root, "examples", "dev.yaml");
/** A command on examples/dev.yaml with the test charts and the bucket backend (or `backend`). */
const onDev = (verb: string[], extra: string[] = [], backend = s3.url()) => [
  ...verb,
  "-f",
  dev,
  "--set",
  `spec.charts.repository=${charts}`,
  "--backend",
  backend,
  ...extra,
];
const replicas = async (c: Cluster = clusterA) =>
  (await c.request("GET", "/apis/apps/v1/namespaces/istio-system/deployments/istiod")).body.spec?.replicas;
const keys = async (prefix: string) => [...(await s3.objects()).keys()].filter((k) => k.startsWith(prefix));
const stackKey = ".pulumi/stacks/planton-kubernetes-istio/dev-mesh.json";

/** Every descendant pid of `pid`, from /proc (read before a kill -9, which orphans them). */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync("/proc").filter((n) => /^\d+$/.test(n)))
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // ended while we looked
    }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, pp] of parent)
      if (pp === p) {
        out.push(child);
        walk(child);
      }
  };
  walk(pid);
  return out;
}

/** The secrets no output and no object in the bucket may hold in clear. */
function secretNeedles(): string[] {
  const kubeconfig = readFileSync(clusterA.kubeconfigPath, "utf8");
  const keyB64 = /client-key-data: (\S+)/.exec(kubeconfig)?.[1] ?? "";
  const keyPem = Buffer.from(keyB64, "base64").toString("utf8").split("\n")[1] ?? "";
  const needles = [keyB64.slice(40, 100), keyPem, passphrase, s3.secretKey];
  assert.ok(needles.every((n) => n.length >= 20));
  return needles;
}
function assertNoSecret(r: Result): void {
  for (const n of secretNeedles())
    assert.ok(!(r.stdout + r.stderr).includes(n), `a secret in the output:\n${show(r)}`);
}
/** Exit 1 or 2, one `error:` line (and a hint), no stack trace, no secret. */
function assertOneLineError(r: Result, codes: number[], pattern: RegExp): void {
  assert.ok(codes.includes(r.code ?? -1), show(r));
  const errors = r.stderr.split("\n").filter((l) => /^error/.test(l));
  assert.equal(errors.length, 1, show(r));
  assert.match(errors[0] ?? "", pattern, show(r));
  assert.doesNotMatch(r.stderr, /^\s+at /m, show(r));
  assertNoSecret(r);
}

describe("team state in an S3-compatible bucket", { concurrency: false }, () => {
  it("two different stacks in one bucket apply side by side", async () => {
    const t = Date.now();
    const [a, b] = await Promise.all([
      cli(onDev(["apply", "--yes"], ["--stack", "team-a", "--lock-timeout", "0"])),
      cli(onDev(["apply", "--yes"], ["--stack", "team-b", "--lock-timeout", "0"]), { cluster: clusterB }),
    ]);
    figures.twoStacks = (Date.now() - t) / 1000;
    assert.equal(a.code, 0, show(a));
    assert.equal(b.code, 0, show(b));
    assert.doesNotMatch(a.stderr + b.stderr, /is locked/);
    assert.equal(await replicas(clusterA), 1);
    assert.equal(await replicas(clusterB), 1);
    const [da, db] = await Promise.all([
      cli(onDev(["destroy", "--yes"], ["--stack", "team-a"])),
      cli(onDev(["destroy", "--yes"], ["--stack", "team-b"]), { cluster: clusterB }),
    ]);
    assert.equal(da.code, 0, show(da));
    assert.equal(db.code, 0, show(db));
  });

  it("apply, preview --expect-no-changes, an update, outputs, refresh, status: all with --backend s3://…", async () => {
    const a = await cli(onDev(["apply", "--yes"]));
    figures.firstApply = a.seconds;
    assert.equal(a.code, 0, show(a));
    assertNoSecret(a);
    const p = await cli(onDev(["preview", "--expect-no-changes"]));
    figures.previewUnchanged = p.seconds;
    assert.equal(p.code, 0, show(p));
    const u = await cli(onDev(["apply", "--yes"], ["--set", "spec.controlPlane.replicas=2"]));
    assert.equal(u.code, 0, show(u));
    assert.equal(await replicas(), 2);
    const o = await cli(onDev(["outputs", "-o", "json"]));
    assert.equal(o.code, 0, show(o));
    assert.equal(JSON.parse(o.stdout).namespace, "istio-system");
    const rf = await cli(onDev(["refresh"]));
    assert.equal(rf.code, 0, show(rf));
    // no istiod runs here (kwok), so status may find the webhooks unhealthy (4); it must report
    const st = await cli(onDev(["status", "-o", "json"], ["--set", "spec.controlPlane.replicas=2"]));
    assert.ok([0, 4].includes(st.code ?? -1), show(st));
    assert.equal(typeof JSON.parse(st.stdout), "object", st.stdout);
    // the state is in the bucket, not in planton's own folder
    assert.ok((await keys(stackKey)).includes(stackKey), "the stack's checkpoint is in the bucket");
  });

  it("the bucket's objects hold no secret in clear, and no lock is left", async () => {
    const objects = await s3.objects();
    assert.ok(objects.size >= 3, [...objects.keys()].join("\n"));
    for (const [key, body] of objects)
      for (const n of secretNeedles())
        assert.ok(!body.toString("utf8").includes(n), `a secret in clear in ${key}`);
    const state = JSON.parse(objects.get(stackKey)?.toString("utf8") ?? "{}");
    assert.ok(JSON.stringify(state).includes('"ciphertext"'), "the kubeconfig is stored encrypted");
    assert.deepEqual(await keys(".pulumi/locks/"), []);
    assert.ok((await keys(".pulumi/history/")).length >= 3, "every update has a history entry");
  });

  it("a wrong passphrase, a missing bucket, wrong credentials, an endpoint that does not answer: one line, nothing changed", async () => {
    const change = ["--set", "spec.controlPlane.replicas=3"];
    const wrong = await cli(onDev(["apply", "--yes"], change), {
      env: { PULUMI_CONFIG_PASSPHRASE: "not-it-0000" },
    });
    assertOneLineError(wrong, [2], /cannot be decrypted/);
    const missing = await cli(onDev(["apply", "--yes"], change, s3.url("no-such-bucket")));
    assertOneLineError(missing, [2], /the state bucket s3:\/\/no-such-bucket does not exist/);
    const creds = await cli(onDev(["apply", "--yes"], change), {
      env: { AWS_SECRET_ACCESS_KEY: "wrong-secret-key-123456" },
    });
    assertOneLineError(creds, [2], /refused these credentials/);
    const deadUrl = s3.url().replace(/127\.0\.0\.1:\d+/, "127.0.0.1:9");
    const dead = await cli(onDev(["apply", "--yes"], change, deadUrl));
    assertOneLineError(dead, [1], /could not be reached \(http:\/\/127\.0\.0\.1:9\)/);
    figures.unreachableEndpoint = dead.seconds;
    assert.equal(await replicas(), 2, "no failed apply changed the cluster");
    assert.deepEqual(await keys(".pulumi/locks/"), []);
    console.log(
      `\nthe four errors:\n${[wrong, missing, creds, dead].map((r) => `exit ${r.code}: ${r.stderr.split("\n")[0]}`).join("\n")}`,
    );
  });

  it("two applies of the same stack: the second waits, naming the holder, then finds nothing to change", async () => {
    const change = ["--set", "spec.controlPlane.replicas=1", "--lock-timeout", "5m"];
    let stopped: ChildProcess | undefined;
    // hold the first apply while it holds the lock (SIGSTOP its process group), start the second
    const first = cli(onDev(["apply", "--yes"], change), {
      onStderr: (text, p) => {
        if (stopped === undefined && /release istiod: update started/.test(text) && p.pid !== undefined) {
          stopped = p;
          process.kill(-p.pid, "SIGSTOP");
        }
      },
    });
    while (stopped === undefined) await new Promise((r) => setTimeout(r, 100));
    const t = Date.now();
    let resumed = false;
    const second = cli(onDev(["apply", "--yes"], change), {
      onStderr: (text) => {
        if (!resumed && /is locked by pid \d+ on \S+ .*waiting up to 300 s/.test(text)) {
          resumed = true;
          setTimeout(() => stopped?.pid && process.kill(-stopped.pid, "SIGCONT"), 3000);
        }
      },
    });
    const [a, b] = await Promise.all([first, second]);
    figures.lockWait = (Date.now() - t) / 1000;
    assert.equal(a.code, 0, show(a));
    assert.equal(b.code, 0, show(b));
    assert.match(
      b.stderr,
      new RegExp(`stack dev-mesh is locked by pid \\d+ on ${hostname()} \\(user \\S+\\) since `),
    );
    assert.match(b.stderr, /No changes: stack dev-mesh matches the manifest/);
    assert.equal(await replicas(), 1);
  });

  it("a lock from another machine: waited for until --lock-timeout, named; unlock needs --force, then apply runs", async () => {
    const lock = JSON.stringify({
      pid: 4242,
      username: "ci",
      hostname: "other-runner-7",
      timestamp: "2026-12-05T01:02:03Z",
    });
    await s3.put(
      ".pulumi/locks/organization/planton-kubernetes-istio/dev-mesh/0c8c1e9e-aaaa-4bbb-8ccc-123456789abc.json",
      lock,
    );
    const change = ["--set", "spec.controlPlane.replicas=2"];
    const waited = await cli(onDev(["apply", "--yes"], [...change, "--lock-timeout", "4s"]));
    assertOneLineError(waited, [1], /still locked after \d+ s, by pid 4242 on other-runner-7 \(user ci\)/);
    assert.match(waited.stderr, /waiting up to 4 s/);
    const refused = await cli(onDev(["unlock"]));
    assertOneLineError(refused, [2], /locked from another machine: pid 4242 on other-runner-7/);
    assert.equal((await keys(".pulumi/locks/")).length, 1, "unlock without --force removed nothing");
    const forced = await cli(onDev(["unlock", "--force"]));
    assert.equal(forced.code, 0, show(forced));
    assert.match(forced.stdout, /removed lock of pid 4242 on other-runner-7/);
    assert.deepEqual(await keys(".pulumi/locks/"), []);
    const a = await cli(onDev(["apply", "--yes"], change));
    assert.equal(a.code, 0, show(a));
    assert.equal(await replicas(), 2);
  });

  it("a killed apply: its lock is named as stale, unlock removes it, the next apply repairs; history intact", async () => {
    const history = (await keys(".pulumi/history/")).length;
    const change = ["--set", "spec.controlPlane.replicas=3"];
    let sent = false;
    let orphans: number[] = [];
    const killed = await cli(onDev(["apply", "--yes"], change), {
      onStderr: (text, p) => {
        if (!sent && /release istiod: update started/.test(text) && p.pid !== undefined) {
          sent = true;
          orphans = descendants(p.pid);
          process.kill(-p.pid, "SIGKILL");
        }
      },
    });
    assert.equal(killed.signal, "SIGKILL");
    // the provider plugin of the killed pulumi runs in its own process group: end exactly it
    for (const pid of orphans)
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    const locked = await cli(onDev(["apply", "--yes"], change));
    assertOneLineError(locked, [1], /stack dev-mesh is locked/);
    assert.match(locked.stderr, /no longer runs: remove it with `planton unlock/);
    const u = await cli(onDev(["unlock"]));
    assert.equal(u.code, 0, show(u));
    assert.match(u.stdout, new RegExp(`removed lock of pid \\d+ on ${hostname()}`));
    const again = await cli(onDev(["apply", "--yes"], change));
    assert.equal(again.code, 0, show(again));
    assert.equal(await replicas(), 3);
    const objects = await s3.objects();
    const entries = [...objects.keys()].filter((k) => k.startsWith(".pulumi/history/"));
    assert.ok(entries.length > history, "the repairing apply added to the history");
    for (const k of entries) JSON.parse(objects.get(k)?.toString("utf8") ?? "");
  });

  it("destroy with --backend s3://… removes the install; the stack's record stays readable", async () => {
    const d = await cli(onDev(["destroy", "--yes"]));
    assert.equal(d.code, 0, show(d));
    assert.equal(
      (await clusterA.request("GET", "/apis/apps/v1/namespaces/istio-system/deployments/istiod")).status,
      404,
    );
    assert.deepEqual(await keys(".pulumi/locks/"), []);
  });
});
