/**
 * Wiring tests: the runner and the engine commands against a recording stand-in for the
 * `pulumi` executable and a stand-in Kubernetes API. They prove the commands, flags, state
 * settings, exit codes, lock/cancel handling and error mapping planton uses; they do not prove
 * the engine's behaviour (the end-to-end suite does that with the real CLI).
 */
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeEach, describe, it } from "node:test";
import { runCli } from "../../helpers/cli.js";
import { recordedOutputs, useStandIns } from "../../helpers/engine-fixture.js";
import { startFakeKubeApi, writeKubeconfig } from "../../helpers/fake-kube.js";
import { root } from "../../helpers/paths.js";

const dev = join(root, "examples", "dev.yaml");
const standIns = useStandIns();
let work = "";
let env: NodeJS.ProcessEnv = {};
const calls = () => standIns.fx.calls();
const commands = () => standIns.fx.commands();
const lockDir = () => standIns.fx.lockDir();
const behave = (b: object) => standIns.fx.behave(b);
const seedStack = (name: string, outputs: object) => standIns.fx.seedStack(name, outputs);

beforeEach(() => {
  work = standIns.fx.work;
  env = standIns.fx.env;
});

describe("preview", () => {
  it("selects the stack named after metadata.name in the embedded backend (0700) with a passphrase", async () => {
    behave({ changes: { create: 3 } });
    const r = await runCli(["preview", "-f", dev], { env });
    assert.equal(r.code, 0, r.stderr);
    const state = join(work, "home", "state");
    assert.equal(statSync(state).mode & 0o777, 0o700);
    const init = calls().find((c) => c.args[0] === "stack" && c.args[1] === "init");
    assert.equal(init?.args[2], "dev-mesh", JSON.stringify(calls()));
    const prev = calls().find((c) => c.args[0] === "preview");
    assert.ok(prev);
    assert.equal(prev.backend, `file://${state}`);
    assert.equal(prev.passphrase, true);
    assert.ok(prev.args.includes("--exec-kind") && prev.args.includes("auto.inline"));
    assert.ok(!prev.args.includes("--refresh"));
    assert.match(r.stdout, /\+ istio-base 1\.30\.3\n {2}\+ istiod 1\.30\.3/);
    assert.match(r.stdout, /Resources: 3 to create/);
    assert.ok(
      standIns.api.requests.some((x) => x.startsWith("GET /version")),
      "the cluster was checked first",
    );
  });
  it("passes --refresh, --stack and --backend through", async () => {
    behave({ changes: { same: 4 } });
    const backend = `file://${join(work, "elsewhere")}`;
    mkdirSync(join(work, "elsewhere"));
    const r = await runCli(["preview", "-f", dev, "--refresh", "--stack", "custom", "--backend", backend], {
      env: { ...env, PULUMI_CONFIG_PASSPHRASE: "a-long-test-passphrase" },
    });
    assert.equal(r.code, 0, r.stderr);
    const prev = calls().find((c) => c.args[0] === "preview");
    assert.ok(prev?.args.includes("--refresh"));
    assert.equal(prev?.backend, backend);
    assert.ok(calls().some((c) => c.args.includes("--stack") && c.args.includes("custom")));
  });
  it("--expect-no-changes exits 3 on changes and 0 without", async () => {
    behave({ changes: { update: 1, same: 2 } });
    assert.equal((await runCli(["preview", "-f", dev, "--expect-no-changes"], { env })).code, 3);
    behave({ changes: { same: 3 } });
    assert.equal((await runCli(["preview", "-f", dev, "--expect-no-changes"], { env })).code, 0);
  });
  it("--json prints one JSON document on stdout", async () => {
    behave({ changes: { create: 2 } });
    const r = await runCli(["preview", "-f", dev, "--json"], { env });
    const j = JSON.parse(r.stdout);
    assert.equal(j.hasChanges, true);
    assert.deepEqual(
      j.changes.map((c: { release: string; kind: string }) => `${c.kind} ${c.release}`),
      ["create istio-base", "create istiod"],
    );
  });
  it("shows per-release value changes against the recorded stack", async () => {
    seedStack("dev-mesh", recordedOutputs("1.30.3"));
    behave({ changes: { update: 1, same: 1 } });
    const r = await runCli(["preview", "-f", dev], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /~ istiod 1\.30\.3\n/);
    assert.match(r.stdout, /\+ pilot\.resources: \{"requests":\{"cpu":"100m","memory":"256Mi"\}\}/);
    assert.match(r.stdout, /- pilot\.replicaCount: 1/);
    assert.match(r.stdout, /= istio-base 1\.30\.3 \(no change\)/);
  });
});

describe("safety before the engine runs", () => {
  it("refuses an in-place jump of two minor versions, before any preview or update", async () => {
    seedStack("dev-mesh", recordedOutputs("1.28.10"));
    const r = await runCli(["apply", "--no-verify", "-f", dev, "--yes"], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /istiod would move from 1\.28\.10 to 1\.30\.3, 2 minor versions in one step/);
    assert.match(r.stderr, /hint: .*1\.29\.x/);
    assert.deepEqual(
      calls().filter((c) => ["preview", "up"].includes(c.args[0] ?? "")),
      [],
    );
  });
  it("allows one minor step", async () => {
    seedStack("dev-mesh", recordedOutputs("1.29.6"));
    behave({ changes: { update: 2 } });
    assert.equal((await runCli(["preview", "-f", dev], { env })).code, 0);
  });
  it("an unreachable cluster fails naming the context", async () => {
    const r = await runCli(["preview", "-f", dev], {
      env: { ...env, KUBECONFIG: writeKubeconfig(work, "http://127.0.0.1:1") },
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot reach the cluster of context "test-ctx" \(http:\/\/127\.0\.0\.1:1\)/);
  });
  it("an unknown context lists the ones that exist", async () => {
    const r = await runCli(["preview", "-f", dev, "--context", "prod"], { env });
    assert.equal(r.code, 2, "a context that does not exist is wrong input");
    assert.match(r.stderr, /no context named "prod"\n {2}hint: use one of: test-ctx, other-ctx/);
  });
  it("a cluster older than Istio's minimum is refused", async () => {
    const old = await startFakeKubeApi({ minor: "29" });
    try {
      const r = await runCli(["apply", "--no-verify", "-f", dev, "--yes"], {
        env: { ...env, KUBECONFIG: writeKubeconfig(work, old.url) },
      });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Kubernetes v1\.29\.1 is older than 1\.32, the minimum for Istio 1\.30\.3/);
    } finally {
      await old.close();
    }
  });
  it("an Istio control plane the stack does not manage is reported, not overwritten", async () => {
    const other = await startFakeKubeApi({
      deployments: [
        {
          metadata: { name: "istiod", namespace: "istio-system", labels: { app: "istiod" }, annotations: {} },
        },
      ],
    });
    try {
      const r = await runCli(["apply", "--no-verify", "-f", dev, "--yes"], {
        env: { ...env, KUBECONFIG: writeKubeconfig(work, other.url) },
      });
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /not manage is already installed: istio-system\/istiod \(not installed by Helm\)/,
      );
      assert.deepEqual(
        calls().filter((c) => c.args[0] === "up"),
        [],
      );
    } finally {
      await other.close();
    }
  });
});

describe("apply and destroy", () => {
  it("without a terminal and without --yes, apply refuses (exit 2) and changes nothing", async () => {
    behave({ changes: { create: 3 } });
    const r = await runCli(["apply", "--no-verify", "-f", dev], { env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /rerun with --yes/);
    assert.deepEqual(
      calls().filter((c) => c.args[0] === "up"),
      [],
    );
  });
  it("apply --yes runs one engine operation, the update (no separate preview), then prints the outputs", async () => {
    behave({ changes: { create: 3 }, outputs: recordedOutputs("1.30.3") });
    const r = await runCli(["apply", "--no-verify", "-f", dev, "--yes"], { env });
    assert.equal(r.code, 0, r.stderr);
    const up = calls().find((c) => c.args[0] === "up");
    assert.ok(up?.args.includes("--yes") && up.args.includes("--skip-preview"));
    assert.ok(!commands().includes("preview"), commands().join(" "));
    assert.match(r.stderr, /\+ istio-base 1\.30\.3/, "the release changes are shown before the update");
    assert.match(
      r.stdout,
      /namespace\s+istio-system\nversion\s+1\.30\.3\nistiod\s+istiod\.istio-system\.svc:15012/,
    );
    assert.match(r.stderr, /Applied in [\d.]+s: 3 created/);
  });
  it("the update and destroy take their counts from the engine's summary: no CLI run after the engine's", async () => {
    behave({ changes: { create: 3 }, outputs: recordedOutputs("1.30.3") });
    const a = await runCli(["apply", "--no-verify", "-f", dev, "--yes"], { env });
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stderr, /Applied in [\d.]+s: 3 created/);
    behave({ changes: { delete: 3 } });
    const d = await runCli(["destroy", "-f", dev, "--yes"], { env });
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stderr, /3 deleted/);
    const after = commands().filter((c) => c === "stack output" || c === "stack history");
    assert.deepEqual(after, [], commands().join(", "));
  });
  it("the state read tells whether the stack exists: a new one is created at once, an existing one not selected again", async () => {
    behave({ changes: { create: 3 }, outputs: recordedOutputs("1.30.3") });
    const a = await runCli(["apply", "--no-verify", "-f", dev, "--yes"], { env });
    assert.equal(a.code, 0, a.stderr);
    const first = commands();
    assert.ok(first.includes("stack init") && !first.includes("stack select"), first.join(", "));
    seedStack("dev-mesh", recordedOutputs("1.30.3"));
    behave({ changes: { same: 3 } });
    const p = await runCli(["preview", "-f", dev], { env });
    assert.equal(p.code, 0, p.stderr);
    const next = commands().slice(first.length);
    assert.ok(next.includes("preview"), next.join(", "));
    assert.deepEqual(
      next.filter((c) => c === "stack select" || c === "stack init"),
      [],
      next.join(", "),
    );
  });
  it("apply on a terminal previews first; with nothing to change it neither asks nor updates", async () => {
    seedStack("dev-mesh", recordedOutputs("1.30.3"));
    behave({ changes: { same: 3 } });
    let asked = false;
    const r = await runCli(["apply", "--no-verify", "-f", dev], {
      env,
      prompt: async () => {
        asked = true;
        return "y";
      },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /No changes/);
    assert.ok(commands().includes("preview"));
    assert.deepEqual(
      calls().filter((c) => c.args[0] === "up"),
      [],
    );
    assert.equal(asked, false);
  });
  it("apply --yes with nothing to change: one update that changes nothing, and says so", async () => {
    seedStack("dev-mesh", recordedOutputs("1.30.3"));
    behave({ changes: { same: 3 } });
    const r = await runCli(["apply", "--no-verify", "-f", dev, "--yes"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /No changes/);
    assert.deepEqual(
      commands().filter((c) => c === "preview" || c === "up"),
      ["up"],
    );
  });
  it("destroy --yes destroys, cleans istiod's leftovers and removes the stack", async () => {
    seedStack("dev-mesh", recordedOutputs("1.30.3"));
    behave({ changes: { delete: 3 } });
    // the stand-in API serves the whole file: apply's gate before this test reads CRDs too
    const earlier = standIns.api.requests.length;
    const r = await runCli(["destroy", "-f", dev, "--yes"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      commands().filter((c) => ["destroy", "stack rm"].includes(c)),
      ["destroy", "stack rm"],
    );
    assert.ok(
      standIns.api.requests.some((x) =>
        x.startsWith(
          "GET /apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations?labelSelector=",
        ),
      ),
    );
    assert.ok(
      standIns.api.requests.some((x) =>
        x.startsWith("GET /api/v1/configmaps?fieldSelector=metadata.name%3Distio-ca-root-cert"),
      ),
    );
    assert.ok(
      !standIns.api.requests.slice(earlier).some((x) => x.includes("customresourcedefinitions")),
      "CRDs stay without --purge-crds",
    );
    assert.match(r.stderr, /Istio's CRDs were kept/);
  });
  it("destroy --purge-crds lists the CRDs to delete them", async () => {
    seedStack("dev-mesh", recordedOutputs("1.30.3"));
    behave({ changes: { delete: 3 } });
    const r = await runCli(["destroy", "-f", dev, "--yes", "--purge-crds"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(
      standIns.api.requests.some((x) =>
        x.startsWith("GET /apis/apiextensions.k8s.io/v1/customresourcedefinitions"),
      ),
    );
  });
  it("outputs prints the recorded outputs, without the recorded values", async () => {
    seedStack("dev-mesh", recordedOutputs("1.30.3"));
    const r = await runCli(["outputs", "-f", dev, "-o", "json"], { env });
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.equal(o.istiodService, "istiod.istio-system.svc:15012");
    assert.equal(o.releases, undefined);
  });
});

describe("locks, cancellation and engine errors", () => {
  it("a locked stack gives a clear error naming the stack and the way out", async () => {
    behave({ fail: "locked" });
    const r = await runCli(["preview", "-f", dev], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /stack dev-mesh is locked/);
    assert.match(r.stderr, /planton unlock -f/);
  });
  it("unlock removes a lock left by a dead process, and refuses a live one without --force", async () => {
    const locks = lockDir();
    mkdirSync(locks, { recursive: true });
    writeFileSync(join(locks, "live.json"), JSON.stringify({ pid: process.pid, hostname: hostname() }));
    writeFileSync(join(locks, "live.json.attrs"), JSON.stringify({ user: { "gocloud-file-attrs": true } }));
    assert.equal((await runCli(["unlock", "-f", dev], { env })).code, 1);
    writeFileSync(join(locks, "live.json"), JSON.stringify({ pid: 2 ** 22 + 12345, hostname: hostname() }));
    const r = await runCli(["unlock", "-f", dev], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /removed lock of pid/);
    assert.deepEqual(readdirSync(locks), []);
  });
  it("engine errors are summarised with secrets redacted", async () => {
    behave({ fail: "error" });
    const r = await runCli(["preview", "-f", dev], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the engine failed/);
    assert.doesNotMatch(r.stderr, /s3cr3t-token/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
  it("Ctrl-C cancels the engine cleanly and exits 130", async () => {
    behave({ sleepMs: 20000, changes: { create: 1 } });
    const pending = runCli(["preview", "-f", dev], { env });
    const start = Date.now();
    while (
      !(existsSync(join(work, "fake", "calls.jsonl")) && calls().some((c) => c.args[0] === "preview")) &&
      Date.now() - start < 10000
    )
      await new Promise((r) => setTimeout(r, 50));
    // as if the CLI died holding its lock: planton releases it on the way out
    const locks = lockDir();
    mkdirSync(locks, { recursive: true });
    writeFileSync(join(locks, "l.json"), JSON.stringify({ pid: 2 ** 22 + 4321, hostname: hostname() }));
    process.emit("SIGINT");
    const r = await pending;
    assert.equal(r.code, 130, r.stderr);
    assert.deepEqual(readdirSync(locks), []);
    assert.match(r.stderr, /cancelled: the engine stopped cleanly and released the lock on stack dev-mesh/);
  });
});

describe("without a Pulumi CLI", () => {
  it("the installed command fails fast with exit 1 and how to install it", () => {
    // the built CLI, as users run it (the in-process runner would add tsx's start-up)
    const start = Date.now();
    const r = spawnSync(process.execPath, [join(root, "bin", "planton.mjs"), "preview", "-f", dev], {
      env: { ...env, PATH: `${dirname(process.execPath)}:/usr/bin:/bin` },
      encoding: "utf8",
    });
    const ms = Date.now() - start;
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /the Pulumi CLI is not installed and could not be installed automatically/);
    assert.match(r.stderr, /hint: install the Pulumi CLI/);
    // no download attempt and no 120 s install timeout: it fails at once (generous for a loaded machine)
    assert.ok(ms < 60_000, `took ${ms} ms`);
  });
});

describe("preview and the precheck gate's findings (a user who may not create webhooks)", () => {
  const denied = useStandIns({ deny: (a) => a.resource === "mutatingwebhookconfigurations" });

  it("lists them on stderr and in --json, exits 0; --expect-no-changes exits 4, not 3; waived, 3 again", async () => {
    const { fx } = denied;
    fx.behave({ changes: { update: 1, same: 2 } });
    const listed = await runCli(["preview", "-f", dev], { env: fx.env });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stderr, /ERROR +RBAC_MISSING/);
    const json = await runCli(["preview", "-f", dev, "--json"], { env: fx.env });
    assert.ok(
      JSON.parse(json.stdout).precheck.findings.some((f: { code: string }) => f.code === "RBAC_MISSING"),
      json.stdout,
    );
    const drift = ["preview", "-f", dev, "--expect-no-changes"];
    assert.equal((await runCli(drift, { env: fx.env })).code, 4);
    assert.equal((await runCli([...drift, "--skip-check", "RBAC_MISSING"], { env: fx.env })).code, 3);
  });
});
